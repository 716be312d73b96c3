"""Read side of client administration: the list with its counts and one client in full.

Counts come from grouped subqueries (one pass per table), so the list costs a handful of
queries whatever the number of clients. Everything returned is a frozen dataclass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from msp_tui.store.models import (
    Asset,
    Client,
    ClientDomain,
    Contact,
    EscalationContact,
    PortalLogin,
    SlaProfile,
    Status,
    Ticket,
)

# Tickets whose SLA can still run: what "open" means for a client's count.
OPEN_CATEGORIES = ("open", "paused")


@dataclass(frozen=True)
class ClientRow:
    id: int
    name: str
    profile_id: int | None
    profile: str | None
    billing_type: str
    vip: bool
    portal_enabled: bool
    active: bool
    contacts: int  # not terminated
    open_tickets: int
    domains: tuple[str, ...]


@dataclass(frozen=True)
class DomainView:
    id: int
    domain: str


@dataclass(frozen=True)
class PortalLoginView:
    id: int
    email: str


@dataclass(frozen=True)
class ContactView:
    id: int
    name: str
    email: str | None
    phone: str
    authorized: bool
    terminated: bool


@dataclass(frozen=True)
class AssetView:
    id: int
    hostname: str
    user_upn: str
    kind: str


@dataclass(frozen=True)
class EscalationContactView:
    id: int
    position: int
    name: str
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    call_windows: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class ClientDetail:
    id: int
    name: str
    sla_profile_id: int | None
    profile: str | None
    billing_type: str
    hybrid_billable_default: bool
    hourly_rate_cents: int
    csat_enabled: bool
    vip: bool
    portal_enabled: bool
    notes: str
    active: bool
    domains: tuple[DomainView, ...]
    portal_logins: tuple[PortalLoginView, ...]
    contacts: tuple[ContactView, ...]
    assets: tuple[AssetView, ...]
    escalation_contacts: tuple[EscalationContactView, ...]


def client_rows(s: Session, name_contains: str = "") -> list[ClientRow]:
    """Every client (inactive ones too: an admin may need to revive one), by name."""
    contacts = (
        sa.select(Contact.client_id, sa.func.count().label("n"))
        .where(sa.not_(Contact.terminated))
        .group_by(Contact.client_id)
        .subquery()
    )
    open_tickets = (
        sa.select(Ticket.client_id, sa.func.count().label("n"))
        .join(Status, Status.id == Ticket.status_id)  # type: ignore[arg-type]
        .where(Status.category.in_(OPEN_CATEGORIES))  # type: ignore[attr-defined]
        .group_by(Ticket.client_id)
        .subquery()
    )
    stmt = (
        sa.select(
            Client.id,
            Client.name,
            Client.sla_profile_id,
            SlaProfile.name,
            Client.billing_type,
            Client.vip,
            Client.portal_enabled,
            Client.active,
            sa.func.coalesce(contacts.c.n, 0),
            sa.func.coalesce(open_tickets.c.n, 0),
        )
        .outerjoin(SlaProfile, SlaProfile.id == Client.sla_profile_id)  # type: ignore[arg-type]
        .outerjoin(contacts, contacts.c.client_id == Client.id)
        .outerjoin(open_tickets, open_tickets.c.client_id == Client.id)
        .order_by(sa.func.lower(Client.name))
    )
    needle = name_contains.strip().lower()
    if needle:
        stmt = stmt.where(sa.func.lower(Client.name).contains(needle, autoescape=True))
    rows = s.execute(stmt).all()
    domains: dict[int, list[str]] = {}
    for cid, domain in s.execute(
        sa.select(ClientDomain.client_id, ClientDomain.domain).order_by(ClientDomain.domain)
    ).all():
        domains.setdefault(cid, []).append(domain)
    return [
        ClientRow(
            id=r[0], name=r[1], profile_id=r[2], profile=r[3], billing_type=r[4], vip=r[5],
            portal_enabled=r[6], active=r[7], contacts=int(r[8]), open_tickets=int(r[9]),
            domains=tuple(domains.get(r[0], ())),
        )
        for r in rows
    ]


def client_detail(s: Session, client_id: int) -> ClientDetail | None:
    client = s.get(Client, client_id)
    if client is None:
        return None
    profile = s.get(SlaProfile, client.sla_profile_id) if client.sla_profile_id else None

    def of(model: Any, *order: Any) -> list[Any]:
        return list(s.exec(select(model).where(model.client_id == client_id).order_by(*order)))

    return ClientDetail(
        id=client_id,
        name=client.name,
        sla_profile_id=client.sla_profile_id,
        profile=profile.name if profile else None,
        billing_type=client.billing_type,
        hybrid_billable_default=client.hybrid_billable_default,
        hourly_rate_cents=client.hourly_rate_cents,
        csat_enabled=client.csat_enabled,
        vip=client.vip,
        portal_enabled=client.portal_enabled,
        notes=client.notes,
        active=client.active,
        domains=tuple(DomainView(d.id, d.domain) for d in of(ClientDomain, ClientDomain.domain)),
        portal_logins=tuple(
            PortalLoginView(p.id, p.email) for p in of(PortalLogin, PortalLogin.email)
        ),
        contacts=tuple(
            ContactView(c.id, c.name, c.email, c.phone, c.authorized, c.terminated)
            for c in of(Contact, Contact.terminated, Contact.name)
        ),
        assets=tuple(
            AssetView(a.id, a.hostname, a.user_upn, a.kind) for a in of(Asset, Asset.hostname)
        ),
        escalation_contacts=tuple(
            EscalationContactView(
                e.id, e.position, e.name, tuple(e.phones or ()), tuple(e.emails or ()),
                tuple(dict(w) for w in (e.call_windows or ())),
            )
            for e in of(EscalationContact, EscalationContact.position, EscalationContact.id)
        ),
    )
