"""The business-calendar form as an admin types it, checked all at once, and its timeline.

An admin edits weekly hours as text ("09:00-12:00, 13:00-17:30", "22:00-06:00" for an
overnight window) and explicit holidays one per line ("2026-12-24 Christmas Eve").
`check_form` reports EVERY problem in one go (a form that fails one error at a time is a
guessing game), naming the day and the windows involved, and suggests the zone or country
the admin probably meant. `timeline` shows what the calendar means for the next days, per
local day, so DST nights and holidays are visible before saving.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import holidays as holidays_pkg

from msp_tui.engine.business_hours import BusinessCalendar

__all__ = [
    "DAY_NAMES",
    "CalendarForm",
    "CalendarFormError",
    "CalendarSpec",
    "TimelineDay",
    "check_form",
    "format_windows",
    "hours_summary",
    "parse_holiday_lines",
    "timeline",
    "zone_problem",
]

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_SHORT = tuple(d[:3] for d in DAY_NAMES)
_DAY = 1440
_NAME_MAX = 100
_HOLIDAY_NAME_MAX = 100
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
# "09:00-17:00", with an en dash, an em dash or "to" as well (people paste these).
_RANGE = re.compile(r"^\s*(\S+?)\s*(?:-|–|—|\bto\b)\s*(\S+)\s*$")
_HOLIDAY_LINE = re.compile(r"^\s*(\S+)\s*(.*?)\s*$")

Window = tuple[str, str]


class CalendarFormError(ValueError):
    """A form with problems; `problems` lists each one (the message joins them)."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class CalendarForm:
    """A calendar as the settings form holds it: text, exactly as typed.

    `days` has seven entries, Monday first, each a comma-separated list of windows.
    """

    name: str
    tz: str
    always_open: bool = False
    days: tuple[str, ...] = ("",) * 7
    country: str = ""
    subdivision: str = ""
    holidays: str = ""


@dataclass(frozen=True)
class CalendarSpec:
    """A checked form: what gets stored (weekly empty for a 24/7 calendar)."""

    name: str
    tz: str
    always_open: bool
    weekly: Mapping[int, tuple[Window, ...]]
    country: str | None
    subdivision: str | None
    holidays: tuple[tuple[date, str], ...] = ()

    def calendar(self) -> BusinessCalendar:
        """The engine calendar this spec describes (24/7 means whole days, so the
        holidays still close it)."""
        weekly = (
            {d: [("00:00", "24:00")] for d in range(7)}
            if self.always_open
            else {d: list(w) for d, w in self.weekly.items()}
        )
        return BusinessCalendar(
            tz=self.tz,
            weekly=weekly,
            holidays=[d for d, _ in self.holidays],
            country=self.country,
            subdivision=self.subdivision,
        )


# ---------------------------------------------------------------- checking


def check_form(form: CalendarForm) -> CalendarSpec:
    """Validate a whole form; raise `CalendarFormError` listing every problem."""
    problems: list[str] = []
    name = form.name.strip()
    if not name:
        problems.append("The calendar needs a name")
    elif len(name) > _NAME_MAX:
        problems.append(f"The name is {len(name)} characters long; {_NAME_MAX} at most")
    tz = form.tz.strip()
    problems += _zone_problems(tz)
    weekly: dict[int, tuple[Window, ...]] = {}
    if not form.always_open:
        if len(form.days) != 7:
            problems.append("Weekly hours need seven days, Monday to Sunday")
        minutes: dict[int, list[tuple[int, int]]] = {}
        typed = False  # some text, even if unreadable: "no hours" would mislead then
        for day, text in enumerate(form.days[:7]):
            spans, day_problems = _parse_day(DAY_NAMES[day], text)
            problems += day_problems
            typed = typed or bool(day_problems)
            if spans:
                minutes[day] = spans
                weekly[day] = tuple((_hhmm(o), _hhmm(c, closing=True)) for o, c in spans)
        problems += _overlaps(minutes)
        if not weekly and not typed:
            problems.append(
                "No opening hours: give at least one day's windows, or switch 24/7 on"
            )
    country, subdivision, region_problems = _region(form.country, form.subdivision)
    problems += region_problems
    days, holiday_problems = parse_holiday_lines(form.holidays)
    problems += holiday_problems
    if problems:
        raise CalendarFormError(problems)
    return CalendarSpec(
        name=name,
        tz=tz,
        always_open=form.always_open,
        weekly=weekly,
        country=country,
        subdivision=subdivision,
        holidays=days,
    )


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def zone_problem(tz: str) -> str | None:
    """Why `tz` is not a usable IANA zone (with close matches), or None: the form checks
    the zone as it is typed."""
    tz = tz.strip()
    if not tz:
        return "The time zone is missing: give an IANA name like America/New_York"
    if tz in _zones():
        return None
    try:  # a few valid keys (e.g. "UTC" on some systems) are not in the listing
        ZoneInfo(tz)
        return None
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    return f"Unknown time zone {tz!r}{_did_you_mean(tz, _zones())}"


