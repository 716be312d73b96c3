"""My work (technicians): my open tickets most urgent first with live countdowns, my SLA
compliance, my average resolution time, and my open escalations.

Read by `services.dashboard.my_dashboard` in a thread worker, reloaded by the
change-sequence poll; countdowns repaint each second without a query.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, Static
from textual.worker import Worker, WorkerState, get_current_worker

from msp_tui.engine.badges import badge_for, format_countdown
from msp_tui.screens.dashboard import alarm_text, badges_text, rates_text
from msp_tui.services.dashboard import MyDashboard, csat_text, format_seconds, my_dashboard
from msp_tui.services.desk import Desk
from msp_tui.services.tickets import ServiceError
from msp_tui.widgets.sla_badge import badge_text


def resolution_text(view: MyDashboard) -> Text:
    text = Text("Average resolution time", style="bold")
    for r in view.resolution:
        average = format_seconds(r.average_seconds)
        text.append(f"\n{r.window:8} {average:>7}  ({r.tickets} resolved)")
    return text


class MyDashboardScreen(Screen[None]):
    BINDING_GROUP_TITLE = "My work"
    AUTO_FOCUS = "#queue"
    DEFAULT_CSS = """
    MyDashboardScreen #alarm { height: 1; padding: 0 1; }
    MyDashboardScreen #csat { height: 1; padding: 0 1; color: $text-muted; }
    MyDashboardScreen #top { height: 6; }
    MyDashboardScreen #badges { width: 24; padding: 0 1; }
    MyDashboardScreen #rates { width: 58; padding: 0 1; }
    MyDashboardScreen #resolution { width: 1fr; padding: 0 1; }
    MyDashboardScreen .title { text-style: bold; padding: 0 1; }
    MyDashboardScreen #queue { height: 2fr; }
    MyDashboardScreen #escalations { height: 1fr; }
    """
    BINDINGS = [
        Binding("enter", "open", "Open", tooltip="Open the selected ticket", id="my_work.open"),
        Binding("tab", "switch", "Next table", show=False,
                tooltip="Between my queue and my escalations", id="my_work.switch"),
        Binding("ctrl+r", "reload", "Refresh", tooltip="Read my work again now",
                id="my_work.reload"),
        Binding("escape", "back", "Back", tooltip="Leave my work", id="my_work.back"),
    ]

    class Loaded(Message):
        def __init__(self, view: MyDashboard) -> None:
            super().__init__()
            self.view = view

    def __init__(self, desk: Desk, *, refresh_seconds: float = 2.0) -> None:
        super().__init__()
        self.desk = desk
        self.refresh_seconds = refresh_seconds
        self.view: MyDashboard | None = None
        self.seq = -1

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="alarm")
        yield Static(id="csat")
        with Horizontal(id="top"):
            yield Static(id="badges")
            yield Static(id="rates")
            yield Static(id="resolution")
        yield Label("My queue", id="queue-title", classes="title")
        queue: DataTable[str | Text] = DataTable(id="queue", cursor_type="row")
        queue.add_column("Due in", width=7)  # fixed: countdowns change width as they tick
        queue.add_column("SLA", width=11)
        queue.add_columns("#", "Pri", "Status", "Client", "Subject")
        yield queue
        yield Label("My open escalations", id="escalations-title", classes="title")
        escalations: DataTable[str | Text] = DataTable(id="escalations", cursor_type="row")
        escalations.add_columns("#", "Status", "Why", "Subject")
        yield escalations
        yield Footer()

    def on_mount(self) -> None:
        self.title = "My work"
        self.load()
        self.set_interval(1.0, self.tick)
        self.set_interval(self.refresh_seconds, self.poll_changes)

    @work(thread=True, exclusive=True, group="my-work-load", exit_on_error=False)
    def load(self, force: bool = True) -> None:
        if not force and self.desk.change_seq() == self.seq:
            return
        try:
            view = my_dashboard(self.desk)
        except ServiceError as exc:
            self.app.call_from_thread(self._refused, str(exc))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(self.Loaded(view))

    def _refused(self, why: str) -> None:
        self.query_one("#alarm", Static).update(why)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "my-work-load" and event.state == WorkerState.ERROR:
            self.notify(str(event.worker.error), title="My work not loaded", severity="error")

    def on_my_dashboard_screen_loaded(self, message: Loaded) -> None:
        view = message.view
        self.view = view
        self.seq = view.seq
        self.sub_title = f"{view.me} · days in {view.zone}"
        self.query_one("#alarm", Static).update(alarm_text(view.windows))
        self.query_one("#csat", Static).update(csat_text(view.csat))
        self.query_one("#badges", Static).update(badges_text(view.badges))
        rates = Text("My SLA compliance\n", style="bold")
        rates.append_text(rates_text(view.windows, medians=False))
        self.query_one("#rates", Static).update(rates)
        self.query_one("#resolution", Static).update(resolution_text(view))
        shown = len(view.queue)
        more = f" (the first {shown})" if view.queue_total > shown else ""
        self.query_one("#queue-title", Label).update(
            f"My queue: {view.queue_total} open, most urgent first{more}"
        )
        self.query_one("#escalations-title", Label).update(
            f"My open escalations: {len(view.escalations)}"
            " (Escalated and mine, or an unread warning about it)"
        )
        now = self.desk.clock.now()
        queue = self.query_one("#queue", DataTable)
        cursor = queue.cursor_row
        queue.clear()
        for row in view.queue:
            result = badge_for(row.clocks, now)
            queue.add_row(
                format_countdown(result.remaining), badge_text(result), str(row.number),
                row.priority, row.status, Text(row.client or "(no client)", no_wrap=True,
                                               overflow="ellipsis"),
                Text(row.subject, overflow="ellipsis", no_wrap=True), key=str(row.id),
            )
        if queue.row_count:
            queue.move_cursor(row=min(cursor, queue.row_count - 1))
        escalations = self.query_one("#escalations", DataTable)
        escalations.clear()
        for e in view.escalations:
            why = []
            if e.escalated_status:
                why.append("▲ Escalated")
            if e.alerts:
                why.append(f"✉ {e.alerts} unread alert{'s' if e.alerts != 1 else ''}")
            escalations.add_row(str(e.number), e.status, ", ".join(why),
                                Text(e.subject, overflow="ellipsis", no_wrap=True),
                                key=str(e.ticket_id))

    def poll_changes(self) -> None:
        """Reload when something was written — only while shown: a ticket opened on top
        must not pay for a hidden dashboard's aggregates at every write. Back on top, the
        next poll still sees the sequence moved and reloads."""
        if self.is_current:
            self.load(force=False)

    def tick(self) -> None:
        """Repaint the countdowns from the stored due instants; no query."""
        if self.view is None:
            return
        table = self.query_one("#queue", DataTable)
        now = self.desk.clock.now()
        for index, row in enumerate(self.view.queue[: table.row_count]):
            result = badge_for(row.clocks, now)
            table.update_cell_at((index, 0), format_countdown(result.remaining))
            table.update_cell_at((index, 1), badge_text(result))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.call_later(self.action_open)

    async def action_open(self) -> None:
        focused = self.focused
        table = focused if isinstance(focused, DataTable) else self.query_one("#queue", DataTable)
        if not table.row_count:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key is not None:
            await self.app.run_action(f"open_ticket({int(key)})")

    def action_switch(self) -> None:
        other = "#escalations" if self.focused and self.focused.id == "queue" else "#queue"
        self.query_one(other, DataTable).focus()

    def action_reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.dismiss(None)
