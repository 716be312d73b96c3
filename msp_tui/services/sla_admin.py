"""Editing SLA calendars and profiles, and the "what-if" preview of such edits.

The SLA spec's rule: editing a calendar or profile leaves every running clock the
business time it has consumed and lays the rest on the new rules from the edit instant,
one event per clock, in one transaction (`sla.recalculate_clocks`). Every function here
works in the caller's session, validates all of its input before writing anything, and
bumps the change sequence; so the very same call run through `preview` (a transaction
that is always rolled back) is the what-if the settings screens show before saving.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from itertools import pairwise
from typing import Any, Final, Literal, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, select

from msp_tui.engine import sla as eng
from msp_tui.engine.business_hours import BusinessCalendar, CalendarError
from msp_tui.engine.lifecycle import ClockEffect, effective_category, transition
from msp_tui.engine.targets import TargetError, parse_target
from msp_tui.engine.vocabulary import ClockKind, ClockState, PriorityCode, StatusCategory
from msp_tui.services import assignment, sla
from msp_tui.services.admin_edits import audit_changes, plural
from msp_tui.services.calendars import load_calendar
from msp_tui.services.tickets import Actor, ServiceError, audit
from msp_tui.store.db import Database, bump_change_seq
from msp_tui.store.models import (
    AssignmentRule,
    BusinessCalendarRow,
    CalendarHoliday,
    Client,
    EscalationRule,
    SlaClock,
    SlaProfile,
    SlaProfilePauseStatus,
    SlaTarget,
    Status,
    Ticket,
)

T = TypeVar("T")

PRIORITIES: Final = tuple(p.value for p in PriorityCode)
DEFAULT_THRESHOLDS: Final = (75, 90, 100)
_DAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Profile fields that leave due instants alone (pause statuses act on tickets directly).
_NO_RECALC: Final = frozenset({"name", "description", "pause_statuses"})


class _Unset(Enum):
    """Marks an argument that was not given (None is a meaningful value for several)."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset.UNSET
Unset = Literal[_Unset.UNSET]


# ---------------------------------------------------------------- what-if


def preview(db: Database, fn: Callable[[Session], T]) -> T:
    """Run `fn` in a transaction that is always rolled back: nothing it writes persists
    and the change sequence does not move. Return plain values (e.g. `DueShift`s), not
    rows: rows are gone once this returns."""
    with db.engine.connect() as conn:
        outer = conn.begin()
        try:
            # rollback_only: even an s.commit() inside `fn` cannot commit `outer`.
            with Session(bind=conn, join_transaction_mode="rollback_only") as s:
                return fn(s)
        finally:
            outer.rollback()


@dataclass(frozen=True)
class WhatIf:
    """What an edit does to due instants, in the numbers a settings screen shows.

    `recalculated` counts the clocks the edit touched, `moved` those whose due instant
    changed, `tickets` the tickets with any change. `later` and `earlier` are magnitudes
    (never negative): the largest postponement and the largest advance. `cleared` counts
    due instants that disappear (a clock paused by a new pause status, or an update
    clock whose interval was removed); `appeared` those that appear (a clock resumed).
    """

    recalculated: int
    moved: int
    tickets: int
    later: timedelta
    earlier: timedelta
    cleared: int = 0
    appeared: int = 0

    def describe(self) -> str:
        """E.g. "12 due instants move: up to 2 h 15 min later, up to 30 min earlier"."""
        if not (self.moved or self.cleared or self.appeared):
            return "No due instant moves"
        parts: list[str] = []
        if self.moved:
            head = f"{plural(self.moved, 'due instant')} {'moves' if self.moved == 1 else 'move'}"
            spans = []
            if self.later:
                spans.append(f"up to {format_span(self.later)} later")
            if self.earlier:
                spans.append(f"up to {format_span(self.earlier)} earlier")
            parts.append(head + (": " + ", ".join(spans) if spans else ""))
        if self.cleared:
            parts.append(f"{plural(self.cleared, 'due instant')} cleared")
        if self.appeared:
            parts.append(plural(self.appeared, "new due instant"))
        return "; ".join(parts)


def summarize(shifts: Iterable[sla.DueShift]) -> WhatIf:
    """Count and measure the due instants that an edit moves (see `WhatIf`)."""
    shifts = list(shifts)
    later = earlier = timedelta(0)
    moved = cleared = appeared = 0
    tickets: set[int] = set()
    for shift in shifts:
        if shift.before == shift.after:
            continue
        tickets.add(shift.ticket_id)
        if shift.after is None:
            cleared += 1
        elif shift.before is None:
            appeared += 1
        else:
            moved += 1
            delta = shift.after - shift.before
            later, earlier = max(later, delta), max(earlier, -delta)
    return WhatIf(len(shifts), moved, len(tickets), later, earlier, cleared, appeared)


def format_span(span: timedelta) -> str:
    """'2 h 15 min', '1 d 3 h', '45 s': whole units, largest first."""
    seconds = int(abs(span).total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n} {unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "min")) if n]
    return " ".join(parts) if parts else f"{secs} s"


# ---------------------------------------------------------------- calendars


