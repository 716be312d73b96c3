"""The queue: every ticket that matches the technician's view, most urgent first.

The list is virtual (`widgets.queue_table`): a reload reads a count and the pages on
screen; scrolling reads further pages on demand. Another process's writes show up
within `refresh_seconds` (the change sequence is polled) and the cursor stays on the
ticket it was on. Filter and sort are saved per technician.
"""

from __future__ import annotations

from dataclasses import replace

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from msp_tui.screens.filter_dialog import FilterDialog, describe_filter
from msp_tui.services import queue as queue_service
from msp_tui.services.desk import Desk
from msp_tui.store.queue_queries import PAGE_SIZE, SORTS, Page, QueueFilter, QueueSort
from msp_tui.widgets.queue_table import QueueTable, format_age

__all__ = ["QueueScreen", "format_age"]

SORT_LABELS = {
    "due": "SLA due",
    "number": "number",
    "client": "client",
    "subject": "subject",
    "priority": "priority",
    "status": "status",
    "assignee": "assignee",
    "age": "age",
}


class QueueScreen(Screen[None]):
    BINDING_GROUP_TITLE = "Queue"
    AUTO_FOCUS = "QueueTable"  # the list has the keys whenever the screen is shown
    DEFAULT_CSS = """
    QueueScreen #summary { height: 1; padding: 0 1; background: $boost; }
    QueueScreen #columns { height: 1; padding: 0 0 0 0; background: $panel; }
    QueueScreen #search { display: none; height: 3; }
    QueueScreen #search.visible { display: block; }
    """
    BINDINGS = [
        Binding(
            "slash",
            "search",
            "Search",
            tooltip="Full-text search of subjects and replies",
            id="queue.search",
        ),
        Binding(
            "f",
            "filter",
            "Filter",
            tooltip="Filter by status, priority, assignee, …",
            id="queue.filter",
        ),
        Binding("m", "mine", "Mine", tooltip="Only my tickets (toggle)", id="queue.mine"),
        Binding(
            "c",
            "toggle_closed",
            "Closed",
            tooltip="Show or hide closed tickets",
            id="queue.toggle_closed",
        ),
        Binding("s", "sort", "Sort", tooltip="Sort by the next column", id="queue.sort"),
        Binding(
            "S",
            "reverse",
            "Reverse",
            show=False,
            tooltip="Reverse the sort order",
            id="queue.reverse",
        ),
        Binding(
            "x", "clear", "Clear", show=False, tooltip="Clear filters and search", id="queue.clear"
        ),
        Binding("escape", "escape", "Clear search", show=False, id="queue.escape"),
        Binding("ctrl+r", "reload", "Refresh", tooltip="Reload the queue now", id="queue.reload"),
    ]

    class Reloaded(Message):
        def __init__(self, total: int, pages: dict[int, Page], cursor: int, seq: int) -> None:
            super().__init__()
            self.total = total
            self.pages = pages
            self.cursor = cursor
            self.seq = seq

    class PageLoaded(Message):
        def __init__(self, index: int, page: Page, generation: int) -> None:
            super().__init__()
            self.index = index
            self.page = page
            self.generation = generation

    def __init__(
        self, desk: Desk, *, show_closed: bool = False, refresh_seconds: float = 2.0
    ) -> None:
        super().__init__()
        self.desk = desk
        self.refresh_seconds = refresh_seconds
        self.filter = QueueFilter(include_closed=show_closed)
        self.sort = QueueSort()
        self.seq = -1
        self.generation = 0  # bumps on every reload, so late pages of an old view are dropped
        self._show_closed_default = show_closed

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="summary")
        yield Input(id="search", placeholder="Search subjects, descriptions and replies…")
        yield Static(id="columns")
        yield QueueTable(self.desk.clock.now, id="queue")
        yield Footer()

    @property
    def table(self) -> QueueTable:
        return self.query_one("#queue", QueueTable)

    def on_mount(self) -> None:
        saved_filter, self.sort = queue_service.load_view(self.desk)
        self.filter = replace(
            saved_filter, include_closed=saved_filter.include_closed or self._show_closed_default
        )
        if self.filter.search:
            search = self.query_one("#search", Input)
            search.value = self.filter.search
            search.add_class("visible")
        self.table.focus()
        self.reload()
        self.set_interval(1.0, self._tick)
        self.set_interval(self.refresh_seconds, self.poll_changes)

    def on_resize(self) -> None:
        self._render_chrome()

    # ---------------------------------------------------------------- loading

    @work(thread=True, exclusive=True, group="queue-reload", exit_on_error=False)
    def reload(self, force: bool = True) -> None:
        """Count, find where the current ticket now sits, and read the pages on screen."""
        seq = self.desk.change_seq()
        if not force and seq == self.seq:
            return
        f, sort = self.filter, self.sort
        table = self.table
        current = table.current
        total = queue_service.count(self.desk, f)
        cursor = table.cursor
        if current is not None:
            found = queue_service.position_of(self.desk, f, sort, current.id)
            if found is not None:
                cursor = found
        cursor = min(cursor, max(0, total - 1))
        top = int(table.scroll_offset.y)
        if current is not None and cursor != table.cursor:
            top = max(0, top + cursor - table.cursor)  # keep the row where the eye is
        wanted = sorted(
            {i // PAGE_SIZE for i in (top, top + max(1, table.size.height), cursor) if i < total}
        )
        pages: dict[int, Page] = {}
        for index in wanted:
            pages[index] = self._fetch(index, pages, f, sort)
        self.post_message(self.Reloaded(total, pages, cursor, seq))

    def _fetch(self, index: int, known: dict[int, Page], f: QueueFilter, sort: QueueSort) -> Page:
        """Keyset from a neighbouring page when there is one; OFFSET only for a jump."""
        before, after = known.get(index - 1), known.get(index + 1)
        if before is not None and before.last_key is not None:
            return queue_service.page(self.desk, f, sort, after=before.last_key)
        if after is not None and after.first_key is not None:
            return queue_service.page(self.desk, f, sort, before=after.first_key)
        return queue_service.page(self.desk, f, sort, offset=index * PAGE_SIZE)

    def on_queue_screen_reloaded(self, message: Reloaded) -> None:
        self.generation += 1
        self.seq = message.seq
        table = self.table
        table.reset(message.total, message.pages)
        table.cursor = message.cursor
        self._render_chrome()

    def on_queue_table_page_wanted(self, message: QueueTable.PageWanted) -> None:
        self._load_page(message.index, self.generation)

    @work(thread=True, group="queue-page", exit_on_error=False)
    def _load_page(self, index: int, generation: int) -> None:
        page = self._fetch(index, dict(self.table.pages), self.filter, self.sort)
        self.post_message(self.PageLoaded(index, page, generation))

    def on_queue_screen_page_loaded(self, message: PageLoaded) -> None:
        if message.generation == self.generation:
            self.table.add_page(message.index, message.page)

    def poll_changes(self) -> None:
        """Other consoles, the worker and the scheduler write too: reload when seq moved."""
        self.reload(force=False)

    def _tick(self) -> None:
        self.table.refresh()  # countdowns come from stored instants: no query

    # ---------------------------------------------------------------- chrome

    def _render_chrome(self) -> None:
        table = self.table
        self.query_one("#columns", Static).update(
            table.header_text(
                table.content_width if table.size.width else self.size.width,
                self.sort.column,
                self.sort.descending,
            )
        )
        scope = "incl. closed" if self.filter.include_closed else "not closed"
        parts = [f"{table.total:,} tickets ({scope})"]
        described = describe_filter(self.filter, self.desk)
        if described:
            parts.append(f"filter: {described}")
        order = "descending" if self.sort.descending else "ascending"
        parts.append(f"sort: {SORT_LABELS.get(self.sort.column, self.sort.column)} {order}")
        self.query_one("#summary", Static).update(" · ".join(parts))

    def _apply(self, f: QueueFilter | None = None, sort: QueueSort | None = None) -> None:
        self.filter = f if f is not None else self.filter
        self.sort = sort if sort is not None else self.sort
        queue_service.save_view(self.desk, self.filter, self.sort)
        self.table.cursor = 0
        self.table.scroll_to(y=0, animate=False)
        self.reload()

    # ---------------------------------------------------------------- actions

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.add_class("visible")
        search.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "search":
            self._apply(replace(self.filter, search=event.value.strip()))
            if not event.value.strip():
                event.input.remove_class("visible")
            self.table.focus()

    def action_escape(self) -> None:
        search = self.query_one("#search", Input)
        if search.has_focus or self.filter.search:
            search.value = ""
            search.remove_class("visible")
            self.table.focus()
            if self.filter.search:
                self._apply(replace(self.filter, search=""))

    def action_filter(self) -> None:
        def done(result: QueueFilter | None) -> None:
            if result is not None:
                self._apply(result)

        self.app.push_screen(FilterDialog(self.desk, self.filter), callback=done)

    def action_mine(self) -> None:
        mine = None if self.filter.assignee == "mine" else "mine"
        self._apply(replace(self.filter, assignee=mine))

    def action_toggle_closed(self) -> None:
        self._apply(replace(self.filter, include_closed=not self.filter.include_closed))

    def action_sort(self) -> None:
        nxt = SORTS[(SORTS.index(self.sort.column) + 1) % len(SORTS)]
        self._apply(sort=QueueSort(nxt, self.sort.descending))

    def action_reverse(self) -> None:
        self._apply(sort=QueueSort(self.sort.column, not self.sort.descending))

    def action_clear(self) -> None:
        self.query_one("#search", Input).value = ""
        self.query_one("#search", Input).remove_class("visible")
        self._apply(QueueFilter(include_closed=self.filter.include_closed))

    def action_reload(self) -> None:
        self.reload()

    async def on_queue_table_opened(self, message: QueueTable.Opened) -> None:
        await self.app.run_action(f"open_ticket({message.row.id})")
