"""Time approval and invoice drafts: from logged minutes to what a client is billed.

The life of a time entry: logged (unapproved, editable) → approved by a lead (locked) →
on an invoice draft (locked; its approval cannot be withdrawn until the draft is
deleted). Locking is enforced here, not in screens: `update_time_entry` and
`delete_time_entry` are the only ways to change an entry after it is logged
(`services.tickets.log_time` only creates), and both refuse approved entries.

Approving and invoicing are for team leads, operations managers, directors and admins;
each call is one transaction, audit-logged per changed field, and bumps the change
sequence so other consoles refresh. Money is rounded only by `engine.billing`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TextIO

import platformdirs
import sqlalchemy as sa
from sqlmodel import Session

from msp_tui.config import APP_NAME
from msp_tui.engine import billing as rules
from msp_tui.engine.billing import BillingError, Period, Totals
from msp_tui.engine.vocabulary import Role
from msp_tui.services.desk import Desk
from msp_tui.services.local_zone import viewer_zone, zone_or_utc
from msp_tui.services.tickets import ServiceError, audit
from msp_tui.store import billing_queries as q
from msp_tui.store.billing_queries import (
    ClientPeriodSums,
    EntryFilter,
    InvoiceLineRow,
    InvoiceRow,
    TimeEntryRow,
)
from msp_tui.store.db import bump_change_seq, bump_counter
from msp_tui.store.models import Client, Invoice, Technician, TimeEntry

INVOICE_NUMBER = "invoice_number"
DRAFT = "draft"
BILLING_ROLES = frozenset({Role.TEAM_LEAD, Role.OPERATIONS_MANAGER, Role.DIRECTOR, Role.ADMIN})
CSV_HEADER = ("date", "ticket", "technician", "minutes", "hours", "billable", "rate", "amount")
_MAX_LISTED = 10  # problems named one by one in a refusal; the rest are counted


# ---------------------------------------------------------------- who


def may_bill(desk: Desk) -> bool:
    me = desk.me()
    return me is not None and me.role in BILLING_ROLES


def _who(desk: Desk) -> str:
    me = desk.me()
    return f"{me.name} ({me.role.replace('_', ' ')})" if me else "nobody signed in"


def require_billing(desk: Desk) -> None:
    """Raise `ServiceError` naming who "me" is unless they may approve and invoice."""
    if not may_bill(desk):
        raise ServiceError(
            "approving time and making invoices is for team leads, operations managers, "
            f"directors and admins; this console is {_who(desk)}"
        )


def _refuse(problems: list[str]) -> None:
    if not problems:
        return
    shown = problems[:_MAX_LISTED]
    more = len(problems) - len(shown)
    raise ServiceError("; ".join(shown) + (f"; and {more} more" if more else ""))


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def _entries_word(n: int) -> str:
    return _plural(n, "time entry", "time entries")


# ---------------------------------------------------------------- reads


def local_today(desk: Desk) -> date:
    """Today where "me" works (`local_zone.viewer_zone`: their zone, else the desk's home;
    a zone name the tz database lacks is skipped, not raised)."""
    me = desk.me()
    with desk.db.session() as s:
        zone = viewer_zone(s, me)
    return desk.clock.now().astimezone(zone_or_utc(zone)).date()


def entries(desk: Desk, f: EntryFilter, *, limit: int = 5000) -> list[TimeEntryRow]:
    require_billing(desk)
    with desk.db.session() as s:
        return q.time_entry_rows(s, f, limit=limit)


@dataclass(frozen=True)
class ClientSummary:
    """A client's time in a period, priced as a draft made now would price it."""

    sums: ClientPeriodSums
    approved_amount_cents: int
    problem: str | None  # why a draft could not be made now (e.g. no rate), or None

    @property
    def client_id(self) -> int:
        return self.sums.client_id

    @property
    def client(self) -> str:
        return self.sums.client


def _summary(sums: ClientPeriodSums) -> ClientSummary:
    amount = rules.price_cents(sums.approved_billable_minutes, sums.rate_cents)
    problem = rules.rate_problem(sums.client, sums.billing_type, sums.approved_billable_minutes,
                                 sums.rate_cents)
    return ClientSummary(sums, amount, problem)


def client_summaries(
    desk: Desk, period: Period, client_id: int | None = None
) -> list[ClientSummary]:
    require_billing(desk)
    with desk.db.session() as s:
        return [_summary(x) for x in q.client_period_sums(s, period.start, period.end,
                                                          client_id)]


