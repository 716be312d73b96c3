"""The viewer's zone (`services.local_zone`): one rule for the dashboards, the billing
screen's "today" and the reports' home zone; a stored zone the tz database lacks is skipped."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from msp_tui.engine.billing import this_month
from msp_tui.engine.clock import FixedClock
from msp_tui.services import billing, dashboard, reports
from msp_tui.services.desk import Desk
from msp_tui.services.local_zone import home_zone, viewer_zone
from msp_tui.store.models import BusinessCalendarRow, Technician

LEAD = "taylor.reed@demo-msp.example"
# 21:00 on 30 November in New York (the demo's home), already 1 December in UTC and Tokyo.
LATE_EVENING = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def store_zone(desk: Desk, zone: str | None) -> None:
    """Write the lead's zone as a stored value (the people form would refuse a bad one)."""
    with desk.db.session() as s:
        lead = s.exec(select(Technician).where(Technician.email == LEAD)).one()
        lead.timezone = zone
        s.add(lead)
    desk.me_email = LEAD
    desk._me = None


@pytest.fixture
def late_desk(demo_desk: Desk) -> Desk:
    assert isinstance(demo_desk.clock, FixedClock)
    demo_desk.clock.set(LATE_EVENING)
    return demo_desk


@pytest.mark.parametrize(
    ("stored", "zone", "today"),
    [
        ("Asia/Tokyo", "Asia/Tokyo", date(2026, 12, 1)),
        ("Mars/Base", "America/New_York", date(2026, 11, 30)),  # unknown: the desk's home
        ("", "America/New_York", date(2026, 11, 30)),
        (None, "America/New_York", date(2026, 11, 30)),
    ],
)
def test_billing_today_and_dashboard_zone_follow_one_rule(
    late_desk: Desk, stored: str | None, zone: str, today: date
) -> None:
    store_zone(late_desk, stored)
    with late_desk.db.session() as s:
        assert viewer_zone(s, late_desk.me()) == zone
    # The billing screen's "today" and "this month" no longer raise on 'Mars/Base'.
    assert billing.local_today(late_desk) == today
    assert this_month(billing.local_today(late_desk)).start == today.replace(day=1)
    assert dashboard.my_dashboard(late_desk).zone == zone
    assert dashboard.team_dashboard(late_desk).zone == zone


def test_home_zone_is_the_first_calendars_else_utc(late_desk: Desk) -> None:
    with late_desk.db.session() as s:
        assert home_zone(s) == "America/New_York"
        assert reports.report_zone(s, "").key == "America/New_York"
        assert reports.report_zone(s, "Europe/Paris").key == "Europe/Paris"  # configured
        first = s.exec(select(BusinessCalendarRow).order_by(BusinessCalendarRow.id)).first()  # type: ignore[arg-type]
        assert first is not None
        first.tz = "Mars/Base"
        s.add(first)
    store_zone(late_desk, "Mars/Base")
    with late_desk.db.session() as s:
        assert home_zone(s) == "UTC"
        assert reports.report_zone(s, "").key == "UTC"
        assert viewer_zone(s, late_desk.me()) == "UTC"
    assert billing.local_today(late_desk) == date(2026, 12, 1)
