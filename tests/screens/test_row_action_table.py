"""RowActionTable: each table names its enter (footer, help, keymap) and enter selects."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable

from msp_tui.widgets.row_action_table import RowActionTable
from tests.pilot_wait import until


class _TableApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.selected: list[str] = []

    def compose(self) -> ComposeResult:
        table = RowActionTable(enter="Open it", tooltip="Open the row under the cursor",
                               binding_id="test.open", id="rows")
        table.add_column("Name")
        for name in ("first", "second"):
            table.add_row(name, key=name)
        yield table
        yield RowActionTable(enter="Other", tooltip="", binding_id="test.other", id="other")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.selected.append(f"{event.data_table.id}:{event.row_key.value}")


async def test_enter_is_named_per_table_and_selects_the_row() -> None:
    app = _TableApp()
    async with app.run_test() as pilot:
        table = app.query_one("#rows", RowActionTable)
        table.focus()
        await pilot.pause()
        assert table.cursor_type == "row" and table.zebra_stripes
        enter = app.screen.active_bindings["enter"].binding
        assert (enter.description, enter.id, enter.tooltip) == (
            "Open it", "test.open", "Open the row under the cursor")
        assert enter.show
        # The other table's name does not leak into this one (bindings are per instance).
        other = app.query_one("#other", RowActionTable)
        assert other._bindings.key_to_bindings["enter"][0].description == "Other"
        await pilot.press("down", "enter")
        await until(pilot, lambda: app.selected == ["rows:second"])


async def test_the_keymap_can_remap_a_tables_enter() -> None:
    app = _TableApp()
    async with app.run_test() as pilot:
        app.set_keymap({"test.open": "o"})
        app.query_one("#rows", RowActionTable).focus()
        await pilot.pause()
        await pilot.press("o")
        await until(pilot, lambda: app.selected == ["rows:first"])
