"""Read models: SQL that turns rows into frozen views for the screens.

Widgets never hold ORM objects or sessions (they would lazy-load from the UI thread);
they get these plain dataclasses, built in one query per view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session

from msp_tui.engine.vocabulary import StatusCategory
from msp_tui.store.models import Client, Priority, Status, Technician, Ticket


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


@dataclass(frozen=True)
class TechnicianView:
    id: int
    name: str
    email: str
    role: str
    tier: str
    timezone: str | None


def queue_rows(
    session: Session, *, include_closed: bool = False, limit: int = 500
) -> list[TicketRow]:
    """Tickets for the queue, most urgent first: nearest SLA due, then priority, then age."""
    assignee = aliased(Technician)
    stmt = (
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
    if not include_closed:
        stmt = stmt.where(Status.category != StatusCategory.CLOSED)
    stmt = stmt.order_by(
        sa.case((Ticket.next_due_at.is_(None), 1), else_=0),  # type: ignore[union-attr]
        Ticket.next_due_at,
        Priority.rank,
        Ticket.created_at,
    ).limit(limit)
    return [TicketRow(*row) for row in session.execute(stmt).all()]


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
