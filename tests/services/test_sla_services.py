"""Ticket services drive the SLA clocks: persisted state, events, ticket copies, tick."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from msp_tui.engine.clock import FixedClock
from msp_tui.engine.vocabulary import Direction, PriorityCode
from msp_tui.services import priority_policy, sla
from msp_tui.services import tickets as svc
from msp_tui.services.calendars import load_calendar
from msp_tui.services.tick import TICK_LEASE, acquire_lease, tick
from msp_tui.store.models import (
    BusinessCalendarRow,
    SlaAlert,
    SlaClock,
    SlaClockEvent,
    SlaProfilePauseStatus,
    Status,
    Ticket,
)
from tests.services.gold_desk import FIXED, MON, Desk, ny
from tests.services.gold_desk import new_ticket as _new

TECH = svc.Actor("Tess", None)


def _clocks(s: Session, ticket: Ticket) -> dict[str, SlaClock]:
    """The newest clock of each kind."""
    out: dict[str, SlaClock] = {}
    for c in s.exec(select(SlaClock).where(SlaClock.ticket_id == ticket.id).order_by(SlaClock.id)):
        out[c.kind] = c
    return out


def _events(s: Session, ticket: Ticket) -> list[tuple[str, str]]:
    rows = s.exec(
        select(SlaClock.kind, SlaClockEvent.event)
        .join(SlaClock, SlaClock.id == SlaClockEvent.clock_id)
        .where(SlaClockEvent.ticket_id == ticket.id)
        .order_by(SlaClockEvent.id)
    ).all()
    return [(k, e) for k, e in rows]


def test_create_starts_response_and_resolution(desk: Desk) -> None:
    with desk.db.session() as s:
        t = _new(s, desk)
        c = _clocks(s, t)
        assert set(c) == {"response", "resolution"}
        assert c["response"].due_at == ny(2026, 11, 23, 14, 0)
        assert c["resolution"].target_seconds == 16 * 3600  # 2bd of an 8 h day
        assert c["resolution"].due_at == ny(2026, 11, 25, 10, 0)  # 7 h Mon, 8 Tue, 1 Wed
        assert t.next_due_at == ny(2026, 11, 23, 14, 0) and t.sla_profile_id == desk.profile_id
        assert _events(s, t) == [("response", "started"), ("resolution", "started")]


def test_priority_calendar_override(desk: Desk) -> None:
    with desk.db.session() as s:
        sat = ny(2026, 11, 28, 10, 0)
        t = _new(s, desk, at=sat, priority=PriorityCode.P1)
        c = _clocks(s, t)
        assert c["response"].due_at == sat + timedelta(minutes=30)  # 24/7 for P1


def test_unmatched_and_no_profile_tickets_have_no_clock_until_matched(desk: Desk) -> None:
    with desk.db.session() as s:
        t = _new(s, desk, client=None)
        bare = _new(s, desk, client=desk.bare_client_id)
        assert t.unmatched_client and _clocks(s, t) == {} and _clocks(s, bare) == {}
        assert t.next_due_at is None
        later = MON + timedelta(hours=2)
        svc.match_client(s, t, desk.client_id, at=later, actor=desk.tech)
        c = _clocks(s, t)
        assert not t.unmatched_client
        assert c["response"].started_at == later  # from the match, not from intake
        assert c["response"].due_at == later + timedelta(hours=4)


def test_reply_meets_response_and_runs_update_instances(desk: Desk) -> None:
    with desk.db.session() as s:
        t = _new(s, desk, priority=PriorityCode.P2)
        svc.add_message(
            s,
            t,
            at=MON + timedelta(minutes=20),
            direction=Direction.PUBLIC,
            body="On it",
            actor=desk.tech,
        )
        c = _clocks(s, t)
        assert c["response"].state == "met"
        first_update = c["update"]
        assert first_update.state == "running"
        assert first_update.due_at == MON + timedelta(minutes=20, hours=2)
        # a customer message does not move the update clock
        svc.add_message(
            s, t, at=MON + timedelta(minutes=50), direction=Direction.CUSTOMER, body="Any news?"
        )
        assert _clocks(s, t)["update"].id == first_update.id
        # an internal note does not either
        svc.add_message(
            s,
            t,
            at=MON + timedelta(minutes=55),
            direction=Direction.INTERNAL,
            body="checking logs",
            actor=desk.tech,
        )
        assert _clocks(s, t)["update"].id == first_update.id
        svc.add_message(
            s,
            t,
            at=MON + timedelta(hours=1),
            direction=Direction.PUBLIC,
            body="Update: replaced toner",
            actor=desk.tech,
        )
        c = _clocks(s, t)
        assert s.get(SlaClock, first_update.id).state == "met"
        assert c["update"].id != first_update.id and c["update"].state == "running"
        assert c["update"].due_at == MON + timedelta(hours=3)


def test_late_reply_is_stopped_late(desk: Desk) -> None:
    with desk.db.session() as s:
        t = _new(s, desk)
        svc.add_message(
            s,
            t,
            at=ny(2026, 11, 23, 15, 0),
            direction=Direction.PUBLIC,
            body="Sorry for the wait",
            actor=desk.tech,
        )
        r = _clocks(s, t)["response"]
        assert r.state == "breached" and r.breached_at == ny(2026, 11, 23, 14, 0, 1)
        assert t.sla_breached


def test_waiting_on_customer_pauses_across_a_weekend(desk: Desk) -> None:
    with desk.db.session() as s:
        fri = ny(2026, 11, 27, 9, 0)
        t = _new(s, desk, at=fri)
        svc.add_message(
            s,
            t,
            at=fri + timedelta(hours=1),
            direction=Direction.PUBLIC,
            body="Which printer?",
            actor=desk.tech,
        )
        svc.change_status(s, t, "waiting_on_customer", at=ny(2026, 11, 27, 13, 0), actor=desk.tech)
        res = _clocks(s, t)["resolution"]
        assert res.state == "paused" and res.consumed_seconds == 4 * 3600 and res.due_at is None
        assert t.next_due_at is None  # nothing running
        svc.change_status(s, t, "in_progress", at=ny(2026, 11, 30, 10, 0), actor=desk.tech)
        res = _clocks(s, t)["resolution"]
        assert res.state == "running"
        assert res.due_at == ny(2026, 12, 1, 14, 0)  # 12 h left: 7 Mon + 5 Tue
        assert t.next_due_at == res.due_at
        kinds = _events(s, t)
        assert ("resolution", "paused") in kinds and ("resolution", "resumed") in kinds


def test_profile_pause_status(desk: Desk) -> None:
    with desk.db.session() as s:
        t = _new(s, desk)
        svc.change_status(s, t, "in_progress", at=MON + timedelta(minutes=5), actor=desk.tech)
        svc.change_status(s, t, "pending_approval", at=MON + timedelta(hours=1), actor=desk.tech)
        assert _clocks(s, t)["resolution"].state == "paused"
        svc.change_status(s, t, "provisioning", at=MON + timedelta(hours=3), actor=desk.tech)
        assert _clocks(s, t)["resolution"].state == "running"


def test_resolve_reopen_and_close(desk: Desk) -> None:
    with desk.db.session() as s:
        t = _new(s, desk)
        svc.add_message(
            s,
            t,
            at=MON + timedelta(minutes=10),
            direction=Direction.PUBLIC,
            body="Fixed",
            actor=desk.tech,
        )
        svc.change_status(s, t, "resolved", at=MON + timedelta(hours=3),
                          actor=desk.tech, closure=FIXED)
        res = _clocks(s, t)["resolution"]
        assert res.state == "met" and res.consumed_seconds == 3 * 3600
        assert t.resolved_at == MON + timedelta(hours=3) and t.next_due_at is None
        svc.change_status(s, t, "in_progress", at=ny(2026, 11, 24, 9, 0), actor=desk.tech)
        again = _clocks(s, t)["resolution"]
        assert again.id == res.id and again.state == "running"  # the same KPI instance
        assert again.due_at == ny(2026, 11, 25, 14, 0)  # 13 h left: 8 Tue + 5 Wed
        assert t.resolved_at is None
        svc.change_status(s, t, "closed", at=ny(2026, 11, 24, 12, 0),
                          actor=desk.tech, closure=FIXED)
        states = {c.kind: c.state for c in _clocks(s, t).values()}
        assert states == {"response": "met", "resolution": "met", "update": "cancelled"} or (
            states["resolution"] == "met" and states["response"] == "met"
        )
        with pytest.raises(svc.ServiceError, match="closed"):
            svc.change_status(s, t, "in_progress", at=ny(2026, 11, 24, 13, 0), actor=desk.tech)


def test_resolving_without_a_reply_stops_the_response_clock_too(desk: Desk) -> None:
    with desk.db.session() as s:
        t = _new(s, desk)
        svc.change_status(s, t, "resolved", at=MON + timedelta(hours=1),
                          actor=desk.tech, closure=FIXED)
        assert {c.state for c in _clocks(s, t).values()} == {"met"}


@pytest.mark.parametrize(
    ("new", "expect_due"),
    [
        (PriorityCode.P2, ny(2026, 11, 23, 12, 0)),  # upgrade: 1 h target, 30 min used
        (PriorityCode.P4, ny(2026, 11, 24, 17, 0)),  # downgrade: until the next day's close
    ],
)
def test_priority_change_cancels_and_reopens_kpi_instances(
    desk: Desk, new: PriorityCode, expect_due: datetime
) -> None:
    with desk.db.session() as s:
        t = _new(s, desk)  # P3: response 4 h
        at = MON + timedelta(minutes=30)
        if new == PriorityCode.P2:
            at = ny(2026, 11, 23, 11, 30)
            # 1.5 h used of a 1 h target -> already over: due since the hour was used up
            # (11:00), not from the change, so its overdue time does not restart
            expect_due = ny(2026, 11, 23, 11, 0)
        svc.change_priority(s, t, new, at=at, actor=desk.tech, reason="customer called")
        rows = s.exec(
            select(SlaClock)
            .where(SlaClock.ticket_id == t.id, SlaClock.kind == "response")
            .order_by(SlaClock.id)
        ).all()
        assert [r.state for r in rows] == ["cancelled", "running"]
        assert rows[1].consumed_seconds == rows[0].consumed_seconds
        assert rows[1].started_at == MON
        assert rows[1].due_at == expect_due
        assert ("response", "cancelled") in _events(s, t)
        assert ("response", "retargeted") in _events(s, t)
        with pytest.raises(svc.ServiceError, match="reason"):
            svc.change_priority(s, t, PriorityCode.P1, at=at, actor=desk.tech, reason=" ")


def test_calendar_edit_recalculates_running_clocks_and_what_if_rolls_back(desk: Desk) -> None:
    with desk.db.session() as s:
        t = _new(s, desk)
        tid = t.id
    noon = ny(2026, 11, 23, 12, 0)

    def extend_hours(s: Session) -> list[sla.DueShift]:
        row = s.get(BusinessCalendarRow, desk.calendar_id)
        old = {desk.calendar_id: load_calendar(s, desk.calendar_id)}
        row.weekly = {str(d): [["09:00", "19:00"]] for d in range(5)}
        s.add(row)
        s.flush()
        sla.forget_rules(s)
        return sla.recalculate_clocks(
            s, at=noon, calendar_ids=[desk.calendar_id], old_calendars=old
        )

    # what-if: same function, transaction rolled back
    with desk.db.engine.connect() as conn:
        trans = conn.begin()
        with Session(bind=conn) as s:
            preview = extend_hours(s)
        trans.rollback()
    by_kind = {sh.clock_id: sh for sh in preview}
    assert len(preview) == 2
    with desk.db.session() as s:
        resp = _clocks(s, s.get(Ticket, tid))["response"]
        assert resp.due_at == ny(2026, 11, 23, 14, 0)  # unchanged: it was only a preview
        assert by_kind[resp.id].after == ny(2026, 11, 23, 14, 0)  # 2 h used, 2 h left at noon
        res_shift = by_kind[_clocks(s, s.get(Ticket, tid))["resolution"].id]
        # 2bd target now is 20 h (two 10 h days); 2 h used, 18 h left from noon:
        # 7 h Mon, 10 h Tue, 1 h Wed
        assert res_shift.after == ny(2026, 11, 25, 10, 0)
    with desk.db.session() as s:
        shifts = extend_hours(s)
        assert [x.after for x in shifts] == [x.after for x in preview]
        events = s.exec(select(SlaClockEvent.event).where(SlaClockEvent.ticket_id == tid)).all()
        assert events.count("recalculated") == 2


def test_tick_records_each_crossing_once_and_marks_breaches(desk: Desk) -> None:
    with desk.db.session() as s:
        t = _new(s, desk)
        tid = t.id
    clock = FixedClock(ny(2026, 11, 23, 13, 5))
    first = tick(desk.db, clock, owner="console-1")
    assert first.ran and [(c.kind, c.percent) for c in first.crossings] == [("response", 75)]
    assert tick(desk.db, clock, owner="console-1").crossings == []  # nothing new
    clock.set(ny(2026, 11, 23, 14, 30))
    second = tick(desk.db, clock, owner="console-1")
    assert [(c.kind, c.percent, c.breach) for c in second.crossings] == [
        ("response", 90, False),
        ("response", 100, True),
    ]
    with desk.db.session() as s:
        t = s.get(Ticket, tid)
        assert t.sla_breached
        alerts = s.exec(select(SlaAlert.threshold).where(SlaAlert.ticket_id == tid)).all()
        assert sorted(alerts) == [75, 90, 100]
        assert ("response", "breached") in _events(s, t)
        # a restart that forgot the clock's progress still cannot repeat an alert
        s.execute(
            sa.update(SlaClock).values(
                thresholds_reached=[], breached_at=None, next_alert_at=ny(2026, 11, 23, 13, 0)
            )
        )
    again = tick(desk.db, clock, owner="console-1")
    assert again.crossings == []


def test_only_the_lease_holder_ticks(desk: Desk) -> None:
    clock = FixedClock(MON)
    assert tick(desk.db, clock, owner="a").ran
    assert not tick(desk.db, clock, owner="b").ran
    clock.advance(seconds=61)  # a's lease expired: b may take over
    assert tick(desk.db, clock, owner="b").ran
    assert not tick(desk.db, clock, owner="a").ran
    with desk.db.session() as s:
        assert acquire_lease(s, TICK_LEASE, "b", clock.now(), timedelta(seconds=60))


# ---------------------------------------------------------------- regressions (review)


def test_priority_change_on_a_closed_ticket_starts_no_clock(desk: Desk) -> None:
    with desk.db.session() as s:
        t = _new(s, desk)
        svc.add_message(
            s,
            t,
            at=MON + timedelta(minutes=5),
            direction=Direction.PUBLIC,
            body="Done",
            actor=desk.tech,
        )
        svc.change_status(s, t, "closed", at=MON + timedelta(hours=1),
                          actor=desk.tech, closure=FIXED)
        svc.change_priority(
            s,
            t,
            PriorityCode.P1,
            at=MON + timedelta(hours=2),
            actor=desk.tech,
            reason="late escalation",
        )
        active = s.exec(
            select(SlaClock).where(
                SlaClock.ticket_id == t.id, SlaClock.state.in_(["running", "paused"])
            )
        ).all()
        assert active == [] and t.next_due_at is None


def test_reopen_after_a_priority_change_uses_the_new_targets(desk: Desk) -> None:
    with desk.db.session() as s:
        t = _new(s, desk)  # P3: resolution 2bd = 16 h
        svc.add_message(
            s,
            t,
            at=MON + timedelta(minutes=5),
            direction=Direction.PUBLIC,
            body="Fixed",
            actor=desk.tech,
        )
        svc.change_status(s, t, "resolved", at=MON + timedelta(hours=1),
                          actor=desk.tech, closure=FIXED)
        svc.change_priority(
            s,
            t,
            PriorityCode.P2,
            at=MON + timedelta(hours=2),
            actor=desk.tech,
            reason="it matters more",
        )
        assert [
            c.kind
            for c in s.exec(
                select(SlaClock).where(SlaClock.ticket_id == t.id, SlaClock.state == "running")
            ).all()
        ] == []
        svc.change_status(s, t, "in_progress", at=MON + timedelta(hours=3), actor=desk.tech)
        res = _clocks(s, t)["resolution"]
        assert res.state == "running" and res.target_seconds == 8 * 3600  # P2: 8 h
        assert res.due_at == ny(2026, 11, 24, 12, 0)  # 7 h left: 4 Mon + 3 Tue


def test_pausing_or_resolving_an_overdue_clock_keeps_the_breach(desk: Desk) -> None:
    with desk.db.session() as s:
        t = _new(s, desk, priority=PriorityCode.P2)  # response 1 h, no tick has run
        svc.change_status(
            s, t, "waiting_on_customer", at=MON + timedelta(hours=1, minutes=30), actor=desk.tech
        )
        svc.change_status(s, t, "in_progress", at=MON + timedelta(hours=2), actor=desk.tech)
        svc.add_message(
            s,
            t,
            at=MON + timedelta(hours=2),
            direction=Direction.PUBLIC,
            body="Sorry",
            actor=desk.tech,
        )
        assert _clocks(s, t)["response"].state == "breached"
        assert t.sla_breached
    with desk.db.session() as s:
        t = _new(s, desk, priority=PriorityCode.P2)  # resolution 8 h
        svc.add_message(
            s,
            t,
            at=MON + timedelta(minutes=5),
            direction=Direction.PUBLIC,
            body="On it",
            actor=desk.tech,
        )
        late = ny(2026, 11, 24, 11, 0)  # 8 h of business time ran out Tue 10:00
        svc.change_status(s, t, "waiting_on_customer", at=late, actor=desk.tech)
        res = _clocks(s, t)["resolution"]
        assert res.state == "paused" and res.breached_at == ny(2026, 11, 24, 10, 0, 1)
        svc.change_status(s, t, "resolved", at=late + timedelta(hours=1),
                          actor=desk.tech, closure=FIXED)
        assert _clocks(s, t)["resolution"].state == "breached"


def test_moving_to_a_profile_without_that_pause_status_resumes_the_clocks(desk: Desk) -> None:
    from msp_tui.services import sla_admin as admin

    with desk.db.session() as s:
        provisioning = s.exec(select(Status).where(Status.key == "provisioning")).one()
        s.add(SlaProfilePauseStatus(profile_id=desk.profile_id, status_id=provisioning.id))
    with desk.db.session() as s:
        t = _new(s, desk)
        svc.change_status(s, t, "provisioning", at=MON + timedelta(hours=1), actor=desk.tech)
        assert _clocks(s, t)["resolution"].state == "paused"  # Gold pauses in Provisioning
        other = admin.create_profile(
            s,
            name="Silver",
            calendar_id=desk.calendar_id,
            at=MON,
            actor=desk.tech,
            targets={"P3": admin.TargetSpec("4h", "2bd")},
        )
        admin.set_client_profile(
            s,
            desk.client_id,
            other.id,
            at=MON + timedelta(hours=2),
            actor=desk.tech,
            reapply_to_open_tickets=True,
        )
        assert _clocks(s, t)["resolution"].state == "running"  # Silver does not pause there


def test_update_clock_starts_after_an_upgrade_to_a_priority_with_updates(desk: Desk) -> None:
    with desk.db.session() as s:
        t = _new(s, desk)  # P3 has no update interval
        svc.add_message(
            s,
            t,
            at=MON + timedelta(minutes=10),
            direction=Direction.PUBLIC,
            body="Looking",
            actor=desk.tech,
        )
        assert "update" not in _clocks(s, t)
        svc.change_priority(
            s,
            t,
            PriorityCode.P2,
            at=MON + timedelta(minutes=30),
            actor=desk.tech,
            reason="more users affected",
        )
        upd = _clocks(s, t)["update"]  # P2 updates every 2 h
        assert upd.state == "running" and upd.due_at == MON + timedelta(minutes=30, hours=2)


def test_a_reply_while_paused_meets_the_update_instance(desk: Desk) -> None:
    with desk.db.session() as s:
        t = _new(s, desk, priority=PriorityCode.P2)
        svc.add_message(s, t, at=MON, direction=Direction.PUBLIC, body="Hi", actor=desk.tech)
        first = _clocks(s, t)["update"]
        svc.change_status(s, t, "waiting_on_customer", at=MON + timedelta(hours=1), actor=desk.tech)
        svc.add_message(
            s,
            t,
            at=MON + timedelta(hours=2),
            direction=Direction.PUBLIC,
            body="Still waiting for your answer",
            actor=desk.tech,
        )
        assert s.get(SlaClock, first.id).state == "met"
        nxt = _clocks(s, t)["update"]
        assert nxt.id != first.id and nxt.state == "paused"


def test_the_tick_reads_clocks_by_the_next_alert_index(desk: Desk) -> None:
    with desk.db.engine.connect() as conn:
        plan = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT sla_clock.id FROM sla_clock JOIN ticket "
            "ON ticket.id = sla_clock.ticket_id WHERE sla_clock.state = 'running' AND "
            "sla_clock.next_alert_at <= '2026-11-24' ORDER BY sla_clock.next_alert_at, "
            "sla_clock.id LIMIT 500"
        ).all()
    assert any("ix_sla_clock_next_alert_at" in str(row) for row in plan), plan


def test_tick_pages_through_many_clocks_in_small_batches(desk: Desk) -> None:
    # Seven tickets from one client in minutes is a spike the policy would lift to P2.
    with desk.db.session() as s, priority_policy.suspended(s):
        ids = [_new(s, desk, at=MON + timedelta(minutes=i)).id for i in range(7)]
    result = tick(desk.db, FixedClock(ny(2026, 11, 24, 12, 0)), owner="x", batch=2)
    per_ticket = {
        tid: sorted(c.percent for c in result.crossings if c.ticket_id == tid) for tid in ids
    }
    # response (4 h) breached for all seven; resolution (16 h) at 75 % (12 h) for none yet
    assert all(v == [75, 90, 100] for v in per_ticket.values()), per_ticket
    again = tick(desk.db, FixedClock(ny(2026, 11, 24, 12, 0)), owner="x", batch=2)
    assert again.crossings == []