def _zone_problems(tz: str) -> list[str]:
    problem = zone_problem(tz)
    return [problem] if problem else []


def _did_you_mean(text: str, known: Iterable[str]) -> str:
    """" (did you mean Europe/Paris?)" from a case-insensitive close match, or ""."""
    by_lower: dict[str, str] = {}
    for k in sorted(known):
        by_lower.setdefault(k.lower(), k)
    exact = by_lower.get(text.lower())
    if exact is not None:
        return f" (did you mean {exact}?)"
    close = difflib.get_close_matches(text.lower(), by_lower, n=3, cutoff=0.6)
    if not close:
        return ""
    # Only the near-best: "Europe/Paris", not also "Europe/Warsaw" that merely scores 0.6.
    best = _ratio(text, close[0])
    close = [c for c in close if _ratio(text, c) >= best - 0.1]
    return f" (did you mean {' or '.join(by_lower[c] for c in close)}?)"


def _ratio(text: str, candidate: str) -> float:
    return difflib.SequenceMatcher(None, text.lower(), candidate).ratio()


def _parse_day(day: str, text: str) -> tuple[list[tuple[int, int]], list[str]]:
    """Windows of one day as (open, close) minutes; close > 1440 runs past midnight."""
    spans: list[tuple[int, int]] = []
    problems: list[str] = []
    for part in (p.strip() for p in re.split(r"[,;]", text)):
        if not part:
            continue
        match = _RANGE.match(part)
        opens = _minutes(match.group(1), closing=False) if match else None
        closes = _minutes(match.group(2), closing=True) if match else None
        if match is None or (opens is None and closes is None):
            problems.append(f"{day}: {part!r} is not a window like 09:00-17:00")
            continue
        bad = [
            f"{day}: {raw!r} is not a time (HH:MM from 00:00 to 23:59{tail})"
            for raw, value, tail in (
                (match.group(1), opens, ""),
                (match.group(2), closes, ", or 24:00 to close"),
            )
            if value is None
        ]
        if bad:
            problems += bad
            continue
        assert opens is not None and closes is not None
        # close <= open runs past midnight: 22:00-06:00, and 09:00-09:00 is a full day.
        spans.append((opens, closes if closes > opens else closes + _DAY))
    return spans, problems


def _minutes(text: str, *, closing: bool) -> int | None:
    match = _TIME.match(text)
    if match is None:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not closing)):
        return None
    return hours * 60 + minutes


def _hhmm(minute: int, *, closing: bool = False) -> str:
    if closing and minute == _DAY:
        return "24:00"
    minute %= _DAY
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _span_text(opens: int, closes: int) -> str:
    return f"{_hhmm(opens)}–{_hhmm(closes, closing=True)}"


def _overlaps(minutes: Mapping[int, Sequence[tuple[int, int]]]) -> list[str]:
    """Windows of a day that overlap each other, and overnight windows that run into the
    next day's first hours (Sunday night runs into Monday)."""
    problems: list[str] = []
    for day in range(7):
        spans = minutes.get(day, ())
        for j, (oj, cj) in enumerate(spans):
            for oi, ci in spans[:j]:
                if oj < ci and oi < cj:
                    problems.append(
                        f"{DAY_NAMES[day]}: {_span_text(oj, cj)} overlaps {_span_text(oi, ci)}"
                    )
        nxt = (day + 1) % 7
        for o, c in spans:
            if c <= _DAY:
                continue
            for no, nc in minutes.get(nxt, ()):
                if no < c - _DAY:
                    problems.append(
                        f"{DAY_NAMES[day]}: {_span_text(o, c)} runs past midnight into "
                        f"{DAY_NAMES[nxt]}'s {_span_text(no, nc)}"
                    )
    return problems


