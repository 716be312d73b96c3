"""SLA dashboard aggregates, computed by the database (GROUP BY, window functions).

The dashboard must stay live on 100,000 tickets, so nothing here fetches ticket rows to
count them in Python: every function returns a handful of aggregated rows. Time windows
arrive as UTC instants (the services turn "today in my zone" into them), so the SQL is
the same on SQLite and PostgreSQL and day boundaries follow DST.

Definitions (also in the README, "Dashboards"):
- a KPI instance is one `sla_clock` row; per ticket and clock kind only the *last
  non-cancelled* instance counts (a priority change cancels and replaces one; a reopened
  ticket runs the same instance again);
- an instance *ends* when its outcome is decided: met when it stopped in time
  (`stopped_at`), breached at the instant it passed its target (`breached_at`, even while
  the ticket is still being worked); it counts in the window it ended in, once;
- compliance = met in time / (met in time + breached); breach rate = the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session

from msp_tui.engine.badges import Badge
from msp_tui.engine.vocabulary import ClockState, NotificationLevel, StatusCategory, WellKnownStatus
from msp_tui.store.models import Client, Notification, SlaClock, Status, Technician, Ticket
from msp_tui.store.queries import TicketRow, ticket_row_select, urgency_order, with_clocks
from msp_tui.store.queue_queries import badge_of_level, clock_badge_level
from msp_tui.store.types import UTCDateTime

OPEN_CATEGORIES = (StatusCategory.OPEN.value, StatusCategory.PAUSED.value)
BADGE_ORDER = (
    Badge.ON_TRACK, Badge.AT_RISK, Badge.BREACHED, Badge.PAUSED, Badge.MET, Badge.NO_SLA
)
BY_CLIENT = "client"
BY_TECHNICIAN = "technician"
BY_PRIORITY = "priority"
GROUPS = (BY_CLIENT, BY_TECHNICIAN, BY_PRIORITY)
NO_CLIENT = "(no client)"
UNASSIGNED = "(unassigned)"


@dataclass(frozen=True)
class OutcomeCounts:
    """Met-in-time and breached instances per window (same order as the window starts)."""

    key: str
    met: tuple[int, ...]
    breached: tuple[int, ...]


@dataclass(frozen=True)
class EscalationRow:
    ticket_id: int
    number: int
    subject: str
    status: str
    escalated_status: bool  # the ticket is in the Escalated status
    alerts: int  # unread warning/error notifications to me about it


def _open_ticket() -> Any:
    return Status.category.in_(OPEN_CATEGORIES)  # type: ignore[attr-defined]


# ---------------------------------------------------------------- open tickets, live


def badge_counts(session: Session, now: datetime, assignee_id: int | None = None) -> dict[str, int]:
    """Open tickets per badge, by the queue's badge rules as one aggregate per ticket.

    Each open ticket's clocks are read once through the (ticket_id, kind) index and folded
    by `clock_badge_level`; the queue's per-badge EXISTS filters cost several probes per
    ticket, too many for a 100,000-ticket refresh.
    """
    per_ticket = (
        sa.select(
            Ticket.sla_breached.label("sla_breached"),
            clock_badge_level(now).label("level"),
        )
        .select_from(Ticket)
        .join(Status, Status.id == Ticket.status_id)
        .outerjoin(SlaClock, SlaClock.ticket_id == Ticket.id)
        .where(_open_ticket())
        .group_by(Ticket.id, Ticket.sla_breached)
    )
    if assignee_id is not None:
        per_ticket = per_ticket.where(Ticket.assignee_id == assignee_id)
    tickets = per_ticket.subquery("per_ticket")
    badge = badge_of_level(tickets.c.sla_breached, tickets.c.level).label("badge")
    stmt = sa.select(badge, sa.func.count()).group_by(badge)
    found = {b: int(n) for b, n in session.execute(stmt).all()}
    return {b.value: found.get(b.value, 0) for b in BADGE_ORDER}


def next_to_breach(session: Session, now: datetime, limit: int = 10) -> list[TicketRow]:
    """Open tickets whose nearest running deadline is still ahead, soonest first.

    Reads the indexed `ticket.next_due_at` copy, so it costs `limit` rows, not a scan.
    """
    stmt = (
        ticket_row_select()
        .where(_open_ticket(), Ticket.next_due_at > now)  # type: ignore[operator]
        .order_by(*urgency_order())
        .limit(limit)
    )
    return with_clocks(session, [TicketRow(*r) for r in session.execute(stmt).all()])


def my_queue(session: Session, technician_id: int, limit: int = 200) -> tuple[int, list[TicketRow]]:
    """A technician's open tickets, most urgent first (the first `limit`), and how many."""
    where = (_open_ticket(), Ticket.assignee_id == technician_id)
    total = session.execute(
        sa.select(sa.func.count())
        .select_from(Ticket)
        .join(Status, Status.id == Ticket.status_id)
        .where(*where)
    ).scalar_one()
    stmt = ticket_row_select().where(*where).order_by(*urgency_order()).limit(limit)
    rows = with_clocks(session, [TicketRow(*r) for r in session.execute(stmt).all()])
    return int(total), rows


