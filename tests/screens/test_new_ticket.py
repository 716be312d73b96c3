"""The new-ticket form: matrix lookup, picker reads, snapshots and Pilot walkthroughs."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Button, Input, Select, Static, TextArea

from msp_tui.app import MspApp
from msp_tui.engine.vocabulary import Channel, ClockKind, ClockState, Level, PriorityCode
from msp_tui.screens.new_ticket import UNKNOWN_CLIENT, DiscardDialog, NewTicketScreen
from msp_tui.services import pickers
from msp_tui.services.desk import Desk
from msp_tui.services.tickets import ServiceError
from msp_tui.store.db import Database
from msp_tui.store.models import Category, Client, Contact, SlaClock, Ticket
from tests.conftest import FIXED_NOW
from tests.console_app import TERMINAL_SIZE, make_app
from tests.pilot_wait import settle, until

# ---------------------------------------------------------------- services


@pytest.mark.parametrize(
    ("impact", "urgency", "expected"),
    [
        (Level.HIGH, Level.HIGH, PriorityCode.P1),
        (Level.HIGH, Level.MEDIUM, PriorityCode.P2),
        (Level.MEDIUM, Level.HIGH, PriorityCode.P2),
        (Level.HIGH, Level.LOW, PriorityCode.P3),
        (Level.MEDIUM, Level.MEDIUM, PriorityCode.P3),
        (Level.LOW, Level.HIGH, PriorityCode.P3),
        (Level.MEDIUM, Level.LOW, PriorityCode.P4),
        (Level.LOW, Level.LOW, PriorityCode.P4),
    ],
)
def test_matrix_lookup(
    empty_db: Database, impact: Level, urgency: Level, expected: PriorityCode
) -> None:
    # The matrix is reference data every database gets from its first revision.
    assert pickers.lookup_priority(Desk(empty_db), impact, urgency) == expected


def test_matrix_without_a_cell_gives_no_priority() -> None:
    assert pickers.priority_for({("high", "high"): "P1"}, "low", "low") is None
    assert pickers.priority_for({("high", "high"): "P1"}, "high", "high") == PriorityCode.P1


def test_picker_reads(demo_desk: Desk) -> None:
    clients = pickers.clients(demo_desk)
    names = [c.name for c in clients]
    assert names == sorted(names, key=str.lower)
    by_name = {c.name: c for c in clients}
    assert by_name["Contoso Legal"].profile_name == "Platinum"
    assert by_name["Northwind Health"].vip
    assert by_name["Blue Yonder Consulting"].profile_name is None

    contacts = pickers.contacts(demo_desk, by_name["Tailspin Logistics"].id)
    victor = next(c for c in contacts if c.name == "Victor Shaw")
    assert victor.terminated and not victor.authorized
    assert contacts[-1] == victor  # terminated contacts sort last

    hosts = {a.hostname for a in pickers.assets(demo_desk, by_name["Contoso Legal"].id)}
    assert hosts == {"CL-FS01", "CL-WS-HCOLE"}

    categories = pickers.categories(demo_desk)
    parents = {c.id: c.name for c in categories if c.parent_id is None}
    subs = [c for c in categories if c.parent_id is not None]
    assert "Cloud & Server Management" in parents.values()
    assert all(c.parent_id in parents for c in subs)
    assert [p.code for p in pickers.priorities(demo_desk)] == ["P1", "P2", "P3", "P4"]


# ---------------------------------------------------------------- helpers


async def open_form(pilot: Pilot[None]) -> list[int | None]:
    """Push the form over the queue; the returned list receives what it dismisses with."""
    app = pilot.app
    assert isinstance(app, MspApp)
    await app.workers.wait_for_complete()
    results: list[int | None] = []
    app.push_screen(NewTicketScreen(app.desk), callback=results.append)
    await until(pilot, lambda: isinstance(app.screen, NewTicketScreen)
                and app.screen.focused is not None)
    await settle(pilot)
    return results


def form(app: MspApp) -> NewTicketScreen:
    screen = app.screen
    assert isinstance(screen, NewTicketScreen)
    return screen


async def choose(pilot: Pilot[None], widget_id: str, value: object) -> None:
    """Set a picker and wait until the form has handled the change: the dependent pickers
    reload in that handler, and a value chosen before they have is not among the options."""
    screen = pilot.app.screen
    select = screen.query_one(f"#{widget_id}", Select)
    if select.value == value:
        await settle(pilot)
        return
    handled: list[Select.Changed] = []

    def seen(message: object) -> None:
        if isinstance(message, Select.Changed) and message.select is select:
            handled.append(message)

    screen.message_signal.subscribe(select, seen, immediate=True)
    try:
        select.value = value
        await until(pilot, lambda: bool(handled))
    finally:
        screen.message_signal.unsubscribe(select)


def ids(desk: Desk) -> dict[str, int]:
    with desk.db.session() as s:
        out = {name: cid for cid, name in s.exec(select(Client.id, Client.name)).all()}
        out |= {name: cid for cid, name in s.exec(select(Contact.id, Contact.name)).all()}
        out |= {name: cid for cid, name in s.exec(select(Category.id, Category.name)).all()}
    return out


def ticket_count(desk: Desk) -> int:
    with desk.db.session() as s:
        return s.execute(sa.select(sa.func.count()).select_from(Ticket)).scalar_one()


def text_of(screen: NewTicketScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


# ---------------------------------------------------------------- snapshots


async def _settle_form(pilot: Pilot[None]) -> None:
    await open_form(pilot)


async def _submit_empty(pilot: Pilot[None]) -> None:
    await open_form(pilot)
    await pilot.press("ctrl+s")
    screen = form(pilot.app)  # type: ignore[arg-type]
    await until(pilot, lambda: "required" in text_of(screen, "#subject-error"))


def test_empty_form_snapshot(snap_compare, demo_desk: Desk) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(
        make_app(demo_desk), terminal_size=TERMINAL_SIZE, run_before=_settle_form
    )


def test_empty_form_snapshot_80x24(snap_compare, demo_desk: Desk) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(demo_desk), terminal_size=(80, 24), run_before=_settle_form)


def test_validation_errors_snapshot(snap_compare, demo_desk: Desk) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(
        make_app(demo_desk), terminal_size=TERMINAL_SIZE, run_before=_submit_empty
    )


# ---------------------------------------------------------------- Pilot


async def test_create_a_p1_for_contoso_by_hand(demo_desk: Desk) -> None:
    known = ids(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        results = await open_form(pilot)
        screen = form(app)
        await choose(pilot, "client", known["Contoso Legal"])
        assert "Contoso Legal · Platinum" in str(screen.query_one("#client", Select)._options)
        await choose(pilot, "contact", known["Hannah Cole"])
        assert "hannah.cole@contoso-legal.example" in text_of(screen, "#contact-hint")
        await choose(pilot, "category", known["Cloud & Server Management"])
        await choose(pilot, "subcategory", known["Server outage"])
        await choose(pilot, "impact", Level.HIGH)
        await choose(pilot, "urgency", Level.HIGH)
        assert text_of(screen, "#priority-line").startswith("Priority: P1 Critical")
        await settle(pilot)  # a click on a form still being laid out can miss
        await pilot.click("#subject")  # a user clicks into the field
        subject = screen.query_one("#subject", Input)
        await until(pilot, lambda: screen.focused is subject)
        await pilot.press(*"File server down")
        screen.query_one("#description", TextArea).text = "Nobody can open the case files."
        await pilot.press("ctrl+s")
        await until(pilot, lambda: bool(results))
        assert len(results) == 1 and results[0] is not None
        assert not isinstance(app.screen, NewTicketScreen)
    ticket_id = results[0]
    with demo_desk.db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        assert ticket.subject == "File server down"
        assert ticket.channel == Channel.PHONE
        assert ticket.priority == PriorityCode.P1
        assert ticket.client_id == known["Contoso Legal"]
        assert ticket.contact_id == known["Hannah Cole"]
        assert ticket.category_id == known["Server outage"]
        assert ticket.requester_email == "hannah.cole@contoso-legal.example"
        assert not ticket.unmatched_client
        response = s.exec(
            select(SlaClock).where(
                SlaClock.ticket_id == ticket_id, SlaClock.kind == ClockKind.RESPONSE
            )
        ).one()
        assert response.state == ClockState.RUNNING
        assert response.due_at == FIXED_NOW + timedelta(minutes=30)  # Platinum P1, 24/7


async def test_empty_subject_shows_an_error_and_keeps_the_form(demo_desk: Desk) -> None:
    known = ids(demo_desk)
    before = ticket_count(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        results = await open_form(pilot)
        screen = form(app)
        await choose(pilot, "client", known["Contoso Legal"])
        await choose(pilot, "contact", known["Ivan Petrov"])
        await choose(pilot, "urgency", Level.HIGH)
        screen.query_one("#description", TextArea).text = "Printer jams on every job."
        await pilot.press("ctrl+s")
        subject = screen.query_one("#subject", Input)
        await until(pilot, lambda: "subject is required" in text_of(screen, "#subject-error")
                    and subject.has_focus)
        assert results == [] and app.screen is screen
        assert screen.query_one("#subject", Input).has_class("-invalid")
        assert "Subject" in text_of(screen, "#summary")
        # nothing else was lost
        values = screen.values()
        assert values.client == known["Contoso Legal"]
        assert values.contact == known["Ivan Petrov"]
        assert values.urgency == Level.HIGH
        assert values.description == "Printer jams on every job."
        assert text_of(screen, "#description-error") == ""
        # fixing the field clears its error
        await pilot.press(*"Printer jams")
        await until(pilot, lambda: subject.value == "Printer jams")
        await settle(pilot)
        assert text_of(screen, "#subject-error") == ""
        assert not screen.query_one("#subject", Input).has_class("-invalid")
    assert ticket_count(demo_desk) == before


async def test_unknown_client_creates_an_unmatched_ticket_without_clocks(
    demo_desk: Desk,
) -> None:
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        results = await open_form(pilot)
        screen = form(app)
        await choose(pilot, "client", UNKNOWN_CLIENT)
        assert "no SLA clock runs" in text_of(screen, "#client-hint")
        assert screen.query_one("#contact", Select).disabled
        assert screen.query_one("#caller_name-field").display
        screen.query_one("#caller_name", Input).value = "Sam Walker"
        screen.query_one("#caller_email", Input).value = "sam@unknown.example"
        screen.query_one("#subject", Input).value = "Caller wants a quote"
        screen.query_one("#description", TextArea).text = "Says a friend recommended us."
        await pilot.press("ctrl+s")
        await until(pilot, lambda: bool(results))
        assert len(results) == 1 and results[0] is not None
    with demo_desk.db.session() as s:
        ticket = s.get(Ticket, results[0])
        assert ticket is not None
        assert ticket.client_id is None and ticket.unmatched_client
        assert ticket.requester_email == "sam@unknown.example"
        assert ticket.priority == PriorityCode.P3  # medium x medium
        assert s.exec(select(SlaClock).where(SlaClock.ticket_id == ticket.id)).all() == []


async def test_a_client_is_required_unless_unknown_is_chosen(demo_desk: Desk) -> None:
    before = ticket_count(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await open_form(pilot)
        screen = form(app)
        screen.query_one("#subject", Input).value = "Something"
        screen.query_one("#description", TextArea).text = "Details"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "Unknown client" in text_of(screen, "#client-error")
                    and screen.query_one("#client", Select).has_focus)
    assert ticket_count(demo_desk) == before


async def test_terminated_contact_warns_and_explicit_priority_wins(demo_desk: Desk) -> None:
    known = ids(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        results = await open_form(pilot)
        screen = form(app)
        await choose(pilot, "client", known["Tailspin Logistics"])
        options = str(screen.query_one("#contact", Select)._options)
        assert "Victor Shaw · ⚠ terminated" in options
        await choose(pilot, "contact", known["Victor Shaw"])
        assert "verify who is calling" in text_of(screen, "#contact-hint")
        await choose(pilot, "impact", Level.HIGH)
        await choose(pilot, "urgency", Level.HIGH)
        await choose(pilot, "priority", "P4")
        line = text_of(screen, "#priority-line")
        assert line.startswith("Priority: P4 Low") and "matrix: P1 Critical" in line
        screen.query_one("#subject", Input).value = "Needs the admin password"
        screen.query_one("#description", TextArea).text = "Called from a mobile."
        # not a click: on a loaded machine a click may land on a widget still being laid out
        screen.query_one("#submit", Button).press()
        await until(pilot, lambda: bool(results))
    with demo_desk.db.session() as s:
        ticket = s.get(Ticket, results[0])
        assert ticket is not None
        assert ticket.priority == PriorityCode.P4
        assert ticket.contact_id == known["Victor Shaw"]


async def test_pickers_depend_on_client_and_category(demo_desk: Desk) -> None:
    known = ids(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await open_form(pilot)
        screen = form(app)
        sub = screen.query_one("#subcategory", Select)
        assert sub.disabled
        await choose(pilot, "category", known["Network & Connectivity"])
        assert not sub.disabled and "VPN access issue" in str(sub._options)
        await choose(pilot, "client", known["Contoso Legal"])
        await choose(pilot, "contact", known["Hannah Cole"])
        await choose(pilot, "client", known["Fabrikam Manufacturing"])
        contact = screen.query_one("#contact", Select)
        assert contact.is_blank()  # a contact of the old client never sticks
        assert "Greg Owens" in str(contact._options) and "Hannah" not in str(contact._options)


async def test_type_to_search_picks_a_client(demo_desk: Desk) -> None:
    known = ids(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await open_form(pilot)
        screen = form(app)
        assert screen.query_one("#client", Select).has_focus
        await pilot.press("c", "o", "n", "t")
        await settle(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: screen.values().client == known["Contoso Legal"])
        # letters on a picker search; they never reach the app's `q` (quit)
        await pilot.press("escape", "q")
        await settle(pilot)
        assert app.is_running


async def test_app_letter_keys_never_drop_or_stack_the_form(demo_desk: Desk) -> None:
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await open_form(pilot)
        screen = form(app)
        screen.query_one("#subject", Input).value = "Half typed"
        screen.query_one("#cancel", Button).focus()
        depth = len(app.screen_stack)
        for key in ("l", "b", "n", "q"):  # the app's list / board / new / quit keys
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is screen and len(app.screen_stack) == depth
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DiscardDialog))
        await pilot.press("n", "l")
        await settle(pilot)
        assert isinstance(app.screen, DiscardDialog) and len(app.screen_stack) == depth + 1
        assert screen.query_one("#subject", Input).value == "Half typed"


async def test_escape_on_a_clean_form_cancels_at_once(demo_desk: Desk) -> None:
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        results = await open_form(pilot)
        await pilot.press("escape")
        await until(pilot, lambda: results == [None])


async def test_escape_on_a_filled_form_asks_first(demo_desk: Desk) -> None:
    before = ticket_count(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        results = await open_form(pilot)
        screen = form(app)
        screen.query_one("#subject", Input).value = "Half typed"
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DiscardDialog))
        await pilot.press("escape")  # keep editing
        await until(pilot, lambda: app.screen is screen)
        await settle(pilot)
        assert results == []
        assert screen.query_one("#subject", Input).value == "Half typed"
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DiscardDialog))
        await pilot.press("d")
        await until(pilot, lambda: results == [None])
    assert ticket_count(demo_desk) == before


async def test_a_refused_create_keeps_the_form(
    demo_desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**_: object) -> int:
        raise ServiceError("the desk is read-only today")

    monkeypatch.setattr(demo_desk, "create_ticket", refuse)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        results = await open_form(pilot)
        screen = form(app)
        await choose(pilot, "client", UNKNOWN_CLIENT)
        screen.query_one("#subject", Input).value = "Anything"
        screen.query_one("#description", TextArea).text = "Body"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "read-only today" in text_of(screen, "#summary"))
        assert results == [] and app.screen is screen
        assert screen.query_one("#subject", Input).value == "Anything"
