"""Business calendars: how many *business* seconds lie between two instants.

SLA clocks only run while the desk is open, so every deadline and every "time used" figure
goes through :class:`BusinessCalendar`. The rules, all deliberate:

- Opening hours are wall-clock times in one IANA zone, given per weekday (Monday=0 …
  Sunday=6) as half-open windows ``[open, close)``; a day may have several windows.
  ``"24:00"`` is accepted as a closing time (end of the day). A window whose close is at
  or before its open runs past midnight into the next day, so ``("22:00", "06:00")`` is
  8 h overnight and ``("00:00", "00:00")`` or ``("09:00", "09:00")`` is a full 24 h.
- A window belongs to the date it *starts* on: only a holiday on that date closes it
  (Thu 22:00-Fri 06:00 stays open on a Friday holiday; Fri 22:00-Sat 06:00 does not).
- DST rule: a wall-clock boundary maps to the *first instant whose local wall clock reads
  that time or later*. In a spring-forward gap that is the instant the gap ends (the
  transition itself); in a repeated fall-back hour it is the first occurrence (fold=0).
  Hence 01:00-03:00 is 1 real hour on a US spring-forward night and 3 on a fall-back
  night, a 09:00-17:00 day stays 8 h, and a 24/7 calendar counts real seconds (23 h and
  25 h days). Windows that touch (Mon 00:00-24:00 then Tue 00:00-24:00, or an overnight
  window ending where the next one starts) merge: there is no closed instant between.
- Second precision: inputs are truncated to whole seconds (microseconds dropped) before
  anything is counted, so ``elapsed`` and ``add`` agree exactly. Results are aware UTC
  datetimes at whole seconds, except that ``add(s, 0)`` and ``next_open(s)`` on an open
  ``s`` return ``s`` itself (in UTC), since ``s`` is the earliest qualifying instant.
- Naive datetimes are rejected (``CalendarError``, a ``ValueError``): guessing a zone
  would silently shift deadlines by hours.

Speed: queries hit a lazily built table of merged open intervals (UTC epoch seconds) with
cumulative business seconds, grown in 64-day chunks in either direction, so ``add`` and
``elapsed`` are a couple of bisections. Growing swaps in a new table object, so a reader
on another thread always sees a consistent snapshot.
"""

from __future__ import annotations

import operator
import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_pkg

__all__ = ["BusinessCalendar", "CalendarError"]

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_MIN = 1440
_WEEK_MIN = 7 * _DAY_MIN
_CHUNK_DAYS = 64
# Give up looking for business time after this long: a finite search beats a hang when
# explicit holidays happen to cover every open day.
_HORIZON_YEARS = 20
_HORIZON_SECONDS = _HORIZON_YEARS * 366 * 86400
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_NAIVE = datetime(1970, 1, 1)
_SECOND = timedelta(seconds=1)
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")

WeeklyHours = Mapping[int, Sequence[tuple[str, str]]]


class CalendarError(ValueError):
    """A calendar that cannot be built or a question it cannot answer."""


def _epoch(dt: datetime) -> int:
    """Whole UTC epoch seconds of an aware datetime (truncated toward the past)."""
    if not isinstance(dt, datetime):
        raise TypeError(f"expected a datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise CalendarError(
            f"naive datetime {dt.isoformat()} has no time zone; pass an aware datetime "
            "(e.g. with tzinfo=datetime.UTC)"
        )
    return (dt - _EPOCH) // _SECOND


def _utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _parse_hhmm(text: object, *, closing: bool) -> int:
    """Minutes after midnight of an "HH:MM" string; "24:00" only as a closing time."""
    match = _HHMM.match(text) if isinstance(text, str) else None
    if match is None:
        raise CalendarError(f"bad time {text!r}: expected 'HH:MM' (00:00-23:59, or 24:00)")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes != 0):
        raise CalendarError(f"bad time {text!r}: expected 'HH:MM' (00:00-23:59, or 24:00)")
    if hours == 24 and not closing:
        raise CalendarError(f"bad time {text!r}: 24:00 can only close a window")
    return hours * 60 + minutes


