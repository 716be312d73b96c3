"""The clients settings screen: marks and the bulk SLA update, the editor, its refusals."""

from __future__ import annotations

import pytest
from sqlmodel import select
from textual.widgets import Button, Checkbox, DataTable, Input, Select, Static, TabbedContent

from msp_tui.screens.settings.clients import (
    MARK,
    BulkProfileDialog,
    ClientEditorScreen,
    ClientRecordDialog,
    ClientsScreen,
)
from msp_tui.services import client_admin as ca
from msp_tui.services.desk import Desk
from msp_tui.store.client_queries import ClientRow
from msp_tui.store.models import AuditEvent, Client, Contact, SlaProfile, Status, Ticket
from tests.console_app import TERMINAL_SIZE, make_app
from tests.pilot_wait import settle, until

ADMIN = "jamie.fox@demo-msp.example"


def _as_admin(desk: Desk) -> Desk:
    desk.me_email = ADMIN
    desk._me = None
    return desk


async def open_clients(pilot) -> ClientsScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("C")
    await settle(pilot)
    await pilot.press("l")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ClientsScreen)
    return screen


def _column(table: DataTable, index: int) -> list[str]:  # type: ignore[type-arg]
    return [str(table.get_row_at(i)[index]) for i in range(table.row_count)]


async def test_bulk_sla_update_marks_previews_and_applies(demo_desk: Desk) -> None:
    _as_admin(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_clients(pilot)
        table = screen.query_one("#clients", DataTable)
        names = _column(table, 1)
        assert names[:2] == ["Adatum Finance", "Alpine Bakery"]
        await pilot.press("space", "space", "down", "space")  # Adatum, Alpine, (skip), Contoso
        assert _column(table, 0)[:4] == [MARK, MARK, "", MARK]
        marked = {names[0], names[1], names[3]}
        await pilot.press("B")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, BulkProfileDialog)
        with demo_desk.db.session() as s:
            standard = s.exec(select(SlaProfile.id).where(SlaProfile.name == "Standard")).one()
        dialog.query_one("#bulk_profile", Select).value = str(standard)
        await settle(pilot)  # a click on a dialog still being laid out can miss
        await pilot.click("#bulk_reapply")  # a user ticks it with the mouse
        await settle(pilot)
        assert dialog.query_one("#bulk_reapply", Checkbox).value
        assert dialog.query_one("#apply", Button).disabled
        # not clicks: on a loaded machine a click may land on a widget still being laid out
        dialog.query_one("#preview", Button).press()
        await until(pilot, lambda: dialog.previewed is not None)
        preview = str(dialog.query_one("#bulk_preview", Static).render())
        assert preview.startswith("3 clients to Standard: 2 change profile, 1 already on it")
        assert "re-applied to Standard" in preview and "due instant" in preview
        assert not dialog.query_one("#apply", Button).disabled
        dialog.query_one("#apply", Button).press()
        await until(pilot, lambda: app.screen is screen)
        await settle(pilot)
        assert app.screen is screen
        assert _column(table, 0)[:4] == ["", "", "", ""]  # marks cleared after applying
        profiles = dict(zip(_column(table, 1), _column(table, 2), strict=True))
        assert {profiles[n] for n in marked} == {"Standard"}
        assert profiles["Blue Yonder Consulting"] == "No SLA"
    with demo_desk.db.session() as s:
        clients = s.exec(select(Client).where(Client.name.in_(marked))).all()  # type: ignore[attr-defined]
        assert {c.sla_profile_id for c in clients} == {standard}
        on_standard = s.exec(
            select(Ticket.sla_profile_id).join(Status, Status.id == Ticket.status_id)  # type: ignore[arg-type]
            .where(Ticket.client_id.in_([c.id for c in clients]),  # type: ignore[union-attr]
                   Status.category == "open", Ticket.sla_profile_id.is_not(None))  # type: ignore[union-attr]
        ).all()
        assert on_standard and set(on_standard) == {standard}  # re-applied
        assert len(s.exec(select(AuditEvent).where(
            AuditEvent.entity == "client", AuditEvent.field == "sla_profile")).all()) == 2


