"""Benchmark: the SLA tick plus the escalation job on 100,000 open tickets.

Reuses the SLA tick benchmark's builder (tickets with running response and resolution
clocks on a business-hours calendar), then gives every open ticket an assignee in one of
four groups and an idle-check instant spread over the next day, adds technicians of
every tier and role, and the demo's default escalation rules. Each step advances a fake
clock (30 s by default) and runs the tick and then the escalation job, as the scheduler
does; prints the median and p95 of tick + escalation.

    python benchmarks/bench_escalation.py [--tickets N] [--open N] [--ticks N] [--db PATH]
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa

from msp_tui.demo import data
from msp_tui.engine.clock import FixedClock
from msp_tui.services import escalation
from msp_tui.services import tickets as svc
from msp_tui.services.outbox import OutboundSettings
from msp_tui.services.tick import tick
from msp_tui.store import migrate
from msp_tui.store.db import Database, url_for
from msp_tui.store.models import GroupMember, TechGroup, Technician, Ticket

GROUPS = 4
PER_GROUP = 10  # tier1/tier2/senior technicians per group (plus a team lead)


def _tick_bench() -> ModuleType:
    """bench_sla_tick.py by path: benchmarks/ is a folder of scripts, not a package."""
    path = Path(__file__).resolve().parent / "bench_sla_tick.py"
    spec = importlib.util.spec_from_file_location("bench_sla_tick", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(db: Database, tickets: int, open_tickets: int, seed: int = 11) -> None:
    base = _tick_bench()
    base.build(db, tickets, open_tickets)
    now = base.NOW
    rng = random.Random(seed)
    tiers = ("tier1", "tier1", "tier2", "tier2", "senior")
    with db.session() as s:
        assignees: list[tuple[int, int]] = []
        for g in range(GROUPS):
            lead = Technician(name=f"Lead {g}", email=f"lead{g}@bench.example",
                              role="team_lead", tier="senior")
            s.add(lead)
            s.flush()
            group = TechGroup(name=f"Group {g}", lead_id=lead.id)
            s.add(group)
            s.flush()
            for i in range(PER_GROUP):
                tech = Technician(name=f"Tech {g}.{i}", email=f"t{g}.{i}@bench.example",
                                  role="technician", tier=tiers[i % len(tiers)])
                s.add(tech)
                s.flush()
                s.add(GroupMember(group_id=group.id, technician_id=tech.id))  # type: ignore[arg-type]
                assignees.append((tech.id, group.id))  # type: ignore[arg-type]
        for role in ("operations_manager", "director"):
            s.add(Technician(name=role, email=f"{role}@bench.example", role=role, tier="senior"))
        for profile, trigger, actions in data.ESCALATION_RULES:
            if profile is None:
                escalation.add_rule(s, trigger=trigger, actions=actions, at=now,
                                    actor=svc.SYSTEM)
    table = Ticket.__table__  # type: ignore[attr-defined]
    open_from = tickets - open_tickets + 1
    rows = []
    for ticket_id in range(open_from, tickets + 1):
        tech_id, group_id = rng.choice(assignees)
        rows.append({"b_id": ticket_id, "assignee_id": tech_id, "group_id": group_id,
                     "idle_check_at": now + timedelta(seconds=rng.randint(1, 86400))})
    with db.engine.begin() as conn:
        conn.execute(
            table.update()
            .where(table.c.id == sa.bindparam("b_id"))
            .values(assignee_id=sa.bindparam("assignee_id"), group_id=sa.bindparam("group_id"),
                    idle_check_at=sa.bindparam("idle_check_at")),
            rows,
        )


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tickets", type=int, default=100_000)
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
    outbound = OutboundSettings("help@bench.example", "MSP")
    try:
        if fresh:
            migrate.upgrade(db)
            t0 = time.perf_counter()
            build(db, args.tickets, min(args.open, args.tickets))
            print(f"seeded {args.tickets:,} tickets ({args.open:,} open, assigned) "
                  f"in {time.perf_counter() - t0:.1f} s")
        clock = FixedClock(_tick_bench().NOW)
        state = escalation.EscalationState()
        tick(db, clock, owner="bench")  # settle what is due at NOW (not measured)
        escalation.run(db, clock, owner="bench", outbound=outbound, state=state)
        times, esc_times = [], []
        counts = {"alerts": 0, "near_due": 0, "idle": 0, "deferred": 0}
        for _ in range(args.ticks):
            clock.advance(seconds=args.step)
            t0 = time.perf_counter()
            tick(db, clock, owner="bench")
            t1 = time.perf_counter()
            result = escalation.run(db, clock, owner="bench", outbound=outbound, state=state)
            t2 = time.perf_counter()
            times.append(t2 - t0)
            esc_times.append(t2 - t1)
            counts["alerts"] += result.handled
            counts["near_due"] += result.near_due
            counts["idle"] += result.idle
            counts["deferred"] += result.deferred
        median = statistics.median(times) * 1000
        p95 = sorted(times)[max(0, int(len(times) * 0.95) - 1)] * 1000
        esc_median = statistics.median(esc_times) * 1000
        print(f"open tickets: {args.open:,}; steps: {args.ticks} x {args.step} s; alerts acted "
              f"on: {counts['alerts']:,}; near-due: {counts['near_due']:,}; idle reassigned: "
              f"{counts['idle']:,}; waiting for an opening: {counts['deferred']:,}")
        print(f"tick + escalation median: {median:.1f} ms   p95: {p95:.1f} ms   "
              f"max: {max(times) * 1000:.1f} ms   (escalation alone median: {esc_median:.1f} ms)")
        return {"median_ms": median, "p95_ms": p95, "escalation_median_ms": esc_median,
                **{k: float(v) for k, v in counts.items()}}
    finally:
        db.dispose()
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    main(sys.argv[1:])
