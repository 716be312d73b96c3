"""The queue: every open ticket, most urgent first.

This first version is a plain DataTable of up to 500 rows, reloaded when the change
sequence moves; the technician-console issue replaces it with a virtual list.
"""

from __future__ import annotations

from datetime import datetime

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from msp_tui.engine.badges import badge_for
from msp_tui.services.desk import Desk
from msp_tui.store.queries import TicketRow
from msp_tui.widgets.sla_badge import badge_text, countdown_text

COLUMNS = ("#", "SLA", "Due in", "Client", "Subject", "Pri", "Status", "Assignee", "Age")
WIDTHS = {"Client": 20, "Subject": 36, "Status": 19, "Assignee": 13}


def format_age(created: datetime, now: datetime) -> str:
    """Compact age: 45m, 7h, 3d."""
    minutes = max(0, int((now - created).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 48 * 60:
        return f"{minutes // 60}h"
    return f"{minutes // (24 * 60)}d"


class QueueScreen(Screen[None]):
    BINDING_GROUP_TITLE = "Queue"
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="queue.down"),
        Binding("k", "cursor_up", "Up", show=False, id="queue.up"),
        Binding("g", "top", "Top", show=False, id="queue.top"),
        Binding("G", "bottom", "Bottom", show=False, id="queue.bottom"),
        Binding("c", "toggle_closed", "Closed", tooltip="Show or hide closed tickets",
                id="queue.toggle_closed"),
        Binding("ctrl+r", "reload", "Refresh", tooltip="Reload the queue now", id="queue.reload"),
    ]

    class Loaded(Message):
        def __init__(self, rows: list[TicketRow], seq: int) -> None:
            super().__init__()
            self.rows = rows
            self.seq = seq

    def __init__(
        self, desk: Desk, *, show_closed: bool = False, refresh_seconds: float = 2.0
    ) -> None:
        super().__init__()
        self.desk = desk
        self.show_closed = show_closed
        self.refresh_seconds = refresh_seconds
        self.seq = -1

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="summary")
        table: DataTable[object] = DataTable(id="queue", cursor_type="row", zebra_stripes=True)
        for label in COLUMNS:
            # Long text columns get a fixed width so Age never falls off a narrow terminal.
            table.add_column(label, width=WIDTHS.get(label))
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.load()
        self.set_interval(self.refresh_seconds, self.poll_changes)

    @work(thread=True, exclusive=True, group="queue-load", exit_on_error=False)
    def load(self, force: bool = True) -> None:
        """Read the queue off the UI thread; skip when nothing was written since."""
        seq = self.desk.change_seq()
        if not force and seq == self.seq:
            return
        rows = self.desk.queue(include_closed=self.show_closed)
        self.post_message(self.Loaded(rows, seq))

    def on_queue_screen_loaded(self, message: Loaded) -> None:
        self.seq = message.seq
        now = self.desk.clock.now()
        table = self.query_one("#queue", DataTable)
        with self.app.batch_update():
            table.clear()
            for row in message.rows:
                sla = badge_for(row.clocks, now)
                table.add_row(
                    str(row.number),
                    badge_text(sla),
                    countdown_text(sla),
                    row.client or "⚠ unmatched",
                    row.subject,
                    row.priority,
                    row.status,
                    row.assignee or "—",
                    format_age(row.created_at, now),
                    key=str(row.id),
                )
        scope = "incl. closed" if self.show_closed else "not closed"
        self.query_one("#summary", Static).update(f" {len(message.rows)} tickets ({scope})")

    def action_cursor_down(self) -> None:
        self.query_one("#queue", DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#queue", DataTable).action_cursor_up()

    def action_top(self) -> None:
        self.query_one("#queue", DataTable).move_cursor(row=0)

    def action_bottom(self) -> None:
        table = self.query_one("#queue", DataTable)
        table.move_cursor(row=table.row_count - 1)

    def action_toggle_closed(self) -> None:
        self.show_closed = not self.show_closed
        self.load()

    def action_reload(self) -> None:
        self.load()

    def poll_changes(self) -> None:
        """Other consoles and the worker write too: reload when the sequence moved."""
        self.load(force=False)
