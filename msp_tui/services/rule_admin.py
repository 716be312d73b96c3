"""Editing the automation and escalation rules: list, add, edit, delete, enable, reorder.

Order is the rules' meaning (first match wins; an escalation rule's position breaks ties
within its scope), so a move swaps two neighbours in one transaction and every write
leaves positions 1..n, unique and contiguous. Renumbering that keeps the order (e.g.
the demo's 10, 20, 30 becoming 1, 2, 3) is not a change anyone made and is not audited;
the swapped pair is. Every write takes the write lock before reading the order
(`serialize_writes`), so two consoles moving rules at once run one after the other
instead of both writing positions computed from the same old order.

Validation is the engine's and the same as `assignment.add_rule` / `escalation.add_rule`
(ids that must exist included), so an edit can never store a rule that intake would
silently skip.

Rule lists are read in a fresh session per call and the rules cache lives in the
session (`assignment.rules`), so a ticket created after a save sees the new order.

An escalation rule write that changes which idle window applies to which SLA profile
(an idle rule added, edited, enabled, disabled, deleted or moved past another) also
re-computes `idle_check_at` of the open, assigned tickets on those profiles, in the same
transaction (`tickets.reindex_idle_checks`): otherwise "reassign if idle 2 h" would only
reach tickets someone touched after the save.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from msp_tui.engine import escalation as esc
from msp_tui.engine.assignment import ACTIONS_BY_PHASE, CONDITION_KEYS, RuleSpec
from msp_tui.engine.vocabulary import PriorityCode, RulePhase
from msp_tui.services import assignment, escalation
from msp_tui.services import tickets as tk
from msp_tui.services.admin_access import require_admin
from msp_tui.services.admin_edits import audit_changes, renumber
from msp_tui.services.desk import Desk
from msp_tui.store.db import bump_change_seq, serialize_writes
from msp_tui.store.models import (
    AssignmentRule,
    Category,
    Client,
    EscalationRule,
    SlaProfile,
    Status,
    TechGroup,
    Technician,
)

ASSIGNMENT = "assignment_rule"
ESCALATION = "escalation_rule"

# Shown under the editors so nobody has to read the source to know what a rule may say.
CONDITION_HINT = "conditions: " + ", ".join(CONDITION_KEYS)
ACTION_HINT = "actions: " + "; ".join(
    f"{phase.value}: {', '.join(sorted(keys))}" for phase, keys in ACTIONS_BY_PHASE.items()
)
ESCALATION_ACTION_HINT = (
    "actions: alert [" + ", ".join(esc.ALERT_TARGETS) + "], escalate_to tier, "
    "assign_secondary true|tier, reassign \"available\", status key, flag_breached, "
    "notify_client, after_minutes (idle), message"
)


@dataclass(frozen=True)
class AssignmentRuleRow:
    id: int
    position: int
    phase: str
    name: str
    active: bool
    conditions: Mapping[str, Any]
    actions: Mapping[str, Any]
    summary: str
    problems: tuple[str, ...] = ()  # a row edited by hand that intake skips


@dataclass(frozen=True)
class EscalationRuleRow:
    id: int
    position: int
    profile_id: int | None
    profile: str  # "All profiles" when the rule names none
    trigger: str
    active: bool
    actions: Mapping[str, Any]
    summary: str
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleChoices:
    """Names for the editors' pickers, read in one transaction."""

    profiles: tuple[tuple[int, str], ...] = ()
    clients: tuple[tuple[int, str], ...] = ()
    categories: tuple[tuple[int, str], ...] = ()
    groups: tuple[tuple[int, str], ...] = ()
    technicians: tuple[tuple[int, str], ...] = ()
    statuses: tuple[tuple[str, str], ...] = ()  # (key, name)
    priorities: tuple[str, ...] = field(default=tuple(p.value for p in PriorityCode))


# ---------------------------------------------------------------- names


