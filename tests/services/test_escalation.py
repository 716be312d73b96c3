"""The escalation job on a real SQLite file with a frozen clock: thresholds on the 24/7
calendar, after-hours crossings, once-only across a restart, idle tickets, near-due,
and the lease."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from msp_tui.engine.clock import FixedClock
from msp_tui.engine.vocabulary import Direction, PriorityCode
from msp_tui.services import escalation
from msp_tui.services import tickets as svc
from msp_tui.services.outbox import OutboundSettings
from msp_tui.services.tick import tick
from msp_tui.store.db import Database
from msp_tui.store.models import (
    AuditEvent,
    Contact,
    EscalationEvent,
    GroupMember,
    Notification,
    OutboxMail,
    SlaAlert,
    SlaClock,
    Status,
    TechGroup,
    Technician,
    Ticket,
)
from tests.services.gold_desk import MON, Desk, new_ticket, ny

OUT = OutboundSettings("help@msp.example", "MSP")
THRESHOLD_RULES: list[tuple[str, dict[str, Any]]] = [
    ("75", {"assign_secondary": True, "alert": ["team_lead"]}),
    ("90", {"escalate_to": "senior", "status": "escalated", "alert": ["operations_manager"]}),
    ("100", {"flag_breached": True, "notify_client": True, "alert": ["director"]}),
]
IDLE_RULE = ("idle", {"reassign": "available", "after_minutes": 120,
                      "alert": ["previous_assignee"]})
NEAR_DUE_RULE = ("near_due", {"escalate_to": "senior", "status": "escalated",
                              "alert": ["team_lead"]})


@dataclass
class Staff:
    tess: int  # tier 1, the usual assignee
    tom: int  # tier 1, same group
    sue: int  # senior, same group
    lead: int  # team lead of the group
    ops: int  # operations manager
    boss: int  # director
    group: int


def _staff(d: Desk) -> Staff:
    with d.db.session() as s:
        people = [
            Technician(name="Tom", email="tom@x.example", role="technician", tier="tier1"),
            Technician(name="Sue", email="sue@x.example", role="technician", tier="senior"),
            Technician(name="Lee", email="lee@x.example", role="team_lead", tier="senior"),
            Technician(name="Oma", email="oma@x.example", role="operations_manager",
                       tier="senior"),
            Technician(name="Dee", email="dee@x.example", role="director", tier="senior"),
        ]
        s.add_all(people)
        s.flush()
        group = TechGroup(name="Support", lead_id=people[2].id)
        s.add(group)
        s.flush()
        for tid in (d.tech.technician_id, people[0].id, people[1].id):
            s.add(GroupMember(group_id=group.id, technician_id=tid))  # type: ignore[arg-type]
        return Staff(d.tech.technician_id, *(p.id for p in people), group.id)  # type: ignore[arg-type]


def _rules(d: Desk, *rules: tuple[str, dict[str, Any]]) -> None:
    with d.db.session() as s:
        for trigger, actions in rules:
            escalation.add_rule(s, trigger=trigger, actions=actions, at=MON, actor=svc.SYSTEM)


def _ticket(d: Desk, st: Staff, *, at: datetime, priority: PriorityCode,
            contact: bool = False) -> int:
    with d.db.session() as s:
        t = new_ticket(s, d, at=at, priority=priority)
        if contact:
            c = Contact(client_id=d.client_id, name="Pat", email="pat@acme.example")
            s.add(c)
            s.flush()
            t.contact_id = c.id
        svc.assign(s, t, technician_id=st.tess, group_id=st.group, at=at, actor=svc.SYSTEM)
        return t.id  # type: ignore[return-value]


def _step(d: Desk, clock: FixedClock, **kw: Any) -> escalation.EscalationResult:
    tick(d.db, clock, owner="A")
    return escalation.run(d.db, clock, owner="A", **kw)


def _notes(db: Database) -> list[tuple[int, str]]:
    with db.session() as s:
        return [(n.recipient_id, n.level) for n in
                s.exec(select(Notification).order_by(Notification.id)).all()]  # type: ignore[arg-type]


@pytest.fixture
def st(desk: Desk) -> Staff:
    return _staff(desk)


def test_p1_on_the_24_7_calendar_crosses_75_90_and_breach(desk: Desk, st: Staff) -> None:
    _rules(desk, *THRESHOLD_RULES)
    tid = _ticket(desk, st, at=MON, priority=PriorityCode.P1, contact=True)
    clock = FixedClock(MON + timedelta(minutes=23))  # response 30 min: 75 % at 22.5 min
    result = _step(desk, clock, outbound=OUT)
    assert result.handled == 1 and result.deferred == 0
    with desk.db.session() as s:
        t = s.get(Ticket, tid)
        assert t.secondary_id == st.tom and t.assignee_id == st.tess  # group first, never Tess
    assert _notes(desk.db) == [(st.lead, "warning")]

    clock.set(MON + timedelta(minutes=28))  # 90 %
    _step(desk, clock, outbound=OUT)
    with desk.db.session() as s:
        t = s.get(Ticket, tid)
        assert t.assignee_id == st.sue  # the senior, not the team lead (same load, lower id)
        assert s.get(Status, t.status_id).key == "escalated"
        audit = s.exec(select(AuditEvent).where(AuditEvent.actor == "escalation")).all()
        assert {a.field for a in audit} >= {"secondary", "assignee", "status"}
    assert _notes(desk.db)[1:] == [(st.ops, "error")]

    clock.set(MON + timedelta(minutes=30, seconds=2))  # breach
    _step(desk, clock, outbound=OUT)
    with desk.db.session() as s:
        assert s.get(Ticket, tid).sla_breached
        mail = s.exec(select(OutboxMail)).one()
        assert mail.to_addrs == ["pat@acme.example"] and "SLA breached" in mail.subject
        assert s.exec(select(SlaAlert).where(SlaAlert.handled_at.is_(None))).all() == []  # type: ignore[union-attr]
    assert _notes(desk.db)[2:] == [(st.boss, "error")]


def test_breach_without_outbound_mail_is_noted_not_mailed(desk: Desk, st: Staff) -> None:
    _rules(desk, *THRESHOLD_RULES)
    _ticket(desk, st, at=MON, priority=PriorityCode.P1, contact=True)
    clock = FixedClock(MON + timedelta(minutes=31))
    result = _step(desk, clock)
    assert any("outbound mail is off" in a for a in result.actions)
    with desk.db.session() as s:
        assert s.exec(select(OutboxMail)).all() == []


def test_the_breach_mail_never_goes_to_a_contact_who_left(desk: Desk, st: Staff) -> None:
    """A terminated contact gets no mail about the client's tickets (as with replies)."""
    _rules(desk, *THRESHOLD_RULES)
    tid = _ticket(desk, st, at=MON, priority=PriorityCode.P1, contact=True)
    with desk.db.session() as s:
        contact = s.get(Contact, s.get(Ticket, tid).contact_id)
        contact.terminated = True
    _step(desk, FixedClock(MON + timedelta(minutes=31)), outbound=OUT)
    with desk.db.session() as s:
        assert all("pat@acme.example" not in m.to_addrs for m in s.exec(select(OutboxMail)))


