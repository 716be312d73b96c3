"""The kanban board: lane mapping, per-lane limits, moves through the transition path,
selection that survives reloads, and snapshots at the default and a small terminal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.app import App
from textual.pilot import Pilot

from msp_tui.app import MspApp
from msp_tui.engine.badges import Badge, badge_for
from msp_tui.engine.clock import FixedClock
from msp_tui.engine.vocabulary import Channel, PriorityCode
from msp_tui.screens.board import BoardScreen
from msp_tui.screens.queue import QueueScreen
from msp_tui.screens.transition import TransitionDialog
from msp_tui.services import tickets as svc
from msp_tui.services.board import (
    LANES,
    Lane,
    lane_for,
    load_board,
    move_refusal,
    status_ids_by_lane,
)
from msp_tui.services.desk import Desk
from msp_tui.services.ticket_view import ticket_detail
from msp_tui.store.models import Status, Ticket
from msp_tui.store.queries import ClockRow, StatusView, TicketRow
from msp_tui.widgets.ticket_card import TicketCard, card_lines
from tests.conftest import FIXED_NOW
from tests.console_app import TERMINAL_SIZE, make_app
from tests.pilot_wait import settle, until
from tests.screens.test_resolve_dialog import resolve_in_dialog

# ------------------------------------------------------------------ lane mapping (pure)

SEEDED = {
    "new": Lane.NEW,
    "in_progress": Lane.IN_PROGRESS,
    "provisioning": Lane.IN_PROGRESS,
    "waiting_on_customer": Lane.WAITING,
    "info_needed": Lane.WAITING,
    "pending_approval": Lane.WAITING,
    "escalated": Lane.ESCALATED,
    "resolved": Lane.RESOLVED,
    "noc_completed": Lane.RESOLVED,
    "completed": Lane.RESOLVED,
    "closed": Lane.CLOSED,
}


def test_every_seeded_status_has_its_lane(demo_desk: Desk) -> None:
    statuses = demo_desk.statuses()
    assert {st.key for st in statuses} == set(SEEDED)
    for st in statuses:
        assert lane_for(st.key, st.category) == SEEDED[st.key or ""], st.name


@pytest.mark.parametrize(
    ("key", "category", "lane"),
    [
        ("on_site_visit", "open", Lane.IN_PROGRESS),
        (None, "open", Lane.IN_PROGRESS),  # an admin's status without a key
        ("pending_vendor", "paused", Lane.WAITING),
        (None, "paused", Lane.WAITING),
        ("fixed_by_vendor", "resolved", Lane.RESOLVED),
        ("merged", "closed", Lane.CLOSED),
    ],
)
def test_invented_statuses_find_a_lane_by_category(
    key: str | None, category: str, lane: Lane
) -> None:
    assert lane_for(key, category) == lane


def test_new_and_escalated_go_by_key_and_an_unknown_category_is_loud() -> None:
    assert lane_for("new", "open") == Lane.NEW
    assert lane_for("escalated", "open") == Lane.ESCALATED
    with pytest.raises(ValueError):
        lane_for("odd", "archived")


def test_status_ids_by_lane_includes_invented_rows() -> None:
    rows = [
        StatusView(1, "new", "New", "open"),
        StatusView(2, "in_progress", "In Progress", "open"),
        StatusView(40, "pending_vendor", "Pending Vendor", "paused"),
        StatusView(41, None, "On Site", "open"),
        StatusView(42, "voided", "Voided", "closed"),
    ]
    by_lane = status_ids_by_lane(rows)
    assert list(by_lane) == list(LANES)
    assert by_lane[Lane.IN_PROGRESS] == [2, 41]
    assert by_lane[Lane.WAITING] == [40]
    assert by_lane[Lane.CLOSED] == [42]
    assert by_lane[Lane.ESCALATED] == []


def _row(**changes: object) -> TicketRow:
    base: dict[str, object] = {
        "id": 1,
        "number": 1234,
        "subject": "ERP server not responding after the update",
        "client": "Contoso Legal",
        "priority": "P2",
        "status": "In Progress",
        "status_category": "open",
        "assignee": "Taylor Reed",
        "created_at": FIXED_NOW,
        "next_due_at": None,
        "unmatched_client": False,
        "sla_breached": False,
    }
    base.update(changes)
    return TicketRow(**base)  # type: ignore[arg-type]


def test_move_refusal_follows_the_lifecycle() -> None:
    resolved = StatusView(8, "resolved", "Resolved", "resolved")
    waiting = StatusView(3, "waiting_on_customer", "Waiting on Customer", "paused")
    assert move_refusal(_row(), resolved) is None
    assert move_refusal(_row(status_category="resolved"), waiting) is not None
    refusal = move_refusal(_row(status_category="closed"), resolved)
    assert refusal is not None and refusal.startswith("#1234:") and "closed" in refusal


def test_card_lines_fit_their_width_and_read_without_colour() -> None:
    row = _row(status="Provisioning")
    for width in (8, 10, 12, 13, 20, 27, 28, 40):
        lines = card_lines(row, FIXED_NOW, width, "In Progress")
        assert len(lines) == (3 if width >= 28 else 4)
        assert all(line.cell_len <= width for line in lines)
        plain = "\n".join(line.plain for line in lines)
        assert "#1234" in plain and "–" in plain  # no clocks: the No SLA symbol
    wide = [line.plain for line in card_lines(row, FIXED_NOW, 50, "In Progress")]
    assert wide[0].startswith("#1234 P2 – No SLA")
    assert wide[1].startswith("Contoso Legal") and wide[1].endswith("Provisioning · Taylor Reed")
    assert wide[2].startswith("ERP server")
    # the lane's own status is not repeated
    same = card_lines(_row(), FIXED_NOW, 50, "In Progress")[1].plain
    assert "In Progress" not in same and same.endswith("Taylor Reed")
    narrow = [line.plain.rstrip() for line in card_lines(row, FIXED_NOW, 13, "In Progress")]
    assert narrow == ["#1234", "P2 – No SLA", "Contoso Legal", "ERP server n…"]
    tiny = [line.plain.rstrip() for line in card_lines(row, FIXED_NOW, 10, "In Progress")]
    assert tiny == ["#1234   P2", "– No SLA", "Contoso L…", "ERP serve…"]


def test_a_tiny_card_keeps_the_symbol_and_the_countdown() -> None:
    clock = ClockRow("resolution", "running", FIXED_NOW - timedelta(minutes=90), None, None)
    row = _row(clocks=(clock,))
    tiny = [line.plain.rstrip() for line in card_lines(row, FIXED_NOW, 10)]
    assert tiny[:2] == ["#1234   P2", "✖ -1h30m"]
    narrow = [line.plain.rstrip() for line in card_lines(row, FIXED_NOW, 13)]
    assert narrow[:2] == ["#1234  -1h30m", "P2 ✖ Breached"]


# ------------------------------------------------------------------ the read model


def test_load_board_counts_every_ticket_but_draws_only_the_top_cards(demo_desk: Desk) -> None:
    everything = demo_desk.queue(include_closed=True, limit=100_000)
    key_of = {st.name: st.key for st in demo_desk.statuses()}
    expected: dict[Lane, list[int]] = {lane: [] for lane in LANES}
    for row in everything:  # the queue's urgency order, split into lanes
        expected[lane_for(key_of[row.status], row.status_category)].append(row.id)

    board = load_board(demo_desk, limit=5)
    assert [lv.lane for lv in board.lanes] == [lane for lane in LANES if lane != Lane.CLOSED]
    assert board.closed_total == len(expected[Lane.CLOSED]) > 5
    for lv in board.lanes:
        assert lv.total == len(expected[lv.lane])
        assert [r.id for r in lv.cards] == expected[lv.lane][:5]
        assert lv.more == max(0, lv.total - 5)
        assert lv.target is not None and lv.target.key == lv.lane.value
    with_closed = load_board(demo_desk, show_closed=True, limit=5)
    assert with_closed.lanes[-1].lane == Lane.CLOSED
    assert len(with_closed.lanes[-1].cards) == 5


# ------------------------------------------------------------------ the screen


async def open_board(pilot: Pilot[None], **kwargs: object) -> BoardScreen:
    board = BoardScreen(pilot.app.desk, refresh_seconds=3600.0, **kwargs)  # type: ignore[attr-defined, arg-type]
    await pilot.app.push_screen(board)
    await settle(pilot)
    return board


def status_key(desk: Desk, ticket_id: int) -> str | None:
    with desk.db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        status = s.get(Status, ticket.status_id)
        assert status is not None
        return status.key


def card_of(board: BoardScreen, lane: Lane, ticket_id: int) -> TicketCard | None:
    for card in board.lane_column(lane).cards:
        if card.row.id == ticket_id:
            return card
    return None


def lane_index(board: BoardScreen, lane: Lane) -> int:
    assert board.view is not None
    return [lv.lane for lv in board.view.lanes].index(lane)


async def select(pilot: Pilot[None], board: BoardScreen, lane: Lane, card: int = 0) -> TicketRow:
    """Walk there with the keys, as a user would."""
    for _ in range(len(LANES)):
        await pilot.press("left")
    for _ in range(lane_index(board, lane)):
        await pilot.press("right")
    for _ in range(card):
        await pilot.press("j")

    def arrived() -> bool:
        row = board.selected_row()
        return (board.lane_index == lane_index(board, lane) and board.card_index == card
                and row is not None and card_of(board, lane, row.id) is board.focused)

    await until(pilot, arrived)
    row = board.selected_row()
    assert row is not None
    assert card_of(board, lane, row.id) is board.focused
    return row


def error_toasts(app: MspApp) -> list[str]:
    return [str(n.message) for n in app._notifications if n.severity == "error"]


async def test_board_lanes_and_initial_selection(demo_desk: Desk) -> None:
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        board = await open_board(pilot)
        assert board.view is not None
        assert [lv.lane for lv in board.view.lanes] == list(LANES[:-1])
        assert not board.lane_column(Lane.CLOSED).display
        # the first card of New is selected and focused
        first = board.view.lanes[0].cards[0]
        assert board.selected_row() == first
        assert isinstance(board.focused, TicketCard) and board.focused.row == first
        # Resolved has more than the board draws: a "+N more" line
        resolved = next(lv for lv in board.view.lanes if lv.lane == Lane.RESOLVED)
        column = board.lane_column(Lane.RESOLVED)
        assert len(column.cards) == len(resolved.cards) == 50
        assert str(column.query_one(".more").render()) == f"+{resolved.more} more"
        # `c` shows the Closed lane, capped too
        await pilot.press("c")
        await until(pilot, lambda: board.lane_column(Lane.CLOSED).display)
        await settle(pilot)
        assert len(board.lane_column(Lane.CLOSED).cards) == 50
        await pilot.press("c")
        await until(pilot, lambda: not board.lane_column(Lane.CLOSED).display)


async def test_keys_move_the_selection_between_lanes_and_cards(demo_desk: Desk) -> None:
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        board = await open_board(pilot)
        assert board.view is not None
        lanes = board.view.lanes
        await pilot.press("right", "down", "j")
        in_progress = lanes[1].cards
        await until(pilot, lambda: board.selected_row() == in_progress[2])
        await pilot.press("k")
        await until(pilot, lambda: board.selected_row() == in_progress[1])
        await pilot.press("right", "left", "left")
        await until(pilot, lambda: board.lane_index == 0
                    and board.selected_row() == lanes[0].cards[1])
        await pilot.press("left")  # already leftmost: stays
        await settle(pilot)
        assert board.lane_index == 0
        await pilot.press("l")  # `l` is the app's "list": back to the queue
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))


async def test_shift_right_puts_a_running_ticket_on_hold(demo_desk: Desk) -> None:
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        board = await open_board(pilot)
        assert board.view is not None
        lane = next(lv for lv in board.view.lanes if lv.lane == Lane.IN_PROGRESS)
        on_track = next(
            i
            for i, r in enumerate(lane.cards)
            if badge_for(r.clocks, FIXED_NOW).badge == Badge.ON_TRACK
        )
        row = await select(pilot, board, Lane.IN_PROGRESS, card=on_track)
        assert row.status == "In Progress"
        assert any(c.state == "running" for c in row.clocks)
        await pilot.press("shift+right")
        await until(pilot, lambda: card_of(board, Lane.WAITING, row.id) is not None)
        await settle(pilot)
        assert status_key(demo_desk, row.id) == "waiting_on_customer"
        assert card_of(board, Lane.IN_PROGRESS, row.id) is None
        card = card_of(board, Lane.WAITING, row.id)
        assert card is not None
        assert card.row.status == "Waiting on Customer"
        assert badge_for(card.row.clocks, FIXED_NOW).badge == Badge.PAUSED
        assert "‖ Paused" in card.render().plain
        # the selection followed the card into its new lane
        assert board.selected_row() == card.row and board.focused is card
        assert board.lane_index == lane_index(board, Lane.WAITING)


async def test_an_overdue_ticket_put_on_hold_stays_breached(demo_desk: Desk) -> None:
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        board = await open_board(pilot)
        row = await select(pilot, board, Lane.IN_PROGRESS)  # the most urgent: overdue
        assert badge_for(row.clocks, FIXED_NOW).badge == Badge.BREACHED
        await pilot.press("shift+right")
        await until(pilot, lambda: card_of(board, Lane.WAITING, row.id) is not None)
        await settle(pilot)
        card = card_of(board, Lane.WAITING, row.id)
        assert card is not None
        assert badge_for(card.row.clocks, FIXED_NOW).badge == Badge.BREACHED  # not "Paused"


async def test_moving_to_resolved_asks_for_the_resolution(demo_desk: Desk) -> None:
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        board = await open_board(pilot)
        row = await select(pilot, board, Lane.ESCALATED)
        await pilot.press("shift+right")
        await until(pilot, lambda: isinstance(app.screen, TransitionDialog)
                    and app.screen.focused is not None)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is board)
        await settle(pilot)
        assert status_key(demo_desk, row.id) == "escalated"
        assert card_of(board, Lane.ESCALATED, row.id) is not None

        await pilot.press("shift+right")
        await until(pilot, lambda: isinstance(app.screen, TransitionDialog)
                    and app.screen.focused is not None)
        await resolve_in_dialog(pilot, "Restarted the ERP service", code="Work")
        await until(pilot, lambda: card_of(board, Lane.ESCALATED, row.id) is None)
        await settle(pilot)
        assert app.screen is board
        assert status_key(demo_desk, row.id) == "resolved"
        assert ticket_detail(demo_desk, row.id).resolution_label == "Workaround provided"
        assert card_of(board, Lane.ESCALATED, row.id) is None
        assert board.selected_row() is not None and board.selected_row().id == row.id  # type: ignore[union-attr]
        assert board.lane_index == lane_index(board, Lane.RESOLVED)


async def test_a_move_out_of_closed_is_refused(demo_desk: Desk) -> None:
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        board = await open_board(pilot)
        await pilot.press("c")
        await until(pilot, lambda: board.lane_column(Lane.CLOSED).display)
        await settle(pilot)
        row = await select(pilot, board, Lane.CLOSED)
        seq = demo_desk.change_seq()
        await pilot.press("shift+left")
        await until(pilot, lambda: bool(error_toasts(app)))
        await settle(pilot)
        assert app.screen is board  # no summary asked for a move that cannot happen
        assert any(f"#{row.number}" in text and "closed" in text for text in error_toasts(app))
        assert status_key(demo_desk, row.id) == "closed"
        assert demo_desk.change_seq() == seq
        assert card_of(board, Lane.CLOSED, row.id) is not None
        await pilot.press("shift+right")  # no lane to the right of Closed: nothing happens
        await settle(pilot)
        assert status_key(demo_desk, row.id) == "closed"


async def test_a_reload_keeps_the_selected_ticket(demo_desk: Desk) -> None:
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        board = await open_board(pilot)
        row = await select(pilot, board, Lane.NEW, card=8)
        # another process opens a P1 ticket, which sorts above the selected one
        with demo_desk.db.session() as s:
            svc.create_ticket(
                s,
                at=FIXED_NOW,
                subject="Whole office offline",
                body="Nothing works",
                channel=Channel.PHONE,
                priority=PriorityCode.P1,
                client_id=1,
            )
        board.poll_changes()
        await until(pilot, lambda: board.view is not None and any(
            r.subject == "Whole office offline" for r in board.view.lanes[0].cards))
        await settle(pilot)
        assert board.view is not None
        subjects = [r.subject for r in board.view.lanes[0].cards]
        assert subjects.index("Whole office offline") < 8
        assert board.selected_row() == row
        assert board.card_index == 9 and isinstance(board.focused, TicketCard)
        assert board.focused.row.id == row.id
        assert len(board.query(".-selected")) == 1
        # nothing new: the poll does not reload
        seq = board.seq
        board.poll_changes()
        await settle(pilot)
        assert board.seq == seq


async def test_countdowns_tick_without_a_query(demo_desk: Desk) -> None:
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        board = await open_board(pilot)
        card = board.lane_column(Lane.NEW).cards[0]
        before = card.render().plain
        assert isinstance(demo_desk.clock, FixedClock)
        demo_desk.clock.advance(timedelta(minutes=2))
        demo_desk.db.dispose()  # a query now would have to reconnect; none is made
        board.tick()
        await until(pilot, lambda: card.render().plain != before)
        assert card.now == FIXED_NOW + timedelta(minutes=2)


async def test_click_selects_and_drag_moves(demo_desk: Desk) -> None:
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        board = await open_board(pilot)
        target = board.lane_column(Lane.IN_PROGRESS).cards[1]
        await pilot.click(target)  # a mouse click on purpose: selecting by mouse
        await until(pilot, lambda: board.focused is target)
        assert board.selected_row() == target.row and board.focused is target
        ticket_id = target.row.id  # card widgets are reused on reload: keep the id
        # drag it onto the Waiting lane
        await pilot.mouse_down(target)
        await pilot.mouse_up(board.lane_column(Lane.WAITING))
        await until(pilot, lambda: card_of(board, Lane.WAITING, ticket_id) is not None)
        await settle(pilot)
        assert status_key(demo_desk, ticket_id) == "waiting_on_customer"
        moved = board.selected_row()
        assert moved is not None and moved.id == ticket_id
        assert card_of(board, Lane.WAITING, ticket_id) is board.focused
        # a drag that ends in its own lane is only a selection
        other = board.lane_column(Lane.NEW).cards[0]
        new_id = other.row.id
        await pilot.mouse_down(other)
        await pilot.mouse_up(board.lane_column(Lane.NEW), offset=(3, 0))
        await until(pilot, lambda: board.selected_row() is not None
                    and board.selected_row().id == new_id)  # type: ignore[union-attr]
        await settle(pilot)
        assert status_key(demo_desk, new_id) == "new"
        assert board.selected_row() is not None and board.selected_row().id == new_id  # type: ignore[union-attr]


class OpeningApp(MspApp):
    """An app that already wires the board's open request."""

    def __init__(self, desk: Desk) -> None:
        super().__init__(desk, refresh_seconds=3600.0)
        self.opened: list[int] = []
        self.messages: list[int] = []

    def action_open_ticket(self, ticket_id: int) -> None:
        self.opened.append(ticket_id)

    def on_board_screen_open_ticket(self, message: BoardScreen.OpenTicket) -> None:
        self.messages.append(message.ticket_id)


