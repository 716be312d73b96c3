"""Billing as SQL: time entries of a period, per-client sums, invoices and their lines.

Every read returns frozen dataclasses; the invoice CSV streams its lines from a
server-side cursor like the report exports. Amounts are not computed here: the engine
prices them (`engine.billing`), so the rounding rule lives in one place.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session

from msp_tui.engine.billing import EntryState, entry_state
from msp_tui.store.models import Client, Invoice, Technician, Ticket, TimeEntry

STREAM_BATCH = 500


@dataclass(frozen=True)
class EntryFilter:
    """Which time entries to list: work dates `first`..`last` (inclusive) and optionally
    one client, one technician and one state."""

    first: date
    last: date
    client_id: int | None = None
    technician_id: int | None = None
    state: EntryState | None = None


@dataclass(frozen=True)
class TimeEntryRow:
    id: int
    work_date: date
    minutes: int
    billable: bool
    approved: bool
    approved_at: datetime | None
    approved_by: str | None
    invoice_id: int | None
    invoice_number: int | None
    ticket_id: int
    ticket_number: int
    subject: str
    client_id: int | None
    client: str | None
    technician_id: int
    technician: str
    note: str

    @property
    def state(self) -> EntryState:
        return entry_state(self.approved, self.invoice_id)


@dataclass(frozen=True)
class ClientPeriodSums:
    """One client's time in a period, as the summary pane and the draft preview need it."""

    client_id: int
    client: str
    billing_type: str
    rate_cents: int
    unapproved: int  # entries
    unapproved_minutes: int
    approved: int  # entries approved, not yet invoiced
    approved_billable_minutes: int
    approved_non_billable_minutes: int
    invoiced: int  # entries already on an invoice


@dataclass(frozen=True)
class InvoiceRow:
    id: int
    number: int | None
    client_id: int
    client: str
    period_start: date
    period_end: date
    state: str
    billable_minutes: int
    non_billable_minutes: int
    rate_cents: int
    amount_cents: int
    entries: int
    created_at: datetime
    created_by: str | None


@dataclass(frozen=True)
class InvoiceLineRow:
    entry_id: int
    work_date: date
    ticket_number: int
    subject: str
    technician: str
    minutes: int
    billable: bool
    note: str


def _entry_select() -> sa.Select[Any]:
    approver = aliased(Technician)
    return (
        sa.select(
            TimeEntry.id, TimeEntry.work_date, TimeEntry.minutes, TimeEntry.billable,
            TimeEntry.approved, TimeEntry.approved_at, approver.name, TimeEntry.invoice_id,
            Invoice.number, Ticket.id, Ticket.number, Ticket.subject, Ticket.client_id,
            Client.name, TimeEntry.technician_id, Technician.name, TimeEntry.note,
        )
        .select_from(TimeEntry)
        .join(Ticket, Ticket.id == TimeEntry.ticket_id)  # type: ignore[arg-type]
        .join(Technician, Technician.id == TimeEntry.technician_id)  # type: ignore[arg-type]
        .outerjoin(approver, approver.id == TimeEntry.approved_by_id)  # type: ignore[arg-type]
        .outerjoin(Client, Client.id == Ticket.client_id)  # type: ignore[arg-type]
        .outerjoin(Invoice, Invoice.id == TimeEntry.invoice_id)  # type: ignore[arg-type]
    )


def _state_clause(state: EntryState) -> Any:
    if state == EntryState.INVOICED:
        return TimeEntry.invoice_id.is_not(None)  # type: ignore[union-attr]
    uninvoiced = TimeEntry.invoice_id.is_(None)  # type: ignore[union-attr]
    if state == EntryState.APPROVED:
        return sa.and_(TimeEntry.approved.is_(True), uninvoiced)  # type: ignore[attr-defined]
    return sa.and_(TimeEntry.approved.is_(False), uninvoiced)  # type: ignore[attr-defined]


