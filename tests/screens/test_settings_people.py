"""The groups and technicians screen (C then g): deactivating someone who still holds
open tickets warns how many; making someone a group lead; both tabs as snapshots."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import select
from textual.widgets import DataTable, Input, Select

from msp_tui.app import MspApp
from msp_tui.screens.dialogs import ConfirmDialog
from msp_tui.screens.settings.people import PeopleScreen
from msp_tui.screens.settings.reference import RecordDialog
from msp_tui.services import people_admin
from msp_tui.services.desk import Desk
from msp_tui.store.models import GroupMember, Status, TechGroup, Technician, Ticket
from tests.console_app import TERMINAL_SIZE, make_app
from tests.pilot_wait import settle

ADMIN = "jamie.fox@demo-msp.example"




async def open_people(pilot) -> PeopleScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("C", "g")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, PeopleScreen)
    return screen


def column(table: DataTable, index: int) -> list[str]:  # type: ignore[type-arg]
    return [str(table.get_row_at(i)[index]) for i in range(table.row_count)]


def toasts(app: MspApp) -> list[tuple[str, str]]:
    return [(str(n.message), n.severity) for n in app._notifications]


def tech(desk: Desk, name: str) -> Technician:
    with desk.db.session() as s:
        return s.exec(select(Technician).where(Technician.name == name)).one()


async def move_to(pilot, table: DataTable, text: str) -> None:  # type: ignore[no-untyped-def, type-arg]
    names = column(table, 0)
    target = names.index(text)
    while table.cursor_row != target:
        await pilot.press("down" if table.cursor_row < target else "up")


async def test_deactivating_a_technician_with_open_tickets_warns(admin: Desk) -> None:
    sam = tech(admin, "Sam Lee")
    with admin.db.session() as s:
        held = int(s.execute(
            sa.select(sa.func.count()).select_from(Ticket)
            .join(Status, Status.id == Ticket.status_id)  # type: ignore[arg-type]
            .where(Ticket.assignee_id == sam.id,
                   Status.category.in_(["open", "paused"]))  # type: ignore[attr-defined]
        ).scalar_one())
    assert held > 0
    # Sam leads Tier 2, and a lead is not deactivated: give the group another lead first.
    with admin.db.session() as s:
        tier2 = s.exec(select(TechGroup).where(TechGroup.name == "Tier 2")).one()
    people_admin.edit_group(admin, tier2.id, lead_id=tech(admin, "Priya Shah").id)  # type: ignore[arg-type]
    app = make_app(admin)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_people(pilot)
        table = screen.query_one("#technicians-table", DataTable)
        await move_to(pilot, table, "Sam Lee")
        assert column(table, 6)[table.cursor_row] == str(held)
        await pilot.press("x")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert f"They hold {held} open tickets" in dialog.detail
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        assert (f"Sam Lee is deactivated and off call; they still hold {held} open tickets: "
                "reassign them", "warning") in toasts(app)
        row = column(table, 0).index("Sam Lee")
        assert column(table, 7)[row] == "inactive"
        assert column(table, 4)[row] == ""  # off call
    after = tech(admin, "Sam Lee")
    assert (after.active, after.on_call) == (False, False)


async def test_make_someone_group_lead(admin: Desk) -> None:
    priya = tech(admin, "Priya Shah")
    app = make_app(admin)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_people(pilot)
        await pilot.press("2")
        await settle(pilot)
        table = screen.query_one("#groups-table", DataTable)
        await move_to(pilot, table, "Tier 2")
        assert "Priya Shah" not in column(table, 3)[table.cursor_row]
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, RecordDialog)
        lead = dialog.query_one("#f-lead", Select)
        assert lead.value == str(tech(admin, "Sam Lee").id)
        lead.value = str(priya.id)
        dialog.query_one("#f-name", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        row = column(table, 0).index("Tier 2")
        assert column(table, 1)[row] == "Priya Shah"
        assert "Priya Shah" in column(table, 3)[row]
        assert ("Priya Shah leads Tier 2", "information") in toasts(app)
    with admin.db.session() as s:
        group = s.exec(select(TechGroup).where(TechGroup.name == "Tier 2")).one()
        assert group.lead_id == priya.id
        assert s.get(GroupMember, (group.id, priya.id)) is not None


async def test_a_refused_technician_form_keeps_what_was_typed(admin: Desk) -> None:
    app = make_app(admin)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_people(pilot)
        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, RecordDialog)
        await pilot.press(*"Kim Park", "tab", *"kim.park@demo-msp.example")
        dialog.query_one("#f-timezone", Input).value = "Europe/Pariss"
        dialog.query_one("#f-timezone", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog
        assert dialog.query_one("#f-name", Input).value == "Kim Park"
        assert ("unknown time zone 'Europe/Pariss' (an IANA name, e.g. 'Europe/London')",
                "error") in toasts(app)
        dialog.query_one("#f-timezone", Input).value = "Europe/Paris"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        table = screen.query_one("#technicians-table", DataTable)
        assert column(table, 0)[table.cursor_row] == "Kim Park"
    assert tech(admin, "Kim Park").timezone == "Europe/Paris"


@pytest.mark.parametrize("tab", ["1", "2"])
def test_people_tabs_snapshot(admin: Desk, snap_compare, tab: str) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await open_people(pilot)
        await pilot.press(tab)
        await settle(pilot)

    assert snap_compare(make_app(admin), terminal_size=TERMINAL_SIZE, run_before=run_before)
