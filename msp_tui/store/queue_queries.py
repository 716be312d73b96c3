"""The queue as SQL: filters, sorts, a count, and pages by keyset.

The console never loads the whole queue. It asks for the number of matching tickets
(to size the scroll bar) and for 100-row pages. A page that follows one already loaded
is read by *keyset* ("the next 100 after this sort key"), which costs the same on page
1 and page 1,000; a jump to an arbitrary place (scroll bar drag, `G`) uses OFFSET once.
Every sort ends with the ticket id, so keys are unique and pages never overlap.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session

from msp_tui.engine.badges import Badge
from msp_tui.engine.vocabulary import ClockState, StatusCategory
from msp_tui.store.models import Client, Priority, SlaClock, Status, Technician, Ticket
from msp_tui.store.queries import TicketRow, ticket_row_select, with_clocks
from msp_tui.store.search import matching_tickets_clause

PAGE_SIZE = 100
FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)  # sorts "no SLA due" after every deadline

MINE = "mine"
UNASSIGNED = "unassigned"


@dataclass(frozen=True)
class QueueFilter:
    """What the technician narrowed the queue to; empty tuples mean "any"."""

    status_ids: tuple[int, ...] = ()
    priorities: tuple[str, ...] = ()
    assignee: str | int | None = None  # MINE, UNASSIGNED, a technician id, or None (anyone)
    client_ids: tuple[int, ...] = ()
    badges: tuple[str, ...] = ()  # Badge values
    created_from: datetime | None = None
    created_to: datetime | None = None
    updated_from: datetime | None = None
    updated_to: datetime | None = None
    search: str = ""
    include_closed: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in self.__dict__.items():
            if isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[name] = value
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QueueFilter:
        """Tolerant: unknown or malformed keys from an older version are dropped."""
        known = cls.__dataclass_fields__
        kwargs: dict[str, Any] = {}
        for name, value in (data or {}).items():
            if name not in known:
                continue
            try:
                if name.endswith(("_from", "_to")) and value:
                    value = datetime.fromisoformat(value)
                elif isinstance(value, list):
                    value = tuple(value)
                kwargs[name] = value
            except (TypeError, ValueError):
                continue
        try:
            return cls(**kwargs)
        except TypeError:
            return cls()

    @property
    def active(self) -> bool:
        return self != replace(QueueFilter(), include_closed=self.include_closed)


SORTS = ("due", "number", "client", "subject", "priority", "status", "assignee", "age")


@dataclass(frozen=True)
class QueueSort:
    column: str = "due"
    descending: bool = False


@dataclass(frozen=True)
class Page:
    rows: tuple[TicketRow, ...]
    first_key: tuple[Any, ...] | None
    last_key: tuple[Any, ...] | None


def _sort_exprs(sort: QueueSort, assignee: Any) -> list[Any]:
    """The ORDER BY expressions of a sort, ending with the id (a total order)."""
    due = sa.func.coalesce(Ticket.next_due_at, FAR_FUTURE)
    main = {
        "due": [due, Priority.rank],
        "number": [Ticket.number],
        "client": [sa.func.coalesce(Client.name, "")],
        "subject": [sa.func.lower(Ticket.subject)],
        "priority": [Priority.rank, due],
        "status": [Status.sort_order, due],
        "assignee": [sa.func.coalesce(assignee.name, "")],
        "age": [Ticket.created_at],
    }[sort.column if sort.column in SORTS else "due"]
    return [*main, Ticket.id]


def _base(f: QueueFilter, now: datetime, me_id: int | None, dialect: str) -> tuple[Any, Any]:
    assignee = aliased(Technician)
    stmt = (
        sa.select(Ticket.id)
        .join(Status, Status.id == Ticket.status_id)
        .join(Priority, Priority.code == Ticket.priority)
        .outerjoin(Client, Client.id == Ticket.client_id)
        .outerjoin(assignee, assignee.id == Ticket.assignee_id)
    )
    conditions: list[Any] = []
    if not f.include_closed:
        conditions.append(Status.category != StatusCategory.CLOSED)
    if f.status_ids:
        conditions.append(Ticket.status_id.in_(f.status_ids))
    if f.priorities:
        conditions.append(Ticket.priority.in_(f.priorities))
    if f.assignee == MINE:
        conditions.append(Ticket.assignee_id == (me_id if me_id is not None else -1))
    elif f.assignee == UNASSIGNED:
        conditions.append(Ticket.assignee_id.is_(None))  # type: ignore[union-attr]
    elif isinstance(f.assignee, int):
        conditions.append(Ticket.assignee_id == f.assignee)
    if f.client_ids:
        conditions.append(Ticket.client_id.in_(f.client_ids))  # type: ignore[union-attr]
    for column, low, high in (
        (Ticket.created_at, f.created_from, f.created_to),
        (Ticket.updated_at, f.updated_from, f.updated_to),
    ):
        if low is not None:
            conditions.append(column >= low)
        if high is not None:
            conditions.append(column < high)
    if f.badges:
        conditions.append(sa.or_(*(_badge_condition(Badge(b), now) for b in f.badges)))
    if f.search.strip():
        conditions.append(matching_tickets_clause(f.search, dialect))
    if conditions:
        stmt = stmt.where(*conditions)
    return stmt, assignee


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _clock_exists(*conditions: Any) -> Any:
    return sa.exists().where(SlaClock.ticket_id == Ticket.id, *conditions)


def _badge_condition(badge: Badge, now: datetime) -> Any:
    """The badge rules of engine.badges, as SQL over the stored instants."""
    running = SlaClock.state == ClockState.RUNNING
    not_cancelled = SlaClock.state != ClockState.CANCELLED
    breached = sa.or_(
        Ticket.sla_breached,
        _clock_exists(running, SlaClock.due_at < now),  # type: ignore[operator]
    )
    at_risk = _clock_exists(running, SlaClock.at_risk_at <= now)  # type: ignore[operator]
    any_running = _clock_exists(running)
    any_paused = _clock_exists(SlaClock.state == ClockState.PAUSED)
    any_clock = _clock_exists(not_cancelled)
    if badge == Badge.BREACHED:
        return breached
    if badge == Badge.AT_RISK:
        return sa.and_(sa.not_(breached), at_risk)
    if badge == Badge.ON_TRACK:
        return sa.and_(sa.not_(breached), sa.not_(at_risk), any_running)
    if badge == Badge.PAUSED:
        return sa.and_(sa.not_(breached), sa.not_(any_running), any_paused)
    if badge == Badge.MET:
        return sa.and_(sa.not_(breached), sa.not_(any_running), sa.not_(any_paused), any_clock)
    return sa.not_(any_clock)


# The same rules as one aggregate: a ticket's badge is decided by its most urgent clock, so
# MAX over per-clock levels (with `sla_breached` on top) gives it in one pass over the clocks
# instead of several EXISTS probes per ticket; the dashboard counts 100,000 tickets this way.
_LEVELS = (
    (4, Badge.BREACHED),
    (3, Badge.AT_RISK),
    (2, Badge.ON_TRACK),
    (1, Badge.PAUSED),
    (0, Badge.MET),
)


def clock_badge_level(now: datetime) -> Any:
    """MAX of this over a ticket's clocks ranks its badge (NULL: no clock counts)."""
    running = SlaClock.state == ClockState.RUNNING
    return sa.func.max(
        sa.case(
            (sa.and_(running, SlaClock.due_at < now), 4),  # type: ignore[operator]
            (sa.and_(running, SlaClock.at_risk_at <= now), 3),  # type: ignore[operator]
            (running, 2),
            (SlaClock.state == ClockState.PAUSED, 1),
            (SlaClock.state != ClockState.CANCELLED, 0),
            else_=None,
        )
    )


