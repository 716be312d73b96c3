"""Business calendar: hand-computed cases, DST, holidays, validation, and properties.

The property tests compare against a deliberately naive oracle (every window of every
date converted on its own, overlaps summed) so the interval table is checked against
something that shares none of its bookkeeping.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from msp_tui.engine.business_hours import BusinessCalendar, CalendarError

NY = ZoneInfo("America/New_York")
LON = ZoneInfo("Europe/London")
LHI = ZoneInfo("Australia/Lord_Howe")
H = 3600
NINE_TO_FIVE = {day: [("09:00", "17:00")] for day in range(5)}


def ny(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=NY)


def utc(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=UTC)


@pytest.fixture
def office() -> BusinessCalendar:
    """Mon-Thu 09-17, Fri 09-12 + 13-17, New York, Christmas 2026 (a Friday) closed."""
    weekly = {day: [("09:00", "17:00")] for day in range(4)}
    weekly[4] = [("09:00", "12:00"), ("13:00", "17:00")]
    return BusinessCalendar(tz="America/New_York", weekly=weekly, holidays=[date(2026, 12, 25)])


# -- add / elapsed basics ---------------------------------------------------------------


def test_add_within_a_day(office: BusinessCalendar) -> None:
    # 2026-11-24 is a Tuesday.
    assert office.add(ny(2026, 11, 24, 10), H) == ny(2026, 11, 24, 11)
    assert office.add(ny(2026, 11, 24, 10), 90 * 60).tzinfo is UTC


def test_add_crosses_the_night(office: BusinessCalendar) -> None:
    assert office.add(ny(2026, 11, 24, 16), 2 * H) == ny(2026, 11, 25, 10)
    assert office.elapsed(ny(2026, 11, 24, 16), ny(2026, 11, 25, 10)) == 2 * H


def test_add_crosses_the_weekend() -> None:
    cal = BusinessCalendar(tz="America/New_York", weekly=NINE_TO_FIVE)
    # Friday 2026-11-27 16:00 + 2 h -> Monday 10:00.
    assert cal.add(ny(2026, 11, 27, 16), 2 * H) == ny(2026, 11, 30, 10)
    assert cal.elapsed(ny(2026, 11, 27, 16), ny(2026, 11, 30, 10)) == 2 * H


def test_deadline_using_the_last_second_is_the_close_not_the_next_open(
    office: BusinessCalendar,
) -> None:
    assert office.add(ny(2026, 11, 24, 9), 8 * H) == ny(2026, 11, 24, 17)
    assert office.add(ny(2026, 11, 24, 9), 8 * H + 1) == ny(2026, 11, 25, 9, 0, 1)
    assert office.elapsed(ny(2026, 11, 24, 9), ny(2026, 11, 24, 17)) == 8 * H


def test_add_zero_is_start_even_when_closed(office: BusinessCalendar) -> None:
    for start in (ny(2026, 11, 24, 10), ny(2026, 11, 28, 3)):  # open Tue, closed Sat
        result = office.add(start, 0)
        assert result == start
        assert result.tzinfo is UTC


def test_start_outside_hours_counts_from_next_open(office: BusinessCalendar) -> None:
    assert office.add(ny(2026, 11, 24, 7), H) == ny(2026, 11, 24, 10)
    assert office.add(ny(2026, 11, 24, 20), H) == ny(2026, 11, 25, 10)
    assert office.add(ny(2026, 11, 28, 12), H) == ny(2026, 11, 30, 10)  # Saturday
    assert office.elapsed(ny(2026, 11, 24, 17), ny(2026, 11, 25, 9)) == 0


def test_end_not_after_start_is_zero(office: BusinessCalendar) -> None:
    assert office.elapsed(ny(2026, 11, 24, 12), ny(2026, 11, 24, 10)) == 0
    assert office.elapsed(ny(2026, 11, 24, 12), ny(2026, 11, 24, 12)) == 0


def test_split_day_skips_lunch(office: BusinessCalendar) -> None:
    # Friday 2026-11-20: 09-12, 13-17.
    assert office.add(ny(2026, 11, 20, 11), 2 * H) == ny(2026, 11, 20, 14)
    assert office.add(ny(2026, 11, 20, 9), 3 * H) == ny(2026, 11, 20, 12)  # lunch starts
    assert office.elapsed(ny(2026, 11, 20, 9), ny(2026, 11, 20, 17)) == 7 * H
    assert not office.is_open(ny(2026, 11, 20, 12, 30))
    assert office.next_open(ny(2026, 11, 20, 12, 30)) == ny(2026, 11, 20, 13)


def test_sub_second_inputs_are_truncated(office: BusinessCalendar) -> None:
    a = ny(2026, 11, 24, 10).replace(microsecond=900_000)
    b = ny(2026, 11, 24, 10, 0, 1).replace(microsecond=100_000)
    assert office.elapsed(a, b) == 1
    assert office.add(a, 1) == ny(2026, 11, 24, 10, 0, 1)
    assert office.add(a, 0) == a


def test_negative_amount_is_rejected(office: BusinessCalendar) -> None:
    with pytest.raises(CalendarError, match="negative"):
        office.add(ny(2026, 11, 24, 10), -1)


# -- overnight windows and holidays -----------------------------------------------------


def _night_shift(*holidays: date) -> BusinessCalendar:
    return BusinessCalendar(
        tz="America/New_York",
        weekly={3: [("22:00", "06:00")], 4: [("22:00", "06:00")]},
        holidays=list(holidays),
    )


def test_overnight_window_belongs_to_its_start_date() -> None:
    cal = _night_shift(date(2026, 11, 27))  # Friday holiday
    # Thu 26th 22:00 -> Fri 27th 06:00 stays open: it started on Thursday.
    assert cal.is_open(ny(2026, 11, 27, 3))
    assert cal.elapsed(ny(2026, 11, 26, 20), ny(2026, 11, 27, 12)) == 8 * H
    # Fri 27th 22:00 -> Sat 06:00 is closed by the Friday holiday.
    assert not cal.is_open(ny(2026, 11, 27, 23))
    assert not cal.is_open(ny(2026, 11, 28, 3))
    assert cal.elapsed(ny(2026, 11, 26, 20), ny(2026, 11, 29)) == 8 * H
    # Without the holiday both nights count.
    assert _night_shift().elapsed(ny(2026, 11, 26, 20), ny(2026, 11, 29)) == 16 * H


def test_overnight_add_crosses_midnight() -> None:
    cal = _night_shift()
    assert cal.add(ny(2026, 11, 26, 23), 2 * H) == ny(2026, 11, 27, 1)
    assert cal.add(ny(2026, 11, 27, 5), 2 * H) == ny(2026, 11, 27, 23)


def test_friday_holiday_before_the_weekend(office: BusinessCalendar) -> None:
    # Christmas 2026 is a Friday: Thursday 16:00 + 2 h lands on Monday 28th 10:00.
    assert office.add(ny(2026, 12, 24, 16), 2 * H) == ny(2026, 12, 28, 10)
    assert not office.is_open(ny(2026, 12, 25, 10))
    assert office.next_open(ny(2026, 12, 24, 17)) == ny(2026, 12, 28, 9)


def test_country_holidays_us_observed_independence_day() -> None:
    # The holidays package observes 2026-07-04 (a Saturday) on Friday 2026-07-03.
    cal = BusinessCalendar(tz="America/New_York", weekly=NINE_TO_FIVE, country="US")
    assert not cal.is_open(ny(2026, 7, 3, 10))
    assert cal.is_holiday(date(2026, 7, 3))
    assert cal.add(ny(2026, 7, 2, 16), 2 * H) == ny(2026, 7, 6, 10)
    # Years are looked up lazily, also far away.
    assert not cal.is_open(ny(2031, 12, 25, 10))
    assert cal.is_open(ny(2031, 12, 24, 10))


def test_country_holidays_england_christmas_and_boxing_day_observed() -> None:
    cal = BusinessCalendar(tz="Europe/London", weekly=NINE_TO_FIVE, country="GB", subdivision="ENG")
    start = datetime(2026, 12, 24, 16, tzinfo=LON)
    # Fri 25th and Mon 28th (Boxing Day observed) are closed.
    assert cal.add(start, 2 * H) == datetime(2026, 12, 29, 10, tzinfo=LON)


def test_unknown_country_or_subdivision_is_rejected() -> None:
    with pytest.raises(CalendarError, match="XX"):
        BusinessCalendar(tz="UTC", weekly=NINE_TO_FIVE, country="XX")
    with pytest.raises(CalendarError, match="ZZ"):
        BusinessCalendar(tz="UTC", weekly=NINE_TO_FIVE, country="US", subdivision="ZZ")
    with pytest.raises(CalendarError, match="without a country"):
        BusinessCalendar(tz="UTC", weekly=NINE_TO_FIVE, subdivision="ENG")


# -- DST -----------------------------------------------------------------------------


def _every_day(*spans: tuple[str, str], tz: str) -> BusinessCalendar:
    return BusinessCalendar(tz=tz, weekly={day: list(spans) for day in range(7)})


@pytest.mark.parametrize(
    ("tz", "spring", "autumn"),
    [
        ("America/New_York", date(2026, 3, 8), date(2026, 11, 1)),
        ("Europe/London", date(2026, 3, 29), date(2026, 10, 25)),
    ],
)
def test_dst_nine_to_five_day_is_unchanged(tz: str, spring: date, autumn: date) -> None:
    cal = _every_day(("09:00", "17:00"), tz=tz)
    zone = ZoneInfo(tz)
    for day in (spring, autumn):
        midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
        assert cal.elapsed(midnight, midnight + timedelta(days=1)) == 8 * H
        assert cal.add(midnight, 8 * H) == midnight.replace(hour=17)


@pytest.mark.parametrize(
    ("tz", "spring", "autumn"),
    [
        ("America/New_York", date(2026, 3, 8), date(2026, 11, 1)),
        ("Europe/London", date(2026, 3, 29), date(2026, 10, 25)),
    ],
)
def test_dst_window_covering_the_change(tz: str, spring: date, autumn: date) -> None:
    zone = ZoneInfo(tz)
    night = _every_day(("00:00", "06:00"), tz=tz)
    full = _every_day(("00:00", "24:00"), tz=tz)
    for day, night_hours, day_hours in ((spring, 5, 23), (autumn, 7, 25)):
        midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
        next_midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
        assert night.elapsed(midnight, next_midnight) == night_hours * H
        assert full.elapsed(midnight, next_midnight) == day_hours * H
        assert night.add(midnight, night_hours * H) == midnight.replace(hour=6)


def test_dst_new_york_business_week_across_spring_forward() -> None:
    cal = BusinessCalendar(tz="America/New_York", weekly=NINE_TO_FIVE)
    # Fri 2026-03-06 16:00 EST + 2 h -> Mon 2026-03-09 10:00 EDT (14:00 UTC).
    assert cal.add(ny(2026, 3, 6, 16), 2 * H) == utc(2026, 3, 9, 14)


def test_window_through_the_spring_gap_and_repeated_hour_new_york() -> None:
    cal = BusinessCalendar(tz="America/New_York", weekly={6: [("01:00", "03:00")]})
    assert cal.elapsed(ny(2026, 3, 8), ny(2026, 3, 9)) == 1 * H
    assert cal.elapsed(ny(2026, 11, 1), ny(2026, 11, 2)) == 3 * H
    assert cal.elapsed(ny(2026, 3, 15), ny(2026, 3, 16)) == 2 * H  # an ordinary Sunday


def test_boundary_in_the_gap_maps_to_the_end_of_the_gap() -> None:
    # 02:30 does not exist on 2026-03-08 in New York: the window opens at 03:00 EDT.
    cal = BusinessCalendar(tz="America/New_York", weekly={6: [("02:30", "04:00")]})
    assert cal.open_intervals(ny(2026, 3, 8), ny(2026, 3, 9)) == [
        (utc(2026, 3, 8, 7), utc(2026, 3, 8, 8))
    ]
    # A window lying wholly inside the gap has no real time at all.
    gone = BusinessCalendar(tz="America/New_York", weekly={6: [("02:00", "02:30")]})
    assert gone.elapsed(ny(2026, 3, 8), ny(2026, 3, 9)) == 0
    assert gone.elapsed(ny(2026, 3, 15), ny(2026, 3, 16)) == 30 * 60


def test_boundary_in_the_repeated_hour_is_the_first_occurrence() -> None:
    cal = BusinessCalendar(
        tz="America/New_York", weekly={6: [("00:00", "01:30"), ("01:30", "03:00")]}
    )
    # 00:00 EDT = 04:00 UTC; first 01:30 is EDT = 05:30 UTC; 03:00 EST = 08:00 UTC.
    assert cal.open_intervals(ny(2026, 11, 1), ny(2026, 11, 2)) == [
        (utc(2026, 11, 1, 4), utc(2026, 11, 1, 8))
    ]
    assert cal.is_open(utc(2026, 11, 1, 5, 30))  # the two windows touch: no gap
    assert cal.is_open(utc(2026, 11, 1, 6, 15))  # the second 01:15 (EST)
    first = BusinessCalendar(tz="America/New_York", weekly={6: [("00:00", "01:30")]})
    assert first.elapsed(ny(2026, 11, 1), ny(2026, 11, 2)) == 90 * 60


def test_lord_howe_half_hour_dst() -> None:
    cal = BusinessCalendar.always_open(tz="Australia/Lord_Howe")
    start = datetime(2026, 4, 5, tzinfo=LHI)
    assert cal.elapsed(start, datetime(2026, 4, 6, tzinfo=LHI)) == 24 * H + 30 * 60
    full = _every_day(("00:00", "24:00"), tz="Australia/Lord_Howe")
    start = datetime(2026, 10, 4, tzinfo=LHI)
    assert full.elapsed(start, datetime(2026, 10, 5, tzinfo=LHI)) == 23 * H + 30 * 60


# -- always open, full days ----------------------------------------------------------


def test_always_open_counts_wall_clock_seconds() -> None:
    cal = BusinessCalendar.always_open(tz="America/New_York")
    a, b = ny(2026, 3, 7, 12), ny(2026, 3, 9, 12)  # across spring forward
    # Same-zone datetime subtraction is wall-clock (48 h); real time is 47 h.
    assert cal.elapsed(a, b) == int((b.astimezone(UTC) - a.astimezone(UTC)).total_seconds())
    assert cal.elapsed(a, b) == 47 * H
    assert cal.add(a, 47 * H) == b
    assert cal.is_open(a) and cal.next_open(a) == a
    assert BusinessCalendar.always_open().business_day_seconds() == 86400
    assert BusinessCalendar.always_open().describe() == "24/7 (UTC)"


def test_full_days_merge_across_midnight() -> None:
    cal = BusinessCalendar(
        tz="America/New_York", weekly={0: [("00:00", "24:00")], 1: [("00:00", "24:00")]}
    )
    assert cal.is_open(ny(2026, 11, 24))  # Tuesday 00:00
    assert cal.add(ny(2026, 11, 23, 23), 2 * H) == ny(2026, 11, 24, 1)
    assert cal.open_intervals(ny(2026, 11, 22), ny(2026, 11, 29)) == [
        (ny(2026, 11, 23), ny(2026, 11, 25))
    ]
    assert not cal.is_open(ny(2026, 11, 25))


def test_overnight_window_ending_where_the_next_starts_merges() -> None:
    cal = BusinessCalendar(
        tz="Europe/London", weekly={0: [("18:00", "08:00")], 1: [("08:00", "18:00")]}
    )
    start = datetime(2026, 11, 23, 18, tzinfo=LON)
    assert cal.open_intervals(start, start + timedelta(days=2)) == [
        (start, start + timedelta(hours=24))
    ]


def test_midnight_to_midnight_is_a_full_day() -> None:
    a = BusinessCalendar(tz="UTC", weekly={2: [("00:00", "00:00")]})
    b = BusinessCalendar(tz="UTC", weekly={2: [("00:00", "24:00")]})
    assert a == b and hash(a) == hash(b)
    assert a.business_day_seconds() == 86400
    crossing = BusinessCalendar(tz="UTC", weekly={2: [("09:00", "09:00")]})
    assert crossing.elapsed(utc(2026, 11, 25), utc(2026, 11, 27)) == 24 * H
    assert crossing.is_open(utc(2026, 11, 26, 8, 59)) and not crossing.is_open(utc(2026, 11, 26, 9))


# -- is_open / next_open ---------------------------------------------------------------


def test_is_open_and_next_open_at_boundaries(office: BusinessCalendar) -> None:
    assert office.is_open(ny(2026, 11, 24, 9))
    assert office.is_open(ny(2026, 11, 24, 16, 59, 59))
    assert not office.is_open(ny(2026, 11, 24, 17))
    assert not office.is_open(ny(2026, 11, 24, 8, 59, 59))
    assert office.next_open(ny(2026, 11, 24, 9)) == ny(2026, 11, 24, 9)
    assert office.next_open(ny(2026, 11, 24, 10, 30)) == ny(2026, 11, 24, 10, 30)
    assert office.next_open(ny(2026, 11, 24, 17)) == ny(2026, 11, 25, 9)
    assert office.next_open(ny(2026, 11, 28, 9)) == ny(2026, 11, 30, 9)  # Saturday


def test_open_intervals_are_clipped(office: BusinessCalendar) -> None:
    assert office.open_intervals(ny(2026, 11, 20, 10), ny(2026, 11, 23, 10)) == [
        (ny(2026, 11, 20, 10), ny(2026, 11, 20, 12)),
        (ny(2026, 11, 20, 13), ny(2026, 11, 20, 17)),
        (ny(2026, 11, 23, 9), ny(2026, 11, 23, 10)),
    ]
    assert office.open_intervals(ny(2026, 11, 23, 10), ny(2026, 11, 20)) == []


# -- helpers -------------------------------------------------------------------------


def test_business_day_seconds(office: BusinessCalendar) -> None:
    assert office.business_day_seconds() == 8 * H
    assert office.business_day_seconds(4) == 7 * H
    assert office.business_day_seconds(6) == 0
    night = _night_shift()
    assert night.business_day_seconds() == 8 * H  # counted on the day it starts
    with pytest.raises(CalendarError, match="weekday"):
        office.business_day_seconds(7)


def test_end_of_next_business_day(office: BusinessCalendar) -> None:
    assert office.end_of_next_business_day(ny(2026, 11, 24, 10)) == ny(2026, 11, 25, 17)
    # Before opening it is still the *next* day.
    assert office.end_of_next_business_day(ny(2026, 11, 24, 7)) == ny(2026, 11, 25, 17)
    # Friday -> Monday; Thursday before the Christmas Friday -> Monday 28th.
    assert office.end_of_next_business_day(ny(2026, 11, 27, 16)) == ny(2026, 11, 30, 17)
    assert office.end_of_next_business_day(ny(2026, 12, 24, 10)) == ny(2026, 12, 28, 17)
    # Thursday -> the close of Friday's last (afternoon) window.
    assert office.end_of_next_business_day(ny(2026, 11, 19, 10)) == ny(2026, 11, 20, 17)
    # The local date counts: 03:00 UTC Wednesday is still Tuesday evening in New York.
    assert office.end_of_next_business_day(utc(2026, 11, 25, 3)) == ny(2026, 11, 25, 17)


def test_end_of_next_business_day_overnight_window_closes_the_day_after() -> None:
    cal = _night_shift()
    assert cal.end_of_next_business_day(ny(2026, 11, 25, 12)) == ny(2026, 11, 27, 6)


# -- degenerate calendars --------------------------------------------------------------


def test_calendar_without_hours() -> None:
    cal = BusinessCalendar(tz="UTC", weekly={})
    assert cal.elapsed(utc(2026, 1, 1), utc(2027, 1, 1)) == 0
    assert not cal.is_open(utc(2026, 1, 1))
    assert cal.add(utc(2026, 1, 1), 0) == utc(2026, 1, 1)
    with pytest.raises(CalendarError, match="no business hours"):
        cal.add(utc(2026, 1, 1), 1)
    with pytest.raises(CalendarError, match="no business hours"):
        cal.next_open(utc(2026, 1, 1))
    with pytest.raises(CalendarError):
        cal.end_of_next_business_day(utc(2026, 1, 1))
    assert cal.describe() == "never open (UTC)"


def test_holidays_covering_everything_give_up_instead_of_hanging() -> None:
    mondays = [date(2026, 1, 5) + timedelta(weeks=w) for w in range(52 * 25)]
    cal = BusinessCalendar(tz="UTC", weekly={0: [("09:00", "17:00")]}, holidays=mondays)
    with pytest.raises(CalendarError, match="20 years"):
        cal.add(utc(2026, 1, 1), 1)
    with pytest.raises(CalendarError, match="20 years"):
        cal.next_open(utc(2026, 1, 1))
    with pytest.raises(CalendarError, match="20 years"):
        cal.end_of_next_business_day(utc(2026, 1, 1))


# -- validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "weekly",
    [
        {0: [("09:00", "17:00"), ("16:00", "18:00")]},  # same day
        {0: [("22:00", "06:00")], 1: [("05:00", "09:00")]},  # overnight into Tuesday
        {6: [("22:00", "02:00")], 0: [("01:00", "09:00")]},  # Sunday night into Monday
        {0: [("09:00", "09:00")], 1: [("08:00", "10:00")]},  # a 24 h crossing window
    ],
)
def test_overlapping_windows_are_rejected(weekly: dict[int, list[tuple[str, str]]]) -> None:
    with pytest.raises(CalendarError, match="overlapping windows"):
        BusinessCalendar(tz="UTC", weekly=weekly)


def test_touching_windows_are_fine() -> None:
    BusinessCalendar(tz="UTC", weekly={0: [("22:00", "06:00")], 1: [("06:00", "09:00")]})
    BusinessCalendar(tz="UTC", weekly={6: [("22:00", "06:00")], 0: [("06:00", "09:00")]})


@pytest.mark.parametrize("text", ["9am", "25:00", "12:60", "24:30", "", "12:5", None, "1200"])
def test_bad_time_strings_are_rejected(text: object) -> None:
    with pytest.raises(CalendarError, match="bad time"):
        BusinessCalendar(tz="UTC", weekly={0: [("09:00", text)]})  # type: ignore[list-item]


def test_24_00_only_closes() -> None:
    with pytest.raises(CalendarError, match="24:00"):
        BusinessCalendar(tz="UTC", weekly={0: [("24:00", "06:00")]})


@pytest.mark.parametrize("day", [7, -1, "Mon", True])
def test_bad_weekday_is_rejected(day: object) -> None:
    with pytest.raises(CalendarError, match="weekday"):
        BusinessCalendar(tz="UTC", weekly={day: [("09:00", "17:00")]})  # type: ignore[dict-item]


@pytest.mark.parametrize("tz", ["Mars/Olympus_Mons", "", "../etc/passwd", "not a zone"])
def test_bad_zone_is_rejected(tz: str) -> None:
    with pytest.raises(CalendarError, match="time zone"):
        BusinessCalendar(tz=tz, weekly=NINE_TO_FIVE)


def test_bad_holiday_is_rejected() -> None:
    with pytest.raises(CalendarError, match="holiday"):
        BusinessCalendar(tz="UTC", weekly=NINE_TO_FIVE, holidays=["Christmas"])
    with pytest.raises(CalendarError, match="holiday"):
        BusinessCalendar(tz="UTC", weekly=NINE_TO_FIVE, holidays=[utc(2026, 12, 25)])


def test_naive_datetimes_are_rejected(office: BusinessCalendar) -> None:
    naive = datetime(2026, 11, 24, 10)
    calls = [
        lambda: office.add(naive, 60),
        lambda: office.elapsed(naive, ny(2026, 11, 25)),
        lambda: office.elapsed(ny(2026, 11, 23), naive),
        lambda: office.is_open(naive),
        lambda: office.next_open(naive),
        lambda: office.end_of_next_business_day(naive),
        lambda: office.open_intervals(naive, ny(2026, 11, 25)),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="naive"):
            call()


def test_calendar_error_is_a_value_error() -> None:
    assert issubclass(CalendarError, ValueError)


def test_repr_round_trips_and_describe_is_stable(office: BusinessCalendar) -> None:
    again = eval(repr(office), {"BusinessCalendar": BusinessCalendar})
    assert again == office and hash(again) == hash(office)
    assert office.describe() == (
        "America/New_York: Mon 09:00-17:00, Tue 09:00-17:00, Wed 09:00-17:00, "
        "Thu 09:00-17:00, Fri 09:00-12:00, Fri 13:00-17:00; 1 holiday date(s)"
    )
    assert office != BusinessCalendar(tz="America/New_York", weekly=NINE_TO_FIVE)


def test_accessors_and_json_shaped_weekly(office: BusinessCalendar) -> None:
    assert office.tz == "America/New_York" and office.zone == NY
    assert office.weekly[4] == [("09:00", "12:00"), ("13:00", "17:00")]
    assert office.holidays == frozenset({date(2026, 12, 25)})
    assert office.country is None and office.subdivision is None
    # The store keeps weekly hours as JSON: {"0": [["09:00", "17:00"]], ...}.
    stored = {str(day): [list(w) for w in spans] for day, spans in office.weekly.items()}
    again = BusinessCalendar(tz=office.tz, weekly=stored, holidays=office.holidays)
    assert again == office


# -- properties ------------------------------------------------------------------------

ZONES = ["America/New_York", "Europe/London", "Australia/Lord_Howe", "UTC"]
LO = utc(2026, 1, 1)
SPAN_SECONDS = 2 * 365 * 86400
# DST changes in the range, so starts cluster where the bookkeeping is hardest.
TRANSITIONS = [
    utc(2026, 3, 8, 7), utc(2026, 11, 1, 6), utc(2026, 3, 29, 1), utc(2026, 10, 25, 1),
    utc(2026, 4, 4, 15), utc(2026, 10, 3, 15, 30), utc(2027, 3, 14, 7), utc(2027, 10, 31, 1),
]  # fmt: skip


def _fmt(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


WEEK = 7 * 1440
# Boundaries where DST bites (Saturday/Sunday small hours: all three DST zones change on a
# Sunday between 01:00 and 03:00) and midnights (full days that must merge).
HOT_MINUTES = [6 * 1440 + m for m in range(0, 181, 30)] + [d * 1440 for d in range(7)]


@st.composite
def weekly_hours(draw: st.DrawFn) -> dict[int, list[tuple[str, str]]]:
    """Non-overlapping windows around the circular week: overnight, touching, full-day."""
    points = sorted(
        draw(
            st.lists(
                st.sampled_from(HOT_MINUTES) | st.integers(0, WEEK - 1), max_size=14, unique=True
            )
        )
    )
    weekly: dict[int, list[tuple[str, str]]] = {}
    # Each gap between consecutive boundaries (wrapping round the week) is open or closed;
    # consecutive open gaps give touching windows.
    for i, opens_at in enumerate(points):
        closes_at = points[i + 1] if i + 1 < len(points) else points[0] + WEEK
        length = closes_at - opens_at
        if not 0 < length <= 1440 or not draw(st.booleans()):
            continue
        day, opens = divmod(opens_at, 1440)
        end = opens + length
        close = "24:00" if end == 1440 and draw(st.booleans()) else _fmt(end % 1440)
        weekly.setdefault(day, []).append((_fmt(opens), close))
    return weekly


@dataclass(frozen=True)
class Case:
    """A random calendar plus the raw inputs it was built from, for the oracle."""

    cal: BusinessCalendar
    weekly: dict[int, list[tuple[str, str]]]
    holidays: frozenset[date]


@st.composite
def cases(draw: st.DrawFn) -> Case:
    holidays = draw(
        st.frozensets(
            st.dates(min_value=date(2025, 12, 1), max_value=date(2028, 1, 31)), max_size=12
        )
    )
    weekly = draw(weekly_hours())
    cal = BusinessCalendar(tz=draw(st.sampled_from(ZONES)), weekly=weekly, holidays=holidays)
    return Case(cal, weekly, holidays)


instants = st.one_of(
    st.integers(0, SPAN_SECONDS).map(lambda s: LO + timedelta(seconds=s)),
    st.builds(
        lambda t, d: t + timedelta(seconds=d),
        st.sampled_from(TRANSITIONS),
        st.integers(-3 * 86400, 3 * 86400),
    ),
)
spans = st.integers(0, 21 * 86400)


def _wall_to_utc(zone: ZoneInfo, wall: datetime) -> int:
    """Oracle for the DST rule: the first instant whose wall clock reads >= wall."""
    candidates = [int(wall.replace(tzinfo=zone, fold=fold).timestamp()) for fold in (0, 1)]
    exact = [
        u for u in candidates
        if datetime.fromtimestamp(u, zone).replace(tzinfo=None) == wall
    ]  # fmt: skip
    if exact:
        return min(exact)
    u = min(candidates)  # in a gap: walk forward to where it ends
    while datetime.fromtimestamp(u, zone).replace(tzinfo=None) < wall:
        u += 60
    while datetime.fromtimestamp(u - 1, zone).replace(tzinfo=None) >= wall:
        u -= 1
    return u


def _oracle_elapsed(case: Case, start: datetime, end: datetime) -> int:
    """Sum every window of every local date on its own; no tables, no merging."""
    zone = case.cal.zone
    s, e = int(start.timestamp()), int(end.timestamp())
    if e <= s:
        return 0
    first = start.astimezone(zone).date() - timedelta(days=2)
    last = end.astimezone(zone).date() + timedelta(days=1)
    total = 0
    day = first
    while day <= last:
        if day not in case.holidays:
            for opens, closes in case.weekly.get(day.weekday(), []):
                o = int(opens[:2]) * 60 + int(opens[3:])
                c = int(closes[:2]) * 60 + int(closes[3:])
                if c <= o:
                    c += 1440
                midnight = datetime(day.year, day.month, day.day)
                a = _wall_to_utc(zone, midnight + timedelta(minutes=o))
                b = _wall_to_utc(zone, midnight + timedelta(minutes=c))
                total += max(0, min(e, b) - max(s, a))
        day += timedelta(days=1)
    return total


@settings(max_examples=120, deadline=None)
@given(case=cases(), start=instants, span=spans)
def test_elapsed_matches_the_oracle(case: Case, start: datetime, span: int) -> None:
    end = start + timedelta(seconds=span)
    assert case.cal.elapsed(start, end) == _oracle_elapsed(case, start, end)


@settings(max_examples=150, deadline=None)
@given(
    cal=cases().map(lambda c: c.cal),
    start=instants,
    fraction=st.floats(0, 1),
    extra=st.integers(0, 5),
)
def test_add_inverts_elapsed_and_is_earliest(
    cal: BusinessCalendar, start: datetime, fraction: float, extra: int
) -> None:
    assume(cal.business_day_seconds() > 0)
    n = int(fraction * 20 * cal.business_day_seconds()) + extra
    end = cal.add(start, n)
    assert end >= start
    assert end.tzinfo is UTC
    assert cal.elapsed(start, end) == n
    if n > 0:
        assert cal.elapsed(start, end - timedelta(seconds=1)) == n - 1
        assert cal.is_open(end - timedelta(seconds=1))


@settings(max_examples=80, deadline=None)
@given(
    cal=cases().map(lambda c: c.cal),
    start=instants,
    a=st.integers(0, 10**6),
    b=st.integers(0, 10**6),
)
def test_add_is_monotone(cal: BusinessCalendar, start: datetime, a: int, b: int) -> None:
    assume(cal.business_day_seconds() > 0)
    lo, hi = sorted((a, b))
    assert cal.add(start, lo) <= cal.add(start, hi)


@settings(max_examples=100, deadline=None)
@given(cal=cases().map(lambda c: c.cal), a=instants, gaps=st.tuples(spans, spans))
def test_elapsed_is_additive(cal: BusinessCalendar, a: datetime, gaps: tuple[int, int]) -> None:
    b = a + timedelta(seconds=gaps[0])
    c = b + timedelta(seconds=gaps[1])
    total = cal.elapsed(a, c)
    assert total == cal.elapsed(a, b) + cal.elapsed(b, c)
    assert total == sum(int((hi - lo).total_seconds()) for lo, hi in cal.open_intervals(a, c))


@settings(max_examples=100, deadline=None)
@given(cal=cases().map(lambda c: c.cal), at=instants)
def test_is_open_and_next_open_agree_with_elapsed(cal: BusinessCalendar, at: datetime) -> None:
    assume(cal.business_day_seconds() > 0)
    assert cal.is_open(at) == (cal.elapsed(at, at + timedelta(seconds=1)) == 1)
    opening = cal.next_open(at)
    assert opening >= at
    assert cal.is_open(opening)
    assert cal.elapsed(at, opening) == 0
    assert (opening == at) == cal.is_open(at)


@settings(max_examples=60, deadline=None)
@given(tz=st.sampled_from(ZONES), start=instants, span=st.integers(0, 400 * 86400))
def test_always_open_is_wall_clock(tz: str, start: datetime, span: int) -> None:
    end = start + timedelta(seconds=span)
    full = {day: [("00:00", "24:00")] for day in range(7)}
    table_backed = BusinessCalendar(tz=tz, weekly=full, holidays=[date(1999, 1, 1)])
    for cal in (BusinessCalendar.always_open(tz), table_backed):
        assert cal.elapsed(start, end) == span
        assert cal.add(start, span) == end
        assert cal.is_open(start)