def update_calendar(
    s: Session,
    calendar_id: int,
    *,
    at: datetime,
    actor: Actor,
    tz: str | Unset = UNSET,
    weekly: Mapping[Any, Sequence[Sequence[str]]] | Unset = UNSET,
    holidays: Iterable[date] | Unset = UNSET,
    country: str | Unset | None = UNSET,
    subdivision: str | Unset | None = UNSET,
    always_open: bool | Unset = UNSET,
    name: str | Unset = UNSET,
) -> list[sla.DueShift]:
    """Edit a business calendar; clocks on it keep their consumed time (measured on the
    calendar as it was) and lay the rest on the new hours from `at`.

    `holidays` replaces the calendar's explicit holiday dates (names of dates kept are
    kept). Weekly hours are stored normalised. Nothing is written when the would-be
    calendar cannot be built (ServiceError with the engine's reason). A rename alone
    recalculates nothing.
    """
    row = s.get(BusinessCalendarRow, calendar_id)
    if row is None:
        raise ServiceError(f"no business calendar with id {calendar_id}")
    holiday_rows = list(
        s.exec(select(CalendarHoliday).where(CalendarHoliday.calendar_id == calendar_id))
    )
    old_days = frozenset(h.day for h in holiday_rows)

    new_name = _clean_name(name, row.name, "calendar")
    if new_name != row.name and (
        other := name_taken(s, BusinessCalendarRow, new_name, calendar_id)
    ) is not None:
        raise ServiceError(f"there is already a calendar named {other!r}")
    new_tz = row.tz if tz is UNSET else tz
    new_always = row.always_open if always_open is UNSET else bool(always_open)
    new_country = row.holiday_country if country is UNSET else (country or "").strip() or None
    new_sub = (
        row.holiday_subdivision if subdivision is UNSET else (subdivision or "").strip() or None
    )
    try:
        probe = BusinessCalendar(
            tz=new_tz,
            weekly=row.weekly if weekly is UNSET else weekly,
            holidays=old_days if holidays is UNSET else holidays,
            country=new_country,
            subdivision=new_sub,
        )
    except CalendarError as exc:
        raise ServiceError(f"calendar {new_name}: {exc}") from None
    if not new_always and not probe.weekly:
        raise ServiceError(
            f"calendar {new_name}: no opening hours; give weekly hours or make it 24/7"
        )
    new_weekly = _stored_weekly(probe)
    new_days = probe.holidays

    old_cal = load_calendar(s, calendar_id)  # before the row changes: consumed time is on it
    changes = [
        ("name", row.name, new_name),
        ("tz", row.tz, new_tz),
        ("always_open", row.always_open, new_always),
        ("weekly", _weekly_text(_normalised(row.weekly)), _weekly_text(new_weekly)),
        ("holiday_country", row.holiday_country, new_country),
        ("holiday_subdivision", row.holiday_subdivision, new_sub),
        ("holidays", _days_text(old_days), _days_text(new_days)),
    ]
    changes = [c for c in changes if c[1] != c[2]]
    if not changes:
        return []

    row.name, row.tz, row.always_open = new_name, new_tz, new_always
    row.holiday_country, row.holiday_subdivision = new_country, new_sub
    if row.weekly != new_weekly:
        row.weekly = new_weekly  # a new object, so the JSON column sees the change
    s.add(row)
    for h in holiday_rows:
        if h.day not in new_days:
            s.delete(h)
    for day in sorted(new_days - old_days):
        s.add(CalendarHoliday(calendar_id=calendar_id, day=day))
    s.flush()  # rules are read without autoflush: the new rows must be in the database
    sla.forget_rules(s)

    shifts: list[sla.DueShift] = []
    if load_calendar(s, calendar_id) != old_cal:
        shifts = _recalculate(
            s, at=at, calendar_ids=[calendar_id], old_calendars={calendar_id: old_cal}
        )
    audit_changes(s, at, actor, "business_calendar", calendar_id, changes)
    bump_change_seq(s)
    return shifts


def _stored_weekly(cal: BusinessCalendar) -> dict[str, list[list[str]]]:
    """The JSON form of the row: {"0": [["09:00", "17:00"]], ...}, normalised."""
    return {str(day): [list(w) for w in windows] for day, windows in cal.weekly.items()}


def _normalised(weekly: Mapping[str, Any]) -> Mapping[str, Any]:
    """A stored weekly as it would be saved now ("9:00" -> "09:00"), so a save that
    changes nothing audits nothing; stored data the engine rejects is shown as is."""
    try:
        return _stored_weekly(BusinessCalendar(weekly=weekly))
    except CalendarError:
        return weekly


def _weekly_text(weekly: Mapping[str, Any]) -> str:
    """Weekly hours as one readable line for the audit trail."""
    spans = [
        f"{_DAYS[int(day)]} {w[0]}-{w[1]}" for day in sorted(weekly, key=int) for w in weekly[day]
    ]
    return ", ".join(spans) or "none"


def _days_text(days: Iterable[date]) -> str:
    return ", ".join(d.isoformat() for d in sorted(days)) or "none"


# ---------------------------------------------------------------- profiles


@dataclass(frozen=True)
class TargetSpec:
    """One priority's targets as the settings screen edits them ("30m", "4h", "2bd",
    "nbd"); `calendar_id` overrides the profile's calendar for this priority."""

    response: str
    resolution: str
    update_interval: str | None = None
    calendar_id: int | None = None


def profile_targets(s: Session, profile_id: int) -> dict[str, TargetSpec]:
    """A profile's targets by priority, in the form `update_profile` takes."""
    rows = s.exec(select(SlaTarget).where(SlaTarget.profile_id == profile_id))
    return {
        r.priority: TargetSpec(r.response, r.resolution, r.update_interval, r.calendar_id)
        for r in sorted(rows, key=lambda r: r.priority)
    }


