"""The dashboard views on the hand-built desk of `tests/store/kpi_fixture.py`: rates,
alarm, breakdowns, trend days, my work. The counts behind them are worked out in
`tests/store/test_kpi_queries.py`; here the arithmetic on top of them."""

from __future__ import annotations

from datetime import date

import pytest

from msp_tui.engine.clock import FixedClock
from msp_tui.services.dashboard import (
    csat_cell,
    csat_text,
    format_percent,
    format_seconds,
    goal_word,
    my_dashboard,
    team_dashboard,
)
from msp_tui.services.desk import Desk
from msp_tui.services.tickets import ServiceError
from msp_tui.store.db import Database
from tests.store.kpi_fixture import ANN, BOB, NOW, build


@pytest.fixture
def kpi_desk(empty_db: Database) -> Desk:
    build(empty_db)
    return Desk(empty_db, FixedClock(NOW), me_email=ANN)


def test_team_dashboard_numbers(kpi_desk: Desk) -> None:
    view = team_dashboard(kpi_desk)
    assert view.zone == "America/New_York"  # Ann's zone
    assert dict(view.badges) == {
        "On Track": 4, "At Risk": 1, "Breached": 1, "Paused": 1, "Met": 0, "No SLA": 1,
    }
    assert [r.number for r in view.next_to_breach] == [3, 10, 11, 5, 6]
    today, week, month = view.windows
    assert (today.met, today.breached, today.compliance, today.breach_rate) == (4, 0, 1.0, 0.0)
    assert (week.met, week.breached) == (7, 2)
    assert week.compliance == pytest.approx(7 / 9)  # 77.8 %
    assert week.breach_rate == pytest.approx(2 / 9)  # 22.2 %
    assert month.compliance == pytest.approx(9 / 11)  # 81.8 %
    assert [r.median_first_response for r in view.windows] == [1200, 1800, 2400]
    # 7 and 30 days are under 85 %; today (100 %) is not
    assert [r.window for r in view.alarm_windows] == ["7 days", "30 days"]
    clients = {row.key: row.windows[2] for row in view.breakdowns["client"]}
    assert clients["Acme"].compliance == pytest.approx(5 / 6)  # 83.3 %
    assert clients["Birch"].compliance == pytest.approx(4 / 5)  # 80.0 %
    assert clients["Birch"].median_first_response == 3000
    techs = {row.key: row.windows[1] for row in view.breakdowns["technician"]}
    assert techs["Ann"].compliance == 1.0  # 6 met, 0 breached in 7 days
    assert techs["Bob"].compliance == pytest.approx(1 / 3)  # 1 met, 2 breached
    assert [row.key for row in view.breakdowns["priority"]] == ["P1", "P2", "P3", "P4"]
    assert view.breakdowns["priority"][3].windows[0].compliance is None  # P4: nothing today
    assert len(view.trend) == 30
    assert view.trend[0].day == date(2026, 10, 26) and view.trend[-1].day == date(2026, 11, 24)
    assert (view.trend[-2].met, view.trend[-2].breached) == (2, 2)  # 23 Nov
    assert view.trend[-2].compliance == 0.5
    assert view.trend[1].compliance is None  # 27 Oct: nothing ended


def test_my_dashboard_numbers(kpi_desk: Desk) -> None:
    mine = my_dashboard(kpi_desk)
    assert mine.me == "Ann"
    assert mine.queue_total == 4
    assert [r.number for r in mine.queue] == [3, 11, 5, 6]
    assert [(r.met, r.breached) for r in mine.windows] == [(4, 0), (6, 0), (7, 0)]
    assert mine.alarm_windows == ()
    assert [(r.average_seconds, r.tickets) for r in mine.resolution] == [
        (4800, 1), (7800, 2), (7800, 2)
    ]
    assert [e.number for e in mine.escalations] == [3, 11]
    assert dict(mine.badges)["At Risk"] == 1


