"""A table painted before it measured its new rows shows them at full width afterwards
(MeasuredTable), where Textual's own DataTable keeps the squeezed paint on a fixed-height
table — the second test tells us when a Textual upgrade makes the workaround unneeded."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable

from msp_tui.widgets.measured_table import MeasuredTable
from tests.pilot_wait import settle

ROW = ("Fabrikam Manufacturing", "Microsoft license true-up", "P2")


class _TableApp(App[None]):
    CSS = "DataTable { height: 8; }"  # fixed height: no resize follows the measuring

    def __init__(self, table: DataTable[str]) -> None:
        super().__init__()
        self.table = table

    def compose(self) -> ComposeResult:
        yield self.table

    def on_mount(self) -> None:
        self.table.add_columns("Client", "Subject", "Pri")


async def _painted_early_then_settled(table: DataTable[str]) -> tuple[str, str]:
    app = _TableApp(table)
    async with app.run_test(size=(80, 12)) as pilot:
        await settle(pilot)
        table.add_rows([ROW] * 3)
        early = table.render_line(1).text  # a paint before the table's idle
        await settle(pilot)
        return early, table.render_line(1).text


async def test_rows_painted_before_measuring_are_repainted_at_full_width() -> None:
    early, settled = await _painted_early_then_settled(MeasuredTable())
    assert "Fabrikam Manufacturing" not in early  # squeezed to the header widths
    assert "Fabrikam Manufacturing" in settled and "Microsoft license true-up" in settled


async def test_textual_data_table_still_keeps_the_squeezed_paint() -> None:
    """When this fails, Textual fixed it: MeasuredTable can go back to DataTable."""
    early, settled = await _painted_early_then_settled(DataTable())
    assert "Fabrikam Manufacturing" not in early
    assert "Fabrikam Manufacturing" not in settled


def test_every_table_in_the_console_is_a_measured_table() -> None:
    """A new screen that builds a plain DataTable would bring the squeezed paint back."""
    import re
    from pathlib import Path

    import msp_tui

    root = Path(msp_tui.__file__).parent
    plain = re.compile(r"=\s*DataTable\(|class \w+\(DataTable\b")
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("*.py")
        if path.name != "measured_table.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if plain.search(line)
    ]
    assert offenders == []
