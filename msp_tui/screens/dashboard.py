"""The SLA dashboard (team leads): open tickets by badge, the next ten to breach with
live countdowns, compliance, breach rate and median first response for today, 7 and 30
days, a breakdown by client, technician or priority, and 30-day trends.

Everything is read by `services.dashboard` in a thread worker; a change-sequence poll
reloads it, and the countdowns repaint each second from stored due instants (no query).
Words and symbols carry every state, so it reads without colour.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, Label, Sparkline, Static

from msp_tui.engine.badges import Badge, badge_for, format_countdown
from msp_tui.screens.live_dashboard import LiveDashboard
from msp_tui.services.dashboard import (
    ALARM_BELOW,
    GOAL,
    WINDOWS,
    Rate,
    TeamDashboard,
    csat_cell,
    csat_text,
    format_percent,
    format_seconds,
    goal_word,
    team_dashboard,
)
from msp_tui.services.desk import Desk
from msp_tui.store.kpi_queries import BY_CLIENT, BY_PRIORITY, BY_TECHNICIAN, GROUPS
from msp_tui.store.queries import TicketRow
from msp_tui.widgets.measured_table import MeasuredTable
from msp_tui.widgets.sla_badge import STYLE, badge_text

GROUP_TITLES = {BY_CLIENT: "client", BY_TECHNICIAN: "technician", BY_PRIORITY: "priority"}


def alarm_text(windows: tuple[Rate, ...]) -> Text:
    """The alarm line: which windows are under 85 %, against the 90 % goal."""
    low = [r for r in windows if r.alarm]
    goal = f"goal {GOAL * 100:.0f} %"
    if not low:
        return Text(f"✔ Compliance at or above {ALARM_BELOW * 100:.0f} % ({goal})")
    parts = ", ".join(f"{r.window} {format_percent(r.compliance)}" for r in low)
    return Text(f"✖ ALARM: compliance under {ALARM_BELOW * 100:.0f} % — {parts} ({goal})",
                style="bold white on red")


def rates_text(windows: tuple[Rate, ...], *, medians: bool = True) -> Text:
    """A small table: one line per window (compliance, where it stands, counts)."""
    text = Text()
    head = f"{'Window':8} {'Compliance':>10}  {'':10} {'Breach':>7} {'Met':>5} {'Breached':>8}"
    text.append(head + (f" {'Median 1st resp':>15}" if medians else ""), style="bold")
    for r in windows:
        text.append(
            f"\n{r.window:8} {format_percent(r.compliance):>10}  {goal_word(r.compliance):10} "
            f"{format_percent(r.breach_rate):>7} {r.met:>5} {r.breached:>8}"
        )
        if medians:
            text.append(f" {format_seconds(r.median_first_response):>15}")
    return text


def badges_text(badges: tuple[tuple[str, int], ...]) -> Text:
    text = Text("Open tickets by SLA", style="bold")
    for name, count in badges:
        badge = Badge(name)
        if badge == Badge.MET and not count:
            continue  # open tickets are rarely all met; say so only when some are
        symbol, style = STYLE[badge]
        text.append("\n")
        text.append(f"{symbol} {name:9}", style=style)
        text.append(f" {count:>6}")
    return text


class DashboardScreen(LiveDashboard[TeamDashboard]):
    BINDING_GROUP_TITLE = "SLA dashboard"
    AUTO_FOCUS = "#next"
    DEFAULT_CSS = """
    DashboardScreen #alarm { height: 1; padding: 0 1; }
    DashboardScreen #csat { height: 1; padding: 0 1; color: $text-muted; }
    DashboardScreen #top { height: 7; }
    DashboardScreen #badges { width: 24; padding: 0 1; }
    DashboardScreen #rates { width: 74; padding: 0 1; }
    DashboardScreen #trend { width: 1fr; padding: 0 1; }
    DashboardScreen #trend Sparkline { height: 2; margin-bottom: 0; }
    DashboardScreen .title { text-style: bold; }
    DashboardScreen #next { height: 12; }
    DashboardScreen #breakdown { height: 1fr; }
    """
    BINDINGS = [
        Binding("enter", "open", "Open", tooltip="Open the selected ticket", id="dashboard.open"),
        Binding("v", "group", "By…", tooltip="Break down by client, technician or priority",
                id="dashboard.group"),
        Binding("t", "window", "Window", tooltip="Breakdown window: today, 7 or 30 days",
                id="dashboard.window"),
        Binding("ctrl+r", "reload", "Refresh", tooltip="Read the dashboard again now",
                id="dashboard.reload"),
        Binding("escape", "back", "Back", tooltip="Leave the dashboard", id="dashboard.back"),
    ]

    def __init__(self, desk: Desk, *, refresh_seconds: float = 2.0) -> None:
        super().__init__(desk, refresh_seconds=refresh_seconds)
        self.group = BY_CLIENT
        self.window = len(WINDOWS) - 1  # 30 days: the steadiest breakdown

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="alarm")
        yield Static(id="csat")
        with Horizontal(id="top"):
            yield Static(id="badges")
            yield Static(id="rates")
            with Vertical(id="trend"):
                yield Label("", id="compliance-title", classes="title")
                yield Sparkline([], id="compliance-trend")
                yield Label("", id="breach-title", classes="title")
                yield Sparkline([], id="breach-trend")
        next_table: DataTable[str | Text] = MeasuredTable(id="next", cursor_type="row")
        next_table.add_column("Due in", width=7)  # fixed: countdowns change width as they tick
        next_table.add_column("SLA", width=11)
        next_table.add_columns("#", "Pri", "Client", "Subject", "Assignee")
        yield Label("Next to breach", classes="title")
        yield next_table
        yield Label("", id="breakdown-title", classes="title")
        breakdown: DataTable[str | Text] = MeasuredTable(id="breakdown", cursor_type="row",
                                                     zebra_stripes=True)
        yield breakdown
        yield Footer()

    def on_mount(self) -> None:
        self.title = "SLA dashboard"
        super().on_mount()

    # ------------------------------------------------------------------ loading

    def read(self) -> TeamDashboard:
        return team_dashboard(self.desk)

    def countdown_rows(self, view: TeamDashboard) -> Sequence[TicketRow]:
        return view.next_to_breach

    def show(self, view: TeamDashboard) -> None:
        self.sub_title = f"days in {view.zone}"
        self.query_one("#alarm", Static).update(alarm_text(view.windows))
        self.query_one("#csat", Static).update(csat_text(view.csat))
        self.query_one("#badges", Static).update(badges_text(view.badges))
        self.query_one("#rates", Static).update(rates_text(view.windows))
        self._show_trend(view)
        self._show_next(view)
        self._show_breakdown()

    def _show_trend(self, view: TeamDashboard) -> None:
        """Sparklines: a day with nothing ended plots as 100 % (nothing was missed)."""
        compliance = [d.compliance if d.compliance is not None else 1.0 for d in view.trend]
        breaches = [float(d.breached) for d in view.trend]
        counted = [d for d in view.trend if d.compliance is not None]
        low = min(counted, key=lambda d: d.compliance or 0.0) if counted else None
        lowest = f"low {format_percent(low.compliance)} {low.day:%d %b}" if low else "no data"
        self.query_one("#compliance-title", Label).update(
            f"Compliance/day, {len(view.trend)} d: {lowest}"
        )
        self.query_one("#compliance-trend", Sparkline).data = compliance
        worst = max(view.trend, key=lambda d: d.breached) if view.trend else None
        most = f"max {worst.breached} {worst.day:%d %b}" if worst and worst.breached else "none"
        self.query_one("#breach-title", Label).update(
            f"Breaches/day: {sum(d.breached for d in view.trend)} in all, {most}"
        )
        self.query_one("#breach-trend", Sparkline).data = breaches

    def _show_next(self, view: TeamDashboard) -> None:
        table = self.query_one("#next", DataTable)
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value \
            if table.row_count else None
        table.clear()
        now = self.desk.clock.now()
        for row in view.next_to_breach:
            result = badge_for(row.clocks, now)
            table.add_row(
                format_countdown(result.remaining),
                badge_text(result),
                str(row.number),
                row.priority,
                Text(row.client or "(no client)", overflow="ellipsis", no_wrap=True),
                Text(row.subject, overflow="ellipsis", no_wrap=True),
                row.assignee or "(unassigned)",
                key=str(row.id),
            )
        if row_key is not None and row_key in {str(r.id) for r in view.next_to_breach}:
            table.move_cursor(row=table.get_row_index(row_key))

    def _show_breakdown(self) -> None:
        if self.view is None:
            return
        window = WINDOWS[self.window]
        self.query_one("#breakdown-title", Label).update(
            f"By {GROUP_TITLES[self.group]} — {window}   (v: by…, t: window)"
        )
        table = self.query_one("#breakdown", DataTable)
        table.clear(columns=True)
        table.add_columns(GROUP_TITLES[self.group].capitalize(), "Compliance", "", "Breach",
                          "Met", "Breached", "Median 1st resp", "CSAT (n)")
        for row in self.view.breakdowns[self.group]:
            r = row.windows[self.window]
            table.add_row(
                row.key,
                format_percent(r.compliance),
                goal_word(r.compliance),
                format_percent(r.breach_rate),
                str(r.met),
                str(r.breached),
                format_seconds(r.median_first_response),
                csat_cell(row.csat, self.window),
                key=row.key,
            )

    # ------------------------------------------------------------------ actions

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """The table takes `enter` itself: selecting a next-to-breach row opens it."""
        if event.data_table.id == "next":
            event.stop()
            self.call_later(self.action_open)

    async def action_open(self) -> None:
        if self.view is not None:
            await self.open_ticket_at_cursor(self.query_one("#next", DataTable))

    def action_group(self) -> None:
        self.group = GROUPS[(GROUPS.index(self.group) + 1) % len(GROUPS)]
        self._show_breakdown()

    def action_window(self) -> None:
        self.window = (self.window + 1) % len(WINDOWS)
        self._show_breakdown()