def create_profile(
    s: Session,
    *,
    name: str,
    calendar_id: int,
    targets: Mapping[str, TargetSpec],
    at: datetime,
    actor: Actor,
    description: str = "",
    near_due_margin_minutes: int | None = None,
    business_day_minutes: int | None = None,
    alert_thresholds: Sequence[int] = DEFAULT_THRESHOLDS,
    pause_status_ids: Iterable[int] = (),
) -> SlaProfile:
    """A new profile, validated like an edit; no ticket uses it yet."""
    clean = _clean_name(name, None, "profile")
    _check_unique_profile_name(s, clean, None)
    _check_calendar_id(s, calendar_id, "calendar")
    specs = _check_targets(s, targets)
    thresholds = _check_thresholds(alert_thresholds)
    _check_minutes(near_due_margin_minutes, business_day_minutes)
    pauses = _check_pause_statuses(s, pause_status_ids)
    profile = SlaProfile(
        name=clean,
        description=description.strip(),
        calendar_id=calendar_id,
        alert_thresholds=thresholds,
        near_due_margin_minutes=near_due_margin_minutes,
        business_day_minutes=business_day_minutes,
    )
    s.add(profile)
    s.flush()
    pid: int = profile.id  # type: ignore[assignment]
    for priority, spec in specs.items():
        if spec is not None:
            s.add(_target_row(pid, priority, spec))
    for status_id in sorted(pauses):
        s.add(SlaProfilePauseStatus(profile_id=pid, status_id=status_id))
    s.flush()
    sla.forget_rules(s)
    audit(
        s,
        at=at,
        actor=actor,
        entity="sla_profile",
        entity_id=pid,
        field="created",
        old=None,
        new=clean,
    )
    bump_change_seq(s)
    return profile


def clone_profile(
    s: Session, profile_id: int, new_name: str, *, at: datetime, actor: Actor
) -> SlaProfile:
    """A copy of a profile (targets, pause statuses, alert rules) under a new name."""
    src = _profile(s, profile_id)
    pauses = s.exec(
        select(SlaProfilePauseStatus.status_id).where(
            SlaProfilePauseStatus.profile_id == profile_id
        )
    ).all()
    copy = create_profile(
        s,
        name=new_name,
        calendar_id=src.calendar_id,
        targets=profile_targets(s, profile_id),
        at=at,
        actor=actor,
        description=src.description,
        near_due_margin_minutes=src.near_due_margin_minutes,
        business_day_minutes=src.business_day_minutes,
        alert_thresholds=list(src.alert_thresholds or DEFAULT_THRESHOLDS),
        pause_status_ids=pauses,
    )
    audit(
        s,
        at=at,
        actor=actor,
        entity="sla_profile",
        entity_id=copy.id,  # type: ignore[arg-type]
        field="cloned_from",
        old=None,
        new=src.name,
    )
    return copy


