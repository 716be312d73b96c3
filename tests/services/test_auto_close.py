"""Auto-close: resolved tickets close after the grace period unless the customer replied."""

from __future__ import annotations

from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlmodel import select

from msp_tui.config import SchedulerConfig
from msp_tui.engine.clock import FixedClock
from msp_tui.engine.vocabulary import ClockKind, ClockState, Direction
from msp_tui.jobs.scheduler import AUTO_CLOSE_SECONDS, add_jobs
from msp_tui.services import tickets as svc
from msp_tui.services.auto_close import AUTO_CLOSE_LEASE, close_resolved
from msp_tui.services.tick import acquire_lease
from msp_tui.store.models import AuditEvent, SlaClock, Status, Ticket
from tests.services.gold_desk import FIXED, MON, Desk, new_ticket

DAY = timedelta(hours=24)
RESOLVED_AT = MON + timedelta(hours=1)


def resolved_ticket(d: Desk, *, at: datetime = RESOLVED_AT, status: str = "resolved") -> int:
    with d.db.session() as s:
        t = new_ticket(s, d)
        svc.change_status(s, t, "in_progress", at=MON + timedelta(minutes=5), actor=d.tech)
        svc.change_status(s, t, status, at=at, actor=d.tech, reason="fixed", closure=FIXED)
        return t.id  # type: ignore[return-value]


def status_key(d: Desk, ticket_id: int) -> str:
    with d.db.session() as s:
        t = s.get(Ticket, ticket_id)
        return s.get(Status, t.status_id).key  # type: ignore[union-attr,return-value]


def run(d: Desk, clock: FixedClock, *, owner: str = "me", batch: int = 200) -> int:
    return close_resolved(d.db, clock, owner=owner, after=DAY, batch=batch)


def test_closes_at_the_end_of_the_grace_period_not_before(desk: Desk) -> None:
    tid = resolved_ticket(desk)
    clock = FixedClock(RESOLVED_AT + DAY - timedelta(seconds=1))
    assert run(desk, clock) == 0
    assert status_key(desk, tid) == "resolved"
    clock.advance(seconds=1)  # exactly 24 h after resolving
    assert run(desk, clock) == 1
    assert status_key(desk, tid) == "closed"
    with desk.db.session() as s:
        t = s.get(Ticket, tid)
        assert t is not None and t.closed_at == clock.now() and t.resolved_at == RESOLVED_AT
        event = s.exec(
            select(AuditEvent).where(AuditEvent.entity_id == tid, AuditEvent.field == "status")
            .order_by(AuditEvent.id.desc())  # type: ignore[union-attr]
        ).first()
        assert event is not None and event.actor == "auto-close" and event.new_value == "Closed"
        assert "24 h" in event.reason and "no customer reply" in event.reason
    assert run(desk, clock) == 0  # nothing left to do


def test_a_customer_reply_reopens_the_same_ticket_and_restarts_the_grace(desk: Desk) -> None:
    tid = resolved_ticket(desk)
    replied = RESOLVED_AT + timedelta(hours=20)
    with desk.db.session() as s:
        t = s.get(Ticket, tid)
        assert t is not None
        resolution = s.exec(
            select(SlaClock).where(SlaClock.ticket_id == tid,
                                   SlaClock.kind == ClockKind.RESOLUTION)
        ).one()
        assert resolution.state in (ClockState.MET, ClockState.BREACHED)
        used_when_resolved = resolution.consumed_seconds
        # As mail intake does on a reply to a resolved ticket.
        svc.add_message(s, t, at=replied, direction=Direction.CUSTOMER, body="Still broken")
        svc.change_status(s, t, "in_progress", at=replied, actor=svc.Actor("mail intake"),
                          reason="the customer replied by email")
    clock = FixedClock(RESOLVED_AT + DAY + timedelta(hours=1))
    assert run(desk, clock) == 0
    assert status_key(desk, tid) == "in_progress"
    with desk.db.session() as s:
        assert s.exec(select(Ticket).where(Ticket.id == tid)).one().resolved_at is None
        resolution = s.exec(
            select(SlaClock).where(SlaClock.ticket_id == tid,
                                   SlaClock.kind == ClockKind.RESOLUTION)
        ).one()
        # Same ticket, same clock: it counts on from where it stopped.
        assert resolution.state == ClockState.RUNNING
        assert resolution.consumed_seconds == used_when_resolved
        svc.change_status(s, s.get(Ticket, tid), "resolved", at=clock.now(),  # type: ignore[arg-type]
                          actor=desk.tech, closure=FIXED)
    clock.advance(DAY - timedelta(minutes=1))
    assert run(desk, clock) == 0
    clock.advance(minutes=1)
    assert run(desk, clock) == 1
    assert status_key(desk, tid) == "closed"


def test_every_resolved_category_status_closes_and_open_ones_do_not(desk: Desk) -> None:
    done = [resolved_ticket(desk, status=key) for key in ("resolved", "noc_completed")]
    with desk.db.session() as s:
        busy = new_ticket(s, desk)
        svc.change_status(s, busy, "in_progress", at=MON, actor=desk.tech)
        busy_id = busy.id
    assert run(desk, FixedClock(MON + 10 * DAY)) == 2
    assert [status_key(desk, t) for t in done] == ["closed", "closed"]
    assert status_key(desk, busy_id) == "in_progress"  # type: ignore[arg-type]


def test_batches_close_everything(desk: Desk) -> None:
    ids = [resolved_ticket(desk, at=RESOLVED_AT + timedelta(minutes=i)) for i in range(5)]
    assert run(desk, FixedClock(MON + 3 * DAY), batch=2) == 5
    assert {status_key(desk, t) for t in ids} == {"closed"}


def test_only_the_lease_holder_closes(desk: Desk) -> None:
    tid = resolved_ticket(desk)
    clock = FixedClock(MON + 3 * DAY)
    with desk.db.session() as s:
        assert acquire_lease(s, AUTO_CLOSE_LEASE, "other", clock.now(), timedelta(minutes=1))
    assert run(desk, clock, owner="me") == 0
    assert status_key(desk, tid) == "resolved"
    clock.advance(minutes=2)  # the other holder died: its lease expired
    assert run(desk, clock, owner="me") == 1


def test_the_scheduler_job_uses_the_configured_hours(desk: Desk) -> None:
    tid = resolved_ticket(desk)
    clock = FixedClock(RESOLVED_AT + timedelta(hours=2))
    scheduler = BackgroundScheduler()  # never started: the job is called directly
    add_jobs(scheduler, desk.db, clock, SchedulerConfig(auto_close_hours=2), "me")
    job = scheduler.get_job("auto_close")
    assert job is not None and job.trigger.interval == timedelta(seconds=AUTO_CLOSE_SECONDS)
    job.func()
    assert status_key(desk, tid) == "closed"
