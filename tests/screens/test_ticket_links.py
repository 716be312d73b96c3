"""The ticket detail's assign picker and master/child links, driven by keys."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlmodel import select
from textual.widgets import Input, Label, OptionList

from msp_tui.screens.ticket import links_text
from msp_tui.screens.ticket_dialogs import AssigneePicker, ParentDialog
from msp_tui.services.desk import Desk
from msp_tui.services.ticket_view import ticket_detail
from msp_tui.services.tickets import ServiceError
from msp_tui.store.models import AuditEvent, Status, Technician, Ticket
from msp_tui.store.ticket_queries import LinkedTicketView
from tests.console_app import TERMINAL_SIZE, make_app
from tests.pilot_wait import settle, until
from tests.screens.test_ticket_screen import (
    SMALL,
    fresh_ticket,
    open_ticket,
    shown,
    type_text,
)

# ---------------------------------------------------------------- helpers


def demo_ticket(desk: Desk, *, closed: bool) -> tuple[int, int]:
    """(id, number) of the lowest-numbered demo ticket that is (or is not) closed."""
    with desk.db.session() as s:
        category = Status.category == "closed" if closed else Status.category == "open"
        row = s.exec(
            select(Ticket.id, Ticket.number)
            .join(Status, Status.id == Ticket.status_id)  # type: ignore[arg-type]
            .where(category, Ticket.parent_id == None)  # type: ignore[arg-type]  # noqa: E711
            .order_by(Ticket.number)  # type: ignore[arg-type]
        ).first()
    assert row is not None
    return row[0], row[1]


def number_of(desk: Desk, ticket_id: int) -> int:
    return ticket_detail(desk, ticket_id).number


def parent_id_of(desk: Desk, ticket_id: int) -> int | None:
    with desk.db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket.parent_id


def audits(desk: Desk, ticket_id: int, field: str) -> list[tuple[str | None, str | None]]:
    with desk.db.session() as s:
        rows = s.exec(
            select(AuditEvent)
            .where(
                AuditEvent.entity == "ticket",
                AuditEvent.entity_id == ticket_id,
                AuditEvent.field == field,
            )
            .order_by(AuditEvent.id)  # type: ignore[arg-type]
        ).all()
        return [(a.old_value, a.new_value) for a in rows]


def error_of(dialog: ParentDialog) -> str:
    return str(dialog.query_one("#error", Label).render())


# ---------------------------------------------------------------- assign


async def test_assign_through_the_picker(demo_desk: Desk) -> None:
    ticket_id = fresh_ticket(demo_desk)
    demo_desk.assign(ticket_id, None)  # the starter rules gave it to General Support's turn
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, ticket_id)
        assert "— unassigned" in shown(screen.query_one("#ticket-header"))
        await pilot.press("A")
        await until(pilot, lambda: isinstance(app.screen, AssigneePicker)
                    and app.screen.focused is not None)
        picker = app.screen
        assert isinstance(picker, AssigneePicker)
        # unassigned already: no "Unassigned" choice; "me" is marked
        assert all(c.technician_id is not None for c in picker.shown)
        labels = [str(o.prompt) for o in picker.query_one(OptionList).options]
        assert "Alex Morgan  (me)" in labels
        await type_text(pilot, "jord")
        await until(pilot, lambda: [c.name for c in picker.shown] == ["Jordan Blake"])
        await pilot.press("enter")
        await until(pilot, lambda: screen.detail is not None
                    and screen.detail.assignee == "Jordan Blake")
        assert app.screen is screen
        assert "Jordan Blake" in shown(screen.query_one("#ticket-header"))
    with demo_desk.db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        tech = s.exec(select(Technician).where(Technician.name == "Jordan Blake")).one()
        assert ticket is not None and ticket.assignee_id == tech.id
    assert audits(demo_desk, ticket_id, "assignee")[-1] == (None, "Jordan Blake")


async def test_assign_to_nobody_and_escape_changes_nothing(demo_desk: Desk) -> None:
    ticket_id = fresh_ticket(demo_desk)
    demo_desk.assign(ticket_id, demo_desk.me().id)  # type: ignore[union-attr]
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, ticket_id)
        seq = demo_desk.change_seq()
        await pilot.press("A", "s", "a", "m", "escape")  # typed, then cancelled
        await until(pilot, lambda: app.screen is screen)
        await settle(pilot)
        assert demo_desk.change_seq() == seq
        await pilot.press("A")
        await until(pilot, lambda: isinstance(app.screen, AssigneePicker)
                    and app.screen.focused is not None)
        picker = app.screen
        assert isinstance(picker, AssigneePicker)
        assert picker.shown[0].technician_id is None  # "Unassigned" comes first
        assert "Alex Morgan" not in [c.name for c in picker.shown]  # the current one is not
        await pilot.press("enter")
        await until(pilot, lambda: screen.detail is not None and screen.detail.assignee is None)
        assert "— unassigned" in shown(screen.query_one("#ticket-header"))
    assert audits(demo_desk, ticket_id, "assignee")[-1] == ("Alex Morgan", None)


# ---------------------------------------------------------------- link to a parent


async def test_link_a_fresh_ticket_to_a_master_by_number(demo_desk: Desk) -> None:
    master_id, master = demo_ticket(demo_desk, closed=False)
    child_id = fresh_ticket(demo_desk)
    child = number_of(demo_desk, child_id)
    seq = demo_desk.change_seq()
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, child_id)
        assert "Parent" not in shown(screen.query_one("#ticket-header"))
        await pilot.press("L")
        await until(pilot, lambda: isinstance(app.screen, ParentDialog)
                    and app.screen.focused is not None)
        await type_text(pilot, f"#{master}")
        await pilot.press("enter")
        await until(pilot, lambda: screen.detail is not None and screen.detail.parent is not None)
        assert app.screen is screen
        assert screen.detail.parent.number == master
        header = shown(screen.query_one("#ticket-header"))
        assert f"Parent   #{master} " in header
        # the master's own detail lists the child
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is not screen)
        master_screen = await open_ticket(app, pilot, master_id)
        assert master_screen.detail is not None
        assert [c.number for c in master_screen.detail.children] == [child]
        header = shown(master_screen.query_one("#ticket-header"))
        assert f"Children #{child} (1, 1 open)" in header
    assert parent_id_of(demo_desk, child_id) == master_id
    assert demo_desk.change_seq() == seq + 1
    assert audits(demo_desk, child_id, "parent") == [(None, f"#{master}")]


async def test_refused_links_say_why_and_change_nothing(demo_desk: Desk) -> None:
    _, master = demo_ticket(demo_desk, closed=False)
    _, closed = demo_ticket(demo_desk, closed=True)
    ticket_id = fresh_ticket(demo_desk)
    me = number_of(demo_desk, ticket_id)
    child_id = fresh_ticket(demo_desk)
    child = number_of(demo_desk, child_id)
    demo_desk.link_parent(child_id, me)  # the fresh ticket is a master already
    seq = demo_desk.change_seq()
    refusals = {
        str(me): "cannot be its own parent",
        f"#{child}": "loop",
        str(closed): f"#{closed} is closed",
        "999999": "no ticket #999999",
        "abc": "not a ticket number",
        f"#{master}": f"#{me} is a master",
    }
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, ticket_id)
        for typed, why in refusals.items():
            await pilot.press("L")
            await until(pilot, lambda: isinstance(app.screen, ParentDialog)
                        and app.screen.focused is not None)
            dialog = app.screen
            assert isinstance(dialog, ParentDialog)
            await type_text(pilot, typed)
            await pilot.press("enter")
            await until(pilot, lambda: why in error_of(dialog))  # noqa: B023
            assert app.screen is dialog, typed  # still open, to fix and send again
            assert dialog.query_one("#parent", Input).value == typed
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is screen)
        assert "Parent" not in shown(screen.query_one("#ticket-header"))
        assert f"Children #{child}" in shown(screen.query_one("#ticket-header"))
    assert demo_desk.change_seq() == seq
    assert parent_id_of(demo_desk, ticket_id) is None
    assert parent_id_of(demo_desk, child_id) == ticket_id
    assert audits(demo_desk, ticket_id, "parent") == []


async def test_a_child_cannot_go_under_another_child(demo_desk: Desk) -> None:
    master_id, master = demo_ticket(demo_desk, closed=False)
    first, second = fresh_ticket(demo_desk), fresh_ticket(demo_desk)
    demo_desk.link_parent(first, master)
    with pytest.raises(ServiceError, match=f"itself a child of #{master}"):
        demo_desk.link_parent(second, number_of(demo_desk, first))
    assert parent_id_of(demo_desk, second) is None
    # re-filing under the master it is already under changes nothing
    seq = demo_desk.change_seq()
    demo_desk.link_parent(first, master)
    assert demo_desk.change_seq() == seq
    assert parent_id_of(demo_desk, first) == master_id


async def test_empty_input_unlinks(demo_desk: Desk) -> None:
    master_id, master = demo_ticket(demo_desk, closed=False)
    ticket_id = fresh_ticket(demo_desk)
    demo_desk.link_parent(ticket_id, master)
    app = make_app(demo_desk)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_ticket(app, pilot, ticket_id)
        assert f"#{master}" in shown(screen.query_one("#ticket-header"))
        await pilot.press("L")
        await until(pilot, lambda: isinstance(app.screen, ParentDialog)
                    and app.screen.focused is not None)
        dialog = app.screen
        assert isinstance(dialog, ParentDialog)
        hints = " ".join(str(label.render()) for label in dialog.query(".hint"))
        assert f"Now under #{master}" in hints
        await pilot.press("enter")
        await until(pilot, lambda: screen.detail is not None and screen.detail.parent is None)
        assert app.screen is screen
        assert "Parent" not in shown(screen.query_one("#ticket-header"))
    assert parent_id_of(demo_desk, ticket_id) is None
    assert ticket_detail(demo_desk, master_id).children == ()
    assert audits(demo_desk, ticket_id, "parent") == [(None, f"#{master}"), (f"#{master}", None)]


async def test_empty_input_on_an_unlinked_ticket_is_nothing_to_do(demo_desk: Desk) -> None:
    ticket_id = fresh_ticket(demo_desk)
    seq = demo_desk.change_seq()
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await open_ticket(app, pilot, ticket_id)
        await pilot.press("L", "enter")
        await until(pilot, lambda: isinstance(app.screen, ParentDialog)
                    and "nothing to change" in error_of(app.screen))
    assert demo_desk.change_seq() == seq


def test_links_line_names_a_closed_master_and_cuts_long_lists(demo_desk: Desk) -> None:
    detail = ticket_detail(demo_desk, fresh_ticket(demo_desk))
    assert links_text(detail) is None
    subject = "Mail server down for the whole office, all sites"
    master = LinkedTicketView(1, 1200, subject, "Closed", "closed")
    children = tuple(
        LinkedTicketView(i, 1300 + i, "x", *(("New", "open") if i % 2 else ("Done", "resolved")))
        for i in range(10)
    )
    line = links_text(replace(detail, parent=master, children=children))
    assert line is not None
    assert line.plain == (
        "Parent   #1200 Mail server down for the whole office,… (Closed)   "
        "Children #1300, #1301, #1302, #1303, #1304, #1305, #1306, #1307 +2 more (10, 5 open)"
    )