async def test_editing_a_contact_with_a_duplicate_email_is_refused(demo_desk: Desk) -> None:
    _as_admin(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_clients(pilot)
        table = screen.query_one("#clients", DataTable)
        table.move_cursor(row=_column(table, 1).index("Alpine Bakery"))
        await pilot.press("enter")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, ClientEditorScreen)
        editor.query_one("#tabs", TabbedContent).active = "tab-contacts"
        await pilot.pause()
        editor.query_one("#contacts", DataTable).focus()
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ClientRecordDialog)
        email = dialog.query_one("#email", Input)
        assert email.value == "tom.becker@alpine-bakery.example"
        email.value = "Hannah.Cole@contoso-legal.example"
        email.focus()
        await pilot.press("enter")  # enter in a field saves, like the OK button
        await pilot.pause()
        assert app.screen is dialog  # kept open with what was typed
        assert dialog.query_one("#email", Input).value == "Hannah.Cole@contoso-legal.example"
        errors = [str(n.message) for n in app._notifications if n.severity == "error"]
        assert errors == [
            "hannah.cole@contoso-legal.example is already the email of Hannah Cole "
            "(Contoso Legal)"
        ]
        email.value = "tom@alpine-bakery.example"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is editor
        assert "tom@alpine-bakery.example" in _column(editor.query_one("#contacts", DataTable), 1)
    with demo_desk.db.session() as s:
        tom = s.exec(select(Contact).where(Contact.name == "Tom Becker")).one()
        assert tom.email == "tom@alpine-bakery.example"


async def test_new_client_then_a_domain_and_an_invalid_save(demo_desk: Desk) -> None:
    _as_admin(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await open_clients(pilot)
        await pilot.press("n")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, ClientEditorScreen)
        editor.query_one("#name", Input).value = "Coho Winery"
        editor.query_one("#rate", Input).value = "abc"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert editor.client_id is None
        assert editor.query_one("#rate", Input).value == "abc"  # the form keeps it
        errors = [str(n.message) for n in app._notifications if n.severity == "error"]
        assert errors == ["hourly rate 'abc' is not an amount like 150 or 149.50"]
        editor.query_one("#rate", Input).value = "120"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert editor.client_id is not None
        editor.query_one("#tabs", TabbedContent).active = "tab-domains"
        await pilot.pause()
        box = editor.query_one("#new_domain", Input)
        box.focus()
        box.value = "coho-winery.example"
        await pilot.press("enter")
        await settle(pilot)
        assert _column(editor.query_one("#domains", DataTable), 0) == ["coho-winery.example"]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ClientsScreen)
        assert "Coho Winery" in _column(app.screen.query_one("#clients", DataTable), 1)


# ---------------------------------------------------------------- snapshots


def test_clients_list_snapshot_with_marks(demo_desk: Desk, snap_compare) -> None:  # type: ignore[no-untyped-def]
    _as_admin(demo_desk)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await open_clients(pilot)
        await pilot.press("space", "down", "space", "space")
        await settle(pilot)

    assert snap_compare(make_app(demo_desk), terminal_size=TERMINAL_SIZE, run_before=run_before)


def _editor_snapshot(tab: str):  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        screen = await open_clients(pilot)
        table = screen.query_one("#clients", DataTable)
        table.move_cursor(row=_column(table, 1).index("Northwind Health"))
        await pilot.press("enter")
        await settle(pilot)
        pilot.app.screen.query_one("#tabs", TabbedContent).active = tab
        await settle(pilot)
        if tab == "tab-contacts":
            pilot.app.screen.query_one("#contacts", DataTable).focus()
        await settle(pilot)

    return run_before


def test_client_editor_details_snapshot(demo_desk: Desk, snap_compare) -> None:  # type: ignore[no-untyped-def]
    _as_admin(demo_desk)
    assert snap_compare(make_app(demo_desk), terminal_size=TERMINAL_SIZE,
                        run_before=_editor_snapshot("tab-details"))


