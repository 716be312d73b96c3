"""Automation rules on a new ticket: categorise, assign (round robin), notify.

Runs inside the transaction that creates the ticket (`rules.on_new_ticket`), so a ticket
is never seen unassigned by a console while a job would catch up. The decisions are the
engine's (`engine.assignment`); this module reads rows into engine values, applies the
chosen rule's actions through the ticket services, and audits each change with the
rule's name as the actor.

Round robin's rotation pointer (`tech_group.rr_last_technician_id`) is moved with a
compare-and-set UPDATE: when another process took a turn between our read and our
write, 0 rows change and we read again, so no turn is ever handed out twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from msp_tui.engine.assignment import (
    Candidate,
    RuleSpec,
    TicketFacts,
    first_match,
    pick_round_robin,
)
from msp_tui.engine.vocabulary import NotificationLevel, RulePhase, StatusCategory

# `tickets` imports `rules`, which calls here: reach it as a module, used at call time.
from msp_tui.services import tickets as tk
from msp_tui.store.db import bump_change_seq
from msp_tui.store.models import (
    AssignmentRule,
    Category,
    Client,
    GroupMember,
    Notification,
    SlaProfile,
    Status,
    TechGroup,
    Technician,
    Ticket,
)

_RULES = "msp_tui.assignment_rules"
# A compare-and-set only fails when another process took a turn in between; this many
# misses in a row means something is wrong, not busy.
_CAS_ATTEMPTS = 20


def rules(s: Session) -> list[RuleSpec]:
    """The active, valid rules in order, read once per transaction (see forget_rules).

    An invalid row (edited by hand) is skipped rather than failing ticket intake;
    `add_rule` keeps such rows from being written in the first place."""
    cached: list[RuleSpec] | None = s.info.get(_RULES)
    if cached is None:
        with s.no_autoflush:
            rows = s.exec(
                select(AssignmentRule)
                .where(AssignmentRule.active == True)  # noqa: E712
                .order_by(AssignmentRule.position, AssignmentRule.id)  # type: ignore[arg-type]
            ).all()
        cached = [spec for spec in map(_spec, rows) if not spec.validate()]
        s.info[_RULES] = cached
    return cached


def forget_rules(s: Session) -> None:
    """After adding or editing rules inside a transaction."""
    s.info.pop(_RULES, None)


def _spec(row: AssignmentRule) -> RuleSpec:
    return RuleSpec(
        id=row.id, position=row.position, name=row.name, phase=row.phase,
        conditions=dict(row.conditions or {}), actions=dict(row.actions or {}),
        active=row.active,
    )


def add_rule(
    s: Session,
    *,
    name: str,
    phase: RulePhase,
    conditions: Mapping[str, Any],
    actions: Mapping[str, Any],
    at: datetime,
    position: int | None = None,
    actor: tk.Actor,
) -> AssignmentRule:
    """Store a rule after checking its shape and that the ids it names exist; the error
    lists every problem at once. Without a position it goes last."""
    spec = RuleSpec(None, position or 0, name.strip(), phase, dict(conditions), dict(actions))
    problems = spec.validate() or missing_references(s, spec)
    if problems:
        raise tk.ServiceError(f"rule {name!r}: " + "; ".join(problems))
    if position is None:
        top = s.execute(sa.select(sa.func.max(AssignmentRule.position))).scalar_one()
        position = (top or 0) + 10
    row = AssignmentRule(
        position=position, name=spec.name, phase=phase, conditions=dict(conditions),
        actions=dict(actions), created_at=at,
    )
    s.add(row)
    s.flush()
    tk.audit(s, at=at, actor=actor, entity="assignment_rule", entity_id=row.id,  # type: ignore[arg-type]
          field="created", old=None, new=spec.name)
    forget_rules(s)
    bump_change_seq(s)
    return row


def missing_references(s: Session, spec: RuleSpec) -> list[str]:
    """What the rule names that does not exist: ids of categories, clients, groups,
    technicians (or names an inactive one) and tickets, and SLA profile names (matched
    case-insensitively, as intake does), so a rule is never stored that could never
    match or would hand tickets to someone who left."""
    checks: list[tuple[str, type[Any], Any]] = []
    cats = spec.conditions.get("category", [])
    for cat in cats if isinstance(cats, list) else [cats]:
        checks.append(("category", Category, cat))
    clients = spec.conditions.get("client", [])
    for client in clients if isinstance(clients, list) else [clients]:
        if isinstance(client, int):
            checks.append(("client", Client, client))
    for key, model in (("set_category", Category), ("group", TechGroup),
                       ("technician", Technician)):
        if key in spec.actions:
            checks.append((key, model, spec.actions[key]))
    problems: list[str] = []
    wanted = spec.conditions.get("sla_profile", [])
    if wanted:
        known = {str(n).casefold() for n in s.exec(select(SlaProfile.name))}
        for name in wanted if isinstance(wanted, list) else [wanted]:
            if str(name).casefold() not in known:
                problems.append(f"sla_profile {name!r}: no SLA profile has that name")
    parent = spec.actions.get("link_parent")
    if parent is not None and not s.exec(select(Ticket.id).where(Ticket.number == parent)).first():
        problems.append(f"link_parent {parent}: no such ticket")
    targets = spec.actions.get("notify", [])
    for target in targets if isinstance(targets, list) else [targets]:
        if isinstance(target, int):
            checks.append(("notify", Technician, target))
    for key, model, ident in checks:
        row = s.get(model, ident)
        if row is None:
            problems.append(f"{key} {ident}: no such {model.__tablename__.replace('_', ' ')}")
        elif model is Technician and not row.active:
            problems.append(f"{key} {ident}: {row.name} is inactive")
    return problems


# ---------------------------------------------------------------- facts


def facts_for(s: Session, ticket: Ticket, body: str) -> TicketFacts:
    """The ticket as rules see it; the profile is the client's, as clocks start after."""
    client = s.get(Client, ticket.client_id) if ticket.client_id is not None else None
    profile = (
        s.get(SlaProfile, client.sla_profile_id)
        if client is not None and client.sla_profile_id is not None
        else None
    )
    category = s.get(Category, ticket.category_id) if ticket.category_id is not None else None
    return TicketFacts(
        client_id=ticket.client_id,
        client_name=client.name if client else None,
        profile=profile.name if profile else None,
        vip=bool(client and client.vip),
        priority=ticket.priority,
        category_id=ticket.category_id,
        parent_category_id=category.parent_id if category else None,
        ticket_type=ticket.type,
        channel=ticket.channel,
        subject=ticket.subject,
        body=body,
    )


