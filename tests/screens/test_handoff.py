"""Hand-off to Tier 2 from the ticket screen (H), and the escalation contacts pane."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Input, Label, TextArea

from msp_tui.engine.handoff import HandoffSummary
from msp_tui.engine.vocabulary import Direction, PriorityCode
from msp_tui.screens.ticket import MessageBox
from msp_tui.screens.ticket_dialogs import HandoffDialog
from msp_tui.services.desk import Desk
from msp_tui.store.models import Client, Notification, Status, Ticket
from tests.console_app import TERMINAL_SIZE, make_app
from tests.pilot_wait import settle, until
from tests.screens.test_ticket_screen import flat, open_ticket, shown, type_text


def new_ticket(desk: Desk, priority: PriorityCode, client: str = "Alpine Bakery") -> int:
    with desk.db.session() as s:
        client_id = s.exec(select(Client.id).where(Client.name == client)).one()
    return desk.create_ticket(subject="Oven controller offline", body="Since 9:00.",
                              priority=priority, client_id=client_id)


def escalated_ticket(desk: Desk, client: str = "Contoso Legal") -> int:
    """The lowest-numbered Escalated demo ticket of the client."""
    with desk.db.session() as s:
        return s.exec(
            select(Ticket.id)
            .join(Status, Status.id == Ticket.status_id)  # type: ignore[arg-type]
            .join(Client, Client.id == Ticket.client_id)  # type: ignore[arg-type]
            .where(Status.key == "escalated", Client.name == client)
            .order_by(Ticket.number)  # type: ignore[arg-type]
        ).first()  # type: ignore[return-value]


async def fill(pilot: Pilot[None], symptom: str, *areas: str) -> None:
    """Type the symptom, then each text area in turn (tab moves on)."""
    screen = pilot.app.screen

    async def move_on(key: str) -> None:
        """Keys typed before the focus has moved would land in the field just left."""
        was = screen.focused
        await pilot.press(key)
        await until(pilot, lambda: screen.focused is not was)

    await until(pilot, lambda: screen.focused is not None)  # the symptom, once mounted
    await type_text(pilot, symptom)
    await move_on("enter")  # from the symptom to the steps
    for i, text in enumerate(areas):
        if i:
            await move_on("tab")
        await type_text(pilot, text)


def error_of(dialog: HandoffDialog) -> str:
    return str(dialog.query_one("#error", Label).render())


async def test_hand_off_through_the_dialog(demo_desk: Desk) -> None:
    ticket_id = new_ticket(demo_desk, PriorityCode.P3)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, ticket_id)
        await pilot.press("H")
        await until(pilot, lambda: isinstance(app.screen, HandoffDialog)
                    and app.screen.focused is not None)
        dialog = app.screen
        assert isinstance(dialog, HandoffDialog)
        await fill(pilot, "Controller shows E42", "Power cycle it", "Pinged it", "Not the PSU")
        await until(pilot, lambda: dialog.query_one("#ruled_out", TextArea).text == "Not the PSU")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen)
        await settle(pilot)
        d = screen.detail
        assert d is not None and d.group == "Tier 2" and d.assignee
        assert "Tier 2" in shown(screen.query_one("#ticket-header"))
        last = screen.query(MessageBox).last()
        assert last.message_view.direction == Direction.INTERNAL
        text = flat(last)
        assert "Tier 1 → Tier 2 hand-off" in text and "Symptom:" in text
        assert "Controller shows E42" in text and "Not the PSU" in text


async def test_refusals_keep_what_was_typed(demo_desk: Desk) -> None:
    ticket_id = new_ticket(demo_desk, PriorityCode.P3)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await open_ticket(app, pilot, ticket_id)
        seq = demo_desk.change_seq()
        await pilot.press("H")
        await until(pilot, lambda: isinstance(app.screen, HandoffDialog)
                    and app.screen.focused is not None)
        dialog = app.screen
        assert isinstance(dialog, HandoffDialog)
        symptom = dialog.query_one("#symptom", Input)
        await until(pilot, lambda: dialog.focused is symptom)
        await pilot.press("enter")  # no symptom: on to the steps
        await until(pilot, lambda: dialog.focused is not symptom)
        await type_text(pilot, "Open the app")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "symptom" in error_of(dialog).lower())
        assert app.screen is dialog
        assert dialog.query_one("#reproduction", TextArea).text == "Open the app"
        assert demo_desk.change_seq() == seq
        # the desk refuses too (handed off elsewhere meanwhile): everything stays
        demo_desk.hand_off(ticket_id, HandoffSummary.of("Someone else"))
        symptom.focus()
        await until(pilot, lambda: dialog.focused is symptom)
        await type_text(pilot, "Crashes")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "already with Tier 2" in error_of(dialog))
        assert app.screen is dialog
        assert dialog.query_one("#symptom", Input).value == "Crashes"
        assert dialog.query_one("#reproduction", TextArea).text == "Open the app"


async def test_a_slipping_p2_warns_and_pages(demo_desk: Desk) -> None:
    ticket_id = new_ticket(demo_desk, PriorityCode.P2, "Contoso Legal")
    demo_desk.clock.advance(minutes=50)  # type: ignore[attr-defined]  # response at risk
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await open_ticket(app, pilot, ticket_id)
        await pilot.press("H")
        await until(pilot, lambda: isinstance(app.screen, HandoffDialog)
                    and app.screen.focused is not None)
        dialog = app.screen
        assert isinstance(dialog, HandoffDialog)
        assert "on-call will be paged" in flat(dialog.query(Label)[1])
        await fill(pilot, "Orders stuck")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is not dialog)
        await settle(pilot)
    with demo_desk.db.session() as s:
        pages = s.exec(select(Notification).where(Notification.ticket_id == ticket_id)).all()
        assert {p.level for p in pages} == {"error"} and len(pages) == 2


async def test_contacts_pane_marks_who_to_call_now(demo_desk: Desk) -> None:
    ticket_id = escalated_ticket(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, ticket_id)
        pane = screen.query_one("#contacts")
        assert pane.display
        lines = shown(pane).splitlines()
        hannah = next(line for line in lines if "Hannah Cole" in line)
        assert "☎ call now" in hannah
        line = next(line for line in lines if "IT on-call" in line)
        assert "call now" not in line
        assert "Mon–Fri 08:00–18:00 EST" in shown(pane)
        # 20:00 EST: Hannah's office is shut, the on-call line is the one to ring
        demo_desk.clock.advance(timedelta(hours=9, minutes=30))  # type: ignore[attr-defined]
        screen.tick()
        await until(pilot, lambda: "no window open" in flat(pane))
        text = shown(pane)
        assert "no window open — next: Wed 08:00 EST" in flat(pane)
        line = next(line for line in text.splitlines() if "IT on-call" in line)
        assert "☎ call now" in line


async def test_contacts_pane_hidden_on_a_ticket_on_track(demo_desk: Desk) -> None:
    ticket_id = new_ticket(demo_desk, PriorityCode.P3)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, ticket_id)
        assert not screen.query_one("#contacts").display


def test_contacts_pane_snapshot(snap_compare, demo_desk: Desk) -> None:  # type: ignore[no-untyped-def]
    ticket_id = escalated_ticket(demo_desk)

    async def run_before(pilot: Pilot[None]) -> None:
        await open_ticket(pilot.app, pilot, ticket_id)  # type: ignore[arg-type]

    app = make_app(demo_desk)
    assert snap_compare(app, terminal_size=TERMINAL_SIZE, run_before=run_before)
