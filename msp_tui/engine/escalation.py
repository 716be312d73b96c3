"""Escalation rules as pure values: what a rule may do, whom it picks, when it may fire.

A rule belongs to one trigger ("75", "90", "100" — a threshold percent recorded by the
SLA tick —, "near_due" — inside the profile's near-due margin —, or "idle" — an open,
assigned ticket nobody worked on for a while) and to one SLA profile, or to every
profile when it names none. Its actions are JSON typed by people, so `action_problems`
names every typo instead of letting a rule silently do nothing:

    {"assign_secondary": true, "alert": ["team_lead"]}
    {"escalate_to": "senior", "status": "escalated", "alert": ["operations_manager"]}
    {"flag_breached": true, "notify_client": true, "alert": ["director"]}
    {"escalate_to": "senior", "status": "escalated", "alert": ["team_lead"]}   # near_due
    {"reassign": "available", "after_minutes": 120, "alert": ["previous_assignee"]}  # idle

Alerts only fire while the clock's calendar is open (`fires_now`): a crossing found after
hours waits for the next opening instead of paging someone at 3 a.m. on a contract that
does not cover the night.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from msp_tui.engine.vocabulary import NotificationLevel, Role, Tier, WellKnownStatus

NEAR_DUE = "near_due"
IDLE = "idle"
THRESHOLD_TRIGGERS = ("75", "90", "100")
TRIGGERS = (*THRESHOLD_TRIGGERS, NEAR_DUE, IDLE)
# No technician activity for this long on an open, assigned ticket counts as idle.
IDLE_AFTER = timedelta(hours=2)
MAX_IDLE_MINUTES = 7 * 24 * 60

# Who an "alert" may name: roles found on the ticket, or every active holder of a role.
TICKET_TARGETS = ("team_lead", "assignee", "previous_assignee", "secondary")
ROLE_TARGETS = ("operations_manager", "director", "admin")
ALERT_TARGETS = (*TICKET_TARGETS, *ROLE_TARGETS)
# Roles that take tickets; managers and directors are told, never assigned.
ASSIGNABLE_ROLES = (Role.TECHNICIAN, Role.TEAM_LEAD)

_KEYS = {
    "assign_secondary", "escalate_to", "status", "flag_breached", "notify_client", "alert",
    "reassign", "after_minutes", "message",
}


def is_threshold_trigger(trigger: str) -> bool:
    """Any whole percent 1-100: profiles may alert at other thresholds than 75/90/100."""
    return trigger.isdigit() and 1 <= int(trigger) <= 100


def _tier_problem(key: str, value: Any) -> str | None:
    tiers = [t.value for t in Tier]
    if value not in tiers:
        return f"{key} {value!r}: expected one of {', '.join(tiers)}"
    return None


def action_problems(trigger: str, actions: Any) -> list[str]:
    """Readable problems with a rule's trigger and actions; empty when usable."""
    problems: list[str] = []
    if trigger not in TRIGGERS and not is_threshold_trigger(str(trigger)):
        problems.append(f"unknown trigger {trigger!r}; expected a percent, near_due or idle")
    if not isinstance(actions, Mapping):
        return [*problems, "actions must be an object"]
    for key in sorted(set(actions) - _KEYS):
        problems.append(f"unknown action {key!r}; expected one of {', '.join(sorted(_KEYS))}")
    for key in ("flag_breached", "notify_client"):
        if key in actions and not isinstance(actions[key], bool):
            problems.append(f"{key} must be true or false")
    if "assign_secondary" in actions:
        value = actions["assign_secondary"]
        if value is not True and value is not False and (p := _tier_problem(
                "assign_secondary", value)):
            problems.append(p + " (or true for any tier)")
    if "escalate_to" in actions and (p := _tier_problem("escalate_to", actions["escalate_to"])):
        problems.append(p)
    if "status" in actions:
        keys = [s.value for s in WellKnownStatus]
        if actions["status"] not in keys:
            problems.append(f"status {actions['status']!r}: expected a status key such as "
                            "escalated or in_progress")
    if "reassign" in actions and actions["reassign"] != "available":
        problems.append(f"reassign {actions['reassign']!r}: expected \"available\"")
    if "after_minutes" in actions:
        minutes = actions["after_minutes"]
        if trigger != IDLE:
            problems.append("after_minutes only applies to the idle trigger")
        elif (not isinstance(minutes, int) or isinstance(minutes, bool)
              or not 1 <= minutes <= MAX_IDLE_MINUTES):
            problems.append(f"after_minutes must be a whole number from 1 to {MAX_IDLE_MINUTES}")
    if "alert" in actions:
        targets = actions["alert"]
        if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
            problems.append("alert must be a list such as [\"team_lead\"]")
        else:
            for target in targets:
                if target not in ALERT_TARGETS:
                    problems.append(f"alert {target!r}: expected one of {', '.join(ALERT_TARGETS)}")
    if "message" in actions and not isinstance(actions["message"], str):
        problems.append("message must be text")
    return problems


