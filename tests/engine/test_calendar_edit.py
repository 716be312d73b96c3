"""The calendar form's checks (every problem, each named) and the 14-day timeline."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from msp_tui.engine.calendar_edit import (
    CalendarForm,
    CalendarFormError,
    check_form,
    format_windows,
    hours_summary,
    parse_holiday_lines,
    timeline,
    zone_problem,
)

WEEKDAYS = ("09:00-17:00",) * 5 + ("", "")
OK = CalendarForm(name="Office", tz="America/New_York", days=WEEKDAYS)


def problems(form: CalendarForm) -> list[str]:
    with pytest.raises(CalendarFormError) as info:
        check_form(form)
    assert str(info.value) == "\n".join(info.value.problems)
    return list(info.value.problems)


def days(**by_index: str) -> tuple[str, ...]:
    out = list(WEEKDAYS)
    for key, text in by_index.items():
        out[int(key[1:])] = text
    return tuple(out)


def test_a_good_form_becomes_a_spec_with_normalised_windows() -> None:
    spec = check_form(
        replace(
            OK,
            name="  Office ",
            days=days(d0="9:00-12:00, 13:00 – 17:30", d5="22:00-06:00", d6="10:00-24:00"),
            country="us",
            subdivision="ny",
            holidays="2026-12-24 Christmas Eve\n\n2026-12-31\n",
        )
    )
    assert spec.name == "Office"
    assert spec.weekly[0] == (("09:00", "12:00"), ("13:00", "17:30"))
    assert spec.weekly[5] == (("22:00", "06:00"),)
    assert spec.weekly[6] == (("10:00", "24:00"),)
    assert (spec.country, spec.subdivision) == ("US", "NY")
    assert spec.holidays == ((date(2026, 12, 24), "Christmas Eve"), (date(2026, 12, 31), ""))
    cal = spec.calendar()
    assert cal.weekly[5] == [("22:00", "06:00")] and cal.is_holiday(date(2026, 12, 24))


def test_every_problem_is_listed_at_once() -> None:
    found = problems(
        CalendarForm(
            name="",
            tz="Europe/Pariss",
            days=("09:00-13:00, 12:00-18:00", "9-5", "", "", "", "", ""),
            country="XX",
            holidays="2026-12-24 Eve\n2026-13-01 Bad\n2026-12-24 Again",
        )
    )
    assert found == [
        "The calendar needs a name",
        "Unknown time zone 'Europe/Pariss' (did you mean Europe/Paris?)",
        "Tuesday: '9-5' is not a window like 09:00-17:00",
        "Monday: 12:00–18:00 overlaps 09:00–13:00",
        "Unknown holiday country 'XX'; use an ISO code like US",
        "Holiday line 2: '2026-13-01' is not a date (YYYY-MM-DD, then a name)",
        "Holiday 2026-12-24 is listed twice (lines 1 and 3)",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tz": ""}, "The time zone is missing: give an IANA name like America/New_York"),
        ({"tz": "america/new_york"}, "Unknown time zone 'america/new_york' (did you mean "
                                      "America/New_York?)"),
        ({"tz": "Mars/Olympus"}, "Unknown time zone 'Mars/Olympus'"),
        ({"tz": "Asia/Tokio"}, "Unknown time zone 'Asia/Tokio' (did you mean Asia/Tokyo or "
                               "Asia/Tomsk?)"),
        ({"days": days(d1="12:00-18:00, 09:00-13:00")},
         "Tuesday: 09:00–13:00 overlaps 12:00–18:00"),
        ({"days": days(d1="09:00-13:00, 12:00-18:00")},
         "Tuesday: 12:00–18:00 overlaps 09:00–13:00"),
        ({"days": days(d1="22:00-06:00, 23:00-23:30")},
         "Tuesday: 23:00–23:30 overlaps 22:00–06:00"),
        ({"days": days(d0="22:00-10:00")},
         "Monday: 22:00–10:00 runs past midnight into Tuesday's 09:00–17:00"),
        ({"days": days(d6="20:00-09:30")},
         "Sunday: 20:00–09:30 runs past midnight into Monday's 09:00–17:00"),
        ({"days": days(d1="9 to 5")}, "Tuesday: '9 to 5' is not a window like 09:00-17:00"),
        ({"days": days(d2="08:00")}, "Wednesday: '08:00' is not a window like 09:00-17:00"),
        ({"days": days(d3="24:00-06:00")},
         "Thursday: '24:00' is not a time (HH:MM from 00:00 to 23:59)"),
        ({"days": days(d4="09:60-17:00")},
         "Friday: '09:60' is not a time (HH:MM from 00:00 to 23:59)"),
        ({"days": days(d4="09:00-25:00")},
         "Friday: '25:00' is not a time (HH:MM from 00:00 to 23:59, or 24:00 to close)"),
        ({"days": ("",) * 7},
         "No opening hours: give at least one day's windows, or switch 24/7 on"),
        ({"country": "ZZZZ"}, "Unknown holiday country 'ZZZZ'; use an ISO code like US"),
        ({"country": "Us", "subdivision": "New York"},
         "Unknown subdivision 'NEW YORK' of US; known: AK, AL, AR, AS, AZ, CA, CO, CT, …"),
        ({"country": "GB", "subdivision": "SCO"},
         "Unknown subdivision 'SCO' of GB (did you mean SCT?); known: ENG, NIR, SCT, WLS"),
        ({"subdivision": "NY"}, "Holiday subdivision NY needs a country"),
        ({"holidays": "24/12/2026 Christmas Eve"},
         "Holiday line 1: '24/12/2026' is not a date (YYYY-MM-DD, then a name)"),
        ({"holidays": "2026-12-24\n2026-12-24 Christmas Eve"},
         "Holiday 2026-12-24 is listed twice (lines 1 and 2)"),
        ({"name": "x" * 101}, "The name is 101 characters long; 100 at most"),
    ],
)
def test_each_problem_has_a_clear_message(change: dict[str, object], message: str) -> None:
    assert problems(replace(OK, **change)) == [message]  # type: ignore[arg-type]


def test_a_24_7_calendar_needs_no_hours_and_ignores_the_day_fields() -> None:
    spec = check_form(replace(OK, always_open=True, days=("nonsense",) + ("",) * 6))
    assert spec.always_open and spec.weekly == {}
    assert spec.calendar().business_day_seconds() == 86400


def test_touching_windows_are_not_overlaps() -> None:
    spec = check_form(replace(OK, days=days(d0="09:00-12:00, 12:00-17:00", d5="18:00-09:00",
                                            d6="09:00-09:00")))
    assert spec.weekly[6] == (("09:00", "09:00"),)  # a full day, ending Monday 09:00


def test_zone_problem_is_none_for_real_zones() -> None:
    assert zone_problem(" Europe/Paris ") is None
    assert zone_problem("UTC") is None
    assert zone_problem("Europe/Pariss") is not None


def test_holiday_lines_keep_names_and_sort() -> None:
    parsed, errs = parse_holiday_lines("2026-12-31 New Year's Eve\n2026-12-24   Christmas Eve  ")
    assert errs == []
    assert parsed == ((date(2026, 12, 24), "Christmas Eve"), (date(2026, 12, 31), "New Year's Eve"))


def test_summaries_for_lists_and_the_form() -> None:
    assert format_windows([["09:00", "12:00"], ["13:00", "17:30"]]) == "09:00-12:00, 13:00-17:30"
    weekly = {d: [("08:00", "18:00")] for d in range(5)}
    assert hours_summary(False, weekly) == "Mon–Fri 08:00–18:00"
    weekly[5] = [("10:00", "14:00")]
    weekly[6] = [("10:00", "14:00")]
    assert hours_summary(False, weekly) == "Mon–Fri 08:00–18:00; Sat, Sun 10:00–14:00"
    assert hours_summary(True, {}) == "24/7"
    assert hours_summary(False, {}) == "no hours"


# ---------------------------------------------------------------- timeline


def test_timeline_fall_back_day_in_new_york() -> None:
    """2026-11-01: clocks go back at 02:00; the overnight window from Saturday holds
    7 real hours until 06:00, a 24/7 calendar has a 25 h day."""
    spec = check_form(replace(OK, days=days(d5="22:00-06:00", d6="07:00-09:00")))
    week = timeline(spec.calendar(), date(2026, 10, 31), 3)
    sat, sun, mon = week
    assert (sat.weekday, sat.spans, sat.open_seconds) == ("Saturday", ((1320, 1440),), 7200)
    assert sun.spans == ((0, 360), (420, 540))
    assert sun.open_seconds == (7 + 2) * 3600
    assert sun.text == "00:00–06:00, 07:00–09:00 (9 h) · clocks go back 1 h"
    assert mon.text == "09:00–17:00 (8 h)"
    assert sat.bar() == "·" * 22 + "██"
    assert sun.bar() == "██████·██" + "·" * 15

    always = check_form(replace(OK, always_open=True)).calendar()
    day = timeline(always, date(2026, 11, 1), 1)[0]
    assert day.open_seconds == 25 * 3600 and day.text.startswith("00:00–24:00 (25 h)")


def test_timeline_spring_forward_day_in_new_york() -> None:
    """2026-03-08: 02:00 becomes 03:00; 01:00-03:00 holds 1 real hour; 24/7 holds 23."""
    spec = check_form(replace(OK, days=days(d6="01:00-03:00")))
    sun = timeline(spec.calendar(), date(2026, 3, 8), 1)[0]
    assert sun.open_seconds == 3600
    assert sun.text == "01:00–03:00 (1 h) · clocks go forward 1 h"
    always = check_form(replace(OK, always_open=True)).calendar()
    assert timeline(always, date(2026, 3, 8), 1)[0].open_seconds == 23 * 3600
    plain = timeline(always, date(2026, 3, 9), 1)[0]
    assert plain.open_seconds == 24 * 3600 and plain.notes == ()


def test_timeline_names_country_and_explicit_holidays() -> None:
    spec = check_form(replace(OK, country="US", holidays="2026-11-27 Day after Thanksgiving\n"
                                                         "2026-12-01"))
    first = date(2026, 11, 24)  # the demo's "today"
    names = dict(spec.holidays)
    week = timeline(spec.calendar(), first, 14, names=names)
    assert len(week) == 14 and week[0].day == first and week[-1].day == date(2026, 12, 7)
    by_day = {d.day: d for d in week}
    assert by_day[date(2026, 11, 26)].text == "closed — holiday: Thanksgiving Day"
    assert by_day[date(2026, 11, 27)].text == "closed — holiday: Day after Thanksgiving"
    assert by_day[date(2026, 12, 1)].text == "closed — holiday"
    assert by_day[date(2026, 11, 28)].text == "closed"
    assert by_day[date(2026, 11, 30)].text == "09:00–17:00 (8 h)"


def test_timeline_an_overnight_window_shows_on_both_days() -> None:
    """A Friday night shift: 22:00-06:00 belongs to Friday; a holiday on Saturday does not
    close it, a holiday on Friday does."""
    spec = check_form(replace(OK, days=days(d4="22:00-06:00")))
    fri, sat = timeline(spec.calendar(), date(2026, 12, 4), 2)
    assert fri.text == "22:00–24:00 (2 h)" and sat.text == "00:00–06:00 (6 h)"
    on_sat = check_form(replace(OK, days=days(d4="22:00-06:00"), holidays="2026-12-05 X"))
    fri, sat = timeline(on_sat.calendar(), date(2026, 12, 4), 2, names={date(2026, 12, 5): "X"})
    assert sat.text == "00:00–06:00 (6 h) — holiday: X"
    on_fri = check_form(replace(OK, days=days(d4="22:00-06:00"), holidays="2026-12-04"))
    fri, sat = timeline(on_fri.calendar(), date(2026, 12, 4), 2)
    assert fri.text == "closed — holiday" and sat.text == "closed"


def test_timeline_in_a_zone_whose_midnight_is_skipped() -> None:
    """Santiago springs forward at midnight: 2026-09-06 starts at 01:00 and has 23 h."""
    always = check_form(replace(OK, tz="America/Santiago", always_open=True)).calendar()
    day = timeline(always, date(2026, 9, 6), 1)[0]
    assert day.open_seconds == 23 * 3600 and day.spans == ((60, 1440),)
