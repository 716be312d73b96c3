"""SLA clocks as pure values: start, pause, resume, stop, reopen, retarget, cross.

A clock is one KPI instance (a response, resolution or update window). It counts
*business* seconds on a calendar. While it runs, what it has consumed is
``consumed_seconds + calendar.elapsed(running_since, now)``, so nothing needs updating
as time passes: the instants that matter (due, at-risk, next alert) are computed at
each transition and stored, and the scheduler tick or a screen only compares instants.

Rules, in one place:
- due instant = the instant the remaining business seconds are used up
  (``calendar.add(running_since, target - consumed)``);
- a threshold p < 100 is reached when consumed >= ceil(target * p / 100);
- 100 % *is* the breach: recorded once ``now > due`` (a clock stopped exactly at its due
  instant is met). A breached clock keeps counting until it stops, so reports know how
  late it was; stopping it then leaves it ``breached``, otherwise ``met``;
- at risk from the earlier of the first threshold below 100 and the near-due margin
  (default: the smaller of 30 min and 25 % of the target) before due;
- a pause keeps the consumed seconds and clears the instants; resuming lays the rest on
  the calendar from the resume instant;
- retargeting (priority, profile or calendar change) keeps the consumed seconds and lays
  the rest on the new target and calendar from now; if the new target is already used
  up, the clock is due at once (and breaches at the next tick).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from msp_tui.engine.vocabulary import ClockKind, ClockState

ONE_SECOND = timedelta(seconds=1)
DEFAULT_THRESHOLDS: tuple[int, ...] = (75, 90, 100)
ACTIVE = (ClockState.RUNNING, ClockState.PAUSED)


class ClockCalendar(Protocol):
    def add(self, start: datetime, seconds: int) -> datetime: ...

    def elapsed(self, start: datetime, end: datetime) -> int: ...


class ClockError(ValueError):
    """An operation that does not apply to the clock's state (a programming error)."""


