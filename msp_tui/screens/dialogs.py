"""Dialog pieces every screen shares: the modal look, the problem line and a yes/no
question.

One confirm dialog for the whole console, so "y / n / esc" and the safe default (no)
behave the same everywhere.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Label

# A modal form's look; `.format(name=...)` with the dialog's class name.
DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 72; max-width: 100%; height: auto; max-height: 100%;
    padding: 1 2; border: thick $accent; background: $surface;
}}
{name} Label {{ width: 100%; }}
{name} .title {{ text-style: bold; }}
{name} .hint {{ color: $text-muted; }}
{name} .problem {{ color: $text-error; text-style: bold; display: none; }}
{name} .problem.-shown {{ display: block; }}
{name} .buttons {{ height: auto; align-horizontal: right; margin-top: 1; }}
{name} .buttons Button {{ margin-left: 1; }}
"""


def dialog_css(name: str, extra: str = "") -> str:
    return DIALOG_CSS.format(name=name) + extra


def say_problem(dialog: Screen[Any], text: str) -> None:
    """A problem with the input on the dialog's `#error` line (class "problem"), marked ✖
    so it reads without colour; the text is shown as typed, not as markup."""
    line = dialog.query_one("#error", Label)
    line.update(Text(f"✖ {text}"))
    line.add_class("-shown")


def clear_problem(dialog: Screen[Any]) -> None:
    line = dialog.query_one("#error", Label)
    line.update("")
    line.remove_class("-shown")


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question whose safe answer, no, is the default (enter and escape)."""

    DEFAULT_CSS = dialog_css("ConfirmDialog")
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, detail: str = "", *, yes: str = "Yes") -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question, classes="title", markup=False)
            if self.detail:
                yield Label(self.detail, classes="hint", markup=False)
            yield Label("y yes · n or esc no", classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("No", id="no", variant="primary")
                yield Button(self.yes, id="yes", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