@dataclass(frozen=True)
class DraftPreview:
    """What `create_draft` would make now, for the confirm dialog."""

    client_id: int
    client: str
    billing_type: str
    period: Period
    totals: Totals
    unapproved: int  # entries in the period a draft would leave out
    problem: str | None  # why it would be refused even when skipping unapproved entries


def _client(s: Session, client_id: int) -> Client:
    client = s.get(Client, client_id)
    if client is None:
        raise ServiceError(f"no client with id {client_id}")
    return client


def _draft_facts(
    s: Session, client: Client, period: Period
) -> tuple[list[TimeEntry], int, Totals, str | None]:
    cid: int = client.id  # type: ignore[assignment]
    ready = q.ready_entries(s, cid, period.start, period.end)
    unapproved = q.unapproved_count(s, cid, period.start, period.end)
    totals = rules.totals(((e.minutes, e.billable) for e in ready), client.hourly_rate_cents)
    problem = rules.rate_problem(client.name, client.billing_type, totals.billable_minutes,
                                 client.hourly_rate_cents)
    if not ready:
        problem = (f"{client.name} has no approved time from {period.start} to {period.end} "
                   "that is not on an invoice yet")
    return ready, unapproved, totals, problem


def preview_draft(desk: Desk, client_id: int, period: Period) -> DraftPreview:
    require_billing(desk)
    with desk.db.session() as s:
        client = _client(s, client_id)
        _ready, unapproved, totals, problem = _draft_facts(s, client, period)
        return DraftPreview(client_id, client.name, client.billing_type, period, totals,
                            unapproved, problem)


def invoices(desk: Desk) -> list[InvoiceRow]:
    require_billing(desk)
    with desk.db.session() as s:
        return q.invoice_rows(s)


def invoice(desk: Desk, invoice_id: int) -> InvoiceRow:
    require_billing(desk)
    with desk.db.session() as s:
        return _invoice_row(s, invoice_id)


def _invoice_row(s: Session, invoice_id: int) -> InvoiceRow:
    rows = q.invoice_rows(s, invoice_id)
    if not rows:
        raise ServiceError(f"no invoice with id {invoice_id}")
    return rows[0]


@dataclass(frozen=True)
class InvoiceLine:
    line: InvoiceLineRow
    amount_cents: int  # this line's share of the invoice amount (lines add up to it)

    @property
    def hours(self) -> str:
        return rules.hours(self.line.minutes)


def invoice_lines(desk: Desk, invoice_id: int) -> list[InvoiceLine]:
    require_billing(desk)
    with desk.db.session() as s:
        row = _invoice_row(s, invoice_id)
        lines = q.invoice_lines(s, invoice_id)
    amounts = rules.line_amounts([(x.minutes, x.billable) for x in lines], row.rate_cents)
    return [InvoiceLine(x, a) for x, a in zip(lines, amounts, strict=True)]


# ---------------------------------------------------------------- approval


def _load_entries(s: Session, ids: Iterable[int]) -> tuple[list[TimeEntry], list[str]]:
    wanted = sorted(set(ids))
    found = {
        e.id: e
        for e in s.execute(sa.select(TimeEntry).where(TimeEntry.id.in_(wanted))).scalars()  # type: ignore[union-attr]
    } if wanted else {}
    missing = [f"no time entry {i}" for i in wanted if i not in found]
    return [found[i] for i in wanted if i in found], missing


def _invoice_numbers(s: Session, entries: Iterable[TimeEntry]) -> dict[int, int | None]:
    ids = {e.invoice_id for e in entries if e.invoice_id is not None}
    if not ids:
        return {}
    rows = s.execute(sa.select(Invoice.id, Invoice.number, Invoice.state)
                     .where(Invoice.id.in_(ids)))  # type: ignore[union-attr]
    return {i: n for i, n, _state in rows}


def _on_invoice(entry: TimeEntry, numbers: dict[int, int | None]) -> str:
    number = numbers.get(entry.invoice_id) if entry.invoice_id is not None else None
    return f"entry {entry.id} is on invoice draft {number if number is not None else '?'}"


