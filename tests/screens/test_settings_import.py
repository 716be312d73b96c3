"""Settings › Import from CSV: the form, the error table, the progress bar, the result."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from textual.widgets import DataTable, Input, ProgressBar, Select, Static

from msp_tui.app import MspApp
from msp_tui.screens.settings.csv_import import ImportScreen
from msp_tui.screens.settings.hub import SettingsScreen
from msp_tui.services import csv_import as svc
from msp_tui.services.desk import Desk
from msp_tui.store.models import Client, Contact, ImportBatch, Ticket
from tests.console_app import TERMINAL_SIZE, make_app
from tests.pilot_wait import settle, until

DATA = Path(__file__).resolve().parents[1] / "data" / "csv"
ADMIN = "jamie.fox@demo-msp.example"


@pytest.fixture
def admin(demo_desk: Desk, monkeypatch: pytest.MonkeyPatch) -> Desk:
    demo_desk.me_email = ADMIN
    demo_desk._me = None
    ticks = iter([100.0, 100.8])  # the import "takes" 0.8 s: snapshots stay stable
    monkeypatch.setattr(svc, "_timer", lambda: next(ticks))
    return demo_desk


async def open_import(pilot) -> ImportScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("C")
    await until(pilot, lambda: isinstance(pilot.app.screen, SettingsScreen))
    await pilot.press("i")
    await until(pilot, lambda: isinstance(pilot.app.screen, ImportScreen))
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ImportScreen)
    return screen


async def fill(pilot, entity: str, preset: str, path: Path | str,
               zone: str = "America/New_York"
               ) -> ImportScreen:  # type: ignore[no-untyped-def]
    screen = await open_import(pilot)
    for box in screen.query(Input):
        box.cursor_blink = False  # a blinking cursor makes snapshots flaky
    screen.query_one("#entity", Select).value = entity
    screen.query_one("#preset", Select).value = preset
    await settle(pilot)
    screen.query_one("#path", Input).value = str(path)
    screen.query_one("#zone", Input).value = zone
    await pilot.press("f2")
    await settle(pilot)
    return screen


def count(desk: Desk, table: type) -> int:
    with desk.db.session() as s:
        return int(s.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def cells(table: DataTable) -> list[list[str]]:  # type: ignore[type-arg]
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_import_with_a_bad_row(admin: Desk) -> None:
    """Nothing imported, and the error table names the row and the column."""
    contacts, batches = count(admin, Contact), count(admin, ImportBatch)
    app = make_app(admin)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await fill(pilot, "contacts", "connectwise",
                            DATA / "edge" / "contacts_bad_row.csv")
        preview = screen.query_one("#preview", DataTable)
        assert [str(c.label) for c in preview.columns.values()] == [
            "Field", "Row 2", "Row 3", "Row 4", "Row 5"]
        assert ["Email", "mia.lopez@c…", "noah.reed@c…", "bob@", "zara.khan@f…"] in \
            cells(preview)
        assert screen.query_one("#map-email", Select).value == "Email"
        await pilot.press("f5")
        await settle(pilot)
        errors = screen.query_one("#errors", DataTable)
        assert errors.display
        assert cells(errors) == [["4", "Email", "'bob@' is not an email address"]]
        result = str(screen.query_one("#result", Static).render())
        assert "Nothing was imported: 1 problem" in result
        await pilot.press("f6")
        await settle(pilot)
    assert (count(admin, Contact), count(admin, ImportBatch)) == (contacts, batches)
    report = DATA / "edge" / "contacts_bad_row.errors.csv"
    try:
        assert "4,Email,'bob@' is not an email address" in report.read_text("utf-8-sig")
    finally:
        report.unlink(missing_ok=True)


async def test_good_import_fills_the_progress_bar(admin: Desk) -> None:
    clients = count(admin, Client)
    app = make_app(admin)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await fill(pilot, "clients", "halo", DATA / "halo" / "clients.csv")
        assert screen.query_one("#map-vip", Select).value == "Is VIP"  # fuzzy
        await pilot.press("f5")
        await settle(pilot)
        bar = screen.query_one("#progress", ProgressBar)
        assert bar.percentage == 1.0
        assert "Imported 3 clients in 0.8 s" in str(screen.query_one("#result", Static).render())
    assert count(admin, Client) == clients + 3


async def test_remapping_a_field_by_hand(admin: Desk, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("Org,Home page\nBrightside Ltd,brightside.example\n")
    app = make_app(admin)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await fill(pilot, "clients", "custom", path)
        assert screen.query_one("#map-name", Select).value is Select.NULL
        status = str(screen.query_one("#status").render())
        assert "no column for 'Name' (clients.name)" in status
        screen.query_one("#map-name", Select).value = "Org"
        await settle(pilot)
        assert cells(screen.query_one("#preview", DataTable))[0] == ["Name", "Brightside …"]
        await pilot.press("f5")
        await settle(pilot)
    with admin.db.session() as s:
        assert s.execute(sa.select(Client.id).where(Client.name == "Brightside Ltd")).first()


async def test_a_dotnet_empty_date_is_a_row_error_not_a_stuck_screen(admin: Desk,
                                                                     tmp_path: Path) -> None:
    """01/01/0001 in Sydney falls before year 1 in UTC: a row error, and F5 works again."""
    path = tmp_path / "tickets.csv"
    path.write_text("Ticket #,Summary,Company,Priority,Status,Date Entered,Closed Date\r\n"
                    "99002,Old,Contoso Legal,Low,Closed,10/02/2026 9:12 AM,"
                    "01/01/0001 12:00:00 AM\r\n")
    app = make_app(admin)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await fill(pilot, "tickets", "connectwise", path, zone="Australia/Sydney")
        await pilot.press("f5")
        await settle(pilot)
        assert screen.running is False
        assert cells(screen.query_one("#errors", DataTable))[0][:2] == ["2", "Closed Date"]
        assert screen.check_action("run_import", ()) is True


async def test_an_unexpected_error_is_shown_and_the_screen_recovers(
        admin: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault injection: whatever escapes the service is shown and F2/F5 work again."""
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    app = make_app(admin)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await fill(pilot, "clients", "halo", DATA / "halo" / "clients.csv")
        monkeypatch.setattr(svc, "run_import", broken)
        await pilot.press("f5")
        await settle(pilot)
        assert screen.running is False
        result = str(screen.query_one("#result", Static).render())
        assert "The import stopped: RuntimeError: disk on fire" in result
        assert screen.query_one("#progress-row").display is False
        assert screen.check_action("run_import", ()) is True
        monkeypatch.setattr(svc, "preview", broken)
        await pilot.press("f2")
        await settle(pilot)
        assert "Cannot preview: RuntimeError: disk on fire" in \
            str(screen.query_one("#result", Static).render())


