"""The escalations log and the toasts: notifications for me, written by any process."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import select
from textual.widgets import DataTable, Select, Static

from msp_tui.app import MspApp
from msp_tui.screens.escalation_filter import EscalationFilterDialog
from msp_tui.screens.escalation_log import EscalationLogScreen
from msp_tui.screens.ticket import TicketScreen
from msp_tui.services import notifications
from msp_tui.services.desk import Desk
from msp_tui.store.db import Database
from msp_tui.store.models import Notification, Technician, Ticket
from tests.conftest import FIXED_NOW
from tests.console_app import TERMINAL_SIZE, make_app
from tests.pilot_wait import settle, until


@dataclass(frozen=True)
class Seeded:
    """Three of my notifications on tickets of different clients and assignees, oldest
    first, and one for somebody else."""

    tickets: list[Ticket]
    ids: list[int]


def seed(desk: Desk, db: Database | None = None) -> Seeded:
    me = desk.me()
    assert me is not None
    with (db or desk.db).session() as s:
        picked: list[Ticket] = []
        for t in s.exec(select(Ticket).where(Ticket.client_id.is_not(None),  # type: ignore[union-attr]
                                             Ticket.assignee_id.is_not(None))  # type: ignore[union-attr]
                        .order_by(Ticket.number)).all():  # type: ignore[arg-type]
            if all(t.client_id != p.client_id and t.assignee_id != p.assignee_id for p in picked):
                picked.append(t)
            if len(picked) == 3:
                break
        other = s.exec(select(Technician).where(Technician.id != me.id)).first()
        assert other is not None
        rows = [
            Notification(recipient_id=me.id, level="warning", ticket_id=picked[0].id,
                         text="75 % of the response time used", created_at=FIXED_NOW
                         - timedelta(minutes=50)),
            Notification(recipient_id=me.id, level="error", ticket_id=picked[1].id,
                         text="90 % of the resolution time used", created_at=FIXED_NOW
                         - timedelta(minutes=20)),
            Notification(recipient_id=me.id, level="info", ticket_id=picked[2].id,
                         text=f"#{picked[2].number} assigned to you (rule: VIP)",
                         created_at=FIXED_NOW - timedelta(minutes=5)),
            Notification(recipient_id=other.id, level="error", ticket_id=picked[0].id,
                         text="not for me", created_at=FIXED_NOW),
        ]
        s.add_all(rows)
        s.flush()
        return Seeded(picked, [r.id for r in rows[:3]])  # type: ignore[misc]


async def open_log(pilot) -> EscalationLogScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("E")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, EscalationLogScreen)
    return screen


def toasts(app: MspApp) -> list[tuple[str, str]]:
    return [(str(n.message), n.severity) for n in app._notifications]


def shown_ids(screen: EscalationLogScreen) -> list[int]:
    return [r.id for r in screen.rows]


async def test_a_second_process_notification_reaches_the_console(demo_desk: Desk) -> None:
    app = make_app(demo_desk, refresh_seconds=0.2)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_log(pilot)
        assert screen.rows == []
        other = Database(demo_desk.db.url)  # another process: its own engine and connections
        try:
            seeded = seed(demo_desk, other)
        finally:
            other.dispose()
        # a couple of poll intervals, with room for a slow machine
        await until(pilot, lambda: len(toasts(app)) >= 3 and len(screen.rows) == 3)
        first, second, third = seeded.tickets
        assert sorted(toasts(app)) == sorted([
            (f"#{first.number} 75 % of the response time used", "warning"),
            (f"#{second.number} 90 % of the resolution time used", "error"),
            (f"#{third.number} assigned to you (rule: VIP)", "information"),
        ])
        assert shown_ids(screen) == seeded.ids[::-1]  # newest first, only mine
        row = screen.rows[1]
        assert (row.ticket_number, row.level) == (second.number, "error")
        assert row.client and row.assignee
        cells = [str(c) for c in screen.query_one(DataTable).get_row_at(1)]
        assert "✖ error" in cells and f"#{second.number}" in cells and "● new" in cells


async def test_filters_by_level_client_and_technician(demo_desk: Desk) -> None:
    seeded = seed(demo_desk)
    warning, error, info = seeded.ids
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_log(pilot)
        assert shown_ids(screen) == [info, error, warning]

        await pilot.press("v")  # any -> error
        await settle(pilot)
        assert shown_ids(screen) == [error]
        assert "filter: error" in str(screen.query_one("#summary", Static).content)
        await pilot.press("v", "v", "v")  # warning, info, any
        await settle(pilot)
        assert shown_ids(screen) == [info, error, warning]

        await pilot.press("f")
        dialog = app.screen
        assert isinstance(dialog, EscalationFilterDialog)
        dialog.query_one("#client", Select).value = str(seeded.tickets[1].client_id)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert shown_ids(screen) == [error]

        await pilot.press("f")
        dialog = app.screen
        assert isinstance(dialog, EscalationFilterDialog)
        dialog.query_one("#client", Select).value = "any"
        dialog.query_one("#assignee", Select).value = str(seeded.tickets[2].assignee_id)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert shown_ids(screen) == [info]
        assert "assignee" in str(screen.query_one("#summary", Static).content)


async def test_mark_read_and_mark_all_read(demo_desk: Desk) -> None:
    seeded = seed(demo_desk)
    warning, error, _info = seeded.ids
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_log(pilot)
        table = screen.query_one(DataTable)
        assert table.cursor_row == 0
        await pilot.press("r")  # the newest is read; the cursor moves on
        await settle(pilot)
        assert screen.rows[0].read_at is not None and screen.unread == 2
        assert screen.rows[table.cursor_row].id == error

        await pilot.press("u")  # unread only
        await settle(pilot)
        assert shown_ids(screen) == [error, warning]
        await pilot.press("space")  # marked read: leaves the list, the next takes its place
        await settle(pilot)
        assert shown_ids(screen) == [warning]

        await pilot.press("u")
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        assert screen.unread == 0
        assert all(r.read_at is not None for r in screen.rows)
    # only my rows were touched
    with demo_desk.db.session() as s:
        theirs = s.exec(select(Notification).where(Notification.text == "not for me")).one()
        assert theirs.read_at is None
    assert notifications.unread_count(demo_desk) == 0


async def test_mark_all_read_keeps_to_the_filter(demo_desk: Desk) -> None:
    seed(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_log(pilot)
        await pilot.press("v", "R")  # errors only
        await settle(pilot)
        assert screen.unread == 2
        assert [r.level for r in notifications.escalation_log(demo_desk)
                if r.read_at is None] == ["info", "warning"]


async def test_enter_opens_the_ticket(demo_desk: Desk) -> None:
    seeded = seed(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await open_log(pilot)
        await pilot.press("j", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert app.screen.ticket_id == seeded.tickets[1].id
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, EscalationLogScreen)


def test_escalation_log_snapshot(demo_desk: Desk, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        seeded = seed(demo_desk)  # after the first poll, so no toast covers the table
        notifications.mark_read(demo_desk, seeded.ids[:1])
        await pilot.press("E")
        await settle(pilot)

    assert snap_compare(make_app(demo_desk), terminal_size=TERMINAL_SIZE, run_before=run_before)