class _Names:
    """Id → name for one transaction, so a summary reads "Senior Tech", not "group 4"."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self._cache: dict[tuple[type[Any], Any], str] = {}

    def of(self, model: type[Any], ident: Any, attr: str = "name") -> str:
        key = (model, ident)
        if key not in self._cache:
            row = self.s.get(model, ident) if isinstance(ident, int) else None
            label = model.__tablename__.replace("_", " ")
            self._cache[key] = str(getattr(row, attr)) if row is not None else (
                f"{label} {ident}?")
        return self._cache[key]

    def status(self, key: str) -> str:
        name = self.s.exec(select(Status.name).where(Status.key == key)).first()
        return name or key


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _either(items: Sequence[str]) -> str:
    return " or ".join(items)


def condition_summary(conditions: Mapping[str, Any], names: _Names) -> str:
    parts: list[str] = []
    for key, value in conditions.items():
        items = _listed(value)
        if key == "sla_profile":
            parts.append(f"profile {_either([str(i) for i in items])}")
        elif key == "client":
            parts.append("client " + _either(
                [names.of(Client, i) if isinstance(i, int) else str(i) for i in items]))
        elif key == "priority":
            parts.append(f"priority {_either([str(i) for i in items])}")
        elif key == "category":
            parts.append("category " + _either([names.of(Category, i) for i in items]))
        elif key == "ticket_type":
            parts.append(f"type {_either([str(i) for i in items])}")
        elif key == "channel":
            parts.append(f"channel {_either([str(i) for i in items])}")
        elif key == "keywords":
            parts.append("words " + ", ".join(f'"{i}"' for i in items))
        elif key == "vip":
            parts.append("VIP" if value else "not VIP")
        else:
            parts.append(f"{key} {value!r}")
    return " · ".join(parts) or "every ticket"


def action_summary(actions: Mapping[str, Any], names: _Names) -> str:
    parts: list[str] = []
    group = actions.get("group")
    if "set_category" in actions:
        parts.append(f"category {names.of(Category, actions['set_category'])}")
    if "set_type" in actions:
        parts.append(f"type {actions['set_type']}")
    if "link_parent" in actions:
        parts.append(f"file under #{actions['link_parent']}")
    if "technician" in actions:
        parts.append(f"technician {names.of(Technician, actions['technician'])}")
    if group is not None:
        where = names.of(TechGroup, group)
        parts.append(f"round robin in {where}" if actions.get("round_robin")
                     else f"group {where}")
    if "notify" in actions:
        who = []
        for target in _listed(actions["notify"]):
            if target == "group_lead":
                who.append("the group lead")
            elif target == "assignee":
                who.append("the assignee")
            else:
                who.append(names.of(Technician, target))
        parts.append("tell " + ", ".join(who))
    if "message" in actions:
        parts.append(f'"{actions["message"]}"')
    return "; ".join(parts) or "nothing"


def rule_summary(conditions: Mapping[str, Any], actions: Mapping[str, Any],
                 names: _Names) -> str:
    return f"{condition_summary(conditions, names)} → {action_summary(actions, names)}"


def trigger_label(trigger: str, actions: Mapping[str, Any] | None = None) -> str:
    if trigger == esc.NEAR_DUE:
        return "near due"
    if trigger == esc.IDLE:
        minutes = (actions or {}).get("after_minutes")
        span = minutes if isinstance(minutes, int) else int(esc.IDLE_AFTER.total_seconds() // 60)
        return f"idle {span} min"
    return f"at {trigger} %"


def escalation_summary(profile: str, trigger: str, actions: Mapping[str, Any],
                       names: _Names) -> str:
    done: list[str] = []
    alerts = actions.get("alert")
    if isinstance(alerts, list) and alerts:
        done.append("notify " + ", ".join(str(a).replace("_", " ") for a in alerts))
    if "escalate_to" in actions:
        done.append(f"reassign to {actions['escalate_to']}")
    if actions.get("reassign") == "available":
        done.append("reassign to whoever is free")
    second = actions.get("assign_secondary")
    if second:
        done.append(f"add a {second} secondary" if isinstance(second, str)
                    else "add a secondary")
    if "status" in actions:
        done.append(f"status {names.status(str(actions['status']))}")
    if actions.get("flag_breached"):
        done.append("flag breached")
    if actions.get("notify_client"):
        done.append("mail the client")
    if "message" in actions:
        done.append(f'"{actions["message"]}"')
    return f"{profile} · {trigger_label(trigger, actions)} → {', '.join(done) or 'nothing'}"


# ---------------------------------------------------------------- reads


def _ordered(s: Session, model: type[Any]) -> list[Any]:
    return list(s.exec(select(model).order_by(model.position, model.id)).all())


def _assignment_row(row: AssignmentRule, names: _Names) -> AssignmentRuleRow:
    conditions, actions = dict(row.conditions or {}), dict(row.actions or {})
    spec = RuleSpec(row.id, row.position, row.name, row.phase, conditions, actions, row.active)
    return AssignmentRuleRow(
        id=row.id, position=row.position, phase=row.phase, name=row.name,  # type: ignore[arg-type]
        active=row.active, conditions=conditions, actions=actions,
        summary=rule_summary(conditions, actions, names), problems=tuple(spec.validate()),
    )


def _escalation_row(row: EscalationRule, names: _Names) -> EscalationRuleRow:
    actions = dict(row.actions or {})
    profile = (names.of(SlaProfile, row.profile_id) if row.profile_id is not None
               else "All profiles")
    return EscalationRuleRow(
        id=row.id, position=row.position, profile_id=row.profile_id, profile=profile,  # type: ignore[arg-type]
        trigger=row.trigger, active=row.active, actions=actions,
        summary=escalation_summary(profile, row.trigger, actions, names),
        problems=tuple(esc.action_problems(row.trigger, actions)),
    )


def assignment_rules(desk: Desk) -> list[AssignmentRuleRow]:
    """Every rule, active or not, in the order intake tries them."""
    with desk.db.session() as s:
        names = _Names(s)
        return [_assignment_row(r, names) for r in _ordered(s, AssignmentRule)]


def escalation_rules(desk: Desk) -> list[EscalationRuleRow]:
    with desk.db.session() as s:
        names = _Names(s)
        return [_escalation_row(r, names) for r in _ordered(s, EscalationRule)]


def choices(desk: Desk) -> RuleChoices:
    with desk.db.session() as s:
        def pairs(model: type[Any], *where: Any) -> tuple[tuple[int, str], ...]:
            query = select(model.id, model.name).where(*where).order_by(model.name)
            return tuple((int(i), str(n)) for i, n in s.exec(query).all())

        return RuleChoices(
            profiles=pairs(SlaProfile),
            clients=pairs(Client, Client.active == True),  # noqa: E712
            categories=pairs(Category, Category.active == True),  # noqa: E712
            groups=pairs(TechGroup),
            technicians=pairs(Technician, Technician.active == True),  # noqa: E712
            statuses=tuple(
                (str(k), str(n)) for k, n in s.exec(
                    select(Status.key, Status.name).where(Status.key != None)  # noqa: E711
                    .order_by(Status.name)
                ).all()
            ),
        )


# ---------------------------------------------------------------- shared writes


def _get(s: Session, model: type[Any], rule_id: int) -> Any:
    row = s.get(model, rule_id)
    if row is None:
        raise tk.ServiceError("that rule no longer exists (someone deleted it?)")
    return row


def _renumber(s: Session, model: type[Any]) -> None:
    """Positions 1..n in the current order (ties by id); keeping the order is not a change
    anyone made, so it is not audited."""
    renumber(s, _ordered(s, model))


def _audit(desk: Desk, s: Session, entity: str, rule_id: int, field_name: str, old: object,
           new: object, reason: str = "") -> None:
    tk.audit(s, at=desk.clock.now(), actor=desk.actor(), entity=entity, entity_id=rule_id,
             field=field_name, old=old, new=new, reason=reason)


def _as_text(value: Mapping[str, Any]) -> str:
    return json.dumps(dict(value), ensure_ascii=False, sort_keys=True)


def _forget(s: Session) -> None:
    assignment.forget_rules(s)
    tk.forget_idle_windows(s)


_Windows = dict[int | None, timedelta | None]


def _idle_before(s: Session, model: type[Any]) -> _Windows | None:
    """Each profile's idle window before an escalation rule write (None for other rules)."""
    return tk.idle_windows(s) if model is EscalationRule else None


