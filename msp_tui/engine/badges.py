"""A ticket's SLA badge and countdown, from its clocks' stored instants only.

No calendar math here: screens repaint countdowns every second for thousands of rows,
so the badge compares "now" against the due and at-risk instants the engine stored at
the last transition.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from msp_tui.engine.vocabulary import ClockState


class Badge(StrEnum):
    BREACHED = "Breached"
    AT_RISK = "At Risk"
    ON_TRACK = "On Track"
    PAUSED = "Paused"
    MET = "Met"
    NO_SLA = "No SLA"


class ClockInstants(Protocol):
    @property
    def state(self) -> str: ...

    @property
    def due_at(self) -> datetime | None: ...

    @property
    def at_risk_at(self) -> datetime | None: ...

    @property
    def breached_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class BadgeResult:
    badge: Badge
    due_at: datetime | None  # nearest due instant of a running clock
    remaining: timedelta | None  # wall-clock time to it; negative when overdue


def badge_for(clocks: Iterable[ClockInstants], now: datetime) -> BadgeResult:
    """Breached > At Risk > On Track > Paused > Met > No SLA (see the SLA model)."""
    running_due: list[datetime] = []
    breached = at_risk = running = paused = False
    counted = 0
    for c in clocks:
        if c.state == ClockState.CANCELLED:
            continue
        counted += 1
        if c.state == ClockState.RUNNING:
            running = True
            if c.due_at is not None:
                running_due.append(c.due_at)
                if now > c.due_at:
                    breached = True
            if c.breached_at is not None:
                breached = True
            if c.at_risk_at is not None and now >= c.at_risk_at:
                at_risk = True
        elif c.state == ClockState.PAUSED:
            paused = True
            if c.breached_at is not None:
                breached = True
        elif c.state == ClockState.BREACHED:
            breached = True
    due = min(running_due) if running_due else None
    remaining = due - now if due is not None else None
    if counted == 0:
        return BadgeResult(Badge.NO_SLA, None, None)
    if breached:
        kind = Badge.BREACHED
    elif at_risk:
        kind = Badge.AT_RISK
    elif running:
        kind = Badge.ON_TRACK
    elif paused:
        kind = Badge.PAUSED
    else:
        kind = Badge.MET
    return BadgeResult(kind, due, remaining)


def format_countdown(remaining: timedelta | None) -> str:
    """Compact, sign-aware: "42m", "3h05m", "2d04h", "-15m" (overdue)."""
    if remaining is None:
        return ""
    seconds = int(remaining.total_seconds())
    sign = "-" if seconds < 0 else ""
    # Overdue rounds away from zero, so a breach is never shown as "-0m".
    seconds = -(seconds // 60) * 60 if seconds < 0 else seconds
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{sign}{days}d{hours:02d}h"
    if hours:
        return f"{sign}{hours}h{minutes:02d}m"
    return f"{sign}{minutes}m"
