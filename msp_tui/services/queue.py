"""The queue's reads and the technician's saved filter and sort.

Filters and sort are UI *state*, so they live per technician in `ui_preference`, not in
config.toml; a filter saved by an older version that no longer parses is dropped
rather than breaking the console.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from msp_tui.services.desk import Desk
from msp_tui.store import queue_queries as qq
from msp_tui.store.models import UiPreference
from msp_tui.store.queue_queries import Page, QueueFilter, QueueSort

FILTER_KEY = "queue.filter"
SORT_KEY = "queue.sort"


def _me_id(desk: Desk) -> int | None:
    me = desk.me()
    return me.id if me else None


def count(desk: Desk, f: QueueFilter) -> int:
    with desk.db.session() as s:
        return qq.count(s, f, desk.clock.now(), _me_id(desk))


def page(desk: Desk, f: QueueFilter, sort: QueueSort, **where: Any) -> Page:
    with desk.db.session() as s:
        return qq.page(s, f, sort, desk.clock.now(), _me_id(desk), **where)


def position_of(desk: Desk, f: QueueFilter, sort: QueueSort, ticket_id: int) -> int | None:
    with desk.db.session() as s:
        return qq.position_of(s, f, sort, desk.clock.now(), _me_id(desk), ticket_id)


def load_view(desk: Desk) -> tuple[QueueFilter, QueueSort]:
    """The technician's last filter and sort (defaults when none or unreadable)."""
    me = _me_id(desk)
    if me is None:
        return QueueFilter(), QueueSort()
    with desk.db.session() as s:
        prefs = {
            p.key: p.value
            for p in s.exec(select(UiPreference).where(UiPreference.technician_id == me))
        }
    f = QueueFilter.from_json(prefs.get(FILTER_KEY) or {})
    raw = prefs.get(SORT_KEY) or {}
    column = raw.get("column") if isinstance(raw, dict) else None
    sort = QueueSort(
        column=column if column in qq.SORTS else "due",
        descending=bool(raw.get("descending")) if isinstance(raw, dict) else False,
    )
    return f, sort


def save_view(desk: Desk, f: QueueFilter, sort: QueueSort) -> None:
    """Remember filter and sort for the next start (no change-sequence bump: UI state)."""
    me = _me_id(desk)
    if me is None:
        return
    with desk.db.session() as s:
        for key, value in (
            (FILTER_KEY, f.to_json()),
            (SORT_KEY, {"column": sort.column, "descending": sort.descending}),
        ):
            row = s.get(UiPreference, (me, key))
            if row is None:
                row = UiPreference(technician_id=me, key=key, value=value)
            else:
                row.value = value
            s.add(row)
