"""SLA target specs: how long a window is, in business seconds of a calendar.

A target is written the way contracts say it:
- ``"30m"``, ``"90m"``: business minutes; ``"4h"``, ``"1.5h"``: business hours;
- ``"2bd"``: N business days, each as long as the profile's business day (by default
  the calendar's longest weekday: a 08:00-18:00 calendar makes "2bd" 20 business hours;
  on a 24/7 calendar it is 48 h);
- ``"nbd"``: next business day, i.e. until the close of the next business day after
  the day the clock starts. This one depends on *when* the clock starts, so it is
  turned into business seconds once, at clock start, and stored; pauses and priority
  changes then treat it like any other amount of business time.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

_SPEC = re.compile(r"^\s*(?:(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>m|h|bd)|(?P<nbd>nbd))\s*$", re.I)


class TargetError(ValueError):
    """A target spec that cannot be understood; the message shows the accepted forms."""


class TargetCalendar(Protocol):
    """What target arithmetic needs from a business calendar."""

    def elapsed(self, start: datetime, end: datetime) -> int: ...

    def business_day_seconds(self) -> int: ...

    def end_of_next_business_day(self, at: datetime) -> datetime: ...


@dataclass(frozen=True)
class Target:
    """A parsed spec: a fixed amount of business seconds, or "next business day"."""

    spec: str
    seconds: int | None = None  # fixed business seconds (m, h)
    business_days: float | None = None  # N business days
    next_business_day: bool = False

    def resolve(
        self, calendar: TargetCalendar, start: datetime, business_day_seconds: int | None = None
    ) -> int:
        """Business seconds of this target for a clock starting at `start`."""
        if self.seconds is not None:
            return self.seconds
        if self.business_days is not None:
            day = business_day_seconds or calendar.business_day_seconds()
            return math.ceil(self.business_days * day)
        return calendar.elapsed(start, calendar.end_of_next_business_day(start))

    def describe(self) -> str:
        if self.next_business_day:
            return "next business day"
        if self.business_days is not None:
            n = self.business_days
            return f"{n:g} business day{'s' if n != 1 else ''}"
        assert self.seconds is not None
        minutes = self.seconds // 60
        if minutes % 60 == 0:
            return f"{minutes // 60} h"
        return f"{minutes} min"


def parse_target(spec: str) -> Target:
    match = _SPEC.match(spec or "")
    if match is None:
        raise TargetError(
            f"cannot read SLA target {spec!r}: use minutes (30m), hours (4h), "
            "business days (2bd) or next business day (nbd)"
        )
    if match.group("nbd"):
        return Target(spec=spec.strip().lower(), next_business_day=True)
    number = float(match.group("num"))
    unit = match.group("unit").lower()
    if number <= 0:
        raise TargetError(f"SLA target {spec!r} must be longer than zero")
    if unit == "bd":
        return Target(spec=spec.strip().lower(), business_days=number)
    seconds = number * (60 if unit == "m" else 3600)
    if seconds != int(seconds):
        raise TargetError(f"SLA target {spec!r} is not a whole number of seconds")
    return Target(spec=spec.strip().lower(), seconds=int(seconds))
