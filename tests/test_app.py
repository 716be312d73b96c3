"""The console as a user meets it: Pilot interactions and screen snapshots."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from msp_tui.engine.vocabulary import Channel, PriorityCode
from msp_tui.screens.filter_dialog import FilterDialog
from msp_tui.screens.help import HelpScreen
from msp_tui.screens.queue import QueueScreen, format_age
from msp_tui.services import tickets as svc
from msp_tui.services.desk import Desk
from msp_tui.store.models import Ticket
from tests.conftest import FIXED_NOW
from tests.console_app import TERMINAL_SIZE, make_app
from tests.pilot_wait import settle as _settle
from tests.pilot_wait import until


def test_format_age() -> None:
    assert format_age(FIXED_NOW - timedelta(minutes=5), FIXED_NOW) == "5m"
    assert format_age(FIXED_NOW - timedelta(hours=30), FIXED_NOW) == "30h"
    assert format_age(FIXED_NOW - timedelta(days=9), FIXED_NOW) == "9d"


def _queue(app) -> QueueScreen:  # type: ignore[no-untyped-def]
    screen = app.screen
    assert isinstance(screen, QueueScreen)
    return screen


async def test_queue_lists_open_tickets_and_toggles_closed(demo_desk: Desk) -> None:
    open_rows = demo_desk.queue(limit=10_000)
    all_rows = demo_desk.queue(include_closed=True, limit=10_000)
    assert 0 < len(open_rows) < len(all_rows)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await _settle(pilot)
        table = _queue(app).table
        assert table.total == len(open_rows)
        assert table.current is not None and table.current.id == open_rows[0].id
        assert "Alex Morgan" in app.sub_title
        await pilot.press("c")
        await until(pilot, lambda: table.total == len(all_rows))
        await pilot.press("G")
        await until(pilot, lambda: table.cursor == table.total - 1)
        await _settle(pilot)
        assert table.current is not None  # the last page was loaded on demand
        await pilot.press("g")
        await until(pilot, lambda: table.cursor == 0)


async def test_queue_picks_up_a_write_from_elsewhere_keeping_the_cursor(demo_desk: Desk) -> None:
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await _settle(pilot)
        screen = _queue(app)
        table = screen.table
        before = table.total
        await pilot.press("j", "j", "j")
        await until(pilot, lambda: table.cursor == 3)
        chosen = table.current
        assert chosen is not None
        # another process (here: another session on the same file) opens an urgent ticket
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
        await until(pilot, lambda: table.total == before + 1)
        assert table.current is not None and table.current.id == chosen.id  # cursor kept
        seq = screen.seq
        screen.poll_changes()  # nothing new: no reload
        await _settle(pilot)
        assert screen.seq == seq
    with demo_desk.db.session() as s:
        assert s.exec(select(Ticket).where(Ticket.subject == "Whole office offline")).one()


async def test_search_filter_and_mine_narrow_the_list(demo_desk: Desk) -> None:
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await _settle(pilot)
        screen = _queue(app)
        everything = screen.table.total
        await pilot.press("m")
        await until(pilot, lambda: screen.table.total != everything)
        mine = screen.table.total
        assert 0 < mine < everything
        await pilot.press("m", "slash")
        await pilot.press(*"vpn")
        await pilot.press("enter")
        await until(pilot, lambda: '"vpn"' in str(screen.query_one("#summary").render()))
        await _settle(pilot)
        found = screen.table.total
        assert 0 < found < everything
        for i in range(found):
            row = screen.table.row_at(i)
            assert row is not None
        assert '"vpn"' in str(screen.query_one("#summary").render())
        await pilot.press("escape")
        await until(pilot, lambda: screen.table.total == everything)


async def test_filter_and_sort_persist_between_runs(demo_desk: Desk) -> None:
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await _settle(pilot)
        await pilot.press("m", "s", "s")  # mine; sort by client
        await until(pilot, lambda: _queue(app).sort.column == "client")
        await _settle(pilot)
    again = make_app(demo_desk)
    async with again.run_test(size=TERMINAL_SIZE) as pilot:
        await _settle(pilot)
        screen = _queue(again)
        assert screen.filter.assignee == "mine" and screen.sort.column == "client"


async def test_help_lists_the_screens_keys(demo_desk: Desk) -> None:
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await _settle(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert isinstance(app.screen, HelpScreen)
        ids = {e.binding_id for e in app.screen.entries}
        assert {"queue.search", "queue.filter", "queue.open", "app.quit", "app.board"} <= ids
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))


async def test_keymap_from_config_remaps_a_binding(demo_desk: Desk) -> None:
    app = make_app(demo_desk, keymap={"queue.mine": "M"})
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await _settle(pilot)
        await pilot.press("M")
        await until(pilot, lambda: _queue(app).filter.assignee == "mine")


def test_queue_snapshot(snap_compare, demo_desk: Desk) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(demo_desk), terminal_size=TERMINAL_SIZE, run_before=_settle)


def test_queue_snapshot_80x24(snap_compare, demo_desk: Desk) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(demo_desk), terminal_size=(80, 24), run_before=_settle)


def test_help_snapshot(snap_compare, demo_desk: Desk) -> None:  # type: ignore[no-untyped-def]
    async def open_help(pilot) -> None:  # type: ignore[no-untyped-def]
        await _settle(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))

    assert snap_compare(make_app(demo_desk), terminal_size=TERMINAL_SIZE, run_before=open_help)


def test_filter_snapshot(snap_compare, demo_desk: Desk) -> None:  # type: ignore[no-untyped-def]
    async def open_filter(pilot) -> None:  # type: ignore[no-untyped-def]
        await _settle(pilot)
        await pilot.press("f")
        await until(pilot, lambda: isinstance(pilot.app.screen, FilterDialog))

    assert snap_compare(make_app(demo_desk), terminal_size=TERMINAL_SIZE, run_before=open_filter)


async def test_notifications_for_me_become_toasts_once(demo_desk: Desk) -> None:
    from msp_tui.store.models import Notification

    app = make_app(demo_desk)
    shown: list[tuple[str, str]] = []
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await _settle(pilot)
        original = app.notify

        def spy(message: str, *args: object, **kwargs: object) -> None:
            shown.append((message, str(kwargs.get("severity", "information"))))
            original(message, *args, **kwargs)  # type: ignore[arg-type]

        app.notify = spy  # type: ignore[method-assign]
        me = demo_desk.me()
        assert me is not None
        with demo_desk.db.session() as s:  # written by "another process"
            s.add(Notification(recipient_id=me.id, level="error", text="#1234 breached its SLA",
                               created_at=FIXED_NOW))
            s.add(Notification(recipient_id=me.id + 1, level="error", text="not for me",
                               created_at=FIXED_NOW))
        app.poll_notifications()
        await _settle(pilot)
        app.poll_notifications()
        await _settle(pilot)
    assert shown == [("#1234 breached its SLA", "error")]


async def test_enter_opens_the_ticket_under_the_cursor_and_escape_returns(demo_desk: Desk) -> None:
    from msp_tui.screens.ticket import TicketScreen

    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await _settle(pilot)
        queue = _queue(app)
        await pilot.press("j", "j")
        await until(pilot, lambda: queue.table.cursor == 2)
        chosen = queue.table.current
        assert chosen is not None
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen))
        await _settle(pilot)
        assert isinstance(app.screen, TicketScreen) and app.screen.ticket_id == chosen.id
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is queue)
        await _settle(pilot)
        assert queue.table.current == chosen


async def test_filter_dialog_combines_with_search_and_rejects_bad_dates(demo_desk: Desk) -> None:
    from textual.widgets import Input, SelectionList

    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await _settle(pilot)
        queue = _queue(app)
        everything = queue.table.total
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, FilterDialog))
        dialog = app.screen
        assert isinstance(dialog, FilterDialog)
        dialog.query_one("#priorities", SelectionList).select("P2")
        dialog.query_one("#badges", SelectionList).select("Breached")
        dialog.query_one("#created_from", Input).value = "24-11-2026"  # wrong format
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "not a date" in str(dialog.query_one("#error").render()))
        assert app.screen is dialog  # kept open, input kept
        dialog.query_one("#created_from", Input).value = ""
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is queue and queue.table.total != everything)
        narrowed = queue.table.total
        assert 0 < narrowed < everything
        for i in range(narrowed):
            row = queue.table.row_at(i)
            assert row is not None and row.priority == "P2"
        assert "P2" in str(queue.query_one("#summary").render())
        # search combines with the filter (AND)
        await pilot.press("slash", *"vpn", "enter")
        await until(pilot, lambda: '"vpn"' in str(queue.query_one("#summary").render()))
        await _settle(pilot)
        assert queue.table.total <= narrowed
        await pilot.press("x")  # clear everything
        await until(pilot, lambda: queue.table.total == everything)
