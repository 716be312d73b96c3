"""SLA clocks of tickets: apply the engine's transitions and persist clocks and events.

The ticket services call these hooks inside their transaction, so a clock change is
committed with the change that caused it, together with its KPI event. All business
time math is the engine's (`engine.sla`, `engine.business_hours`); this module maps
rows to engine values and back, and keeps the ticket's copies (`next_due_at`,
`sla_breached`) in step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from msp_tui.engine import sla as eng
from msp_tui.engine.business_hours import BusinessCalendar
from msp_tui.engine.lifecycle import ClockEffect, effective_category, transition
from msp_tui.engine.targets import parse_target
from msp_tui.engine.vocabulary import ClockKind, ClockState
from msp_tui.services.calendars import forget_calendars, load_calendar
from msp_tui.store.models import (
    Client,
    SlaClock,
    SlaClockEvent,
    SlaProfile,
    SlaProfilePauseStatus,
    SlaTarget,
    Status,
    Ticket,
)

ACTIVE_STATES = (ClockState.RUNNING.value, ClockState.PAUSED.value)
_RULES = "msp_tui.sla_rules"


@dataclass(frozen=True)
class Rules:
    """What a ticket's profile says for its priority."""

    profile: SlaProfile
    target: SlaTarget
    calendar_id: int
    calendar: BusinessCalendar
    policy: eng.SlaPolicy
    pause_status_ids: frozenset[int]

    def business_day_seconds(self) -> int | None:
        minutes = self.profile.business_day_minutes
        return minutes * 60 if minutes else None

    def target_seconds(self, kind: ClockKind, start: datetime) -> int | None:
        spec = {
            ClockKind.RESPONSE: self.target.response,
            ClockKind.RESOLUTION: self.target.resolution,
            ClockKind.UPDATE: self.target.update_interval,
        }[kind]
        if not spec:
            return None
        return parse_target(spec).resolve(self.calendar, start, self.business_day_seconds())


def rules_for(s: Session, profile_id: int | None, priority: str) -> Rules | None:
    """The profile's rules for a priority, read once per transaction (see forget_rules)."""
    if profile_id is None:
        return None
    cache: dict[tuple[int, str], Rules | None] = s.info.setdefault(_RULES, {})
    key = (profile_id, priority)
    if key not in cache:
        with s.no_autoflush:
            cache[key] = _load_rules(s, profile_id, priority)
    return cache[key]


def forget_rules(s: Session) -> None:
    """After editing profiles, targets or calendars inside a transaction.

    Flushes first: rules are re-read without autoflush, so pending edits must be in the
    database before the next read or recalculation would silently use the old rows.
    """
    s.flush()
    s.info.pop(_RULES, None)
    forget_calendars(s)


def _load_rules(s: Session, profile_id: int, priority: str) -> Rules | None:
    profile = s.get(SlaProfile, profile_id)
    if profile is None:
        return None
    target = s.exec(
        select(SlaTarget).where(SlaTarget.profile_id == profile_id, SlaTarget.priority == priority)
    ).first()
    if target is None:
        return None
    calendar_id = target.calendar_id or profile.calendar_id
    pauses = frozenset(
        s.exec(
            select(SlaProfilePauseStatus.status_id).where(
                SlaProfilePauseStatus.profile_id == profile_id
            )
        )
    )
    margin = profile.near_due_margin_minutes
    policy = eng.SlaPolicy(
        thresholds=tuple(profile.alert_thresholds or eng.DEFAULT_THRESHOLDS),
        near_due_margin_seconds=margin * 60 if margin is not None else None,
    )
    return Rules(profile, target, calendar_id, load_calendar(s, calendar_id), policy, pauses)


def policy_of(s: Session, profile_id: int | None) -> eng.SlaPolicy:
    profile = s.get(SlaProfile, profile_id) if profile_id is not None else None
    if profile is None:
        return eng.SlaPolicy()
    margin = profile.near_due_margin_minutes
    return eng.SlaPolicy(
        thresholds=tuple(profile.alert_thresholds or eng.DEFAULT_THRESHOLDS),
        near_due_margin_seconds=margin * 60 if margin is not None else None,
    )