def _invoiced_problems(s: Session, entries: list[TimeEntry]) -> list[str]:
    """"entry 17 is on invoice draft 3", grouped per draft, with what to do about it."""
    numbers = _invoice_numbers(s, entries)
    by_draft: dict[int | None, list[int]] = {}
    for e in entries:
        if e.invoice_id is not None:
            by_draft.setdefault(numbers.get(e.invoice_id), []).append(e.id)  # type: ignore[arg-type]
    problems = []
    for number, ids in by_draft.items():
        if len(ids) == 1:
            which = f"entry {ids[0]} is"
        else:
            which = f"entries {', '.join(map(str, ids[:-1]))} and {ids[-1]} are"
        problems.append(f"{which} on invoice draft {number}: delete the draft to withdraw "
                        "the approval")
    return problems


def approve(desk: Desk, entry_ids: Iterable[int]) -> int:
    """Approve (and so lock) these entries in one transaction; returns how many were not
    approved before. Entries already approved are left as they are."""
    require_billing(desk)
    actor = desk.actor()
    at = desk.clock.now()
    with desk.db.session() as s:
        found, problems = _load_entries(s, entry_ids)
        _refuse(problems)
        changed = 0
        for entry in found:
            if entry.approved:
                continue
            entry.approved = True
            entry.approved_at = at
            entry.approved_by_id = actor.technician_id
            s.add(entry)
            audit(s, at=at, actor=actor, entity="time_entry", entity_id=entry.id,  # type: ignore[arg-type]
                  field="approved", old=False, new=True)
            changed += 1
        if changed:
            bump_change_seq(s)
        return changed


def unapprove(desk: Desk, entry_ids: Iterable[int], reason: str = "") -> int:
    """Withdraw approval (unlocking the entries); refused for every entry already on an
    invoice draft. Returns how many were approved before."""
    require_billing(desk)
    actor = desk.actor()
    at = desk.clock.now()
    ids = list(entry_ids)
    with desk.db.session() as s:
        _claim(s, ids)  # a draft made meanwhile by another console is seen, not raced
        found, problems = _load_entries(s, ids)
        problems += _invoiced_problems(s, found)
        _refuse(problems)
        changed = 0
        for entry in found:
            if not entry.approved:
                continue
            entry.approved = False
            entry.approved_at = None
            entry.approved_by_id = None
            s.add(entry)
            audit(s, at=at, actor=actor, entity="time_entry", entity_id=entry.id,  # type: ignore[arg-type]
                  field="approved", old=True, new=False, reason=reason)
            changed += 1
        if changed:
            bump_change_seq(s)
        return changed


# ---------------------------------------------------------------- editing (locked once approved)


def _claim(s: Session, entry_ids: Iterable[int]) -> None:
    """Write-lock the entries before reading their state: a no-op UPDATE takes SQLite's
    write lock (PostgreSQL: the rows' locks), so an approval or a draft made by another
    console cannot land between the check below and our write."""
    ids = list(entry_ids)
    if ids:
        s.execute(
            sa.update(TimeEntry)
            .where(TimeEntry.id.in_(ids))  # type: ignore[union-attr]
            .values(approved=TimeEntry.approved)
            .execution_options(synchronize_session=False)
        )
        s.expire_all()


def _editable(s: Session, desk: Desk, entry_id: int) -> TimeEntry:
    """The entry, if it exists, is not locked, and "me" may change it (whoever logged it,
    or a lead); read under the write lock (`_claim`)."""
    _claim(s, [entry_id])
    entry = s.get(TimeEntry, entry_id)
    if entry is None:
        raise ServiceError(f"no time entry {entry_id}")
    if entry.invoice_id is not None:
        raise ServiceError(_on_invoice(entry, _invoice_numbers(s, [entry])) +
                           ": it is locked")
    if entry.approved:
        by = s.get(Technician, entry.approved_by_id) if entry.approved_by_id else None
        when = f" on {entry.approved_at.date()}" if entry.approved_at else ""
        raise ServiceError(f"entry {entry.id} is approved{f' by {by.name}' if by else ''}"
                           f"{when} and locked: withdraw the approval first")
    me = desk.me()
    if not may_bill(desk) and (me is None or me.id != entry.technician_id):
        logged_by = s.get(Technician, entry.technician_id)
        name = logged_by.name if logged_by else "whoever logged it"
        raise ServiceError(f"only {name} or a team lead may change entry {entry.id}; "
                           f"this console is {_who(desk)}")
    return entry


