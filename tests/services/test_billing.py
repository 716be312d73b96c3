"""Time approval and invoice drafts on the demo desk: who may, what locks, what a draft
takes, totals and rate, fixed monthly, deleting a draft, the CSV, the audit trail."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from msp_tui.engine.billing import EntryState, Period
from msp_tui.services import billing
from msp_tui.services import tickets as svc
from msp_tui.services.desk import Desk
from msp_tui.services.tickets import ServiceError
from msp_tui.store.billing_queries import EntryFilter
from msp_tui.store.db import Database, read_change_seq
from msp_tui.store.models import AuditEvent, Client, Invoice, Technician, Ticket, TimeEntry
from tests.conftest import FIXED_NOW

LEAD = "taylor.reed@demo-msp.example"
TECH = "alex.morgan@demo-msp.example"
# The demo's time starts in October: September is ours alone.
SEPT = Period(date(2026, 9, 1), date(2026, 9, 30))


def act_as(desk: Desk, email: str) -> None:
    desk.me_email = email
    desk._me = None


def client_id(desk: Desk, name: str, *, rate_cents: int | None = None) -> int:
    with desk.db.session() as s:
        client = s.exec(select(Client).where(Client.name == name)).one()
        if rate_cents is not None:
            client.hourly_rate_cents = rate_cents
            s.add(client)
        return client.id  # type: ignore[return-value]


def log(desk: Desk, client: int, *specs: tuple[date, int, bool]) -> list[int]:
    """Time entries logged by Alex Morgan (a technician) on one of the client's tickets."""
    with desk.db.session() as s:
        ticket = s.exec(select(Ticket).where(Ticket.client_id == client)
                        .order_by(Ticket.number)).first()  # type: ignore[arg-type]
        alex = s.exec(select(Technician).where(Technician.email == TECH)).one()
        assert ticket is not None
        made = [svc.log_time(s, ticket, technician_id=alex.id, minutes=m, billable=b,  # type: ignore[arg-type]
                             work_date=d, at=FIXED_NOW) for d, m, b in specs]
        s.flush()
        return [e.id for e in made]  # type: ignore[misc]


def entry(desk: Desk, entry_id: int) -> TimeEntry:
    with desk.db.session() as s:
        found = s.get(TimeEntry, entry_id)
        assert found is not None
        return found


def seq(desk: Desk) -> int:
    with desk.db.session() as s:
        return read_change_seq(s)


def audit_rows(desk: Desk, entity: str, entity_id: int) -> list[tuple[str, str | None, str | None,
                                                                      str]]:
    with desk.db.session() as s:
        rows = s.exec(select(AuditEvent).where(AuditEvent.entity == entity,
                                               AuditEvent.entity_id == entity_id)
                      .order_by(AuditEvent.id)).all()  # type: ignore[arg-type]
        return [(r.field, r.old_value, r.new_value, r.actor) for r in rows]


@pytest.fixture
def lead_desk(demo_desk: Desk) -> Desk:
    act_as(demo_desk, LEAD)
    return demo_desk


def test_a_technician_is_refused_clearly_and_nothing_changes(demo_desk: Desk) -> None:
    tailspin = client_id(demo_desk, "Tailspin Logistics", rate_cents=12_000)
    ids = log(demo_desk, tailspin, (date(2026, 9, 2), 60, True))
    before = seq(demo_desk)
    expected = ("approving time and making invoices is for team leads, operations managers, "
                "directors and admins; this console is Alex Morgan (technician)")
    for call in (
        lambda: billing.approve(demo_desk, ids),
        lambda: billing.unapprove(demo_desk, ids),
        lambda: billing.create_draft(demo_desk, tailspin, SEPT),
        lambda: billing.entries(demo_desk, EntryFilter(SEPT.start, SEPT.end)),
        lambda: billing.invoices(demo_desk),
    ):
        with pytest.raises(ServiceError) as caught:
            call()
        assert str(caught.value) == expected
    assert not entry(demo_desk, ids[0]).approved
    assert seq(demo_desk) == before
    assert not billing.may_bill(demo_desk)
    for email in (LEAD, "riley.chen@demo-msp.example", "drew.patel@demo-msp.example",
                  "jamie.fox@demo-msp.example"):
        act_as(demo_desk, email)
        assert billing.may_bill(demo_desk), email


