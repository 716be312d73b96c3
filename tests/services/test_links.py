"""Link use cases: children, duplicates, cascades of status and replies, rules at intake."""

from __future__ import annotations

import pytest
from sqlmodel import select

from msp_tui.engine.vocabulary import PriorityCode, RulePhase
from msp_tui.services import assignment, links, tickets
from msp_tui.services.desk import Desk
from msp_tui.services.outbox import OutboundSettings
from msp_tui.services.tickets import Closure, ServiceError
from msp_tui.store.models import (
    AuditEvent,
    Client,
    Contact,
    Message,
    OutboxMail,
    ResolutionCode,
    Status,
    Ticket,
)

FIXED = Closure("fixed", "Fixed it")
MX = Closure("configuration_change", "MX record fixed")

OUTBOUND = OutboundSettings(from_address="Demo MSP <help@demo-msp.example>", ticket_prefix="MSP")


def new(desk: Desk, subject: str = "Mail is down", client: str = "Contoso Legal") -> int:
    with desk.db.session() as s:
        client_id = s.exec(select(Client.id).where(Client.name == client)).one()
    return desk.create_ticket(subject=subject, body="Nothing arrives.", priority=PriorityCode.P2,
                              client_id=client_id)


def from_contacts(desk: Desk, n: int) -> list[tuple[int, str]]:
    """n tickets, each from a different active contact: (id, their email)."""
    with desk.db.session() as s:
        people = s.exec(
            select(Contact).where(
                Contact.terminated == False, Contact.email != None)  # noqa: E711, E712
            .order_by(Contact.id)  # type: ignore[arg-type]
        ).all()[:n]
        assert len(people) == n
        who = [(p.id, p.client_id, p.email, p.name) for p in people]
    return [
        (desk.create_ticket(subject="Mail is down", body="Nothing arrives.",
                            priority=PriorityCode.P2, client_id=client_id, contact_id=contact_id,
                            requester_name=name, requester_email=email), email or "")
        for contact_id, client_id, email, name in who
    ]


def row(desk: Desk, ticket_id: int) -> tuple[int, int | None, int | None, str]:
    """(number, parent id, duplicate-of id, status key)"""
    with desk.db.session() as s:
        t = s.get(Ticket, ticket_id)
        assert t is not None
        status = s.get(Status, t.status_id)
        assert status is not None
        return t.number, t.parent_id, t.duplicate_of_id, status.key or ""


def fields(desk: Desk, ticket_id: int, field: str) -> list[tuple[str | None, str | None, str]]:
    with desk.db.session() as s:
        return [(a.old_value, a.new_value, a.reason) for a in s.exec(
            select(AuditEvent).where(AuditEvent.entity_id == ticket_id,
                                     AuditEvent.entity == "ticket", AuditEvent.field == field)
            .order_by(AuditEvent.id)  # type: ignore[arg-type]
        ).all()]


def resolution(desk: Desk, ticket_id: int) -> tuple[str | None, str]:
    with desk.db.session() as s:
        t = s.get(Ticket, ticket_id)
        assert t is not None
        code = s.get(ResolutionCode, t.resolution_code_id) if t.resolution_code_id else None
        return (code.code if code else None), t.resolution_summary


def test_link_and_unlink_children(demo_desk: Desk) -> None:
    master, a, b = new(demo_desk), new(demo_desk), new(demo_desk)
    na, nb = row(demo_desk, a)[0], row(demo_desk, b)[0]
    seq = demo_desk.change_seq()
    demo_desk.link_children(master, [na, nb])
    assert row(demo_desk, a)[1] == master and row(demo_desk, b)[1] == master
    assert demo_desk.change_seq() > seq
    assert demo_desk.open_children(master) == 2
    demo_desk.link_children(master, [], unlink=[na])
    assert row(demo_desk, a)[1] is None
    demo_desk.unlink_parent(b)
    assert demo_desk.open_children(master) == 0
    assert fields(demo_desk, b, "parent")[-1][:2] == (f"#{row(demo_desk, master)[0]}", None)