def time_entry_rows(s: Session, f: EntryFilter, *, limit: int = 5000) -> list[TimeEntryRow]:
    """Entries worked in the filter's period, by client, date and id."""
    stmt = _entry_select().where(
        TimeEntry.work_date >= f.first, TimeEntry.work_date <= f.last  # type: ignore[arg-type,operator]
    )
    if f.client_id is not None:
        stmt = stmt.where(Ticket.client_id == f.client_id)  # type: ignore[arg-type]
    if f.technician_id is not None:
        stmt = stmt.where(TimeEntry.technician_id == f.technician_id)  # type: ignore[arg-type]
    if f.state is not None:
        stmt = stmt.where(_state_clause(f.state))
    stmt = stmt.order_by(
        Client.name, TimeEntry.work_date, TimeEntry.id  # type: ignore[arg-type]
    ).limit(limit)
    return [TimeEntryRow(*row) for row in s.execute(stmt)]


def entry_rows_by_id(s: Session, ids: list[int]) -> list[TimeEntryRow]:
    if not ids:
        return []
    stmt = _entry_select().where(TimeEntry.id.in_(ids)).order_by(TimeEntry.id)  # type: ignore[union-attr]
    return [TimeEntryRow(*row) for row in s.execute(stmt)]


def client_period_sums(
    s: Session, first: date, last: date, client_id: int | None = None
) -> list[ClientPeriodSums]:
    """Per client with time in the period: what is still unapproved, approved and ready to
    invoice (billable and not), and already invoiced; one grouped pass."""
    uninvoiced = TimeEntry.invoice_id.is_(None)  # type: ignore[union-attr]
    unapproved = sa.and_(TimeEntry.approved.is_(False), uninvoiced)  # type: ignore[attr-defined]
    ready = sa.and_(TimeEntry.approved.is_(True), uninvoiced)  # type: ignore[attr-defined]

    def count(cond: Any) -> Any:
        return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)

    def minutes(cond: Any) -> Any:
        return sa.func.coalesce(sa.func.sum(sa.case((cond, TimeEntry.minutes), else_=0)), 0)

    billable = TimeEntry.billable.is_(True)  # type: ignore[attr-defined]
    stmt = (
        sa.select(
            Client.id, Client.name, Client.billing_type, Client.hourly_rate_cents,
            count(unapproved), minutes(unapproved), count(ready),
            minutes(sa.and_(ready, billable)), minutes(sa.and_(ready, sa.not_(billable))),
            count(TimeEntry.invoice_id.is_not(None)),  # type: ignore[union-attr]
        )
        .select_from(TimeEntry)
        .join(Ticket, Ticket.id == TimeEntry.ticket_id)  # type: ignore[arg-type]
        .join(Client, Client.id == Ticket.client_id)  # type: ignore[arg-type]
        .where(TimeEntry.work_date >= first, TimeEntry.work_date <= last)  # type: ignore[arg-type,operator]
        .group_by(Client.id, Client.name, Client.billing_type, Client.hourly_rate_cents)
        .order_by(Client.name)
    )
    if client_id is not None:
        stmt = stmt.where(Client.id == client_id)  # type: ignore[arg-type]
    return [ClientPeriodSums(*row) for row in s.execute(stmt)]


def ready_entries(s: Session, client_id: int, first: date, last: date) -> list[TimeEntry]:
    """The client's approved, not yet invoiced entries worked in the period (for update:
    the draft links them), by date."""
    stmt = (
        sa.select(TimeEntry)
        .join(Ticket, Ticket.id == TimeEntry.ticket_id)  # type: ignore[arg-type]
        .where(
            Ticket.client_id == client_id,  # type: ignore[arg-type]
            TimeEntry.work_date >= first, TimeEntry.work_date <= last,  # type: ignore[arg-type,operator]
            TimeEntry.approved.is_(True),  # type: ignore[attr-defined]
            TimeEntry.invoice_id.is_(None),  # type: ignore[union-attr]
        )
        .order_by(TimeEntry.work_date, TimeEntry.id)  # type: ignore[arg-type]
    )
    return list(s.execute(stmt).scalars())


