"""Time & invoices (`I`): approve logged time, then turn it into invoice drafts.

A lead picks a period (this month, last month, or any from–to) and optionally a client,
technician or state; marks entries (space, or `a` for every unapproved one shown) and
approves them (`A`), which locks them. The pane on the right sums each client's period:
what is still unapproved, and what the approved time would be billed. `N` makes the
draft for the selected client and period after showing its totals; `V` lists the drafts
(lines, delete, save as CSV). Who may do this, what locks and how money is rounded are
decided by `services.billing` and `engine.billing`; this screen only shows and asks.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Header, Input, Label, Select, Static

from msp_tui.engine.billing import EntryState, Period, hours, last_month, money, this_month
from msp_tui.screens.dialogs import DIALOG_CSS, ConfirmDialog, say_problem
from msp_tui.screens.form_dialog import FormDialog
from msp_tui.services import billing
from msp_tui.services.billing import ClientSummary, InvoiceLine
from msp_tui.services.desk import Desk
from msp_tui.services.tickets import ServiceError
from msp_tui.store.billing_queries import EntryFilter, InvoiceRow, TimeEntryRow
from msp_tui.store.queries import NamedOption
from msp_tui.widgets.measured_table import MeasuredTable
from msp_tui.widgets.row_action_table import RowActionTable

ALL = 0  # "any client / technician" in the filters (ids start at 1)
PERIODS = [("This month", "this"), ("Last month", "last"), ("Custom from–to", "custom")]
STATES = [("Any state", "any"), ("Unapproved", EntryState.UNAPPROVED.value),
          ("Approved", EntryState.APPROVED.value), ("Invoiced", EntryState.INVOICED.value)]
MARK = "●"
ROW_LIMIT = 5000


def state_text(row: TimeEntryRow) -> Text:
    """The entry's state as a symbol and words, so it reads without colour too."""
    state = row.state
    if state == EntryState.INVOICED:
        return Text(f"▣ draft {row.invoice_number}", style="cyan")
    if state == EntryState.APPROVED:
        return Text("✔ approved", style="green")
    return Text("○ unapproved", style="yellow")


def _cut(text: str | None, style: str = "") -> Text:
    return Text(text or "—", overflow="ellipsis", no_wrap=True, style=style)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


class EntryTable(MeasuredTable[str | Text]):
    """The time entries; named so the footer and help say what its keys do."""


