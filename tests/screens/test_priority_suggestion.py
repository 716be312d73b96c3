"""The ticket detail shows the priority policy's suggestion beside the priority; P accepts
it and D keeps the priority, both through the desk and into the audit log."""

from __future__ import annotations

from sqlmodel import select

from msp_tui.engine.vocabulary import Channel, PriorityCode
from msp_tui.screens.ticket import TicketScreen
from msp_tui.services import priority_policy
from msp_tui.services.desk import Desk
from msp_tui.services.tickets import create_ticket
from msp_tui.store.models import AuditEvent, Client, Ticket
from tests.console_app import TERMINAL_SIZE, make_app
from tests.pilot_wait import settle
from tests.screens.test_ticket_screen import open_ticket, shown


def suggested_ticket(desk: Desk, subject: str = "Email outage at HQ") -> int:
    """A P3 ticket for a client that is not VIP, with the policy's suggestion on it."""
    with desk.db.session() as s:
        client_id = s.exec(
            select(Client.id).where(Client.vip == False).order_by(Client.name)  # noqa: E712
        ).first()
        with priority_policy.suspended(s):  # however the rules wire it, apply exactly once
            ticket = create_ticket(
                s, at=desk.clock.now(), subject=subject, body="Nobody gets mail.",
                channel=Channel.EMAIL, priority=PriorityCode.P3, client_id=client_id,
            )
        priority_policy.apply(s, ticket, at=desk.clock.now(), body="Nobody gets mail.")
        assert ticket.suggested_priority == PriorityCode.P1
        return ticket.id  # type: ignore[return-value]


def header(screen: TicketScreen) -> str:
    return shown(screen.query_one("#ticket-header"))


def audit_reasons(desk: Desk, ticket_id: int, field: str) -> list[str]:
    with desk.db.session() as s:
        return list(s.exec(
            select(AuditEvent.reason)
            .where(AuditEvent.entity_id == ticket_id, AuditEvent.field == field)
            .order_by(AuditEvent.id)  # type: ignore[arg-type]
        ).all())


async def test_header_shows_the_suggestion_and_p_accepts_it(demo_desk: Desk) -> None:
    ticket_id = suggested_ticket(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, ticket_id)
        text = header(screen)
        assert "P3 Medium · suggested P1" in text
        assert "Suggested P1 — 'outage' in subject   P accept · D keep P3" in text
        await pilot.press("P")
        await settle(pilot)
        assert screen.detail is not None and screen.detail.priority == "P1"
        assert screen.detail.suggested_priority is None
        assert "uggested" not in header(screen)
    with demo_desk.db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None and ticket.priority == "P1"
    assert audit_reasons(demo_desk, ticket_id, "priority") == [
        "accepted suggestion: 'outage' in subject"
    ]


async def test_d_keeps_the_priority_and_clears_the_suggestion(demo_desk: Desk) -> None:
    ticket_id = suggested_ticket(demo_desk, "File server down")
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, ticket_id)
        assert "Suggested P1 — 'down' in subject" in header(screen)
        await pilot.press("D")
        await settle(pilot)
        assert screen.detail is not None
        assert (screen.detail.priority, screen.detail.suggested_priority) == ("P3", None)
        assert "uggested" not in header(screen)
    assert audit_reasons(demo_desk, ticket_id, "priority") == []
    assert audit_reasons(demo_desk, ticket_id, "suggested_priority")[-1] == (
        "override: kept P3 ('down' in subject)"
    )


async def test_the_keys_do_nothing_without_a_suggestion(demo_desk: Desk) -> None:
    with demo_desk.db.session() as s:
        ticket = s.exec(
            select(Ticket).where(Ticket.suggested_priority == None)  # noqa: E711
            .order_by(Ticket.number)  # type: ignore[arg-type]
        ).first()
        assert ticket is not None
        ticket_id, priority = ticket.id, ticket.priority
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, ticket_id)  # type: ignore[arg-type]
        seq = demo_desk.change_seq()
        await pilot.press("P", "D")
        await settle(pilot)
        assert demo_desk.change_seq() == seq
        assert screen.detail is not None and screen.detail.priority == priority
        assert any("no suggested priority" in n.message for n in app._notifications)