def update_time_entry(
    desk: Desk,
    entry_id: int,
    *,
    minutes: int | None = None,
    billable: bool | None = None,
    work_date: date | None = None,
    note: str | None = None,
) -> None:
    """Correct an unapproved entry (None leaves a field as it is); approved ones refuse."""
    at = desk.clock.now()
    actor = desk.actor()
    with desk.db.session() as s:
        entry = _editable(s, desk, entry_id)
        if minutes is not None and minutes <= 0:
            raise ServiceError("time entries need a positive number of minutes")
        wanted = {"minutes": minutes, "billable": billable, "work_date": work_date,
                  "note": note}
        changed = False
        for field, value in wanted.items():
            old = getattr(entry, field)
            if value is None or value == old:
                continue
            setattr(entry, field, value)
            audit(s, at=at, actor=actor, entity="time_entry", entity_id=entry_id,
                  field=field, old=old, new=value)
            changed = True
        if changed:
            s.add(entry)
            bump_change_seq(s)


def delete_time_entry(desk: Desk, entry_id: int, reason: str = "") -> None:
    """Remove an unapproved entry (logged by mistake); approved ones refuse."""
    at = desk.clock.now()
    with desk.db.session() as s:
        entry = _editable(s, desk, entry_id)
        audit(s, at=at, actor=desk.actor(), entity="time_entry", entity_id=entry_id,
              field="deleted", old=f"{entry.minutes} min on {entry.work_date}", new=None,
              reason=reason)
        s.delete(entry)
        bump_change_seq(s)


# ---------------------------------------------------------------- invoice drafts


def create_draft(
    desk: Desk, client_id: int, period: Period, *, skip_unapproved: bool = False
) -> InvoiceRow:
    """One invoice draft of the client's approved, not yet invoiced time worked in the
    period: links the entries, copies the totals and rate, takes the next number; one
    transaction. Refused while entries of the period are unapproved, unless told to skip
    them (they wait for a later draft). Fixed-monthly clients get a draft too: it lists
    the covered (non-billable) work at amount 0."""
    require_billing(desk)
    at = desk.clock.now()
    actor = desk.actor()
    with desk.db.session() as s:
        client = _client(s, client_id)
        ready, unapproved, totals, problem = _draft_facts(s, client, period)
        problems: list[str] = []
        if unapproved and not skip_unapproved:
            problems.append(
                f"{client.name} has {_entries_word(unapproved)} from {period.start} to "
                f"{period.end} not approved yet: approve them, or skip them to leave them "
                "for a later invoice"
            )
        if problem:
            problems.append(problem)
        _refuse(problems)
        number = bump_counter(s, INVOICE_NUMBER)
        inv = Invoice(
            number=number, client_id=client_id, period_start=period.start,
            period_end=period.end, state=DRAFT, billable_minutes=totals.billable_minutes,
            non_billable_minutes=totals.non_billable_minutes, rate_cents=totals.rate_cents,
            amount_cents=totals.amount_cents, created_by_id=actor.technician_id, created_at=at,
        )
        s.add(inv)
        s.flush()
        ids = [e.id for e in ready]
        # Guarded: an entry another console un-approved or invoiced meanwhile is not taken.
        linked = s.execute(
            sa.update(TimeEntry)
            .where(TimeEntry.id.in_(ids), TimeEntry.invoice_id.is_(None),  # type: ignore[union-attr]
                   TimeEntry.approved.is_(True))  # type: ignore[attr-defined]
            .values(invoice_id=inv.id)
            .execution_options(synchronize_session=False)
        ).rowcount
        if linked != len(ids):
            raise ServiceError("some of these entries changed meanwhile; try again")
        for entry_id in ids:
            audit(s, at=at, actor=actor, entity="time_entry", entity_id=entry_id,  # type: ignore[arg-type]
                  field="invoice", old=None, new=f"draft {number}")
        skipped = f"; {_entries_word(unapproved)} unapproved left out" if unapproved else ""
        audit(s, at=at, actor=actor, entity="invoice", entity_id=inv.id,  # type: ignore[arg-type]
              field="state", old=None, new=DRAFT,
              reason=f"draft {number} for {client.name}, {period.label()}: "
                     f"{_entries_word(len(ids))}, {rules.hours(totals.billable_minutes)} "
                     f"billable h, {rules.money(totals.amount_cents)}{skipped}")
        bump_change_seq(s)
        return _invoice_row(s, inv.id)  # type: ignore[arg-type]