def _fmt_min(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _normalise_weekly(weekly: WeeklyHours) -> tuple[tuple[int, int, int], ...]:
    """Validate weekly hours into sorted ``(weekday, open_minute, length_minutes)``."""
    if not isinstance(weekly, Mapping):
        raise CalendarError("weekly hours must be a mapping of weekday (0=Monday) to windows")
    windows: list[tuple[int, int, int]] = []
    for key, spans in weekly.items():
        # JSON round-trips turn weekday keys into "0".."6": accept those too.
        day = int(key) if isinstance(key, str) and key.isdecimal() else key
        if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
            raise CalendarError(f"bad weekday {key!r}: use 0 (Monday) … 6 (Sunday)")
        if isinstance(spans, tuple) and len(spans) == 2 and all(isinstance(x, str) for x in spans):
            spans = [spans]  # a single ("09:00", "17:00") pair
        for span in spans:
            if not isinstance(span, Sequence) or isinstance(span, str) or len(span) != 2:
                raise CalendarError(
                    f"bad window {span!r} on {_DAY_NAMES[day]}: expected ('HH:MM', 'HH:MM')"
                )
            opens = _parse_hhmm(span[0], closing=False)
            closes = _parse_hhmm(span[1], closing=True)
            # close <= open crosses midnight: ("22:00", "06:00") and ("09:00", "09:00").
            length = closes - opens if closes > opens else closes + _DAY_MIN - opens
            windows.append((day, opens, length))
    windows.sort()
    # Overlap check on the circular week, so Sunday night runs into Monday morning.
    for i, (day, opens, length) in enumerate(windows):
        start = day * _DAY_MIN + opens
        nday, nopens, nlength = windows[(i + 1) % len(windows)]
        nstart = nday * _DAY_MIN + nopens + (_WEEK_MIN if i + 1 == len(windows) else 0)
        if len(windows) > 1 and start + length > nstart:
            raise CalendarError(
                "overlapping windows: "
                f"{_describe_window(day, opens, length)} and "
                f"{_describe_window(nday, nopens, nlength)}"
            )
    return tuple(windows)


def _describe_window(day: int, opens: int, length: int) -> str:
    closes = opens + length
    close = "24:00" if closes == _DAY_MIN else _fmt_min(closes % _DAY_MIN)
    return f"{_DAY_NAMES[day]} {_fmt_min(opens)}-{close}"


def _normalise_holidays(days: Iterable[date | str]) -> frozenset[date]:
    out: set[date] = set()
    for day in days:
        if isinstance(day, str):
            try:
                day = date.fromisoformat(day)
            except ValueError:
                raise CalendarError(f"bad holiday {day!r}: expected YYYY-MM-DD") from None
        if isinstance(day, datetime) or not isinstance(day, date):
            raise CalendarError(f"bad holiday {day!r}: expected a date (a whole local day)")
        out.add(day)
    return frozenset(out)


class _Table:
    """Immutable snapshot: merged open intervals for local dates ``[d0, d1)``.

    ``cum[i]`` is the business seconds before interval ``i`` (relative to an arbitrary
    baseline ``base`` before the first one); only differences are meaningful. The table
    answers exactly for instants in ``[lo, hi)``.
    """

    __slots__ = ("base", "cum", "cum_end", "d0", "d1", "ends", "hi", "lo", "starts")

    def __init__(
        self,
        d0: int,
        d1: int,
        lo: int,
        hi: int,
        starts: list[int],
        ends: list[int],
        cum: list[int],
        cum_end: list[int],
        base: int,
    ) -> None:
        self.d0, self.d1, self.lo, self.hi = d0, d1, lo, hi
        self.starts, self.ends, self.cum, self.cum_end, self.base = starts, ends, cum, cum_end, base

    def total(self) -> int:
        return self.cum_end[-1] if self.cum_end else self.base

    def cum_at(self, t: int) -> int:
        """Business seconds before instant ``t`` (``lo <= t <= hi``), relative to base."""
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return self.base
        end = self.ends[i]
        return self.cum[i] + (t if t < end else end) - self.starts[i]


class BusinessCalendar:
    """Weekly opening hours in one zone, minus holidays; see the module docstring."""

    def __init__(
        self,
        tz: str | ZoneInfo = "UTC",
        weekly: WeeklyHours | None = None,
        holidays: Iterable[date | str] = (),
        *,
        country: str | None = None,
        subdivision: str | None = None,
    ) -> None:
        """Build a calendar; ``weekly=None`` means Monday-Friday 09:00-17:00."""
        self._zone = _zone(tz)
        if weekly is None:
            weekly = {day: [("09:00", "17:00")] for day in range(5)}
        self._windows = _normalise_weekly(weekly)
        self._holidays = _normalise_holidays(holidays)
        self._country = country
        self._subdivision = subdivision
        self._country_years: dict[int, frozenset[date]] = {}
        if subdivision is not None and country is None:
            raise CalendarError(f"subdivision {subdivision!r} given without a country")
        if country is not None:
            try:  # validates the codes now; years are filled in lazily by _is_holiday
                holidays_pkg.country_holidays(country, subdiv=subdivision)
            except NotImplementedError as exc:
                raise CalendarError(f"unknown holiday country/subdivision: {exc}") from None
        self._by_day: tuple[tuple[tuple[int, int], ...], ...] = tuple(
            tuple((o, o + n) for d, o, n in self._windows if d == day) for day in range(7)
        )
        covered = sum(n for _, _, n in self._windows)
        self._empty = not self._windows
        # Every minute of the week open and nothing ever closed: count real seconds.
        self._always = covered == _WEEK_MIN and not self._holidays and country is None
        self._table: _Table | None = None
        self._lock = threading.Lock()

    @classmethod
    def always_open(cls, tz: str | ZoneInfo = "UTC") -> BusinessCalendar:
        """A 24/7 calendar: business seconds are real seconds."""
        return cls(tz=tz, weekly={day: [("00:00", "24:00")] for day in range(7)})

    # -- identity ---------------------------------------------------------------------

    @property
    def tz(self) -> str:
        """The IANA zone name, as passed in."""
        return self._zone.key

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    @property
    def weekly(self) -> dict[int, list[tuple[str, str]]]:
        """Normalised weekly hours, in the constructor's form (for storing and display)."""
        weekly: dict[int, list[tuple[str, str]]] = {}
        for day, opens, length in self._windows:
            closes = opens + length
            close = "24:00" if closes == _DAY_MIN else _fmt_min(closes % _DAY_MIN)
            weekly.setdefault(day, []).append((_fmt_min(opens), close))
        return weekly

    @property
    def holidays(self) -> frozenset[date]:
        """The explicit holiday dates (country holidays are looked up, not listed)."""
        return self._holidays

    @property
    def country(self) -> str | None:
        return self._country

    @property
    def subdivision(self) -> str | None:
        return self._subdivision

    def _key(self) -> tuple[object, ...]:
        return (
            self._zone.key,
            self._windows,
            tuple(sorted(self._holidays)),
            self._country,
            self._subdivision,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BusinessCalendar):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        weekly = self.weekly
        extra = ""
        if self._country is not None:
            extra += f", country={self._country!r}"
        if self._subdivision is not None:
            extra += f", subdivision={self._subdivision!r}"
        days = [d.isoformat() for d in sorted(self._holidays)]
        return (
            f"BusinessCalendar(tz={self._zone.key!r}, weekly={weekly!r}, holidays={days!r}{extra})"
        )

    def describe(self) -> str:
        """One stable human line, e.g. for settings screens and logs."""
        if self._always:
            return f"24/7 ({self._zone.key})"
        if self._empty:
            return f"never open ({self._zone.key})"
        parts = [", ".join(_describe_window(*w) for w in self._windows)]
        if self._holidays:
            parts.append(f"{len(self._holidays)} holiday date(s)")
        if self._country is not None:
            region = self._country + (f"-{self._subdivision}" if self._subdivision else "")
            parts.append(f"{region} public holidays")
        return f"{self._zone.key}: " + "; ".join(parts)

    # -- queries ----------------------------------------------------------------------

    def elapsed(self, start: datetime, end: datetime) -> int:
        """Business seconds in ``[start, end)``; 0 when ``end <= start``."""
        s, e = _epoch(start), _epoch(end)
        if e <= s or self._empty:
            return 0
        if self._always:
            return e - s
        table = self._table
        if table is None or s < table.lo or e >= table.hi:
            table = self._cover(s, e)
        return table.cum_at(e) - table.cum_at(s)

    def add(self, start: datetime, seconds: int) -> datetime:
        """Earliest instant ``t >= start`` with ``elapsed(start, t) == seconds``.

        A deadline that uses up a day's last business second is that day's close.
        """
        s = _epoch(start)
        n = operator.index(seconds)
        if n <= 0:
            if n == 0:
                return start.astimezone(UTC)
            raise CalendarError(f"cannot add a negative amount of business time ({n} s)")
        if self._always:
            return _utc(s + n)
        if self._empty:
            raise CalendarError("calendar has no business hours")
        table = self._table
        if table is None or s < table.lo or s >= table.hi:
            table = self._cover(s, s)
        target = table.cum_at(s) + n
        if table.total() < target:
            table = self._reach(target, s)
        j = bisect_left(table.cum_end, target)
        return _utc(table.starts[j] + target - table.cum[j])

    def is_open(self, at: datetime) -> bool:
        """Whether business time runs at ``at`` (open at opening, closed at closing)."""
        t = _epoch(at)
        if self._always:
            return True
        if self._empty:
            return False
        table = self._cover(t, t)
        i = bisect_right(table.starts, t) - 1
        return i >= 0 and t < table.ends[i]

    def next_open(self, at: datetime) -> datetime:
        """``at`` itself (in UTC) when open, else the next opening instant."""
        t = _epoch(at)
        if self._always:
            return at.astimezone(UTC)
        if self._empty:
            raise CalendarError("calendar has no business hours")
        table = self._cover(t, t)
        while True:
            i = bisect_right(table.starts, t) - 1
            if i >= 0 and t < table.ends[i]:
                return at.astimezone(UTC)
            if i + 1 < len(table.starts):
                return _utc(table.starts[i + 1])
            if table.hi - max(t, table.ends[-1] if table.ends else t) > _HORIZON_SECONDS:
                raise CalendarError(f"no business hours within {_HORIZON_YEARS} years")
            table = self._grow_forward()

    def open_intervals(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """Open periods within ``[start, end)`` as UTC pairs, clipped and merged."""
        s, e = _epoch(start), _epoch(end)
        if e <= s or self._empty:
            return []
        if self._always:
            return [(_utc(s), _utc(e))]
        table = self._cover(s, e)
        i = max(bisect_right(table.starts, s) - 1, 0)
        out: list[tuple[datetime, datetime]] = []
        while i < len(table.starts) and table.starts[i] < e:
            lo, hi = max(table.starts[i], s), min(table.ends[i], e)
            if lo < hi:
                out.append((_utc(lo), _utc(hi)))
            i += 1
        return out

    def business_day_seconds(self, weekday: int | None = None) -> int:
        """Nominal open seconds of ``weekday``, or of the longest weekday when None.

        This is what "N business days" targets multiply; DST does not change it.
        """
        if weekday is None:
            return max(self._day_seconds(day) for day in range(7))
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise CalendarError(f"bad weekday {weekday!r}: use 0 (Monday) … 6 (Sunday)")
        return self._day_seconds(weekday)

    def end_of_next_business_day(self, at: datetime) -> datetime:
        """Close of the last window of the first open, non-holiday date after ``at``'s date.

        Dates are local to the calendar's zone; "next business day" targets end here.
        """
        _epoch(at)  # validates
        day = at.astimezone(self._zone).date().toordinal()
        for ordinal in range(day + 1, day + 1 + _HORIZON_YEARS * 366):
            windows = self._by_day[(ordinal - 1) % 7]
            if windows and not self._is_holiday(ordinal):
                return _utc(self._local_epoch(ordinal, windows[-1][1]))
        raise CalendarError(f"no business day within {_HORIZON_YEARS} years")

    def is_holiday(self, day: date) -> bool:
        """Whether a local date is closed as a holiday (explicit or from the country)."""
        return self._is_holiday(day.toordinal())

    # -- internals --------------------------------------------------------------------

    def _day_seconds(self, weekday: int) -> int:
        return sum(close - opens for opens, close in self._by_day[weekday]) * 60

    def _is_holiday(self, ordinal: int) -> bool:
        day = date.fromordinal(ordinal)
        if day in self._holidays:
            return True
        if self._country is None:
            return False
        year = self._country_years.get(day.year)
        if year is None:
            found = holidays_pkg.country_holidays(
                self._country, subdiv=self._subdivision, years=day.year
            )
            year = frozenset(d for d in found if d.year == day.year)
            self._country_years[day.year] = year
        return day in year

    def _local_epoch(self, ordinal: int, minute: int) -> int:
        """UTC epoch of local wall time ``minute`` after midnight of a date (DST rule)."""
        naive = datetime.fromordinal(ordinal) + timedelta(minutes=minute)
        local = naive.replace(tzinfo=self._zone)
        before = local.utcoffset()
        after = local.replace(fold=1).utcoffset()
        assert before is not None and after is not None
        wall = (naive - _EPOCH_NAIVE) // _SECOND
        if after <= before:  # unambiguous, or a repeated hour: fold=0 is the first occurrence
            return wall - before // _SECOND
        # Spring-forward gap: the first instant at or after this wall time is the
        # transition. Search it between the two candidate readings.
        lo, hi = wall - after // _SECOND, wall - before // _SECOND  # lo before, hi after
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if datetime.fromtimestamp(mid, self._zone).utcoffset() == before:
                lo = mid
            else:
                hi = mid
        return hi

    def _intervals(self, d0: int, d1: int) -> list[tuple[int, int]]:
        """Merged UTC intervals of windows starting on local dates ``[d0, d1)``."""
        out: list[tuple[int, int]] = []
        for ordinal in range(d0, d1):
            windows = self._by_day[(ordinal - 1) % 7]
            if not windows or self._is_holiday(ordinal):
                continue
            for opens, closes in windows:
                s = self._local_epoch(ordinal, opens)
                e = self._local_epoch(ordinal, closes)
                if e <= s:  # swallowed by a DST gap
                    continue
                if out and out[-1][1] >= s:
                    out[-1] = (out[-1][0], e)
                else:
                    out.append((s, e))
        return out

    def _bounds(self, d0: int, d1: int) -> tuple[int, int]:
        # Windows last at most a wall-clock day, so windows of dates before d0 end by
        # d0+1 00:00, and windows of dates from d1 on start at d1 00:00 or later.
        return self._local_epoch(d0 + 1, 0), self._local_epoch(d1, 0)

    def _cover(self, s: int, e: int) -> _Table:
        """A table answering exactly for every instant in ``[s, e]``."""
        table = self._table
        if table is not None and table.lo <= s and e < table.hi:
            return table
        with self._lock:
            table = self._table
            if table is None:
                day = datetime.fromtimestamp(s, self._zone).toordinal() - 1
                d0 = day - day % _CHUNK_DAYS
                lo, hi = self._bounds(d0, d0)
                table = _Table(d0, d0, lo, hi, [], [], [], [], 0)
                self._table = table
            while s < table.lo:
                table = self._extend(table, forward=False)
            while e >= table.hi:
                table = self._extend(table, forward=True)
            return table

    def _grow_forward(self) -> _Table:
        with self._lock:
            assert self._table is not None
            return self._extend(self._table, forward=True)

    def _reach(self, target: int, s: int) -> _Table:
        """Grow forward until the cumulative total reaches ``target``."""
        with self._lock:
            table = self._table
            assert table is not None
            while table.total() < target:
                last = table.ends[-1] if table.ends else s
                if table.hi - max(last, s) > _HORIZON_SECONDS:
                    raise CalendarError(
                        f"no business hours within {_HORIZON_YEARS} years after "
                        f"{_utc(max(last, s)).isoformat()}"
                    )
                table = self._extend(table, forward=True)
            return table

    def _extend(self, table: _Table, *, forward: bool) -> _Table:
        """Add one chunk of dates on one side; the caller holds the lock."""
        starts, ends = list(table.starts), list(table.ends)
        cum, cum_end = list(table.cum), list(table.cum_end)
        base = table.base
        if forward:
            d0, d1 = table.d0, table.d1 + _CHUNK_DAYS
            new = self._intervals(table.d1, d1)
            if new and ends and ends[-1] == new[0][0]:
                first = new.pop(0)
                cum_end[-1] += first[1] - ends[-1]
                ends[-1] = first[1]
            running = cum_end[-1] if cum_end else base
            for s, e in new:
                starts.append(s)
                ends.append(e)
                cum.append(running)
                running += e - s
                cum_end.append(running)
        else:
            d0, d1 = table.d0 - _CHUNK_DAYS, table.d1
            new = self._intervals(d0, table.d0)
            if new and starts and new[-1][1] == starts[0]:
                last = new.pop()
                cum[0] -= starts[0] - last[0]
                starts[0] = last[0]
            running = cum[0] if cum else base
            head_starts: list[int] = []
            head_ends: list[int] = []
            head_cum: list[int] = []
            head_cum_end: list[int] = []
            for s, e in reversed(new):
                head_starts.append(s)
                head_ends.append(e)
                head_cum_end.append(running)
                running -= e - s
                head_cum.append(running)
            starts = head_starts[::-1] + starts
            ends = head_ends[::-1] + ends
            cum = head_cum[::-1] + cum
            cum_end = head_cum_end[::-1] + cum_end
            base = running
        lo, hi = self._bounds(d0, d1)
        table = _Table(d0, d1, lo, hi, starts, ends, cum, cum_end, base)
        self._table = table
        return table


def _zone(tz: str | ZoneInfo) -> ZoneInfo:
    if isinstance(tz, ZoneInfo):
        if tz.key is None:  # ZoneInfo.from_file(): no name to store, compare or show
            raise CalendarError("time zone has no IANA name; use ZoneInfo('Area/City')")
        return tz
    if not isinstance(tz, str) or not tz:
        raise CalendarError(f"bad time zone {tz!r}: expected an IANA name like 'Europe/London'")
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise CalendarError(
            f"unknown time zone {tz!r}: expected an IANA name like 'Europe/London'"
        ) from None