def test_linking_children_is_all_or_nothing(demo_desk: Desk) -> None:
    master, a = new(demo_desk), new(demo_desk)
    na, nm = row(demo_desk, a)[0], row(demo_desk, master)[0]
    with pytest.raises(ServiceError, match="no ticket #999999"):
        demo_desk.link_children(master, [na, 999999])
    assert row(demo_desk, a)[1] is None
    with pytest.raises(ServiceError, match="cannot be its own parent"):
        demo_desk.link_children(master, [nm])
    with pytest.raises(ServiceError, match=f"#{na} is not a child of #{nm}"):
        demo_desk.link_children(master, [], unlink=[na])


def test_cascade_resolve_moves_open_children_only(demo_desk: Desk) -> None:
    master, a, b, c = (new(demo_desk) for _ in range(4))
    demo_desk.link_children(master, [row(demo_desk, t)[0] for t in (a, b, c)])
    demo_desk.change_status(c, "resolved", "fixed on its own",
                            closure=Closure("no_fault_found", "fixed on its own"))
    demo_desk.change_status(b, "waiting_on_customer")
    demo_desk.change_status(master, "resolved", "MX record fixed", closure=MX)
    results = demo_desk.cascade_status(master, "resolved", "MX record fixed")
    assert [(r.number, r.done) for r in results] == [
        (row(demo_desk, a)[0], True), (row(demo_desk, b)[0], True)]
    assert [row(demo_desk, t)[3] for t in (a, b, c)] == ["resolved"] * 3
    nm = row(demo_desk, master)[0]
    assert fields(demo_desk, a, "status")[-1][2] == f"with master #{nm}: MX record fixed"
    assert fields(demo_desk, c, "status")[-1][2] == "fixed on its own"  # untouched
    # the children count in trend reports like the master; c keeps its own resolution
    assert [resolution(demo_desk, t) for t in (a, b, c)] == [
        ("configuration_change", "MX record fixed")] * 2 + [
        ("no_fault_found", "fixed on its own")]


