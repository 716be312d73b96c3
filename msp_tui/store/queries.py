"""Read models: SQL that turns rows into frozen views for the screens.

Widgets never hold ORM objects or sessions (they would lazy-load from the UI thread);
they get these plain dataclasses, built in one query per view.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session

from msp_tui.engine.vocabulary import ClockState, StatusCategory
from msp_tui.store.models import Client, Priority, SlaClock, Status, Technician, Ticket


@dataclass(frozen=True)
class ClockRow:
    """The instants a badge needs (see engine.badges)."""

    kind: str
    state: str
    due_at: datetime | None
    at_risk_at: datetime | None
    breached_at: datetime | None


@dataclass(frozen=True)
class TicketRow:
    id: int
    number: int
    subject: str
    client: str | None
    priority: str
    status: str
    status_category: str
    assignee: str | None
    created_at: datetime
    next_due_at: datetime | None
    unmatched_client: bool
    sla_breached: bool
    clocks: tuple[ClockRow, ...] = ()


@dataclass(frozen=True)
class TechnicianView:
    id: int
    name: str
    email: str
    role: str
    tier: str
    timezone: str | None


def ticket_row_select() -> sa.Select[Any]:
    """The columns of a `TicketRow` with the joins they need: one definition for the
    queue, the board and anything else that lists tickets."""
    assignee = aliased(Technician)
    return (
        sa.select(
            Ticket.id,
            Ticket.number,
            Ticket.subject,
            Client.name,
            Ticket.priority,
            Status.name,
            Status.category,
            assignee.name,
            Ticket.created_at,
            Ticket.next_due_at,
            Ticket.unmatched_client,
            Ticket.sla_breached,
        )
        .join(Status, Status.id == Ticket.status_id)
        .join(Priority, Priority.code == Ticket.priority)
        .outerjoin(Client, Client.id == Ticket.client_id)
        .outerjoin(assignee, assignee.id == Ticket.assignee_id)
    )


def urgency_order() -> list[Any]:
    """Most urgent first: nearest SLA due (none last), priority, age, then id (total)."""
    return [
        sa.case((Ticket.next_due_at.is_(None), 1), else_=0),  # type: ignore[union-attr]
        Ticket.next_due_at,
        Priority.rank,
        Ticket.created_at,
        Ticket.id,
    ]


def with_clocks(session: Session, rows: list[TicketRow]) -> list[TicketRow]:
    clocks = clocks_by_ticket(session, [r.id for r in rows])
    return [replace(r, clocks=clocks.get(r.id, ())) for r in rows]


def queue_rows(
    session: Session, *, include_closed: bool = False, limit: int = 500
) -> list[TicketRow]:
    """Tickets for the queue, most urgent first (a simple, non-virtual read)."""
    stmt = ticket_row_select()
    if not include_closed:
        stmt = stmt.where(Status.category != StatusCategory.CLOSED)
    stmt = stmt.order_by(*urgency_order()).limit(limit)
    return with_clocks(session, [TicketRow(*row) for row in session.execute(stmt).all()])


def clocks_by_ticket(session: Session, ticket_ids: list[int]) -> dict[int, tuple[ClockRow, ...]]:
    """Every non-cancelled clock of the given tickets, in one query."""
    out: dict[int, list[ClockRow]] = {}
    for start in range(0, len(ticket_ids), 900):  # stay under SQLite's parameter limit
        chunk = ticket_ids[start : start + 900]
        stmt = (
            sa.select(
                SlaClock.ticket_id,
                SlaClock.kind,
                SlaClock.state,
                SlaClock.due_at,
                SlaClock.at_risk_at,
                SlaClock.breached_at,
            )
            .where(SlaClock.ticket_id.in_(chunk), SlaClock.state != ClockState.CANCELLED)  # type: ignore[attr-defined]
            .order_by(SlaClock.id)
        )
        for ticket_id, *rest in session.execute(stmt).all():
            out.setdefault(ticket_id, []).append(ClockRow(*rest))
    return {k: tuple(v) for k, v in out.items()}


def technician_by_email(session: Session, email: str) -> TechnicianView | None:
    tech = session.execute(
        sa.select(Technician).where(sa.func.lower(Technician.email) == email.lower())
    ).scalar_one_or_none()
    if tech is None:
        return None
    return TechnicianView(
        id=tech.id,  # type: ignore[arg-type]
        name=tech.name,
        email=tech.email,
        role=tech.role,
        tier=tech.tier,
        timezone=tech.timezone,
    )


@dataclass(frozen=True)
class StatusView:
    id: int
    key: str | None
    name: str
    category: str


def statuses(session: Session) -> list[StatusView]:
    rows = session.execute(
        sa.select(Status.id, Status.key, Status.name, Status.category)
        .where(Status.active)
        .order_by(Status.sort_order)
    ).all()
    return [StatusView(*r) for r in rows]


@dataclass(frozen=True)
class NamedOption:
    id: int
    name: str


def technician_options(session: Session) -> list[NamedOption]:
    rows = session.execute(
        sa.select(Technician.id, Technician.name).where(Technician.active).order_by(Technician.name)
    ).all()
    return [NamedOption(*r) for r in rows]


def client_options(session: Session) -> list[NamedOption]:
    rows = session.execute(
        sa.select(Client.id, Client.name).where(Client.active).order_by(Client.name)
    ).all()
    return [NamedOption(*r) for r in rows]
