"""Rules on real SQLite: the demo's starter set on new tickets, round robin's pointer across
two "processes" (two Database objects on one file), and the audit trail of each change."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from msp_tui.engine.vocabulary import Channel, PriorityCode, RulePhase
from msp_tui.services import assignment
from msp_tui.services import tickets as svc
from msp_tui.services.desk import Desk as ConsoleDesk
from msp_tui.store.db import Database
from msp_tui.store.models import (
    AssignmentRule,
    AuditEvent,
    Category,
    Client,
    GroupMember,
    Notification,
    TechGroup,
    Technician,
    Ticket,
)
from tests.conftest import FIXED_NOW
from tests.services.gold_desk import FIXED, MON, Desk, new_ticket

# ---------------------------------------------------------------- the demo's starter set


def _open(s: Session, *, client: str | None, category: str, priority: str = "P3",
          subject: str = "Something is not right") -> Ticket:
    client_id = None
    if client is not None:
        client_id = s.exec(select(Client.id).where(Client.name == client)).one()
    category_id = s.exec(select(Category.id).where(Category.name == category)).one()
    return svc.create_ticket(
        s, at=FIXED_NOW, subject=subject, body="Please have a look.", channel=Channel.EMAIL,
        priority=PriorityCode(priority), client_id=client_id, category_id=category_id,
    )


def _group(s: Session, ticket: Ticket) -> str | None:
    group = s.get(TechGroup, ticket.group_id) if ticket.group_id else None
    return group.name if group else None


def _members(s: Session, group: str) -> set[str]:
    return set(s.exec(
        select(Technician.name)
        .join(GroupMember, GroupMember.technician_id == Technician.id)  # type: ignore[arg-type]
        .join(TechGroup, TechGroup.id == GroupMember.group_id)  # type: ignore[arg-type]
        .where(TechGroup.name == group, Technician.active == True)  # noqa: E712
    ).all())


def _audits(s: Session, ticket: Ticket) -> list[tuple[str, str, str | None]]:
    rows = s.exec(select(AuditEvent).where(AuditEvent.entity == "ticket",
                                           AuditEvent.entity_id == ticket.id)
                  .order_by(AuditEvent.id)).all()  # type: ignore[arg-type]
    return [(a.actor, a.field, a.new_value) for a in rows]


def test_the_demo_ships_the_starter_rules_in_order(demo_desk: ConsoleDesk) -> None:
    with demo_desk.db.session() as s:
        rows = s.exec(select(AssignmentRule).order_by(AssignmentRule.position)).all()  # type: ignore[arg-type]
        assert [(r.name, r.phase) for r in rows] == [
            ("Platinum P1 to Senior Tech", "assign"),
            ("Platinum P1: tell the team lead", "notify"),
            ("Cybersecurity incidents to Security Team", "assign"),
            ("Network & Connectivity to Network Team", "assign"),
            ("Billing & Account to Account Managers", "assign"),
            ("Everything else to General Support", "assign"),
        ]
        assert all(not assignment._spec(r).validate() for r in rows)
        # seeded after the history: the replayed tickets keep their explicit assignments
        assert s.exec(select(AuditEvent).where(AuditEvent.actor.startswith("rule:"))).all() == []  # type: ignore[attr-defined]


def test_platinum_p1_goes_to_senior_tech_and_the_lead_hears(demo_desk: ConsoleDesk) -> None:
    with demo_desk.db.session() as s:
        before = s.exec(select(sa.func.count()).select_from(Notification)).one()
        ticket = _open(s, client="Contoso Legal", category="Phishing", priority="P1")
        assert _group(s, ticket) == "Senior Tech"  # position beats the security rule
        tech = s.get(Technician, ticket.assignee_id)
        assert tech is not None and tech.name in _members(s, "Senior Tech")
        lead = s.exec(select(Technician).where(Technician.name == "Taylor Reed")).one()
        notes = s.exec(select(Notification).where(Notification.ticket_id == ticket.id)).all()
        assert [(n.recipient_id, n.text) for n in notes] == [
            (lead.id, "Platinum P1 opened (rule: Platinum P1: tell the team lead)")
        ]
        assert s.exec(select(sa.func.count()).select_from(Notification)).one() == before + 1
        audits = _audits(s, ticket)
        assert ("rule: Platinum P1 to Senior Tech", "group", "Senior Tech") in audits
        assert ("rule: Platinum P1 to Senior Tech", "assignee", tech.name) in audits
        assert ("rule: Platinum P1: tell the team lead", "notified", "Taylor Reed") in audits


@pytest.mark.parametrize(
    ("client", "category", "priority", "group"),
    [
        ("Fabrikam Manufacturing", "Malware & ransomware", "P3", "Security Team"),
        ("Fabrikam Manufacturing", "VPN access issue", "P1", "Network Team"),  # Gold P1
        ("Contoso Legal", "Wireless connectivity", "P2", "Network Team"),  # Platinum, not P1
        ("Litware Dental", "Invoice question", "P4", "Account Managers"),
        ("Litware Dental", "Printing & peripherals", "P3", "General Support"),
        (None, "Server outage", "P2", "General Support"),  # unmatched mail too
    ],
)
def test_each_starter_rule_routes_its_tickets(
    demo_desk: ConsoleDesk, client: str | None, category: str, priority: str, group: str
) -> None:
    with demo_desk.db.session() as s:
        ticket = _open(s, client=client, category=category, priority=priority)
        assert _group(s, ticket) == group
        tech = s.get(Technician, ticket.assignee_id)
        assert tech is not None and tech.name in _members(s, group)
        assert s.exec(select(Notification).where(Notification.ticket_id == ticket.id)).all() == []


def test_general_support_takes_the_least_loaded_and_never_the_inactive(
    demo_desk: ConsoleDesk,
) -> None:
    with demo_desk.db.session() as s:
        gid = s.exec(select(TechGroup.id).where(TechGroup.name == "General Support")).one()
        got: Counter[str] = Counter()
        for _ in range(12):
            loads = {c.technician_id: c.open_load
                     for c in assignment.candidates(s, gid) if c.active}
            ticket = _open(s, client="Litware Dental", category="Hardware")
            assert ticket.assignee_id is not None
            assert loads[ticket.assignee_id] == min(loads.values())
            got[s.get(Technician, ticket.assignee_id).name] += 1  # type: ignore[union-attr]
        assert "Chris Old" not in got  # inactive member


# ---------------------------------------------------------------- round robin on the Gold desk

TEAM = ["Ann", "Ben", "Cal", "Dee", "Eve"]  # Cal is inactive


@pytest.fixture
def team(desk: Desk) -> dict[str, int]:
    """A support group of five (one inactive), a catch-all round robin rule to it, and a
    notify rule for P1s to the group lead and a named technician."""
    with desk.db.session() as s:
        techs = {n: Technician(name=n, email=f"{n.lower()}@msp.example", role="technician",
                               tier="tier1", active=n != "Cal") for n in TEAM}
        s.add_all(techs.values())
        s.flush()
        group = TechGroup(name="Support", lead_id=techs["Eve"].id)
        s.add(group)
        s.flush()
        s.add_all(GroupMember(group_id=group.id, technician_id=t.id) for t in techs.values())  # type: ignore[arg-type]
        assignment.add_rule(s, name="All to Support", phase=RulePhase.ASSIGN, conditions={},
                            actions={"group": group.id, "round_robin": True}, at=MON,
                            actor=svc.SYSTEM)
        assignment.add_rule(s, name="P1 alarm", phase=RulePhase.NOTIFY,
                            conditions={"priority": "P1"},
                            actions={"notify": ["group_lead", techs["Ann"].id, "assignee"]},
                            at=MON, actor=svc.SYSTEM)
        ids = {n: t.id for n, t in techs.items()}
        ids["group"] = group.id  # type: ignore[assignment]
        return ids  # type: ignore[return-value]


@pytest.fixture
def other_process(desk: Desk) -> Iterator[Database]:
    """A second engine on the same file: what another console or the worker would hold."""
    other = Database(desk.db.url)
    yield other
    other.dispose()


def _counts(db: Database, team: dict[str, int]) -> dict[str, int]:
    names = {v: k for k, v in team.items() if k in TEAM}
    with db.session() as s:
        rows = s.exec(select(Ticket.assignee_id)).all()
    got = Counter(names[r] for r in rows if r is not None)
    return {n: got[n] for n in TEAM}


def _pointer(db: Database, team: dict[str, int]) -> int | None:
    with db.session() as s:
        return assignment.read_pointer(s, team["group"])


def test_round_robin_is_fair_and_survives_restarts_across_two_processes(
    desk: Desk, team: dict[str, int], other_process: Database
) -> None:
    order: list[int | None] = []
    for i in range(40):
        db = desk.db if i % 2 == 0 else other_process  # alternate "processes"
        with db.session() as s:
            order.append(new_ticket(s, desk, at=MON + timedelta(minutes=i)).assignee_id)
        assert _pointer(desk.db, team) == order[-1]  # persisted, seen by the other one
    counts = _counts(desk.db, team)
    assert counts["Cal"] == 0
    assert sorted(counts.values()) == [0, 10, 10, 10, 10]
    # from equal loads the turn cycles in id order, whichever process takes it
    active = [team[n] for n in TEAM if n != "Cal"]
    assert order[:8] == active + active
    # a "restart": a fresh engine continues the rotation where it stopped
    desk.db.dispose()
    restarted = Database(desk.db.url)
    try:
        with restarted.session() as s:
            assert new_ticket(s, desk, at=MON + timedelta(hours=2)).assignee_id == active[0]
    finally:
        restarted.dispose()


def test_a_turn_taken_elsewhere_mid_pick_is_never_given_twice(
    desk: Desk, team: dict[str, int], other_process: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Process A reads the pointer; before it writes, process B takes that turn and
    commits. A's compare-and-set then changes nothing, and A reads again."""
    real_read = assignment.read_pointer
    b_took: list[int | None] = []
    reads: list[int | None] = []

    def racing_read(s: Session, group_id: int) -> int | None:
        value = real_read(s, group_id)
        reads.append(value)
        if not b_took:
            monkeypatch.setattr(assignment, "read_pointer", real_read)  # B reads normally
            with other_process.session() as other:
                b_took.append(assignment.round_robin(other, group_id))
            monkeypatch.setattr(assignment, "read_pointer", racing_read)
        return value

    monkeypatch.setattr(assignment, "read_pointer", racing_read)
    with desk.db.session() as s:
        a_took = assignment.round_robin(s, team["group"])
    assert b_took == [team["Ann"]]
    assert reads == [None, team["Ann"]]  # A's first compare-and-set missed; it read again
    assert a_took == team["Ben"]
    assert _pointer(desk.db, team) == team["Ben"]


