"""A DataTable that repaints once it has measured its rows.

Textual 8.2.8's DataTable measures new rows' column widths on its own idle, but its line
caches are keyed by an update counter that this measuring does not move. When the screen
paints between `add_row` and that idle — likely on a busy machine — the rows are cached
squeezed to the header widths, and a table of fixed height (no resize follows) keeps
showing them squeezed until something else changes it (a CI snapshot caught the
dashboard's breakdown that way). Every table in the console is this one;
`tests/widgets/test_measured_table.py` also checks that plain DataTable still needs it.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from textual import events
from textual.widgets import DataTable

CellType = TypeVar("CellType")


class MeasuredTable(DataTable[CellType], Generic[CellType]):
    async def _on_idle(self, event: events.Idle) -> None:
        measuring = self._require_update_dimensions or bool(self._updated_cells)
        await super()._on_idle(event)
        if measuring:
            self._update_count += 1  # the caches' key: lines painted squeezed are re-rendered
            self.refresh()