async def test_a_custom_file_imported_day_first(admin: Desk,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The preset proposes its date order; the custom default (month first) refuses a
    day-first file naming the row, and choosing day first imports it with 3 April."""
    path = DATA / "edge" / "tickets_day_first.csv"
    app = make_app(admin)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await fill(pilot, "tickets", "halo", path, zone="UTC")
        order = screen.query_one("#date-order", Select)
        assert order.value == "DMY"  # HaloPSA writes day first
        screen.query_one("#preset", Select).value = "custom"
        await settle(pilot)
        assert order.value == "MDY"
        await pilot.press("f2")
        await settle(pilot)
        status = str(screen.query_one("#status").render())
        assert "column 'Date Logged': the file writes dates day first; choose 'day first'" \
            in status
        await pilot.press("f5")
        await settle(pilot)
        assert cells(screen.query_one("#errors", DataTable)) == [[
            "3", "Date Logged", "the file writes dates day first; choose 'day first' "
            "('13/04/2026 08:30' cannot be month first, which Custom mapping assumes)"]]
        order.value = "DMY"
        await settle(pilot)  # the preview re-checks the dates: no problem left
        assert "dates" not in str(screen.query_one("#status").render())
        assert screen.query_one("#preview", DataTable).display
        monkeypatch.setattr(svc, "_timer", iter([0.0, 0.5]).__next__)  # the refusal took one
        await pilot.press("f5")
        await settle(pilot)
        assert "Imported 3 tickets" in str(screen.query_one("#result", Static).render())
    with admin.db.session() as s:
        created = s.execute(sa.select(Ticket.created_at).where(
            Ticket.subject.like("[Import #71001]%"))).scalar_one()  # type: ignore[attr-defined]
    assert created == datetime(2026, 4, 3, 9, 15, tzinfo=UTC)


async def test_technicians_never_reach_the_screen(demo_desk: Desk) -> None:
    app: MspApp = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        await pilot.press("C")
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert not isinstance(app.screen, ImportScreen)


# ---------------------------------------------------------------- snapshots


REPO = Path(__file__).resolve().parents[2]


def _snap_app(admin: Desk, monkeypatch: pytest.MonkeyPatch) -> MspApp:
    """Paths relative to the repository, so the snapshot does not show the checkout."""
    monkeypatch.chdir(REPO)
    return make_app(admin)


def test_snapshot_form(admin: Desk, snap_compare, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await fill(pilot, "tickets", "connectwise",
                   "tests/data/csv/connectwise/service_tickets.csv")

    assert snap_compare(_snap_app(admin, monkeypatch), terminal_size=TERMINAL_SIZE,
                        run_before=run_before)


def test_snapshot_error_report(admin: Desk, snap_compare,
                               monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await fill(pilot, "contacts", "connectwise", "tests/data/csv/edge/contacts_bad_row.csv")
        await pilot.press("f5")
        await settle(pilot)

    assert snap_compare(_snap_app(admin, monkeypatch), terminal_size=TERMINAL_SIZE,
                        run_before=run_before)


def test_snapshot_success(admin: Desk, snap_compare, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await fill(pilot, "clients", "halo", "tests/data/csv/halo/clients.csv")
        await pilot.press("f5")
        await settle(pilot)
        pilot.app.clear_notifications()
        await settle(pilot)

    assert snap_compare(_snap_app(admin, monkeypatch), terminal_size=TERMINAL_SIZE,
                        run_before=run_before)
