"""Screens open for a technician whose stored zone the tz database lacks ('Mars/Base'):
the ticket shows its times in its own calendar's zone, the mail quarantine and the CSV
import in the desk's home zone (`services.local_zone`)."""

from __future__ import annotations

from email.message import EmailMessage
from zoneinfo import ZoneInfo

from textual.widgets import DataTable, Input, Static

from msp_tui.demo.data import ALWAYS_OPEN
from msp_tui.screens.filter_dialog import _zone
from msp_tui.screens.mail_quarantine import QuarantineScreen
from msp_tui.screens.ticket import MessageBox
from msp_tui.services.desk import Desk
from tests.console_app import TERMINAL_SIZE, make_app
from tests.pilot_wait import until
from tests.screens.test_escalation_log import open_log
from tests.screens.test_mail_quarantine import quarantine
from tests.screens.test_settings_import import open_import
from tests.screens.test_ticket_screen import flat, open_ticket
from tests.services.test_stored_bad_zone import ADMIN, ME, set_calendar_zone, store_zone, ticket_on


def a_mail() -> bytes:
    msg = EmailMessage()
    msg["Subject"] = "No sender here"
    msg.set_content("Hello.")
    return msg.as_bytes()


async def test_ticket_screen_reads_in_the_tickets_calendar_zone(demo_desk: Desk) -> None:
    store_zone(demo_desk, ME, "Mars/Base")
    set_calendar_zone(demo_desk, ALWAYS_OPEN, "Asia/Tokyo")  # not the desk's home (New York)
    ticket_id = ticket_on(demo_desk, ALWAYS_OPEN)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, ticket_id)
        assert screen.detail is not None and screen.detail.zone == "Asia/Tokyo"
        sla = screen.query_one("#sla", Static)
        assert str(sla.border_subtitle).startswith("times in JST")
        assert "Due (JST)" in flat(sla)
        first = screen.detail.messages[0]
        tokyo = first.at.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%a %d %b %H:%M JST")
        assert str(screen.query(MessageBox).first().border_subtitle).startswith(tokyo)


async def test_quarantine_reads_in_the_desks_home_zone(demo_desk: Desk) -> None:
    store_zone(demo_desk, ADMIN, "Mars/Base")
    quarantine(demo_desk, a_mail(), 1)  # received and polled at FIXED_NOW, 15:30 UTC
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await pilot.press("M")
        await until(pilot, lambda: isinstance(app.screen, QuarantineScreen)
                    and app.screen.query_one(DataTable).row_count > 0)
        screen = app.screen
        assert isinstance(screen, QuarantineScreen) and screen.zone == "America/New_York"
        boxes = str(screen.query_one("#mailboxes", Static).render())
        assert "last poll Tue 24 Nov 10:30 EST" in boxes
        table = screen.query_one(DataTable)
        assert str(table.get_row_at(0)[0]) == "Tue 24 Nov 10:30"


async def test_import_proposes_the_desks_home_zone(demo_desk: Desk) -> None:
    store_zone(demo_desk, ADMIN, "Mars/Base")
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_import(pilot)
        assert screen.zone == "America/New_York"
        assert screen.query_one("#zone", Input).value == "America/New_York"


async def test_escalation_log_reads_in_the_desks_home_zone(demo_desk: Desk) -> None:
    store_zone(demo_desk, ME, "Mars/Base")
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_log(pilot)
        assert screen.zone == "America/New_York"
        await until(pilot, lambda: "times in America/New_York"
                    in str(screen.query_one("#summary", Static).render()))


def test_queue_filter_days_are_read_in_the_desks_home_zone(demo_desk: Desk) -> None:
    store_zone(demo_desk, ME, "Mars/Base")
    assert _zone(demo_desk) == ZoneInfo("America/New_York")