@cache
def _countries() -> Mapping[str, tuple[str, ...]]:
    return {k: tuple(v) for k, v in holidays_pkg.list_supported_countries().items()}


def _region(country: str, subdivision: str) -> tuple[str | None, str | None, list[str]]:
    code = country.strip().upper() or None
    sub = subdivision.strip().upper() or None
    if code is None:
        if sub is not None:
            return None, None, [f"Holiday subdivision {sub} needs a country"]
        return None, None, []
    countries = _countries()
    if code not in countries:
        hint = _did_you_mean(code, countries)
        return None, None, [f"Unknown holiday country {code!r}{hint}; use an ISO code like US"]
    if sub is None:
        return code, None, []
    subs = countries[code]
    if sub not in subs:
        if not subs:
            return None, None, [f"Holiday country {code} has no subdivisions; leave it empty"]
        sample = ", ".join(subs[:8]) + (", …" if len(subs) > 8 else "")
        return None, None, [
            f"Unknown subdivision {sub!r} of {code}{_did_you_mean(sub, subs)}; known: {sample}"
        ]
    return code, sub, []


def parse_holiday_lines(text: str) -> tuple[tuple[tuple[date, str], ...], list[str]]:
    """Explicit holidays, one per line "YYYY-MM-DD name", sorted; problems name the line."""
    seen: dict[date, int] = {}
    out: list[tuple[date, str]] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _HOLIDAY_LINE.match(line)
        assert match is not None
        raw, name = match.group(1), match.group(2)
        try:
            day = date.fromisoformat(raw) if len(raw) == 10 else None
        except ValueError:
            day = None
        if day is None:
            problems.append(
                f"Holiday line {number}: {raw!r} is not a date (YYYY-MM-DD, then a name)"
            )
            continue
        if len(name) > _HOLIDAY_NAME_MAX:
            problems.append(f"Holiday line {number}: the name is over {_HOLIDAY_NAME_MAX} chars")
            continue
        if day in seen:
            problems.append(
                f"Holiday {day.isoformat()} is listed twice (lines {seen[day]} and {number})"
            )
            continue
        seen[day] = number
        out.append((day, name))
    return tuple(sorted(out)), problems


# ---------------------------------------------------------------- display


def format_windows(windows: Iterable[Sequence[str]]) -> str:
    """Stored windows back to the form's text: "09:00-12:00, 13:00-17:30"."""
    return ", ".join(f"{w[0]}-{w[1]}" for w in windows)


def hours_summary(always_open: bool, weekly: Mapping[int, Sequence[Sequence[str]]]) -> str:
    """A short line for lists: "Mon–Fri 08:00–18:00", "24/7", "closed"; runs of days
    with the same windows are grouped."""
    if always_open:
        return "24/7"
    texts = [", ".join(f"{w[0]}–{w[1]}" for w in weekly.get(d, ())) for d in range(7)]
    if not any(texts):
        return "no hours"
    groups: list[tuple[int, int, str]] = []
    for day, text in enumerate(texts):
        if groups and groups[-1][2] == text and groups[-1][1] == day - 1:
            groups[-1] = (groups[-1][0], day, text)
        else:
            groups.append((day, day, text))
    parts = []
    for first, last, text in groups:
        if not text:
            continue
        days = _SHORT[first] if first == last else f"{_SHORT[first]}–{_SHORT[last]}"
        if last == first + 1:
            days = f"{_SHORT[first]}, {_SHORT[last]}"
        parts.append(f"{days} {text}")
    return "; ".join(parts)


