"""Benchmark: the SLA dashboards' aggregates on a large store.

Seeds N open tickets with running clocks (the SLA-tick benchmark's builder) plus M closed
tickets with a month of history (met and breached response and resolution instances,
some cancelled and replaced, first responses, resolutions, 20 technicians), then times
`team_dashboard` and `my_dashboard` — everything the dashboard screens read per
refresh — and prints the median of N runs. Then it opens the dashboard in the headless
console (`--no-screen` skips it): the time from `d` to painted data, and the UI event
loop's worst lag while a refresh reads — what a keypress would wait.

    python benchmarks/bench_dashboard.py [--open N] [--closed N] [--runs N] [--db PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from msp_tui.app import MspApp
from msp_tui.engine.clock import FixedClock
from msp_tui.screens.dashboard import DashboardScreen
from msp_tui.services.dashboard import my_dashboard, team_dashboard
from msp_tui.services.desk import Desk
from msp_tui.store import migrate
from msp_tui.store.db import Database, url_for
from msp_tui.store.models import SlaClock, Technician, Ticket

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_sla_tick import CHUNK, NOW, build  # the sibling benchmark's seeder

TECHNICIANS = 20
ME = "tech0@bench.example"


def add_history(db: Database, closed: int, seed: int = 11) -> None:
    """Technicians for every ticket, and a 40-day history for the first `closed` ones."""
    rng = random.Random(seed)
    with db.session() as s:
        techs = [
            Technician(name=f"Tech {i}", email=f"tech{i}@bench.example", role="technician",
                       tier="tier1", timezone="America/New_York")
            for i in range(TECHNICIANS)
        ]
        s.add_all(techs)
        s.flush()
        first_tech = techs[0].id
        cal_id = s.execute(sa.text("SELECT id FROM business_calendar LIMIT 1")).scalar_one()
    ticket_table = Ticket.__table__  # type: ignore[attr-defined]
    clock_table = SlaClock.__table__  # type: ignore[attr-defined]
    with db.engine.begin() as conn:
        conn.execute(
            ticket_table.update().values(assignee_id=first_tech + ticket_table.c.id % TECHNICIANS)
        )
        for base in range(0, closed, CHUNK):
            t_rows, c_rows = [], []
            for i in range(base + 1, min(base + CHUNK, closed) + 1):
                created = NOW - timedelta(seconds=rng.randint(600, 40 * 86400))
                responded = created + timedelta(seconds=rng.randint(60, 4 * 3600))
                resolved = responded + timedelta(seconds=rng.randint(600, 30 * 3600))
                for kind, target, stop in (
                    ("response", 3600, responded),
                    ("resolution", 8 * 3600, resolved),
                ):
                    late = (stop - created).total_seconds() > target
                    if rng.random() < 0.05:  # a priority change cancelled a first instance
                        c_rows.append(_clock(i, kind, "cancelled", cal_id, target, created,
                                             created + timedelta(seconds=30), None))
                    breached_at = created + timedelta(seconds=target + 1) if late else None
                    c_rows.append(_clock(i, kind, "breached" if late else "met", cal_id, target,
                                         created, stop, breached_at))
                t_rows.append({"b_id": i, "created_at": created, "first_response_at": responded,
                               "resolved_at": resolved})
            conn.execute(
                ticket_table.update()
                .where(ticket_table.c.id == sa.bindparam("b_id"))
                .values(created_at=sa.bindparam("created_at"),
                        first_response_at=sa.bindparam("first_response_at"),
                        resolved_at=sa.bindparam("resolved_at")),
                t_rows,
            )
            conn.execute(clock_table.insert(), c_rows)


def _clock(ticket_id: int, kind: str, state: str, cal_id: int, target: int, started,  # type: ignore[no-untyped-def]
           stopped, breached_at) -> dict[str, object]:
    return {"ticket_id": ticket_id, "kind": kind, "state": state, "calendar_id": cal_id,
            "target_seconds": target, "consumed_seconds": 0, "started_at": started,
            "stopped_at": stopped, "breached_at": breached_at, "thresholds_reached": []}


async def screen_timings(desk: Desk) -> tuple[float, list[float]]:
    """The console as a user meets it, headless: the time from `d` to the painted
    dashboard, and how late the UI's event loop runs while a refresh reads (a 10 ms timer
    polled during the reload): the lag a keypress would feel."""
    app = MspApp(desk, refresh_seconds=3600.0)
    async with app.run_test(size=(160, 48)) as pilot:
        await app.workers.wait_for_complete()
        started = time.perf_counter()
        await pilot.press("d")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DashboardScreen) and screen.view is not None
        first = time.perf_counter() - started
        screen.load()
        lags: list[float] = []
        while not lags or any(
            w.group == "dashboard-load" and w.is_running for w in app.workers
        ):
            t0 = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append(time.perf_counter() - t0 - 0.01)
        await app.workers.wait_for_complete()
    return first, lags


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description="dashboard aggregate timings")
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--closed", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--db", type=Path, help="reuse/keep this SQLite file")
    parser.add_argument("--no-screen", dest="screen", action="store_false",
                        help="skip the headless console measurement")
    args = parser.parse_args(argv)
    tmp = None
    if args.db is None:
        tmp = tempfile.TemporaryDirectory()
        path = Path(tmp.name) / "dashboard.sqlite3"
    else:
        path = args.db
    fresh = not path.exists()
    db = Database(url_for(path))
    try:
        if fresh:
            migrate.upgrade(db)
            t0 = time.perf_counter()
            build(db, args.open + args.closed, args.open)
            add_history(db, args.closed)
            print(f"seeded {args.open + args.closed:,} tickets in {time.perf_counter() - t0:.1f} s")
        desk = Desk(db, FixedClock(NOW), me_email=ME)
        timings: dict[str, float] = {}
        for name, read in (("team dashboard", team_dashboard), ("my dashboard", my_dashboard)):
            runs = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                read(desk)
                runs.append(time.perf_counter() - t0)
            timings[name] = statistics.median(runs) * 1000
        if args.screen:
            first, keys = asyncio.run(screen_timings(desk))
            timings["screen first paint"] = first * 1000
            timings["UI lag during load"] = max(keys) * 1000
        team = team_dashboard(desk)
        month = team.windows[-1]
        print(f"open tickets: {sum(n for _, n in team.badges):,}; 30 days: {month.met:,} met, "
              f"{month.breached:,} breached")
        for name, ms in timings.items():
            how = f"median of {args.runs}" if name.endswith("dashboard") else "one run, max"
            print(f"{name:>18}: {ms:8.1f} ms ({how})")
        return timings
    finally:
        db.dispose()
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    main(sys.argv[1:])