def test_compare_and_set_only_moves_from_the_expected_value(
    desk: Desk, team: dict[str, int]
) -> None:
    gid = team["group"]
    with desk.db.session() as s:
        assert assignment.compare_and_set_pointer(s, gid, None, team["Ann"])
        assert not assignment.compare_and_set_pointer(s, gid, None, team["Ben"])  # IS NULL
        assert not assignment.compare_and_set_pointer(s, gid, team["Eve"], team["Ben"])
        assert assignment.compare_and_set_pointer(s, gid, team["Ann"], team["Ben"])
    assert _pointer(desk.db, team) == team["Ben"]


def test_concurrent_processes_share_the_rotation(
    desk: Desk, team: dict[str, int], other_process: Database
) -> None:
    errors: list[BaseException] = []

    def work(db: Database, offset: int) -> None:
        try:
            for i in range(15):
                with db.session() as s:
                    new_ticket(s, desk, at=MON + timedelta(minutes=offset + i))
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(db, k * 100))
               for k, db in enumerate((desk.db, other_process))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    counts = _counts(desk.db, team)
    assert counts.pop("Cal") == 0
    assert max(counts.values()) - min(counts.values()) <= 1
    assert sum(counts.values()) == 30


def test_least_open_load_beats_the_rotation(desk: Desk, team: dict[str, int]) -> None:
    with desk.db.session() as s:
        tickets = [new_ticket(s, desk, at=MON + timedelta(minutes=i)) for i in range(8)]
    done = next(t for t in tickets if t.assignee_id == team["Dee"])
    with desk.db.session() as s:
        ticket = s.get(Ticket, done.id)
        assert ticket is not None
        svc.change_status(s, ticket, "resolved", at=MON + timedelta(hours=1),
                          actor=desk.tech, closure=FIXED)
    with desk.db.session() as s:  # the pointer says Ann is next, but Dee has one fewer
        assert new_ticket(s, desk, at=MON + timedelta(hours=2)).assignee_id == team["Dee"]


