"""Benchmark: the SLA tick on a large store.

Builds a SQLite file with N tickets (default 1,000,000, of which 100,000 open, each open
one with running response and resolution clocks), seeded with SQLAlchemy Core bulk
inserts, then runs the tick repeatedly with a fake clock advancing 30 s per tick and
prints the median and p95 tick times.

    python benchmarks/bench_sla_tick.py [--tickets N] [--open N] [--ticks N] [--db PATH]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from msp_tui.engine import sla as eng
from msp_tui.engine.business_hours import BusinessCalendar
from msp_tui.engine.clock import FixedClock
from msp_tui.engine.vocabulary import ClockKind
from msp_tui.services.tick import tick
from msp_tui.store import migrate
from msp_tui.store.db import Database, url_for
from msp_tui.store.models import (
    BusinessCalendarRow,
    Client,
    SlaClock,
    SlaProfile,
    SlaTarget,
    Ticket,
)

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
CHUNK = 20_000
WEEKLY = {str(d): [["08:00", "18:00"]] for d in range(5)}
TARGETS = {
    "P1": (1800, 4 * 3600),
    "P2": (3600, 8 * 3600),
    "P3": (4 * 3600, 20 * 3600),
    "P4": (8 * 3600, 50 * 3600),
}


def build(db: Database, tickets: int, open_tickets: int, seed: int = 7) -> None:
    """Reference rows by ORM, tickets and clocks by Core executemany in chunks."""
    rng = random.Random(seed)
    calendar = BusinessCalendar(
        tz="America/New_York", weekly={int(k): [tuple(w) for w in v] for k, v in WEEKLY.items()}
    )
    policy = eng.SlaPolicy()
    with db.session() as s:
        cal = BusinessCalendarRow(name="Business hours", tz="America/New_York", weekly=WEEKLY)
        s.add(cal)
        s.flush()
        profile = SlaProfile(name="Gold", calendar_id=cal.id)
        s.add(profile)
        s.flush()
        for prio, (resp, res) in TARGETS.items():
            s.add(
                SlaTarget(
                    profile_id=profile.id,
                    priority=prio,
                    response=f"{resp // 60}m",
                    resolution=f"{res // 60}m",
                )
            )
        clients = [
            Client(
                name=f"Client {i}", sla_profile_id=profile.id, billing_type="hybrid", created_at=NOW
            )
            for i in range(200)
        ]
        s.add_all(clients)
        s.flush()
        client_ids = [c.id for c in clients]
        cal_id, profile_id = cal.id, profile.id

    ticket_table = Ticket.__table__  # type: ignore[attr-defined]
    clock_table = SlaClock.__table__  # type: ignore[attr-defined]
    open_from = tickets - open_tickets  # the newest tickets are the open ones
    with db.engine.begin() as conn:
        for base in range(0, tickets, CHUNK):
            t_rows, c_rows = [], []
            for i in range(base, min(base + CHUNK, tickets)):
                is_open = i >= open_from
                age = (
                    timedelta(seconds=rng.randint(60, 3 * 86400))
                    if is_open
                    else timedelta(days=rng.randint(4, 900))
                )
                created = NOW - age
                prio = rng.choice(("P1", "P2", "P3", "P3", "P3", "P4"))
                due = None
                if is_open:
                    for kind, target in zip(
                        (ClockKind.RESPONSE, ClockKind.RESOLUTION), TARGETS[prio], strict=True
                    ):
                        value = eng.start(kind, target, created, calendar, policy)
                        value, _ = eng.cross(value, NOW, calendar, policy)  # up to date
                        due = min(filter(None, (due, value.due_at)))
                        c_rows.append(
                            {
                                "ticket_id": i + 1,
                                "kind": kind.value,
                                "state": "running",
                                "calendar_id": cal_id,
                                "target_seconds": target,
                                "consumed_seconds": 0,
                                "running_since": created,
                                "started_at": created,
                                "due_at": value.due_at,
                                "at_risk_at": value.at_risk_at,
                                "next_alert_at": value.next_alert_at,
                                "thresholds_reached": list(value.thresholds_reached),
                                "breached_at": value.breached_at,
                            }
                        )
                t_rows.append(
                    {
                        "id": i + 1,
                        "number": 100_000 + i,
                        "subject": f"Ticket {i} printer offline",
                        "type": "support",
                        "channel": "email",
                        "client_id": rng.choice(client_ids),
                        "priority": prio,
                        "status_id": 2 if is_open else 11,
                        "sla_profile_id": profile_id,
                        "unmatched_client": False,
                        "possible_social_engineering": False,
                        "sla_breached": False,
                        "next_due_at": due,
                        "created_at": created,
                        "updated_at": created,
                    }
                )
            conn.execute(ticket_table.insert(), t_rows)
            if c_rows:
                conn.execute(clock_table.insert(), c_rows)


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--ticks", type=int, default=60)
    parser.add_argument("--step", type=int, default=30, help="seconds between ticks")
    parser.add_argument("--db", type=Path, help="reuse/keep this SQLite file")
    args = parser.parse_args(argv)

    tmp = None
    if args.db is None:
        tmp = tempfile.TemporaryDirectory()
        path = Path(tmp.name) / "bench.sqlite3"
    else:
        path = args.db
    fresh = not path.exists()
    db = Database(url_for(path))
    try:
        if fresh:
            migrate.upgrade(db)
            t0 = time.perf_counter()
            build(db, args.tickets, min(args.open, args.tickets))
            print(
                f"seeded {args.tickets:,} tickets ({args.open:,} open) "
                f"in {time.perf_counter() - t0:.1f} s"
            )
        clock = FixedClock(NOW)
        tick(db, clock, owner="bench")  # settle anything left at NOW (not measured)
        times, crossings = [], 0
        for _ in range(args.ticks):
            clock.advance(seconds=args.step)
            t0 = time.perf_counter()
            result = tick(db, clock, owner="bench")
            times.append(time.perf_counter() - t0)
            crossings += len(result.crossings)
        with db.engine.connect() as conn:
            running = conn.execute(sa.text("SELECT count(*) FROM sla_clock WHERE state='running'"))
            running_clocks = running.scalar_one()
        median = statistics.median(times) * 1000
        p95 = sorted(times)[max(0, int(len(times) * 0.95) - 1)] * 1000
        print(
            f"running clocks: {running_clocks:,}; ticks: {args.ticks} x {args.step} s; "
            f"crossings recorded: {crossings:,}"
        )
        print(f"tick median: {median:.1f} ms   p95: {p95:.1f} ms   max: {max(times) * 1000:.1f} ms")
        return {"median_ms": median, "p95_ms": p95, "crossings": float(crossings)}
    finally:
        db.dispose()
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    main(sys.argv[1:])
