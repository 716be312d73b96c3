"""Background jobs (APScheduler 3): the SLA tick now; mailbox poll and digests later.

Every console and the headless worker run the same scheduler; the jobs themselves take
a database lease, so however many processes run, one of them does the work and a dead
holder is replaced when its lease expires.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from msp_tui.config import SchedulerConfig
from msp_tui.engine.clock import Clock
from msp_tui.services.tick import tick
from msp_tui.store.db import Database

log = logging.getLogger(__name__)


def process_owner() -> str:
    """A lease owner name that is unique per process and readable in the lease table."""
    return f"{socket.gethostname()}:{os.getpid()}"


def add_jobs(
    scheduler: BaseScheduler, db: Database, clock: Clock, config: SchedulerConfig, owner: str
) -> None:
    def sla_tick() -> None:
        try:
            result = tick(db, clock, owner=owner, lease_ttl=timedelta(seconds=config.lease_seconds))
        except Exception:  # a failed tick must not kill the scheduler; the next one retries
            log.exception("SLA tick failed")
            return
        if result.crossings:
            log.info("SLA tick recorded %d threshold crossings", len(result.crossings))

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


def background(db: Database, clock: Clock, config: SchedulerConfig) -> BackgroundScheduler:
    """A started scheduler in a daemon thread (the console's)."""
    scheduler = BackgroundScheduler(daemon=True)
    add_jobs(scheduler, db, clock, config, process_owner())
    scheduler.start()
    return scheduler


def blocking(db: Database, clock: Clock, config: SchedulerConfig) -> BlockingScheduler:
    """A scheduler that runs in the foreground (`msp-tui worker`); call .start()."""
    scheduler = BlockingScheduler()
    add_jobs(scheduler, db, clock, config, process_owner())
    return scheduler
