"""Benchmark: the console on a large store, headless.

Seeds N tickets (default 100,000 open plus 20,000 closed) with Core bulk inserts, then
drives the real app with Textual's `run_test` and prints how long it takes to show the
queue, apply a filter, run a full-text search, scroll to the bottom and open a ticket.

    python benchmarks/bench_console.py [--open N] [--closed N] [--db PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from msp_tui.engine.clock import FixedClock
from msp_tui.services.desk import Desk
from msp_tui.store import migrate
from msp_tui.store.db import Database, url_for

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_sla_tick import NOW, build  # the sibling benchmark's seeder


async def _settle(pilot: Any) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def drive(desk: Desk) -> dict[str, float]:
    from msp_tui.app import MspApp
    from msp_tui.screens.queue import QueueScreen

    timings: dict[str, float] = {}
    app = MspApp(desk, refresh_seconds=3600)
    t0 = time.perf_counter()
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        timings["show queue"] = time.perf_counter() - t0
        total = screen.table.total

        t0 = time.perf_counter()
        screen._apply(replace(screen.filter, priorities=("P1",)))
        await _settle(pilot)
        timings["filter P1"] = time.perf_counter() - t0
        filtered = screen.table.total

        t0 = time.perf_counter()
        screen._apply(replace(screen.filter, priorities=(), search="printer 9999"))
        await _settle(pilot)
        timings["search"] = time.perf_counter() - t0
        found = screen.table.total

        screen._apply(replace(screen.filter, search=""))
        await _settle(pilot)
        t0 = time.perf_counter()
        await pilot.press("G")
        await _settle(pilot)
        timings["jump to bottom"] = time.perf_counter() - t0

        row = screen.table.current
        if row is not None and _has_ticket_screen():
            t0 = time.perf_counter()
            app.action_open_ticket(row.id)
            await _settle(pilot)
            timings["open ticket"] = time.perf_counter() - t0
    print(f"queue: {total:,} tickets; P1 filter: {filtered:,}; search hits: {found:,}")
    return timings


def _has_ticket_screen() -> bool:
    import importlib.util

    return importlib.util.find_spec("msp_tui.screens.ticket") is not None


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description="console timings on a large store")
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--closed", type=int, default=20_000)
    parser.add_argument("--db", type=Path, help="reuse/keep this SQLite file")
    args = parser.parse_args(argv)
    tmp = None
    if args.db is None:
        tmp = tempfile.TemporaryDirectory()
        path = Path(tmp.name) / "console.sqlite3"
    else:
        path = args.db
    fresh = not path.exists()
    db = Database(url_for(path))
    try:
        if fresh:
            migrate.upgrade(db)
            t0 = time.perf_counter()
            build(db, args.open + args.closed, args.open)
            print(f"seeded {args.open + args.closed:,} tickets in {time.perf_counter() - t0:.1f} s")
        desk = Desk(db, FixedClock(NOW))
        timings = asyncio.run(drive(desk))
        for name, seconds in timings.items():
            print(f"{name:>16}: {seconds * 1000:8.1f} ms")
        return timings
    finally:
        db.dispose()
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    main(sys.argv[1:])
