"""SLA clocks as pure values, on real business calendars."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from msp_tui.engine import sla
from msp_tui.engine.badges import Badge, badge_for, format_countdown
from msp_tui.engine.business_hours import BusinessCalendar
from msp_tui.engine.lifecycle import ClockEffect, TransitionError, effective_category, transition
from msp_tui.engine.targets import TargetError, parse_target
from msp_tui.engine.vocabulary import ClockKind, ClockState, StatusCategory

NY = ZoneInfo("America/New_York")
H = 3600
BH = BusinessCalendar(tz="America/New_York", weekly={d: [("09:00", "17:00")] for d in range(5)})
ALWAYS = BusinessCalendar.always_open(tz="America/New_York")
POLICY = sla.SlaPolicy()


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)  # type: ignore[misc]


MON = ny(2026, 11, 23, 10, 0)  # a Monday


def test_start_lays_due_at_risk_and_first_alert() -> None:
    c = sla.start(ClockKind.RESPONSE, 4 * H, MON, BH, POLICY)
    assert c.state == ClockState.RUNNING
    assert c.due_at == ny(2026, 11, 23, 14, 0)
    assert c.next_alert_at == ny(2026, 11, 23, 13, 0)  # 75 %
    # at risk from the earlier of 75 % (13:00) and the 30 min margin (13:30)
    assert c.at_risk_at == ny(2026, 11, 23, 13, 0)


def test_short_target_margin_is_a_quarter_of_it() -> None:
    c = sla.start(ClockKind.RESPONSE, 30 * 60, MON, ALWAYS, sla.SlaPolicy(thresholds=(90, 100)))
    # margin = min(30 min, 25 % of 30 min) = 7.5 min -> at risk from 10:22:30, not 10:00
    assert c.at_risk_at == MON + timedelta(minutes=22, seconds=30)
    assert c.next_alert_at == MON + timedelta(minutes=27)  # 90 %


def test_deadline_over_the_weekend() -> None:
    fri = ny(2026, 11, 27, 15, 0)
    c = sla.start(ClockKind.RESPONSE, 4 * H, fri, BH, POLICY)
    assert c.due_at == ny(2026, 11, 30, 11, 0)  # 2 h Friday + 2 h Monday


def test_deadline_using_the_last_second_of_the_day_is_the_close() -> None:
    c = sla.start(ClockKind.RESOLUTION, 7 * H, MON, BH, POLICY)
    assert c.due_at == ny(2026, 11, 23, 17, 0)


def test_pause_across_a_weekend_keeps_consumed_time() -> None:
    fri = ny(2026, 11, 27, 9, 0)
    c = sla.start(ClockKind.RESOLUTION, 8 * H, fri, BH, POLICY)
    c = sla.pause(c, ny(2026, 11, 27, 13, 0), BH)
    assert c.state == ClockState.PAUSED and c.consumed_seconds == 4 * H
    assert c.due_at is None and c.next_alert_at is None
    c = sla.resume(c, ny(2026, 11, 30, 10, 0), BH, POLICY)
    assert c.due_at == ny(2026, 11, 30, 14, 0)
    assert c.consumed(ny(2026, 11, 30, 11, 0), BH) == 5 * H


def test_stop_in_time_late_and_exactly_at_due() -> None:
    c = sla.start(ClockKind.RESPONSE, H, MON, BH, POLICY)
    met = sla.stop(c, MON + timedelta(minutes=59), BH)
    assert met.state == ClockState.MET and met.breached_at is None
    exact = sla.stop(c, MON + timedelta(hours=1), BH)
    assert exact.state == ClockState.MET
    late = sla.stop(c, MON + timedelta(hours=3), BH)
    assert late.state == ClockState.BREACHED
    assert late.breached_at == MON + timedelta(hours=1, seconds=1)
    assert late.consumed_seconds == 3 * H  # counts on past due: reports know how late


def test_cross_reports_each_threshold_once_and_breach_after_due() -> None:
    c = sla.start(ClockKind.RESOLUTION, 4 * H, MON, BH, POLICY)
    c, got = sla.cross(c, MON + timedelta(hours=2), BH, POLICY)
    assert got == [] and c.next_alert_at == MON + timedelta(hours=3)
    c, got = sla.cross(c, MON + timedelta(hours=3, minutes=40), BH, POLICY)
    assert [(x.percent, x.at) for x in got] == [
        (75, MON + timedelta(hours=3)),
        (90, MON + timedelta(hours=3, minutes=36)),
    ]
    assert c.next_alert_at == MON + timedelta(hours=4, seconds=1)
    c, got = sla.cross(c, MON + timedelta(hours=4), BH, POLICY)
    assert got == []  # at the due instant itself: not yet breached
    c, got = sla.cross(c, MON + timedelta(hours=9), BH, POLICY)
    assert [(x.percent, x.breach) for x in got] == [(100, True)]
    assert c.breached_at == MON + timedelta(hours=4, seconds=1)
    assert c.state == ClockState.RUNNING and c.next_alert_at is None
    c, got = sla.cross(c, MON + timedelta(days=3), BH, POLICY)
    assert got == []


def test_a_late_tick_reports_everything_it_missed() -> None:
    c = sla.start(ClockKind.RESPONSE, H, MON, BH, POLICY)
    c, got = sla.cross(c, MON + timedelta(days=1), BH, POLICY)
    assert [x.percent for x in got] == [75, 90, 100]


H_ = timedelta(hours=1)


def test_crossing_after_hours_is_dated_when_it_happened() -> None:
    c = sla.start(ClockKind.RESPONSE, 2 * H, ny(2026, 11, 23, 16, 0), BH, POLICY)
    c, got = sla.cross(c, ny(2026, 11, 23, 23, 0), BH, POLICY)
    assert got == []  # only 1 business hour used by 23:00
    c, got = sla.cross(c, ny(2026, 11, 24, 9, 40), BH, POLICY)
    assert [(x.percent, x.at) for x in got] == [(75, ny(2026, 11, 24, 9, 30))]


def test_priority_upgrade_keeps_consumed_time() -> None:
    c = sla.start(ClockKind.RESOLUTION, 8 * H, MON, BH, POLICY)  # P3-like
    at = MON + timedelta(hours=2)
    up = sla.retarget(c, 4 * H, at, BH, BH, POLICY)  # to P1-like
    assert up.consumed_seconds == 2 * H and up.due_at == at + timedelta(hours=2)
    assert up.started_at == MON
    tight = sla.retarget(c, H, at, BH, BH, POLICY)  # already over the new target
    # Due when the consumed time reached the new target (an hour ago), not "now"; the
    # tick reports 75/90/100 at once.
    assert tight.due_at == MON + H_ and tight.next_alert_at == at
    tight, got = sla.cross(tight, at + timedelta(seconds=5), BH, POLICY)
    assert [x.percent for x in got] == [75, 90, 100]


def test_an_overdue_clock_keeps_its_due_instant_through_an_edit() -> None:
    """A profile or calendar edit re-lays every running clock; one already past its
    unchanged target stays due when it was (its overdue time must not restart)."""
    c = sla.start(ClockKind.UPDATE, H, MON, BH, POLICY)
    c, _ = sla.cross(c, MON + timedelta(hours=3), BH, POLICY)
    assert c.due_at == MON + H_ and c.breached_at is not None
    edited = sla.retarget(c, H, MON + timedelta(hours=3), BH, BH, POLICY)
    assert edited.due_at == MON + H_ and edited.breached_at == c.breached_at
    # Paused after the breach and resumed: still due since the breach, before and after
    # another edit.
    paused = sla.pause(c, MON + timedelta(hours=4), BH)
    resumed = sla.resume(paused, MON + timedelta(hours=5), BH, POLICY)
    assert resumed.due_at == c.breached_at  # the breach check's instant, a second past due
    again = sla.retarget(resumed, H, MON + timedelta(hours=6), BH, BH, POLICY)
    assert again.due_at == c.breached_at


def test_priority_downgrade_gives_more_time_and_lifts_a_breach() -> None:
    c = sla.start(ClockKind.RESPONSE, H, MON, BH, POLICY)
    c, _ = sla.cross(c, MON + timedelta(hours=2), BH, POLICY)
    assert c.breached_at is not None
    down = sla.retarget(c, 8 * H, MON + timedelta(hours=2), BH, BH, POLICY)
    assert down.breached_at is None and down.consumed_seconds == 2 * H
    assert down.due_at == ny(2026, 11, 24, 10, 0)  # 6 h left: 5 today + 1 tomorrow
    assert 100 not in down.thresholds_reached and 75 not in down.thresholds_reached


def test_retarget_onto_another_calendar_measures_on_the_old_one() -> None:
    sat = ny(2026, 11, 28, 10, 0)
    c = sla.start(ClockKind.RESOLUTION, 8 * H, ny(2026, 11, 27, 16, 0), BH, POLICY)
    moved = sla.retarget(c, 8 * H, sat, BH, ALWAYS, POLICY)
    assert moved.consumed_seconds == H  # Friday 16-17 on business hours; Saturday closed
    assert moved.due_at == sat + timedelta(hours=7)  # the rest on 24/7 from now


def test_reopen_counts_on_from_where_it_stopped() -> None:
    c = sla.start(ClockKind.RESOLUTION, 8 * H, MON, BH, POLICY)
    c = sla.stop(c, MON + timedelta(hours=3), BH)
    assert c.state == ClockState.MET
    again = sla.reopen(c, ny(2026, 11, 24, 9, 0), BH, POLICY)
    assert again.state == ClockState.RUNNING and again.consumed_seconds == 3 * H
    assert again.due_at == ny(2026, 11, 24, 14, 0)


def test_cancel_and_operations_that_do_not_apply() -> None:
    c = sla.start(ClockKind.UPDATE, H, MON, BH, POLICY)
    done = sla.cancel(c, MON + timedelta(minutes=10), BH)
    assert done.state == ClockState.CANCELLED and done.consumed_seconds == 600
    assert sla.pause(done, MON, BH) is done
    assert sla.resume(c, MON, BH, POLICY) is c  # not paused
    assert sla.stop(done, MON, BH) is done
    with pytest.raises(sla.ClockError):
        sla.start(ClockKind.RESPONSE, 0, MON, BH, POLICY)


def test_always_open_counts_real_time_across_dst() -> None:
    start = ny(2026, 3, 7, 12, 0)
    c = sla.start(ClockKind.RESOLUTION, 24 * H, start, ALWAYS, POLICY)
    assert c.due_at == start.astimezone(UTC) + timedelta(hours=24)  # real seconds
    assert c.due_at.astimezone(NY).hour == 13  # 13:00 EDT: the night lost an hour


def test_business_hours_clock_over_the_dst_weekend_in_london() -> None:
    ldn = BusinessCalendar(tz="Europe/London", weekly={d: [("09:00", "17:00")] for d in range(5)})
    fri = datetime(2026, 3, 27, 15, 0, tzinfo=ZoneInfo("Europe/London"))
    c = sla.start(ClockKind.RESOLUTION, 4 * H, fri, ldn, POLICY)
    assert c.due_at == datetime(2026, 3, 30, 11, 0, tzinfo=ZoneInfo("Europe/London"))


# ---------------------------------------------------------------- targets


@pytest.mark.parametrize(
    ("spec", "seconds"),
    [("30m", 1800), ("4h", 4 * H), ("1.5h", 5400), ("90M", 5400), (" 2h ", 2 * H)],
)
def test_fixed_targets(spec: str, seconds: int) -> None:
    assert parse_target(spec).resolve(BH, MON) == seconds


def test_business_day_targets() -> None:
    ten_hours = BusinessCalendar(tz="UTC", weekly={d: [("08:00", "18:00")] for d in range(5)})
    assert parse_target("2bd").resolve(ten_hours, MON) == 20 * H
    assert parse_target("2bd").resolve(ten_hours, MON, business_day_seconds=8 * H) == 16 * H
    assert parse_target("1bd").resolve(ALWAYS, MON) == 24 * H


def test_next_business_day_is_resolved_at_clock_start() -> None:
    tue_16 = ny(2026, 11, 24, 16, 0)
    assert parse_target("nbd").resolve(BH, tue_16) == 9 * H  # 1 h Tue + 8 h Wed
    fri_16 = ny(2026, 11, 27, 16, 0)
    assert parse_target("nbd").resolve(BH, fri_16) == 9 * H  # to Monday's close
    with_holiday = BusinessCalendar(
        tz="America/New_York",
        weekly={d: [("09:00", "17:00")] for d in range(5)},
        holidays=[date(2026, 11, 25)],
    )
    assert parse_target("nbd").resolve(with_holiday, tue_16) == 9 * H  # to Thursday


@pytest.mark.parametrize("bad", ["", "4", "h", "-1h", "0m", "2 days", "nbd2", "0.5s"])
def test_bad_targets_are_clear_errors(bad: str) -> None:
    with pytest.raises(TargetError):
        parse_target(bad)


def test_target_descriptions() -> None:
    assert parse_target("30m").describe() == "30 min"
    assert parse_target("4h").describe() == "4 h"
    assert parse_target("2bd").describe() == "2 business days"
    assert parse_target("nbd").describe() == "next business day"


# ---------------------------------------------------------------- badges


def _c(
    state: ClockState,
    due: datetime | None = None,
    risk: datetime | None = None,
    breached: datetime | None = None,
) -> sla.KpiClock:
    return sla.KpiClock(
        kind=ClockKind.RESOLUTION,
        state=state,
        target_seconds=H,
        started_at=MON,
        due_at=due,
        at_risk_at=risk,
        breached_at=breached,
    )


def test_badges() -> None:
    now = MON + timedelta(hours=1)
    due, risk = now + timedelta(minutes=30), now + timedelta(minutes=10)
    assert badge_for([], now).badge == Badge.NO_SLA
    on = badge_for([_c(ClockState.RUNNING, due, risk)], now)
    assert on.badge == Badge.ON_TRACK and on.remaining == timedelta(minutes=30)
    assert badge_for([_c(ClockState.RUNNING, due, now)], now).badge == Badge.AT_RISK
    over = badge_for([_c(ClockState.RUNNING, now - timedelta(minutes=1), risk)], now)
    assert over.badge == Badge.BREACHED and over.remaining == -timedelta(minutes=1)
    assert badge_for([_c(ClockState.PAUSED)], now).badge == Badge.PAUSED
    assert badge_for([_c(ClockState.PAUSED, breached=MON)], now).badge == Badge.BREACHED
    assert badge_for([_c(ClockState.MET), _c(ClockState.MET)], now).badge == Badge.MET
    assert badge_for([_c(ClockState.MET), _c(ClockState.BREACHED)], now).badge == Badge.BREACHED
    assert badge_for([_c(ClockState.CANCELLED)], now).badge == Badge.NO_SLA
    mixed = [_c(ClockState.MET), _c(ClockState.PAUSED), _c(ClockState.RUNNING, due, risk)]
    assert badge_for(mixed, now).badge == Badge.ON_TRACK


def test_countdown_format() -> None:
    assert format_countdown(None) == ""
    assert format_countdown(timedelta(minutes=42, seconds=59)) == "42m"
    assert format_countdown(timedelta(hours=3, minutes=5)) == "3h05m"
    assert format_countdown(timedelta(days=2, hours=4)) == "2d04h"
    assert format_countdown(-timedelta(minutes=15)) == "-15m"
    assert format_countdown(-timedelta(seconds=20)) == "-1m"  # never "-0m"
    assert format_countdown(-timedelta(hours=2, seconds=1)) == "-2h01m"


# ---------------------------------------------------------------- lifecycle


def test_lifecycle_effects() -> None:
    C = StatusCategory
    assert transition(C.OPEN, C.PAUSED) == ClockEffect.PAUSE
    assert transition(C.PAUSED, C.OPEN) == ClockEffect.RESUME
    assert transition(C.OPEN, C.RESOLVED) == ClockEffect.RESOLVE
    assert transition(C.RESOLVED, C.OPEN) == ClockEffect.REOPEN
    assert transition(C.RESOLVED, C.CLOSED) == ClockEffect.CLOSE
    assert transition(C.OPEN, C.OPEN) == ClockEffect.NONE
    with pytest.raises(TransitionError, match="new ticket"):
        transition(C.CLOSED, C.OPEN)
    with pytest.raises(TransitionError):
        transition(C.RESOLVED, C.PAUSED)
    assert effective_category("open", profile_pauses=True) == C.PAUSED
    assert effective_category("resolved", profile_pauses=True) == C.RESOLVED
