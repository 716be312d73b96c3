"""A row-cursor table whose `enter` does one named thing with the row under the cursor.

A DataTable takes `enter` (select_cursor, posting RowSelected) before its screen sees the
key, so a screen binding for enter never reaches the footer or the help. Each list names
its enter here instead: what it does, a tooltip, and a binding id the keymap can remap.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from msp_tui.widgets.measured_table import MeasuredTable


class RowActionTable(MeasuredTable[str | Text]):
    """Rows of text; `enter` posts RowSelected under the description `enter`."""

    def __init__(self, *, enter: str, tooltip: str, binding_id: str,
                 zebra_stripes: bool = True, id: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=zebra_stripes, id=id)
        # Per table, as a subclass's BINDINGS would: it replaces DataTable's unnamed enter.
        self._bindings.key_to_bindings["enter"] = [
            Binding("enter", "select_cursor", enter, tooltip=tooltip, id=binding_id)
        ]
