"""The SLA dashboards' use cases: the team lead's and the technician's, one read each.

Every number comes from `store.kpi_queries` aggregates; this module only turns "today,
the last 7 and 30 days in the viewer's zone" into UTC instants, folds the aggregated rows
into frozen views and decides the alarm. Definitions: README, "Dashboards".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from msp_tui.services.desk import Desk
from msp_tui.services.local_zone import viewer_zone, zone_or_utc
from msp_tui.services.tickets import ServiceError
from msp_tui.store import kpi_queries as kq
from msp_tui.store.csat_queries import CsatCount, CsatResults, csat_results
from msp_tui.store.db import read_change_seq
from msp_tui.store.kpi_queries import EscalationRow
from msp_tui.store.queries import TicketRow

WINDOWS = ("Today", "7 days", "30 days")
WINDOW_DAYS = (1, 7, 30)
TREND_DAYS = 30
GOAL = 0.90
ALARM_BELOW = 0.85
NEXT_TO_BREACH = 10


@dataclass(frozen=True)
class Rate:
    """One window's outcome counts (and, team-wide, the median first response)."""

    window: str
    met: int
    breached: int
    median_first_response: float | None = None  # seconds

    @property
    def counted(self) -> int:
        return self.met + self.breached

    @property
    def compliance(self) -> float | None:
        """Met in time / (met in time + breached); None when nothing ended."""
        return self.met / self.counted if self.counted else None

    @property
    def breach_rate(self) -> float | None:
        return self.breached / self.counted if self.counted else None

    @property
    def alarm(self) -> bool:
        return self.compliance is not None and self.compliance < ALARM_BELOW


@dataclass(frozen=True)
class BreakdownRow:
    key: str
    windows: tuple[Rate, ...]  # WINDOWS order
    csat: tuple[CsatCount, ...] = ()  # WINDOWS order; empty for no answers


@dataclass(frozen=True)
class TrendDay:
    day: date
    met: int
    breached: int

    @property
    def compliance(self) -> float | None:
        counted = self.met + self.breached
        return self.met / counted if counted else None


@dataclass(frozen=True)
class TeamDashboard:
    now: datetime
    zone: str  # day boundaries are local midnights here
    badges: tuple[tuple[str, int], ...]  # open tickets per badge, kq.BADGE_ORDER
    next_to_breach: tuple[TicketRow, ...]
    windows: tuple[Rate, ...]  # WINDOWS order
    breakdowns: Mapping[str, tuple[BreakdownRow, ...]]  # kq.GROUPS -> rows
    trend: tuple[TrendDay, ...]  # oldest first, today last
    seq: int  # the change sequence this view was read at
    csat: tuple[CsatCount, ...] = ()  # satisfaction answers per window, WINDOWS order

    @property
    def alarm_windows(self) -> tuple[Rate, ...]:
        """The windows whose compliance is under the alarm line (85 %)."""
        return tuple(r for r in self.windows if r.alarm)


@dataclass(frozen=True)
class Resolution:
    window: str
    average_seconds: float | None
    tickets: int


@dataclass(frozen=True)
class MyDashboard:
    now: datetime
    zone: str
    me: str
    queue_total: int
    queue: tuple[TicketRow, ...]  # my open tickets, most urgent first
    badges: tuple[tuple[str, int], ...]
    windows: tuple[Rate, ...]  # my compliance
    resolution: tuple[Resolution, ...]
    escalations: tuple[EscalationRow, ...]
    seq: int
    csat: tuple[CsatCount, ...] = ()  # my tickets' satisfaction answers, WINDOWS order

    @property
    def alarm_windows(self) -> tuple[Rate, ...]:
        return tuple(r for r in self.windows if r.alarm)


# ---------------------------------------------------------------- time windows


def day_starts(now: datetime, zone: str, days: int = TREND_DAYS) -> list[datetime]:
    """The local midnights (as UTC instants) of the last `days` days, today last."""
    tz = zone_or_utc(zone)
    today = now.astimezone(tz).date()
    return [
        datetime.combine(today - timedelta(days=back), time(), tzinfo=tz).astimezone(UTC)
        for back in range(days - 1, -1, -1)
    ]


def window_starts(starts: Sequence[datetime]) -> list[datetime]:
    """Today, the last 7 and the last 30 days (today included), from `day_starts`."""
    return [starts[-d] for d in WINDOW_DAYS]


def _rates(
    counts: kq.OutcomeCounts | None, medians: Sequence[float | None] = ()
) -> tuple[Rate, ...]:
    medians = tuple(medians) or (None,) * len(WINDOWS)
    if counts is None:
        return tuple(Rate(w, 0, 0, m) for w, m in zip(WINDOWS, medians, strict=True))
    return tuple(
        Rate(w, met, breached, m)
        for w, met, breached, m in zip(WINDOWS, counts.met, counts.breached, medians, strict=True)
    )


# ---------------------------------------------------------------- the two views


