"""The desk facade: one transaction per call, acting as "me", moving the change sequence."""

from __future__ import annotations

import pytest
from sqlmodel import select

from msp_tui.engine.badges import Badge, badge_for
from msp_tui.engine.vocabulary import PriorityCode
from msp_tui.services.desk import Desk
from msp_tui.services.tickets import Closure, ServiceError
from msp_tui.store.models import AuditEvent, Client, Message, Ticket


def _row(desk: Desk, ticket_id: int):  # type: ignore[no-untyped-def]
    return next(r for r in desk.queue(include_closed=True, limit=10_000) if r.id == ticket_id)


def test_a_ticket_through_the_desk(demo_desk: Desk) -> None:
    with demo_desk.db.session() as s:
        client_id = s.exec(select(Client.id).where(Client.name == "Contoso Legal")).one()
    seq = demo_desk.change_seq()
    tid = demo_desk.create_ticket(
        subject="Laptop will not boot",
        body="Black screen",
        priority=PriorityCode.P2,
        client_id=client_id,
    )
    assert demo_desk.change_seq() == seq + 1
    assert badge_for(_row(demo_desk, tid).clocks, demo_desk.clock.now()).badge == Badge.ON_TRACK
    demo_desk.clock.advance(minutes=20)  # type: ignore[attr-defined]
    demo_desk.reply(tid, "Hi, can you try holding the power button for 30 s?")
    demo_desk.note(tid, "Probably the BIOS update from last week")
    demo_desk.change_status(tid, "waiting_on_customer")
    row = _row(demo_desk, tid)
    assert badge_for(row.clocks, demo_desk.clock.now()).badge == Badge.PAUSED
    demo_desk.clock.advance(hours=1)  # type: ignore[attr-defined]
    demo_desk.change_status(tid, "in_progress")
    demo_desk.change_priority(tid, PriorityCode.P1, "whole legal team blocked")
    demo_desk.change_status(tid, "resolved", reason="replaced the drive",
                            closure=Closure("hardware_replaced", "replaced the drive"))
    row = _row(demo_desk, tid)
    assert row.status == "Resolved"
    assert badge_for(row.clocks, demo_desk.clock.now()).badge in (Badge.MET, Badge.BREACHED)
    with demo_desk.db.session() as s:
        fields = s.exec(
            select(AuditEvent.field, AuditEvent.actor).where(
                AuditEvent.entity == "ticket", AuditEvent.entity_id == tid
            )
        ).all()
        assert ("priority", "Alex Morgan") in fields and ("status", "Alex Morgan") in fields
        directions = s.exec(select(Message.direction).where(Message.ticket_id == tid)).all()
        assert sorted(directions) == ["internal", "public", "public"]


def test_refusals_are_service_errors_and_change_nothing(demo_desk: Desk) -> None:
    with demo_desk.db.session() as s:
        closed = s.exec(select(Ticket.id).where(Ticket.closed_at.is_not(None))).first()  # type: ignore[union-attr]
    seq = demo_desk.change_seq()
    with pytest.raises(ServiceError, match="closed"):
        demo_desk.change_status(closed, "in_progress")
    with pytest.raises(ServiceError, match="reason"):
        demo_desk.change_priority(closed, PriorityCode.P1, "")
    with pytest.raises(ServiceError, match="no ticket"):
        demo_desk.reply(999_999, "hello")
    with pytest.raises(ServiceError, match="subject"):
        demo_desk.create_ticket(subject="  ", body="x", priority=PriorityCode.P3, client_id=None)
    assert demo_desk.change_seq() == seq