def test_approving_many_at_once_locks_stamps_audits_and_bumps(lead_desk: Desk) -> None:
    tailspin = client_id(lead_desk, "Tailspin Logistics")
    ids = log(lead_desk, tailspin, (date(2026, 9, 2), 60, True), (date(2026, 9, 3), 30, True))
    before = seq(lead_desk)
    assert billing.approve(lead_desk, ids) == 2
    assert seq(lead_desk) == before + 1  # one transaction
    lead = lead_desk.me()
    assert lead is not None
    for entry_id in ids:
        e = entry(lead_desk, entry_id)
        assert e.approved and e.approved_by_id == lead.id and e.approved_at == FIXED_NOW
        assert audit_rows(lead_desk, "time_entry", entry_id) == [
            ("approved", "False", "True", "Taylor Reed")]
    assert billing.approve(lead_desk, ids) == 0  # already approved: left as they are
    assert seq(lead_desk) == before + 1

    rows = billing.entries(lead_desk, EntryFilter(SEPT.start, SEPT.end, state=
                                                  EntryState.APPROVED))
    assert [(r.id, r.approved_by, r.client, r.technician) for r in rows] == [
        (i, "Taylor Reed", "Tailspin Logistics", "Alex Morgan") for i in ids]


def test_approval_is_all_or_nothing(lead_desk: Desk) -> None:
    tailspin = client_id(lead_desk, "Tailspin Logistics")
    ids = log(lead_desk, tailspin, (date(2026, 9, 2), 60, True))
    with pytest.raises(ServiceError, match=r"^no time entry 999998; no time entry 999999$"):
        billing.approve(lead_desk, [ids[0], 999_999, 999_998])
    assert not entry(lead_desk, ids[0]).approved


def test_approved_entries_are_locked_until_unapproved(lead_desk: Desk) -> None:
    tailspin = client_id(lead_desk, "Tailspin Logistics")
    ids = log(lead_desk, tailspin, (date(2026, 9, 2), 60, True), (date(2026, 9, 3), 15, True))
    billing.approve(lead_desk, ids[:1])
    act_as(lead_desk, TECH)  # the technician who logged them
    with pytest.raises(ServiceError, match=rf"entry {ids[0]} is approved by Taylor Reed on "
                       r"2026-11-24 and locked: withdraw the approval first"):
        billing.update_time_entry(lead_desk, ids[0], minutes=45)
    with pytest.raises(ServiceError, match="locked"):
        billing.delete_time_entry(lead_desk, ids[0])
    assert entry(lead_desk, ids[0]).minutes == 60

    # Unapproved: the technician corrects it, audited per field; and may delete it.
    billing.update_time_entry(lead_desk, ids[1], minutes=20, note="Call with the vendor")
    e = entry(lead_desk, ids[1])
    assert (e.minutes, e.note) == (20, "Call with the vendor")
    assert audit_rows(lead_desk, "time_entry", ids[1]) == [
        ("minutes", "15", "20", "Alex Morgan"),
        ("note", "", "Call with the vendor", "Alex Morgan"),
    ]
    # Someone else's entry: not a technician's to change.
    act_as(lead_desk, "priya.shah@demo-msp.example")
    with pytest.raises(ServiceError, match="only Alex Morgan or a team lead may change"):
        billing.delete_time_entry(lead_desk, ids[1])
    act_as(lead_desk, TECH)
    billing.delete_time_entry(lead_desk, ids[1], reason="logged twice")
    with lead_desk.db.session() as s:
        assert s.get(TimeEntry, ids[1]) is None

    act_as(lead_desk, LEAD)
    assert billing.unapprove(lead_desk, ids[:1], reason="wrong ticket") == 1
    e = entry(lead_desk, ids[0])
    assert (e.approved, e.approved_at, e.approved_by_id) == (False, None, None)
    billing.update_time_entry(lead_desk, ids[0], billable=False)
    assert not entry(lead_desk, ids[0]).billable


def test_draft_refuses_unapproved_time_unless_told_to_skip_it(lead_desk: Desk) -> None:
    tailspin = client_id(lead_desk, "Tailspin Logistics", rate_cents=12_000)
    ids = log(lead_desk, tailspin, (date(2026, 9, 2), 60, True), (date(2026, 9, 3), 30, True),
              (date(2026, 9, 4), 45, True), (date(2026, 9, 5), 20, True))
    billing.approve(lead_desk, ids[:2])
    before = seq(lead_desk)
    with pytest.raises(ServiceError) as caught:
        billing.create_draft(lead_desk, tailspin, SEPT)
    assert str(caught.value) == (
        "Tailspin Logistics has 2 time entries from 2026-09-01 to 2026-09-30 not approved "
        "yet: approve them, or skip them to leave them for a later invoice")
    with lead_desk.db.session() as s:
        assert s.exec(select(Invoice)).all() == []
    assert seq(lead_desk) == before

    preview = billing.preview_draft(lead_desk, tailspin, SEPT)
    assert (preview.unapproved, preview.totals.billable_minutes, preview.problem) == (2, 90, None)
    draft = billing.create_draft(lead_desk, tailspin, SEPT, skip_unapproved=True)
    assert (draft.entries, draft.billable_minutes) == (2, 90)
    assert [entry(lead_desk, i).invoice_id for i in ids] == [draft.id, draft.id, None, None]


