"""Dashboard aggregates against the hand-built desk of `kpi_fixture` (see its table)."""

from __future__ import annotations

import pytest

from msp_tui.services.dashboard import WINDOW_DAYS, day_starts
from msp_tui.store import kpi_queries as kq
from msp_tui.store.db import Database
from tests.store.kpi_fixture import NOW, build, ny


@pytest.fixture
def kpi(empty_db: Database) -> tuple[Database, dict[str, int]]:
    return empty_db, build(empty_db)


DAYS = day_starts(NOW, "America/New_York")


def test_day_starts_are_new_york_midnights_across_dst() -> None:
    assert len(DAYS) == 30
    assert DAYS[-1] == ny(11, 24, 0)  # today, EST: 05:00 UTC
    assert DAYS[-1].hour == 5
    assert DAYS[0] == ny(10, 26, 0)  # 30 days back, still EDT: 04:00 UTC
    assert DAYS[0].hour == 4


def test_open_tickets_by_badge(kpi: tuple[Database, dict[str, int]]) -> None:
    db, ids = kpi
    with db.session() as s:
        # Open or paused: T2 Breached, T3 At Risk, T4 Paused, T5 T6 T10 T11 On Track, T9 No SLA
        assert kq.badge_counts(s, NOW) == {
            "On Track": 4, "At Risk": 1, "Breached": 1, "Paused": 1, "Met": 0, "No SLA": 1,
        }
        # Ann's open ones: T3 At Risk; T5, T6, T11 On Track
        assert kq.badge_counts(s, NOW, assignee_id=ids["ann"]) == {
            "On Track": 3, "At Risk": 1, "Breached": 0, "Paused": 0, "Met": 0, "No SLA": 0,
        }


def test_next_to_breach_soonest_running_deadline_first(
    kpi: tuple[Database, dict[str, int]],
) -> None:
    db, _ = kpi
    with db.session() as s:
        rows = kq.next_to_breach(s, NOW)
        # T2's nearest deadline already passed (it is Breached): not "next"
        assert [r.number for r in rows] == [3, 10, 11, 5, 6]
        assert rows[0].next_due_at == ny(11, 24, 11)  # 30 minutes from now
        assert [r.number for r in kq.next_to_breach(s, NOW, limit=2)] == [3, 10]


def test_outcomes_per_window_overall(kpi: tuple[Database, dict[str, int]]) -> None:
    db, _ = kpi
    with db.session() as s:
        summary = kq.outcome_summary(s, DAYS, WINDOW_DAYS)
    # today:  met T1 resp + T1 res + T5 resp #2 + T11 resp = 4; breached 0
    # 7 days: + T3 resp, T5 update #2 (23 Nov), T8 resp = 7 met; T2 resp, T8 res = 2 breached
    #         (T5 update #3 is cancelled, so #2 is the last that counts and #1 does not)
    # 30 days: + T4 resp (28 Oct), T6 resp (5 Nov) = 9 met; still 2 breached
    #         (T7's breach at 25 Oct 23:30 is before 26 Oct 00:00; T6's reopened
    #          resolution and every running clock have not ended)
    assert summary.overall.met == (4, 7, 9)
    assert summary.overall.breached == (0, 2, 2)


def test_outcomes_per_day_for_the_trend(kpi: tuple[Database, dict[str, int]]) -> None:
    db, _ = kpi
    with db.session() as s:
        daily = kq.outcome_summary(s, DAYS, WINDOW_DAYS).daily
    expected = [(0, 0)] * 30
    expected[2] = (1, 0)  # 28 Oct: T4 resp (26 Oct + 2)
    expected[10] = (1, 0)  # 5 Nov: T6 resp (6 days of Oct + 4)
    expected[25] = (1, 0)  # 20 Nov: T3 resp
    expected[28] = (2, 2)  # 23 Nov: T5 update #2, T8 resp met; T2 resp, T8 res breached
    expected[29] = (4, 0)  # today
    assert list(daily) == expected
    assert sum(m for m, _ in daily) == 9 and sum(b for _, b in daily) == 2


