"""The kanban board's model: which lane a status belongs to, and what the board shows.

Lanes are found from a status's stable *key* and its *category*, never from its name or
id, so a status an admin adds later ("Provisioning", "Pending Vendor", …) lands in the
right lane without code. Moving a card targets the lane's canonical status; whether the
move is allowed stays the lifecycle's decision (`engine.lifecycle`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from msp_tui.engine.lifecycle import TransitionError, transition
from msp_tui.engine.vocabulary import StatusCategory, WellKnownStatus
from msp_tui.services.desk import Desk
from msp_tui.store.board_queries import all_statuses, ticket_counts_by_status, top_tickets_by_lane
from msp_tui.store.db import read_change_seq
from msp_tui.store.queries import StatusView, TicketRow

CARD_LIMIT = 50  # cards drawn per lane; the rest is a "+N more" line


class Lane(StrEnum):
    """The board's columns, left to right; each value is its canonical status key."""

    NEW = WellKnownStatus.NEW.value
    IN_PROGRESS = WellKnownStatus.IN_PROGRESS.value
    WAITING = WellKnownStatus.WAITING_ON_CUSTOMER.value
    ESCALATED = WellKnownStatus.ESCALATED.value
    RESOLVED = WellKnownStatus.RESOLVED.value
    CLOSED = WellKnownStatus.CLOSED.value


LANES: tuple[Lane, ...] = tuple(Lane)

# (full title, short title for narrow terminals)
TITLES: dict[Lane, tuple[str, str]] = {
    Lane.NEW: ("New", "New"),
    Lane.IN_PROGRESS: ("In Progress", "In Progress"),
    Lane.WAITING: ("Waiting on Customer", "Waiting"),
    Lane.ESCALATED: ("Escalated", "Escalated"),
    Lane.RESOLVED: ("Resolved", "Resolved"),
    Lane.CLOSED: ("Closed", "Closed"),
}

_BY_CATEGORY: dict[StatusCategory, Lane] = {
    StatusCategory.OPEN: Lane.IN_PROGRESS,
    StatusCategory.PAUSED: Lane.WAITING,
    StatusCategory.RESOLVED: Lane.RESOLVED,
    StatusCategory.CLOSED: Lane.CLOSED,
}


def lane_for(key: str | None, category: str) -> Lane:
    """The lane of a status: New and Escalated by key, every other status by category.

    Raises ValueError for a category the domain does not know (a corrupt row should be
    loud, not silently filed under In Progress).
    """
    if key == WellKnownStatus.NEW:
        return Lane.NEW
    if key == WellKnownStatus.ESCALATED:
        return Lane.ESCALATED
    return _BY_CATEGORY[StatusCategory(category)]


def status_ids_by_lane(statuses: Iterable[StatusView]) -> dict[Lane, list[int]]:
    """Group status ids into lanes (every lane present, possibly empty)."""
    out: dict[Lane, list[int]] = {lane: [] for lane in LANES}
    for st in statuses:
        out[lane_for(st.key, st.category)].append(st.id)
    return out


def move_refusal(row: TicketRow, target: StatusView) -> str | None:
    """Why the lifecycle refuses this move, before any dialog asks for input; None if it
    may go ahead. The desk still has the last word (profile pause statuses)."""
    try:
        transition(row.status_category, target.category)
    except TransitionError as exc:
        return f"#{row.number}: {exc}"
    return None


@dataclass(frozen=True)
class LaneView:
    """One column as drawn: its canonical status, total count and the first cards."""

    lane: Lane
    title: str
    short_title: str
    target: StatusView | None  # where a card dropped here goes; None if the key is gone
    total: int
    cards: tuple[TicketRow, ...]

    @property
    def more(self) -> int:
        return self.total - len(self.cards)


@dataclass(frozen=True)
class BoardView:
    lanes: tuple[LaneView, ...]  # the visible lanes, left to right
    closed_total: int  # shown in the summary even while the Closed lane is hidden
    seq: int  # the change sequence this snapshot was read at


def load_board(desk: Desk, *, show_closed: bool = False, limit: int = CARD_LIMIT) -> BoardView:
    """Read the board in one session: counts per lane, and the top `limit` cards of each
    visible lane. The sequence is read first, so a write racing this read reloads again."""
    with desk.db.session() as s:
        seq = read_change_seq(s)
        statuses = all_statuses(s)
        by_lane = status_ids_by_lane(statuses)
        counts = ticket_counts_by_status(s)
        visible = [lane for lane in LANES if show_closed or lane != Lane.CLOSED]
        cards = top_tickets_by_lane(s, {lane: by_lane[lane] for lane in visible}, limit=limit)
    canonical = {st.key: st for st in statuses if st.key}
    totals = {lane: sum(counts.get(i, 0) for i in ids) for lane, ids in by_lane.items()}
    lanes = tuple(
        LaneView(
            lane=lane,
            title=TITLES[lane][0],
            short_title=TITLES[lane][1],
            target=canonical.get(lane.value),
            total=totals[lane],
            cards=tuple(cards[lane]),
        )
        for lane in visible
    )
    return BoardView(lanes=lanes, closed_total=totals[Lane.CLOSED], seq=seq)
