"""The kanban board: one lane per kind of status, cards most urgent first.

Lanes come from `services.board` (status key and category, so new statuses need no
code), each drawing at most `card_limit` cards plus a "+N more" line, so a desk with
100k tickets still mounts a few hundred widgets. Moving a card goes through
`request_status_change`, the one path every status change takes. Countdowns repaint
each second from stored instants; a change-sequence poll reloads in a thread worker and
keeps the selected ticket selected.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.errors import NoWidget
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Header, Static
from textual.worker import Worker, WorkerState, get_current_worker

from msp_tui.screens.transition import request_status_change
from msp_tui.services.board import (
    CARD_LIMIT,
    LANES,
    BoardView,
    Lane,
    LaneView,
    load_board,
    move_refusal,
)
from msp_tui.services.desk import Desk
from msp_tui.store.queries import TicketRow
from msp_tui.widgets.ticket_card import TicketCard


class LaneTitle(Widget):
    """The lane's name and count; the short name when the full one does not fit."""

    DEFAULT_CSS = """
    LaneTitle { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.lane: LaneView | None = None

    def show(self, lane: LaneView) -> None:
        self.lane = lane
        self.refresh()

    def render(self) -> Text:
        if self.lane is None:
            return Text("")
        width = self.content_size.width
        count = str(self.lane.total)
        title = self.lane.title
        if len(title) + 1 + len(count) > width:
            title = self.lane.short_title
        text = Text(title)
        text.truncate(max(1, width - len(count) - 1), overflow="ellipsis")
        text.append(" " * max(1, width - text.cell_len - len(count)))
        text.append(count)
        return text


class LaneCards(VerticalScroll, can_focus=False, inherit_bindings=False):
    """The scrolling card list; no focus and no scroll keys of its own, so the arrows
    reach the board (a focused card is inside it)."""


class LaneColumn(Vertical):
    """One lane: title, cards, and how many more there are than the board draws."""

    DEFAULT_CSS = """
    LaneColumn { width: 1fr; height: 1fr; }
    LaneColumn.-current LaneTitle { background: $accent; color: $text; }
    LaneColumn LaneCards {
        height: 1fr;
        scrollbar-size-vertical: 1;
        scrollbar-gutter: stable;
    }
    LaneColumn .more { color: $text-muted; padding: 0 1; margin-bottom: 1; }
    LaneColumn .empty { color: $text-muted; padding: 0 1; }
    """

    def __init__(self, lane: Lane) -> None:
        super().__init__(id=f"lane-{lane.value}")
        self.lane = lane
        self.view: LaneView | None = None

    def compose(self) -> ComposeResult:
        yield LaneTitle()
        with LaneCards():
            yield Static("", classes="more")

    @property
    def cards(self) -> list[TicketCard]:
        return list(self.query(TicketCard))

    async def show(self, view: LaneView, now: datetime) -> None:
        """Reuse the card widgets already there; mount or remove only the difference."""
        self.view = view
        self.query_one(LaneTitle).show(view)
        status = view.target.name if view.target else None
        existing = self.cards
        for card, row in zip(existing, view.cards, strict=False):
            card.lane_status = status
            card.show(row)
        more = self.query_one(".more", Static)
        if len(view.cards) > len(existing):
            new = [TicketCard(row, now, status) for row in view.cards[len(existing) :]]
            await self.query_one(LaneCards).mount_all(new, before=more)
        elif len(existing) > len(view.cards):
            await self.query_one(LaneCards).remove_children(existing[len(view.cards) :])
        if view.more:
            more.update(f"+{view.more} more")
        elif not view.cards:
            more.update("(empty)")
        else:
            more.update("")
        more.display = bool(view.more or not view.cards)


class BoardScreen(Screen[None]):
    BINDING_GROUP_TITLE = "Board"
    BINDINGS = [
        Binding("left", "lane(-1)", "Lane left", show=False, id="board.lane_left"),
        Binding("right", "lane(1)", "Lane right", show=False, id="board.lane_right"),
        Binding("k,up", "card(-1)", "Card up", show=False, id="board.card_up"),
        Binding("j,down", "card(1)", "Card down", show=False, id="board.card_down"),
        Binding("shift+left", "move(-1)", "Move ◀", key_display="⇧←",
                tooltip="Move the card to the previous lane's status", id="board.move_left"),
        Binding("shift+right", "move(1)", "Move ▶", key_display="⇧→",
                tooltip="Move the card to the next lane's status", id="board.move_right"),
        Binding("enter", "open", "Open", tooltip="Open the selected ticket", id="board.open"),
        Binding("c", "toggle_closed", "Closed", tooltip="Show or hide the Closed lane",
                id="board.toggle_closed"),
        Binding("ctrl+r", "reload", "Refresh", tooltip="Reload the board now",
                id="board.reload"),
        Binding("escape", "back", "Back", show=False, tooltip="Leave the board",
                id="board.back"),
    ]
    DEFAULT_CSS = """
    BoardScreen #summary { height: 1; padding: 0 1; }
    BoardScreen #lanes { height: 1fr; }
    """

    class Loaded(Message):
        def __init__(self, view: BoardView, show_closed: bool) -> None:
            super().__init__()
            self.view = view
            self.show_closed = show_closed

    class OpenTicket(Message):
        """Asks whoever shows ticket details to open this one (the app wires it)."""

        def __init__(self, ticket_id: int) -> None:
            super().__init__()
            self.ticket_id = ticket_id

    def __init__(
        self,
        desk: Desk,
        *,
        show_closed: bool = False,
        refresh_seconds: float = 2.0,
        card_limit: int = CARD_LIMIT,
    ) -> None:
        super().__init__()
        self.desk = desk
        self.show_closed = show_closed
        self.refresh_seconds = refresh_seconds
        self.card_limit = card_limit
        self.seq = -1
        self.view: BoardView | None = None
        self.lane_index = 0
        self.card_index = 0
        self.selected_id: int | None = None  # survives reloads while the ticket is drawn
        self._selected_card: TicketCard | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="summary")
        with Horizontal(id="lanes"):
            for lane in LANES:
                yield LaneColumn(lane)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(f"#lane-{Lane.CLOSED.value}").display = self.show_closed
        self.load()
        self.set_interval(1.0, self.tick)
        self.set_interval(self.refresh_seconds, self.poll_changes)

    # ------------------------------------------------------------------ loading

    @work(thread=True, exclusive=True, group="board-load", exit_on_error=False)
    def load(self, force: bool = True) -> None:
        """Read the board off the UI thread; skip when nothing was written since."""
        if not force and self.desk.change_seq() == self.seq:
            return
        show_closed = self.show_closed
        view = load_board(self.desk, show_closed=show_closed, limit=self.card_limit)
        if not get_current_worker().is_cancelled:  # a newer load (e.g. `c`) replaced it
            self.post_message(self.Loaded(view, show_closed))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed read must not look like an idle board: say so (the next poll retries)."""
        if event.worker.group == "board-load" and event.state == WorkerState.ERROR:
            self.notify(str(event.worker.error), title="Board not loaded", severity="error")

    async def on_board_screen_loaded(self, message: Loaded) -> None:
        if message.show_closed != self.show_closed:
            return  # read for the other Closed setting; its replacement is on the way
        self.seq = message.view.seq
        self.view = message.view
        now = self.desk.clock.now()
        shown = {lv.lane: lv for lv in message.view.lanes}
        for column in self.query(LaneColumn):
            lane_view = shown.get(column.lane)
            column.display = lane_view is not None
            if lane_view is not None:
                await column.show(lane_view, now)
        self._restore_selection()
        self._update_summary()

    def _update_summary(self) -> None:
        if self.view is None:
            return
        active = sum(lv.total for lv in self.view.lanes if lv.lane != Lane.CLOSED)
        closed = self.view.closed_total
        tail = f"{closed} closed" if self.show_closed else f"{closed} closed hidden (c shows)"
        self.query_one("#summary", Static).update(f"Board · {active} tickets not closed · {tail}")

    def poll_changes(self) -> None:
        """Other consoles and the worker write too: reload when the sequence moved."""
        self.load(force=False)

    def tick(self) -> None:
        """Repaint every countdown from the stored instants; no query."""
        now = self.desk.clock.now()
        for card in self.query(TicketCard):
            card.set_now(now)

    # ------------------------------------------------------------------ selection

    def _columns(self) -> list[LaneColumn]:
        """The visible lanes, left to right (the order of `view.lanes`)."""
        if self.view is None:
            return []
        visible = {lv.lane for lv in self.view.lanes}
        return [c for c in self.query(LaneColumn) if c.lane in visible]

    def _restore_selection(self) -> None:
        """Follow the selected ticket wherever the reload put it; else stay in place."""
        columns = self._columns()
        if self.selected_id is not None:
            for li, column in enumerate(columns):
                for ci, card in enumerate(column.cards):
                    if card.row.id == self.selected_id:
                        self._select(li, ci)
                        return
        self._select(self.lane_index, self.card_index)

    def _select(self, lane_index: int, card_index: int) -> None:
        """Make (lane, card) the selection, clamped; focus the card so it scrolls into view."""
        columns = self._columns()
        if not columns:
            return
        self.lane_index = max(0, min(lane_index, len(columns) - 1))
        for li, column in enumerate(columns):
            column.set_class(li == self.lane_index, "-current")
        cards = columns[self.lane_index].cards
        if self._selected_card is not None:
            self._selected_card.remove_class("-selected")
        if not cards:
            self.card_index = 0
            self.selected_id = None
            self._selected_card = None
            self.set_focus(None)
            return
        self.card_index = max(0, min(card_index, len(cards) - 1))
        card = cards[self.card_index]
        card.add_class("-selected")
        self._selected_card = card
        self.selected_id = card.row.id
        self.set_focus(card)  # at once: a deferred focus() would race the next key

    def _select_card(self, card: TicketCard) -> None:
        for li, column in enumerate(self._columns()):
            cards = column.cards
            if card in cards:
                if card is not self._selected_card or li != self.lane_index:
                    self._select(li, cards.index(card))
                return

    def on_ticket_card_focused(self, message: TicketCard.Focused) -> None:
        """A click (or tab) chose a card: make it the selection (stale news is ignored)."""
        if message.card is self.focused:
            self._select_card(message.card)

    def selected_row(self) -> TicketRow | None:
        return self._selected_card.row if self._selected_card is not None else None

    def action_lane(self, step: int) -> None:
        self._select(self.lane_index + step, self.card_index)

    def action_card(self, step: int) -> None:
        self._select(self.lane_index, self.card_index + step)

    # ------------------------------------------------------------------ moves

    def action_move(self, step: int) -> None:
        self._move_to(self.lane_index + step)

    def _move_to(self, lane_index: int) -> None:
        """Move the selected card to a lane's canonical status, via the one transition path."""
        row = self.selected_row()
        if row is None or self.view is None:
            return
        if not 0 <= lane_index < len(self.view.lanes) or lane_index == self.lane_index:
            self.app.bell()
            return
        lane = self.view.lanes[lane_index]
        target = lane.target
        if target is None:
            self.notify(f"no status with key {lane.lane.value!r} for {lane.title}",
                        title="Status not changed", severity="error")
            return
        # Refuse what the lifecycle refuses before a dialog asks for a summary in vain.
        refusal = move_refusal(row, target)
        if refusal is not None:
            self.notify(refusal, title="Status not changed", severity="error")
            return
        self.selected_id = row.id  # the selection follows the card to its new lane

        def done(changed: bool) -> None:
            if changed:
                self.load()

        request_status_change(self, self.desk, row.id, row.number, target, on_done=done)

    def on_ticket_card_dropped(self, message: TicketCard.Dropped) -> None:
        """Drag and drop: a card released over another lane moves there."""
        try:
            widget, _ = self.get_widget_at(message.screen_x, message.screen_y)
        except NoWidget:
            return
        node: Widget | None = widget
        while node is not None and not isinstance(node, LaneColumn):
            node = node.parent if isinstance(node.parent, Widget) else None
        if node is None:
            return
        columns = self._columns()
        self._select_card(message.card)
        if node not in columns or message.card is not self._selected_card:
            return
        if columns.index(node) != self.lane_index:  # released in its own lane: a click
            self._move_to(columns.index(node))

    # ------------------------------------------------------------------ other actions

    async def action_open(self) -> None:
        """Ask for the ticket's detail: a message for listeners, and the app's action."""
        row = self.selected_row()
        if row is None:
            return
        self.post_message(self.OpenTicket(row.id))
        if getattr(self.app, "action_open_ticket", None) is None:
            self.notify(f"#{row.number}: ticket detail is not available in this console yet",
                        severity="warning")
            return
        try:
            await self.app.run_action(f"open_ticket({row.id})")
        except Exception as exc:  # the app's wiring is not the board's: never crash on it
            self.notify(str(exc), title=f"Cannot open #{row.number}", severity="error")

    def action_toggle_closed(self) -> None:
        self.show_closed = not self.show_closed
        self.load()

    def action_reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.dismiss(None)

    def lane_column(self, lane: Lane) -> LaneColumn:
        """The widget of a lane (tests and the app use it to find cards)."""
        return self.query_one(f"#lane-{lane.value}", LaneColumn)