def test_after_hours_crossing_fires_at_the_next_opening_and_not_before(
    desk: Desk, st: Staff
) -> None:
    _rules(desk, *THRESHOLD_RULES)
    # P3 on business hours (09-17 New York): response 4 h, 75 % at 17:00 Monday.
    tid = _ticket(desk, st, at=ny(2026, 11, 23, 14, 0), priority=PriorityCode.P3)
    clock = FixedClock(ny(2026, 11, 23, 17, 30))
    state = escalation.EscalationState()
    first = _step(desk, clock, state=state)
    assert first.deferred == 1 and first.handled == 0
    clock.set(ny(2026, 11, 23, 23, 0))
    night = escalation.run(desk.db, clock, owner="A", state=state)
    assert night.examined == 0  # no calendar opened since: the waiting alert is not re-read
    clock.set(ny(2026, 11, 24, 8, 59, 59))
    assert escalation.run(desk.db, clock, owner="A").deferred == 1  # without state: re-read
    assert _notes(desk.db) == []
    with desk.db.session() as s:
        assert s.get(Ticket, tid).secondary_id is None
    clock.set(ny(2026, 11, 24, 9, 0))
    opening = escalation.run(desk.db, clock, owner="A", state=state)
    assert opening.handled == 1 and opening.examined == 1
    with desk.db.session() as s:
        assert s.get(Ticket, tid).secondary_id == st.tom
        alert = s.exec(select(SlaAlert)).one()
        assert alert.handled_at == ny(2026, 11, 24, 9, 0).astimezone(UTC)
    assert _notes(desk.db) == [(st.lead, "warning")]


def test_once_only_across_a_restart(desk: Desk, st: Staff) -> None:
    _rules(desk, *THRESHOLD_RULES)
    _ticket(desk, st, at=MON, priority=PriorityCode.P1, contact=True)
    clock = FixedClock(MON + timedelta(minutes=31))  # 75, 90 and the breach at once
    _step(desk, clock, outbound=OUT)
    url = str(desk.db.engine.url)
    with desk.db.session() as s:
        before = (len(s.exec(select(Notification)).all()), len(s.exec(select(AuditEvent)).all()),
                  len(s.exec(select(OutboxMail)).all()))
    assert before[0] == 3 and before[2] == 1
    desk.db.dispose()

    again = Database(url)  # another process, after the first one's lease ran out
    try:
        clock.advance(seconds=61)
        result = escalation.run(again, clock, owner="B", outbound=OUT)
        assert result.ran and result.handled == 0 and result.actions == []
        with again.session() as s:
            after = (len(s.exec(select(Notification)).all()),
                     len(s.exec(select(AuditEvent)).all()), len(s.exec(select(OutboxMail)).all()))
        assert after == before
    finally:
        again.dispose()