class BillingScreen(Screen[None]):
    BINDING_GROUP_TITLE = "Time & invoices"
    AUTO_FOCUS = "#entries"
    DEFAULT_CSS = """
    BillingScreen #filters { height: 3; padding: 0 1; }
    BillingScreen #filters Select { width: 22; margin-right: 1; }
    BillingScreen #filters #period { width: 24; }
    BillingScreen #filters Input { width: 16; margin-right: 1; }
    BillingScreen #filters #client { width: 28; }
    BillingScreen #filters #technician { width: 24; }
    BillingScreen #filters #state { width: 18; }
    BillingScreen #status { height: 1; padding: 0 1; background: $boost; }
    BillingScreen #denied { padding: 1 2; color: $text-error; text-style: bold; }
    BillingScreen #body { height: 1fr; }
    BillingScreen #entries { width: 1fr; height: 1fr; }
    BillingScreen #side { width: 44; height: 1fr; border-left: solid $primary-background; }
    BillingScreen #side-title { padding: 0 1; text-style: bold; }
    BillingScreen #clients { height: 1fr; }
    BillingScreen #side-hint { padding: 0 1; color: $text-muted; height: auto; }
    BillingScreen #empty { padding: 1 2; color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="billing.back"),
        Binding("space", "mark", "Mark", tooltip="Mark or unmark the entry under the cursor",
                id="billing.mark"),
        Binding("a", "mark_unapproved", "Mark unapproved",
                tooltip="Mark every unapproved entry shown (again: unmark them)",
                id="billing.mark_all"),
        Binding("A", "approve", "Approve",
                tooltip="Approve the marked entries (or the one under the cursor); this "
                "locks them", id="billing.approve"),
        Binding("U", "unapprove", "Un-approve",
                tooltip="Withdraw approval of the marked entries (not once on a draft)",
                id="billing.unapprove"),
        Binding("N", "new_draft", "New draft",
                tooltip="Invoice draft for the selected client and the period",
                id="billing.new_draft"),
        Binding("V", "invoices", "Invoices", tooltip="Invoice drafts: lines, delete, CSV",
                id="billing.invoices"),
        Binding("j", "cursor_down", "Down", show=False, id="billing.down"),
        Binding("k", "cursor_up", "Up", show=False, id="billing.up"),
        Binding("ctrl+r", "reload", "Reload", tooltip="Read the entries again now",
                id="billing.reload"),
    ]

    class Loaded(Message):
        def __init__(self, rows: list[TimeEntryRow], summaries: list[ClientSummary],
                     generation: int) -> None:
            super().__init__()
            self.rows = rows
            self.summaries = summaries
            self.generation = generation

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        self.allowed = billing.may_bill(desk)
        self.today = billing.local_today(desk)
        self.period: Period = this_month(self.today)
        self.client_id = ALL
        self.technician_id = ALL
        self.state: str = "any"
        self.rows: list[TimeEntryRow] = []
        self.summaries: list[ClientSummary] = []
        self.marked: set[int] = set()
        self._requested = 0
        self._shown = 0
        self._clients: list[NamedOption] = desk.clients() if self.allowed else []
        self._technicians: list[NamedOption] = desk.technicians() if self.allowed else []

    # ---------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        yield Header()
        if not self.allowed:
            yield Static("", id="denied")
            yield Footer()
            return
        with Horizontal(id="filters"):
            yield Select(PERIODS, value="this", allow_blank=False, id="period")
            yield Input(self.period.start.isoformat(), placeholder="from YYYY-MM-DD",
                        max_length=10, id="from")
            yield Input(self.period.end.isoformat(), placeholder="to YYYY-MM-DD",
                        max_length=10, id="to")
            yield Select([("All clients", ALL)] + [(c.name, c.id) for c in self._clients],
                         value=ALL, allow_blank=False, id="client")
            yield Select([("All technicians", ALL)] + [(t.name, t.id) for t in self._technicians],
                         value=ALL, allow_blank=False, id="technician")
            yield Select(STATES, value="any", allow_blank=False, id="state")
        yield Static(id="status")
        with Horizontal(id="body"):
            with Vertical(id="entries-box"):
                yield Label("", id="empty")
                table = EntryTable(cursor_type="row", zebra_stripes=True, id="entries")
                table.add_column(" ", key="mark", width=1)
                table.add_column("Date", key="date")
                table.add_column("Ticket", key="ticket")
                table.add_column("Client", key="client", width=12)
                table.add_column("Subject", key="subject", width=16)
                table.add_column("Technician", key="technician", width=12)
                table.add_column("Min", key="minutes")
                table.add_column("Bill", key="billable")
                table.add_column("State", key="state", width=12)
                yield table
            with Vertical(id="side"):
                yield Label("Clients in the period", id="side-title")
                side = RowActionTable(
                    enter="Only this client",
                    tooltip="Filter the entries to the client under the cursor",
                    binding_id="billing.client_only", zebra_stripes=False, id="clients")
                side.add_column("Client", key="client", width=14)
                side.add_column("Unappr", key="unapproved", width=6)
                side.add_column("Bill h", key="hours", width=6)
                side.add_column("Amount", key="amount", width=9)
                yield side
                yield Static(
                    "Approved, not yet invoiced time: billable hours and what a draft "
                    "would bill. N drafts the selected client (the filter, else the "
                    "entry or pane row under the cursor).",
                    id="side-hint",
                )
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Time & invoices"
        if not self.allowed:
            try:
                billing.require_billing(self.desk)
            except ServiceError as exc:
                self.query_one("#denied", Static).update(
                    Text(f"✖ {str(exc)[0].upper()}{str(exc)[1:]}.\n\nAsk a team lead to "
                         "approve your time.", style="bold"))
            return
        self.reload()

    @property
    def table(self) -> DataTable[str | Text]:
        return self.query_one("#entries", DataTable)

    @property
    def client_table(self) -> DataTable[str | Text]:
        return self.query_one("#clients", DataTable)

    # ---------------------------------------------------------------- loading

    def entry_filter(self) -> EntryFilter:
        state = None if self.state == "any" else EntryState(self.state)
        return EntryFilter(
            self.period.start, self.period.end,
            client_id=self.client_id or None,
            technician_id=self.technician_id or None,
            state=state,
        )

    def reload(self) -> None:
        if not self.allowed:
            return
        self._requested += 1
        self._load(self.entry_filter(), self._requested)

    @work(thread=True, exclusive=True, group="billing", exit_on_error=False)
    def _load(self, f: EntryFilter, generation: int) -> None:
        rows = billing.entries(self.desk, f, limit=ROW_LIMIT)
        summaries = billing.client_summaries(self.desk, Period(f.first, f.last), f.client_id)
        self.post_message(self.Loaded(rows, summaries, generation))

    def on_billing_screen_loaded(self, message: Loaded) -> None:
        if message.generation < self._shown:
            return
        self._shown = message.generation
        table = self.table
        keep = self._current()
        self.rows = message.rows
        self.summaries = message.summaries
        shown = {r.id for r in self.rows}
        self.marked &= shown
        with self.app.batch_update():
            table.clear()
            for row in self.rows:
                table.add_row(*self._cells(row), key=str(row.id))
            side = self.client_table
            side.clear()
            for summary in self.summaries:
                side.add_row(*self._summary_cells(summary), key=str(summary.client_id))
        ids = [r.id for r in self.rows]
        if keep is not None and keep.id in ids:
            table.move_cursor(row=ids.index(keep.id), animate=False)
        self._render_status()

    def _cells(self, row: TimeEntryRow) -> tuple[str | Text, ...]:
        return (
            Text(MARK, style="bold magenta") if row.id in self.marked else "",
            row.work_date.isoformat(),
            f"#{row.ticket_number}",
            _cut(row.client),
            _cut(row.subject),
            _cut(row.technician),
            Text(str(row.minutes), justify="right"),
            "yes" if row.billable else Text("no", style="dim"),
            state_text(row),
        )

    def _summary_cells(self, summary: ClientSummary) -> tuple[str | Text, ...]:
        sums = summary.sums
        unapproved = Text(str(sums.unapproved), justify="right",
                          style="yellow" if sums.unapproved else "dim")
        if summary.problem and sums.approved_billable_minutes:
            amount = Text("no rate", style="bold red")
        else:
            amount = Text(money(summary.approved_amount_cents, grouped=True), justify="right")
        return (
            _cut(summary.client),
            unapproved,
            Text(hours(sums.approved_billable_minutes), justify="right"),
            amount,
        )

    def _render_status(self) -> None:
        count = len(self.rows)
        minutes = sum(r.minutes for r in self.rows)
        parts = [
            self.period.label(),
            f"{_plural(count, 'entry', 'entries')}{'+' if count >= ROW_LIMIT else ''}",
            f"{hours(minutes)} h",
        ]
        unapproved = sum(1 for r in self.rows if r.state == EntryState.UNAPPROVED)
        if unapproved:
            parts.append(f"{unapproved} unapproved")
        if self.marked:
            parts.append(f"{len(self.marked)} marked")
        client = self.selected_client()
        if client is not None:
            parts.append(f"N drafts {client[1]}")
        self.query_one("#status", Static).update(" · ".join(parts))
        empty = self.query_one("#empty", Label)
        empty.update(f"No time entries in {self.period.label()} match the filters.")
        empty.display = not self.rows

    # ---------------------------------------------------------------- filters

    @on(Select.Changed, "#period")
    def _period_changed(self, event: Select.Changed) -> None:
        kind = event.value
        if kind == "custom":
            self.query_one("#from", Input).focus()
            return
        period = this_month(self.today) if kind == "this" else last_month(self.today)
        self.query_one("#from", Input).value = period.start.isoformat()
        self.query_one("#to", Input).value = period.end.isoformat()
        if period != self.period:
            self.period = period
            self.reload()

    @on(Input.Submitted, "#from, #to")
    def _dates_submitted(self) -> None:
        try:
            period = billing.period_from(self.query_one("#from", Input).value,
                                         self.query_one("#to", Input).value)
        except ServiceError as exc:
            self.notify(str(exc), title="Period not changed", severity="error")
            return
        period_select = self.query_one("#period", Select)
        if period == this_month(self.today):
            period_select.value = "this"
        elif period == last_month(self.today):
            period_select.value = "last"
        else:
            period_select.value = "custom"
        self.period = period
        self.table.focus()
        self.reload()

    @on(Select.Changed, "#client")
    def _client_changed(self, event: Select.Changed) -> None:
        value = int(event.value) if isinstance(event.value, int) else ALL
        if value != self.client_id:
            self.client_id = value
            self.reload()

    @on(Select.Changed, "#technician")
    def _technician_changed(self, event: Select.Changed) -> None:
        value = int(event.value) if isinstance(event.value, int) else ALL
        if value != self.technician_id:
            self.technician_id = value
            self.reload()

    @on(Select.Changed, "#state")
    def _state_changed(self, event: Select.Changed) -> None:
        value = str(event.value)
        if value != self.state:
            self.state = value
            self.reload()

    @on(DataTable.RowSelected, "#clients")
    def _client_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.query_one("#client", Select).value = int(event.row_key.value)

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._render_status()

    # ---------------------------------------------------------------- selection

    def _current(self) -> TimeEntryRow | None:
        if not self.allowed:
            return None
        table = self.table
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def selected_client(self) -> tuple[int, str] | None:
        """Whose draft `N` makes: the client pane's row when it has focus, else the client
        filter, else the client of the entry under the cursor."""
        side = self.client_table
        if side.has_focus and self.summaries and 0 <= side.cursor_row < len(self.summaries):
            chosen = self.summaries[side.cursor_row]
            return chosen.client_id, chosen.client
        if self.client_id:
            name = next((c.name for c in self._clients if c.id == self.client_id), "")
            return self.client_id, name
        row = self._current()
        if row is not None and row.client_id is not None:
            return row.client_id, row.client or ""
        return None

    def _chosen_ids(self) -> list[int]:
        if self.marked:
            return sorted(self.marked)
        row = self._current()
        return [row.id] if row is not None else []

    def _set_mark(self, row: TimeEntryRow, marked: bool) -> None:
        if marked:
            self.marked.add(row.id)
        else:
            self.marked.discard(row.id)
        self.table.update_cell(str(row.id), "mark",
                               Text(MARK, style="bold magenta") if marked else "")

    # ---------------------------------------------------------------- actions

    def action_mark(self) -> None:
        row = self._current()
        if row is None or not self.table.has_focus:
            return
        self._set_mark(row, row.id not in self.marked)
        self.table.action_cursor_down()
        self._render_status()

    def action_mark_unapproved(self) -> None:
        if not self.allowed:
            return
        todo = [r for r in self.rows if r.state == EntryState.UNAPPROVED]
        if not todo:
            self.notify("No unapproved entries shown.", severity="warning")
            return
        mark = not all(r.id in self.marked for r in todo)
        with self.app.batch_update():
            for row in todo:
                self._set_mark(row, mark)
        self._render_status()

    def action_approve(self) -> None:
        if not self.allowed:
            return
        ids = self._chosen_ids()
        if not ids:
            return
        try:
            changed = billing.approve(self.desk, ids)
        except ServiceError as exc:
            self.notify(str(exc), title="Not approved", severity="error")
            return
        self.marked.clear()
        already = len(ids) - changed
        note = f" ({already} already were)" if already else ""
        self.notify(f"Approved {_plural(changed, 'time entry', 'time entries')}{note}; "
                    "approved time is locked.")
        self.reload()

    def action_unapprove(self) -> None:
        if not self.allowed:
            return
        ids = self._chosen_ids()
        if not ids:
            return
        try:
            changed = billing.unapprove(self.desk, ids)
        except ServiceError as exc:
            self.notify(str(exc), title="Approval kept", severity="error")
            return
        self.marked.clear()
        self.notify(f"Withdrew approval of {_plural(changed, 'time entry', 'time entries')}.")
        self.reload()

    def action_new_draft(self) -> None:
        if not self.allowed:
            return
        client = self.selected_client()
        if client is None:
            self.notify("Choose a client first: filter by one, or put the cursor on one of "
                        "its entries.", severity="warning")
            return
        period = self.period
        try:
            preview = billing.preview_draft(self.desk, client[0], period)
        except ServiceError as exc:
            self.notify(str(exc), severity="error")
            return
        if preview.problem:
            self.notify(preview.problem, title="No draft", severity="error")
            return
        t = preview.totals
        lines = [
            f"{_plural(t.entries, 'approved entry', 'approved entries')}, "
            f"{hours(t.minutes)} h in all",
            f"Billable: {hours(t.billable_minutes)} h × {money(t.rate_cents, grouped=True)}"
            f" = {money(t.amount_cents, grouped=True)}",
            f"Not billable (covered work, listed at 0): {hours(t.non_billable_minutes)} h",
        ]
        yes = "Create draft"
        if preview.unapproved:
            lines.append(f"{_plural(preview.unapproved, 'entry', 'entries')} of the period "
                         "not approved yet will be left out for a later invoice.")
            yes = f"Create, skip {preview.unapproved}"
        skip = bool(preview.unapproved)

        def answered(yes_: bool | None) -> None:
            if yes_:
                self._create_draft(client[0], period, skip)

        self.app.push_screen(
            ConfirmDialog(f"New invoice draft for {preview.client}, {period.label()}?",
                          "\n".join(lines), yes=yes),
            answered,
        )

    def _create_draft(self, client_id: int, period: Period, skip: bool) -> None:
        try:
            row = billing.create_draft(self.desk, client_id, period, skip_unapproved=skip)
        except ServiceError as exc:
            self.notify(str(exc), title="No draft", severity="error")
            self.reload()
            return
        self.notify(f"Invoice draft {row.number} for {row.client}: "
                    f"{_plural(row.entries, 'entry', 'entries')}, "
                    f"{money(row.amount_cents, grouped=True)}. V lists the drafts.")
        self.reload()

    def action_invoices(self) -> None:
        if not self.allowed:
            return
        self.app.push_screen(InvoicesScreen(self.desk), lambda _result: self.reload())

    def action_reload(self) -> None:
        self.reload()

    def action_cursor_down(self) -> None:
        if self.allowed:
            self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.allowed:
            self.table.action_cursor_up()


# ---------------------------------------------------------------------------- invoices


class InvoicesScreen(Screen[None]):
    """The invoice drafts, newest first; the lower table shows one draft's lines."""

    BINDING_GROUP_TITLE = "Invoices"
    AUTO_FOCUS = "#invoices"
    DEFAULT_CSS = """
    InvoicesScreen #status { height: 1; padding: 0 1; background: $boost; }
    InvoicesScreen #invoices { height: auto; max-height: 40%; }
    InvoicesScreen #lines-title { padding: 0 1; text-style: bold; height: 1; margin-top: 1; }
    InvoicesScreen #lines { height: 1fr; }
    InvoicesScreen #empty { padding: 1 2; color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="invoices.back"),
        Binding("x", "delete", "Delete draft",
                tooltip="Delete the draft under the cursor; its entries stay approved",
                id="invoices.delete"),
        Binding("s", "save", "Save CSV", tooltip="Save the draft's lines and totals as CSV",
                id="invoices.save"),
        Binding("ctrl+r", "reload", "Reload", tooltip="Read the invoices again now",
                id="invoices.reload"),
    ]

    class Loaded(Message):
        def __init__(self, rows: list[InvoiceRow]) -> None:
            super().__init__()
            self.rows = rows

    class LinesLoaded(Message):
        def __init__(self, invoice: InvoiceRow, lines: list[InvoiceLine]) -> None:
            super().__init__()
            self.invoice = invoice
            self.lines = lines

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        self.rows: list[InvoiceRow] = []
        self.shown: InvoiceRow | None = None  # whose lines are in the lower table

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="status")
        yield Label("No invoice drafts yet: N on the time screen makes one.", id="empty")
        table = RowActionTable(enter="Lines", tooltip="Show the lines of this invoice",
                               binding_id="invoices.lines", id="invoices")
        table.add_column("Number", key="number")
        table.add_column("Client", key="client", width=22)
        table.add_column("Period", key="period")
        table.add_column("State", key="state")
        table.add_column("Entries", key="entries")
        table.add_column("Bill. h", key="billable")
        table.add_column("Non-bill. h", key="non_billable")
        table.add_column("Rate", key="rate")
        table.add_column("Amount", key="amount")
        table.add_column("By", key="by")
        yield table
        yield Label("Lines: enter on a draft shows them", id="lines-title")
        lines = DataTable[str | Text](cursor_type="row", zebra_stripes=True, id="lines")
        lines.add_column("Date", key="date")
        lines.add_column("Ticket", key="ticket")
        lines.add_column("Subject", key="subject", width=34)
        lines.add_column("Technician", key="technician", width=16)
        lines.add_column("Min", key="minutes")
        lines.add_column("Hours", key="hours")
        lines.add_column("Billable", key="billable")
        lines.add_column("Amount", key="amount")
        yield lines
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Invoice drafts"
        self.reload()

    @property
    def table(self) -> DataTable[str | Text]:
        return self.query_one("#invoices", DataTable)

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="invoices", exit_on_error=False)
    def _load(self) -> None:
        self.post_message(self.Loaded(billing.invoices(self.desk)))

    def on_invoices_screen_loaded(self, message: Loaded) -> None:
        keep = self._current()
        self.rows = message.rows
        table = self.table
        with self.app.batch_update():
            table.clear()
            for row in self.rows:
                table.add_row(*self._cells(row), key=str(row.id))
        ids = [r.id for r in self.rows]
        if keep is not None and keep.id in ids:
            table.move_cursor(row=ids.index(keep.id), animate=False)
        if self.shown is not None and self.shown.id not in ids:
            self._clear_lines()
        drafts = sum(1 for r in self.rows if r.state == billing.DRAFT)
        total = sum(r.amount_cents for r in self.rows)
        self.query_one("#status", Static).update(
            f"{_plural(len(self.rows), 'invoice', 'invoices')} ({drafts} draft"
            f"{'s' if drafts != 1 else ''}) · {money(total, grouped=True)} in all · "
            "enter lines · x delete draft · s save CSV"
        )
        self.query_one("#empty", Label).display = not self.rows

    @staticmethod
    def _cells(row: InvoiceRow) -> tuple[str | Text, ...]:
        period = Period(row.period_start, row.period_end).label()
        return (
            Text(str(row.number), justify="right"),
            _cut(row.client),
            period,
            row.state,
            Text(str(row.entries), justify="right"),
            Text(hours(row.billable_minutes), justify="right"),
            Text(hours(row.non_billable_minutes), justify="right"),
            Text(money(row.rate_cents, grouped=True), justify="right"),
            Text(money(row.amount_cents, grouped=True), justify="right", style="bold"),
            _cut(row.created_by),
        )

    def _current(self) -> InvoiceRow | None:
        table = self.table
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    @on(DataTable.RowSelected, "#invoices")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row = self._current()
        if row is not None:
            self._load_lines(row)

    @work(thread=True, exclusive=True, group="invoice-lines", exit_on_error=False)
    def _load_lines(self, row: InvoiceRow) -> None:
        self.post_message(self.LinesLoaded(row, billing.invoice_lines(self.desk, row.id)))

    def on_invoices_screen_lines_loaded(self, message: LinesLoaded) -> None:
        self.shown = message.invoice
        inv = message.invoice
        table = self.query_one("#lines", DataTable)
        with self.app.batch_update():
            table.clear()
            for item in message.lines:
                line = item.line
                table.add_row(
                    line.work_date.isoformat(), f"#{line.ticket_number}", _cut(line.subject),
                    _cut(line.technician), Text(str(line.minutes), justify="right"),
                    Text(item.hours, justify="right"),
                    "yes" if line.billable else Text("no", style="dim"),
                    Text(money(item.amount_cents, grouped=True), justify="right"),
                    key=str(line.entry_id),
                )
        period = Period(inv.period_start, inv.period_end).label()
        self.query_one("#lines-title", Label).update(
            f"Draft {inv.number} · {inv.client} · {period} · "
            f"{_plural(len(message.lines), 'line', 'lines')} · total "
            f"{money(inv.amount_cents, grouped=True)}"
        )

    def _clear_lines(self) -> None:
        self.shown = None
        self.query_one("#lines", DataTable).clear()
        self.query_one("#lines-title", Label).update("Lines: enter on a draft shows them")

    def action_reload(self) -> None:
        self.reload()

    def action_delete(self) -> None:
        row = self._current()
        if row is None:
            return
        if row.state != billing.DRAFT:
            self.notify(f"Invoice {row.number} is {row.state}: only drafts can be deleted.",
                        severity="error")
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                released = billing.delete_draft(self.desk, row.id)
            except ServiceError as exc:
                self.notify(str(exc), severity="error")
                return
            self.notify(f"Deleted draft {row.number}; "
                        f"{_plural(released, 'entry is', 'entries are')} free for a new draft.")
            self.reload()

        self.app.push_screen(
            ConfirmDialog(
                f"Delete invoice draft {row.number} for {row.client}?",
                f"Its {_plural(row.entries, 'entry stays', 'entries stay')} approved and can "
                f"go on a new draft; the number {row.number} is not used again.",
                yes="Delete draft",
            ),
            answered,
        )

    def action_save(self) -> None:
        row = self._current()
        if row is None:
            return

        def save(path: Path) -> int:
            return billing.export_invoice_csv(self.desk, row.id, path)

        def saved(result: tuple[Path, int] | None) -> None:
            if result is not None:
                path, count = result
                self.notify(f"Saved draft {row.number} ({_plural(count, 'line', 'lines')} "
                            f"and totals) to {path}")

        self.app.push_screen(
            CsvPathDialog(row, billing.default_export_path(row), save=save), saved
        )


class CsvPathDialog(FormDialog[tuple[Path, int]]):
    """Where to save an invoice CSV; a refusal (unwritable path) keeps the path typed."""

    DEFAULT_CSS = DIALOG_CSS.format(name="CsvPathDialog") + """
    CsvPathDialog Input { margin-top: 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="invoices.save.cancel")]

    def __init__(self, row: InvoiceRow, default: Path, *,
                 save: Callable[[Path], int]) -> None:
        super().__init__()
        self.row = row
        self.default = default
        self.save = save

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Save invoice draft {self.row.number} as CSV", classes="title",
                        markup=False)
            yield Label("Lines (date, ticket, technician, minutes, hours, billable, rate, "
                        "amount) and totals. Folders are created.", classes="hint",
                        markup=False)
            yield Input(str(self.default), id="path")
            yield Label("", id="error", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", id="ok", variant="primary")

    def on_mount(self) -> None:
        field = self.query_one("#path", Input)
        field.focus()
        field.cursor_position = len(field.value)

    def _submit(self) -> None:
        raw = self.query_one("#path", Input).value.strip()
        if not raw:
            say_problem(self, "Give a file to save to, e.g. invoice.csv")
            return
        path = Path(raw).expanduser()
        try:
            count = self.save(path)
        except ServiceError as exc:
            say_problem(self, str(exc))
            self.notify(str(exc), title="Not saved", severity="error")
            return
        self.dismiss((path, count))