def test_loads_count_this_transactions_own_changes(desk: Desk, team: dict[str, int]) -> None:
    with desk.db.session() as s:
        tickets = [new_ticket(s, desk, at=MON + timedelta(minutes=i)) for i in range(4)]
        done = next(t for t in tickets if t.assignee_id == team["Dee"])
        svc.change_status(s, done, "resolved", at=MON + timedelta(hours=1),
                          actor=desk.tech, closure=FIXED)
        assert new_ticket(s, desk, at=MON + timedelta(hours=2)).assignee_id == team["Dee"]


def test_a_group_with_nobody_active_keeps_the_ticket_unassigned(
    desk: Desk, team: dict[str, int]
) -> None:
    with desk.db.session() as s:
        s.execute(sa.update(Technician).values(active=False))
    with desk.db.session() as s:
        ticket = new_ticket(s, desk)
        assert ticket.group_id == team["group"] and ticket.assignee_id is None
        assert _audits(s, ticket)[-1] == ("rule: All to Support", "group", "Support")


def test_notify_targets_lead_named_and_assignee_once_each(
    desk: Desk, team: dict[str, int]
) -> None:
    with desk.db.session() as s:
        first = new_ticket(s, desk, priority=PriorityCode.P1)  # goes to Ann
        second = new_ticket(s, desk, priority=PriorityCode.P1)  # goes to Ben
        quiet = new_ticket(s, desk, priority=PriorityCode.P3)
        got = {
            t.number: [n.recipient_id for n in s.exec(
                select(Notification).where(Notification.ticket_id == t.id)
                .order_by(Notification.id)).all()]  # type: ignore[arg-type]
            for t in (first, second, quiet)
        }
    assert got == {
        first.number: [team["Eve"], team["Ann"]],  # Ann is named and the assignee: once
        second.number: [team["Eve"], team["Ann"], team["Ben"]],
        quiet.number: [],
    }


