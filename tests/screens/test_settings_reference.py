"""The reference data screen (C then r): tabs of categories, statuses, priorities and
resolution codes; forms that keep their input on a refusal; rows that move."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from sqlmodel import select
from textual.widgets import Button, DataTable, Input, Label, Select, Static

from msp_tui.app import MspApp
from msp_tui.screens.settings.reference import RecordDialog, ReferenceScreen
from msp_tui.services.desk import Desk
from msp_tui.store.models import AuditEvent, Category, PriorityMatrix, ResolutionCode, Status
from tests.console_app import TERMINAL_SIZE, make_app
from tests.pilot_wait import settle

ADMIN = "jamie.fox@demo-msp.example"




async def open_reference(pilot) -> ReferenceScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("C", "r")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReferenceScreen)
    return screen


def column(table: DataTable, index: int) -> list[str]:  # type: ignore[type-arg]
    return [str(table.get_row_at(i)[index]) for i in range(table.row_count)]


def toasts(app: MspApp) -> list[tuple[str, str]]:
    return [(str(n.message), n.severity) for n in app._notifications]


async def test_add_a_resolution_code_and_move_it_up(admin: Desk) -> None:
    app = make_app(admin)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_reference(pilot)
        await pilot.press("4")
        await settle(pilot)
        assert screen.active_tab == "codes"
        table = screen.query_one("#codes-table", DataTable)
        assert table.row_count == 10

        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, RecordDialog)
        await pilot.press(*"Remote Fix")  # not a slug: refused, input kept
        await pilot.press("tab", *"Fixed remotely", "enter")
        await settle(pilot)
        assert app.screen is dialog
        assert dialog.query_one("#f-code", Input).value == "Remote Fix"
        assert dialog.query_one("#f-label", Input).value == "Fixed remotely"
        assert "must be lower-case letters" in str(dialog.query_one("#error", Label).content)
        assert any("must be lower-case" in text and severity == "error"
                   for text, severity in toasts(app))

        code = dialog.query_one("#f-code", Input)
        code.value = "remote_fix"
        code.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert column(table, 1)[-1] == "remote_fix"
        assert table.cursor_row == 10  # on the new row

        await pilot.press("shift+up")
        await settle(pilot)
        assert column(table, 1)[-2:] == ["remote_fix", "cancelled"]
        assert table.cursor_row == 9  # the cursor moved with the row
    with admin.db.session() as s:
        order = s.exec(select(ResolutionCode.code).order_by(ResolutionCode.sort_order)).all()  # type: ignore[arg-type]
        assert order[-2:] == ["remote_fix", "cancelled"]
        added = s.exec(select(ResolutionCode).where(ResolutionCode.code == "remote_fix")).one()
        assert added.label == "Fixed remotely"


async def test_rename_a_status(admin: Desk) -> None:
    app = make_app(admin)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_reference(pilot)
        await pilot.press("2")
        await settle(pilot)
        table = screen.query_one("#statuses-table", DataTable)
        await pilot.press("down", "e")  # In Progress
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, RecordDialog)
        assert dialog.query_one("#f-category", Select).disabled  # well-known: category fixed
        name = dialog.query_one("#f-name", Input)
        assert name.value == "In Progress"
        name.value = "Working on it"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert column(table, 1)[1] == "Working on it"
        assert table.cursor_row == 1
    with admin.db.session() as s:
        row = s.exec(select(Status).where(Status.key == "in_progress")).one()
        assert row.name == "Working on it"
        audit = s.exec(select(AuditEvent).where(AuditEvent.entity == "status",
                                                AuditEvent.entity_id == row.id)).one()
        assert (audit.field, audit.old_value, audit.new_value, audit.actor) == (
            "name", "In Progress", "Working on it", "Jamie Fox")


async def test_deactivating_a_used_status_is_refused_on_screen(admin: Desk) -> None:
    app = make_app(admin)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_reference(pilot)
        await pilot.press("2", "x")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        assert any("well-known status (key 'new')" in text and severity == "error"
                   for text, severity in toasts(app))


async def test_category_tree_and_priorities_are_fixed(admin: Desk) -> None:
    app = make_app(admin)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_reference(pilot)
        names = column(screen.query_one("#categories-table", DataTable), 0)
        assert names[:2] == ["Billing & Account Queries", " ├─ Contract change"]
        assert " └─ License true-up" in names
        await pilot.press("3", "n")
        await settle(pilot)
        assert app.screen is screen
        assert any("Priority codes are fixed at P1–P4" in text for text, _ in toasts(app))
    with admin.db.session() as s:
        assert len(s.exec(select(Category)).all()) == 24


async def test_edit_a_priority_matrix_cell(admin: Desk) -> None:
    app = make_app(admin)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_reference(pilot)
        await pilot.press("3", "m")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, RecordDialog)
        assert dialog.query_one("#f-priority", Select).value == "P1"  # high impact, high urgency
        dialog.query_one("#f-urgency", Select).value = "low"
        await settle(pilot)
        assert dialog.query_one("#f-priority", Select).value == "P3"  # that cell's priority
        dialog.query_one("#f-priority", Select).value = "P2"
        await settle(pilot)
        dialog.query_one("#ok", Button).press()
        await settle(pilot)
        assert app.screen is screen
        assert ("high impact, low urgency → P2", "information") in toasts(app)
        console = Console(width=100, record=True, file=io.StringIO())
        console.print(screen.query_one("#matrix", Static).content)
        lines = console.export_text().splitlines()
        assert next(li for li in lines if "impact high" in li).split() == [
            "impact", "high", "P1", "P2", "P2"]
    with admin.db.session() as s:
        assert s.get(PriorityMatrix, ("high", "low")).priority == "P2"  # type: ignore[union-attr]


@pytest.mark.parametrize("tab", ["1", "2", "3", "4"])
def test_reference_tabs_snapshot(admin: Desk, snap_compare, tab: str) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await open_reference(pilot)
        await pilot.press(tab)
        await settle(pilot)

    assert snap_compare(make_app(admin), terminal_size=TERMINAL_SIZE, run_before=run_before)