# ---------------------------------------------------------------- KPI instances


@dataclass(frozen=True)
class OutcomeSummary:
    """Everything the dashboard says about ended instances, from one statement."""

    overall: OutcomeCounts
    groups: Mapping[str, tuple[OutcomeCounts, ...]]  # GROUPS -> per key, by key
    daily: tuple[tuple[int, int], ...]  # (met, breached) per day of `day_starts`


def _day_index(column: Any, day_starts: Sequence[datetime]) -> Any:
    """Which local day (index into `day_starts`) an instant falls on; -1 before them.

    The boundaries are instants computed in the viewer's zone, so DST days are right on
    every database. Nested CASEs bisect the days: five comparisons a row, not thirty.
    """

    def last_reached(lo: int, hi: int) -> Any:  # the last i in [lo, hi) reached, else lo - 1
        if hi - lo == 1:
            return sa.case((column >= day_starts[lo], lo), else_=lo - 1)
        mid = (lo + hi) // 2
        reached = column >= day_starts[mid]
        return sa.case((reached, last_reached(mid, hi)), else_=last_reached(lo, mid))

    return last_reached(0, len(day_starts))


_GROUP_IDS = {BY_CLIENT: "client_id", BY_TECHNICIAN: "assignee_id", BY_PRIORITY: "priority"}


def _group_keys(
    client_id: Any = None, assignee_id: Any = None, priority: Any = None
) -> tuple[dict[str, Any], Any]:
    """The label each breakdown shows, and the outer joins they need, over the given
    id columns (the ticket's own by default)."""
    client_id = Ticket.client_id if client_id is None else client_id
    assignee_id = Ticket.assignee_id if assignee_id is None else assignee_id
    tech = aliased(Technician)
    keys = {
        BY_CLIENT: sa.func.coalesce(Client.name, NO_CLIENT),
        BY_TECHNICIAN: sa.func.coalesce(tech.name, UNASSIGNED),
        BY_PRIORITY: Ticket.priority if priority is None else priority,
    }
    joins = [(Client, Client.id == client_id), (tech, tech.id == assignee_id)]
    return keys, joins


def _instances(
    day_starts: Sequence[datetime], groups: Sequence[str], assignee_id: int | None
) -> Any:
    """The instances that count, ended since the first day, counted per (day, breached,
    and the ticket's client, assignee and priority ids as `groups` need): column `n`.

    Last non-cancelled per (ticket, kind) is a NOT EXISTS on the (ticket_id, kind) index.
    Counted by ids before any name is joined: the dashboard's aggregates then read a few
    hundred rows, not one per instance (100,000s when most open tickets have breached).
    """
    later = aliased(SlaClock)
    breached = SlaClock.breached_at.is_not(None)  # type: ignore[union-attr]
    met = sa.and_(SlaClock.state == ClockState.MET.value, SlaClock.breached_at.is_(None))  # type: ignore[union-attr]
    ended_at = sa.type_coerce(
        sa.func.coalesce(SlaClock.breached_at, SlaClock.stopped_at), UTCDateTime()
    )
    superseded = sa.exists().where(
        later.ticket_id == SlaClock.ticket_id,
        later.kind == SlaClock.kind,
        later.state != ClockState.CANCELLED.value,
        later.id > SlaClock.id,  # type: ignore[operator]
    )
    since = day_starts[0]
    ids = list(dict.fromkeys(_GROUP_IDS[g] for g in groups))
    id_columns = [getattr(Ticket, name).label(name) for name in ids]
    day = _day_index(ended_at, day_starts).label("day")
    late = sa.case((breached, 1), else_=0).label("breached")
    stmt = sa.select(day, late, *id_columns, sa.func.count().label("n")).select_from(SlaClock)
    if ids or assignee_id is not None:
        stmt = stmt.join(Ticket, Ticket.id == SlaClock.ticket_id)
    if assignee_id is not None:
        stmt = stmt.where(Ticket.assignee_id == assignee_id)
    stmt = stmt.where(
        SlaClock.state != ClockState.CANCELLED.value,
        sa.or_(
            SlaClock.breached_at >= since,  # type: ignore[operator]
            sa.and_(met, SlaClock.stopped_at >= since),  # type: ignore[operator]
        ),
        sa.not_(superseded),
    )
    stmt = stmt.group_by(day, late, *id_columns)
    return stmt.cte("instances").prefix_with("MATERIALIZED")