def test_a_child_refusing_the_move_is_reported_not_fatal(
    demo_desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    master, a, b = new(demo_desk), new(demo_desk), new(demo_desk)
    na, nb = row(demo_desk, a)[0], row(demo_desk, b)[0]
    demo_desk.link_children(master, [na, nb])
    real = tickets.change_status

    def refuse_a(s, ticket, key, **kw):  # type: ignore[no-untyped-def]
        real(s, ticket, key, **kw)  # half done, then refused: the savepoint undoes it
        if ticket.number == na:
            raise ServiceError(f"#{na}: cannot move")

    demo_desk.change_status(master, "closed", closure=FIXED)
    monkeypatch.setattr(links.tickets, "change_status", refuse_a)
    results = demo_desk.cascade_status(master, "closed")
    assert [(r.number, r.error) for r in results] == [(na, f"#{na}: cannot move"), (nb, None)]
    assert row(demo_desk, a)[3] != "closed" and row(demo_desk, b)[3] == "closed"


def test_cascade_reply_goes_through_the_outbox_per_child(demo_desk: Desk) -> None:
    demo_desk.outbound = OUTBOUND
    made = from_contacts(demo_desk, 4)
    master, a, b, done = (t for t, _ in made)
    demo_desk.link_children(master, [row(demo_desk, t)[0] for t in (a, b, done)])
    demo_desk.change_status(done, "closed", closure=FIXED)
    sent = demo_desk.cascade_reply(master, "Mail flows again.", with_master=True)
    assert sent == [row(demo_desk, a)[0], row(demo_desk, b)[0]]
    with demo_desk.db.session() as s:
        def replies(t: int) -> int:
            return len(s.exec(select(Message).where(Message.ticket_id == t,
                                                    Message.body == "Mail flows again.")).all())
        assert [replies(t) for t in (master, a, b, done)] == [1, 1, 1, 0]
        mailed = {m.ticket_id: m.to_addrs[0] for m in s.exec(select(OutboxMail)).all()}
    assert mailed == {t: email for t, email in made[:3]}  # each contact their own mail


def test_duplicates_refused_and_accepted(demo_desk: Desk) -> None:
    original, dup, other = new(demo_desk), new(demo_desk), new(demo_desk)
    no, nd = row(demo_desk, original)[0], row(demo_desk, dup)[0]
    demo_desk.mark_duplicate(dup, no)
    assert row(demo_desk, dup)[2] == original
    assert row(demo_desk, dup)[3] == "new"  # marking does not close it
    with pytest.raises(ServiceError, match=f"#{nd} is itself a duplicate of #{no}"):
        demo_desk.mark_duplicate(other, nd)
    with pytest.raises(ServiceError, match=f"#{no} is the original of #{nd}"):
        demo_desk.mark_duplicate(original, row(demo_desk, other)[0])
    with pytest.raises(ServiceError, match="would make a cycle"):
        demo_desk.mark_duplicate(original, nd)
    demo_desk.unmark_duplicate(dup)
    assert row(demo_desk, dup)[2] is None
    assert fields(demo_desk, dup, "duplicate_of") == [(None, f"#{no}", ""), (f"#{no}", None, "")]


def test_a_new_ticket_under_a_parent_and_a_refused_one_creates_nothing(demo_desk: Desk) -> None:
    master = new(demo_desk)
    nm = row(demo_desk, master)[0]
    with demo_desk.db.session() as s:
        client_id = s.exec(select(Client.id).where(Client.name == "Contoso Legal")).one()
        before = len(s.exec(select(Ticket.id)).all())
    child = demo_desk.create_ticket(subject="Me too", body="No mail", priority=PriorityCode.P3,
                                    client_id=client_id, parent_number=nm)
    assert row(demo_desk, child)[1] == master
    demo_desk.change_status(master, "closed", closure=FIXED)
    with pytest.raises(ServiceError, match=f"#{nm} is closed"):
        demo_desk.check_parent(nm)
    with pytest.raises(ServiceError, match=f"#{nm} is closed"):
        demo_desk.create_ticket(subject="Me too", body="x", priority=PriorityCode.P3,
                                client_id=client_id, parent_number=nm)
    with demo_desk.db.session() as s:
        assert len(s.exec(select(Ticket.id)).all()) == before + 1


def test_a_categorize_rule_files_new_tickets_under_the_incident(demo_desk: Desk) -> None:
    master = new(demo_desk, "Exchange outage")
    nm = row(demo_desk, master)[0]
    with demo_desk.db.session() as s:
        with pytest.raises(ServiceError, match="link_parent 999999: no such ticket"):
            assignment.add_rule(s, name="bad", phase=RulePhase.CATEGORIZE, conditions={},
                                actions={"link_parent": 999999}, at=demo_desk.clock.now(),
                                position=1, actor=tickets.SYSTEM)
        with pytest.raises(ServiceError, match="must be a ticket number"):
            assignment.add_rule(s, name="bad", phase=RulePhase.CATEGORIZE, conditions={},
                                actions={"link_parent": "#12"}, at=demo_desk.clock.now(),
                                position=1, actor=tickets.SYSTEM)
        assignment.add_rule(s, name="Outage callers", phase=RulePhase.CATEGORIZE,
                            conditions={"keywords": "outlook"}, actions={"link_parent": nm},
                            at=demo_desk.clock.now(), position=1, actor=tickets.SYSTEM)
    caller = new(demo_desk, "Outlook will not connect")
    assert row(demo_desk, caller)[1] == master
    assert fields(demo_desk, caller, "parent") == [(None, f"#{nm}", "")]
    demo_desk.change_status(master, "closed", closure=FIXED)
    late = new(demo_desk, "Outlook still down")  # intake goes on; the refusal is audited
    assert row(demo_desk, late)[1] is None
    assert f"not linked to #{nm}" in fields(demo_desk, late, "parent")[0][2]