def _reindex(s: Session, before: _Windows | None) -> None:
    if before is not None:
        tk.reindex_idle_checks(s, before)


def _move(desk: Desk, model: type[Any], entity: str, rule_id: int, step: int,
          label: Any) -> int:
    """Swap the rule with its neighbour `step` (-1 up, +1 down); returns its new position.
    At either end it stays put (no error: holding shift+up at the top is harmless)."""
    require_admin(desk)
    if step not in (-1, 1):
        raise tk.ServiceError("a rule moves one place at a time")
    with desk.db.session() as s:
        serialize_writes(s)
        before = _idle_before(s, model)
        rows = _ordered(s, model)
        index = next((i for i, r in enumerate(rows) if r.id == rule_id), None)
        if index is None:
            raise tk.ServiceError("that rule no longer exists (someone deleted it?)")
        other = index + step
        if not 0 <= other < len(rows):
            return index + 1
        moved, neighbour = rows[index], rows[other]
        places = {moved.id: moved.position, neighbour.id: neighbour.position}
        rows[index], rows[other] = neighbour, moved
        renumber(s, rows)
        way = "up" if step < 0 else "down"
        _audit(desk, s, entity, moved.id, "position", places[moved.id], moved.position,
               f"moved {way} past {label(s, neighbour)}")
        _audit(desk, s, entity, neighbour.id, "position", places[neighbour.id],
               neighbour.position, f"{label(s, moved)} moved {way} past it")
        _forget(s)
        _reindex(s, before)
        bump_change_seq(s)
        return int(moved.position)


