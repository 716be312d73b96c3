"""Throughput of BusinessCalendar.add() and .elapsed() over random calendars.

SLA recomputation calls these for every open clock on every tick, so they must stay in
the 100k calls/s range. Usage: ``python benchmarks/bench_business_hours.py [--calls N]
[--seed S] [--calendars C]``.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from msp_tui.engine.business_hours import BusinessCalendar

ZONES = ("America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata", "UTC")
MAX_BUSINESS_DAYS = 60


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def random_calendar(rng: random.Random) -> BusinessCalendar:
    """Weekday hours with split days, some overnight windows and random holidays."""
    weekly: dict[int, list[tuple[str, str]]] = {}
    for day in range(7):
        if day >= 5 and rng.random() < 0.6:
            continue  # closed most weekends
        kind = rng.random()
        opens = rng.randrange(6 * 60, 10 * 60 + 1, 15)
        if kind < 0.4:  # plain day
            weekly[day] = [(_hhmm(opens), _hhmm(opens + rng.randrange(6 * 60, 10 * 60, 15)))]
        elif kind < 0.8:  # lunch break
            lunch = opens + rng.randrange(3 * 60, 5 * 60, 15)
            back = lunch + rng.randrange(30, 91, 15)
            weekly[day] = [(_hhmm(opens), _hhmm(lunch)), (_hhmm(back), _hhmm(back + 240))]
        else:  # day shift plus a night shift to 02:00 (mornings open at 06:00 or later)
            weekly[day] = [(_hhmm(opens), _hhmm(opens + 8 * 60)), ("20:00", "02:00")]
    first = date(2026, 1, 1)
    holidays = [first + timedelta(days=rng.randrange(0, 730)) for _ in range(rng.randrange(25))]
    if not weekly:
        weekly[0] = [("09:00", "17:00")]
    return BusinessCalendar(tz=rng.choice(ZONES), weekly=weekly, holidays=holidays)


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Run the benchmark; return (and print) calls per second for add and elapsed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200_000, help="calls per method")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--calendars", type=int, default=20)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    calendars = [random_calendar(rng) for _ in range(max(1, args.calendars))]
    origin = datetime(2026, 1, 1, tzinfo=UTC)
    jobs: list[tuple[BusinessCalendar, datetime, int]] = []
    for _ in range(args.calls):
        cal = rng.choice(calendars)
        start = origin + timedelta(seconds=rng.randrange(365 * 86400))
        span = rng.randrange(1, MAX_BUSINESS_DAYS * cal.business_day_seconds() + 1)
        jobs.append((cal, start, span))

    t0 = time.perf_counter()
    ends = [cal.add(start, span) for cal, start, span in jobs]
    t1 = time.perf_counter()
    total = 0
    for (cal, start, _), end in zip(jobs, ends, strict=True):
        total += cal.elapsed(start, end)
    t2 = time.perf_counter()
    if total != sum(span for _, _, span in jobs):
        raise SystemExit("add() and elapsed() disagree")
    result = {
        "add_per_s": args.calls / max(t1 - t0, 1e-9),
        "elapsed_per_s": args.calls / max(t2 - t1, 1e-9),
    }
    print(
        f"{args.calls} calls on {len(calendars)} calendars: "
        f"add() {result['add_per_s']:,.0f}/s, elapsed() {result['elapsed_per_s']:,.0f}/s"
    )
    return result


if __name__ == "__main__":
    main()
