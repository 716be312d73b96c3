"""Business calendars from their rows, built once and shared.

A `BusinessCalendar` builds its table of open intervals lazily and keeps it, so the
same object should serve every ticket on that calendar. Objects are cached by the
calendar's *content* (not its id), so an edit yields a fresh object and stale tables
are never used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from functools import lru_cache

from sqlmodel import Session, select

from msp_tui.engine.business_hours import BusinessCalendar
from msp_tui.store.models import BusinessCalendarRow, CalendarHoliday

_Fingerprint = tuple[str, bool, str, str | None, str | None, tuple[date, ...]]


def fingerprint(row: BusinessCalendarRow, holidays: list[date]) -> _Fingerprint:
    return (
        row.tz,
        row.always_open,
        json.dumps(row.weekly, sort_keys=True),
        row.holiday_country,
        row.holiday_subdivision,
        tuple(sorted(holidays)),
    )


@lru_cache(maxsize=256)
def _build(fp: _Fingerprint) -> BusinessCalendar:
    tz, always_open, weekly_json, country, subdivision, holidays = fp
    if always_open and not holidays and not country:
        return BusinessCalendar.always_open(tz=tz)
    if always_open:  # 24/7 except its holidays: full days, so the holidays still close
        return BusinessCalendar(
            tz=tz,
            weekly={d: [("00:00", "24:00")] for d in range(7)},
            holidays=list(holidays),
            country=country,
            subdivision=subdivision,
        )
    weekly = {
        int(day): [(str(w[0]), str(w[1])) for w in windows]
        for day, windows in json.loads(weekly_json).items()
    }
    return BusinessCalendar(
        tz=tz, weekly=weekly, holidays=list(holidays), country=country, subdivision=subdivision
    )


def calendar_from_row(row: BusinessCalendarRow, holidays: list[date]) -> BusinessCalendar:
    return _build(fingerprint(row, holidays))


_CACHE = "msp_tui.calendars"  # per transaction, in the session's info


def load_calendar(s: Session, calendar_id: int) -> BusinessCalendar:
    """The calendar of a row id, cached per transaction and across transactions."""
    cache: dict[int, BusinessCalendar] = s.info.setdefault(_CACHE, {})
    cal = cache.get(calendar_id)
    if cal is None:
        row = s.get(BusinessCalendarRow, calendar_id)
        if row is None:
            raise LookupError(f"no business calendar with id {calendar_id}")
        days = list(
            s.exec(select(CalendarHoliday.day).where(CalendarHoliday.calendar_id == calendar_id))
        )
        cal = cache[calendar_id] = calendar_from_row(row, days)
    return cal


def share_calendars(s: Session, by_id: Mapping[int, BusinessCalendar]) -> None:
    """Lend calendars already read (a job's run) to a transaction, so the services it
    calls take them from `load_calendar`'s cache instead of reading them again."""
    s.info.setdefault(_CACHE, {}).update(by_id)


def forget_calendars(s: Session) -> None:
    """After editing a calendar inside a transaction, re-read it."""
    s.info.pop(_CACHE, None)
