"""Notifications addressed to one person, with the ticket they are about joined in.

Read by the console's toasts and its escalations log. Everything is scoped to one
recipient: nobody lists or marks somebody else's notifications. Newest first by id
(ids grow with inserts in any process), paged by keyset on that id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session

from msp_tui.store.models import Client, Notification, Technician, Ticket

UNASSIGNED = -1  # the technician filter value for tickets nobody holds


@dataclass(frozen=True)
class NotificationFilter:
    """AND-ed; None means any. `assignee_id` is the ticket's assignee (UNASSIGNED: none)."""

    level: str | None = None
    client_id: int | None = None
    assignee_id: int | None = None
    unread_only: bool = False


EVERYTHING = NotificationFilter()


@dataclass(frozen=True)
class NotificationRow:
    id: int
    level: str
    text: str
    created_at: datetime
    read_at: datetime | None
    ticket_id: int | None
    ticket_number: int | None
    client: str | None
    assignee: str | None


@dataclass(frozen=True)
class FilterChoices:
    """Only the clients and assignees that occur in one's notifications, so a picker
    offers what can match instead of every client of the MSP."""

    clients: tuple[tuple[int, str], ...]
    assignees: tuple[tuple[int, str], ...]


def _row_select() -> sa.Select[Any]:
    assignee = aliased(Technician)
    return (
        sa.select(
            Notification.id,
            Notification.level,
            Notification.text,
            Notification.created_at,
            Notification.read_at,
            Notification.ticket_id,
            Ticket.number,
            Client.name,
            assignee.name,
        )
        .outerjoin(Ticket, Ticket.id == Notification.ticket_id)
        .outerjoin(Client, Client.id == Ticket.client_id)
        .outerjoin(assignee, assignee.id == Ticket.assignee_id)
    )


def _where(stmt: sa.Select[Any], recipient_id: int, f: NotificationFilter) -> sa.Select[Any]:
    stmt = stmt.where(Notification.recipient_id == recipient_id)  # type: ignore[arg-type]
    if f.unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))  # type: ignore[union-attr]
    if f.level is not None:
        stmt = stmt.where(Notification.level == f.level)  # type: ignore[arg-type]
    if f.client_id is not None:
        stmt = stmt.where(Ticket.client_id == f.client_id)  # type: ignore[arg-type]
    if f.assignee_id == UNASSIGNED:
        stmt = stmt.where(Ticket.id.is_not(None), Ticket.assignee_id.is_(None))  # type: ignore[union-attr]
    elif f.assignee_id is not None:
        stmt = stmt.where(Ticket.assignee_id == f.assignee_id)  # type: ignore[arg-type]
    return stmt


def notification_rows(
    s: Session,
    recipient_id: int,
    f: NotificationFilter = EVERYTHING,
    *,
    before_id: int | None = None,
    after_id: int | None = None,
    limit: int = 200,
    oldest_first: bool = False,
) -> list[NotificationRow]:
    """One page, newest first; `before_id` continues below the last row of the previous
    page. `after_id` with `oldest_first` is the toast poll's "what is new since"."""
    stmt = _where(_row_select(), recipient_id, f)
    if before_id is not None:
        stmt = stmt.where(Notification.id < before_id)  # type: ignore[operator]
    if after_id is not None:
        stmt = stmt.where(Notification.id > after_id)  # type: ignore[operator]
    order = Notification.id if oldest_first else Notification.id.desc()  # type: ignore[union-attr]
    rows = s.execute(stmt.order_by(order).limit(limit)).all()
    return [NotificationRow(*r) for r in rows]


def unread_count(s: Session, recipient_id: int) -> int:
    return int(
        s.execute(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(
                Notification.recipient_id == recipient_id,  # type: ignore[arg-type]
                Notification.read_at.is_(None),  # type: ignore[union-attr]
            )
        ).scalar_one()
    )


def filter_choices(s: Session, recipient_id: int) -> FilterChoices:
    base = (
        sa.select(Notification.id)
        .join(Ticket, Ticket.id == Notification.ticket_id)
        .where(Notification.recipient_id == recipient_id)  # type: ignore[arg-type]
    )
    clients = s.execute(
        sa.select(Client.id, Client.name)
        .where(Client.id.in_(base.with_only_columns(Ticket.client_id)))  # type: ignore[union-attr]
        .order_by(Client.name)
    ).all()
    assignees = s.execute(
        sa.select(Technician.id, Technician.name)
        .where(Technician.id.in_(base.with_only_columns(Ticket.assignee_id)))  # type: ignore[union-attr]
        .order_by(Technician.name)
    ).all()
    return FilterChoices(tuple((i, n) for i, n in clients), tuple((i, n) for i, n in assignees))


def mark_read(s: Session, recipient_id: int, ids: Iterable[int], at: datetime) -> int:
    """Mark these of the recipient's unread rows read; others' ids are ignored."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return 0
    result = s.execute(
        sa.update(Notification)
        .where(
            Notification.recipient_id == recipient_id,  # type: ignore[arg-type]
            Notification.id.in_(wanted),  # type: ignore[union-attr]
            Notification.read_at.is_(None),  # type: ignore[union-attr]
        )
        .values(read_at=at)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def mark_all_read(s: Session, recipient_id: int, f: NotificationFilter, at: datetime) -> int:
    """Every unread row the filter matches (not only a loaded page)."""
    matching = _where(
        sa.select(Notification.id).outerjoin(Ticket, Ticket.id == Notification.ticket_id),
        recipient_id,
        NotificationFilter(f.level, f.client_id, f.assignee_id, unread_only=True),
    )
    result = s.execute(
        sa.update(Notification)
        .where(Notification.id.in_(matching))  # type: ignore[union-attr]
        .values(read_at=at)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
