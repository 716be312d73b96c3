"""The priority policy against a real SQLite desk: bumps go up only, suggestions wait for
a technician, implementation requests are routed, and all of it is in the audit log."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

from msp_tui.engine.clock import FixedClock
from msp_tui.engine.vocabulary import Channel, ClockKind, PriorityCode, TicketType
from msp_tui.services import priority_policy as policy
from msp_tui.services import tickets as svc
from msp_tui.services.desk import Desk as FacadeDesk
from msp_tui.services.tickets import ServiceError
from msp_tui.store.models import AuditEvent, Client, SlaClock, Ticket
from tests.services.gold_desk import MON, Desk

P = PriorityCode


def make_vip(d: Desk) -> None:
    with d.db.session() as s:
        client = s.get(Client, d.client_id)
        assert client is not None
        client.vip = True
        s.add(client)


def raw_ticket(
    s: Session,
    d: Desk,
    *,
    subject: str = "Printer offline",
    body: str = "It is offline",
    priority: P = P.P3,
    at: datetime = MON,
    client: int | None = -1,
    ticket_type: TicketType = TicketType.SUPPORT,
) -> Ticket:
    """A ticket created with the policy held back, so a test can call `apply` itself."""
    with policy.suspended(s):
        return svc.create_ticket(
            s, at=at, subject=subject, body=body, channel=Channel.EMAIL, priority=priority,
            client_id=d.client_id if client == -1 else client, ticket_type=ticket_type,
        )


def applied(d: Desk, **kw: object) -> Ticket:
    body = str(kw.get("body", "It is offline"))
    at = kw.get("at", MON)
    with d.db.session() as s:
        t = raw_ticket(s, d, **kw)  # type: ignore[arg-type]
        policy.apply(s, t, at=at, body=body)  # type: ignore[arg-type]
        s.flush()
        s.expunge(t)
        return t


def audits(d: Desk, ticket_id: int | None, field: str) -> list[AuditEvent]:
    with d.db.session() as s:
        rows = s.exec(
            select(AuditEvent).where(AuditEvent.entity_id == ticket_id, AuditEvent.field == field)
            .order_by(AuditEvent.id)  # type: ignore[arg-type]
        ).all()
        for r in rows:
            s.expunge(r)
        return list(rows)


# ---------------------------------------------------------------- suggestions


def test_a_suggestion_is_stored_not_applied(desk: Desk) -> None:
    t = applied(desk, subject="Email outage at HQ")
    assert t.priority == P.P3
    assert (t.suggested_priority, t.suggestion_reason) == (P.P1, "'outage' in subject")
    [event] = audits(desk, t.id, "suggested_priority")
    assert event.actor == "priority policy" and event.new_value == "P1"
    assert audits(desk, t.id, "priority") == []


@pytest.mark.parametrize("priority", [P.P1])
def test_no_suggestion_when_it_is_not_higher(desk: Desk, priority: P) -> None:
    t = applied(desk, subject="Server down", priority=priority)
    assert t.suggested_priority is None and t.suggestion_reason == ""


def test_no_keywords_change_nothing(desk: Desk) -> None:
    t = applied(desk)
    assert (t.priority, t.type, t.suggested_priority) == (P.P3, TicketType.SUPPORT, None)
    with desk.db.session() as s:
        fields = s.exec(select(AuditEvent.field).where(AuditEvent.entity_id == t.id)).all()
    assert fields == ["created"]


# ---------------------------------------------------------------- escalations


@pytest.mark.parametrize(("before", "after"), [(P.P4, P.P2), (P.P3, P.P2), (P.P2, P.P2),
                                               (P.P1, P.P1)])
def test_vip_lifts_low_priorities_and_never_downgrades(
    desk: Desk, before: P, after: P
) -> None:
    make_vip(desk)
    t = applied(desk, priority=before)
    assert t.priority == after
    events = audits(desk, t.id, "priority")
    if before == after:
        assert events == []
    else:
        [event] = events
        assert (event.old_value, event.new_value) == (before, P.P2)
        assert event.reason == "policy escalation: VIP client"
        assert event.actor == "priority policy"


def test_a_p1_ticket_with_every_trigger_stays_p1(desk: Desk) -> None:
    make_vip(desk)
    t = applied(desk, priority=P.P1, subject="Ransomware, phishing, hacked")
    assert t.priority == P.P1 and audits(desk, t.id, "priority") == []


def test_security_keywords_lift_to_p2_and_still_suggest_p1(desk: Desk) -> None:
    t = applied(desk, priority=P.P4, subject="Odd files", body="Ransomware note on the share")
    assert t.priority == P.P2
    assert t.suggested_priority == P.P1  # still above P2: shown for the technician
    [event] = audits(desk, t.id, "priority")
    assert event.reason == "policy escalation: security keyword 'ransomware'"


def _earlier(d: Desk, *ages: timedelta, client: int | None = -1) -> None:
    with d.db.session() as s:
        for age in ages:
            raw_ticket(s, d, at=MON - age, client=client)


def test_spike_bumps_the_fifth_ticket_within_the_window(desk: Desk) -> None:
    _earlier(desk, *(timedelta(minutes=m) for m in (5, 20, 40)))
    fourth = applied(desk)
    assert fourth.priority == P.P3
    fifth = applied(desk, at=MON + timedelta(minutes=1))
    assert fifth.priority == P.P2
    [event] = audits(desk, fifth.id, "priority")
    assert event.reason == "policy escalation: spike: 5 tickets from this client within 60 min"


@pytest.mark.parametrize(("oldest", "bumped"), [(timedelta(minutes=60), True),
                                                (timedelta(minutes=60, seconds=1), False)])
def test_spike_window_edge(desk: Desk, oldest: timedelta, bumped: bool) -> None:
    _earlier(desk, oldest, timedelta(minutes=30), timedelta(minutes=20), timedelta(minutes=10))
    t = applied(desk)
    assert (t.priority == P.P2) is bumped


def test_other_clients_and_later_tickets_do_not_count(desk: Desk) -> None:
    _earlier(desk, *(timedelta(minutes=m) for m in (1, 2, 3)), client=desk.bare_client_id)
    _earlier(desk, -timedelta(minutes=5))  # created after this one's instant
    _earlier(desk, timedelta(minutes=1), timedelta(minutes=2))
    assert applied(desk).priority == P.P3


def test_an_unmatched_ticket_has_no_vip_or_spike(desk: Desk) -> None:
    _earlier(desk, *(timedelta(minutes=m) for m in (1, 2, 3, 4, 5)), client=None)
    assert applied(desk, client=None).priority == P.P3


# ---------------------------------------------------------------- implementation routing


def test_an_implementation_request_becomes_an_implementation_ticket(desk: Desk) -> None:
    t = applied(desk, subject="New user: Sam Lee", body="Please set up a laptop for Monday")
    assert t.type == TicketType.IMPLEMENTATION
    [event] = audits(desk, t.id, "type")
    assert (event.old_value, event.new_value) == ("support", "implementation")
    assert event.reason == "implementation request: 'set up', 'new user'"


def test_an_incident_is_not_routed_as_a_request(desk: Desk) -> None:
    t = applied(desk, subject="I need help", body="The file server is down")
    assert t.type == TicketType.SUPPORT


# ---------------------------------------------------------------- through create_ticket


def _wired(d: Desk, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Whether `rules.on_new_ticket` calls `apply` (the rules issue wires it in)."""
    calls: list[int] = []
    with monkeypatch.context() as m:
        m.setattr(policy, "apply", lambda s, t, **kw: calls.append(t.id))
        with d.db.session() as s:
            svc.create_ticket(s, at=MON - timedelta(days=30), subject="probe", body="",
                              channel=Channel.EMAIL, priority=P.P3, client_id=None)
            s.rollback()
    return bool(calls)