def test_draft_links_entries_copies_totals_and_takes_the_next_number(lead_desk: Desk) -> None:
    tailspin = client_id(lead_desk, "Tailspin Logistics", rate_cents=12_345)
    ids = log(lead_desk, tailspin,
              (date(2026, 9, 1), 20, True), (date(2026, 9, 15), 20, True),
              (date(2026, 9, 30), 20, True), (date(2026, 9, 10), 45, False),
              (date(2026, 8, 31), 60, True), (date(2026, 10, 1), 60, True))  # outside
    billing.approve(lead_desk, ids)
    before = seq(lead_desk)
    draft = billing.create_draft(lead_desk, tailspin, SEPT)
    assert seq(lead_desk) == before + 1
    with lead_desk.db.session() as s:
        inv = s.get(Invoice, draft.id)
        assert inv is not None
        lead = lead_desk.me()
        assert lead is not None
        assert (inv.number, inv.client_id, inv.period_start, inv.period_end, inv.state) == (
            1, tailspin, SEPT.start, SEPT.end, "draft")
        # 3 × 20 billable minutes at 123.45/h, priced once on the hour: 123.45; the
        # non-billable 45 minutes are listed, never priced; August and October left out.
        assert (inv.billable_minutes, inv.non_billable_minutes, inv.rate_cents,
                inv.amount_cents) == (60, 45, 12_345, 12_345)
        assert (inv.created_by_id, inv.created_at) == (lead.id, FIXED_NOW)
    assert [entry(lead_desk, i).invoice_id for i in ids] == [draft.id] * 4 + [None, None]
    assert ("invoice", None, "draft 1", "Taylor Reed") in audit_rows(lead_desk, "time_entry",
                                                                       ids[0])
    assert audit_rows(lead_desk, "invoice", draft.id)[0][:3] == ("state", None, "draft")

    # Invoiced entries are locked, and their approval cannot be withdrawn.
    with pytest.raises(ServiceError) as caught:
        billing.unapprove(lead_desk, ids[:2])
    assert str(caught.value) == (f"entries {ids[0]} and {ids[1]} are on invoice draft 1: "
                                 "delete the draft to withdraw the approval")
    with pytest.raises(ServiceError, match=rf"^entry {ids[2]} is on invoice draft 1"):
        billing.unapprove(lead_desk, ids[2:3])
    with pytest.raises(ServiceError, match=rf"^entry {ids[0]} is on invoice draft 1"):
        billing.update_time_entry(lead_desk, ids[0], minutes=5)

    # A later rate change never alters the draft; the next draft takes the next number.
    client_id(lead_desk, "Tailspin Logistics", rate_cents=20_000)
    assert billing.invoice(lead_desk, draft.id).amount_cents == 12_345
    october = Period(date(2026, 10, 1), date(2026, 10, 31))
    # October has the demo's own unapproved time too: skip it.
    second = billing.create_draft(lead_desk, tailspin, october, skip_unapproved=True)
    assert (second.number, second.billable_minutes, second.amount_cents) == (2, 60, 20_000)
    assert [r.number for r in billing.invoices(lead_desk)] == [2, 1]


def test_a_rate_is_needed_before_billable_time_is_priced(lead_desk: Desk) -> None:
    tailspin = client_id(lead_desk, "Tailspin Logistics", rate_cents=0)
    ids = log(lead_desk, tailspin, (date(2026, 9, 2), 90, True))
    billing.approve(lead_desk, ids)
    with pytest.raises(ServiceError, match=r"Tailspin Logistics \(time & materials\) has no "
                       r"hourly rate yet, so 1.50 billable hours cannot be priced"):
        billing.create_draft(lead_desk, tailspin, SEPT)
    assert entry(lead_desk, ids[0]).invoice_id is None
    with pytest.raises(ServiceError, match="no approved time from 2026-08-01"):
        billing.create_draft(lead_desk, tailspin, Period(date(2026, 8, 1), date(2026, 8, 31)))


