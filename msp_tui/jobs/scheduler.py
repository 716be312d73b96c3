"""Background jobs (APScheduler 3): the SLA tick, escalations, auto-close, the mailbox poll,
the outbox sender (which also mails satisfaction surveys) and the morning SLA digest.

Every console and the headless worker run the same scheduler; the jobs themselves take
a database lease, so however many processes run, one of them does the work and a dead
holder is replaced when its lease expires.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from msp_tui.config import SchedulerConfig
from msp_tui.engine.clock import Clock
from msp_tui.services import escalation, reports
from msp_tui.services.auto_close import close_resolved
from msp_tui.services.mail_wiring import MailSetup
from msp_tui.services.tick import tick
from msp_tui.store.db import Database

log = logging.getLogger(__name__)
T = TypeVar("T")


def process_owner() -> str:
    """A lease owner name that is unique per process and readable in the lease table."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _job(what: str, run: Callable[[], T], report: Callable[[T], str | None]) -> Callable[[], None]:
    """A job body that logs instead of raising: a failed run must not kill the scheduler,
    and each job records its own failures (alerts stay unhandled, mail stays queued), so the
    next run retries. `report` says what is worth a log line (None: nothing)."""

    def body() -> None:
        try:
            result = run()
        except Exception:
            log.exception("%s failed", what)
            return
        line = report(result)
        if line:
            log.info("%s", line)

    return body


OUTBOX_SECONDS = 15  # how often queued mail is looked at; each row waits for its own backoff
AUTO_CLOSE_SECONDS = 300  # resolved tickets close within this long after their grace period


def add_jobs(
    scheduler: BaseScheduler,
    db: Database,
    clock: Clock,
    config: SchedulerConfig,
    owner: str,
    *,
    mail: MailSetup | None = None,
) -> None:
    lease_ttl = timedelta(seconds=config.lease_seconds)
    sla_tick = _job(
        "SLA tick",
        lambda: tick(db, clock, owner=owner, lease_ttl=lease_ttl),
        lambda r: f"SLA tick recorded {len(r.crossings)} threshold crossings" if r.crossings
        else None,
    )
    # One job, first run now (a console opened after a weekend is current at once): two
    # job ids would let the start-up catch-up and the first interval run overlap.
    scheduler.add_job(
        sla_tick,
        "interval",
        seconds=config.sla_tick_seconds,
        id="sla_tick",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
    # Kept between runs so alerts waiting for a calendar to open are not re-read each tick.
    esc_state = escalation.EscalationState()
    outbound = mail.outbound if mail is not None else None

    escalate = _job(
        "escalation",
        lambda: escalation.run(db, clock, owner=owner, lease_ttl=lease_ttl, outbound=outbound,
                               state=esc_state),
        lambda r: "\n".join(f"escalation: {line}" for line in r.actions),
    )
    scheduler.add_job(escalate, "interval", seconds=config.sla_tick_seconds, id="escalation",
                      max_instances=1, coalesce=True)

    auto_close = _job(
        "auto-close",
        lambda: close_resolved(db, clock, owner=owner,
                               after=timedelta(hours=config.auto_close_hours),
                               lease_ttl=lease_ttl),
        lambda closed: f"auto-closed {closed} resolved tickets" if closed else None,
    )
    scheduler.add_job(auto_close, "interval", seconds=AUTO_CLOSE_SECONDS, id="auto_close",
                      max_instances=1, coalesce=True)
    if mail is not None:
        _add_mail_jobs(scheduler, db, clock, owner, mail)


def _add_mail_jobs(
    scheduler: BaseScheduler, db: Database, clock: Clock, owner: str, mail: MailSetup
) -> None:
    """Poll and send only where configured; failures are recorded by the jobs themselves
    (mailbox state, outbox rows), so here they are only logged."""
    if mail.mailbox is not None:

        mailbox_poll = _job(
            "mailbox poll",
            lambda: mail.poll(db, clock, owner=owner),
            lambda r: r.summary() if r.ran and (r.fetched or r.error) else None,
        )
        scheduler.add_job(mailbox_poll, "interval", seconds=mail.config.mailbox.poll_seconds,
                          id="mailbox_poll", max_instances=1, coalesce=True,
                          next_run_time=datetime.now(UTC))
    if mail.outbound is not None:

        outbox_send = _job(
            "outbox send",
            lambda: mail.send(db, clock, owner=owner),
            lambda r: f"outbox: {r}" if r.sent or r.failed or r.stopped else None,
        )
        scheduler.add_job(outbox_send, "interval", seconds=OUTBOX_SECONDS, id="outbox_send",
                          max_instances=1, coalesce=True, next_run_time=datetime.now(UTC))
        if mail.config.reports.digest_recipients:
            _add_digest_job(scheduler, db, clock, owner, mail)


def _add_digest_job(
    scheduler: BaseScheduler, db: Database, clock: Clock, owner: str, mail: MailSetup
) -> None:
    """The digest at `digest_time` in the report zone; the job's own per-day key makes a
    second process, a misfire catch-up or a restart after sending a no-op."""
    config = mail.config.reports
    settings = mail.outbound
    assert settings is not None
    with db.session() as s:
        zone = reports.report_zone(s, config.digest_timezone)
    hour, minute = (int(part) for part in config.digest_time.split(":"))
    lease_ttl = timedelta(seconds=mail.config.scheduler.lease_seconds)

    daily_digest = _job(
        "daily digest",
        lambda: reports.run_daily_digest(db, clock, config, settings, owner=owner,
                                         lease_ttl=lease_ttl),
        lambda queued: f"daily digest queued for {', '.join(config.digest_recipients)}"
        if queued else None,
    )
    scheduler.add_job(daily_digest, CronTrigger(hour=hour, minute=minute, timezone=zone),
                      id="daily_digest", max_instances=1, coalesce=True,
                      misfire_grace_time=3600)


def background(
    db: Database, clock: Clock, config: SchedulerConfig, *, mail: MailSetup | None = None
) -> BackgroundScheduler:
    """A started scheduler in a daemon thread (the console's)."""
    scheduler = BackgroundScheduler(daemon=True)
    add_jobs(scheduler, db, clock, config, process_owner(), mail=mail)
    scheduler.start()
    return scheduler


def blocking(
    db: Database, clock: Clock, config: SchedulerConfig, *, mail: MailSetup | None = None
) -> BlockingScheduler:
    """A scheduler that runs in the foreground (`msp-tui worker`); call .start()."""
    scheduler = BlockingScheduler()
    add_jobs(scheduler, db, clock, config, process_owner(), mail=mail)
    return scheduler
