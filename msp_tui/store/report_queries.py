"""Reports as SQL: the digest's candidate clocks and the streamed rows of the CSV exports.

The candidates' badges read every clock of their tickets with `queries.clocks_by_ticket`,
the same read as the queue and board (one definition of which clocks make a badge).

The exports may cover years of tickets, so they are generators over a server-side cursor
(`yield_per`): rows flow from the database to the CSV writer without ever all being in
memory. The digest is small by construction (only clocks due within a day) and is read whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session

from msp_tui.engine.vocabulary import ClockState, StatusCategory
from msp_tui.store.models import (
    BusinessCalendarRow,
    Category,
    Client,
    Contact,
    SlaClock,
    SlaClockEvent,
    Status,
    TechGroup,
    Technician,
    Ticket,
    TimeEntry,
)

STREAM_BATCH = 500
_OPEN = (StatusCategory.OPEN, StatusCategory.PAUSED)


@dataclass(frozen=True)
class DigestCandidate:
    """One running clock of an open ticket that is due by the horizon or already breached."""

    ticket_id: int
    number: int
    subject: str
    client: str | None
    priority: str
    assignee: str | None
    clock_kind: str
    due_at: datetime | None
    breached_at: datetime | None


def first_calendar_id(s: Session) -> int | None:
    """The desk's first business calendar: the default zone and business day of reports."""
    return s.execute(
        sa.select(BusinessCalendarRow.id).order_by(BusinessCalendarRow.id).limit(1)  # type: ignore[arg-type]
    ).scalar_one_or_none()


def digest_candidates(s: Session, horizon: datetime) -> list[DigestCandidate]:
    """Running clocks due before `horizon` (overdue included) or breached, on open tickets.

    A range on the indexed `due_at`, so the cost follows the number of urgent clocks, not
    the size of the desk."""
    stmt = (
        sa.select(
            Ticket.id, Ticket.number, Ticket.subject, Client.name, Ticket.priority,
            Technician.name, SlaClock.kind, SlaClock.due_at, SlaClock.breached_at,
        )
        .select_from(SlaClock)
        .join(Ticket, Ticket.id == SlaClock.ticket_id)  # type: ignore[arg-type]
        .join(Status, Status.id == Ticket.status_id)  # type: ignore[arg-type]
        .outerjoin(Client, Client.id == Ticket.client_id)  # type: ignore[arg-type]
        .outerjoin(Technician, Technician.id == Ticket.assignee_id)  # type: ignore[arg-type]
        .where(
            SlaClock.state == ClockState.RUNNING,  # type: ignore[arg-type]
            sa.or_(SlaClock.due_at <= horizon, SlaClock.breached_at.is_not(None)),  # type: ignore[union-attr,operator,arg-type]
            Status.category.in_(_OPEN),  # type: ignore[attr-defined]
        )
    )
    return [DigestCandidate(*row) for row in s.execute(stmt)]


def _stream(s: Session, stmt: Any) -> Iterator[sa.Row[Any]]:
    yield from s.execute(stmt.execution_options(yield_per=STREAM_BATCH))


def ticket_export_rows(s: Session, start: datetime, end: datetime) -> Iterator[sa.Row[Any]]:
    """Tickets created in [start, end), by number; names joined, not looked up per row."""
    assignee = aliased(Technician)
    stmt = (
        sa.select(
            Ticket.number, Ticket.created_at, Client.name, Contact.name, Ticket.priority,
            Status.name, assignee.name, TechGroup.name, Category.name, Ticket.resolved_at,
            Ticket.closed_at, Ticket.first_response_at, Ticket.sla_breached,
        )
        .select_from(Ticket)
        .join(Status, Status.id == Ticket.status_id)  # type: ignore[arg-type]
        .outerjoin(Client, Client.id == Ticket.client_id)  # type: ignore[arg-type]
        .outerjoin(Contact, Contact.id == Ticket.contact_id)  # type: ignore[arg-type]
        .outerjoin(assignee, assignee.id == Ticket.assignee_id)  # type: ignore[arg-type]
        .outerjoin(TechGroup, TechGroup.id == Ticket.group_id)  # type: ignore[arg-type]
        .outerjoin(Category, Category.id == Ticket.category_id)  # type: ignore[arg-type]
        .where(Ticket.created_at >= start, Ticket.created_at < end)  # type: ignore[arg-type,operator]
        .order_by(Ticket.created_at, Ticket.number)  # type: ignore[arg-type]
    )
    return _stream(s, stmt)


def kpi_export_rows(s: Session, start: datetime, end: datetime) -> Iterator[sa.Row[Any]]:
    """SLA clock events in [start, end), oldest first: the KPI history."""
    stmt = (
        sa.select(
            Ticket.number, SlaClock.kind, SlaClockEvent.event, SlaClockEvent.at,
            SlaClockEvent.consumed_seconds, SlaClockEvent.due_before, SlaClockEvent.due_after,
            SlaClockEvent.note,
        )
        .select_from(SlaClockEvent)
        .join(SlaClock, SlaClock.id == SlaClockEvent.clock_id)  # type: ignore[arg-type]
        .join(Ticket, Ticket.id == SlaClockEvent.ticket_id)  # type: ignore[arg-type]
        .where(SlaClockEvent.at >= start, SlaClockEvent.at < end)  # type: ignore[arg-type,operator]
        .order_by(SlaClockEvent.at, SlaClockEvent.id)  # type: ignore[arg-type]
    )
    return _stream(s, stmt)


def time_export_rows(s: Session, first: date, last: date) -> Iterator[sa.Row[Any]]:
    """Time entries worked from `first` to `last` inclusive (work dates are calendar days)."""
    stmt = (
        sa.select(
            Ticket.number, Technician.name, TimeEntry.work_date, TimeEntry.minutes,
            TimeEntry.billable, TimeEntry.approved, TimeEntry.note,
        )
        .select_from(TimeEntry)
        .join(Ticket, Ticket.id == TimeEntry.ticket_id)  # type: ignore[arg-type]
        .join(Technician, Technician.id == TimeEntry.technician_id)  # type: ignore[arg-type]
        .where(TimeEntry.work_date >= first, TimeEntry.work_date <= last)  # type: ignore[arg-type,operator]
        .order_by(TimeEntry.work_date, TimeEntry.id)  # type: ignore[arg-type]
    )
    return _stream(s, stmt)
