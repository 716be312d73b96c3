"""The setup checklist (`k` in settings): what is missing or unreachable, and the key to fix it.

Each row says what is wrong in one line and which settings section fixes it; enter (or
that section's key) opens it through the hub, so the checklist is the way into settings
for a new desk. The mail rows show what the stored poll and outbox state say; `t` also
logs in to the mail servers, in a worker, with short timeouts.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from msp_tui.config import Config, ConfigError, load_config
from msp_tui.screens.settings.hub import SECTIONS, open_section, section
from msp_tui.services import checklist
from msp_tui.services.checklist import CheckItem
from msp_tui.services.desk import Desk
from msp_tui.widgets.row_action_table import RowActionTable

STATE_LOOK = {
    "ok": ("✔ ok", "green"),
    "warn": ("▲ check", "yellow"),
    "fail": ("✖ fix", "bold red"),
}
_JUMP_KEYS = [s.key for s in SECTIONS if s.key != "k"]


class ChecklistScreen(Screen[None]):
    BINDING_GROUP_TITLE = "Checklist"
    AUTO_FOCUS = "#checklist"
    DEFAULT_CSS = """
    ChecklistScreen #summary { height: auto; padding: 0 1; background: $boost; }
    ChecklistScreen DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="checklist.back"),
        Binding("t", "test_mail", "Test mail servers",
                tooltip="Log in to IMAP and greet SMTP now (a few seconds at most)",
                id="checklist.test_mail"),
        Binding("ctrl+r", "reload", "Check again", tooltip="Run the checks again",
                id="checklist.reload"),
        *(
            Binding(key, f"jump('{key}')", section(key).title, show=False,
                    id=f"checklist.jump_{key}")
            for key in _JUMP_KEYS
        ),
    ]

    class Loaded(Message):
        def __init__(self, items: list[CheckItem], config: Config | None, note: str) -> None:
            super().__init__()
            self.items = items
            self.config = config
            self.note = note

    class Tested(Message):
        def __init__(self, items: list[CheckItem]) -> None:
            super().__init__()
            self.items = items

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        self.items: list[CheckItem] = []
        self.note = ""
        self.config: Config | None = None
        self.testing = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Checking…", id="summary")
        table = RowActionTable(
            enter="Fix it", tooltip="Open the settings section that fixes this item",
            binding_id="checklist.fix", id="checklist")
        # Fixed widths and rows as tall as their text: a server's error message is long.
        table.add_column("State", key="state", width=8)
        table.add_column("Check", key="title", width=28)
        table.add_column("What we found", key="detail", width=60)
        table.add_column("Fix", key="fix", width=34)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Setup checklist"
        self.action_reload()

    @property
    def table(self) -> DataTable[str | Text]:
        return self.query_one(DataTable)

    # ---------------------------------------------------------------- loading

    def _read_config(self) -> tuple[Config | None, str]:
        """The app's config when it has one, else the one `msp-tui` would read."""
        given = getattr(self.app, "config", None)
        if isinstance(given, Config):
            return given, ""
        try:
            return load_config(), ""
        except ConfigError as exc:
            return None, f"config unreadable ({exc.problems[0] if exc.problems else exc}); " \
                "mail rows show stored state only"

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="checklist", exit_on_error=False)
    def _load(self) -> None:
        config, note = self._read_config()
        self.post_message(self.Loaded(checklist.run_checks(self.desk, config), config, note))

    def on_checklist_screen_loaded(self, message: Loaded) -> None:
        live = [i for i in self.items if i.id.endswith("_live")]
        self.config = message.config
        self.note = message.note
        self._show([*message.items, *live])

    def action_test_mail(self) -> None:
        if self.testing:
            return
        if self.config is None:
            self.notify("No readable config: nothing to test.", severity="warning")
            return
        self.testing = True
        self._render_summary()
        self._test(self.config)

    @work(thread=True, exclusive=True, group="checklist-live", exit_on_error=False)
    def _test(self, config: Config) -> None:
        self.post_message(self.Tested(checklist.live_mail_checks(config)))

    def on_checklist_screen_tested(self, message: Tested) -> None:
        self.testing = False
        fresh = {i.id for i in message.items}
        self._show([*(i for i in self.items if i.id not in fresh), *message.items])

    def _show(self, items: list[CheckItem]) -> None:
        keep = self._current()
        self.items = items
        table = self.table
        with self.app.batch_update():
            table.clear()
            for item in items:
                table.add_row(*self._cells(item), key=item.id, height=None)
        ids = [i.id for i in items]
        if keep is not None and keep.id in ids:
            table.move_cursor(row=ids.index(keep.id), animate=False)
        self._render_summary()

    def _cells(self, item: CheckItem) -> tuple[str | Text, ...]:
        label, style = STATE_LOOK[item.state]
        fix = Text()
        if item.fix_key and item.state != "ok":
            fix.append(f"{item.fix_key} ", style="bold")
            fix.append(item.fix or section(item.fix_key).title)
        elif item.state != "ok":
            fix.append(item.fix)
        return (Text(label, style=style), item.title, Text(item.detail), fix)

    def _render_summary(self) -> None:
        counts = {state: sum(1 for i in self.items if i.state == state) for state in STATE_LOOK}
        parts = [f"{counts['fail']} to fix", f"{counts['warn']} to check", f"{counts['ok']} ok"]
        text = " · ".join(parts) + " — enter or the key in Fix opens the section; t tests mail"
        if self.testing:
            text += " (testing…)"
        if self.note:
            text += f"\n{self.note}"
        self.query_one("#summary", Static).update(Text(text))

    def _current(self) -> CheckItem | None:
        table = self.table
        if not self.items or not 0 <= table.cursor_row < len(self.items):
            return None
        return self.items[table.cursor_row]

    # ---------------------------------------------------------------- jumping

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        item = self._current()
        if item is None:
            return
        if item.fix_key is None:
            self.notify(item.fix or "Nothing in settings fixes this one.")
            return
        self.action_jump(item.fix_key)

    def action_jump(self, key: str) -> None:
        open_section(self.app, self.desk, key)