def team_dashboard(desk: Desk) -> TeamDashboard:
    """The team lead's dashboard at `desk.clock.now()`.

    The three expensive reads (outcomes, medians, live badges) run at once, each on its
    own connection: SQLite releases the GIL while it works and WAL lets readers run side
    by side, so the refresh takes about as long as the slowest read, not their sum
    (100,000 open tickets: ~750 → ~460 ms, see benchmarks/bench_dashboard.py). Each read
    is its own snapshot; the change sequence is read first, so a write that lands between
    them makes the screen read again on its next poll.
    """
    now = desk.clock.now()
    with desk.db.session() as s:
        seq = read_change_seq(s)  # first: a write racing these reads reloads again
        me = desk.me()  # looked up once per console
        zone = viewer_zone(s, me)
    days = day_starts(now, zone)

    def outcomes() -> kq.OutcomeSummary:
        with desk.db.session() as s:
            return kq.outcome_summary(s, days, WINDOW_DAYS)

    def medians_read() -> dict[tuple[str, str], tuple[float | None, ...]]:
        with desk.db.session() as s:
            return kq.median_first_response(s, days, WINDOW_DAYS)

    def live() -> tuple[dict[str, int], list[TicketRow], CsatResults]:
        with desk.db.session() as s:
            return (kq.badge_counts(s, now), kq.next_to_breach(s, now, NEXT_TO_BREACH),
                    csat_results(s, window_starts(days)))

    url = desk.db.engine.url
    if desk.db.is_sqlite and url.database in (None, "", ":memory:"):
        # Each thread would get its own empty in-memory database: read one after another.
        summary, medians, (badges, nearest, csat) = outcomes(), medians_read(), live()
    else:
        with ThreadPoolExecutor(max_workers=3, thread_name_prefix="dashboard") as pool:
            futures = [pool.submit(f) for f in (outcomes, medians_read, live)]
            summary, medians, (badges, nearest, csat) = (f.result() for f in futures)
    breakdowns: dict[str, tuple[BreakdownRow, ...]] = {}
    for group in kq.GROUPS:
        counted = {c.key: c for c in summary.groups[group]}
        mids = {k: v for (g, k), v in medians.items() if g == group}
        rated = csat.groups.get(group, {})
        keys = sorted(set(counted) | set(mids) | set(rated))
        breakdowns[group] = tuple(
            BreakdownRow(k, _rates(counted.get(k), mids.get(k, ())), rated.get(k, ()))
            for k in keys
        )
    local = zone_or_utc(zone)
    return TeamDashboard(
        now=now,
        zone=zone,
        badges=tuple(badges.items()),
        next_to_breach=tuple(nearest),
        windows=_rates(summary.overall, medians.get(("", ""), ())),
        csat=csat.overall,
        breakdowns=breakdowns,
        trend=tuple(
            TrendDay(start.astimezone(local).date(), met, breached)
            for start, (met, breached) in zip(days, summary.daily, strict=True)
        ),
        seq=seq,
    )


def my_dashboard(desk: Desk) -> MyDashboard:
    """The technician's own view ("me" is `desk.me_email`), read in one transaction."""
    now = desk.clock.now()
    with desk.db.session() as s:
        seq = read_change_seq(s)
        me = desk.me()  # looked up once per console
        if me is None:
            raise ServiceError("no technician to show: set who you are (me_email) in config")
        zone = viewer_zone(s, me)
        days = day_starts(now, zone)
        starts = window_starts(days)
        total, queue = kq.my_queue(s, me.id)
        summary = kq.outcome_summary(s, days, WINDOW_DAYS, (), assignee_id=me.id)
        resolution = kq.average_resolution(s, starts, me.id)
        escalations = kq.open_escalations(s, me.id)
        badges = kq.badge_counts(s, now, assignee_id=me.id)
        csat = csat_results(s, starts, technician_id=me.id)
    return MyDashboard(
        now=now,
        zone=zone,
        me=me.name,
        queue_total=total,
        queue=tuple(queue),
        badges=tuple(badges.items()),
        windows=_rates(summary.overall),
        csat=csat.overall,
        resolution=tuple(
            Resolution(w, avg, n) for w, (avg, n) in zip(WINDOWS, resolution, strict=True)
        ),
        escalations=tuple(escalations),
        seq=seq,
    )


# ---------------------------------------------------------------- formatting


def format_percent(value: float | None) -> str:
    """"92.3 %", or "–" when nothing ended in the window."""
    return "–" if value is None else f"{value * 100:.1f} %"


def goal_word(value: float | None) -> str:
    """Readable without colour: where a compliance rate stands against goal and alarm."""
    if value is None:
        return "no data"
    if value < ALARM_BELOW:
        return "ALARM"
    if value < GOAL:
        return "below goal"
    return "on goal"


def format_seconds(seconds: float | None) -> str:
    """Durations for a glance: "45m", "3h05m", "2d04h"; "–" when there are none."""
    if seconds is None:
        return "–"
    minutes = round(seconds) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d{hours:02d}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m"


def csat_text(counts: Sequence[CsatCount]) -> str:
    """One line: average rating and answers per window, and the share satisfied (4-5)
    over the widest window; "no answers yet" when nobody rated anything."""
    if not counts or not any(c.answers for c in counts):
        return "CSAT: no survey answers in the last 30 days"
    parts = [
        f"{w} {c.average:.1f} ({c.answers})" if c.average is not None else f"{w} —"
        for w, c in zip(WINDOWS, counts, strict=True)
    ]
    widest = counts[-1]
    satisfied = format_percent(widest.satisfied)
    return f"CSAT (1–5): {' · '.join(parts)} — {satisfied} satisfied (4–5) over 30 days"


def csat_cell(counts: Sequence[CsatCount], window: int) -> str:
    """A breakdown cell: "4.5 (12)" or "—"."""
    if not counts or counts[window].average is None:
        return "—"
    c = counts[window]
    return f"{c.average:.1f} ({c.answers})"
