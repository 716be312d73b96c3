"""Mail quarantine (admins): mail intake could not turn into tickets, kept raw with why,
plus how each mailbox's last poll went. Retry once the cause is fixed, or discard.

Few rows by nature (a healthy desk has none), so a plain DataTable is the right tool.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Header, Label, Static

from msp_tui.screens.dialogs import ConfirmDialog
from msp_tui.services import mail_admin
from msp_tui.services.desk import Desk
from msp_tui.services.local_zone import my_zone
from msp_tui.services.mail_intake import IntakeSettings
from msp_tui.services.ticket_view import format_instant
from msp_tui.services.tickets import ServiceError
from msp_tui.store.mail_queries import QuarantineRow
from msp_tui.widgets.measured_table import MeasuredTable


class RawMailScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    RawMailScreen { align: center middle; }
    RawMailScreen > Vertical {
        width: 90%; height: 90%; border: thick $accent; background: $surface; padding: 0 1;
    }
    RawMailScreen VerticalScroll { height: 1fr; }
    """
    BINDINGS = [Binding("escape,q", "dismiss", "Close", id="raw_mail.close")]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, markup=False)
            with VerticalScroll():
                yield Static(Text(self.body), markup=False)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)


class QuarantineScreen(Screen[None]):
    BINDING_GROUP_TITLE = "Mail quarantine"
    DEFAULT_CSS = """
    QuarantineScreen #mailboxes { height: auto; padding: 0 1; background: $panel; }
    QuarantineScreen #empty { padding: 1 2; color: $text-muted; }
    QuarantineScreen DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="quarantine.back"),
        Binding("enter", "view", "View raw", tooltip="The mail as it arrived",
                id="quarantine.view"),
        Binding("r", "retry", "Retry", tooltip="Take the mail again (after fixing the cause)",
                id="quarantine.retry"),
        Binding("d", "discard", "Discard", tooltip="Remove from the list (asks first)",
                id="quarantine.discard"),
        Binding("ctrl+r", "reload", "Reload", id="quarantine.reload"),
    ]

    def __init__(self, desk: Desk, intake: IntakeSettings | None = None) -> None:
        super().__init__()
        self.desk = desk
        self.intake = intake or IntakeSettings()
        self.rows: list[QuarantineRow] = []
        self.zone = my_zone(desk)  # mine; else the desk's home; an unknown name is skipped

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="mailboxes")
        yield Label("", id="empty")
        table: DataTable[str | Text] = MeasuredTable(cursor_type="row", zebra_stripes=True)
        table.add_columns("Received", "From", "Subject", "Why", "Size")
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Mail quarantine"
        self.reload()

    @work(thread=True, exclusive=True, group="quarantine", exit_on_error=False)
    def reload(self) -> None:
        try:
            rows = mail_admin.quarantined(self.desk)
        except ServiceError as exc:
            self.app.call_from_thread(self._refused, str(exc))
            return
        boxes = mail_admin.mailboxes(self.desk)
        self.app.call_from_thread(self._show, rows, boxes)

    def _refused(self, why: str) -> None:
        self.query_one("#empty", Label).update(why)
        self.query_one(DataTable).display = False

    def _show(self, rows: list[QuarantineRow], boxes: list[mail_admin.MailboxStatus]) -> None:
        lines = Text()
        if not boxes:
            lines.append("No mailbox has been polled yet (see [mailbox] in config.toml).")
        for box in boxes:
            if lines:
                lines.append("\n")
            lines.append(f"{box.mailbox}: ", style="bold")
            lines.append(f"last poll {format_instant(box.last_poll_at, self.zone)}")
            if box.last_error:
                lines.append(f" — {box.last_error}", style="bold red")
            else:
                lines.append(" — ok")
        self.query_one("#mailboxes", Static).update(lines)
        self.rows = rows
        table = self.query_one(DataTable)
        table.clear()
        for r in rows:
            table.add_row(
                format_instant(r.received_at, self.zone, with_zone=False),
                r.sender or "(none)",
                Text(r.subject or "(no subject)", overflow="ellipsis", no_wrap=True),
                Text(r.reason, overflow="ellipsis", no_wrap=True),
                _size(r.size),
                key=str(r.id),
            )
        empty = self.query_one("#empty", Label)
        empty.update("Nothing in the quarantine: every mail became a ticket or a reply.")
        empty.display = not rows
        table.focus()

    def _current(self) -> QuarantineRow | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row < 0 or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def action_reload(self) -> None:
        self.reload()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """The table takes `enter` itself (as "select"): selecting a row views it."""
        event.stop()
        self.action_view()

    def action_view(self) -> None:
        row = self._current()
        if row is None:
            return
        try:
            raw = mail_admin.raw_mail(self.desk, row.id)
        except ServiceError as exc:
            self.notify(str(exc), severity="error")
            return
        problems = "\n".join(f"  · {p}" for p in raw.problems) or "  (none)"
        body = f"Why: {row.reason}\nParser notes:\n{problems}\n\n{raw.text}"
        self.app.push_screen(RawMailScreen(f"{row.sender} — {row.subject} ({_size(raw.size)})",
                                           body))

    def action_retry(self) -> None:
        row = self._current()
        if row is None:
            return
        try:
            result = mail_admin.retry(self.desk, row.id, self.intake)
        except ServiceError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return
        self.notify(f"taken: {result.detail}")
        self.reload()

    def action_discard(self) -> None:
        row = self._current()
        if row is None:
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                mail_admin.discard(self.desk, row.id)
            except ServiceError as exc:
                self.notify(str(exc), severity="error")
                return
            self.notify("discarded; the raw mail stays in the database for the audit")
            self.reload()

        self.app.push_screen(
            ConfirmDialog(f"Discard the mail from {row.sender or 'an unknown sender'}?"), answered
        )


def _size(n: int) -> str:
    return f"{n / 1024:.1f} KiB" if n >= 1024 else f"{n} B"
