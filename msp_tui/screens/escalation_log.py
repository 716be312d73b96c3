"""Escalations log (`E`): every notification addressed to me, newest first.

Toasts vanish after a few seconds; this is where a technician finds what they were told
while away, filters it by level, client or technician, opens the ticket and marks it
read. Rows come a page at a time (keyset on the id) and the screen polls the change
sequence and the newest notification id, so rows written by any process show up.
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, Static

from msp_tui.screens.escalation_filter import LEVELS, EscalationFilterDialog
from msp_tui.services import notifications
from msp_tui.services.desk import Desk
from msp_tui.services.local_zone import my_zone
from msp_tui.services.notifications import FilterChoices, NotificationFilter, NotificationRow
from msp_tui.services.ticket_view import format_instant
from msp_tui.store.notification_queries import UNASSIGNED
from msp_tui.widgets.row_action_table import RowActionTable

PAGE_SIZE = 200
# A symbol and the word, so the level reads without colour too.
LEVEL_LOOK = {
    "error": ("✖ error", "bold red"),
    "warning": ("▲ warning", "yellow"),
    "info": ("● info", ""),
}


def level_text(level: str) -> Text:
    label, style = LEVEL_LOOK.get(level, (level, ""))
    return Text(label, style=style)


class EscalationLogScreen(Screen[None]):
    BINDING_GROUP_TITLE = "Escalations"
    AUTO_FOCUS = "#log"
    DEFAULT_CSS = """
    EscalationLogScreen #summary { height: 1; padding: 0 1; background: $boost; }
    EscalationLogScreen #empty { padding: 1 2; color: $text-muted; }
    EscalationLogScreen DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="escalations.back"),
        Binding("r,space", "mark_read", "Mark read",
                tooltip="Mark the notification under the cursor read and move on",
                id="escalations.read"),
        Binding("R", "mark_all_read", "All read",
                tooltip="Mark every notification the filter shows read", id="escalations.read_all"),
        Binding("u", "unread", "Unread only", tooltip="Show only unread notifications (toggle)",
                id="escalations.unread"),
        Binding("v", "level", "Level", tooltip="Cycle the level: any, error, warning, info",
                id="escalations.level"),
        Binding("f", "filter", "Filter", tooltip="Level, client, technician, unread",
                id="escalations.filter"),
        Binding("j", "cursor_down", "Down", show=False, id="escalations.down"),
        Binding("k", "cursor_up", "Up", show=False, id="escalations.up"),
        Binding("g", "top", "Top", show=False, id="escalations.top"),
        Binding("G", "bottom", "Bottom", show=False, id="escalations.bottom"),
        Binding("ctrl+r", "reload", "Reload", tooltip="Read the log again now",
                id="escalations.reload"),
    ]

    class Loaded(Message):
        def __init__(self, rows: list[NotificationRow], more: bool, unread: int,
                     choices: FilterChoices, signature: tuple[int, int], keep_id: int | None,
                     generation: int) -> None:
            super().__init__()
            self.rows = rows
            self.more = more
            self.unread = unread
            self.choices = choices
            self.signature = signature
            self.keep_id = keep_id
            # The reload that produced the list; a page with the current one extends it.
            self.generation = generation

    def __init__(self, desk: Desk, *, refresh_seconds: float = 2.0) -> None:
        super().__init__()
        self.desk = desk
        self.refresh_seconds = refresh_seconds
        self.filter = NotificationFilter()
        self.rows: list[NotificationRow] = []
        self.more = False
        self.unread = 0
        self.choices = FilterChoices((), ())
        self.signature: tuple[int, int] | None = None
        self.generation = 0  # the reload whose rows are on screen
        self._requested = 0
        self.zone = my_zone(desk)  # a stored zone the tz database lacks is skipped

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="summary")
        yield Label("", id="empty")
        table = RowActionTable(enter="Open ticket",
                               tooltip="The ticket this notification is about",
                               binding_id="escalations.open", id="log")
        table.add_column("Received", key="received")
        table.add_column("Level", key="level")
        table.add_column("Ticket", key="ticket")
        table.add_column("Client", key="client")
        table.add_column("Assignee", key="assignee")
        table.add_column("Notification", key="text")
        table.add_column("Read", key="read")
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Escalations"
        self.reload()
        self.set_interval(self.refresh_seconds, self.poll_changes)

    @property
    def table(self) -> DataTable[str | Text]:
        return self.query_one(DataTable)

    # ---------------------------------------------------------------- loading

    def reload(self, force: bool = True, keep_id: int | None = None) -> None:
        """The first page again, keeping the cursor on `keep_id` (or the current row)."""
        if keep_id is None:
            current = self._current()
            keep_id = current.id if current else None
        self._requested += 1
        self._load(force, keep_id, self.filter, self._requested)

    @work(thread=True, exclusive=True, group="escalations", exit_on_error=False)
    def _load(self, force: bool, keep_id: int | None, f: NotificationFilter,
              generation: int) -> None:
        signature = notifications.signature(self.desk)
        if not force and signature == self.signature:
            return
        rows = notifications.escalation_log(self.desk, f, limit=PAGE_SIZE)
        self.post_message(self.Loaded(
            rows, len(rows) == PAGE_SIZE, notifications.unread_count(self.desk),
            notifications.filter_choices(self.desk), signature, keep_id, generation,
        ))

    @work(thread=True, exclusive=True, group="escalations-more", exit_on_error=False)
    def _load_more(self, before_id: int, f: NotificationFilter, generation: int) -> None:
        rows = notifications.escalation_log(self.desk, f, before_id=before_id, limit=PAGE_SIZE)
        self.post_message(self.Loaded(rows, len(rows) == PAGE_SIZE, self.unread, self.choices,
                                      self.signature or (0, 0), None, generation))

    def poll_changes(self) -> None:
        """Another process wrote a notification or someone marked one read: show it
        (only while shown; back on top, the next poll sees the sequence moved)."""
        if self.is_current:
            self.reload(force=False)

    def on_escalation_log_screen_loaded(self, message: Loaded) -> None:
        table = self.table
        if message.generation == self.generation:  # the next page of the list on screen
            self.more = message.more
            self.rows = self.rows + message.rows
            for row in message.rows:
                table.add_row(*self._cells(row), key=str(row.id))
            self._render_chrome()
            return
        if message.generation < self.generation:
            return  # a page of a list that a reload replaced
        self.generation = message.generation
        self.more = message.more
        self.unread = message.unread
        self.choices = message.choices
        self.signature = message.signature
        self.rows = message.rows
        with self.app.batch_update():
            table.clear()
            for row in message.rows:
                table.add_row(*self._cells(row), key=str(row.id))
        ids = [r.id for r in self.rows]
        if message.keep_id in ids:
            table.move_cursor(row=ids.index(message.keep_id), animate=False)
        self._render_chrome()

    def _cells(self, row: NotificationRow) -> tuple[str | Text, ...]:
        unread = row.read_at is None
        return (
            format_instant(row.created_at, self.zone, with_zone=False),
            level_text(row.level),
            f"#{row.ticket_number}" if row.ticket_number is not None else "—",
            Text(row.client or "—", overflow="ellipsis", no_wrap=True),
            Text(row.assignee or "—", overflow="ellipsis", no_wrap=True),
            Text(row.text, overflow="ellipsis", no_wrap=True, style="bold" if unread else ""),
            Text("● new", style="bold") if unread else Text("read", style="dim"),
        )

    def _render_chrome(self) -> None:
        shown = f"{len(self.rows)}{'+' if self.more else ''} shown"
        parts = [shown, f"{self.unread} unread"]
        described = self.describe_filter()
        if described:
            parts.append(f"filter: {described}")
        parts.append(f"times in {self.zone}")
        self.query_one("#summary", Static).update(" · ".join(parts))
        empty = self.query_one("#empty", Label)
        if self.filter == NotificationFilter():
            empty.update("No notifications for you yet: SLA alerts and rules that name you "
                         "land here (and as toasts).")
        else:
            empty.update("Nothing matches the filter (f to change it, u for unread only).")
        empty.display = not self.rows

    def describe_filter(self) -> str:
        f = self.filter
        parts: list[str] = []
        if f.level:
            parts.append(f.level)
        if f.client_id is not None:
            parts.append(f"client {dict(self.choices.clients).get(f.client_id, f.client_id)}")
        if f.assignee_id == UNASSIGNED:
            parts.append("unassigned")
        elif f.assignee_id is not None:
            name = dict(self.choices.assignees).get(f.assignee_id, f.assignee_id)
            parts.append(f"assignee {name}")
        if f.unread_only:
            parts.append("unread only")
        return ", ".join(parts)

    def _current(self) -> NotificationRow | None:
        table = self.table
        if not self.rows or table.cursor_row < 0 or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Near the end of what is loaded: fetch the next older page."""
        if self.more and self.rows and event.cursor_row >= len(self.rows) - 5:
            self.more = False  # one request at a time; the page says whether there is more
            self._load_more(self.rows[-1].id, self.filter, self.generation)

    # ---------------------------------------------------------------- actions

    def _apply(self, f: NotificationFilter) -> None:
        self.filter = f
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    def action_unread(self) -> None:
        self._apply(replace(self.filter, unread_only=not self.filter.unread_only))

    def action_level(self) -> None:
        cycle: list[str | None] = [None, *LEVELS]
        at = cycle.index(self.filter.level) if self.filter.level in cycle else 0
        self._apply(replace(self.filter, level=cycle[(at + 1) % len(cycle)]))

    def action_filter(self) -> None:
        def chosen(f: NotificationFilter | None) -> None:
            if f is not None:
                self._apply(f)

        self.app.push_screen(EscalationFilterDialog(self.filter, self.choices), chosen)

    async def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """The table takes `enter` itself (as "select"): selecting a row opens its ticket."""
        event.stop()
        await self.action_open()

    async def action_open(self) -> None:
        row = self._current()
        if row is None:
            return
        if row.ticket_id is None:
            self.notify("This notification is not about a ticket.", severity="warning")
            return
        await self.app.run_action(f"open_ticket({row.ticket_id})")

    def action_mark_read(self) -> None:
        row = self._current()
        if row is None:
            return
        at = self.rows.index(row)
        following = self.rows[at + 1] if at + 1 < len(self.rows) else None
        if row.read_at is None:
            notifications.mark_read(self.desk, [row.id])
        # Move on like a mail reader; with unread-only the row leaves and the next takes it.
        self.reload(keep_id=following.id if following else row.id)

    def action_mark_all_read(self) -> None:
        changed = notifications.mark_all_read(self.desk, self.filter)
        self.notify(f"{changed} notification{'s' if changed != 1 else ''} marked read")
        self.reload()

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()

    def action_top(self) -> None:
        self.table.move_cursor(row=0)

    def action_bottom(self) -> None:
        self.table.move_cursor(row=max(0, len(self.rows) - 1))