def test_fixed_monthly_draft_shows_covered_work_at_zero(lead_desk: Desk) -> None:
    northwind = client_id(lead_desk, "Northwind Health")  # fixed monthly, no rate
    ids = log(lead_desk, northwind, (date(2026, 9, 2), 90, False), (date(2026, 9, 9), 30, False))
    billing.approve(lead_desk, ids)
    draft = billing.create_draft(lead_desk, northwind, SEPT)
    assert (draft.billable_minutes, draft.non_billable_minutes, draft.amount_cents,
            draft.entries) == (0, 120, 0, 2)
    lines = billing.invoice_lines(lead_desk, draft.id)
    assert [(x.line.minutes, x.hours, x.amount_cents) for x in lines] == [
        (90, "1.50", 0), (30, "0.50", 0)]


def test_deleting_a_draft_releases_its_entries(lead_desk: Desk) -> None:
    tailspin = client_id(lead_desk, "Tailspin Logistics", rate_cents=10_000)
    ids = log(lead_desk, tailspin, (date(2026, 9, 2), 60, True), (date(2026, 9, 3), 30, True))
    billing.approve(lead_desk, ids)
    draft = billing.create_draft(lead_desk, tailspin, SEPT)
    before = seq(lead_desk)
    assert billing.delete_draft(lead_desk, draft.id) == 2
    assert seq(lead_desk) == before + 1
    with lead_desk.db.session() as s:
        assert s.get(Invoice, draft.id) is None
    for i in ids:
        e = entry(lead_desk, i)
        assert e.invoice_id is None and e.approved  # still approved, ready for a new draft
    assert audit_rows(lead_desk, "invoice", draft.id)[-1][:3] == ("state", "draft", "deleted")
    again = billing.create_draft(lead_desk, tailspin, SEPT)
    assert again.number == 2 and again.entries == 2  # numbers are never reused
    billing.delete_draft(lead_desk, again.id)
    with pytest.raises(ServiceError, match="no invoice with id"):
        billing.delete_draft(lead_desk, again.id)


def test_summaries_price_approved_time_per_client(lead_desk: Desk) -> None:
    tailspin = client_id(lead_desk, "Tailspin Logistics", rate_cents=12_000)
    ids = log(lead_desk, tailspin, (date(2026, 9, 2), 60, True), (date(2026, 9, 3), 30, True),
              (date(2026, 9, 4), 15, False))
    billing.approve(lead_desk, ids[:2])
    [summary] = billing.client_summaries(lead_desk, SEPT)
    sums = summary.sums
    assert (summary.client, sums.unapproved, sums.approved, sums.approved_billable_minutes,
            summary.approved_amount_cents, summary.problem) == (
        "Tailspin Logistics", 1, 2, 90, 18_000, None)


def test_invoice_csv_lines_and_totals(lead_desk: Desk, tmp_path: Path) -> None:
    tailspin = client_id(lead_desk, "Tailspin Logistics", rate_cents=10_000)
    ids = log(lead_desk, tailspin, (date(2026, 9, 2), 20, True), (date(2026, 9, 3), 20, True),
              (date(2026, 9, 4), 20, True), (date(2026, 9, 5), 45, False))
    billing.approve(lead_desk, ids)
    draft = billing.create_draft(lead_desk, tailspin, SEPT)
    path = billing.default_export_path(draft, tmp_path / "out")
    assert path.name == "invoice-1-tailspin-logistics-2026-09.csv"
    assert billing.export_invoice_csv(lead_desk, draft.id, path) == 4
    with lead_desk.db.session() as s:
        ticket = s.exec(select(Ticket).where(Ticket.client_id == tailspin)
                        .order_by(Ticket.number)).first()  # type: ignore[arg-type]
        assert ticket is not None
    n = str(ticket.number)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert rows == [
        ["date", "ticket", "technician", "minutes", "hours", "billable", "rate", "amount"],
        ["2026-09-02", n, "Alex Morgan", "20", "0.33", "true", "100.00", "33.34"],
        ["2026-09-03", n, "Alex Morgan", "20", "0.33", "true", "100.00", "33.33"],
        ["2026-09-04", n, "Alex Morgan", "20", "0.33", "true", "100.00", "33.33"],
        ["2026-09-05", n, "Alex Morgan", "45", "0.75", "false", "", "0.00"],
        ["total billable", "", "", "60", "1.00", "true", "100.00", "100.00"],
        ["total non-billable", "", "", "45", "0.75", "false", "", "0.00"],
        ["total", "", "", "105", "1.75", "", "", "100.00"],
    ]
    assert not list(path.parent.glob("*.part"))
    with pytest.raises(ServiceError, match="is a folder"):
        billing.export_invoice_csv(lead_desk, draft.id, tmp_path)


