"""Read models for the kanban board: counts per status and the most urgent tickets per lane.

The board must stay cheap on a desk with 100k tickets, so it never loads a whole column:
one GROUP BY gives every status's count, then one LIMITed query per lane fetches only the
cards it will draw (SQLite keeps a top-N heap for ORDER BY … LIMIT, nothing is
materialised), and one query fetches their clocks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TypeVar

import sqlalchemy as sa
from sqlmodel import Session

from msp_tui.store.models import Status, Ticket
from msp_tui.store.queries import (
    StatusView,
    TicketRow,
    clocks_by_ticket,
    ticket_row_select,
    urgency_order,
)

K = TypeVar("K")


def all_statuses(session: Session) -> list[StatusView]:
    """Every status, retired ones too: a ticket may still sit in one and needs a lane."""
    rows = session.execute(
        sa.select(Status.id, Status.key, Status.name, Status.category).order_by(
            Status.sort_order, Status.id
        )
    ).all()
    return [StatusView(*r) for r in rows]


def ticket_counts_by_status(session: Session) -> dict[int, int]:
    """How many tickets are in each status (an index-only scan of ix_ticket_status_due)."""
    stmt = sa.select(Ticket.status_id, sa.func.count()).group_by(Ticket.status_id)
    return {status_id: count for status_id, count in session.execute(stmt).all()}


def _card_select(status_ids: Sequence[int], limit: int) -> sa.Select[tuple[object, ...]]:
    """The queue's columns and urgency order, limited to some statuses."""
    return (
        ticket_row_select()
        .where(Ticket.status_id.in_(list(status_ids)))  # type: ignore[attr-defined]
        .order_by(*urgency_order())
        .limit(limit)
    )


def top_tickets_by_lane(
    session: Session, lanes: Mapping[K, Sequence[int]], *, limit: int
) -> dict[K, list[TicketRow]]:
    """The `limit` most urgent tickets of each lane (a lane is a set of status ids), with
    their clocks; an empty lane costs no query."""
    out: dict[K, list[TicketRow]] = {}
    for lane, status_ids in lanes.items():
        if not status_ids or limit <= 0:
            out[lane] = []
            continue
        out[lane] = [TicketRow(*row) for row in session.execute(_card_select(status_ids, limit))]
    clocks = clocks_by_ticket(session, [r.id for rows in out.values() for r in rows])
    return {
        lane: [replace(r, clocks=clocks.get(r.id, ())) for r in rows] for lane, rows in out.items()
    }
