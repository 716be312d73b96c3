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

from collections.abc import Sequence
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
from msp_tui.store.queue_queries import _badge_condition
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
    """Open tickets per badge, by the queue's own SQL badge rules (one CASE, one pass)."""
    badge = sa.case(
        *((_badge_condition(b, now), b.value) for b in BADGE_ORDER if b != Badge.NO_SLA),
        else_=Badge.NO_SLA.value,
    ).label("badge")
    stmt = (
        sa.select(badge, sa.func.count())
        .select_from(Ticket)
        .join(Status, Status.id == Ticket.status_id)
        .where(_open_ticket())
    )
    if assignee_id is not None:
        stmt = stmt.where(Ticket.assignee_id == assignee_id)
    found = {b: int(n) for b, n in session.execute(stmt.group_by(badge)).all()}
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


def _settled(since: datetime) -> Any:
    """The instances that count, ended at or after `since`: (ticket, breached, ended_at).

    Last non-cancelled per (ticket, kind) is a NOT EXISTS on the (ticket_id, kind) index.
    """
    later = aliased(SlaClock)
    breached = SlaClock.breached_at.is_not(None)  # type: ignore[union-attr]
    met = sa.and_(SlaClock.state == ClockState.MET.value, SlaClock.breached_at.is_(None))  # type: ignore[union-attr]
    ended_at = sa.type_coerce(
        sa.case((breached, SlaClock.breached_at), else_=SlaClock.stopped_at), UTCDateTime()
    )
    superseded = sa.exists().where(
        later.ticket_id == SlaClock.ticket_id,
        later.kind == SlaClock.kind,
        later.state != ClockState.CANCELLED.value,
        later.id > SlaClock.id,  # type: ignore[operator]
    )
    return (
        sa.select(
            SlaClock.ticket_id.label("ticket_id"),  # type: ignore[attr-defined]
            sa.case((breached, 1), else_=0).label("breached"),
            ended_at.label("ended_at"),
        )
        .where(
            SlaClock.state != ClockState.CANCELLED.value,
            sa.or_(
                SlaClock.breached_at >= since,  # type: ignore[operator]
                sa.and_(met, SlaClock.stopped_at >= since),  # type: ignore[operator]
            ),
            sa.not_(superseded),
        )
        .subquery("settled")
    )


def _group_columns(group: str | None) -> tuple[Any, list[Any]]:
    """The label a breakdown shows, and the joins it needs (from `ticket`)."""
    if group == BY_CLIENT:
        return sa.func.coalesce(Client.name, NO_CLIENT), [(Client, Client.id == Ticket.client_id)]
    if group == BY_TECHNICIAN:
        tech = aliased(Technician)
        return sa.func.coalesce(tech.name, UNASSIGNED), [(tech, tech.id == Ticket.assignee_id)]
    if group == BY_PRIORITY:
        return Ticket.priority, []
    if group is None:
        return sa.literal("all"), []
    raise ValueError(f"unknown breakdown {group!r}")


def outcome_counts(
    session: Session,
    starts: Sequence[datetime],
    group: str | None = None,
    *,
    assignee_id: int | None = None,
) -> list[OutcomeCounts]:
    """Met and breached instances ended since each start, overall or per group.

    Instances are attributed to the ticket's current client, assignee and priority.
    """
    settled = _settled(min(starts))
    key, joins = _group_columns(group)
    sums: list[Any] = []
    for start in starts:
        inside = settled.c.ended_at >= start
        sums.append(sa.func.sum(sa.case((sa.and_(inside, settled.c.breached == 0), 1), else_=0)))
        sums.append(sa.func.sum(sa.case((sa.and_(inside, settled.c.breached == 1), 1), else_=0)))
    stmt = sa.select(key.label("key"), *sums).select_from(settled).join(
        Ticket, Ticket.id == settled.c.ticket_id
    )
    for target, on in joins:
        stmt = stmt.outerjoin(target, on)
    if assignee_id is not None:
        stmt = stmt.where(Ticket.assignee_id == assignee_id)
    stmt = stmt.group_by(key).order_by(key)
    out = []
    for label, *values in session.execute(stmt).all():
        counts = [int(v or 0) for v in values]
        out.append(OutcomeCounts(str(label), tuple(counts[0::2]), tuple(counts[1::2])))
    return out


def daily_outcomes(
    session: Session, day_starts: Sequence[datetime], *, assignee_id: int | None = None
) -> list[tuple[int, int]]:
    """(met, breached) per day; `day_starts` are ascending local midnights as UTC instants
    (so a DST day is 23 or 25 hours long), the last day running on to now."""
    settled = _settled(day_starts[0])
    day = sa.case(
        *((settled.c.ended_at >= start, i) for i, start in reversed(list(enumerate(day_starts)))),
        else_=-1,
    ).label("day")
    stmt = (
        sa.select(
            day,
            sa.func.sum(sa.case((settled.c.breached == 0, 1), else_=0)),
            sa.func.sum(settled.c.breached),
        )
        .select_from(settled)
        .group_by(day)
    )
    if assignee_id is not None:
        stmt = stmt.join(Ticket, Ticket.id == settled.c.ticket_id).where(
            Ticket.assignee_id == assignee_id
        )
    by_day = {int(d): (int(m or 0), int(b or 0)) for d, m, b in session.execute(stmt).all()}
    return [by_day.get(i, (0, 0)) for i in range(len(day_starts))]


# ---------------------------------------------------------------- durations and medians


def _seconds_between(session: Session, later: Any, earlier: Any) -> Any:
    """Whole wall-clock seconds between two instant columns, in the dialect's own
    arithmetic (rounded: SQLite's julianday is a float)."""
    if session.get_bind().dialect.name == "sqlite":
        return sa.func.round((sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400.0)
    return sa.func.round(sa.func.extract("epoch", later - earlier))


def median_first_response(
    session: Session, starts: Sequence[datetime], group: str | None = None
) -> dict[str, tuple[float | None, ...]]:
    """Median seconds from creation to first public reply, for tickets first answered
    since each start, overall or per group: key -> one median per window (None: none).

    Window functions pick the middle one or two durations per (window, group); only
    those come back, never the durations themselves.
    """
    key, joins = _group_columns(group)
    duration = _seconds_between(session, Ticket.first_response_at, Ticket.created_at)
    parts = []
    for index, start in enumerate(starts):
        part = sa.select(
            sa.literal(index).label("w"), key.label("key"), duration.label("d")
        ).select_from(Ticket)
        for target, on in joins:
            part = part.outerjoin(target, on)
        parts.append(part.where(Ticket.first_response_at >= start))  # type: ignore[operator]
    durations = sa.union_all(*parts).subquery("durations")
    partition = (durations.c.w, durations.c.key)
    ranked = sa.select(
        durations.c.w,
        durations.c.key,
        durations.c.d,
        sa.func.row_number().over(partition_by=partition, order_by=durations.c.d).label("rn"),
        sa.func.count().over(partition_by=partition).label("n"),
    ).subquery("ranked")
    stmt = (
        sa.select(ranked.c.w, ranked.c.key, sa.func.avg(ranked.c.d))
        .where(ranked.c.rn.in_([(ranked.c.n + 1) / 2, (ranked.c.n + 2) / 2]))
        .group_by(ranked.c.w, ranked.c.key)
    )
    out: dict[str, list[float | None]] = {}
    for w, label, median in session.execute(stmt).all():
        out.setdefault(str(label), [None] * len(starts))[int(w)] = float(median)
    return {k: tuple(v) for k, v in out.items()}


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
