"""Settings › Business calendars: the list, the edit form with its timeline, a save that
is refused with every problem named and then accepted after the what-if."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from msp_tui.screens.dialogs import ConfirmDialog
from msp_tui.screens.settings.calendars import (
    CalendarEditScreen,
    CalendarsScreen,
    CalendarWhatIfDialog,
)
from msp_tui.services.desk import Desk
from msp_tui.store.models import AuditEvent, BusinessCalendarRow
from tests.console_app import TERMINAL_SIZE, make_app
from tests.pilot_wait import settle

ADMIN = "jamie.fox@demo-msp.example"
BUSINESS = "Business hours (New York)"


@pytest.fixture
def admin_desk(demo_desk: Desk) -> Desk:
    demo_desk.me_email = ADMIN
    demo_desk._me = None
    return demo_desk


async def open_calendars(pilot: Pilot[Any]) -> CalendarsScreen:
    await settle(pilot)
    await pilot.press("C")
    await settle(pilot)
    await pilot.press("c")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CalendarsScreen)
    return screen


async def edit_business_hours(pilot: Pilot[Any]) -> CalendarEditScreen:
    screen = await open_calendars(pilot)
    names = [r.name for r in screen.rows]
    for _ in range(names.index(BUSINESS)):
        await pilot.press("down")
    await pilot.press("e")
    await settle(pilot)
    edit = pilot.app.screen
    assert isinstance(edit, CalendarEditScreen)
    return edit


async def retype(pilot: Pilot[Any], selector: str, text: str) -> None:
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.value = ""
    await pilot.press(*[{" ": "space", ",": "comma"}.get(c, c) for c in text])
    assert field.value == text


def stored(desk: Desk) -> tuple[object, ...]:
    with desk.db.session() as s:
        row = s.exec(select(BusinessCalendarRow).where(BusinessCalendarRow.name == BUSINESS)).one()
        return row.tz, dict(row.weekly)


def calendar_audit(desk: Desk) -> dict[str, tuple[str | None, str | None]]:
    with desk.db.session() as s:
        rows = s.exec(select(AuditEvent).where(AuditEvent.entity == "business_calendar")).all()
        return {r.field: (r.old_value, r.new_value) for r in rows}


async def test_a_calendar_with_a_validation_error(admin_desk: Desk) -> None:
    before = stored(admin_desk)
    app = make_app(admin_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        edit = await edit_business_hours(pilot)
        await retype(pilot, "#tz", "America/New_Yrok")
        await retype(pilot, "#day-1", "09:00-13:00, 12:00-18:00")
        await pilot.press("ctrl+s")
        await settle(pilot)

        assert app.screen is edit  # still on the form, nothing applied
        problems = str(edit.query_one("#problems", Static).render())
        assert "Unknown time zone 'America/New_Yrok' (did you mean America/New_York?)" in problems
        assert "Tuesday: 12:00–18:00 overlaps 09:00–13:00" in problems
        assert edit.query_one("#tz", Input).value == "America/New_Yrok"  # kept as typed
        assert edit.query_one("#day-1", Input).value == "09:00-13:00, 12:00-18:00"
        assert stored(admin_desk) == before
        assert calendar_audit(admin_desk) == {}

        await retype(pilot, "#tz", "America/New_York")
        await retype(pilot, "#day-1", "09:00-13:00, 14:00-18:00")
        await pilot.press("ctrl+s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CalendarWhatIfDialog)
        shown = str(dialog.query_one("#whatif").render())
        assert shown == f"{dialog.what_if.describe()}."
        assert "due instants move" in shown
        await pilot.press("a")
        await settle(pilot)

        assert isinstance(app.screen, CalendarsScreen)
        tz, weekly = stored(admin_desk)
        assert tz == "America/New_York"
        assert weekly["1"] == [["09:00", "13:00"], ["14:00", "18:00"]]
        assert weekly["0"] == [["08:00", "18:00"]]
        old, new = calendar_audit(admin_desk)["weekly"]
        assert old is not None and "Tue 08:00-18:00" in old
        assert new is not None and "Tue 09:00-13:00, Tue 14:00-18:00" in new
        table = app.screen.query_one(DataTable)
        row = table.get_row_at(table.cursor_row)
        assert str(row[0]) == BUSINESS
        assert "Tue 09:00–13:00, 14:00–18:00" in str(row[2])


async def test_delete_is_refused_with_the_reason_and_a_new_calendar_can_go(
    admin_desk: Desk,
) -> None:
    app = make_app(admin_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_calendars(pilot)
        await pilot.press("x")  # the first row, 24/7 (UTC), is Platinum's
        await settle(pilot)
        messages = [str(n.message) for n in app._notifications]
        assert "24/7 (UTC) is used by Platinum; move them first" in messages

        await pilot.press("n")
        await settle(pilot)
        await retype(pilot, "#name", "Night shift")
        await retype(pilot, "#day-4", "22:00-06:00")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert "Night shift" in [r.name for r in screen.rows]
        assert screen.current() is not None and screen.current().name == "Night shift"  # type: ignore[union-attr]
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert "Night shift" not in [r.name for r in screen.rows]

        await pilot.press("n")  # typed, then escape: asked before the typing is lost
        await settle(pilot)
        await retype(pilot, "#name", "Scratch")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        assert isinstance(app.screen, CalendarEditScreen)
        assert app.screen.query_one("#name", Input).value == "Scratch"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        assert "Scratch" not in [r.name for r in screen.rows]


def test_calendars_list_snapshot(snap_compare, admin_desk: Desk) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(admin_desk), terminal_size=TERMINAL_SIZE,
                        run_before=open_calendars)


def test_calendar_edit_with_timeline_snapshot(snap_compare, admin_desk: Desk) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot[Any]) -> None:
        await edit_business_hours(pilot)
        await retype(pilot, "#day-5", "22:00-02:00")
        edit = pilot.app.screen
        edit.query_one("#holidays").load_text("2026-11-27 Day after Thanksgiving")  # type: ignore[attr-defined]
        await pilot.press("ctrl+t")
        await settle(pilot)

    assert snap_compare(make_app(admin_desk), terminal_size=TERMINAL_SIZE, run_before=run_before)
