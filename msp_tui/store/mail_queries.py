"""Lookups mail intake makes for every message: who sent it, which ticket it belongs to,
and whether this exact mail was taken before. Each is one indexed query."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from msp_tui.engine.vocabulary import Role
from msp_tui.store.models import (
    Client,
    ClientDomain,
    Contact,
    MailboxState,
    MailReceipt,
    Message,
    QuarantinedMail,
    Technician,
    Ticket,
)


@dataclass(frozen=True)
class SenderMatch:
    """The client a sender belongs to, and how we know."""

    client_id: int
    contact_id: int | None  # None when matched by domain only
    terminated: bool
    via: str  # "contact" or "domain"


def receipt_at(s: Session, mailbox: str, uidvalidity: int, uid: int) -> MailReceipt | None:
    return s.execute(
        sa.select(MailReceipt).where(
            MailReceipt.mailbox == mailbox,  # type: ignore[arg-type]
            MailReceipt.uidvalidity == uidvalidity,  # type: ignore[arg-type]
            MailReceipt.uid == uid,  # type: ignore[arg-type]
        )
    ).scalar_one_or_none()


def receipt_by_key(s: Session, dedupe_key: str) -> MailReceipt | None:
    return s.execute(
        sa.select(MailReceipt).where(MailReceipt.dedupe_key == dedupe_key)  # type: ignore[arg-type]
    ).scalar_one_or_none()


def ticket_of_message_ids(s: Session, message_ids: Sequence[str]) -> int | None:
    """The ticket holding any of these Message-IDs (ours or the customer's); the newest
    message wins when a thread was split."""
    ids = [m for m in dict.fromkeys(message_ids) if m]
    if not ids:
        return None
    return s.execute(
        sa.select(Message.ticket_id)
        .where(Message.message_id.in_(ids))  # type: ignore[union-attr]
        .order_by(Message.id.desc())  # type: ignore[union-attr]
        .limit(1)
    ).scalar_one_or_none()


def message_id_exists(s: Session, message_id: str) -> int | None:
    """The ticket that already holds a message with this Message-ID, if any."""
    return s.execute(
        sa.select(Message.ticket_id).where(Message.message_id == message_id)  # type: ignore[arg-type]
    ).scalar_one_or_none()


def ticket_by_number(s: Session, number: int) -> Ticket | None:
    return s.execute(
        sa.select(Ticket).where(Ticket.number == number)  # type: ignore[arg-type]
    ).scalar_one_or_none()


def client_domains(s: Session, client_id: int) -> frozenset[str]:
    rows = s.execute(
        sa.select(ClientDomain.domain).where(ClientDomain.client_id == client_id)  # type: ignore[arg-type]
    ).scalars()
    return frozenset(d.lower() for d in rows)


def match_sender(s: Session, email: str, domains: Iterable[str]) -> SenderMatch | None:
    """Sender -> contact -> client; else the sender's domain (or a parent) -> client.

    Only active clients match: mail from a former client's domain is left unmatched for a
    human to decide, rather than starting an SLA clock nobody pays for."""
    row = s.execute(
        sa.select(Contact.id, Contact.client_id, Contact.terminated)
        .join(Client, Client.id == Contact.client_id)  # type: ignore[arg-type]
        .where(sa.func.lower(Contact.email) == email.strip().lower(), Client.active)
    ).first()
    if row is not None:
        return SenderMatch(row.client_id, row.id, bool(row.terminated), "contact")
    for domain in domains:
        client_id = s.execute(
            sa.select(ClientDomain.client_id)
            .join(Client, Client.id == ClientDomain.client_id)  # type: ignore[arg-type]
            .where(ClientDomain.domain == domain, Client.active)  # type: ignore[arg-type]
        ).scalar_one_or_none()
        if client_id is not None:
            return SenderMatch(client_id, None, False, "domain")
    return None


def admin_ids(s: Session) -> list[int]:
    """Active admins: the people told about unmatched senders and quarantined mail."""
    return list(
        s.execute(
            sa.select(Technician.id)
            .where(Technician.role == Role.ADMIN, Technician.active)  # type: ignore[arg-type]
            .order_by(Technician.id)
        ).scalars()
    )


def mailbox_state(s: Session, mailbox: str) -> MailboxState:
    state = s.get(MailboxState, mailbox)
    if state is None:
        state = MailboxState(mailbox=mailbox)
        s.add(state)
    return state


@dataclass(frozen=True)
class QuarantineRow:
    id: int
    received_at: datetime
    sender: str
    subject: str
    reason: str
    size: int
    mailbox: str
    uid: int


def quarantine_rows(s: Session, *, include_released: bool = False) -> list[QuarantineRow]:
    query = (
        sa.select(
            QuarantinedMail.id,
            QuarantinedMail.received_at,
            QuarantinedMail.sender,
            QuarantinedMail.subject,
            QuarantinedMail.reason,
            sa.func.length(QuarantinedMail.raw).label("size"),
            MailReceipt.mailbox,
            MailReceipt.uid,
        )
        .join(MailReceipt, MailReceipt.id == QuarantinedMail.receipt_id)  # type: ignore[arg-type]
        .order_by(QuarantinedMail.received_at.desc(), QuarantinedMail.id.desc())  # type: ignore[union-attr]
    )
    if not include_released:
        query = query.where(QuarantinedMail.released_at.is_(None))  # type: ignore[union-attr]
    return [QuarantineRow(*row) for row in s.execute(query).all()]
