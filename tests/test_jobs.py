"""The scheduler's jobs are wired to the tick and survive a failing tick."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlmodel import select

from msp_tui.config import Config, MailboxConfig, SchedulerConfig, SmtpConfig
from msp_tui.jobs.scheduler import add_jobs, process_owner
from msp_tui.services.desk import Desk
from msp_tui.services.mail_wiring import MailSetup
from msp_tui.store.models import Lease, MailboxState, SlaAlert
from tests.smtp_sink import SmtpSink, free_port


def test_tick_job_records_crossings_under_the_process_lease(demo_desk: Desk) -> None:
    scheduler = BackgroundScheduler()  # never started: jobs are called directly, no sleeping
    add_jobs(scheduler, demo_desk.db, demo_desk.clock, SchedulerConfig(), process_owner())
    job = scheduler.get_job("sla_tick")
    assert job is not None and job.trigger.interval == timedelta(seconds=30)
    # One tick job: start-up catch-up and interval never overlap.
    assert [j.id for j in scheduler.get_jobs()].count("sla_tick") == 1
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


def test_mail_jobs_only_where_configured_and_they_run(
    demo_desk: Desk, smtp_sink: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    off = BackgroundScheduler()
    add_jobs(off, demo_desk.db, demo_desk.clock, SchedulerConfig(), "me",
             mail=MailSetup.from_config(Config()))
    assert [j.id for j in off.get_jobs()] == ["sla_tick", "escalation", "auto_close"]

    config = Config(
        mailbox=MailboxConfig(enabled=True, host="127.0.0.1", port=free_port(), tls="none",
                              user="nobody", poll_seconds=45),
        smtp=SmtpConfig(enabled=True, host=smtp_sink.host, port=smtp_sink.port, tls="none",
                        from_address="help@msp.example"),
    )
    on = BackgroundScheduler()
    add_jobs(on, demo_desk.db, demo_desk.clock, SchedulerConfig(), "me",
             mail=MailSetup.from_config(config))
    poll, send = on.get_job("mailbox_poll"), on.get_job("outbox_send")
    assert poll.trigger.interval == timedelta(seconds=45) and send is not None
    with caplog.at_level(logging.INFO):
        poll.func()  # nothing listens on that port: recorded and logged, not raised
        send.func()  # an empty outbox: nothing to say
    assert "cannot connect to IMAP server" in caplog.text
    with demo_desk.db.session() as s:
        state = s.exec(select(MailboxState)).one()
        assert state.last_error and "cannot connect" in state.last_error