async def test_enter_asks_the_app_to_open_the_ticket(demo_desk: Desk) -> None:
    app = OpeningApp(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        board = await open_board(pilot)
        row = board.selected_row()
        assert row is not None
        await pilot.press("enter")
        await until(pilot, lambda: bool(app.opened and app.messages))
        await settle(pilot)
        assert app.opened == [row.id]
        assert app.messages == [row.id]


class BareApp(App[None]):
    """A host without a ticket view: the board must say so, not crash."""

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk

    def on_mount(self) -> None:
        self.push_screen(BoardScreen(self.desk, refresh_seconds=3600.0))


async def test_enter_without_a_ticket_view_only_says_so(demo_desk: Desk) -> None:
    app = BareApp(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        board = app.screen
        assert isinstance(board, BoardScreen) and board.selected_row() is not None
        await pilot.press("enter")
        await until(pilot, lambda: any(
            "not available" in str(n.message) for n in app._notifications))
        assert app.screen is board
        notes = [str(n.message) for n in app._notifications]
        assert any("not available" in text for text in notes)


async def test_escape_goes_back_to_the_queue(demo_desk: Desk) -> None:
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        board = await open_board(pilot)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is not board)
        assert app.screen is not board and not isinstance(app.screen, BoardScreen)


# ------------------------------------------------------------------ snapshots


async def _push_board(pilot: Pilot[None]) -> None:
    await pilot.app.push_screen(BoardScreen(pilot.app.desk, refresh_seconds=3600.0))  # type: ignore[attr-defined]
    await settle(pilot)


def test_board_snapshot(snap_compare, demo_desk: Desk) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(demo_desk), terminal_size=TERMINAL_SIZE, run_before=_push_board)


def test_board_snapshot_small_terminal(snap_compare, demo_desk: Desk) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(demo_desk), terminal_size=(80, 24), run_before=_push_board)