def unapproved_count(s: Session, client_id: int, first: date, last: date) -> int:
    stmt = (
        sa.select(sa.func.count())
        .select_from(TimeEntry)
        .join(Ticket, Ticket.id == TimeEntry.ticket_id)  # type: ignore[arg-type]
        .where(
            Ticket.client_id == client_id,  # type: ignore[arg-type]
            TimeEntry.work_date >= first, TimeEntry.work_date <= last,  # type: ignore[arg-type,operator]
            TimeEntry.approved.is_(False),  # type: ignore[attr-defined]
            TimeEntry.invoice_id.is_(None),  # type: ignore[union-attr]
        )
    )
    return int(s.execute(stmt).scalar_one())


def invoice_rows(s: Session, invoice_id: int | None = None) -> list[InvoiceRow]:
    """Invoices, newest number first, with how many entries each holds."""
    creator = aliased(Technician)
    entries = (
        sa.select(sa.func.count())
        .where(TimeEntry.invoice_id == Invoice.id)  # type: ignore[arg-type]
        .correlate(Invoice)
        .scalar_subquery()
    )
    stmt = (
        sa.select(
            Invoice.id, Invoice.number, Invoice.client_id, Client.name, Invoice.period_start,
            Invoice.period_end, Invoice.state, Invoice.billable_minutes,
            Invoice.non_billable_minutes, Invoice.rate_cents, Invoice.amount_cents, entries,
            Invoice.created_at, creator.name,
        )
        .select_from(Invoice)
        .join(Client, Client.id == Invoice.client_id)  # type: ignore[arg-type]
        .outerjoin(creator, creator.id == Invoice.created_by_id)  # type: ignore[arg-type]
        .order_by(Invoice.number.desc(), Invoice.id.desc())  # type: ignore[union-attr]
    )
    if invoice_id is not None:
        stmt = stmt.where(Invoice.id == invoice_id)  # type: ignore[arg-type]
    return [InvoiceRow(*row) for row in s.execute(stmt)]


def _lines_select(invoice_id: int) -> sa.Select[Any]:
    return (
        sa.select(
            TimeEntry.id, TimeEntry.work_date, Ticket.number, Ticket.subject, Technician.name,
            TimeEntry.minutes, TimeEntry.billable, TimeEntry.note,
        )
        .select_from(TimeEntry)
        .join(Ticket, Ticket.id == TimeEntry.ticket_id)  # type: ignore[arg-type]
        .join(Technician, Technician.id == TimeEntry.technician_id)  # type: ignore[arg-type]
        .where(TimeEntry.invoice_id == invoice_id)  # type: ignore[arg-type]
        .order_by(TimeEntry.work_date, TimeEntry.id)  # type: ignore[arg-type]
    )


def invoice_lines(s: Session, invoice_id: int) -> list[InvoiceLineRow]:
    return [InvoiceLineRow(*row) for row in s.execute(_lines_select(invoice_id))]


def stream_invoice_lines(s: Session, invoice_id: int) -> Iterator[InvoiceLineRow]:
    """The same lines from a server-side cursor, for the CSV export."""
    stmt = _lines_select(invoice_id).execution_options(yield_per=STREAM_BATCH)
    for row in s.execute(stmt):
        yield InvoiceLineRow(*row)


def invoice_id_by_number(s: Session, number: int) -> int | None:
    return s.execute(
        sa.select(Invoice.id).where(Invoice.number == number)  # type: ignore[arg-type]
    ).scalar_one_or_none()


def invoice_line_minutes(s: Session, invoice_id: int) -> list[tuple[int, bool]]:
    """(minutes, billable) of each line in line order: all the engine needs to share the
    amount out, without holding the lines' text."""
    stmt = (
        sa.select(TimeEntry.minutes, TimeEntry.billable)
        .where(TimeEntry.invoice_id == invoice_id)  # type: ignore[arg-type]
        .order_by(TimeEntry.work_date, TimeEntry.id)  # type: ignore[arg-type]
    )
    return [(int(m), bool(b)) for m, b in s.execute(stmt)]