# ---------------------------------------------------------------- categorise, audit, validation


def test_categorize_runs_first_and_assign_sees_its_result(desk: Desk) -> None:
    with desk.db.session() as s:
        parent = Category(name="Security")
        s.add(parent)
        s.flush()
        phishing = Category(name="Phishing", parent_id=parent.id)
        s.add(phishing)
        group = TechGroup(name="SOC")
        s.add(group)
        s.flush()
        # the assign rule sits *before* the categorise rule and still sees its category
        assignment.add_rule(s, name="Security to SOC", phase=RulePhase.ASSIGN,
                            conditions={"category": parent.id}, actions={"group": group.id},
                            at=MON, position=1, actor=svc.SYSTEM)
        assignment.add_rule(s, name="Spot phishing", phase=RulePhase.CATEGORIZE,
                            conditions={"keywords": ["printer"], "channel": "email"},
                            actions={"set_category": phishing.id, "set_type": "implementation"},
                            at=MON, position=2, actor=desk.tech)
        ticket = new_ticket(s, desk)  # "Printer offline"
        assert (ticket.category_id, ticket.type, ticket.group_id) == (
            phishing.id, "implementation", group.id)
        assert [a for a in _audits(s, ticket) if a[0].startswith("rule:")] == [
            ("rule: Spot phishing", "category", "Phishing"),
            ("rule: Spot phishing", "type", "implementation"),
            ("rule: Security to SOC", "group", "SOC"),
        ]
        made = s.exec(select(AuditEvent).where(AuditEvent.entity == "assignment_rule")).all()
        assert [(a.actor, a.new_value) for a in made] == [
            ("system", "Security to SOC"), ("Tess", "Spot phishing")]


def test_a_direct_technician_rule(desk: Desk, team: dict[str, int]) -> None:
    with desk.db.session() as s:
        assignment.add_rule(s, name="Acme to Dee", phase=RulePhase.ASSIGN,
                            conditions={"client": "acme"},
                            actions={"technician": team["Dee"]}, at=MON, position=1,
                            actor=svc.SYSTEM)
        acme = new_ticket(s, desk)
        other = new_ticket(s, desk, client=desk.bare_client_id)
        assert acme.assignee_id == team["Dee"] and acme.group_id is None
        assert other.group_id == team["group"]  # the catch-all still takes the rest
        assert ("rule: Acme to Dee", "assignee", "Dee") in _audits(s, acme)


@pytest.mark.parametrize(
    ("conditions", "actions", "message"),
    [
        ({"priorty": "P1"}, {"group": 1}, "unknown condition 'priorty'"),
        ({}, {"group": 999}, "group 999: no such tech group"),
        ({"category": 42}, {"technician": 998}, "category 42: no such category; "
                                                "technician 998: no such technician"),
        ({}, {"notify": ["group_lead"]}, "action 'notify' belongs to a notify rule"),
    ],
)
def test_add_rule_refuses_bad_input_with_every_problem(
    desk: Desk, conditions: dict[str, Any], actions: dict[str, Any], message: str
) -> None:
    with desk.db.session() as s, pytest.raises(svc.ServiceError, match=r"rule 'bad': ") as err:
        assignment.add_rule(s, name="bad", phase=RulePhase.ASSIGN, conditions=conditions,
                            actions=actions, at=MON, actor=svc.SYSTEM)
    assert message in str(err.value)


def test_a_broken_row_is_skipped_not_fatal(desk: Desk, team: dict[str, int]) -> None:
    with desk.db.session() as s:
        s.add(AssignmentRule(position=0, name="hand-edited", phase="assign",
                             conditions={"prio": "P1"}, actions={"group": "x"}, created_at=MON))
    with desk.db.session() as s:
        assert new_ticket(s, desk).group_id == team["group"]


def test_no_rules_no_change(desk: Desk) -> None:
    with desk.db.session() as s:
        ticket = new_ticket(s, desk)
        assert (ticket.assignee_id, ticket.group_id) == (None, None)
        assert [a[0] for a in _audits(s, ticket)] == ["system"]