def test_bobs_work_raises_the_alarm_in_his_own_zone(kpi_desk: Desk) -> None:
    kpi_desk.me_email = BOB
    mine = my_dashboard(kpi_desk)
    # Berlin days: today starts 23:00 UTC on 23 Nov, so T8's breach at 23 Nov 20:00 New
    # York (24 Nov 01:00 UTC) is "today" for Bob: 1 breached, 0 met today. His 30 days
    # start 26 Oct 00:00 Berlin = 25 Oct 23:00 UTC, so T7's breach (25 Oct 23:30 New York
    # = 26 Oct 03:30 UTC), outside Ann's 30 days, is inside his: 2 met, 2 + 1 breached
    assert mine.zone == "Europe/Berlin"
    assert [(r.met, r.breached) for r in mine.windows] == [(0, 1), (1, 2), (2, 3)]
    assert [r.window for r in mine.alarm_windows] == ["Today", "7 days", "30 days"]


def test_my_dashboard_needs_a_technician(kpi_desk: Desk) -> None:
    kpi_desk.me_email = ""
    with pytest.raises(ServiceError):
        my_dashboard(kpi_desk)


def test_formatting_reads_without_colour() -> None:
    assert format_percent(7 / 9) == "77.8 %"
    assert format_percent(None) == "–"
    assert [goal_word(v) for v in (0.95, 0.9, 0.87, 0.849, None)] == [
        "on goal", "on goal", "below goal", "ALARM", "no data"
    ]
    assert [format_seconds(s) for s in (1200, 7800, 351900, None)] == [
        "20m", "2h10m", "4d01h", "–"
    ]


def _csat(counts: object) -> list[tuple[int, float | None, int]]:
    return [(c.answers, None if c.average is None else round(c.average, 2), c.positive)
            for c in counts]  # type: ignore[attr-defined]


def test_satisfaction_numbers(kpi_desk: Desk) -> None:
    """Worked out from the fixture's answers: today T1 (4); 7 days + T12 (5); 30 days + T7
    (2); T4's answer fell an hour before the 30 days (EDT) and T8 was never answered."""
    view = team_dashboard(kpi_desk)
    assert _csat(view.csat) == [(1, 4.0, 1), (2, 4.5, 2), (3, 3.67, 2)]
    assert view.csat[-1].satisfied == pytest.approx(2 / 3)
    by = {g: {r.key: _csat(r.csat) for r in rows if r.csat}
          for g, rows in view.breakdowns.items()}
    none = (0, None, 0)
    assert by["client"] == {"Acme": [(1, 4.0, 1), (1, 4.0, 1), (2, 3.0, 1)],
                            "Birch": [none, (1, 5.0, 1), (1, 5.0, 1)]}
    assert by["technician"] == {"Ann": [(1, 4.0, 1), (2, 4.5, 2), (2, 4.5, 2)],
                                "Bob": [none, none, (1, 2.0, 0)]}
    assert by["priority"] == {"P1": [(1, 4.0, 1), (1, 4.0, 1), (1, 4.0, 1)],
                              "P3": [none, none, (1, 2.0, 0)],
                              "P4": [none, (1, 5.0, 1), (1, 5.0, 1)]}
    assert csat_text(view.csat) == (
        "CSAT (1–5): Today 4.0 (1) · 7 days 4.5 (2) · 30 days 3.7 (3) — 66.7 % satisfied "
        "(4–5) over 30 days")
    assert csat_cell(view.breakdowns["client"][0].csat, 2) == "3.0 (2)"
    assert csat_cell((), 0) == "—"


def test_my_satisfaction(kpi_desk: Desk) -> None:
    assert _csat(my_dashboard(kpi_desk).csat) == [(1, 4.0, 1), (2, 4.5, 2), (2, 4.5, 2)]
    kpi_desk.me_email = BOB
    kpi_desk._me = None
    # Bob's days are Berlin days: his 30 days start 25 Oct 23:00 UTC, so T4's answer
    # (26 Oct 03:00 UTC), outside the New York window, counts for him: (2 + 1) / 2.
    assert _csat(my_dashboard(kpi_desk).csat) == [(0, None, 0), (0, None, 0), (2, 1.5, 0)]
