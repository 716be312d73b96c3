"""A ticket as a kanban card: number, priority, SLA badge and countdown, client, subject.

The card holds a frozen `TicketRow` (never an ORM object) and paints the countdown from
the clocks' stored instants, so the board can repaint every card each second without a
query. Its layout follows its own width: three lines when there is room, four on a
narrow terminal, where the badge gets a line of its own.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget

from msp_tui.engine.badges import badge_for
from msp_tui.store.queries import TicketRow
from msp_tui.widgets.sla_badge import badge_text, countdown_text

# Content widths: from WIDE "#1234 P2 ✖ Breached  -10h14m" fits on one line; below
# NARROW even "#1234  -4h11m" does not, so the badge shrinks to its symbol.
WIDE = 28
NARROW = 13
PRIORITY_STYLE = {"P1": "bold red", "P2": "bold"}


def _line(left: Text, right: Text, width: int, *, keep_right: bool = True) -> Text:
    """`left` and `right` on one line of `width`, right-aligned. When both do not fit,
    `left` gives way (keep_right) or `right` is dropped."""
    if not keep_right and left.cell_len + 1 + right.cell_len > width:
        right = Text("")
    room = max(0, width - right.cell_len - 1) if right.cell_len else width
    left = left.copy()
    left.truncate(room, overflow="ellipsis")
    gap = max(0, width - left.cell_len - right.cell_len)
    out = Text.assemble(left, " " * gap, right)
    out.truncate(width, overflow="ellipsis")
    return out


def _fit(text: Text | str, width: int, style: str = "") -> Text:
    out = Text(text, style=style) if isinstance(text, str) else text.copy()
    out.truncate(width, overflow="ellipsis")
    return out


def _notes(parts: list[str], room: int) -> Text:
    """As many of `parts` as fit in `room` (dropping from the end), dim, joined by "·"."""
    parts = [p for p in parts if p]
    while parts and len(" · ".join(parts)) > room:
        parts.pop()
    return Text(" · ".join(parts), style="dim")


def card_lines(
    row: TicketRow, now: datetime, width: int, lane_status: str | None = None
) -> list[Text]:
    """The card's lines at a content width (pure, so it is tested without an app).

    `lane_status` is the lane's own status name: a card in another status of that lane
    (Provisioning under In Progress, Info Needed under Waiting) names it when there is room.
    """
    width = max(1, width)
    sla = badge_for(row.clocks, now)
    number = Text(f"#{row.number}", style="bold")
    priority = Text(row.priority, style=PRIORITY_STYLE.get(row.priority, ""))
    countdown = countdown_text(sla)
    status = row.status if lane_status is not None and row.status != lane_status else ""
    client = Text(row.client or "⚠ unmatched", style="" if row.client else "yellow")
    subject = _fit(row.subject, width, "italic")
    if width >= WIDE:
        head = Text.assemble(number, " ", priority, " ", badge_text(sla))
        notes = _notes([status, row.assignee or ""], width - min(client.cell_len, 16) - 2)
        return [_line(head, countdown, width), _line(client, notes, width), subject]
    if width >= NARROW:
        badge = Text.assemble(priority, " ", badge_text(sla))
        return [
            _line(number, countdown, width),
            _line(badge, _notes([status], width - badge.cell_len - 1), width, keep_right=False),
            _fit(client, width),
            subject,
        ]
    # Tiny (six lanes on 80 columns): the symbol stands for the badge, the countdown stays.
    symbol = badge_text(sla)[:1]
    sla_line = Text.assemble(symbol, " ", countdown if countdown.plain else badge_text(sla)[2:])
    return [
        _line(number, priority, width, keep_right=False),
        _fit(sla_line, width),
        _fit(client, width),
        subject,
    ]


class TicketCard(Widget, can_focus=True):
    """One card; focus (keyboard or click) is the board's selection."""

    DEFAULT_CSS = """
    TicketCard {
        height: auto;
        margin: 0 0 1 0;
        padding: 0 0 0 1;
        background: $boost;
        border-left: tall $panel-lighten-2;
    }
    TicketCard:hover { background: $boost-lighten-1; }
    TicketCard.-selected { border-left: thick $accent; }
    TicketCard.-selected:focus { background: $accent 25%; }
    """

    class Focused(Message):
        """The card got focus (click, tab or the board's own keys)."""

        def __init__(self, card: TicketCard) -> None:
            super().__init__()
            self.card = card

    class Dropped(Message):
        """The card was dragged and released at a screen position (maybe another lane)."""

        def __init__(self, card: TicketCard, screen_x: int, screen_y: int) -> None:
            super().__init__()
            self.card = card
            self.screen_x = screen_x
            self.screen_y = screen_y

    def __init__(self, row: TicketRow, now: datetime, lane_status: str | None = None) -> None:
        super().__init__()
        self.row = row
        self.now = now
        self.lane_status = lane_status
        self._drag_from: tuple[int, int] | None = None

    def show(self, row: TicketRow) -> None:
        """Reuse this widget for another (or a fresher) ticket row."""
        if row != self.row:
            self.row = row
            self.refresh(layout=True)

    def set_now(self, now: datetime) -> None:
        """Repaint the countdown; no query, only the stored instants."""
        self.now = now
        self.refresh()

    def render(self) -> Text:
        lines = card_lines(self.row, self.now, self.content_size.width, self.lane_status)
        return Text("\n").join(lines)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        # Fixed per width, so a ticking countdown never changes the layout.
        return 3 if width >= WIDE else 4

    def on_focus(self, event: events.Focus) -> None:
        self.post_message(self.Focused(self))

    # Drag and drop: capture the mouse on press, report where it was released.

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button == 1:
            self._drag_from = (event.screen_x, event.screen_y)
            self.capture_mouse()

    def on_mouse_up(self, event: events.MouseUp) -> None:
        start, self._drag_from = self._drag_from, None
        self.capture_mouse(False)
        if start is not None and start != (event.screen_x, event.screen_y):
            self.post_message(self.Dropped(self, int(event.screen_x), int(event.screen_y)))