@dataclass(frozen=True)
class TimelineDay:
    """One local day: its open spans as wall-clock minutes after midnight (end up to
    1440; a window running past midnight shows on both days), the real open seconds
    (23 h or 25 h on DST days for a 24/7 calendar), and why it is closed if it is."""

    day: date
    spans: tuple[tuple[int, int], ...]
    open_seconds: int
    holiday: str | None = None
    notes: tuple[str, ...] = field(default=())  # e.g. "clocks go back 1 h"

    @property
    def weekday(self) -> str:
        return DAY_NAMES[self.day.weekday()]

    @property
    def text(self) -> str:
        """"08:00–12:00, 13:00–18:00 (9 h)", "closed — holiday: Thanksgiving Day"."""
        why = "" if self.holiday is None else " — holiday" + (
            f": {self.holiday}" if self.holiday else ""
        )
        if not self.spans:
            return "closed" + why + "".join(f" · {n}" for n in self.notes)
        hours = ", ".join(_span_text(o, c) for o, c in self.spans)
        notes = "".join(f" · {n}" for n in self.notes)
        return f"{hours} ({_duration(self.open_seconds)}){why}{notes}"

    def bar(self, width: int = 24) -> str:
        """A 24-hour strip, one cell per 1440/width minutes: █ open, ▌ partly, · closed."""
        step = _DAY / width
        cells = []
        for i in range(width):
            lo, hi = i * step, (i + 1) * step
            covered = sum(max(0.0, min(hi, c) - max(lo, o)) for o, c in self.spans)
            cells.append("█" if covered >= step - 1e-9 else "▌" if covered > 0 else "·")
        return "".join(cells)


def _duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    if hours and minutes:
        return f"{hours} h {minutes:02d} min"
    return f"{hours} h" if hours else f"{minutes} min"


def timeline(
    cal: BusinessCalendar,
    first: date,
    days: int = 14,
    *,
    names: Mapping[date, str] | None = None,
) -> list[TimelineDay]:
    """`days` local days from `first` in the calendar's zone, DST-correct.

    `names` names explicit holidays (the form's); country holidays are named by the
    `holidays` library; `holiday` is "" for an unnamed one and None on other days.
    """
    zone = cal.zone
    names = dict(names or {})
    country_names: dict[int, Mapping[date, str]] = {}
    out: list[TimelineDay] = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        start = _local_midnight(day, zone)
        end = _local_midnight(day + timedelta(days=1), zone)
        spans: list[tuple[int, int]] = []
        seconds = 0
        for lo, hi in cal.open_intervals(start, end):
            seconds += int((hi - lo).total_seconds())
            o = _wall_minute(lo, zone)
            c = _DAY if hi >= end else _wall_minute(hi, zone)
            if spans and spans[-1][1] >= o:  # touching after a DST jump: one span
                spans[-1] = (spans[-1][0], max(c, spans[-1][1]))
            elif c > o:
                spans.append((o, c))
        holiday = None
        if cal.is_holiday(day):
            holiday = names.get(day) or _country_name(cal, day, country_names) or ""
        out.append(TimelineDay(day, tuple(spans), seconds, holiday, _dst_notes(start, end, zone)))
    return out


def _dst_notes(start: datetime, end: datetime, zone: ZoneInfo) -> tuple[str, ...]:
    """"clocks go back 1 h" on a day whose UTC offset changes (23 h and 25 h days)."""
    before = start.astimezone(zone).utcoffset()
    after = (end - timedelta(seconds=1)).astimezone(zone).utcoffset()
    if before is None or after is None or before == after:
        return ()
    shift = after - before
    way = "forward" if shift > timedelta(0) else "back"
    return (f"clocks go {way} {_duration(int(abs(shift).total_seconds()))}",)


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of a local date (a midnight lost to DST is its gap's end)."""
    naive = datetime.combine(day, time())
    local = naive.replace(tzinfo=zone)
    back = local.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if back != naive:  # midnight does not exist that day: the day starts at the jump
        return _local_midnight_gap(day, zone)
    return local.astimezone(UTC)


def _local_midnight_gap(day: date, zone: ZoneInfo) -> datetime:
    """The engine's DST rule: a one-day calendar opens at that day's first instant."""
    cal = BusinessCalendar(tz=zone, weekly={day.weekday(): [("00:00", "24:00")]})
    return cal.next_open(datetime.combine(day - timedelta(days=1), time(12), tzinfo=zone))


def _wall_minute(instant: datetime, zone: ZoneInfo) -> int:
    local = instant.astimezone(zone)
    return local.hour * 60 + local.minute


def _country_name(
    cal: BusinessCalendar, day: date, cache: dict[int, Mapping[date, str]]
) -> str | None:
    if cal.country is None:
        return None
    found = cache.get(day.year)
    if found is None:
        found = cache[day.year] = holidays_pkg.country_holidays(
            cal.country, subdiv=cal.subdivision, years=day.year
        )
    return found.get(day)