def test_lease_held_elsewhere_does_nothing(desk: Desk, st: Staff) -> None:
    _rules(desk, *THRESHOLD_RULES)
    _ticket(desk, st, at=MON, priority=PriorityCode.P1)
    clock = FixedClock(MON + timedelta(minutes=23))
    tick(desk.db, clock, owner="A")
    a_run = escalation.run(desk.db, clock, owner="A", lease_ttl=timedelta(minutes=10))
    assert a_run.ran  # A holds the escalation lease for ten minutes
    clock.advance(minutes=5)
    tick(desk.db, clock, owner="A")
    result = escalation.run(desk.db, clock, owner="B")
    assert not result.ran and result.handled == 0
    with desk.db.session() as s:
        assert s.exec(select(SlaAlert).where(SlaAlert.handled_at.is_(None))).all() != []  # type: ignore[union-attr]


def test_idle_ticket_is_reassigned_and_the_previous_assignee_told(desk: Desk, st: Staff) -> None:
    _rules(desk, IDLE_RULE)
    tid = _ticket(desk, st, at=MON, priority=PriorityCode.P3)  # Monday 10:00, business hours
    with desk.db.session() as s:
        assert s.get(Ticket, tid).idle_check_at == ny(2026, 11, 23, 12, 0).astimezone(UTC)
        # Tess writes a note at 11:00: the window restarts.
        svc.add_message(s, s.get(Ticket, tid), at=ny(2026, 11, 23, 11, 0),  # type: ignore[arg-type]
                        direction=Direction.INTERNAL, body="looking", actor=desk.tech)
    clock = FixedClock(ny(2026, 11, 23, 12, 59))
    assert escalation.run(desk.db, clock, owner="A").idle == 0
    clock.set(ny(2026, 11, 23, 13, 0))
    result = escalation.run(desk.db, clock, owner="A")
    assert result.idle == 1
    with desk.db.session() as s:
        t = s.get(Ticket, tid)
        assert t.assignee_id == st.tom  # available, same group, not Tess
        assert t.idle_check_at == ny(2026, 11, 23, 15, 0).astimezone(UTC)  # Tom's window
        event = s.exec(select(EscalationEvent)).one()
        assert event.key.startswith(f"idle:{tid}:") and "reassigned to Tom" in event.detail
    assert _notes(desk.db) == [(st.tess, "warning")]
    assert escalation.run(desk.db, clock, owner="A").idle == 0  # once


def test_idle_window_counts_business_hours(desk: Desk, st: Staff) -> None:
    _rules(desk, IDLE_RULE)
    tid = _ticket(desk, st, at=ny(2026, 11, 23, 16, 30), priority=PriorityCode.P3)
    with desk.db.session() as s:  # 30 min Monday, 90 min Tuesday morning
        assert s.get(Ticket, tid).idle_check_at == ny(2026, 11, 24, 10, 30).astimezone(UTC)
        svc.change_status(s, s.get(Ticket, tid), "waiting_on_customer",  # type: ignore[arg-type]
                          at=ny(2026, 11, 23, 16, 45), actor=desk.tech)
        assert s.get(Ticket, tid).idle_check_at is None  # paused tickets are not idle


def test_near_due_escalates_once_inside_the_margin(desk: Desk, st: Staff) -> None:
    _rules(desk, NEAR_DUE_RULE)
    # P2 resolution 8 business hours from Monday 09:00: due 17:00, margin 30 min.
    tid = _ticket(desk, st, at=ny(2026, 11, 23, 9, 0), priority=PriorityCode.P2)
    clock = FixedClock(ny(2026, 11, 23, 16, 29))
    assert escalation.run(desk.db, clock, owner="A").near_due == 0
    clock.set(ny(2026, 11, 23, 16, 31))
    assert escalation.run(desk.db, clock, owner="A").near_due == 1
    with desk.db.session() as s:
        t = s.get(Ticket, tid)
        assert t.assignee_id == st.sue and s.get(Status, t.status_id).key == "escalated"
        clock_id = s.exec(select(SlaClock.id).where(SlaClock.ticket_id == tid,
                                                    SlaClock.kind == "resolution")).one()
        assert s.exec(select(EscalationEvent.key)).all() == [f"near_due:{clock_id}"]
    assert _notes(desk.db) == [(st.lead, "error")]
    clock.advance(minutes=5)
    assert escalation.run(desk.db, clock, owner="A").near_due == 0


def test_rules_are_validated_when_added(desk: Desk) -> None:
    with desk.db.session() as s, pytest.raises(svc.ServiceError) as err:
        escalation.add_rule(s, trigger="idle", actions={"reassign": "anyone", "alert": ["cto"]},
                            at=MON, actor=svc.SYSTEM)
    assert "reassign 'anyone'" in str(err.value) and "alert 'cto'" in str(err.value)