def _set_active(desk: Desk, model: type[Any], entity: str, rule_id: int, active: bool) -> None:
    require_admin(desk)
    with desk.db.session() as s:
        serialize_writes(s)
        before = _idle_before(s, model)
        row = _get(s, model, rule_id)
        if row.active == active:
            return
        _audit(desk, s, entity, rule_id, "active", row.active, active)
        row.active = active
        s.add(row)
        _forget(s)
        _reindex(s, before)
        bump_change_seq(s)


def _delete(desk: Desk, model: type[Any], entity: str, rule_id: int, label: Any) -> None:
    require_admin(desk)
    with desk.db.session() as s:
        serialize_writes(s)
        before = _idle_before(s, model)
        row = _get(s, model, rule_id)
        _audit(desk, s, entity, rule_id, "deleted", label(s, row), None)
        s.delete(row)
        s.flush()
        _renumber(s, model)
        _forget(s)
        _reindex(s, before)
        bump_change_seq(s)


# ---------------------------------------------------------------- assignment rules


def _assignment_label(s: Session, row: AssignmentRule) -> str:
    return repr(row.name)


def _check_assignment(s: Session, name: str, phase: str, conditions: Any,
                      actions: Any) -> RuleSpec:
    spec = RuleSpec(None, 0, name.strip(), phase,
                    dict(conditions) if isinstance(conditions, Mapping) else conditions,
                    dict(actions) if isinstance(actions, Mapping) else actions)
    problems = spec.validate() or assignment.missing_references(s, spec)
    if problems:
        raise tk.ServiceError(f"rule {name.strip() or '(no name)'!r}: " + "; ".join(problems))
    return spec


def add_assignment_rule(desk: Desk, *, name: str, phase: str, conditions: Mapping[str, Any],
                        actions: Mapping[str, Any], active: bool = True) -> int:
    """A new rule at the end of the list; returns its id."""
    require_admin(desk)
    with desk.db.session() as s:
        serialize_writes(s)
        spec = _check_assignment(s, name, phase, conditions, actions)
        row = assignment.add_rule(s, name=spec.name, phase=RulePhase(phase),
                                  conditions=spec.conditions, actions=spec.actions,
                                  at=desk.clock.now(), actor=desk.actor())
        if not active:
            row.active = False
            _audit(desk, s, ASSIGNMENT, row.id, "active", True, False)  # type: ignore[arg-type]
        _renumber(s, AssignmentRule)
        _forget(s)
        return int(row.id)  # type: ignore[arg-type]


def edit_assignment_rule(desk: Desk, rule_id: int, *, name: str, phase: str,
                         conditions: Mapping[str, Any], actions: Mapping[str, Any],
                         active: bool) -> None:
    """Replace a rule's fields (its place in the order stays); one audit row per field."""
    require_admin(desk)
    with desk.db.session() as s:
        serialize_writes(s)
        row = _get(s, AssignmentRule, rule_id)
        spec = _check_assignment(s, name, phase, conditions, actions)
        changes: list[tuple[str, object, object]] = []
        if row.name != spec.name:
            changes.append(("name", row.name, spec.name))
        if row.phase != phase:
            changes.append(("phase", row.phase, phase))
        if dict(row.conditions or {}) != dict(spec.conditions):
            changes.append(("conditions", _as_text(row.conditions or {}),
                            _as_text(spec.conditions)))
        if dict(row.actions or {}) != dict(spec.actions):
            changes.append(("actions", _as_text(row.actions or {}), _as_text(spec.actions)))
        if row.active != active:
            changes.append(("active", row.active, active))
        if not changes:
            return
        audit_changes(s, desk.clock.now(), desk.actor(), ASSIGNMENT, rule_id, changes)
        row.name, row.phase, row.active = spec.name, phase, active
        row.conditions, row.actions = dict(spec.conditions), dict(spec.actions)
        s.add(row)
        _forget(s)
        bump_change_seq(s)