def _matching(s: Session, ticket: Ticket, body: str, phase: RulePhase) -> RuleSpec | None:
    in_phase = [r for r in rules(s) if r.phase == phase]
    if not in_phase:  # no rules, no reads: intake stays as cheap as before
        return None
    with s.no_autoflush:
        return first_match(in_phase, facts_for(s, ticket, body), phase)


# ---------------------------------------------------------------- phases


def categorize(s: Session, ticket: Ticket, *, at: datetime, body: str) -> RuleSpec | None:
    """Set category and/or type from the first matching categorise rule."""
    rule = _matching(s, ticket, body, RulePhase.CATEGORIZE)
    if rule is None:
        return None
    actor = _actor(rule)
    category_id = rule.actions.get("set_category")
    if category_id is not None and category_id != ticket.category_id:
        old = _category_name(s, ticket.category_id)
        ticket.category_id = category_id
        tk.audit(s, at=at, actor=actor, entity="ticket", entity_id=ticket.id,  # type: ignore[arg-type]
              field="category", old=old, new=_category_name(s, category_id))
    new_type = rule.actions.get("set_type")
    if new_type is not None and new_type != ticket.type:
        tk.audit(s, at=at, actor=actor, entity="ticket", entity_id=ticket.id,  # type: ignore[arg-type]
              field="type", old=ticket.type, new=new_type)
        ticket.type = new_type
    parent_number = rule.actions.get("link_parent")
    if parent_number is not None:
        _link_parent(s, ticket, parent_number, at=at, rule=rule)
    ticket.updated_at = at
    s.add(ticket)
    bump_change_seq(s)
    return rule


def _link_parent(s: Session, ticket: Ticket, number: int, *, at: datetime,
                 rule: RuleSpec) -> None:
    """File the new ticket under the rule's master incident. A refusal (the master was
    closed since the rule was written) must not fail intake: it is audited instead."""
    try:
        tk.link_parent(s, ticket, number, at=at, actor=_actor(rule))
    except tk.ServiceError as exc:
        tk.audit(s, at=at, actor=_actor(rule), entity="ticket", entity_id=ticket.id,  # type: ignore[arg-type]
                 field="parent", old=None, new=None, reason=f"not linked to #{number}: {exc}")


def route(s: Session, ticket: Ticket, *, at: datetime, body: str) -> RuleSpec | None:
    """Give the ticket to a group and/or technician from the first matching assign rule."""
    rule = _matching(s, ticket, body, RulePhase.ASSIGN)
    if rule is None:
        return None
    actor = _actor(rule)
    group_id: int | None = rule.actions.get("group")
    technician_id: int | None = rule.actions.get("technician", ticket.assignee_id)
    reason = f"rule {rule.name!r}"
    if group_id is not None and rule.actions.get("round_robin"):
        picked = round_robin(s, group_id)
        if picked is not None:
            technician_id = picked
            reason = f"round robin in {_group_name(s, group_id)} by rule {rule.name!r}"
        else:
            reason = f"no active member in {_group_name(s, group_id)}; left for the group"
    if group_id is not None and group_id != ticket.group_id:
        tk.audit(s, at=at, actor=actor, entity="ticket", entity_id=ticket.id,  # type: ignore[arg-type]
              field="group", old=_group_name(s, ticket.group_id), new=_group_name(s, group_id),
              reason=reason)
    tk.assign(s, ticket, technician_id=technician_id, group_id=group_id, at=at, actor=actor,
           reason=reason)
    return rule


