"""The OK/Cancel plumbing every small form of the desk shares.

Enter in a field or the OK button (id "ok") submits; escape or any other button
dismisses with None. Subclasses only say what submitting means.
"""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen
from textual.widgets import Button

ResultT = TypeVar("ResultT")


class FormDialog(ModalScreen[ResultT | None]):
    def on_input_submitted(self) -> None:
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self._submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _submit(self) -> None:
        raise NotImplementedError