# ---------------------------------------------------------------- row <-> value


def to_value(row: SlaClock) -> eng.KpiClock:
    return eng.KpiClock(
        kind=ClockKind(row.kind),
        state=ClockState(row.state),
        target_seconds=row.target_seconds,
        started_at=row.started_at,
        consumed_seconds=row.consumed_seconds,
        running_since=row.running_since,
        due_at=row.due_at,
        at_risk_at=row.at_risk_at,
        next_alert_at=row.next_alert_at,
        thresholds_reached=tuple(row.thresholds_reached or ()),
        stopped_at=row.stopped_at,
        breached_at=row.breached_at,
    )


def apply_value(row: SlaClock, value: eng.KpiClock) -> None:
    row.state = value.state
    row.target_seconds = value.target_seconds
    row.consumed_seconds = value.consumed_seconds
    row.running_since = value.running_since
    row.due_at = value.due_at
    row.at_risk_at = value.at_risk_at
    row.next_alert_at = value.next_alert_at
    row.thresholds_reached = list(value.thresholds_reached)
    row.stopped_at = value.stopped_at
    row.breached_at = value.breached_at


def _record(
    s: Session, row: SlaClock, event: str, at: datetime, due_before: datetime | None, note: str = ""
) -> None:
    # what the clock had used *at the event*, not at its last transition
    consumed = to_value(row).consumed(at, load_calendar(s, row.calendar_id))
    s.add(
        SlaClockEvent(
            clock_id=row.id,  # type: ignore[arg-type]
            ticket_id=row.ticket_id,
            event=event,
            at=at,
            consumed_seconds=consumed,
            due_before=due_before,
            due_after=row.due_at,
            note=note,
        )
    )


def record_change(
    s: Session,
    row: SlaClock,
    value: eng.KpiClock,
    event: str,
    at: datetime,
    note: str = "",
) -> None:
    due_before = row.due_at
    apply_value(row, value)
    s.add(row)
    s.flush()
    _record(s, row, event, at, due_before, note)


def _new_clock(
    s: Session,
    ticket: Ticket,
    value: eng.KpiClock,
    calendar_id: int,
    at: datetime,
    event: str = "started",
    note: str = "",
) -> SlaClock:
    row = SlaClock(
        ticket_id=ticket.id,  # type: ignore[arg-type]
        kind=value.kind,
        state=value.state,
        calendar_id=calendar_id,
        target_seconds=value.target_seconds,
        started_at=value.started_at,
    )
    apply_value(row, value)
    s.add(row)
    s.flush()
    _record(s, row, event, at, None, note)
    return row


def clocks_of(s: Session, ticket_id: int, *, active_only: bool = False) -> list[SlaClock]:
    stmt = select(SlaClock).where(SlaClock.ticket_id == ticket_id)
    if active_only:
        stmt = stmt.where(SlaClock.state.in_(ACTIVE_STATES))  # type: ignore[attr-defined]
    return list(s.exec(stmt.order_by(SlaClock.id)))  # type: ignore[arg-type]


def refresh_ticket(s: Session, ticket: Ticket, clocks: Iterable[SlaClock] | None = None) -> None:
    """Keep the ticket's sortable copies: nearest running due instant, breached flag."""
    rows = list(clocks) if clocks is not None else clocks_of(s, ticket.id)  # type: ignore[arg-type]
    dues = [c.due_at for c in rows if c.state == ClockState.RUNNING and c.due_at is not None]
    ticket.next_due_at = min(dues) if dues else None
    ticket.sla_breached = any(
        c.state != ClockState.CANCELLED and (c.breached_at is not None or c.state == "breached")
        for c in rows
    )
    s.add(ticket)


# ---------------------------------------------------------------- transitions


def _status_pauses(s: Session, ticket: Ticket, rules: Rules | None) -> bool:
    status = s.get(Status, ticket.status_id)
    if status is None:
        return False
    pauses = rules is not None and status.id in rules.pause_status_ids
    return effective_category(status.category, profile_pauses=pauses).value == "paused"


