"""Read models for the new-ticket form's pickers: small frozen options, one query each.

The form offers what a technician may choose from (active clients, a client's contacts
and assets, active categories, the priority matrix); these never carry ORM objects, so
a picker cannot lazy-load from the UI thread.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from msp_tui.store.models import (
    Asset,
    Category,
    Client,
    Contact,
    Priority,
    PriorityMatrix,
    SlaProfile,
    Ticket,
)


@dataclass(frozen=True)
class ClientOption:
    id: int
    name: str
    profile_name: str | None  # None: no SLA profile, the ticket will show No SLA
    vip: bool


@dataclass(frozen=True)
class ContactOption:
    id: int
    name: str
    email: str | None
    authorized: bool
    terminated: bool


@dataclass(frozen=True)
class AssetOption:
    id: int
    hostname: str
    kind: str


@dataclass(frozen=True)
class CategoryOption:
    id: int
    name: str
    parent_id: int | None  # None: a top-level category


@dataclass(frozen=True)
class PriorityOption:
    code: str
    label: str


def client_options(session: Session) -> list[ClientOption]:
    """Active clients by name, with the tier their SLA runs on."""
    stmt = (
        sa.select(Client.id, Client.name, SlaProfile.name, Client.vip)
        .outerjoin(SlaProfile, SlaProfile.id == Client.sla_profile_id)
        .where(Client.active)
        .order_by(sa.func.lower(Client.name), Client.id)
    )
    return [ClientOption(*row) for row in session.execute(stmt).all()]


def contact_options(session: Session, client_id: int) -> list[ContactOption]:
    """Every contact of one client, terminated ones included: the form warns, not hides."""
    stmt = (
        sa.select(Contact.id, Contact.name, Contact.email, Contact.authorized, Contact.terminated)
        .where(Contact.client_id == client_id)
        .order_by(Contact.terminated, sa.func.lower(Contact.name), Contact.id)
    )
    return [ContactOption(*row) for row in session.execute(stmt).all()]


def asset_options(session: Session, client_id: int) -> list[AssetOption]:
    stmt = (
        sa.select(Asset.id, Asset.hostname, Asset.kind)
        .where(Asset.client_id == client_id)
        .order_by(sa.func.lower(Asset.hostname), Asset.id)
    )
    return [AssetOption(*row) for row in session.execute(stmt).all()]


def category_options(session: Session) -> list[CategoryOption]:
    """Active categories and sub-categories by name; the caller groups them by parent."""
    stmt = (
        sa.select(Category.id, Category.name, Category.parent_id)
        .where(Category.active)
        .order_by(sa.func.lower(Category.name), Category.id)
    )
    return [CategoryOption(*row) for row in session.execute(stmt).all()]


def priority_options(session: Session) -> list[PriorityOption]:
    """P1-P4 with their editable labels, most urgent first."""
    stmt = sa.select(Priority.code, Priority.label).order_by(Priority.rank)
    return [PriorityOption(*row) for row in session.execute(stmt).all()]


def priority_matrix(session: Session) -> dict[tuple[str, str], str]:
    """(impact, urgency) -> priority code, as the admin configured the matrix."""
    stmt = sa.select(PriorityMatrix.impact, PriorityMatrix.urgency, PriorityMatrix.priority)
    return {(impact, urgency): code for impact, urgency, code in session.execute(stmt).all()}


def ticket_number(session: Session, ticket_id: int) -> int | None:
    """The number users know a ticket by (ids are internal)."""
    stmt = sa.select(Ticket.number).where(Ticket.id == ticket_id)
    return session.execute(stmt).scalar_one_or_none()
