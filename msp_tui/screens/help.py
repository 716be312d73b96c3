"""Help (`?` / F1): every key of the screen you came from, generated from its bindings.

Generated, not written: the help can never disagree with what the keys do, and keys
remapped in `[keymap]` show as remapped.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label

from msp_tui.widgets.measured_table import MeasuredTable


@dataclass(frozen=True)
class KeyHelp:
    key: str
    description: str
    tooltip: str
    binding_id: str


def key_help(screen: Screen[object]) -> list[KeyHelp]:
    """The active bindings of a screen (its focused widget's, the screen's, the app's)."""
    seen: dict[tuple[str, str], KeyHelp] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.action in ("", "noop") or binding.system:
            continue
        if binding.action.startswith(("scroll_", "page_left", "page_right")):
            continue  # ScrollView's own keys: noise next to the desk's
        display = screen.app.get_key_display(binding)
        description = binding.description or binding.action
        entry = KeyHelp(display or key, description, active.tooltip or binding.tooltip or "",
                        binding.id or "")
        group = (description, binding.id or binding.action)
        if group in seen:
            seen[group] = KeyHelp(f"{seen[group].key}, {entry.key}", description,
                                  entry.tooltip, entry.binding_id)
        else:
            seen[group] = entry
    return sorted(seen.values(), key=lambda k: (k.description.lower()))


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 90%; max-width: 110; height: 90%; border: thick $accent; background: $surface;
        padding: 0 1;
    }
    HelpScreen DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, title: str, entries: list[KeyHelp]) -> None:
        super().__init__()
        self.title_text = title
        self.entries = entries

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"[b]Keys — {self.title_text}[/b]   (esc to close; remap any of them by "
                        "id in the \\[keymap] section of config.toml)")
            table: DataTable[str] = MeasuredTable(cursor_type="row", zebra_stripes=True)
            table.add_columns("Key", "Action", "What it does", "Binding id")
            for e in self.entries:
                table.add_row(e.key, e.description, e.tooltip, e.binding_id)
            yield table

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