def update_profile(
    s: Session,
    profile_id: int,
    *,
    at: datetime,
    actor: Actor,
    targets: Mapping[str, TargetSpec | None] | Unset = UNSET,
    calendar_id: int | Unset = UNSET,
    near_due_margin_minutes: int | Unset | None = UNSET,
    business_day_minutes: int | Unset | None = UNSET,
    alert_thresholds: Sequence[int] | Unset = UNSET,
    pause_status_ids: Iterable[int] | Unset = UNSET,
    name: str | Unset = UNSET,
    description: str | Unset = UNSET,
) -> list[sla.DueShift]:
    """Edit a profile; clocks of tickets on it keep their consumed time and lay the rest
    on the new targets, calendar and alert rules from `at`.

    `targets` names the priorities to change: a `TargetSpec` sets that priority's
    targets, None removes them (refused while tickets at that priority have running
    clocks on this profile); priorities not named are left alone. Dropping an update
    interval ends the running update clocks (cancelled). A status added to or removed
    from the pause statuses pauses or resumes, now, the tickets sitting in it. Renames
    and description edits recalculate nothing.
    """
    profile = _profile(s, profile_id)
    old_targets = profile_targets(s, profile_id)
    old_pauses = frozenset(
        s.exec(
            select(SlaProfilePauseStatus.status_id).where(
                SlaProfilePauseStatus.profile_id == profile_id
            )
        )
    )

    # -- validate everything first
    new_name = _clean_name(name, profile.name, "profile")
    if new_name != profile.name:
        _check_unique_profile_name(s, new_name, profile_id)
    new_description = profile.description if description is UNSET else description.strip()
    new_calendar = profile.calendar_id if calendar_id is UNSET else calendar_id
    if calendar_id is not UNSET:
        _check_calendar_id(s, new_calendar, "calendar")
    specs = {} if targets is UNSET else _check_targets(s, targets)
    new_targets = dict(old_targets)
    for priority, spec in specs.items():
        if spec is None:
            new_targets.pop(priority, None)
        else:
            new_targets[priority] = spec
    for priority in sorted(set(old_targets) - set(new_targets)):
        running = _tickets_with_active_clocks(s, profile_id, priority)
        if running:
            raise ServiceError(_dropped_text(priority, running, profile.name))
    old_thresholds = list(profile.alert_thresholds or DEFAULT_THRESHOLDS)
    new_thresholds = (
        old_thresholds if alert_thresholds is UNSET else _check_thresholds(alert_thresholds)
    )
    new_margin = (
        profile.near_due_margin_minutes
        if near_due_margin_minutes is UNSET
        else near_due_margin_minutes
    )
    new_day = (
        profile.business_day_minutes if business_day_minutes is UNSET else business_day_minutes
    )
    _check_minutes(new_margin, new_day)
    new_pauses = (
        old_pauses if pause_status_ids is UNSET else _check_pause_statuses(s, pause_status_ids)
    )

    changes: list[tuple[str, object, object]] = [
        ("name", profile.name, new_name),
        ("description", profile.description, new_description),
        ("calendar", _calendar_name(s, profile.calendar_id), _calendar_name(s, new_calendar)),
        ("near_due_margin_minutes", profile.near_due_margin_minutes, new_margin),
        ("business_day_minutes", profile.business_day_minutes, new_day),
        ("alert_thresholds", _ints_text(old_thresholds), _ints_text(new_thresholds)),
        ("pause_statuses", _status_names(s, old_pauses), _status_names(s, new_pauses)),
    ]
    for priority in PRIORITIES:
        old_spec, new_spec = old_targets.get(priority), new_targets.get(priority)
        for attr in ("response", "resolution", "update_interval"):
            changes.append(
                (
                    f"{priority} {attr}",
                    getattr(old_spec, attr) if old_spec else None,
                    getattr(new_spec, attr) if new_spec else None,
                )
            )
        changes.append(
            (
                f"{priority} calendar",
                _calendar_name(s, old_spec.calendar_id if old_spec else None),
                _calendar_name(s, new_spec.calendar_id if new_spec else None),
            )
        )
    changes = [c for c in changes if c[1] != c[2]]
    if not changes:
        return []

    # -- write
    old_name = profile.name
    profile.name, profile.description = new_name, new_description
    profile.calendar_id = new_calendar
    profile.near_due_margin_minutes, profile.business_day_minutes = new_margin, new_day
    if new_thresholds != old_thresholds:
        profile.alert_thresholds = list(new_thresholds)
    s.add(profile)
    target_rows = {
        r.priority: r for r in s.exec(select(SlaTarget).where(SlaTarget.profile_id == profile_id))
    }
    for priority, row in target_rows.items():
        if priority not in new_targets:
            s.delete(row)
    for priority, spec in new_targets.items():
        if old_targets.get(priority) == spec:
            continue
        row = target_rows.get(priority) or SlaTarget(
            profile_id=profile_id, priority=priority, response="", resolution=""
        )
        row.response, row.resolution = spec.response, spec.resolution
        row.update_interval, row.calendar_id = spec.update_interval, spec.calendar_id
        s.add(row)
    for status_id in old_pauses - new_pauses:
        pause = s.get(SlaProfilePauseStatus, (profile_id, status_id))
        if pause is not None:
            s.delete(pause)
    for status_id in sorted(new_pauses - old_pauses):
        s.add(SlaProfilePauseStatus(profile_id=profile_id, status_id=status_id))
    s.flush()  # rules are read without autoflush: the new rows must be in the database
    sla.forget_rules(s)

    finals: dict[int, sla.DueShift] = {}
    if any(field not in _NO_RECALC for field, _, _ in changes):
        # The clocks' calendars are unchanged rows, so consumed time is measured right.
        finals = {sh.clock_id: sh for sh in _recalculate(s, at=at, profile_ids=[profile_id])}
    for priority, spec in new_targets.items():
        old_spec = old_targets.get(priority)
        if old_spec and old_spec.update_interval and not spec.update_interval:
            _end_update_clocks(s, profile_id, priority, at, finals)
    _apply_pause_changes(s, profile_id, old_pauses, new_pauses, at, finals)
    audit_changes(s, at, actor, "sla_profile", profile_id, changes)
    if new_name != old_name:
        _rename_in_rules(s, old_name, new_name, at, actor)
    bump_change_seq(s)
    return [finals[k] for k in sorted(finals)]


def _rename_in_rules(s: Session, old: str, new: str, at: datetime, actor: Actor) -> None:
    """Assignment rules name profiles by name: follow a rename in the same transaction
    (one audit row per rule), or every rule naming the profile would silently stop
    matching."""
    folded = old.casefold()

    def renamed(value: object) -> object:
        return new if isinstance(value, str) and value.casefold() == folded else value

    for rule in s.exec(select(AssignmentRule).order_by(AssignmentRule.position)).all():  # type: ignore[arg-type]
        conditions = dict(rule.conditions or {})
        wanted = conditions.get("sla_profile")
        now = [renamed(v) for v in wanted] if isinstance(wanted, list) else renamed(wanted)
        if now == wanted:
            continue
        before = _json(conditions)
        conditions["sla_profile"] = now
        rule.conditions = conditions
        s.add(rule)
        audit(s, at=at, actor=actor, entity="assignment_rule", entity_id=rule.id,  # type: ignore[arg-type]
              field="conditions", old=before, new=_json(conditions),
              reason=f"SLA profile {old!r} renamed to {new!r}")
    s.flush()
    assignment.forget_rules(s)