def badge_of_level(sla_breached: Any, level: Any) -> Any:
    """The badge value from a ticket's `sla_breached` and its MAX `clock_badge_level`."""
    return sa.case(
        (sla_breached, Badge.BREACHED.value),
        *((level == n, b.value) for n, b in _LEVELS),
        else_=Badge.NO_SLA.value,
    )


def count(session: Session, f: QueueFilter, now: datetime, me_id: int | None) -> int:
    stmt, _ = _base(f, now, me_id, _dialect(session))
    return int(
        session.execute(sa.select(sa.func.count()).select_from(stmt.subquery())).scalar_one()
    )


def page(
    session: Session,
    f: QueueFilter,
    sort: QueueSort,
    now: datetime,
    me_id: int | None,
    *,
    offset: int = 0,
    after: tuple[Any, ...] | None = None,
    before: tuple[Any, ...] | None = None,
    limit: int = PAGE_SIZE,
) -> Page:
    """One page: after a key, before a key, or at an offset (in that preference)."""
    stmt, assignee = _base(f, now, me_id, _dialect(session))
    exprs = _sort_exprs(sort, assignee)
    key = sa.tuple_(*exprs)
    forward = before is None
    if after is not None:
        stmt = stmt.where(key < sa.tuple_(*after) if sort.descending else key > sa.tuple_(*after))
    elif before is not None:
        stmt = stmt.where(key > sa.tuple_(*before) if sort.descending else key < sa.tuple_(*before))
    descending = sort.descending if forward else not sort.descending
    ordered = [e.desc() if descending else e.asc() for e in exprs]
    stmt = stmt.add_columns(*exprs).order_by(*ordered).limit(limit)
    if after is None and before is None and offset:
        stmt = stmt.offset(offset)
    found = session.execute(stmt).all()
    if not forward:
        found.reverse()
    ids = [r[0] for r in found]
    keys = [tuple(r[1:]) for r in found]
    rows = _rows(session, ids)
    return Page(tuple(rows), keys[0] if keys else None, keys[-1] if keys else None)


def _rows(session: Session, ids: list[int]) -> list[TicketRow]:
    """Display rows for ids, in the given order, with their clocks."""
    if not ids:
        return []
    stmt = ticket_row_select().where(Ticket.id.in_(ids))  # type: ignore[union-attr]
    by_id = {r[0]: TicketRow(*r) for r in session.execute(stmt).all()}
    return with_clocks(session, [by_id[i] for i in ids if i in by_id])


def position_of(
    session: Session,
    f: QueueFilter,
    sort: QueueSort,
    now: datetime,
    me_id: int | None,
    ticket_id: int,
) -> int | None:
    """Where a ticket sits in the sorted queue (to keep the cursor on it after a reload)."""
    stmt, assignee = _base(f, now, me_id, _dialect(session))
    exprs = _sort_exprs(sort, assignee)
    target = session.execute(stmt.add_columns(*exprs).where(Ticket.id == ticket_id)).first()
    if target is None:
        return None
    key = sa.tuple_(*exprs)
    bound = sa.tuple_(*target[1:])
    stmt = stmt.where(key > bound if sort.descending else key < bound)
    return int(
        session.execute(sa.select(sa.func.count()).select_from(stmt.subquery())).scalar_one()
    )
