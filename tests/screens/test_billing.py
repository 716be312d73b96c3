"""Time & invoices (`I`) on the demo desk: a team lead approves a client's time into an
invoice draft; the drafts list (lines, CSV, delete); a technician is refused; snapshots."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select
from textual.widgets import DataTable, Input, Label, Select, Static

from msp_tui.engine.billing import price_cents
from msp_tui.screens.billing import BillingScreen, CsvPathDialog, InvoicesScreen
from msp_tui.screens.dialogs import ConfirmDialog
from msp_tui.services import billing
from msp_tui.services.desk import Desk
from msp_tui.services.tickets import ServiceError
from msp_tui.store.billing_queries import EntryFilter
from msp_tui.store.models import Client, Invoice, Ticket, TimeEntry
from tests.console_app import TERMINAL_SIZE, make_app
from tests.pilot_wait import settle

LEAD = "taylor.reed@demo-msp.example"  # Taylor Reed, the demo's team lead
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))  # "This month" at FIXED_NOW
RATE = 12_000  # 120.00 an hour


def as_lead(desk: Desk) -> Desk:
    desk.me_email = LEAD
    desk._me = None
    return desk


def set_rate(desk: Desk, name: str, cents: int = RATE) -> int:
    with desk.db.session() as s:
        client = s.exec(select(Client).where(Client.name == name)).one()
        client.hourly_rate_cents = cents
        s.add(client)
        return client.id  # type: ignore[return-value]


def client_entries(desk: Desk, client_id: int) -> list[TimeEntry]:
    with desk.db.session() as s:
        return list(s.exec(
            select(TimeEntry).join(Ticket, Ticket.id == TimeEntry.ticket_id)  # type: ignore[arg-type]
            .where(Ticket.client_id == client_id,
                   TimeEntry.work_date >= NOVEMBER[0], TimeEntry.work_date <= NOVEMBER[1])
            .order_by(TimeEntry.work_date, TimeEntry.id)  # type: ignore[arg-type]
        ).all())


async def open_billing(pilot) -> BillingScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("I")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, BillingScreen)
    return screen


def toasts(pilot) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(n.message) for n in pilot.app._notifications]


async def test_approve_time_into_an_invoice_draft(demo_desk: Desk) -> None:
    as_lead(demo_desk)
    tailspin = set_rate(demo_desk, "Tailspin Logistics")
    entries = client_entries(demo_desk, tailspin)
    assert entries and not any(e.approved for e in entries)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_billing(pilot)
        assert (screen.period.start, screen.period.end) == NOVEMBER
        assert "November 2026" in str(screen.query_one("#status", Static).content)
        assert len({r.client for r in screen.rows}) > 1  # every client's time at first

        screen.query_one("#client", Select).value = tailspin
        await settle(pilot)
        assert [r.id for r in screen.rows] == [e.id for e in entries]
        screen.query_one("#entries", DataTable).focus()
        await pilot.press("a")  # mark every unapproved entry shown
        assert screen.marked == {e.id for e in entries}
        table = screen.query_one("#entries", DataTable)
        assert str(table.get_row_at(0)[0]) == "●"
        await pilot.press("A")
        await settle(pilot)
        assert all(e.approved for e in client_entries(demo_desk, tailspin))
        assert all(r.state == "approved" for r in screen.rows)
        assert screen.marked == set()

        billable = sum(e.minutes for e in entries if e.billable)
        amount = price_cents(billable, RATE)
        side = screen.query_one("#clients", DataTable)
        assert [str(c) for c in side.get_row_at(0)] == [
            "Tailspin Logistics", "0", f"{billable / 60:.2f}",
            f"{amount // 100:,}.{amount % 100:02d}"]

        await pilot.press("N")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert dialog.question == "New invoice draft for Tailspin Logistics, November 2026?"
        assert f"Billable: {billable / 60:.2f} h × 120.00 = {amount // 100:,}." in dialog.detail
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen

        with demo_desk.db.session() as s:
            invoice = s.exec(select(Invoice)).one()
        assert (invoice.number, invoice.client_id, invoice.period_start, invoice.period_end,
                invoice.state) == (1, tailspin, *NOVEMBER, "draft")
        assert (invoice.billable_minutes, invoice.non_billable_minutes, invoice.rate_cents,
                invoice.amount_cents) == (billable, 0, RATE, amount)
        assert all(e.invoice_id == invoice.id for e in client_entries(demo_desk, tailspin))
        assert all(str(r.state) == "invoiced" for r in screen.rows)
        assert str(table.get_row_at(0)[-1]) == "▣ draft 1"
        assert any("Invoice draft 1 for Tailspin Logistics" in t for t in toasts(pilot))

        # Now locked: not editable, and the approval cannot be withdrawn from the screen.
        with pytest.raises(ServiceError, match=rf"entry {entries[0].id} is on invoice draft 1"):
            billing.update_time_entry(demo_desk, entries[0].id, minutes=1)
        await pilot.press("U")
        await settle(pilot)
        assert any(f"entry {entries[0].id} is on invoice draft 1" in t for t in toasts(pilot))
        assert all(e.approved for e in client_entries(demo_desk, tailspin))


async def test_a_draft_with_unapproved_time_says_how_many_it_leaves_out(
    demo_desk: Desk,
) -> None:
    as_lead(demo_desk)
    northwind = set_rate(demo_desk, "Northwind Health", 0)  # fixed monthly
    entries = client_entries(demo_desk, northwind)
    billing.approve(demo_desk, [e.id for e in entries[:-3]])
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_billing(pilot)
        screen.query_one("#client", Select).value = northwind
        await settle(pilot)
        await pilot.press("N")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert "3 entries of the period not approved yet will be left out" in dialog.detail
        assert dialog.yes == "Create, skip 3"
        await pilot.press("y")
        await settle(pilot)
    with demo_desk.db.session() as s:
        invoice = s.exec(select(Invoice)).one()
    assert (invoice.billable_minutes, invoice.amount_cents) == (0, 0)
    assert invoice.non_billable_minutes == sum(e.minutes for e in entries[:-3])
    assert [e.invoice_id is None for e in client_entries(demo_desk, northwind)] == (
        [False] * (len(entries) - 3) + [True] * 3)


async def test_custom_period_and_a_bad_date(demo_desk: Desk) -> None:
    as_lead(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_billing(pilot)
        start = screen.query_one("#from", Input)
        start.value = "2026-11-02"
        screen.query_one("#to", Input).value = "2026-11-03"
        start.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert screen.query_one("#period", Select).value == "custom"
        assert {r.work_date for r in screen.rows} <= {date(2026, 11, 2), date(2026, 11, 3)}
        assert screen.rows

        start.value = "2026-13-01"
        start.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert any("from date '2026-13-01' is not a date" in t for t in toasts(pilot))
        assert start.value == "2026-13-01"  # kept as typed
        assert (screen.period.start, screen.period.end) == (date(2026, 11, 2),
                                                            date(2026, 11, 3))

        screen.query_one("#period", Select).value = "last"
        await settle(pilot)
        assert (screen.period.start, screen.period.end) == (date(2026, 10, 1),
                                                            date(2026, 10, 31))
        assert screen.query_one("#from", Input).value == "2026-10-01"


async def test_a_technician_is_refused(demo_desk: Desk) -> None:
    app = make_app(demo_desk)  # me: Alex Morgan, a technician
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_billing(pilot)
        text = str(screen.query_one("#denied", Static).content)
        assert ("Approving time and making invoices is for team leads, operations managers, "
                "directors and admins; this console is Alex Morgan (technician).") in text
        assert not screen.query("#entries")
        await pilot.press("A", "N", "V")
        await settle(pilot)
        assert app.screen is screen


def _draft(desk: Desk, name: str = "Tailspin Logistics", rate: int = RATE) -> int:
    cid = set_rate(desk, name, rate)
    ids = [r.id for r in billing.entries(desk, EntryFilter(*NOVEMBER, client_id=cid))]
    billing.approve(desk, ids)
    return billing.create_draft(desk, cid, billing.Period(*NOVEMBER)).id


async def test_invoices_lines_csv_and_delete(demo_desk: Desk, tmp_path: Path) -> None:
    as_lead(demo_desk)
    invoice_id = _draft(demo_desk)
    row = billing.invoice(demo_desk, invoice_id)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await open_billing(pilot)
        await pilot.press("V")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InvoicesScreen)
        cells = [str(c) for c in screen.query_one("#invoices", DataTable).get_row_at(0)]
        assert cells[:5] == ["1", "Tailspin Logistics", "November 2026", "draft",
                             str(row.entries)]
        await pilot.press("enter")
        await settle(pilot)
        lines = screen.query_one("#lines", DataTable)
        assert lines.row_count == row.entries
        assert "Draft 1 · Tailspin Logistics · November 2026" in str(
            screen.query_one("#lines-title", Label).content)

        await pilot.press("s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CsvPathDialog)
        field = dialog.query_one("#path", Input)
        assert field.value.endswith("invoices/invoice-1-tailspin-logistics-2026-11.csv")
        target = tmp_path / "exports" / "tailspin.csv"
        field.value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
        assert rows[0] == ["date", "ticket", "technician", "minutes", "hours", "billable",
                           "rate", "amount"]
        assert len(rows) == 1 + row.entries + 3
        assert rows[-1][0] == "total" and rows[-1][-1] == f"{row.amount_cents / 100:.2f}"
        assert sum(round(float(r[-1]) * 100) for r in rows[1:-3]) == row.amount_cents

        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert screen.rows == []
        assert lines.row_count == 0
    with demo_desk.db.session() as s:
        assert s.exec(select(Invoice)).all() == []
        linked = s.exec(select(TimeEntry).where(TimeEntry.invoice_id.is_not(None))).all()  # type: ignore[union-attr]
        assert linked == []


def test_billing_screen_snapshot(demo_desk: Desk, snap_compare) -> None:  # type: ignore[no-untyped-def]
    as_lead(demo_desk)
    set_rate(demo_desk, "Adatum Finance", 15_000)
    first = billing.entries(demo_desk, EntryFilter(*NOVEMBER))
    billing.approve(demo_desk, [r.id for r in first[:4]])
    _draft(demo_desk, "Northwind Health", 0)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("I")
        await settle(pilot)
        await pilot.press("j", "j", "j", "j", "space", "space")
        await settle(pilot)

    assert snap_compare(make_app(demo_desk), terminal_size=TERMINAL_SIZE, run_before=run_before)


def test_invoice_view_snapshot(demo_desk: Desk, snap_compare) -> None:  # type: ignore[no-untyped-def]
    as_lead(demo_desk)
    _draft(demo_desk, "Northwind Health", 0)
    _draft(demo_desk, "Tailspin Logistics")

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("I")
        await settle(pilot)
        await pilot.press("V")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(demo_desk), terminal_size=TERMINAL_SIZE, run_before=run_before)
