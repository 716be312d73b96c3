"""A virtual ticket list: renders only the visible lines, loads 100-row pages on demand.

Textual's DataTable builds every row up front (about 12 s for 100,000), so the queue
draws itself with the line API instead: `render_line` looks up the row for a screen line
in a small page cache and, when the page is missing, asks its owner to load it in a
worker. SLA countdowns are computed at paint time from stored instants, so keeping them
live is just a `refresh()` every second — no query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from msp_tui.engine.badges import badge_for
from msp_tui.store.queries import TicketRow
from msp_tui.store.queue_queries import PAGE_SIZE, Page
from msp_tui.widgets.sla_badge import badge_text, countdown_text


def format_age(created: datetime, now: datetime) -> str:
    """Compact age: 45m, 7h, 3d."""
    minutes = max(0, int((now - created).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 48 * 60:
        return f"{minutes // 60}h"
    return f"{minutes // (24 * 60)}d"


@dataclass(frozen=True)
class Column:
    key: str  # also the sort key (store.queue_queries.SORTS)
    label: str
    width: int  # 0: shares the remaining width
    share: int = 0


WIDE = (
    Column("number", "#", 6),
    Column("due", "SLA", 11),
    Column("countdown", "Due in", 8),
    Column("client", "Client", 0, 2),
    Column("subject", "Subject", 0, 4),
    Column("priority", "Pri", 3),
    Column("status", "Status", 19),
    Column("assignee", "Assignee", 13),
    Column("age", "Age", 4),
)
NARROW = (
    Column("number", "#", 5),
    Column("due", "SLA", 11),
    Column("countdown", "Due in", 7),
    Column("client", "Client", 0, 2),
    Column("subject", "Subject", 0, 3),
    Column("priority", "Pri", 3),
    Column("status", "Status", 11),
)


def layout(width: int) -> list[tuple[Column, int]]:
    """Columns and their widths for a terminal width (fewer columns at 80)."""
    columns = WIDE if width >= 110 else NARROW
    fixed = sum(c.width for c in columns) + len(columns) - 1
    spare = max(0, width - fixed - 1)
    shares = sum(c.share for c in columns) or 1
    out = []
    for c in columns:
        w = c.width or max(6, spare * c.share // shares)
        out.append((c, w))
    return out


def cells(row: TicketRow, now: datetime) -> dict[str, Text]:
    sla = badge_for(row.clocks, now)
    return {
        "number": Text(str(row.number)),
        "due": badge_text(sla),
        "countdown": countdown_text(sla),
        "client": Text(row.client or "⚠ unmatched", style="" if row.client else "yellow"),
        "subject": Text(row.subject),
        "priority": Text(row.priority, style="bold red" if row.priority == "P1" else ""),
        "status": Text(row.status),
        "assignee": Text(row.assignee or "—"),
        "age": Text(format_age(row.created_at, now)),
    }


class QueueTable(ScrollView, can_focus=True):
    """The list itself; the screen owns loading (see `QueueScreen`)."""

    COMPONENT_CLASSES = {"queue-table--cursor", "queue-table--zebra"}
    DEFAULT_CSS = """
    QueueTable { height: 1fr; overflow-x: hidden; scrollbar-gutter: stable; }
    QueueTable > .queue-table--cursor { background: $accent; color: $text; text-style: bold; }
    QueueTable > .queue-table--zebra { background: $surface; }
    """
    BINDINGS = [
        Binding("j,down", "cursor(1)", "Down", show=False, id="queue.down"),
        Binding("k,up", "cursor(-1)", "Up", show=False, id="queue.up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="queue.page_down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="queue.page_up"),
        Binding("g,home", "top", "Top", show=False, id="queue.top"),
        Binding("G,end", "bottom", "Bottom", show=False, id="queue.bottom"),
        Binding("enter", "open", "Open", id="queue.open", tooltip="Open the ticket"),
    ]

    cursor = reactive(0)

    class Opened(Message):
        def __init__(self, row: TicketRow) -> None:
            super().__init__()
            self.row = row

    class PageWanted(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, now: Callable[[], datetime], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._now = now
        self.total = 0
        self.pages: dict[int, Page] = {}
        self._requested: set[int] = set()

    # ---------------------------------------------------------------- data

    def reset(self, total: int, pages: dict[int, Page] | None = None) -> None:
        """New data (a reload): keep the cursor index, clamp it, drop the page cache."""
        self.total = total
        self.pages = dict(pages or {})
        self._requested = set(self.pages)
        self.virtual_size = Size(self.size.width, total)
        self.cursor = min(self.cursor, max(0, total - 1))
        self.refresh()

    def add_page(self, index: int, page: Page) -> None:
        self.pages[index] = page
        self.refresh()

    def row_at(self, index: int) -> TicketRow | None:
        page = self.pages.get(index // PAGE_SIZE)
        if page is None:
            return None
        offset = index % PAGE_SIZE
        return page.rows[offset] if offset < len(page.rows) else None

    @property
    def content_width(self) -> int:
        """Columns for text: the widget less its vertical scroll bar."""
        return max(1, self.scrollable_content_region.width)

    @property
    def current(self) -> TicketRow | None:
        return self.row_at(self.cursor)

    def visible_pages(self) -> set[int]:
        top = int(self.scroll_offset.y)
        bottom = top + max(1, self.size.height)
        return {i // PAGE_SIZE for i in range(top, min(bottom, self.total))}

    # ---------------------------------------------------------------- rendering

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_offset.y) + y
        width = self.content_width
        if index >= self.total:
            return Strip.blank(width, self.rich_style)
        row = self.row_at(index)
        if row is None:
            page = index // PAGE_SIZE
            if page not in self._requested:
                self._requested.add(page)
                self.post_message(self.PageWanted(page))
            return Strip([Segment(" …".ljust(width), Style(dim=True))], width)
        selected = index == self.cursor
        if selected:
            base = self.get_component_rich_style("queue-table--cursor")
        else:
            base = self.rich_style
            if index % 2:
                base += self.get_component_rich_style("queue-table--zebra")
        return self._strip(cells(row, self._now()), width, base, selected)

    def _strip(self, values: dict[str, Text], width: int, base: Style, selected: bool) -> Strip:
        segments: list[Segment] = []
        for column, w in layout(width):
            text = values[column.key].copy()
            text.truncate(w, overflow="ellipsis", pad=True)
            console = self.app.console
            # Text.render leaves the text's own style out of its segments: add it back.
            whole = console.get_style(text.style) if text.style else Style()
            for seg in text.render(console):
                # the cursor line is one uniform highlight; other lines keep cell colours
                style = base if selected else base + whole + (seg.style or Style())
                segments.append(Segment(seg.text, style))
            segments.append(Segment(" ", base))
        return Strip(segments).adjust_cell_length(width, base)

    def header_text(self, width: int, sort_key: str, descending: bool) -> Text:
        line = Text()
        for column, w in layout(width):
            label = column.label
            if column.key == sort_key or (sort_key == "due" and column.key == "countdown"):
                label += " ▼" if descending else " ▲"
            line.append(label.ljust(w)[:w] + " ", style="bold")
        return line

    # ---------------------------------------------------------------- movement

    def watch_cursor(self, old: int, new: int) -> None:
        self.scroll_to_cursor()
        self.refresh()

    def scroll_to_cursor(self) -> None:
        top = int(self.scroll_offset.y)
        height = max(1, self.size.height)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    def action_cursor(self, delta: int) -> None:
        if self.total:
            self.cursor = max(0, min(self.total - 1, self.cursor + delta))

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.size.height - 1))

    def action_top(self) -> None:
        self.cursor = 0

    def action_bottom(self) -> None:
        self.cursor = max(0, self.total - 1)

    def action_open(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(self.Opened(row))

    def on_click(self, event: object) -> None:
        y = getattr(event, "y", None)
        if y is not None:
            index = int(self.scroll_offset.y) + int(y)
            if index < self.total:
                if index == self.cursor and getattr(event, "chain", 1) >= 2:
                    self.action_open()
                self.cursor = index
