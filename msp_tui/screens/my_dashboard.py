"""My work (technicians): my open tickets most urgent first with live countdowns, my SLA
compliance, my average resolution time, and my open escalations.

Read by `services.dashboard.my_dashboard` in a thread worker, reloaded by the
change-sequence poll; countdowns repaint each second without a query.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Label, Static

from msp_tui.engine.badges import badge_for, format_countdown
from msp_tui.screens.dashboard import alarm_text, badges_text, rates_text
from msp_tui.screens.live_dashboard import LiveDashboard
from msp_tui.services.dashboard import MyDashboard, csat_text, format_seconds, my_dashboard
from msp_tui.store.queries import TicketRow
from msp_tui.widgets.measured_table import MeasuredTable
from msp_tui.widgets.sla_badge import badge_text


def resolution_text(view: MyDashboard) -> Text:
    text = Text("Average resolution time", style="bold")
    for r in view.resolution:
        average = format_seconds(r.average_seconds)
        text.append(f"\n{r.window:8} {average:>7}  ({r.tickets} resolved)")
    return text


class MyDashboardScreen(LiveDashboard[MyDashboard]):
    BINDING_GROUP_TITLE = "My work"
    AUTO_FOCUS = "#queue"
    COUNTDOWNS = "#queue"
    NOT_LOADED = "My work not loaded"
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

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="alarm")
        yield Static(id="csat")
        with Horizontal(id="top"):
            yield Static(id="badges")
            yield Static(id="rates")
            yield Static(id="resolution")
        yield Label("My queue", id="queue-title", classes="title")
        queue: DataTable[str | Text] = MeasuredTable(id="queue", cursor_type="row")
        queue.add_column("Due in", width=7)  # fixed: countdowns change width as they tick
        queue.add_column("SLA", width=11)
        queue.add_columns("#", "Pri", "Status", "Client", "Subject")
        yield queue
        yield Label("My open escalations", id="escalations-title", classes="title")
        escalations: DataTable[str | Text] = MeasuredTable(id="escalations", cursor_type="row")
        escalations.add_columns("#", "Status", "Why", "Subject")
        yield escalations
        yield Footer()

    def on_mount(self) -> None:
        self.title = "My work"
        super().on_mount()

    def read(self) -> MyDashboard:
        return my_dashboard(self.desk)

    def countdown_rows(self, view: MyDashboard) -> Sequence[TicketRow]:
        return view.queue

    def refused(self, why: str) -> None:
        self.query_one("#alarm", Static).update(why)

    def show(self, view: MyDashboard) -> None:
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

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.call_later(self.action_open)

    async def action_open(self) -> None:
        focused = self.focused
        table = focused if isinstance(focused, DataTable) else self.query_one("#queue", DataTable)
        await self.open_ticket_at_cursor(table)

    def action_switch(self) -> None:
        other = "#escalations" if self.focused and self.focused.id == "queue" else "#queue"
        self.query_one(other, DataTable).focus()
