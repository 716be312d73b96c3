"""Master/child and duplicate links on the ticket detail, driven by keys: the links pane,
linking children (K), the cascade prompts after resolving a master and on a reply, marking
a duplicate (O), and a new ticket filed under a parent from the form."""

from __future__ import annotations

from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Label, TextArea

from msp_tui.engine.vocabulary import PriorityCode
from msp_tui.screens.dialogs import ConfirmDialog
from msp_tui.screens.new_ticket import NewTicketScreen
from msp_tui.screens.ticket_dialogs import (
    ChildrenDialog,
    DuplicateDialog,
    MessageDialog,
    StatusPicker,
)
from msp_tui.screens.transition import TransitionDialog
from msp_tui.services.desk import Desk
from msp_tui.services.ticket_view import ticket_detail
from msp_tui.services.tickets import Closure
from msp_tui.store.models import Message, OutboxMail, Status, Ticket
from tests.console_app import TERMINAL_SIZE, make_app
from tests.pilot_wait import settle, until
from tests.screens.test_new_ticket import choose, ids, open_form
from tests.screens.test_resolve_dialog import resolve_in_dialog
from tests.screens.test_ticket_screen import (
    OUTBOUND,
    fresh_ticket,
    open_ticket,
    shown,
    type_text,
)
from tests.services.test_links import from_contacts

# ---------------------------------------------------------------- helpers


def number_of(desk: Desk, ticket_id: int) -> int:
    return ticket_detail(desk, ticket_id).number


def status_of(desk: Desk, ticket_id: int) -> str:
    with desk.db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        status = s.get(Status, ticket.status_id)
        assert status is not None
        return status.key or ""


def master_with_children(desk: Desk, *, finished: bool = True) -> tuple[int, list[int]]:
    """A fresh master with two open children and, with `finished`, one resolved child."""
    master = fresh_ticket(desk)
    children = [fresh_ticket(desk), fresh_ticket(desk)]
    if finished:
        done = fresh_ticket(desk)
        desk.change_status(done, "resolved", closure=Closure("no_fault_found", "fixed on its own"))
        children.append(done)
    desk.link_children(master, [number_of(desk, c) for c in children])
    return master, children


def error_of(dialog: object) -> str:
    return str(dialog.query_one("#error", Label).render())  # type: ignore[attr-defined]


async def resolve(pilot: Pilot[None], reason: str) -> None:
    """s, pick Resolved, give the resolution: up to the cascade question."""
    app = pilot.app
    await pilot.press("s")
    await until(pilot, lambda: isinstance(app.screen, StatusPicker)
                and app.screen.focused is not None)
    await type_text(pilot, "Resolved")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, TransitionDialog)
                and app.screen.focused is not None)
    await resolve_in_dialog(pilot, reason)


# ---------------------------------------------------------------- snapshot


def test_master_links_pane_snapshot(snap_compare, demo_desk: Desk) -> None:  # type: ignore[no-untyped-def]
    client = ticket_detail(demo_desk, fresh_ticket(demo_desk)).client_id

    def opened(subject: str) -> int:
        return demo_desk.create_ticket(subject=subject, body="-", priority=PriorityCode.P2,
                                       client_id=client)

    master = opened("Exchange Online down for the whole office")
    children = [opened(s) for s in ("Outlook will not connect", "No mail since 9am",
                                    "Phone app shows no new mail")]
    demo_desk.change_status(children[2], "resolved",
                            closure=Closure("no_fault_found", "came back after a restart"))
    demo_desk.link_children(master, [number_of(demo_desk, c) for c in children])
    demo_desk.mark_duplicate(opened("Email is down"), number_of(demo_desk, master))

    async def run_before(pilot: Pilot[None]) -> None:
        await open_ticket(pilot.app, pilot, master)  # type: ignore[arg-type]

    assert snap_compare(make_app(demo_desk), terminal_size=TERMINAL_SIZE, run_before=run_before)


# ---------------------------------------------------------------- children