def test_create_ticket_runs_the_policy_before_the_clocks_start(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not _wired(desk, monkeypatch):
        pytest.skip("rules.on_new_ticket does not call priority_policy.apply yet")
    make_vip(desk)
    with desk.db.session() as s:
        t = svc.create_ticket(s, at=MON, subject="Email outage", body="Nobody gets mail",
                              channel=Channel.EMAIL, priority=P.P3, client_id=desk.client_id)
        tid = t.id
        assert (t.priority, t.suggested_priority) == (P.P2, P.P1)
        response = s.exec(select(SlaClock).where(
            SlaClock.ticket_id == tid, SlaClock.kind == ClockKind.RESPONSE)).one()
        assert response.target_seconds == 3600  # the P2 target: started on the bumped priority
    assert len(audits(desk, tid, "priority")) == 1


# ---------------------------------------------------------------- accept / override


def facade(d: Desk) -> FacadeDesk:
    return FacadeDesk(d.db, FixedClock(MON + timedelta(minutes=10)))


def test_accepting_a_suggestion_changes_priority_and_retargets_the_clocks(desk: Desk) -> None:
    with desk.db.session() as s:
        t = raw_ticket(s, desk, subject="Internet down at main office")
        policy.apply(s, t, at=MON, body="")
        tid = t.id
    facade(desk).accept_suggestion(tid)  # type: ignore[arg-type]
    with desk.db.session() as s:
        t = s.get(Ticket, tid)
        assert t is not None
        assert (t.priority, t.suggested_priority, t.suggestion_reason) == (P.P1, None, "")
        response = s.exec(select(SlaClock).where(
            SlaClock.ticket_id == tid, SlaClock.kind == ClockKind.RESPONSE,
            SlaClock.state == "running")).one()
        assert response.target_seconds == 30 * 60  # the P1 target now
    [event] = audits(desk, tid, "priority")
    assert (event.old_value, event.new_value) == ("P3", "P1")
    assert event.reason == "accepted suggestion: 'down' in subject"


def test_dismissing_keeps_the_priority_and_says_so(desk: Desk) -> None:
    with desk.db.session() as s:
        t = raw_ticket(s, desk, subject="Guest Wi-Fi not working", priority=P.P4)
        policy.apply(s, t, at=MON, body="")
        tid = t.id
    facade(desk).dismiss_suggestion(tid)  # type: ignore[arg-type]
    with desk.db.session() as s:
        t = s.get(Ticket, tid)
        assert t is not None and (t.priority, t.suggested_priority) == (P.P4, None)
    event = audits(desk, tid, "suggested_priority")[-1]
    assert (event.old_value, event.new_value) == ("P2", None)
    assert event.reason == "override: kept P4 ('not working' in subject)"


def test_no_suggestion_or_a_stale_one_is_refused(desk: Desk) -> None:
    with desk.db.session() as s:
        plain = raw_ticket(s, desk).id
        t = raw_ticket(s, desk, subject="Email outage")
        policy.apply(s, t, at=MON, body="")
        svc.change_priority(s, t, P.P1, at=MON, actor=desk.tech, reason="CEO called")
        stale = t.id
    d = facade(desk)
    with pytest.raises(ServiceError, match="no suggested priority"):
        d.accept_suggestion(plain)  # type: ignore[arg-type]
    with pytest.raises(ServiceError, match="no suggested priority"):
        d.dismiss_suggestion(plain)  # type: ignore[arg-type]
    with pytest.raises(ServiceError, match="already P1"):
        d.accept_suggestion(stale)  # type: ignore[arg-type]
    d.dismiss_suggestion(stale)  # type: ignore[arg-type]