@dataclass(frozen=True)
class EscalationSpec:
    """One escalation rule as the engine sees it (rows are turned into these)."""

    id: int | None
    profile_id: int | None  # None: every profile
    trigger: str
    position: int = 0
    actions: Mapping[str, Any] = field(default_factory=dict)
    active: bool = True

    def validate(self) -> list[str]:
        return action_problems(self.trigger, self.actions)

    @property
    def alerts(self) -> tuple[str, ...]:
        return tuple(self.actions.get("alert", ()))

    @property
    def idle_after(self) -> timedelta:
        minutes = self.actions.get("after_minutes")
        return timedelta(minutes=minutes) if minutes else IDLE_AFTER


def rule_for(
    rules: Iterable[EscalationSpec], profile_id: int | None, trigger: str
) -> EscalationSpec | None:
    """The profile's own rule for the trigger, else the all-profiles one; lowest position
    first, so a profile can override the desk-wide default without deleting it."""
    mine = [r for r in rules if r.active and r.trigger == trigger]
    for scope in ((profile_id,) if profile_id is not None else ()) + (None,):
        scoped = [r for r in mine if r.profile_id == scope]
        if scoped:
            return min(scoped, key=lambda r: (r.position, r.id or 0))
    return None


def fires_now(calendar_open: bool) -> bool:
    """Alerts wait while the clock's calendar is closed: a Gold contract covers business
    hours, so its after-hours crossings are acted on at the next opening."""
    return calendar_open


def level_for(trigger: str) -> NotificationLevel:
    """Toast severity: 75 % is a warning; 90 %, the breach and near-due are errors."""
    if trigger == IDLE:
        return NotificationLevel.WARNING
    if trigger == NEAR_DUE:
        return NotificationLevel.ERROR
    if is_threshold_trigger(trigger) and int(trigger) >= 90:
        return NotificationLevel.ERROR
    return NotificationLevel.WARNING


@dataclass(frozen=True)
class Staff:
    """A technician as the pickers see them: who they are and how busy."""

    id: int
    role: str
    tier: str
    active: bool
    open_load: int
    in_group: bool = False  # member of the ticket's group


def choose(
    staff: Sequence[Staff],
    *,
    tier: str | None = None,
    exclude: Iterable[int | None] = (),
    prefer_group: bool = False,
) -> int | None:
    """The least-loaded active assignable technician (of `tier`, if given), never one in
    `exclude` (the current assignee); ties by id so the choice is repeatable. With
    `prefer_group`, members of the ticket's group win over everyone else."""
    banned = {e for e in exclude if e is not None}
    pool = [
        m for m in staff
        if m.active and m.role in ASSIGNABLE_ROLES and m.id not in banned
        and (tier is None or m.tier == tier)
    ]
    if prefer_group and any(m.in_group for m in pool):
        pool = [m for m in pool if m.in_group]
    if not pool:
        return None
    return min(pool, key=lambda m: (m.open_load, m.id)).id
