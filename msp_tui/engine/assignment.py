"""Automation rules for new tickets, and round robin inside a group: pure decisions.

A rule is data (JSON in `assignment_rule`): ordered by position, one phase each
(categorise, assign, notify, see `RulePhase`), first match wins within a phase. Keeping
matching and picking here, free of sessions, lets the tests run thousands of tickets in
milliseconds; `services.assignment` reads rows into these values and writes the results.

Conditions (all given must hold; a list means "any of"):
    sla_profile   str | [str]      the client's SLA profile (tier) name, case-insensitive
    client        int | str | [..] client id, or client name (case-insensitive)
    priority      str | [str]      "P1".."P4"
    category      int | [int]      category id; a parent category matches its sub-categories
    ticket_type   str | [str]      "support", "implementation"
    channel       str | [str]      "email", "phone", "portal", ...
    keywords      str | [str]      whole words or phrases, case-insensitive, subject or body
    vip           bool             the client is (or is not) a VIP
Actions, by phase:
    categorize    set_category: int, set_type: str, link_parent: int (a master ticket's
                  number: file the new ticket under a known incident)
    assign        group: int, technician: int, round_robin: bool (needs group)
    notify        notify: [int | "group_lead" | "assignee"], message: str (optional)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from msp_tui.engine.vocabulary import Channel, PriorityCode, RulePhase, TicketType

# Condition key -> (what the value must be, for messages)
CONDITION_KEYS: dict[str, str] = {
    "sla_profile": "a profile name or a list of them",
    "client": "a client id or name, or a list of them",
    "priority": "P1-P4 or a list of them",
    "category": "a category id or a list of them",
    "ticket_type": "a ticket type or a list of them",
    "channel": "a channel or a list of them",
    "keywords": "a word or phrase, or a list of them",
    "vip": "true or false",
}
ACTIONS_BY_PHASE: dict[RulePhase, frozenset[str]] = {
    RulePhase.CATEGORIZE: frozenset({"set_category", "set_type", "link_parent"}),
    RulePhase.ASSIGN: frozenset({"group", "technician", "round_robin"}),
    RulePhase.NOTIFY: frozenset({"notify", "message"}),
}
NOTIFY_ROLES = frozenset({"group_lead", "assignee"})


@dataclass(frozen=True)
class RuleSpec:
    """One rule as the engine sees it; `conditions` and `actions` are the stored JSON."""

    id: int | None
    position: int
    name: str
    phase: str
    conditions: Mapping[str, Any] = field(default_factory=dict)
    actions: Mapping[str, Any] = field(default_factory=dict)
    active: bool = True

    def validate(self) -> list[str]:
        """Readable problems, empty when the rule is usable: rules are typed by people,
        so a typo must be named rather than silently never match."""
        problems: list[str] = []
        if not self.name.strip():
            problems.append("a rule needs a name")
        try:
            phase = RulePhase(self.phase)
        except ValueError:
            phases = ", ".join(p.value for p in RulePhase)
            return [*problems, f"unknown phase {self.phase!r}; expected one of {phases}"]
        if not isinstance(self.conditions, Mapping):
            problems.append("conditions must be an object")
        else:
            for key, value in self.conditions.items():
                problems.extend(_condition_problems(key, value))
        if not isinstance(self.actions, Mapping):
            return [*problems, "actions must be an object"]
        problems.extend(_action_problems(phase, self.actions))
        return problems


@dataclass(frozen=True)
class TicketFacts:
    """What rules may look at on a ticket, read once per phase."""

    client_id: int | None
    client_name: str | None
    profile: str | None  # the client's SLA profile (its tier) name
    vip: bool
    priority: str
    category_id: int | None
    parent_category_id: int | None
    ticket_type: str
    channel: str
    subject: str
    body: str


@dataclass(frozen=True)
class Candidate:
    """A group member as round robin sees them."""

    technician_id: int
    active: bool
    open_load: int


# ---------------------------------------------------------------- validation


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _condition_problems(key: str, value: Any) -> list[str]:
    if key not in CONDITION_KEYS:
        known = ", ".join(CONDITION_KEYS)
        return [f"unknown condition {key!r}; known conditions: {known}"]
    expected = f"condition {key!r} must be {CONDITION_KEYS[key]}"
    if key == "vip":
        return [] if isinstance(value, bool) else [f"{expected}, not {value!r}"]
    items = _as_list(value)
    if not items:
        return [f"condition {key!r} is an empty list and would never match"]
    allowed: set[str] | None = {
        "priority": {p.value for p in PriorityCode},
        "ticket_type": {t.value for t in TicketType},
        "channel": {c.value for c in Channel},
    }.get(key)
    for item in items:
        if key == "category":
            ok = _is_int(item)
        elif key == "client":
            ok = _is_int(item) or (isinstance(item, str) and bool(item.strip()))
        else:
            ok = isinstance(item, str) and bool(item.strip())
        if not ok:
            return [f"{expected}, not {item!r}"]
        if allowed is not None and item not in allowed:
            return [f"condition {key!r}: unknown value {item!r}; expected one of "
                    f"{', '.join(sorted(allowed))}"]
    return []


def _action_problems(phase: RulePhase, actions: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    allowed = ACTIONS_BY_PHASE[phase]
    for key in actions:
        if key in allowed:
            continue
        owner = next((p for p, keys in ACTIONS_BY_PHASE.items() if key in keys), None)
        if owner is None:
            known = ", ".join(sorted(k for keys in ACTIONS_BY_PHASE.values() for k in keys))
            problems.append(f"unknown action {key!r}; known actions: {known}")
        else:
            problems.append(f"action {key!r} belongs to a {owner.value} rule, "
                            f"not a {phase.value} rule (one job per rule)")
    if not any(k in allowed for k in actions) or (
        phase == RulePhase.NOTIFY and "notify" not in actions
    ):
        needed = "notify" if phase == RulePhase.NOTIFY else " or ".join(sorted(allowed))
        problems.append(f"a {phase.value} rule needs an action: {needed}")
    for key in ("set_category", "group", "technician"):
        if key in actions and not _is_int(actions[key]):
            problems.append(f"action {key!r} must be an id (a whole number), "
                            f"not {actions[key]!r}")
    if "link_parent" in actions and not (
        _is_int(actions["link_parent"]) and actions["link_parent"] > 0
    ):
        problems.append(f"action 'link_parent' must be a ticket number (e.g. 1234), "
                        f"not {actions['link_parent']!r}")
    if "set_type" in actions and actions["set_type"] not in {t.value for t in TicketType}:
        types = ", ".join(t.value for t in TicketType)
        problems.append(f"action 'set_type': unknown type {actions['set_type']!r}; "
                        f"expected one of {types}")
    if "round_robin" in actions:
        if not isinstance(actions["round_robin"], bool):
            problems.append(f"action 'round_robin' must be true or false, "
                            f"not {actions['round_robin']!r}")
        elif actions["round_robin"] and "group" not in actions:
            problems.append("action 'round_robin' needs a 'group' to pick from")
        elif actions["round_robin"] and "technician" in actions:
            problems.append("give either 'technician' or 'round_robin', not both")
    if "notify" in actions:
        targets = _as_list(actions["notify"])
        if not targets:
            problems.append("action 'notify' names nobody")
        for target in targets:
            if not (_is_int(target) or target in NOTIFY_ROLES):
                roles = ", ".join(sorted(NOTIFY_ROLES))
                problems.append(f"action 'notify': {target!r} is neither a technician id "
                                f"nor one of {roles}")
    if "message" in actions and not isinstance(actions["message"], str):
        problems.append(f"action 'message' must be text, not {actions['message']!r}")
    return problems


# ---------------------------------------------------------------- matching


@lru_cache(maxsize=512)
def _keyword_pattern(phrase: str) -> re.Pattern[str]:
    """Whole words only ("vpn" not in "vpnclient"); inner spaces match any whitespace."""
    words = [re.escape(w) for w in phrase.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def keyword_hit(phrases: Iterable[str], *texts: str) -> bool:
    return any(
        _keyword_pattern(p.strip()).search(text)
        for p in phrases
        if p.strip()
        for text in texts
    )


def _folded(values: Iterable[Any]) -> set[str]:
    return {str(v).casefold() for v in values}


def matches(rule: RuleSpec, facts: TicketFacts) -> bool:
    """True when every condition of the rule holds; no conditions match every ticket."""
    for key, value in rule.conditions.items():
        items = _as_list(value)
        if key == "sla_profile":
            ok = facts.profile is not None and facts.profile.casefold() in _folded(items)
        elif key == "client":
            ok = (facts.client_id is not None and facts.client_id in items) or (
                facts.client_name is not None
                and facts.client_name.casefold()
                in _folded(i for i in items if isinstance(i, str))
            )
        elif key == "priority":
            ok = facts.priority in items
        elif key == "category":
            ok = any(
                c is not None and c in items
                for c in (facts.category_id, facts.parent_category_id)
            )
        elif key == "ticket_type":
            ok = facts.ticket_type in items
        elif key == "channel":
            ok = facts.channel in items
        elif key == "keywords":
            ok = keyword_hit([str(i) for i in items], facts.subject, facts.body)
        elif key == "vip":
            ok = facts.vip is value
        else:  # an unknown key never matches: a typo must not widen a rule
            ok = False
        if not ok:
            return False
    return True


def first_match(rules: Iterable[RuleSpec], facts: TicketFacts, phase: str) -> RuleSpec | None:
    """The active rule of `phase` with the lowest position (then id) that matches."""
    ordered = sorted(
        (r for r in rules if r.active and r.phase == phase),
        key=lambda r: (r.position, r.id if r.id is not None else 0),
    )
    return next((r for r in ordered if matches(r, facts)), None)


# ---------------------------------------------------------------- round robin


def pick_round_robin(candidates: Sequence[Candidate], last_id: int | None) -> int | None:
    """The active member with the least open load; among equals, the first one after
    `last_id` in id order, wrapping around, so from equal loads counts differ by one."""
    active = [c for c in candidates if c.active]
    if not active:
        return None
    least = min(c.open_load for c in active)
    tied = sorted(c.technician_id for c in active if c.open_load == least)
    if last_id is None:
        return tied[0]
    return next((t for t in tied if t > last_id), tied[0])
