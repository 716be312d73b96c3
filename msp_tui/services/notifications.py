"""Notifications for the technician at this console, read by polling the database.

Any process may write a notification (the tick, the worker, a rule in another console);
each console polls for rows addressed to its technician with an id above the last one
it showed, so a toast appears once per console within a poll interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import select

from msp_tui.services.desk import Desk
from msp_tui.store.models import Notification


@dataclass(frozen=True)
class NotificationView:
    id: int
    level: str
    text: str
    ticket_id: int | None
    created_at: datetime


def latest_id(desk: Desk) -> int:
    with desk.db.session() as s:
        return int(s.execute(sa.select(sa.func.max(Notification.id))).scalar_one() or 0)


def unread_for_me(desk: Desk, *, after_id: int = 0, limit: int = 20) -> list[NotificationView]:
    me = desk.me()
    if me is None:
        return []
    with desk.db.session() as s:
        rows = s.exec(
            select(Notification)
            .where(
                Notification.recipient_id == me.id,
                Notification.read_at.is_(None),  # type: ignore[union-attr]
                Notification.id > after_id,  # type: ignore[operator]
            )
            .order_by(Notification.id)  # type: ignore[arg-type]
            .limit(limit)
        ).all()
        return [
            NotificationView(n.id, n.level, n.text, n.ticket_id, n.created_at)  # type: ignore[arg-type]
            for n in rows
        ]
