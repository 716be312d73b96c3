"""The billing screen opens for a lead whose stored zone the tz database lacks: its "today"
and "This month" fall back to the desk's home zone (`services.local_zone.viewer_zone`)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select
from textual.widgets import Static

from msp_tui.engine.clock import FixedClock
from msp_tui.services.desk import Desk
from msp_tui.store.models import Technician
from tests.console_app import TERMINAL_SIZE, make_app
from tests.screens.test_billing import LEAD, open_billing


async def test_billing_screen_with_an_unknown_stored_zone(demo_desk: Desk) -> None:
    with demo_desk.db.session() as s:
        lead = s.exec(select(Technician).where(Technician.email == LEAD)).one()
        lead.timezone = "Mars/Base"  # stored before validation, or by an older tzdata
        s.add(lead)
    demo_desk.me_email = LEAD
    demo_desk._me = None
    assert isinstance(demo_desk.clock, FixedClock)
    # 21:00 on 30 November in New York (the demo's home), 1 December in UTC.
    demo_desk.clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_billing(pilot)
        assert screen.today == date(2026, 11, 30)
        assert (screen.period.start, screen.period.end) == (date(2026, 11, 1),
                                                            date(2026, 11, 30))
        assert "November 2026" in str(screen.query_one("#status", Static).content)