async def test_link_children_with_k(demo_desk: Desk) -> None:
    master = fresh_ticket(demo_desk)
    a, b = fresh_ticket(demo_desk), fresh_ticket(demo_desk)
    na, nb = number_of(demo_desk, a), number_of(demo_desk, b)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, master)
        assert not screen.query_one("#links").display  # no links, no pane
        await pilot.press("K")
        await until(pilot, lambda: isinstance(app.screen, ChildrenDialog)
                    and app.screen.focused is not None)
        dialog = app.screen
        assert isinstance(dialog, ChildrenDialog)
        await type_text(pilot, f"{na}, #999999")
        await pilot.press("enter")
        await until(pilot, lambda: "no ticket #999999" in error_of(dialog))
        assert app.screen is dialog
        dialog.query_one("#children", Input).value = f"{na}, #{nb}"
        await pilot.press("enter")
        await until(pilot, lambda: screen.detail is not None and bool(screen.detail.children))
        await settle(pilot)
        assert app.screen is screen
        assert screen.detail is not None
        assert [c.number for c in screen.detail.children] == [na, nb]
        pane = screen.query_one("#links")
        assert pane.display
        text = shown(pane)
        assert "master of 2 (2 open)" in text
        assert f"Child #{na} New" in " ".join(text.split())
        # and out again with -number
        await pilot.press("K")
        await until(pilot, lambda: isinstance(app.screen, ChildrenDialog)
                    and app.screen.focused is not None)
        await type_text(pilot, f"-{na}")
        await pilot.press("enter")
        await until(pilot, lambda: screen.detail is not None
                    and len(screen.detail.children) == 1)
        assert [c.number for c in screen.detail.children] == [nb]
    with demo_desk.db.session() as s:
        assert s.get(Ticket, a).parent_id is None  # type: ignore[union-attr]
        assert s.get(Ticket, b).parent_id == master  # type: ignore[union-attr]


async def test_a_child_cannot_take_children(demo_desk: Desk) -> None:
    _, children = master_with_children(demo_desk, finished=False)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, children[0])
        await pilot.press("K")
        await until(pilot, lambda: any(
            "only a master has children" in n.message for n in app._notifications))
        await settle(pilot)
        assert app.screen is screen  # refused with a toast, no dialog


# ---------------------------------------------------------------- cascade of status


async def test_resolving_a_master_offers_to_resolve_its_open_children_yes(
    demo_desk: Desk,
) -> None:
    master, (a, b, done) = master_with_children(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, master)
        await resolve(pilot, "MX record fixed")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        question = app.screen
        assert isinstance(question, ConfirmDialog)
        assert question.question == (
            f"Also resolve the 2 open children of #{number_of(demo_desk, master)}?"
        )
        await until(pilot, lambda: question.focused is not None)
        assert question.focused is not None and question.focused.id == "no"  # the default
        await pilot.press("y")
        await until(pilot, lambda: screen.detail is not None and screen.detail.open_children == 0)
        assert app.screen is screen
    assert [status_of(demo_desk, t) for t in (master, a, b, done)] == ["resolved"] * 4
    summaries = [ticket_detail(demo_desk, t) for t in (a, b)]
    assert all(d.resolved_at is not None for d in summaries)


async def test_resolving_a_master_and_answering_no_leaves_the_children(demo_desk: Desk) -> None:
    master, (a, b, _) = master_with_children(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, master)
        await resolve(pilot, "MX record fixed")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog)
                    and app.screen.focused is not None)
        await pilot.press("enter")  # enter on the focused No
        await until(pilot, lambda: screen.detail is not None
                    and screen.detail.status_key == "resolved")
        await settle(pilot)
        assert app.screen is screen
        assert screen.detail.open_children == 2
    assert [status_of(demo_desk, t) for t in (master, a, b)] == ["resolved", "new", "new"]


async def test_no_question_without_open_children(demo_desk: Desk) -> None:
    master = fresh_ticket(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, master)
        await resolve(pilot, "Rebooted")
        await until(pilot, lambda: screen.detail is not None
                    and screen.detail.status_key == "resolved")
        await settle(pilot)
        assert app.screen is screen
    assert status_of(demo_desk, master) == "resolved"


# ---------------------------------------------------------------- cascade of a reply