def notify(s: Session, ticket: Ticket, *, at: datetime, body: str) -> RuleSpec | None:
    """Write notifications for the first matching notify rule's targets."""
    rule = _matching(s, ticket, body, RulePhase.NOTIFY)
    if rule is None:
        return None
    targets = rule.actions["notify"]
    recipients: list[int] = []
    for target in targets if isinstance(targets, list) else [targets]:
        if target == "group_lead":
            group = s.get(TechGroup, ticket.group_id) if ticket.group_id is not None else None
            who = group.lead_id if group else None
        elif target == "assignee":
            who = ticket.assignee_id
        else:
            who = target
        if who is not None and who not in recipients:
            recipients.append(who)
    text = rule.actions.get("message") or f"#{ticket.number} {ticket.priority}: {ticket.subject}"
    text = f"{text} (rule: {rule.name})"
    for who in recipients:
        s.add(Notification(recipient_id=who, level=NotificationLevel.INFO, text=text[:1000],
                           ticket_id=ticket.id, created_at=at))
        tk.audit(s, at=at, actor=_actor(rule), entity="ticket", entity_id=ticket.id,  # type: ignore[arg-type]
              field="notified", old=None, new=_tech_name(s, who))
    if recipients:
        bump_change_seq(s)
    return rule


# ---------------------------------------------------------------- round robin


def open_loads(s: Session, technician_ids: list[int]) -> dict[int, int]:
    """Open or paused tickets per technician (resolved and closed ones are done)."""
    rows = s.execute(
        sa.select(Ticket.assignee_id, sa.func.count())
        .join(Status, Status.id == Ticket.status_id)  # type: ignore[arg-type]
        .where(
            Ticket.assignee_id.in_(technician_ids),  # type: ignore[union-attr]
            Status.category.in_([StatusCategory.OPEN, StatusCategory.PAUSED]),  # type: ignore[attr-defined]
        )
        .group_by(Ticket.assignee_id)
    ).all()
    loads = dict.fromkeys(technician_ids, 0)
    loads.update({int(tid): int(n) for tid, n in rows})
    return loads


def candidates(s: Session, group_id: int) -> list[Candidate]:
    members = s.execute(
        sa.select(Technician.id, Technician.active)
        .join(GroupMember, GroupMember.technician_id == Technician.id)  # type: ignore[arg-type]
        .where(GroupMember.group_id == group_id)
    ).all()
    loads = open_loads(s, [int(tid) for tid, _ in members])
    return [Candidate(int(tid), bool(active), loads[int(tid)]) for tid, active in members]


def read_pointer(s: Session, group_id: int) -> int | None:
    """Straight from the database, never the identity map: another process may have moved it."""
    return s.execute(
        sa.select(TechGroup.rr_last_technician_id).where(TechGroup.id == group_id)  # type: ignore[arg-type]
    ).scalar_one_or_none()


def compare_and_set_pointer(s: Session, group_id: int, old: int | None, new: int) -> bool:
    """Move the pointer only if it still says `old`; False when someone else moved it."""
    column = TechGroup.rr_last_technician_id
    still = column.is_(None) if old is None else column == old  # type: ignore[union-attr]
    result = s.execute(
        sa.update(TechGroup)
        .where(TechGroup.id == group_id, still)  # type: ignore[arg-type]
        .values(rr_last_technician_id=new)
        .execution_options(synchronize_session=False)
    )
    changed = bool(result.rowcount)  # type: ignore[attr-defined]
    if changed:
        group = s.get(TechGroup, group_id)  # keep a loaded row in step with the database
        if group is not None:
            s.expire(group, ["rr_last_technician_id"])
    return changed


def round_robin(s: Session, group_id: int) -> int | None:
    """Take the group's next turn: least open load, ties by the rotation pointer.

    Queries autoflush here on purpose: loads must count this session's earlier tickets."""
    for _ in range(_CAS_ATTEMPTS):
        last = read_pointer(s, group_id)
        picked = pick_round_robin(candidates(s, group_id), last)
        if picked is None:
            return None
        if compare_and_set_pointer(s, group_id, last, picked):
            return picked
    raise tk.ServiceError(f"round robin in group {group_id}: the rotation kept moving; try again")


# ---------------------------------------------------------------- names


def _actor(rule: RuleSpec) -> tk.Actor:
    return tk.Actor(f"rule: {rule.name}")


def _group_name(s: Session, group_id: int | None) -> str | None:
    if group_id is None:
        return None
    group = s.get(TechGroup, group_id)
    return group.name if group else f"group {group_id}"


def _category_name(s: Session, category_id: int | None) -> str | None:
    if category_id is None:
        return None
    cat = s.get(Category, category_id)
    return cat.name if cat else f"category {category_id}"


def _tech_name(s: Session, technician_id: int) -> str:
    tech = s.get(Technician, technician_id)
    return tech.name if tech else f"technician {technician_id}"