def outcome_summary(
    session: Session,
    day_starts: Sequence[datetime],
    window_days: Sequence[int],
    groups: Sequence[str] = GROUPS,
    *,
    assignee_id: int | None = None,
) -> OutcomeSummary:
    """Met-in-time and breached instances per window (the last `d` days of `day_starts`
    for each `d` in `window_days`), overall and per group, and per day: one statement.

    Instances are attributed to the ticket's current client, assignee and priority.
    """
    inst = _instances(day_starts, groups, assignee_id)
    last = len(day_starts) - 1
    n = inst.c.n
    sums: list[Any] = []
    for days in window_days:
        inside = inst.c.day > last - days
        sums.append(sa.func.sum(sa.case((sa.and_(inside, inst.c.breached == 0), n), else_=0)))
        sums.append(sa.func.sum(sa.case((sa.and_(inside, inst.c.breached == 1), n), else_=0)))
    zeros = [sa.literal(0)] * len(sums)
    met_day = sa.func.sum(sa.case((inst.c.breached == 0, n), else_=0))
    breached_day = sa.func.sum(sa.case((inst.c.breached == 1, n), else_=0))
    parts = [  # per day; the overall windows are sums of these days
        sa.select(
            sa.literal("").label("g"), sa.literal("").label("k"), inst.c.day,
            met_day, breached_day, *zeros[2:],
        ).group_by(inst.c.day),
    ]
    keys, joins = _group_keys(
        *(inst.c.get(c, None) for c in ("client_id", "assignee_id", "priority"))
    )
    sources = {BY_CLIENT: inst.outerjoin(*joins[0]), BY_TECHNICIAN: inst.outerjoin(*joins[1])}
    for g in groups:
        parts.append(
            sa.select(sa.literal(g), sa.cast(keys[g], sa.String), sa.literal(-1), *sums)
            .select_from(sources.get(g, inst))
            .group_by(keys[g])
        )
    by_group: dict[str, list[OutcomeCounts]] = {g: [] for g in groups}
    daily = [(0, 0)] * len(day_starts)
    for g, key, day, *values in session.execute(sa.union_all(*parts)).all():
        counts = [int(v or 0) for v in values]
        if not g:
            if 0 <= day <= last:
                daily[day] = (counts[0], counts[1])
        else:
            by_group[g].append(OutcomeCounts(str(key), tuple(counts[0::2]), tuple(counts[1::2])))
    recent = [daily[max(0, last + 1 - days) :] for days in window_days]
    overall = OutcomeCounts(
        "all",
        tuple(sum(met for met, _ in d) for d in recent),
        tuple(sum(late for _, late in d) for d in recent),
    )
    return OutcomeSummary(
        overall=overall,
        groups={g: tuple(sorted(rows, key=lambda c: c.key)) for g, rows in by_group.items()},
        daily=tuple(daily),
    )


# ---------------------------------------------------------------- durations and medians