@dataclass(frozen=True)
class SlaPolicy:
    """The profile's alert rules for one clock."""

    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS
    near_due_margin_seconds: int | None = None  # None: min(30 min, 25 % of target)

    def margin(self, target_seconds: int) -> int:
        if self.near_due_margin_seconds is not None:
            return self.near_due_margin_seconds
        return min(30 * 60, target_seconds // 4)

    def below_breach(self) -> tuple[int, ...]:
        return tuple(sorted(p for p in self.thresholds if 0 < p < 100))


@dataclass(frozen=True)
class KpiClock:
    kind: ClockKind
    state: ClockState
    target_seconds: int
    started_at: datetime
    consumed_seconds: int = 0  # up to running_since (running) or the last stop/pause
    running_since: datetime | None = None
    due_at: datetime | None = None
    at_risk_at: datetime | None = None
    next_alert_at: datetime | None = None
    thresholds_reached: tuple[int, ...] = ()
    stopped_at: datetime | None = None
    breached_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    def consumed(self, at: datetime, calendar: ClockCalendar) -> int:
        """Business seconds used by `at` (for a running clock, counting up to `at`)."""
        if self.state == ClockState.RUNNING and self.running_since is not None:
            return self.consumed_seconds + calendar.elapsed(self.running_since, at)
        return self.consumed_seconds


def threshold_seconds(target: int, percent: int) -> int:
    return math.ceil(target * percent / 100)


def _schedule(clock: KpiClock, calendar: ClockCalendar, policy: SlaPolicy) -> KpiClock:
    """Recompute the stored instants of a running clock from (running_since, consumed)."""
    if clock.state != ClockState.RUNNING or clock.running_since is None:
        return replace(clock, due_at=None, at_risk_at=None, next_alert_at=None)
    since, used, target = clock.running_since, clock.consumed_seconds, clock.target_seconds

    def instant(business_seconds: int) -> datetime:
        return calendar.add(since, max(0, business_seconds - used))

    due = instant(target)
    if used >= target and clock.breached_at is not None and clock.breached_at < due:
        due = clock.breached_at  # over its target since then, not since it last resumed
    risk_points = [threshold_seconds(target, p) for p in policy.below_breach()[:1]]
    risk_points.append(target - policy.margin(target))
    at_risk = min(instant(s) for s in risk_points)
    pending = [p for p in policy.below_breach() if p not in clock.thresholds_reached]
    if pending:
        next_alert = instant(threshold_seconds(target, pending[0]))
    elif clock.breached_at is None:
        next_alert = due + ONE_SECOND  # the breach check
    else:
        next_alert = None
    return replace(clock, due_at=due, at_risk_at=at_risk, next_alert_at=next_alert)


def start(
    kind: ClockKind, target_seconds: int, at: datetime, calendar: ClockCalendar, policy: SlaPolicy
) -> KpiClock:
    if target_seconds <= 0:
        raise ClockError("an SLA target must be positive")
    clock = KpiClock(
        kind=kind,
        state=ClockState.RUNNING,
        target_seconds=target_seconds,
        started_at=at,
        running_since=at,
    )
    return _schedule(clock, calendar, policy)


def _breach_by(clock: KpiClock, at: datetime) -> datetime | None:
    """The breach instant if the clock is breached by `at`, recorded by a tick or not."""
    if clock.breached_at is not None:
        return clock.breached_at
    if clock.state == ClockState.RUNNING and clock.due_at is not None and at > clock.due_at:
        return clock.due_at + ONE_SECOND
    return None


def pause(clock: KpiClock, at: datetime, calendar: ClockCalendar) -> KpiClock:
    if clock.state != ClockState.RUNNING:
        return clock
    return replace(
        clock,
        state=ClockState.PAUSED,
        consumed_seconds=clock.consumed(at, calendar),
        running_since=None,
        due_at=None,
        at_risk_at=None,
        next_alert_at=None,
        breached_at=_breach_by(clock, at),
    )


def resume(clock: KpiClock, at: datetime, calendar: ClockCalendar, policy: SlaPolicy) -> KpiClock:
    if clock.state != ClockState.PAUSED:
        return clock
    return _schedule(replace(clock, state=ClockState.RUNNING, running_since=at), calendar, policy)


def stop(clock: KpiClock, at: datetime, calendar: ClockCalendar) -> KpiClock:
    """The clock's goal was reached (replied, resolved): met, or breached if late."""
    if not clock.active:
        return clock
    consumed = clock.consumed(at, calendar)
    breached_at = _breach_by(clock, at)
    if breached_at is None and consumed > clock.target_seconds:
        breached_at = at  # over target with no due instant to date it (e.g. paused rows)
    late = breached_at is not None
    return replace(
        clock,
        state=ClockState.BREACHED if late else ClockState.MET,
        consumed_seconds=consumed,
        running_since=None,
        stopped_at=at,
        breached_at=breached_at,
        at_risk_at=None,
        next_alert_at=None,
    )


def cancel(clock: KpiClock, at: datetime, calendar: ClockCalendar) -> KpiClock:
    """Superseded (priority/profile change) or moot (update clock at resolution)."""
    if not clock.active:
        return clock
    return replace(
        clock,
        state=ClockState.CANCELLED,
        consumed_seconds=clock.consumed(at, calendar),
        running_since=None,
        stopped_at=at,
        at_risk_at=None,
        next_alert_at=None,
        breached_at=_breach_by(clock, at),
    )


def reopen(clock: KpiClock, at: datetime, calendar: ClockCalendar, policy: SlaPolicy) -> KpiClock:
    """A stopped clock counts on from where it stopped (a reopened ticket)."""
    if clock.state not in (ClockState.MET, ClockState.BREACHED):
        return clock
    again = replace(clock, state=ClockState.RUNNING, running_since=at, stopped_at=None)
    return _schedule(again, calendar, policy)


def retarget(
    clock: KpiClock,
    target_seconds: int,
    at: datetime,
    old_calendar: ClockCalendar,
    new_calendar: ClockCalendar,
    policy: SlaPolicy,
) -> KpiClock:
    """Keep the business seconds consumed so far; lay the rest on new rules from `at`.

    Thresholds already reached stay reached; any the new target puts behind the clock
    are left for the next tick to report (an upgrade to P1 at 80 % must alert). A breach
    stands only while the consumed time is still over the new target.
    """
    if target_seconds <= 0:
        raise ClockError("an SLA target must be positive")
    consumed = clock.consumed(at, old_calendar)
    running = clock.state == ClockState.RUNNING
    moved = replace(
        clock,
        target_seconds=target_seconds,
        consumed_seconds=consumed,
        running_since=at if running else None,
        breached_at=_breach_by(clock, at) if consumed >= target_seconds else None,
        thresholds_reached=tuple(
            p for p in clock.thresholds_reached if consumed >= threshold_seconds(target_seconds, p)
        ),
    )
    result = _schedule(moved, new_calendar, policy)
    if running and consumed >= target_seconds and result.due_at is not None:
        # Already past the (new) target: the due instant is when it was reached, not the
        # edit — otherwise an overdue clock would look due "now" and its overdue time
        # would start again from every profile or calendar edit.
        past = _reached(clock, target_seconds, old_calendar)
        if past is not None and past < result.due_at:
            at_risk = min(result.at_risk_at or past, past)
            result = replace(result, due_at=past, at_risk_at=at_risk)
    return result


def _reached(clock: KpiClock, target_seconds: int, calendar: ClockCalendar) -> datetime | None:
    """When a running clock's consumed time reached `target_seconds`: on its current
    running stretch if it got there during it; the stored due instant if it got there
    earlier under the same target; else unknown (the history before a pause is events)."""
    if clock.running_since is not None and clock.consumed_seconds < target_seconds:
        return calendar.add(clock.running_since, target_seconds - clock.consumed_seconds)
    if clock.target_seconds == target_seconds:
        return clock.due_at
    return None


@dataclass(frozen=True)
class Crossing:
    """A threshold a running clock passed: percent, and the instant it did."""

    percent: int
    at: datetime
    breach: bool


def cross(
    clock: KpiClock, now: datetime, calendar: ClockCalendar, policy: SlaPolicy
) -> tuple[KpiClock, list[Crossing]]:
    """The thresholds passed by `now` and not yet recorded, and the advanced clock."""
    if clock.state != ClockState.RUNNING or clock.running_since is None or clock.due_at is None:
        return clock, []
    used = clock.consumed(now, calendar)
    crossings: list[Crossing] = []
    reached = list(clock.thresholds_reached)
    for p in policy.below_breach():
        need = threshold_seconds(clock.target_seconds, p)
        if p not in reached and used >= need:
            when = calendar.add(clock.running_since, max(0, need - clock.consumed_seconds))
            crossings.append(Crossing(p, when, breach=False))
            reached.append(p)
    breached_at = clock.breached_at
    if breached_at is None and now > clock.due_at:
        breached_at = clock.due_at + ONE_SECOND
        crossings.append(Crossing(100, breached_at, breach=True))
        if 100 not in reached:
            reached.append(100)
    advanced = replace(clock, thresholds_reached=tuple(sorted(reached)), breached_at=breached_at)
    return _schedule(advanced, calendar, policy), crossings