def start_clocks(s: Session, ticket: Ticket, at: datetime) -> bool:
    """Start response and resolution clocks once the ticket has a client with a profile.

    Returns False (and starts nothing) for an unmatched ticket or a client without a
    profile: such tickets show "No SLA" until that changes.
    """
    if ticket.client_id is None:
        return False
    existing = clocks_of(s, ticket.id)  # type: ignore[arg-type]
    if existing:  # the ticket's SLA already began: never restart it from zero
        return any(c.state in ACTIVE_STATES for c in existing)
    status = s.get(Status, ticket.status_id)
    if status is not None and status.category in ("resolved", "closed"):
        return False  # nothing left to measure
    client = s.get(Client, ticket.client_id)
    rules = rules_for(s, client.sla_profile_id if client else None, ticket.priority)
    if rules is None:
        return False
    ticket.sla_profile_id = rules.profile.id
    rows = []
    for kind in (ClockKind.RESPONSE, ClockKind.RESOLUTION):
        if kind == ClockKind.RESPONSE and ticket.first_response_at is not None:
            continue  # answered before the SLA applied: nothing to wait for
        seconds = rules.target_seconds(kind, at)
        if seconds is None:
            continue
        value = eng.start(kind, seconds, at, rules.calendar, rules.policy)
        rows.append(_new_clock(s, ticket, value, rules.calendar_id, at))
    paused = _status_pauses(s, ticket, rules)
    if paused:
        for row in rows:
            if row.kind != ClockKind.RESPONSE:
                record_change(s, row, eng.pause(to_value(row), at, rules.calendar), "paused", at)
    if ticket.first_response_at is not None:
        _start_update(s, ticket, rules, at, paused=paused)
    refresh_ticket(s, ticket)
    return True


def on_public_reply(s: Session, ticket: Ticket, at: datetime) -> None:
    """Our reply: meets the response clock, meets the update instance and opens the next."""
    rows = clocks_of(s, ticket.id, active_only=True)  # type: ignore[arg-type]
    if not rows:
        return
    rules = rules_for(s, ticket.sla_profile_id, ticket.priority)
    for row in rows:
        meets = row.kind == ClockKind.UPDATE or (
            row.kind == ClockKind.RESPONSE and row.state == ClockState.RUNNING
        )
        if meets:
            cal = load_calendar(s, row.calendar_id)
            value = eng.stop(to_value(row), at, cal)
            record_change(s, row, value, _stop_label(value), at)
    resolution = next((r for r in rows if r.kind == ClockKind.RESOLUTION), None)
    if rules is not None and resolution is not None:
        _start_update(s, ticket, rules, at, paused=resolution.state == ClockState.PAUSED)
    refresh_ticket(s, ticket)


def _stop_label(value: eng.KpiClock) -> str:
    return "met" if value.state == ClockState.MET else "stopped late"


def _start_update(s: Session, ticket: Ticket, rules: Rules, at: datetime, paused: bool) -> None:
    seconds = rules.target_seconds(ClockKind.UPDATE, at)
    if seconds is None:
        return
    value = eng.start(ClockKind.UPDATE, seconds, at, rules.calendar, rules.policy)
    row = _new_clock(s, ticket, value, rules.calendar_id, at)
    if paused:
        record_change(s, row, eng.pause(to_value(row), at, rules.calendar), "paused", at)