async def test_a_reply_on_the_master_can_go_to_every_open_child(demo_desk: Desk) -> None:
    demo_desk.outbound = OUTBOUND
    master, a, b, done = (t for t, _ in from_contacts(demo_desk, 4))  # four contacts
    demo_desk.change_status(done, "closed", closure=Closure("fixed", "Fixed"))
    demo_desk.link_children(master, [number_of(demo_desk, t) for t in (a, b, done)])
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await open_ticket(app, pilot, master)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, MessageDialog)
                    and app.screen.focused is not None)
        dialog = app.screen
        assert isinstance(dialog, MessageDialog)
        box = dialog.query_one("#children", Checkbox)
        assert str(box.label).startswith("Also send to the 2 open child tickets")
        assert box.value is False  # off unless asked
        dialog.query_one("#body", TextArea).text = "Mail flows again."
        box.value = True
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, MessageDialog))
        await settle(pilot)
    with demo_desk.db.session() as s:
        replied = {m.ticket_id for m in s.exec(
            select(Message).where(Message.body == "Mail flows again.")).all()}
        mailed = {m.ticket_id for m in s.exec(
            select(OutboxMail).where(OutboxMail.body.contains("Mail flows again."))  # type: ignore[attr-defined]
        ).all()}
    assert replied == mailed == {master, a, b}  # the closed child is left alone


async def test_a_reply_without_the_box_stays_on_the_master(demo_desk: Desk) -> None:
    master, _ = master_with_children(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await open_ticket(app, pilot, master)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, MessageDialog)
                    and app.screen.focused is not None)
        app.screen.query_one("#body", TextArea).text = "Looking into it."
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, MessageDialog))
        await settle(pilot)
    with demo_desk.db.session() as s:
        replied = {m.ticket_id for m in s.exec(
            select(Message).where(Message.body == "Looking into it.")).all()}
    assert replied == {master}


# ---------------------------------------------------------------- duplicates


async def test_mark_duplicate_refused_for_a_chain_then_accepted(demo_desk: Desk) -> None:
    original, first, ticket = fresh_ticket(demo_desk), fresh_ticket(demo_desk), fresh_ticket(
        demo_desk)
    no, nf = number_of(demo_desk, original), number_of(demo_desk, first)
    demo_desk.mark_duplicate(first, no)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, ticket)
        await pilot.press("O")
        await until(pilot, lambda: isinstance(app.screen, DuplicateDialog)
                    and app.screen.focused is not None)
        dialog = app.screen
        assert isinstance(dialog, DuplicateDialog)
        await type_text(pilot, f"#{nf}")
        await pilot.press("enter")
        await until(pilot, lambda: "no chains" in error_of(dialog))
        assert app.screen is dialog  # kept, to fix and send again
        assert error_of(dialog) == (
            f"✖ #{nf} is itself a duplicate of #{no}: mark #{number_of(demo_desk, ticket)} "
            f"a duplicate of #{no} instead (no chains)"
        )
        dialog.query_one("#original", Input).value = str(no)
        await pilot.press("enter")
        await until(pilot, lambda: screen.detail is not None
                    and screen.detail.duplicate_of is not None)
        await settle(pilot)
        assert app.screen is screen
        assert screen.detail.duplicate_of.number == no
        assert screen.detail.status_key == "new"  # still open: the technician decides
        assert f"Duplicate of #{no}" in " ".join(shown(screen.query_one("#links")).split())
        # empty unmarks
        await pilot.press("O", "enter")
        await until(pilot, lambda: screen.detail is not None and screen.detail.duplicate_of is None)
        await settle(pilot)
        assert not screen.query_one("#links").display
    assert [d.number for d in ticket_detail(demo_desk, original).duplicates] == [nf]


# ---------------------------------------------------------------- new ticket with a parent


async def test_new_ticket_filed_under_a_parent(demo_desk: Desk) -> None:
    master = fresh_ticket(demo_desk)
    nm = number_of(demo_desk, master)
    closed = fresh_ticket(demo_desk)
    demo_desk.change_status(closed, "closed", closure=Closure("fixed", "Fixed"))
    known = ids(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        results = await open_form(pilot)
        form = app.screen
        assert isinstance(form, NewTicketScreen)
        await choose(pilot, "client", known["Contoso Legal"])
        form.query_one("#subject", Input).value = "Outlook cannot connect"
        form.query_one("#description", TextArea).text = "Since 9am."
        form.query_one("#parent", Input).value = f"#{number_of(demo_desk, closed)}"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "is closed" in str(form.query_one("#parent-error").render()))
        assert app.screen is form and not results  # refused, kept as typed
        assert form.query_one("#parent", Input).value == f"#{number_of(demo_desk, closed)}"
        form.query_one("#parent", Input).value = f"#{nm}"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: bool(results))
        assert len(results) == 1 and results[0] is not None
    detail = ticket_detail(demo_desk, results[0])
    assert detail.parent is not None and detail.parent.number == nm
