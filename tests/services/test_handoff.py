"""Tier 1 → Tier 2 hand-off on the demo desk: the note, the group, the audit, the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from msp_tui.engine.handoff import NOTE_TITLE, HandoffSummary
from msp_tui.engine.vocabulary import Direction, NotificationLevel, OutboxKind, PriorityCode
from msp_tui.services import handoff
from msp_tui.services.desk import Desk
from msp_tui.services.outbox import OutboundSettings
from msp_tui.services.tickets import ServiceError
from msp_tui.store.models import (
    AuditEvent,
    Client,
    GroupMember,
    Message,
    Notification,
    OutboxMail,
    TechGroup,
    Technician,
    Ticket,
)

OUTBOUND = OutboundSettings(from_address="Demo MSP <help@demo-msp.example>", ticket_prefix="MSP")
SUMMARY = HandoffSummary.of(
    "Outlook crashes on start", "Open Outlook as Hannah", "Ran SARA; rebuilt profile",
    "Not the add-ins (safe mode crashes too)",
)
ON_CALL = ("Sam Lee", "Jordan Blake")  # the demo's active on-call engineers


def new_ticket(desk: Desk, priority: PriorityCode = PriorityCode.P2,
               client: str = "Contoso Legal") -> int:
    with desk.db.session() as s:
        client_id = s.exec(select(Client.id).where(Client.name == client)).one()
    ticket_id = desk.create_ticket(subject="Outlook crashes", body="Crashes on start.",
                                   priority=priority, client_id=client_id)
    with desk.db.session() as s:  # no policy bump (a spike of Contoso tickets lifts P3s)
        assert s.get(Ticket, ticket_id).priority == priority  # type: ignore[union-attr]
    return ticket_id


def tier2(desk: Desk) -> tuple[int, set[str]]:
    with desk.db.session() as s:
        group = s.exec(select(TechGroup).where(TechGroup.name == "Tier 2")).one()
        members = s.exec(
            select(Technician.name)
            .join(GroupMember, GroupMember.technician_id == Technician.id)  # type: ignore[arg-type]
            .where(GroupMember.group_id == group.id, Technician.active == True)  # noqa: E712
        ).all()
        return group.id, set(members)  # type: ignore[return-value]


def pages(desk: Desk, ticket_id: int) -> list[Notification]:
    with desk.db.session() as s:
        return list(s.exec(select(Notification).where(
            Notification.ticket_id == ticket_id, Notification.level == NotificationLevel.ERROR
        )).all())


def page_mails(desk: Desk, ticket_id: int) -> list[OutboxMail]:
    with desk.db.session() as s:
        return list(s.exec(select(OutboxMail).where(
            OutboxMail.ticket_id == ticket_id, OutboxMail.kind == OutboxKind.NOTIFICATION
        )).all())


def test_hand_off_notes_reassigns_and_audits(demo_desk: Desk) -> None:
    ticket_id = new_ticket(demo_desk, PriorityCode.P3, "Alpine Bakery")
    me = demo_desk.me()
    assert me is not None
    demo_desk.assign(ticket_id, me.id)  # Tier 1 (Alex) works it first
    result = demo_desk.hand_off(ticket_id, SUMMARY)
    group_id, members = tier2(demo_desk)
    assert result.group == "Tier 2" and result.assignee in members
    assert result.paged == () and not result.emailed
    with demo_desk.db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None and ticket.group_id == group_id
        assignee = s.get(Technician, ticket.assignee_id)
        assert assignee is not None and assignee.name == result.assignee
        note = s.exec(select(Message).where(Message.ticket_id == ticket_id)
                      .order_by(Message.id.desc())).first()  # type: ignore[union-attr]
        assert note is not None and note.direction == Direction.INTERNAL
        assert note.body == SUMMARY.render() and note.body.startswith(NOTE_TITLE)
        assert note.author_name == "Alex Morgan"
        audits = s.exec(select(AuditEvent).where(AuditEvent.entity_id == ticket_id,
                                                 AuditEvent.entity == "ticket",
                                                 AuditEvent.reason == handoff.REASON)).all()
        assert {a.field for a in audits} == {"group", "assignee"}
        assert next(a for a in audits if a.field == "assignee").old_value == "Alex Morgan"
        assert next(a for a in audits if a.field == "group").new_value == "Tier 2"
    assert pages(demo_desk, ticket_id) == []


def test_least_loaded_member_or_the_group_alone(demo_desk: Desk) -> None:
    group_id, _ = tier2(demo_desk)
    with demo_desk.db.session() as s:
        for member in s.exec(select(GroupMember).where(GroupMember.group_id == group_id)):
            tech = s.get(Technician, member.technician_id)
            assert tech is not None
            tech.active = False
            s.add(tech)
    ticket_id = new_ticket(demo_desk, PriorityCode.P3, "Alpine Bakery")
    result = demo_desk.hand_off(ticket_id, SUMMARY)
    assert result.assignee is None
    with demo_desk.db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None and ticket.group_id == group_id and ticket.assignee_id is None


def test_refusals_change_nothing(demo_desk: Desk) -> None:
    ticket_id = new_ticket(demo_desk)
    with pytest.raises(ServiceError, match="symptom"):
        demo_desk.hand_off(ticket_id, HandoffSummary("  "))
    demo_desk.hand_off(ticket_id, SUMMARY)
    seq = demo_desk.change_seq()
    with pytest.raises(ServiceError, match="already with Tier 2"):
        demo_desk.hand_off(ticket_id, SUMMARY)
    assert demo_desk.change_seq() == seq


def test_p2_at_risk_pages_on_call_with_email(demo_desk: Desk) -> None:
    demo_desk.outbound = OUTBOUND
    ticket_id = new_ticket(demo_desk, PriorityCode.P2)
    demo_desk.clock.advance(minutes=50)  # type: ignore[attr-defined]  # response due in 60
    assert handoff_badge(demo_desk, ticket_id) == "At Risk"
    result = demo_desk.hand_off(ticket_id, SUMMARY)
    assert result.paged == ON_CALL and result.emailed
    notes = pages(demo_desk, ticket_id)
    with demo_desk.db.session() as s:
        number = s.get(Ticket, ticket_id).number  # type: ignore[union-attr]
        on_call = {t.id: t.email for t in s.exec(select(Technician).where(
            Technician.name.in_(ON_CALL)))}  # type: ignore[attr-defined]
    assert {n.recipient_id for n in notes} == set(on_call)
    assert all(f"#{number}" in n.text and "at risk" in n.text for n in notes)
    [mail] = page_mails(demo_desk, ticket_id)
    assert sorted(mail.to_addrs) == sorted(on_call.values())
    assert f"[MSP#{number}]" in mail.subject and "PAGE P2" in mail.subject
    assert "Outlook crashes on start" in mail.body


def test_p1_breached_pages_without_email_when_smtp_is_off(demo_desk: Desk) -> None:
    ticket_id = new_ticket(demo_desk, PriorityCode.P1)
    demo_desk.clock.advance(hours=3)  # type: ignore[attr-defined]
    assert handoff_badge(demo_desk, ticket_id) == "Breached"
    result = demo_desk.hand_off(ticket_id, SUMMARY)
    assert result.paged == ON_CALL and not result.emailed
    assert len(pages(demo_desk, ticket_id)) == 2 and page_mails(demo_desk, ticket_id) == []


@pytest.mark.parametrize(("priority", "minutes"), [
    (PriorityCode.P2, 5),  # on track
    (PriorityCode.P3, 600),  # at risk or breached, but not urgent enough to page
])
def test_no_page_unless_p1_p2_at_risk(demo_desk: Desk, priority: PriorityCode,
                                      minutes: int) -> None:
    demo_desk.outbound = OUTBOUND
    ticket_id = new_ticket(demo_desk, priority, "Alpine Bakery")
    demo_desk.clock.advance(minutes=minutes)  # type: ignore[attr-defined]
    result = demo_desk.hand_off(ticket_id, SUMMARY)
    assert result.paged == () and not result.emailed
    assert pages(demo_desk, ticket_id) == [] and page_mails(demo_desk, ticket_id) == []


def test_no_page_once_the_response_is_met(demo_desk: Desk) -> None:
    ticket_id = new_ticket(demo_desk, PriorityCode.P2)
    demo_desk.reply(ticket_id, "Looking into it.")
    demo_desk.clock.advance(minutes=55)  # type: ignore[attr-defined]
    assert demo_desk.hand_off(ticket_id, SUMMARY).paged == ()


def handoff_badge(desk: Desk, ticket_id: int) -> str:
    with desk.db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        return handoff.response_badge(s, ticket, desk.clock.now()).value


def test_escalation_contacts_mark_who_to_call(demo_desk: Desk) -> None:
    ticket_id = new_ticket(demo_desk)
    # Tue 10:30 EST: Hannah's office hours
    contacts = handoff.escalation_contacts(demo_desk, ticket_id)
    assert [c.name for c in contacts] == ["Hannah Cole", "Contoso Legal IT on-call"]
    assert [c.call_now for c in contacts] == [True, False]
    assert contacts[0].phones and contacts[0].emails and contacts[0].next_open is None
    # Tue 20:00 EST: only the all-day line; Hannah opens again Wednesday 08:00
    demo_desk.clock.advance(timedelta(hours=9, minutes=30))  # type: ignore[attr-defined]
    hannah, line = handoff.escalation_contacts(demo_desk, ticket_id)
    assert (hannah.call_now, line.call_now) == (False, True)
    assert hannah.next_open is not None
    assert hannah.next_open.strftime("%a %H:%M %Z") == "Wed 08:00 EST"


def test_no_contacts_without_a_client(demo_desk: Desk) -> None:
    ticket_id = demo_desk.create_ticket(subject="Who?", body="?", priority=PriorityCode.P3,
                                        client_id=None)
    assert handoff.escalation_contacts(demo_desk, ticket_id) == []
