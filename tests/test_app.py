"""The console as a user meets it: Pilot interactions and screen snapshots."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select
from textual.widgets import DataTable, Static

from msp_tui.engine.vocabulary import Channel, PriorityCode
from msp_tui.screens.queue import QueueScreen, format_age
from msp_tui.services import tickets as svc
from msp_tui.services.desk import Desk
from msp_tui.store.models import Ticket
from tests.conftest import FIXED_NOW
from tests.console_app import TERMINAL_SIZE, make_app


def test_format_age() -> None:
    assert format_age(FIXED_NOW - timedelta(minutes=5), FIXED_NOW) == "5m"
    assert format_age(FIXED_NOW - timedelta(hours=30), FIXED_NOW) == "30h"
    assert format_age(FIXED_NOW - timedelta(days=9), FIXED_NOW) == "9d"


async def test_queue_lists_open_tickets_and_toggles_closed(demo_desk: Desk) -> None:
    open_rows = demo_desk.queue()
    all_rows = demo_desk.queue(include_closed=True)
    assert 0 < len(open_rows) < len(all_rows)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        table = screen.query_one("#queue", DataTable)
        assert table.row_count == len(open_rows)
        first = table.get_row_at(0)
        assert first[0] == str(open_rows[0].number)
        assert "Alex Morgan" in app.sub_title
        await pilot.press("c")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert table.row_count == len(all_rows)
        assert "incl. closed" in str(screen.query_one("#summary", Static).render())
        await pilot.press("G")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("g")
        assert table.cursor_row == 0


async def test_queue_picks_up_a_write_from_elsewhere(demo_desk: Desk) -> None:
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        before = screen.query_one("#queue", DataTable).row_count
        # another process (here: another Desk on the same file) opens a ticket
        with demo_desk.db.session() as s:
            svc.create_ticket(
                s,
                at=FIXED_NOW,
                subject="Whole office offline",
                body="Nothing works",
                channel=Channel.PHONE,
                priority=PriorityCode.P1,
                client_id=1,
            )
        screen.poll_changes()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.query_one("#queue", DataTable).row_count == before + 1
        # and a poll with nothing new does not reload
        seq = screen.seq
        screen.poll_changes()
        await app.workers.wait_for_complete()
        assert screen.seq == seq
    with demo_desk.db.session() as s:
        assert s.exec(select(Ticket).where(Ticket.subject == "Whole office offline")).one()


def test_queue_snapshot(snap_compare, demo_desk: Desk) -> None:  # type: ignore[no-untyped-def]
    async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make_app(demo_desk), terminal_size=TERMINAL_SIZE, run_before=settle)