def on_status_change(
    s: Session, ticket: Ticket, old: Status, new: Status, at: datetime
) -> ClockEffect:
    """Apply the lifecycle table's clock effect of `old` -> `new` (already validated)."""
    rules = rules_for(s, ticket.sla_profile_id, ticket.priority)
    pauses = rules.pause_status_ids if rules else frozenset()
    effect = transition(
        effective_category(old.category, profile_pauses=old.id in pauses),
        effective_category(new.category, profile_pauses=new.id in pauses),
    )
    rows = clocks_of(s, ticket.id)  # type: ignore[arg-type]
    for row in rows:
        cal = load_calendar(s, row.calendar_id)
        value = to_value(row)
        policy = rules.policy if rules else eng.SlaPolicy()
        kind = ClockKind(row.kind)
        if effect == ClockEffect.PAUSE and kind != ClockKind.RESPONSE and value.active:
            record_change(s, row, eng.pause(value, at, cal), "paused", at, new.name)
        elif effect == ClockEffect.RESUME and value.state == ClockState.PAUSED:
            record_change(s, row, eng.resume(value, at, cal, policy), "resumed", at, new.name)
        elif effect in (ClockEffect.RESOLVE, ClockEffect.CLOSE) and value.active:
            if kind == ClockKind.UPDATE:
                record_change(s, row, eng.cancel(value, at, cal), "cancelled", at, new.name)
            else:
                stopped = eng.stop(value, at, cal)
                record_change(s, row, stopped, _stop_label(stopped), at, new.name)
        elif (
            effect == ClockEffect.REOPEN
            and kind == ClockKind.RESOLUTION
            and value.state in (ClockState.MET, ClockState.BREACHED)
            and _latest(rows, row)
        ):
            again = eng.reopen(value, at, cal, policy)
            record_change(s, row, again, "reopened", at, new.name)
            seconds = rules.target_seconds(kind, row.started_at) if rules else None
            if (
                rules is not None
                and seconds is not None
                and (seconds != row.target_seconds or rules.calendar_id != row.calendar_id)
            ):  # priority or profile changed while it was resolved
                record_change(
                    s, row, eng.cancel(again, at, cal), "cancelled", at, "targets changed"
                )
                moved = eng.retarget(again, seconds, at, cal, rules.calendar, rules.policy)
                _new_clock(s, ticket, moved, rules.calendar_id, at, "retargeted", "targets changed")
    responded = any(r.kind == ClockKind.RESPONSE and r.state not in ACTIVE_STATES for r in rows)
    if (
        effect == ClockEffect.REOPEN
        and rules is not None
        and (ticket.first_response_at or responded)
    ):
        _start_update(s, ticket, rules, at, paused=False)
    refresh_ticket(s, ticket, rows if effect != ClockEffect.REOPEN else None)
    return effect


def _latest(rows: list[SlaClock], row: SlaClock) -> bool:
    """Only the newest resolution instance is reopened (older ones were superseded)."""
    same = [r for r in rows if r.kind == row.kind and r.state != ClockState.CANCELLED]
    return bool(same) and same[-1].id == row.id


def retarget_ticket(
    s: Session, ticket: Ticket, at: datetime, reason: str, *, use_client_profile: bool = True
) -> int:
    """Priority or profile changed: each active clock's KPI instance is cancelled and a
    new one opened on the new targets, keeping the business time consumed. Returns how
    many clocks moved. Starts clocks if the ticket had none and now qualifies.

    A priority change keeps the profile the clocks started on (`use_client_profile=False`);
    re-applying a client's (new) profile or matching another client takes the client's.
    """
    rows = clocks_of(s, ticket.id, active_only=True)  # type: ignore[arg-type]
    if not rows:
        start_clocks(s, ticket, at)  # only starts for a ticket that never had clocks
        return 0
    if use_client_profile:
        client = s.get(Client, ticket.client_id) if ticket.client_id else None
        profile_id = client.sla_profile_id if client else None
    else:
        profile_id = ticket.sla_profile_id
    rules = rules_for(s, profile_id, ticket.priority)
    moved = 0
    for row in rows:
        old_cal = load_calendar(s, row.calendar_id)
        old_value = to_value(row)
        record_change(s, row, eng.cancel(old_value, at, old_cal), "cancelled", at, reason)
        if rules is None:
            continue
        kind = ClockKind(row.kind)
        seconds = rules.target_seconds(kind, row.started_at)
        if seconds is None:
            continue
        new_value = eng.retarget(old_value, seconds, at, old_cal, rules.calendar, rules.policy)
        _new_clock(s, ticket, new_value, rules.calendar_id, at, "retargeted", reason)
        moved += 1
    ticket.sla_profile_id = rules.profile.id if rules else None
    if rules is not None:
        _reconcile(s, ticket, rules, at, reason)
    refresh_ticket(s, ticket)
    return moved