def test_client_editor_contacts_snapshot(demo_desk: Desk, snap_compare) -> None:  # type: ignore[no-untyped-def]
    _as_admin(demo_desk)
    assert snap_compare(make_app(demo_desk), terminal_size=TERMINAL_SIZE,
                        run_before=_editor_snapshot("tab-contacts"))


def test_bulk_dialog_with_preview_snapshot(demo_desk: Desk, snap_compare) -> None:  # type: ignore[no-untyped-def]
    _as_admin(demo_desk)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await open_clients(pilot)
        await pilot.press("space", "space", "space")
        await pilot.press("B")
        await settle(pilot)
        dialog = pilot.app.screen
        with demo_desk.db.session() as s:
            gold = s.exec(select(SlaProfile.id).where(SlaProfile.name == "Gold")).one()
        dialog.query_one("#bulk_profile", Select).value = str(gold)
        await settle(pilot)  # a click on a dialog still being laid out can miss
        await pilot.click("#bulk_reapply")
        await settle(pilot)
        # a click (not press()): the picture shows the button as the mouse left it
        await pilot.click("#preview")
        await until(pilot, lambda: dialog.previewed is not None)  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(make_app(demo_desk), terminal_size=TERMINAL_SIZE, run_before=run_before)


async def test_escalation_contact_dialog_names_bad_windows(demo_desk: Desk) -> None:
    _as_admin(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_clients(pilot)
        table = screen.query_one("#clients", DataTable)
        table.move_cursor(row=_column(table, 1).index("Alpine Bakery"))
        await pilot.press("e")
        await settle(pilot)
        editor = app.screen
        editor.query_one("#tabs", TabbedContent).active = "tab-escalation"
        await pilot.pause()
        editor.query_one("#escalations", DataTable).focus()
        await pilot.press("n")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ClientRecordDialog)
        dialog.query_one("#name", Input).value = "Night line"
        dialog.query_one("#phones", Input).value = "+1 845 555 0190"
        windows = dialog.query_one("#windows", Input)
        windows.value = "Daily 18:00-08:00 Europe/Pariss"
        windows.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog
        assert [str(n.message) for n in app._notifications] == [
            "window 1: unknown time zone 'Europe/Pariss'"]
        windows.value = "Daily 18:00-08:00 Europe/Paris"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is editor
        rows = editor.query_one("#escalations", DataTable)
        assert [str(c) for c in rows.get_row_at(rows.row_count - 1)] == [
            "2", "Night line", "+1 845 555 0190", "", "Daily 18:00-08:00 Europe/Paris"]
        rows.move_cursor(row=1)
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert str(rows.get_row_at(0)[1]) == "Night line"
        assert rows.cursor_row == 0  # the cursor follows the moved contact


async def test_typing_a_filter_narrows_the_loaded_list_without_reading_again(
    demo_desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each keystroke filters the clients already read; only a reload reads the database."""
    _as_admin(demo_desk)
    expected = [c.name for c in ca.list_clients(demo_desk, "AL")]  # the database's own filter
    real = ca.list_clients
    reads: list[str] = []

    def counted(desk: Desk, name_contains: str = "") -> list[ClientRow]:
        reads.append(name_contains)
        return real(desk, name_contains)

    monkeypatch.setattr(ca, "list_clients", counted)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_clients(pilot)
        table = screen.query_one("#clients", DataTable)
        every = _column(table, 1)
        assert len(reads) == 1 and len(every) > len(expected) > 1
        await pilot.press("slash", "a", "L")
        await until(pilot, lambda: table.row_count == len(expected))
        assert [n.removesuffix(" (inactive)") for n in _column(table, 1)] == expected
        assert str(screen.query_one("#summary").render()).startswith(f"{len(expected)} clients")
        assert len(reads) == 1  # two keystrokes, no read
        await pilot.press("backspace", "backspace")
        await until(pilot, lambda: table.row_count == len(every))
        await pilot.press("ctrl+r")
        await until(pilot, lambda: len(reads) == 2)
        assert reads == ["", ""]
