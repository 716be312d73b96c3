"""Client escalation contacts: whose call window is open now, and when the next one opens.

Windows are wall-clock hours in the window's own IANA zone (the client's office, not
ours), on the weekdays listed (Mon = 0, the day the window *starts*). An end at or
before the start crosses midnight; "24:00" is the end of the day. Every comparison is
made between UTC instants, because Python compares two datetimes sharing one tzinfo by
wall time, which is wrong across a DST change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# A window that opens at all opens within a week; one more day covers a midnight crossing.
_LOOKAHEAD_DAYS = 8


class WindowError(ValueError):
    """A call window that cannot be read (bad day, time or zone)."""


def _parse_time(text: object) -> tuple[int, int]:
    try:
        hours, minutes = (int(part) for part in str(text).split(":"))
    except ValueError:
        raise WindowError(f"time {text!r} is not HH:MM") from None
    if not (0 <= minutes < 60 and (0 <= hours < 24 or (hours, minutes) == (24, 0))):
        raise WindowError(f"time {text!r} is not HH:MM between 00:00 and 24:00")
    return hours, minutes


@dataclass(frozen=True)
class CallWindow:
    """When a contact takes calls: `start`/`end` as minutes after local midnight."""

    days: frozenset[int]
    start: int
    end: int
    tz: str

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> CallWindow:
        """From the stored JSON: {"days": [0..6], "start": "08:00", "end": "18:00", "tz": …}."""
        days = raw.get("days", [])
        if not isinstance(days, list) or not all(isinstance(d, int) and 0 <= d <= 6
                                                 for d in days):
            raise WindowError(f"days {days!r} must be weekday numbers 0 (Mon) to 6 (Sun)")
        sh, sm = _parse_time(raw.get("start", ""))
        eh, em = _parse_time(raw.get("end", ""))
        tz = str(raw.get("tz") or "UTC")
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise WindowError(f"unknown time zone {tz!r}") from None
        if sh == 24:
            raise WindowError("a window cannot start at 24:00")
        return cls(frozenset(days), sh * 60 + sm, eh * 60 + em, tz)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def _span(self, day: date) -> tuple[datetime, datetime]:
        """The window that starts on local `day`, as UTC instants.

        A wall time skipped by DST resolves with the offset before the change (fold 0)."""
        zone = self.zone
        opens = datetime.combine(day, time(self.start // 60, self.start % 60), tzinfo=zone)
        end_day = day if self.end > self.start else day + timedelta(days=1)
        end_day += timedelta(days=self.end // (24 * 60))  # "24:00" is the next midnight
        end = self.end % (24 * 60)
        closes = datetime.combine(end_day, time(end // 60, end % 60), tzinfo=zone)
        return opens.astimezone(UTC), closes.astimezone(UTC)

    def _spans_from(self, at: datetime, days: int) -> Iterable[tuple[datetime, datetime]]:
        """Windows starting from the local day before `at` on, in time order."""
        first = at.astimezone(self.zone).date() - timedelta(days=1)
        for offset in range(days + 1):
            day = first + timedelta(days=offset)
            if day.weekday() in self.days:
                yield self._span(day)

    def is_open(self, at: datetime) -> bool:
        at = at.astimezone(UTC)
        return any(opens <= at < closes for opens, closes in self._spans_from(at, 1))

    def next_opening(self, at: datetime) -> datetime | None:
        """The first opening after `at`, in the window's zone; None if it never opens."""
        at = at.astimezone(UTC)
        for opens, _closes in self._spans_from(at, _LOOKAHEAD_DAYS):
            if opens > at:
                return opens.astimezone(self.zone)
        return None

    def describe(self, at: datetime) -> str:
        """"Mon–Fri 08:00–18:00 EST" (the zone's short name at `at`)."""
        abbreviation = at.astimezone(self.zone).strftime("%Z")
        return f"{_day_ranges(self.days)} {_hhmm(self.start)}–{_hhmm(self.end)} {abbreviation}"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _day_ranges(days: frozenset[int]) -> str:
    """"Daily", "Mon–Fri", "Mon, Wed, Sat–Sun"."""
    if len(days) == 7:
        return "Daily"
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(
        DAY_NAMES[r[0]] if len(r) == 1 else f"{DAY_NAMES[r[0]]}–{DAY_NAMES[r[-1]]}" for r in runs
    )


def parse_windows(raw: Iterable[Mapping[str, Any]]) -> tuple[CallWindow, ...]:
    """The readable windows of a contact; an unreadable one (edited by hand) never opens
    rather than hiding the whole contact."""
    windows: list[CallWindow] = []
    for item in raw:
        try:
            windows.append(CallWindow.parse(item))
        except (WindowError, AttributeError):
            continue
    return tuple(windows)


class Reachable(Protocol):
    """What `call_now` needs of a contact."""

    @property
    def position(self) -> int: ...

    @property
    def windows(self) -> Sequence[CallWindow]: ...


C = TypeVar("C", bound=Reachable)


def is_reachable(contact: Reachable, at: datetime) -> bool:
    return any(w.is_open(at) for w in contact.windows)


def call_now(contacts: Iterable[C], at: datetime) -> C | None:
    """The first contact by position (then as given) with a window open at `at`."""
    ordered = sorted(enumerate(contacts), key=lambda pair: (pair[1].position, pair[0]))
    return next((c for _, c in ordered if is_reachable(c, at)), None)


def next_window(contact: Reachable, at: datetime) -> datetime | None:
    """When the contact's next window opens (in that window's zone); None if never."""
    openings = [o for o in (w.next_opening(at) for w in contact.windows) if o is not None]
    return min(openings, key=lambda o: o.astimezone(UTC)) if openings else None
