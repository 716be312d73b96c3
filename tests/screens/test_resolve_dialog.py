"""Resolving and closing from the console: the transition dialog asks for a resolution
code and summary, checks the logged time (and logs missing time in place), and signs the
close off with notes and follow-on work."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Label, Select, Static, TextArea

from msp_tui.engine.vocabulary import StatusCategory
from msp_tui.screens.ticket import TicketScreen
from msp_tui.screens.ticket_dialogs import StatusPicker
from msp_tui.screens.transition import TransitionDialog
from msp_tui.services.desk import Desk
from msp_tui.services.ticket_view import default_billable, format_minutes, ticket_detail
from msp_tui.services.tickets import Closure
from msp_tui.store.models import (
    AuditEvent,
    Client,
    ResolutionCode,
    Status,
    Ticket,
    TimeEntry,
)
from tests.console_app import TERMINAL_SIZE, make_app
from tests.pilot_wait import settle, until
from tests.screens.test_ticket_screen import SMALL, fresh_ticket, open_ticket, shown

ME = "Alex Morgan"


def worked_ticket(desk: Desk, category: str = StatusCategory.OPEN) -> int:
    """The lowest-numbered ticket in that status category with logged time."""
    has_time = sa.select(TimeEntry.id).where(TimeEntry.ticket_id == Ticket.id).exists()
    with desk.db.session() as s:
        return s.exec(
            select(Ticket.id)
            .join(Status, Status.id == Ticket.status_id)  # type: ignore[arg-type]
            .where(Status.category == category, Status.key != "new", has_time)
            .order_by(Ticket.number)  # type: ignore[arg-type]
        ).first()  # type: ignore[return-value]


async def open_dialog(pilot: Pilot[None], status: str) -> TransitionDialog:
    """s on the ticket, pick the status by name: the transition dialog."""
    app = pilot.app
    await pilot.press("s")
    await until(pilot, lambda: isinstance(app.screen, StatusPicker)
                and app.screen.focused is not None)
    await pilot.press(*status, "enter")
    await until(pilot, lambda: isinstance(app.screen, TransitionDialog)
                and app.screen.focused is not None)
    dialog = app.screen
    assert isinstance(dialog, TransitionDialog)
    return dialog


async def pick_code(pilot: Pilot[None], dialog: TransitionDialog, search: str) -> None:
    """Open the code list (focused first), type to find the code, take it."""
    code = dialog.query_one("#code", Select)
    code.focus()
    await until(pilot, lambda: dialog.focused is code)
    await pilot.press("enter")
    # type only once the list has the focus, or the letters go to the closed picker
    await until(pilot, lambda: code.expanded and dialog.focused in code.children)
    await pilot.press(*search, "enter")
    await until(pilot, lambda: not code.expanded and dialog.focused is code)
    await settle(pilot)


async def resolve_in_dialog(pilot: Pilot[None], summary: str, code: str = "Fixed") -> None:
    """Fill the resolve dialog the shortest way (code, summary, time ticked) and confirm."""
    dialog = pilot.app.screen
    assert isinstance(dialog, TransitionDialog)
    await pick_code(pilot, dialog, code)
    field = dialog.query_one("#summary", Input)
    field.focus()
    await until(pilot, lambda: dialog.focused is field)
    await pilot.press(*summary)
    await until(pilot, lambda: field.value == summary)
    dialog.query_one("#time-ok", Checkbox).value = True
    await pilot.press("ctrl+s")
    await until(pilot, lambda: pilot.app.screen is not dialog)
    await settle(pilot)


def error_of(dialog: TransitionDialog) -> str:
    return str(dialog.query_one("#error", Label).render())


def time_lines(dialog: TransitionDialog) -> str:
    return " ".join(shown(dialog.query_one("#time-lines", Static)).split())


def stored(desk: Desk, ticket_id: int) -> tuple[str, str | None, str, str | None]:
    """(status key, resolution code, summary, closed by) as stored."""
    with desk.db.session() as s:
        t = s.get(Ticket, ticket_id)
        assert t is not None
        status = s.get(Status, t.status_id)
        code = s.get(ResolutionCode, t.resolution_code_id) if t.resolution_code_id else None
        return (status.key if status else "") or "", code.code if code else None, \
            t.resolution_summary, t.closed_by


def audit(desk: Desk, ticket_id: int, field: str) -> list[tuple[str | None, str | None, str]]:
    with desk.db.session() as s:
        return [
            (a.old_value, a.new_value, a.actor)
            for a in s.exec(
                select(AuditEvent)
                .where(AuditEvent.entity_id == ticket_id, AuditEvent.entity == "ticket",
                       AuditEvent.field == field)
                .order_by(AuditEvent.id)  # type: ignore[arg-type]
            ).all()
        ]


# ---------------------------------------------------------------- resolve


async def test_resolve_with_code_and_time_check(demo_desk: Desk) -> None:
    ticket_id = worked_ticket(demo_desk)
    before = ticket_detail(demo_desk, ticket_id)
    assert before.time_entries
    total = sum(e.minutes for e in before.time_entries)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, ticket_id)
        dialog = await open_dialog(pilot, "Resolved")
        # the time check: totals and one line per entry
        lines = time_lines(dialog)
        assert f"Logged {format_minutes(total)}" in lines
        assert f"billable {format_minutes(before.billable_minutes)}" in lines
        assert f"non-billable {format_minutes(before.non_billable_minutes)}" in lines
        for e in before.time_entries:
            assert f"{e.work_date:%a %d %b} {e.technician} {format_minutes(e.minutes)}" in lines
        assert "No time is logged" not in lines

        await pilot.press("ctrl+s")  # nothing given yet
        await until(pilot, lambda: "pick a resolution code" in error_of(dialog))
        assert app.screen is dialog
        problem = error_of(dialog)
        assert "pick a resolution code" in problem and "say what fixed it" in problem
        assert "Time is correct" in problem

        await pick_code(pilot, dialog, "Hardware")
        assert dialog.query_one("#code", Select).value == "hardware_replaced"
        await pilot.press("tab")
        await until(pilot, lambda: dialog.focused is not None and dialog.focused.id == "summary")
        await pilot.press(*"Swapped the failed disk")
        await pilot.press("enter")  # confirms: the time is still unchecked
        await until(pilot, lambda: "Time is correct" in error_of(dialog)
                    and "pick a resolution code" not in error_of(dialog))
        assert app.screen is dialog
        assert error_of(dialog) == (
            "✖ Not yet: check the logged time and tick “Time is correct”."
        )
        assert stored(demo_desk, ticket_id)[0] == before.status_key

        await settle(pilot)  # a click on a dialog still being laid out can miss
        await pilot.click("#time-ok")
        await settle(pilot)
        assert dialog.query_one("#time-ok", Checkbox).value
        await pilot.press("ctrl+s")
        await until(pilot, lambda: screen.detail is not None
                    and screen.detail.status_key == "resolved")
        assert app.screen is screen
        # the detail shows the resolution
        pane = " ".join(shown(screen.query_one("#resolution", Static)).split())
        assert "Hardware replaced" in pane and "Swapped the failed disk" in pane

    assert stored(demo_desk, ticket_id) == (
        "resolved", "hardware_replaced", "Swapped the failed disk", None)
    assert audit(demo_desk, ticket_id, "status")[-1] == (before.status, "Resolved", ME)
    assert audit(demo_desk, ticket_id, "resolution_code") == [(None, "hardware_replaced", ME)]
    assert audit(demo_desk, ticket_id, "time_check") == [
        (None, f"confirmed: {total} min logged, {before.billable_minutes} min billable", ME)]


async def test_missing_time_is_logged_in_the_dialog(demo_desk: Desk) -> None:
    ticket_id = fresh_ticket(demo_desk)
    with demo_desk.db.session() as s:
        client = s.exec(select(Client).where(Client.name == "Contoso Legal")).one()
        billable = default_billable(client.billing_type, client.hybrid_billable_default)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, ticket_id)
        dialog = await open_dialog(pilot, "Resolved")
        assert "Logged 0 min" in time_lines(dialog)
        assert "No time is logged on this ticket" in time_lines(dialog)
        assert dialog.query_one("#billable", Checkbox).value is billable
        hint = str(dialog.query_one("#billing-hint", Label).render())
        assert hint.startswith("Contoso Legal: ")

        minutes = dialog.query_one("#minutes")
        minutes.focus()
        await until(pilot, lambda: dialog.focused is minutes)
        await pilot.press("4", "5", "tab", *"Rebuilt the boot record", "enter")
        await until(pilot, lambda: "Logged 45 min" in time_lines(dialog))
        await settle(pilot)
        assert app.screen is dialog  # enter in the time row logs time, it does not confirm
        lines = time_lines(dialog)
        assert "Logged 45 min" in lines and "No time is logged" not in lines
        assert f"{ME} 45 min" in lines and "Rebuilt the boot record" in lines
        assert dialog.focused is dialog.query_one("#time-ok", Checkbox)
        await pilot.press("space")
        await until(pilot, lambda: dialog.query_one("#time-ok", Checkbox).value)

        await pick_code(pilot, dialog, "Fixed")
        summary = dialog.query_one("#summary")
        summary.focus()
        await until(pilot, lambda: dialog.focused is summary)
        await pilot.press(*"Rebuilt the boot record", "enter")
        await until(pilot, lambda: app.screen is screen)
        await settle(pilot)

    with demo_desk.db.session() as s:
        [entry] = s.exec(select(TimeEntry).where(TimeEntry.ticket_id == ticket_id)).all()
        assert (entry.minutes, entry.billable, entry.note) == (
            45, billable, "Rebuilt the boot record")
    assert stored(demo_desk, ticket_id)[:3] == ("resolved", "fixed", "Rebuilt the boot record")
    assert audit(demo_desk, ticket_id, "time_check") == [
        (None, f"confirmed: 45 min logged, {45 if billable else 0} min billable", ME)]


async def test_cancel_keeps_the_ticket_as_it_was(demo_desk: Desk) -> None:
    ticket_id = worked_ticket(demo_desk)
    status = ticket_detail(demo_desk, ticket_id).status_key
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, ticket_id)
        await open_dialog(pilot, "Resolved")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
        await settle(pilot)
    assert stored(demo_desk, ticket_id)[:2] == (status, None)


async def test_a_move_within_the_resolved_family_starts_from_the_resolution(
    demo_desk: Desk,
) -> None:
    ticket_id = fresh_ticket(demo_desk)
    demo_desk.change_status(ticket_id, "resolved",
                            closure=Closure("software_update", "Patched the BIOS"))
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, ticket_id)
        dialog = await open_dialog(pilot, "NOC Completed")
        assert dialog.query_one("#code", Select).value == "software_update"
        assert dialog.query_one("#summary", Input).value == "Patched the BIOS"
        await settle(pilot)  # a click on a dialog still being laid out can miss
        await pilot.click("#time-ok")
        await until(pilot, lambda: dialog.query_one("#time-ok", Checkbox).value)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen)
        await settle(pilot)
    assert stored(demo_desk, ticket_id) == (
        "noc_completed", "software_update", "Patched the BIOS", None)


# ---------------------------------------------------------------- close


async def test_close_signs_off_with_notes_and_follow_on(demo_desk: Desk) -> None:
    ticket_id = worked_ticket(demo_desk, StatusCategory.RESOLVED)
    before = ticket_detail(demo_desk, ticket_id)
    assert before.resolution_label and before.closed_by is None
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, ticket_id)
        dialog = await open_dialog(pilot, "Closed")
        assert not dialog.query("#code")  # resolved already: no second resolution
        text = " ".join(str(label.render()) for label in dialog.query(Label))
        assert f"Resolution: {before.resolution_label} — {before.resolution_summary}" in text
        assert f"Signed off by {ME}" in text
        await pilot.press(*"Ordered a spare PSU")  # the notes have the focus
        notes = dialog.query_one("#notes", TextArea)
        await until(pilot, lambda: notes.text == "Ordered a spare PSU")
        await settle(pilot)  # a click on a dialog still being laid out can miss
        await pilot.click("#follow-replacement_ordered")
        await pilot.click("#follow-change_request")
        await until(pilot, lambda: dialog.query_one("#follow-replacement_ordered", Checkbox).value
                    and dialog.query_one("#follow-change_request", Checkbox).value)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: screen.detail is not None
                    and screen.detail.status_key == "closed")
        await settle(pilot)
        assert app.screen is screen
        pane = " ".join(shown(screen.query_one("#resolution", Static)).split())
        assert f"Signed off {ME}" in pane and "Ordered a spare PSU" in pane
        assert "Replacement ordered, Change request" in pane

    after = ticket_detail(demo_desk, ticket_id)
    assert after.status_key == "closed" and after.closed_by == ME
    assert after.closure_notes == "Ordered a spare PSU"
    assert after.follow_on == ("replacement_ordered", "change_request")
    assert after.resolution_label == before.resolution_label  # kept
    assert audit(demo_desk, ticket_id, "closed_by") == [(None, ME, ME)]


async def test_closing_an_unresolved_ticket_asks_for_the_resolution(demo_desk: Desk) -> None:
    ticket_id = fresh_ticket(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, ticket_id)
        dialog = await open_dialog(pilot, "Closed")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "pick a resolution code" in error_of(dialog))
        await pick_code(pilot, dialog, "Dup")
        summary = dialog.query_one("#summary", Input)
        summary.focus()
        await until(pilot, lambda: dialog.focused is summary)
        await pilot.press(*"Same as the outage ticket")
        await until(pilot, lambda: summary.value == "Same as the outage ticket")
        await settle(pilot)  # a click on a dialog still being laid out can miss
        await pilot.click("#time-ok")
        await until(pilot, lambda: dialog.query_one("#time-ok", Checkbox).value)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen)
        await settle(pilot)
    assert stored(demo_desk, ticket_id) == (
        "closed", "duplicate", "Same as the outage ticket", ME)


async def test_a_refused_close_keeps_what_was_typed(demo_desk: Desk) -> None:
    ticket_id = worked_ticket(demo_desk, StatusCategory.RESOLVED)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await open_ticket(app, pilot, ticket_id)
        dialog = await open_dialog(pilot, "Closed")
        await settle(pilot)  # a click on a dialog still being laid out can miss
        await pilot.click("#follow-other")  # "other" needs notes saying what
        await until(pilot, lambda: dialog.query_one("#follow-other", Checkbox).value)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "follow-on 'other' needs closure notes" in error_of(dialog))
        assert app.screen is dialog
        assert dialog.query_one("#follow-other", Checkbox).value
    assert stored(demo_desk, ticket_id)[0] != "closed"


# ---------------------------------------------------------------- snapshots


def _dialog_snapshot(desk: Desk, ticket_id: int, status: str):  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot[None]) -> None:
        screen = await open_ticket(pilot.app, pilot, ticket_id)  # type: ignore[arg-type]
        assert isinstance(screen, TicketScreen)
        await open_dialog(pilot, status)

    return run_before


def test_resolve_dialog_snapshot(snap_compare, demo_desk: Desk) -> None:  # type: ignore[no-untyped-def]
    run_before = _dialog_snapshot(demo_desk, worked_ticket(demo_desk), "Resolved")
    assert snap_compare(make_app(demo_desk), terminal_size=TERMINAL_SIZE, run_before=run_before)


def test_resolve_dialog_snapshot_small_terminal(snap_compare, demo_desk: Desk) -> None:  # type: ignore[no-untyped-def]
    run_before = _dialog_snapshot(demo_desk, fresh_ticket(demo_desk), "Resolved")
    assert snap_compare(make_app(demo_desk), terminal_size=SMALL, run_before=run_before)


def test_close_dialog_snapshot(snap_compare, demo_desk: Desk) -> None:  # type: ignore[no-untyped-def]
    ticket_id = worked_ticket(demo_desk, StatusCategory.RESOLVED)
    run_before = _dialog_snapshot(demo_desk, ticket_id, "Closed")
    assert snap_compare(make_app(demo_desk), terminal_size=TERMINAL_SIZE, run_before=run_before)


def test_a_closed_ticket_shows_its_sign_off_snapshot(snap_compare, demo_desk: Desk) -> None:  # type: ignore[no-untyped-def]
    ticket_id = worked_ticket(demo_desk, StatusCategory.RESOLVED)
    demo_desk.change_status(ticket_id, "closed", closure=Closure(
        notes="Ordered a spare PSU; swap it at the next visit.",
        follow_on=("replacement_ordered", "license_true_up")))

    async def run_before(pilot: Pilot[None]) -> None:
        await open_ticket(pilot.app, pilot, ticket_id)  # type: ignore[arg-type]

    assert snap_compare(make_app(demo_desk), terminal_size=TERMINAL_SIZE, run_before=run_before)