def _seconds_between(session: Session, later: Any, earlier: Any) -> Any:
    """Whole wall-clock seconds between two instant columns, in the dialect's own
    arithmetic (rounded: SQLite's julianday is a float)."""
    if session.get_bind().dialect.name == "sqlite":
        return sa.func.round((sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400.0)
    return sa.func.round(sa.func.extract("epoch", later - earlier))


def median_first_response(
    session: Session,
    day_starts: Sequence[datetime],
    window_days: Sequence[int],
    groups: Sequence[str] = GROUPS,
) -> dict[tuple[str, str], tuple[float | None, ...]]:
    """Median seconds from creation to first public reply, for tickets first answered in
    each window, overall (key ("", "")) and per (group, key): one median per window.

    Window functions pick the middle one or two durations per (window, group, key); only
    those come back, never the durations themselves.
    """
    keys, joins = _group_keys()
    duration = _seconds_between(session, Ticket.first_response_at, Ticket.created_at)
    base = sa.select(
        _day_index(Ticket.first_response_at, day_starts).label("day"),
        duration.label("d"),
        *(keys[g].label(g) for g in groups),
    ).select_from(Ticket)
    for target, on in joins:
        base = base.outerjoin(target, on)
    answered = (
        base.where(Ticket.first_response_at >= day_starts[0])  # type: ignore[operator]
        .cte("answered")
        .prefix_with("MATERIALIZED")
    )
    last = len(day_starts) - 1
    parts = []
    for g in ("", *groups):
        key = sa.cast(answered.c[g], sa.String) if g else sa.literal("")
        parts.append(
            sa.select(sa.literal(g).label("g"), key.label("k"), answered.c.day, answered.c.d)
        )
    durations = sa.union_all(*parts).subquery("durations")
    # One sort per (group, key) by duration serves every window: a running count of the
    # window's rows is each row's rank among them, a whole-partition count their number.
    partition = (durations.c.g, durations.c.k)
    inside = [durations.c.day > last - days for days in window_days]
    ranks = []
    for w, flag in enumerate(inside):
        one = sa.case((flag, 1), else_=0)
        ranks.append(
            sa.func.sum(one)
            .over(partition_by=partition, order_by=durations.c.d, rows=(None, 0))
            .label(f"r{w}")
        )
        ranks.append(
            sa.func.sum(one)
            .over(partition_by=partition, order_by=durations.c.d, rows=(None, None))
            .label(f"n{w}")
        )
    ranked = sa.select(
        durations.c.g,
        durations.c.k,
        durations.c.d,
        *(flag.label(f"in{w}") for w, flag in enumerate(inside)),
        *ranks,
    ).subquery("ranked")
    middle = []
    for w in range(len(window_days)):
        n = ranked.c[f"n{w}"]
        middle.append(
            sa.and_(
                ranked.c[f"in{w}"],
                ranked.c[f"r{w}"].in_([(n + 1) // 2, (n + 2) // 2]),
            )
        )
    stmt = (
        sa.select(
            ranked.c.g,
            ranked.c.k,
            *(sa.func.avg(sa.case((m, ranked.c.d), else_=None)) for m in middle),
        )
        .where(sa.or_(*middle))
        .group_by(ranked.c.g, ranked.c.k)
    )
    out: dict[tuple[str, str], tuple[float | None, ...]] = {}
    for g, k, *medians in session.execute(stmt).all():
        out[(str(g), str(k))] = tuple(None if m is None else float(m) for m in medians)
    return out


def average_resolution(
    session: Session, starts: Sequence[datetime], assignee_id: int
) -> tuple[tuple[float | None, int], ...]:
    """(mean seconds from creation to resolution, tickets) for a technician's tickets
    resolved since each start; a reopened ticket counts once it is resolved again."""
    duration = _seconds_between(session, Ticket.resolved_at, Ticket.created_at)
    columns: list[Any] = []
    for start in starts:
        inside = Ticket.resolved_at >= start  # type: ignore[operator]
        columns.append(sa.func.avg(sa.case((inside, duration), else_=None)))
        columns.append(sa.func.sum(sa.case((inside, 1), else_=0)))
    row = session.execute(
        sa.select(*columns).where(
            Ticket.assignee_id == assignee_id,
            Ticket.resolved_at >= min(starts),  # type: ignore[operator]
        )
    ).one()
    return tuple(
        (None if row[i] is None else float(row[i]), int(row[i + 1] or 0))
        for i in range(0, len(row), 2)
    )


# ---------------------------------------------------------------- escalations


def open_escalations(session: Session, technician_id: int) -> list[EscalationRow]:
    """My open escalations: open tickets assigned to me in the Escalated status, or about
    which I have an unread warning/error notification; each ticket once."""
    unread = (
        sa.select(Notification.ticket_id, sa.func.count().label("alerts"))
        .where(
            Notification.recipient_id == technician_id,
            Notification.read_at.is_(None),  # type: ignore[union-attr]
            Notification.ticket_id.is_not(None),  # type: ignore[union-attr]
            Notification.level.in_(  # type: ignore[attr-defined]
                (NotificationLevel.WARNING.value, NotificationLevel.ERROR.value)
            ),
        )
        .group_by(Notification.ticket_id)
        .subquery("unread")
    )
    escalated = sa.and_(
        Status.key == WellKnownStatus.ESCALATED.value, Ticket.assignee_id == technician_id
    )
    stmt = (
        sa.select(
            Ticket.id,
            Ticket.number,
            Ticket.subject,
            Status.name,
            escalated,
            sa.func.coalesce(unread.c.alerts, 0),
        )
        .join(Status, Status.id == Ticket.status_id)
        .outerjoin(unread, unread.c.ticket_id == Ticket.id)
        .where(_open_ticket(), sa.or_(escalated, unread.c.alerts.is_not(None)))
        .order_by(Ticket.next_due_at.is_(None), Ticket.next_due_at, Ticket.id)  # type: ignore[union-attr]
    )
    return [
        EscalationRow(int(i), int(n), s, st, bool(e), int(a))
        for i, n, s, st, e, a in session.execute(stmt).all()
    ]