def _reconcile(s: Session, ticket: Ticket, rules: Rules, at: datetime, reason: str) -> None:
    """New rules for a running ticket: its pause state and update clock follow them."""
    rows = clocks_of(s, ticket.id, active_only=True)  # type: ignore[arg-type]
    pauses = _status_pauses(s, ticket, rules)
    for row in rows:
        if row.kind == ClockKind.RESPONSE:
            continue
        value = to_value(row)
        if pauses and value.state == ClockState.RUNNING:
            record_change(s, row, eng.pause(value, at, rules.calendar), "paused", at, reason)
        elif not pauses and value.state == ClockState.PAUSED:
            resumed = eng.resume(value, at, rules.calendar, rules.policy)
            record_change(s, row, resumed, "resumed", at, reason)
    kinds = {row.kind for row in rows}
    if (
        ticket.first_response_at is not None
        and ClockKind.RESOLUTION in kinds
        and ClockKind.RESPONSE not in kinds
        and ClockKind.UPDATE not in kinds
    ):
        _start_update(s, ticket, rules, at, paused=pauses)


@dataclass(frozen=True)
class DueShift:
    """One clock's due instant before and after a calendar or profile edit."""

    clock_id: int
    ticket_id: int
    before: datetime | None
    after: datetime | None


def recalculate_clocks(
    s: Session,
    *,
    at: datetime,
    calendar_ids: Iterable[int] = (),
    profile_ids: Iterable[int] = (),
    old_calendars: dict[int, BusinessCalendar] | None = None,
) -> list[DueShift]:
    """After a calendar or profile edit: every active clock on it keeps its consumed time
    and lays the rest on the new rules from `at` (same KPI instance, one event each).

    `old_calendars` are the calendars as they were before an edit of their rows (time
    consumed up to `at` is measured on those). Run in a transaction that is rolled back,
    this is the "what-if" preview of the settings screens.
    """
    calendar_ids, profile_ids = list(calendar_ids), list(profile_ids)
    conditions = []
    if calendar_ids:
        conditions.append(SlaClock.calendar_id.in_(calendar_ids))  # type: ignore[attr-defined]
    if profile_ids:
        conditions.append(Ticket.sla_profile_id.in_(profile_ids))  # type: ignore[union-attr]
    if not conditions:
        return []
    stmt = (
        select(SlaClock, Ticket)
        .join(Ticket, Ticket.id == SlaClock.ticket_id)  # type: ignore[arg-type]
        .where(SlaClock.state.in_(ACTIVE_STATES), sa.or_(*conditions))  # type: ignore[attr-defined]
        .order_by(SlaClock.id)  # type: ignore[arg-type]
    )
    olds = old_calendars or {}
    shifts: list[DueShift] = []
    touched: dict[int, Ticket] = {}
    for row, ticket in s.exec(stmt).all():
        old_cal = olds.get(row.calendar_id) or load_calendar(s, row.calendar_id)
        rules = rules_for(s, ticket.sla_profile_id, ticket.priority)
        seconds = rules.target_seconds(ClockKind(row.kind), row.started_at) if rules else None
        if rules is not None and seconds is not None:
            new_cal, policy, calendar_id = rules.calendar, rules.policy, rules.calendar_id
        else:
            # No target for it any more: keep its own target, re-laid on its (edited) calendar.
            seconds, calendar_id = row.target_seconds, row.calendar_id
            new_cal = load_calendar(s, row.calendar_id)
            policy = policy_of(s, ticket.sla_profile_id)
        new_value = eng.retarget(to_value(row), seconds, at, old_cal, new_cal, policy)
        before = row.due_at
        row.calendar_id = calendar_id
        record_change(s, row, new_value, "recalculated", at, "calendar or profile edited")
        shifts.append(DueShift(row.id, ticket.id, before, row.due_at))  # type: ignore[arg-type]
        touched[ticket.id] = ticket  # type: ignore[index]
    for ticket in touched.values():
        refresh_ticket(s, ticket)
    return shifts