def delete_draft(desk: Desk, invoice_id: int) -> int:
    """Delete an invoice draft; its entries are released (still approved) for another
    draft. Returns how many were released. The number is not reused."""
    require_billing(desk)
    at = desk.clock.now()
    actor = desk.actor()
    with desk.db.session() as s:
        inv = s.get(Invoice, invoice_id)
        if inv is None:
            raise ServiceError(f"no invoice with id {invoice_id}")
        if inv.state != DRAFT:
            raise ServiceError(f"invoice {inv.number} is {inv.state}, not a draft: it "
                               "cannot be deleted")
        ids = list(s.execute(sa.select(TimeEntry.id)
                             .where(TimeEntry.invoice_id == invoice_id)).scalars())  # type: ignore[arg-type]
        s.execute(
            sa.update(TimeEntry).where(TimeEntry.invoice_id == invoice_id)  # type: ignore[arg-type]
            .values(invoice_id=None).execution_options(synchronize_session=False)
        )
        for entry_id in ids:
            audit(s, at=at, actor=actor, entity="time_entry", entity_id=entry_id,
                  field="invoice", old=f"draft {inv.number}", new=None,
                  reason="draft deleted")
        audit(s, at=at, actor=actor, entity="invoice", entity_id=invoice_id, field="state",
              old=DRAFT, new="deleted",
              reason=f"draft {inv.number}: {_entries_word(len(ids))} released")
        s.delete(inv)
        bump_change_seq(s)
        return len(ids)


# ---------------------------------------------------------------- CSV


def _flag(value: bool) -> str:
    return "true" if value else "false"


def write_invoice_csv(s: Session, invoice_id: int, out: TextIO) -> int:
    """Stream an invoice's lines, then its totals, as CSV; returns the number of lines.

    Columns: date, ticket, technician, minutes, hours, billable, rate, amount. Rates and
    amounts are plain decimals ("120.00"); line amounts add up to the total to the cent
    (`engine.billing.line_amounts`). The last three rows are totals: billable,
    non-billable, all."""
    inv = _invoice_row(s, invoice_id)
    amounts = rules.line_amounts(q.invoice_line_minutes(s, invoice_id), inv.rate_cents)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    rate = rules.money(inv.rate_cents)
    count = 0
    for line, amount in zip(q.stream_invoice_lines(s, invoice_id), amounts, strict=True):
        writer.writerow((line.work_date.isoformat(), line.ticket_number, line.technician,
                         line.minutes, rules.hours(line.minutes), _flag(line.billable),
                         rate if line.billable else "", rules.money(amount)))
        count += 1
    all_minutes = inv.billable_minutes + inv.non_billable_minutes
    writer.writerow(("total billable", "", "", inv.billable_minutes,
                     rules.hours(inv.billable_minutes), "true", rate,
                     rules.money(inv.amount_cents)))
    writer.writerow(("total non-billable", "", "", inv.non_billable_minutes,
                     rules.hours(inv.non_billable_minutes), "false", "", rules.money(0)))
    writer.writerow(("total", "", "", all_minutes, rules.hours(all_minutes), "", "",
                     rules.money(inv.amount_cents)))
    return count


def invoice_id_for_number(s: Session, number: int) -> int:
    """The id of the invoice with that number (as people and the CLI refer to it)."""
    found = q.invoice_id_by_number(s, number)
    if found is None:
        raise ServiceError(f"no invoice number {number}")
    return found


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "client"


def default_export_path(row: InvoiceRow, folder: Path | None = None) -> Path:
    """Where the CSV of a draft goes unless the user says otherwise: the user data dir's
    `invoices` folder (or `folder`), named by number, client and period start."""
    base = folder if folder is not None else platformdirs.user_data_path(APP_NAME) / "invoices"
    name = f"invoice-{row.number}-{_slug(row.client)}-{row.period_start:%Y-%m}.csv"
    return base / name


def export_invoice_csv(desk: Desk, invoice_id: int, path: Path) -> int:
    """Write the invoice's CSV to `path` (creating its folder); returns the line count.
    The file appears only when complete: it is written beside it and renamed."""
    require_billing(desk)
    path = path.expanduser()
    if path.is_dir():
        raise ServiceError(f"{path} is a folder: give a file name, e.g. {path / 'invoice.csv'}")
    partial = path.with_name(path.name + ".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with desk.db.session() as s, partial.open("w", encoding="utf-8", newline="") as out:
            count = write_invoice_csv(s, invoice_id, out)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ServiceError(f"cannot write {path}: {exc.strerror or exc}") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return count


def period_from(start_text: str, end_text: str) -> Period:
    """A custom period as typed, refusals as `ServiceError` like every other input."""
    try:
        return rules.parse_period(start_text, end_text)
    except BillingError as exc:
        raise ServiceError(str(exc)) from exc