def _json(value: Mapping[str, Any]) -> str:
    """As the rule editor audits conditions (`rule_admin._as_text`)."""
    return json.dumps(dict(value), ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class ProfileUsage:
    """Who depends on a profile: clients on it, and its tickets that are not closed."""

    clients: tuple[str, ...]
    open_tickets: int
    rules: tuple[str, ...] = ()  # escalation rules on it, assignment rules naming it

    @property
    def in_use(self) -> bool:
        return bool(self.clients or self.open_tickets or self.rules)


def profile_usage(s: Session, profile_id: int, *, rules: bool = False) -> ProfileUsage:
    """Clients on the profile and tickets on it that are not closed (active clocks, or
    resolved ones that may still reopen on these rules); with `rules`, also the rules
    naming it (read only where it matters — deleting — not for every row of a list)."""
    clients = s.exec(
        select(Client.name).where(Client.sla_profile_id == profile_id).order_by(Client.name)
    ).all()
    active = sa.exists().where(
        SlaClock.ticket_id == Ticket.id,
        SlaClock.state.in_(sla.ACTIVE_STATES),  # type: ignore[attr-defined]
    )
    tickets = s.exec(
        select(sa.func.count())
        .select_from(Ticket)
        .join(Status, Status.id == Ticket.status_id)  # type: ignore[arg-type]
        .where(
            Ticket.sla_profile_id == profile_id,
            sa.or_(Status.category != StatusCategory.CLOSED.value, active),
        )
    ).one()
    named = _rules_naming(s, profile_id) if rules else ()
    return ProfileUsage(tuple(clients), int(tickets), named)


def _rules_naming(s: Session, profile_id: int) -> tuple[str, ...]:
    """Rules that would break without the profile: escalation rules on it (a foreign
    key) and assignment rules whose conditions name it (by name, case-insensitive)."""
    found = [
        f"escalation rule {row.position} ({row.trigger})"
        for row in s.exec(
            select(EscalationRule).where(EscalationRule.profile_id == profile_id)
            .order_by(EscalationRule.position)  # type: ignore[arg-type]
        ).all()
    ]
    name = (_profile(s, profile_id).name or "").casefold()
    for rule in s.exec(select(AssignmentRule).order_by(AssignmentRule.position)).all():  # type: ignore[arg-type]
        wanted = (rule.conditions or {}).get("sla_profile")
        names = wanted if isinstance(wanted, list) else [wanted]
        if any(isinstance(n, str) and n.casefold() == name for n in names):
            found.append(f"assignment rule {rule.name!r}")
    return tuple(found)


def delete_profile(s: Session, profile_id: int, *, at: datetime, actor: Actor) -> None:
    """Delete an unused profile; refused (saying why) while clients or unclosed tickets
    use it. Closed tickets that ran on it are detached (their clocks and events stay)."""
    profile = _profile(s, profile_id)
    usage = profile_usage(s, profile_id, rules=True)
    if usage.in_use:
        parts = []
        if usage.clients:
            names = ", ".join(usage.clients[:3]) + (", …" if len(usage.clients) > 3 else "")
            parts.append(f"{plural(len(usage.clients), 'client')} ({names})")
        if usage.open_tickets:
            parts.append(f"{plural(usage.open_tickets, 'ticket')} not yet closed")
        if usage.rules:
            parts.append(", ".join(usage.rules))
        raise ServiceError(f"{profile.name} is used by {' and '.join(parts)}")
    detached = s.execute(
        sa.update(Ticket)
        .where(Ticket.sla_profile_id == profile_id)  # type: ignore[arg-type]
        .values(sla_profile_id=None)
    ).rowcount
    for model in (SlaTarget, SlaProfilePauseStatus):
        s.execute(sa.delete(model).where(model.profile_id == profile_id))  # type: ignore[arg-type]
    s.delete(profile)
    s.flush()
    sla.forget_rules(s)
    reason = f"{plural(detached, 'closed ticket')} detached" if detached else ""
    audit(
        s,
        at=at,
        actor=actor,
        entity="sla_profile",
        entity_id=profile_id,
        field="deleted",
        old=profile.name,
        new=None,
        reason=reason,
    )
    bump_change_seq(s)


# ---------------------------------------------------------------- clients


def set_client_profile(
    s: Session,
    client_id: int,
    profile_id: int | None,
    *,
    at: datetime,
    actor: Actor,
    reapply_to_open_tickets: bool,
) -> int:
    """Put a client on a profile (None: no SLA). Tickets keep the profile their clocks
    started on unless `reapply_to_open_tickets`: then each ticket of the client that is
    not resolved or closed moves to it keeping its consumed business time (clocks start
    for tickets that had none). Returns how many tickets were re-applied."""
    client = s.get(Client, client_id)
    if client is None:
        raise ServiceError(f"no client with id {client_id}")
    if profile_id is not None:
        _profile(s, profile_id)
    old = client.sla_profile_id
    if old != profile_id:
        client.sla_profile_id = profile_id
        s.add(client)
        audit(
            s,
            at=at,
            actor=actor,
            entity="client",
            entity_id=client_id,
            field="sla_profile",
            old=_profile_name(s, old),
            new=_profile_name(s, profile_id),
        )
    count = 0
    if reapply_to_open_tickets:
        s.flush()
        reason = f"client {client.name} moved to {_profile_name(s, profile_id) or 'no SLA'}"
        for ticket in s.exec(_open_tickets_of(client_id)).all():
            tid: int = ticket.id  # type: ignore[assignment]
            had = bool(sla.clocks_of(s, tid, active_only=True))
            before = ticket.sla_profile_id
            if had and before == profile_id:
                continue  # already runs on it: re-applying would only churn events
            sla.retarget_ticket(s, ticket, at, reason)
            if before != ticket.sla_profile_id:
                audit(
                    s,
                    at=at,
                    actor=actor,
                    entity="ticket",
                    entity_id=tid,
                    field="sla_profile",
                    old=_profile_name(s, before),
                    new=_profile_name(s, ticket.sla_profile_id),
                    reason=reason,
                )
            if had or before != ticket.sla_profile_id or sla.clocks_of(s, tid, active_only=True):
                count += 1
    elif profile_id is not None:
        # Without re-applying, tickets keep the profile their clocks run on; but tickets
        # that never had a clock (the client had no SLA) start now, or they would show
        # "No SLA" for ever.
        s.flush()
        for ticket in s.exec(_open_tickets_of(client_id)).all():
            sla.start_clocks(s, ticket, at)
    bump_change_seq(s)
    return count


def _open_tickets_of(client_id: int) -> Any:
    return (
        select(Ticket)
        .join(Status, Status.id == Ticket.status_id)  # type: ignore[arg-type]
        .where(
            Ticket.client_id == client_id,
            Status.category.in_(  # type: ignore[attr-defined]
                (StatusCategory.OPEN.value, StatusCategory.PAUSED.value)
            ),
        )
        .order_by(Ticket.id)  # type: ignore[arg-type]
    )


def bulk_set_client_profile(
    s: Session,
    client_ids: Iterable[int],
    profile_id: int | None,
    *,
    at: datetime,
    actor: Actor,
    reapply_to_open_tickets: bool,
) -> int:
    """`set_client_profile` for several clients in the caller's one transaction: any
    refusal leaves all of them as they were. Returns the tickets re-applied in total."""
    return sum(
        set_client_profile(
            s,
            cid,
            profile_id,
            at=at,
            actor=actor,
            reapply_to_open_tickets=reapply_to_open_tickets,
        )
        for cid in client_ids
    )


# ---------------------------------------------------------------- clock side effects


def _recalculate(
    s: Session,
    *,
    at: datetime,
    calendar_ids: Iterable[int] = (),
    profile_ids: Iterable[int] = (),
    old_calendars: dict[int, BusinessCalendar] | None = None,
) -> list[sla.DueShift]:
    try:
        return sla.recalculate_clocks(
            s,
            at=at,
            calendar_ids=calendar_ids,
            profile_ids=profile_ids,
            old_calendars=old_calendars,
        )
    except CalendarError as exc:  # e.g. holidays leave no business time at all
        raise ServiceError(f"cannot lay SLA clocks on the new rules: {exc}") from None


def _end_update_clocks(
    s: Session, profile_id: int, priority: str, at: datetime, finals: dict[int, sla.DueShift]
) -> None:
    """The update interval was removed: its running instances have nothing to measure."""
    stmt = (
        select(SlaClock, Ticket)
        .join(Ticket, Ticket.id == SlaClock.ticket_id)  # type: ignore[arg-type]
        .where(
            Ticket.sla_profile_id == profile_id,
            Ticket.priority == priority,
            SlaClock.kind == ClockKind.UPDATE.value,
            SlaClock.state.in_(sla.ACTIVE_STATES),  # type: ignore[attr-defined]
        )
        .order_by(SlaClock.id)  # type: ignore[arg-type]
    )
    touched: dict[int, Ticket] = {}
    for row, ticket in s.exec(stmt).all():
        before = row.due_at
        value = eng.cancel(sla.to_value(row), at, load_calendar(s, row.calendar_id))
        sla.record_change(s, row, value, "cancelled", at, "update interval removed")
        _note_shift(finals, row, before)
        touched[ticket.id] = ticket  # type: ignore[index]
    for ticket in touched.values():
        sla.refresh_ticket(s, ticket)


def _apply_pause_changes(
    s: Session,
    profile_id: int,
    old: frozenset[int],
    new: frozenset[int],
    at: datetime,
    finals: dict[int, sla.DueShift],
) -> None:
    """Tickets sitting in a status that now pauses (or no longer pauses) their clocks:
    pause or resume them now, as if the ticket had just moved into that status."""
    changed = old ^ new
    if not changed:
        return
    stmt = (
        select(Ticket, Status)
        .join(Status, Status.id == Ticket.status_id)  # type: ignore[arg-type]
        .where(
            Ticket.sla_profile_id == profile_id,
            Ticket.status_id.in_(changed),  # type: ignore[attr-defined]
            Status.category == StatusCategory.OPEN.value,  # only open statuses pause by profile
        )
        .order_by(Ticket.id)  # type: ignore[arg-type]
    )
    for ticket, status in s.exec(stmt).all():
        effect = transition(
            effective_category(status.category, profile_pauses=status.id in old),
            effective_category(status.category, profile_pauses=status.id in new),
        )
        if effect not in (ClockEffect.PAUSE, ClockEffect.RESUME):
            continue
        rules = sla.rules_for(s, profile_id, ticket.priority)
        policy = rules.policy if rules else eng.SlaPolicy()
        verb = "now pauses" if effect == ClockEffect.PAUSE else "no longer pauses"
        note = f"{status.name} {verb} clocks"
        rows = sla.clocks_of(s, ticket.id)  # type: ignore[arg-type]
        for row in rows:
            value, before = sla.to_value(row), row.due_at
            cal = load_calendar(s, row.calendar_id)
            pausing = effect == ClockEffect.PAUSE and row.kind != ClockKind.RESPONSE
            if pausing and value.state == ClockState.RUNNING:  # a response never pauses
                sla.record_change(s, row, eng.pause(value, at, cal), "paused", at, note)
            elif effect == ClockEffect.RESUME and value.state == ClockState.PAUSED:
                sla.record_change(s, row, eng.resume(value, at, cal, policy), "resumed", at, note)
            else:
                continue
            _note_shift(finals, row, before)
        sla.refresh_ticket(s, ticket, rows)


def _note_shift(finals: dict[int, sla.DueShift], row: SlaClock, before: datetime | None) -> None:
    """Keep one shift per clock: its due before the whole edit, and after it (None once
    it no longer runs: a cancelled clock keeps its old due instant as history)."""
    cid: int = row.id  # type: ignore[assignment]
    first = finals.get(cid)
    after = row.due_at if row.state == ClockState.RUNNING else None
    finals[cid] = sla.DueShift(cid, row.ticket_id, first.before if first else before, after)


def _tickets_with_active_clocks(s: Session, profile_id: int, priority: str) -> int:
    return int(
        s.exec(
            select(sa.func.count(sa.distinct(Ticket.id)))
            .select_from(Ticket)
            .join(SlaClock, SlaClock.ticket_id == Ticket.id)  # type: ignore[arg-type]
            .where(
                Ticket.sla_profile_id == profile_id,
                Ticket.priority == priority,
                SlaClock.state.in_(sla.ACTIVE_STATES),  # type: ignore[attr-defined]
            )
        ).one()
    )


# ---------------------------------------------------------------- validation


def _clean_name(name: str | Unset | None, current: str | None, what: str) -> str:
    if name is UNSET:
        assert current is not None
        return current
    clean = (name or "").strip()
    if not clean:
        raise ServiceError(f"a {what} needs a name")
    if len(clean) > 100:
        raise ServiceError(f"{what} names are at most 100 characters")
    return clean


def name_key(name: str) -> str:
    """What two names must not share to be told apart: case (any script, not just
    ASCII, which SQL lower() is limited to) and runs of spaces do not count."""
    return " ".join(name.split()).casefold()


def name_taken(s: Session, model: Any, name: str, row_id: int | None) -> str | None:
    """The existing name of another `model` row that `name` cannot be told apart from.
    Compared in Python: settings tables are small, and SQL cannot casefold."""
    key = name_key(name)
    for other_id, other in s.execute(sa.select(model.id, model.name)).all():
        if other_id != row_id and name_key(other) == key:
            return str(other)
    return None


def _check_unique_profile_name(s: Session, name: str, profile_id: int | None) -> None:
    if (other := name_taken(s, SlaProfile, name, profile_id)) is not None:
        raise ServiceError(f"there is already a profile named {other!r}")


def _check_calendar_id(s: Session, calendar_id: object, field: str) -> None:
    if (
        not isinstance(calendar_id, int)
        or isinstance(calendar_id, bool)
        or s.get(BusinessCalendarRow, calendar_id) is None
    ):
        raise ServiceError(f"{field}: no business calendar with id {calendar_id!r}")


def _check_targets(
    s: Session, targets: Mapping[str, TargetSpec | None]
) -> dict[str, TargetSpec | None]:
    """Parse every spec; store them normalised ("4H " -> "4h")."""
    out: dict[str, TargetSpec | None] = {}
    for priority, spec in targets.items():
        if priority not in PRIORITIES:
            raise ServiceError(f"unknown priority {priority!r}; expected P1, P2, P3 or P4")
        if spec is None:
            out[priority] = None
            continue
        response = _check_spec(f"{priority} response", spec.response)
        resolution = _check_spec(f"{priority} resolution", spec.resolution)
        update = (
            _check_spec(f"{priority} update interval", spec.update_interval)
            if spec.update_interval and spec.update_interval.strip()
            else None
        )
        if spec.calendar_id is not None:
            _check_calendar_id(s, spec.calendar_id, f"{priority} calendar")
        out[priority] = TargetSpec(response, resolution, update, spec.calendar_id)
    return out


def _check_spec(field: str, text: object) -> str:
    if not isinstance(text, str):
        raise ServiceError(f"{field}: an SLA target is text like 30m, 4h, 2bd or nbd")
    try:
        spec = parse_target(text).spec
    except TargetError as exc:
        raise ServiceError(f"{field}: {exc}") from None
    if len(spec) > 16:
        raise ServiceError(f"{field}: {spec!r} is too long (16 characters at most)")
    return spec


def _check_thresholds(values: Sequence[int]) -> list[int]:
    """Whole percentages 1..100, strictly ascending. 100 is appended when missing: the
    engine always records the breach, so the stored list says what really alerts."""
    if problems := threshold_problems(values):
        raise ServiceError(problems[0])
    out = list(values)
    if not out or out[-1] != 100:
        out.append(100)
    return out


def threshold_problems(values: Sequence[object]) -> list[str]:
    """Every reason `values` are not valid alert thresholds (empty when they are): each
    value out of range, then the order; a form shows them all at once."""
    out = list(values)
    problems = [
        f"alert thresholds: {p!r} is not a whole percentage 1-100"
        for p in out
        if isinstance(p, bool) or not isinstance(p, int) or not 1 <= p <= 100
    ]
    ints = [p for p in out if isinstance(p, int) and not isinstance(p, bool)]
    if len(ints) == len(out) and any(a >= b for a, b in pairwise(ints)):
        problems.append(f"alert thresholds: {_ints_text(ints)} must be strictly ascending")
    return problems


def _check_minutes(margin: object, business_day: object) -> None:
    if problems := minutes_problems(margin, business_day):
        raise ServiceError(problems[0])


def minutes_problems(margin: object, business_day: object) -> list[str]:
    """Every reason the near-due margin and business day length are invalid (None is
    the engine's default, always valid)."""
    problems = []
    if margin is not None and (
        isinstance(margin, bool) or not isinstance(margin, int) or margin < 0
    ):
        problems.append(f"near-due margin: {margin!r} is not a whole number of minutes >= 0")
    if business_day is not None and (
        isinstance(business_day, bool)
        or not isinstance(business_day, int)
        or not 1 <= business_day <= 1440
    ):
        problems.append(
            f"business day: {business_day!r} is not a whole number of minutes 1-1440"
        )
    return problems


def _check_pause_statuses(s: Session, ids: Iterable[int]) -> frozenset[int]:
    """Open statuses can be made to pause (paused ones already do, so listing them is
    harmless); resolved and closed ones stop the clocks, so pausing means nothing there."""
    out = frozenset(ids)
    for status_id in sorted(out):
        status = s.get(Status, status_id)
        if status is None:
            raise ServiceError(f"pause statuses: no status with id {status_id!r}")
        if status.category not in (StatusCategory.OPEN, StatusCategory.PAUSED):
            raise ServiceError(
                f"pause statuses: {status.name} is a {status.category} status; "
                "resolved and closed statuses stop the clocks instead"
            )
    return out


def pause_status_problems(s: Session, ids: Iterable[int]) -> list[str]:
    """Every status `_check_pause_statuses` would refuse, each named."""
    return [
        msg for i in sorted(frozenset(ids)) if (msg := _refusal(_check_pause_statuses, s, (i,)))
    ]


def target_problems(s: Session, targets: Mapping[str, TargetSpec | None]) -> list[str]:
    """Every field `_check_targets` would refuse (priority by priority, field by field)."""
    found: list[str | None] = []
    for priority, spec in targets.items():
        if priority not in PRIORITIES or spec is None:
            found.append(_refusal(_check_targets, s, {priority: None}))
            continue
        found.append(_refusal(_check_spec, f"{priority} response", spec.response))
        found.append(_refusal(_check_spec, f"{priority} resolution", spec.resolution))
        if spec.update_interval and spec.update_interval.strip():
            found.append(
                _refusal(_check_spec, f"{priority} update interval", spec.update_interval)
            )
        if spec.calendar_id is not None:
            found.append(
                _refusal(_check_calendar_id, s, spec.calendar_id, f"{priority} calendar")
            )
    return [msg for msg in found if msg]


def profile_name_problem(s: Session, name: str, profile_id: int | None) -> str | None:
    """Why `name` cannot name the profile (empty, too long, or taken regardless of case)."""
    try:
        _check_unique_profile_name(s, _clean_name(name, None, "profile"), profile_id)
    except ServiceError as exc:
        return str(exc)
    return None


def calendar_problem(s: Session, calendar_id: object, field: str) -> str | None:
    return _refusal(_check_calendar_id, s, calendar_id, field)


def dropped_target_problems(s: Session, profile_id: int, priorities: Iterable[str]) -> list[str]:
    """The priorities whose targets `update_profile` would refuse to remove: tickets at
    that priority still have SLA clocks running on them."""
    profile = _profile(s, profile_id)
    had = profile_targets(s, profile_id)
    problems = []
    for priority in sorted(set(priorities) & set(had)):
        if running := _tickets_with_active_clocks(s, profile_id, priority):
            problems.append(_dropped_text(priority, running, profile.name))
    return problems


def _dropped_text(priority: str, running: int, profile: str) -> str:
    return (
        f"{priority}: {plural(running, 'ticket')} on {profile} "
        f"{'has' if running == 1 else 'have'} SLA clocks on these targets; "
        "change their priority first"
    )


def _refusal(check: Callable[..., object], *args: Any) -> str | None:
    """The message a raising check refuses `args` with, or None when it accepts them."""
    try:
        check(*args)
    except ServiceError as exc:
        return str(exc)
    return None


# ---------------------------------------------------------------- small helpers


def _profile(s: Session, profile_id: int) -> SlaProfile:
    profile = s.get(SlaProfile, profile_id)
    if profile is None:
        raise ServiceError(f"no SLA profile with id {profile_id}")
    return profile


def _target_row(profile_id: int, priority: str, spec: TargetSpec) -> SlaTarget:
    return SlaTarget(
        profile_id=profile_id,
        priority=priority,
        response=spec.response,
        resolution=spec.resolution,
        update_interval=spec.update_interval,
        calendar_id=spec.calendar_id,
    )


def _profile_name(s: Session, profile_id: int | None) -> str | None:
    if profile_id is None:
        return None
    profile = s.get(SlaProfile, profile_id)
    return profile.name if profile else f"profile {profile_id}"


def _calendar_name(s: Session, calendar_id: int | None) -> str | None:
    if calendar_id is None:
        return None
    row = s.get(BusinessCalendarRow, calendar_id)
    return row.name if row else f"calendar {calendar_id}"


def _status_names(s: Session, ids: Iterable[int]) -> str:
    names = sorted((st.name if (st := s.get(Status, i)) else str(i)) for i in ids)
    return ", ".join(names) or "none"


def _ints_text(values: Iterable[int]) -> str:
    return ", ".join(str(v) for v in values)