def delete_assignment_rule(desk: Desk, rule_id: int) -> None:
    _delete(desk, AssignmentRule, ASSIGNMENT, rule_id, _assignment_label)


def set_assignment_rule_active(desk: Desk, rule_id: int, active: bool) -> None:
    _set_active(desk, AssignmentRule, ASSIGNMENT, rule_id, active)


def move_assignment_rule(desk: Desk, rule_id: int, step: int) -> int:
    """-1 moves the rule up (tried earlier), +1 down; returns its new position."""
    return _move(desk, AssignmentRule, ASSIGNMENT, rule_id, step, _assignment_label)


# ---------------------------------------------------------------- escalation rules


def _escalation_label(s: Session, row: EscalationRule) -> str:
    names = _Names(s)
    scope = names.of(SlaProfile, row.profile_id) if row.profile_id is not None else "all profiles"
    return f"{scope} {trigger_label(row.trigger, row.actions)}"


def _check_escalation(s: Session, profile_id: int | None, trigger: str, actions: Any) -> None:
    problems = esc.action_problems(trigger, actions)
    if profile_id is not None and s.get(SlaProfile, profile_id) is None:
        problems.append(f"profile {profile_id}: no such SLA profile")
    if problems:
        raise tk.ServiceError(f"escalation rule {trigger!r}: " + "; ".join(problems))


def add_escalation_rule(desk: Desk, *, profile_id: int | None, trigger: str,
                        actions: Mapping[str, Any], active: bool = True) -> int:
    require_admin(desk)
    with desk.db.session() as s:
        serialize_writes(s)
        _check_escalation(s, profile_id, trigger, actions)
        before = tk.idle_windows(s)
        top = s.execute(sa.select(sa.func.max(EscalationRule.position))).scalar_one()
        row = escalation.add_rule(s, trigger=trigger, actions=actions, at=desk.clock.now(),
                                  actor=desk.actor(), profile_id=profile_id,
                                  position=(top or 0) + 1)
        if not active:
            row.active = False
            _audit(desk, s, ESCALATION, row.id, "active", True, False)  # type: ignore[arg-type]
        _renumber(s, EscalationRule)
        _forget(s)
        _reindex(s, before)
        return int(row.id)  # type: ignore[arg-type]


def edit_escalation_rule(desk: Desk, rule_id: int, *, profile_id: int | None, trigger: str,
                         actions: Mapping[str, Any], active: bool) -> None:
    require_admin(desk)
    with desk.db.session() as s:
        serialize_writes(s)
        before = tk.idle_windows(s)  # before the row is loaded and changed in this session
        row = _get(s, EscalationRule, rule_id)
        _check_escalation(s, profile_id, trigger, actions)
        changes: list[tuple[str, object, object]] = []
        if row.profile_id != profile_id:
            changes.append(("profile_id", row.profile_id, profile_id))
        if row.trigger != trigger:
            changes.append(("trigger", row.trigger, trigger))
        if dict(row.actions or {}) != dict(actions):
            changes.append(("actions", _as_text(row.actions or {}), _as_text(actions)))
        if row.active != active:
            changes.append(("active", row.active, active))
        if not changes:
            return
        audit_changes(s, desk.clock.now(), desk.actor(), ESCALATION, rule_id, changes)
        row.profile_id, row.trigger, row.active = profile_id, trigger, active
        row.actions = dict(actions)
        s.add(row)
        _forget(s)
        _reindex(s, before)
        bump_change_seq(s)


def delete_escalation_rule(desk: Desk, rule_id: int) -> None:
    _delete(desk, EscalationRule, ESCALATION, rule_id, _escalation_label)


def set_escalation_rule_active(desk: Desk, rule_id: int, active: bool) -> None:
    _set_active(desk, EscalationRule, ESCALATION, rule_id, active)


def move_escalation_rule(desk: Desk, rule_id: int, step: int) -> int:
    return _move(desk, EscalationRule, ESCALATION, rule_id, step, _escalation_label)
