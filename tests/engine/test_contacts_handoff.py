"""Call windows (zones, midnight, DST), who to call now, and the hand-off summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from msp_tui.engine.contacts import (
    CallWindow,
    WindowError,
    call_now,
    next_window,
    parse_windows,
)
from msp_tui.engine.handoff import NOT_RECORDED, NOTE_TITLE, HandoffError, HandoffSummary

NY = "America/New_York"
OFFICE = {"days": [0, 1, 2, 3, 4], "start": "08:00", "end": "18:00", "tz": NY}
NIGHTS = {"days": [0, 1, 2, 3, 4], "start": "22:00", "end": "06:00", "tz": NY}
ALWAYS = {"days": [0, 1, 2, 3, 4, 5, 6], "start": "00:00", "end": "24:00", "tz": NY}


@dataclass(frozen=True)
class Person:
    name: str
    position: int
    windows: tuple[CallWindow, ...]


def person(name: str, position: int, *raw: dict[str, object]) -> Person:
    return Person(name, position, parse_windows(raw))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_office_hours_in_the_windows_zone() -> None:
    office = CallWindow.parse(OFFICE)
    # Tue 24 Nov 2026: EST is UTC-5
    assert not office.is_open(utc(2026, 11, 24, 12, 59))  # 07:59 EST
    assert office.is_open(utc(2026, 11, 24, 13, 0))  # 08:00 EST
    assert office.is_open(utc(2026, 11, 24, 22, 59))
    assert not office.is_open(utc(2026, 11, 24, 23, 0))  # 18:00 EST: closed
    assert not office.is_open(utc(2026, 11, 28, 15, 0))  # a Saturday


def test_a_window_crossing_midnight_belongs_to_its_start_day() -> None:
    nights = CallWindow.parse(NIGHTS)
    assert nights.is_open(utc(2026, 11, 25, 4, 0))  # Tue 23:00 EST
    assert nights.is_open(utc(2026, 11, 25, 10, 59))  # Wed 05:59 EST, from Tuesday's start
    assert not nights.is_open(utc(2026, 11, 25, 11, 0))  # Wed 06:00
    # Friday night runs into Saturday; Saturday night does not start one
    assert nights.is_open(utc(2026, 11, 28, 9, 0))  # Sat 04:00 EST
    assert not nights.is_open(utc(2026, 11, 29, 4, 0))  # Sat 23:00 EST
    # Monday 03:00 is Sunday night's window, and Sunday is not listed
    assert not nights.is_open(utc(2026, 11, 30, 8, 0))


def test_dst_day_uses_the_offset_of_each_instant() -> None:
    office = CallWindow.parse(OFFICE)
    # Mon 9 Mar 2026, the day after the spring change: 08:00 EDT is 12:00 UTC (not 13:00)
    assert not office.is_open(utc(2026, 3, 9, 11, 59))
    assert office.is_open(utc(2026, 3, 9, 12, 0))
    assert not office.is_open(utc(2026, 3, 9, 22, 0))  # 18:00 EDT
    # Sunday 8 Mar, the change itself (02:00 EST → 03:00 EDT) inside a 01:00–04:00 window
    early = CallWindow.parse({"days": [6], "start": "01:00", "end": "04:00", "tz": NY})
    assert early.is_open(utc(2026, 3, 8, 6, 30))  # 01:30 EST
    assert early.is_open(utc(2026, 3, 8, 7, 30))  # 03:30 EDT
    assert not early.is_open(utc(2026, 3, 8, 8, 0))  # 04:00 EDT: two wall hours, one real
    # autumn: 01:00–04:00 on 1 Nov 2026 holds four real hours
    autumn = CallWindow.parse({"days": [6], "start": "01:00", "end": "04:00", "tz": NY})
    assert autumn.is_open(utc(2026, 11, 1, 5, 0))  # 01:00 EDT
    assert autumn.is_open(utc(2026, 11, 1, 8, 59))  # 03:59 EST
    assert not autumn.is_open(utc(2026, 11, 1, 9, 0))


def test_all_day_window_and_other_zones() -> None:
    assert CallWindow.parse(ALWAYS).is_open(utc(2026, 11, 29, 4, 59))  # Sat 23:59 EST
    london = CallWindow.parse({"days": [1], "start": "09:00", "end": "17:00",
                               "tz": "Europe/London"})
    assert london.is_open(utc(2026, 11, 24, 9, 0))
    assert not london.is_open(utc(2026, 11, 24, 17, 0))


def test_call_now_is_the_first_open_by_position() -> None:
    nights = person("Night desk", 2, NIGHTS)
    office = person("Office", 0, OFFICE)
    backup = person("Backup", 1, ALWAYS)
    contacts = [nights, backup, office]
    assert call_now(contacts, utc(2026, 11, 24, 15, 0)) is office
    assert call_now(contacts, utc(2026, 11, 25, 4, 0)) is backup  # 23:00: office closed
    assert call_now([nights, office], utc(2026, 11, 25, 4, 0)) is nights
    assert call_now([office], utc(2026, 11, 28, 15, 0)) is None
    assert call_now([], utc(2026, 11, 28, 15, 0)) is None


def test_next_window_in_the_windows_zone() -> None:
    office = person("Office", 0, OFFICE)
    opens = next_window(office, utc(2026, 11, 28, 15, 0))  # Saturday
    assert opens is not None
    assert opens.strftime("%a %H:%M %Z") == "Mon 08:00 EST"
    assert opens == utc(2026, 11, 30, 13, 0)
    # across the spring change: Friday evening to Monday 08:00 EDT
    after_change = next_window(office, utc(2026, 3, 6, 23, 30))
    assert after_change is not None and after_change == utc(2026, 3, 9, 12, 0)
    assert after_change.strftime("%Z") == "EDT"
    assert next_window(person("Nobody", 0), utc(2026, 11, 28, 15, 0)) is None


def test_windows_are_validated_and_bad_ones_never_open() -> None:
    for bad in ({"days": [7], "start": "08:00", "end": "18:00", "tz": NY},
                {"days": [0], "start": "8am", "end": "18:00", "tz": NY},
                {"days": [0], "start": "08:00", "end": "25:00", "tz": NY},
                {"days": [0], "start": "08:00", "end": "18:00", "tz": "Mars/Olympus"}):
        with pytest.raises(WindowError):
            CallWindow.parse(bad)
    assert parse_windows([{"days": [0], "start": "x"}, OFFICE]) == (CallWindow.parse(OFFICE),)
    assert CallWindow.parse(OFFICE).describe(utc(2026, 11, 24)) == "Mon–Fri 08:00–18:00 EST"
    assert CallWindow.parse(ALWAYS).describe(utc(2026, 7, 1)) == "Daily 00:00–24:00 EDT"


def test_summary_trims_requires_a_symptom_and_renders_headings() -> None:
    with pytest.raises(HandoffError):
        HandoffSummary.of("   ", "steps")
    summary = HandoffSummary.of("  Outlook crashes on start  ", "1. open Outlook\n2. wait",
                                "", " safe mode works ")
    assert summary.symptom == "Outlook crashes on start"
    assert summary.ruled_out == "safe mode works"
    note = summary.render()
    assert note.startswith(NOTE_TITLE)
    assert "Symptom:\n  Outlook crashes on start" in note
    assert "Reproduction steps:\n  1. open Outlook\n  2. wait" in note
    assert f"Diagnostics run:\n  {NOT_RECORDED}" in note
    assert "Ruled out:\n  safe mode works" in note