def test_entry_list_filters(lead_desk: Desk) -> None:
    tailspin = client_id(lead_desk, "Tailspin Logistics", rate_cents=10_000)
    northwind = client_id(lead_desk, "Northwind Health")
    t_ids = log(lead_desk, tailspin, (date(2026, 9, 2), 20, True), (date(2026, 9, 3), 25, True))
    n_ids = log(lead_desk, northwind, (date(2026, 9, 2), 30, False))
    billing.approve(lead_desk, t_ids[:1])

    def listed(**kw: object) -> list[int]:
        return [r.id for r in billing.entries(lead_desk, EntryFilter(SEPT.start, SEPT.end,
                                                                     **kw))]  # type: ignore[arg-type]

    assert listed() == n_ids + t_ids  # by client name, then date
    assert listed(client_id=tailspin) == t_ids
    assert listed(state=EntryState.UNAPPROVED) == n_ids + t_ids[1:]
    with lead_desk.db.session() as s:
        alex = s.execute(sa.select(Technician.id).where(Technician.email == TECH)).scalar_one()
    assert listed(technician_id=alex, client_id=northwind) == n_ids
    billing.create_draft(lead_desk, tailspin, SEPT, skip_unapproved=True)
    assert listed(state=EntryState.INVOICED) == t_ids[:1]


def test_cli_exports_an_invoice_by_number(lead_desk: Desk, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from tests.test_cli import run

    tailspin = client_id(lead_desk, "Tailspin Logistics", rate_cents=6_000)
    ids = log(lead_desk, tailspin, (date(2026, 9, 2), 90, True))
    billing.approve(lead_desk, ids)
    billing.create_draft(lead_desk, tailspin, SEPT)
    db = str(lead_desk.db.engine.url.database)
    code, out, err = run(capsys, "--db", db, "report", "invoice", "1")
    assert code == 0, err
    assert out.splitlines()[1].endswith(",Alex Morgan,90,1.50,true,60.00,90.00")
    assert out.splitlines()[-1] == "total,,,90,1.50,,,90.00"

    target = tmp_path / "inv.csv"
    code, out, err = run(capsys, "--db", db, "report", "invoice", "1", "--out", str(target))
    assert code == 0, err
    assert "Wrote invoice 1 (1 line and totals)" in err
    assert target.read_text(encoding="utf-8").startswith("date,ticket,technician,minutes,")

    missing = tmp_path / "never.csv"
    code, out, err = run(capsys, "--db", db, "report", "invoice", "7", "--out", str(missing))
    assert (code, err.strip()) == (2, "msp-tui: error: no invoice number 7")
    assert not missing.exists()


def test_an_edit_holds_the_entry_against_a_concurrent_approval(
    demo_desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Console 1 checks that an entry is unlocked and writes its edit; a lead approving and
    invoicing it from console 2 in between must not slip through: the check runs under
    the write lock, so the lead's write waits (here: times out) instead of interleaving."""
    act_as(demo_desk, TECH)
    lead = Desk(Database(demo_desk.db.url), demo_desk.clock, me_email=LEAD)
    cid = client_id(demo_desk, "Tailspin Logistics", rate_cents=12000)
    [eid] = log(demo_desk, cid, (date(2026, 9, 10), 60, True))
    monkeypatch.setattr("msp_tui.store.db.SQLITE_BUSY_TIMEOUT_MS", 200)
    impatient = Desk(Database(demo_desk.db.url), demo_desk.clock, me_email=LEAD)
    real = billing._editable
    raced: list[str] = []

    def check_then_lead_tries(s, desk, entry_id):  # type: ignore[no-untyped-def]
        entry = real(s, desk, entry_id)
        try:
            billing.approve(impatient, [eid])
        except sa.exc.OperationalError as exc:
            raced.append(str(exc.orig))
        return entry

    monkeypatch.setattr(billing, "_editable", check_then_lead_tries)
    billing.update_time_entry(demo_desk, eid, minutes=90)
    assert raced and "locked" in raced[0]
    billing.approve(lead, [eid])  # afterwards it goes through, on the edited entry
    with demo_desk.db.session() as s:
        entry = s.get(TimeEntry, eid)
        assert entry is not None and (entry.minutes, entry.approved) == (90, True)
    lead.close()
    impatient.close()
