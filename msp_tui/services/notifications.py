"""Notifications for the technician at this console, read by polling the database.

Any process may write a notification (the tick, the worker, a rule in another console);
each console polls for rows addressed to its technician with an id above the last one
it showed, so a toast appears once per console within a poll interval. The escalations
log lists the same rows; marking them read is a write like any other (it bumps the
change sequence, so the technician's other consoles refresh their log).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from msp_tui.services.desk import Desk
from msp_tui.store import notification_queries as q
from msp_tui.store.db import bump_change_seq, read_change_seq
from msp_tui.store.models import Notification
from msp_tui.store.notification_queries import (
    EVERYTHING,
    FilterChoices,
    NotificationFilter,
    NotificationRow,
)

__all__ = [
    "FilterChoices",
    "NotificationFilter",
    "NotificationRow",
    "NotificationView",
    "escalation_log",
    "filter_choices",
    "latest_id",
    "mark_all_read",
    "mark_read",
    "signature",
    "toast_text",
    "unread_count",
    "unread_for_me",
]


@dataclass(frozen=True)
class NotificationView:
    id: int
    level: str
    text: str
    ticket_id: int | None
    created_at: datetime
    ticket_number: int | None = None


def latest_id(desk: Desk) -> int:
    with desk.db.session() as s:
        return int(s.execute(sa.select(sa.func.max(Notification.id))).scalar_one() or 0)


def signature(desk: Desk) -> tuple[int, int]:
    """Changes a log must show: any write (change sequence) or a new notification, which
    another process may insert without bumping the sequence."""
    with desk.db.session() as s:
        newest = s.execute(sa.select(sa.func.max(Notification.id))).scalar_one()
        return read_change_seq(s), int(newest or 0)


def unread_for_me(desk: Desk, *, after_id: int = 0, limit: int = 20) -> list[NotificationView]:
    me = desk.me()
    if me is None:
        return []
    with desk.db.session() as s:
        rows = q.notification_rows(s, me.id, NotificationFilter(unread_only=True),
                                   after_id=after_id, limit=limit, oldest_first=True)
    return [NotificationView(r.id, r.level, r.text, r.ticket_id, r.created_at, r.ticket_number)
            for r in rows]


def toast_text(note: NotificationView) -> str:
    """The text, led by the ticket number when the writer did not already name it, so a
    toast always says which ticket to open."""
    n = note.ticket_number
    if n is None or re.search(rf"#{n}\b", note.text):
        return note.text
    return f"#{n} {note.text}"


def escalation_log(
    desk: Desk, filters: NotificationFilter = EVERYTHING, *,
    before_id: int | None = None, limit: int = 200,
) -> list[NotificationRow]:
    """My notifications, newest first; pass the last row's id as `before_id` for more."""
    me = desk.me()
    if me is None:
        return []
    with desk.db.session() as s:
        return q.notification_rows(s, me.id, filters, before_id=before_id, limit=limit)


def unread_count(desk: Desk) -> int:
    me = desk.me()
    if me is None:
        return 0
    with desk.db.session() as s:
        return q.unread_count(s, me.id)


def filter_choices(desk: Desk) -> FilterChoices:
    me = desk.me()
    if me is None:
        return FilterChoices((), ())
    with desk.db.session() as s:
        return q.filter_choices(s, me.id)


def mark_read(desk: Desk, ids: Iterable[int]) -> int:
    """Mark my notifications read (ids of anyone else's are ignored); how many changed."""
    me = desk.me()
    if me is None:
        return 0
    with desk.db.session() as s:
        changed = q.mark_read(s, me.id, ids, desk.clock.now())
        if changed:
            bump_change_seq(s)
        return changed


def mark_all_read(desk: Desk, filters: NotificationFilter = EVERYTHING) -> int:
    """Mark every unread notification of mine that the filter matches, loaded or not."""
    me = desk.me()
    if me is None:
        return 0
    with desk.db.session() as s:
        changed = q.mark_all_read(s, me.id, filters, desk.clock.now())
        if changed:
            bump_change_seq(s)
        return changed
