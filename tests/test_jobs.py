"""The scheduler's jobs are wired to the tick and survive a failing tick."""

from __future__ import annotations

from datetime import timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlmodel import select

from msp_tui.config import SchedulerConfig
from msp_tui.jobs.scheduler import add_jobs, process_owner
from msp_tui.services.desk import Desk
from msp_tui.store.models import Lease, SlaAlert


def test_tick_job_records_crossings_under_the_process_lease(demo_desk: Desk) -> None:
    scheduler = BackgroundScheduler()  # never started: jobs are called directly, no sleeping
    add_jobs(scheduler, demo_desk.db, demo_desk.clock, SchedulerConfig(), process_owner())
    job = scheduler.get_job("sla_tick")
    assert job is not None and job.trigger.interval == timedelta(seconds=30)
    assert len(scheduler.get_jobs()) == 1  # one job: start-up catch-up and interval never overlap
    job.func()
    with demo_desk.db.session() as s:
        assert s.exec(select(Lease)).one().owner == process_owner()
        first = len(s.exec(select(SlaAlert)).all())
    assert first > 0  # the demo has clocks past their thresholds at "now"
    demo_desk.clock.advance(hours=6)  # type: ignore[attr-defined]
    job.func()
    with demo_desk.db.session() as s:
        assert len(s.exec(select(SlaAlert)).all()) > first


def test_a_failing_tick_is_logged_not_raised(
    demo_desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    scheduler = BackgroundScheduler()
    add_jobs(scheduler, demo_desk.db, _BrokenClock(), SchedulerConfig(), "me")
    scheduler.get_job("sla_tick").func()
    assert "SLA tick failed" in caplog.text


class _BrokenClock:
    def now(self):  # type: ignore[no-untyped-def]
        raise RuntimeError("clock source unavailable")