def test_outcomes_by_client_technician_priority(kpi: tuple[Database, dict[str, int]]) -> None:
    db, ids = kpi
    with db.session() as s:
        groups = kq.outcome_summary(s, DAYS, WINDOW_DAYS).groups
        mine = kq.outcome_summary(s, DAYS, WINDOW_DAYS, (), assignee_id=ids["bob"]).overall
    as_dict = {g: {c.key: (c.met, c.breached) for c in rows} for g, rows in groups.items()}
    assert as_dict[kq.BY_CLIENT] == {
        # Acme: T1 2m today, T5 resp today + update 23 Nov, T11 today; T2 breached 23 Nov
        "Acme": ((4, 5, 5), (0, 1, 1)),
        # Birch: T3 20 Nov, T8 resp 23 Nov (+ res breached), T4 28 Oct, T6 5 Nov
        "Birch": ((0, 2, 4), (0, 1, 1)),
    }
    assert as_dict[kq.BY_TECHNICIAN] == {
        "Ann": ((4, 6, 7), (0, 0, 0)),  # T1 2, T5 2, T11, T3 (7 d), T6 (30 d)
        "Bob": ((0, 1, 2), (0, 2, 2)),  # T8 resp, T4 (30 d); T2 and T8 breached
    }
    assert as_dict[kq.BY_PRIORITY] == {
        "P1": ((3, 4, 4), (0, 1, 1)),  # T1 2 + T11 today, T8 resp; T8 res breached
        "P2": ((1, 2, 2), (0, 1, 1)),  # T5 resp today, T5 update; T2 breached
        "P3": ((0, 1, 2), (0, 0, 0)),  # T3, T4
        "P4": ((0, 0, 1), (0, 0, 0)),  # T6
    }
    assert (mine.met, mine.breached) == ((0, 1, 2), (0, 2, 2))


def test_median_first_response(kpi: tuple[Database, dict[str, int]]) -> None:
    db, _ = kpi
    with db.session() as s:
        medians = kq.median_first_response(s, DAYS, WINDOW_DAYS)
    # first responses (seconds): T1 1200, T5 4200, T11 600 today; T3 3600 (20 Nov),
    # T8 1800 (23 Nov); T4 2400 (28 Oct), T6 3600 (5 Nov); T7 is before the 30 days
    # today [600, 1200, 4200] -> 1200; 7 d [600, 1200, 1800, 3600, 4200] -> 1800;
    # 30 d [600, 1200, 1800, 2400, 3600, 3600, 4200] -> 2400
    assert medians[("", "")] == (1200, 1800, 2400)
    # Acme [600, 1200, 4200] every window -> 1200 (T2 has none, T7 too old)
    assert medians[(kq.BY_CLIENT, "Acme")] == (1200, 1200, 1200)
    # Birch: 7 d [1800, 3600] -> 2700; 30 d [1800, 2400, 3600, 3600] -> (2400+3600)/2 = 3000
    assert medians[(kq.BY_CLIENT, "Birch")] == (None, 2700, 3000)
    # Ann: today [600, 1200, 4200] -> 1200; 7 d + T3 3600 -> [600,1200,3600,4200] -> 2400;
    # 30 d + T6 3600 -> [600, 1200, 3600, 3600, 4200] -> 3600
    assert medians[(kq.BY_TECHNICIAN, "Ann")] == (1200, 2400, 3600)
    assert medians[(kq.BY_TECHNICIAN, "Bob")] == (None, 1800, 2100)  # [1800]; [1800, 2400]
    assert medians[(kq.BY_PRIORITY, "P1")] == (900, 1200, 1200)  # [600,1200]; [600,1200,1800]
    assert medians[(kq.BY_PRIORITY, "P2")] == (4200, 4200, 4200)
    assert medians[(kq.BY_PRIORITY, "P3")] == (None, 3600, 3000)  # [3600]; [2400, 3600]
    assert medians[(kq.BY_PRIORITY, "P4")] == (None, None, 3600)


def test_my_queue_average_resolution_and_escalations(
    kpi: tuple[Database, dict[str, int]],
) -> None:
    db, ids = kpi
    starts = [DAYS[-d] for d in WINDOW_DAYS]
    with db.session() as s:
        total, rows = kq.my_queue(s, ids["ann"])
        # open and Ann's, by next due: T3 11:00, T11 14:00 today, T5 25 Nov, T6 28 Nov
        assert total == 4
        assert [r.number for r in rows] == [3, 11, 5, 6]
        # T1 resolved today after 80 min = 4800 s; T12 on 19 Nov after 3 h = 10800 s
        # today 4800 (1); 7 d and 30 d (4800 + 10800) / 2 = 7800 (2)
        assert kq.average_resolution(s, starts, ids["ann"]) == (
            (4800, 1), (7800, 2), (7800, 2)
        )
        # Bob: T8 23 Nov 07:00 -> 24 Nov 09:30 = 26.5 h = 95400 s (today); T7 20 Oct 08:00
        # -> 27 Oct 09:00 = 7 d 1 h = 608400 s (30 d): (95400 + 608400) / 2 = 351900
        assert kq.average_resolution(s, starts, ids["bob"]) == (
            (95400, 1), (95400, 1), (351900, 2)
        )
        esc = kq.open_escalations(s, ids["ann"])
        # T3: unread warning to Ann; T11: Escalated and hers. Not T5 (info), T10 (read),
        # T1 (resolved), T2 (Bob's notification)
        assert [(e.number, e.escalated_status, e.alerts) for e in esc] == [
            (3, False, 1), (11, True, 0)
        ]
