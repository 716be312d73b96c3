"""Turn one inbound mail into a ticket, a reply on a ticket, an ignored mail or a
quarantined one — all in the caller's transaction, together with the receipt.

The receipt (mailbox, UIDVALIDITY, UID, dedupe key) is written in the same transaction as
the ticket or message, so "did we take this mail?" has exactly one answer whatever
crashes: the poller asks it before ingesting and flags the mail on the server only after
the commit. Anything unexpected while ingesting rolls back to a savepoint and the raw
bytes go to the quarantine with the reason, so one bad mail never blocks the mailbox.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from msp_tui.engine import intake
from msp_tui.engine.intake import ReplyEffect
from msp_tui.engine.mail import ParsedMail, parse_message, ticket_token
from msp_tui.engine.vocabulary import (
    Channel,
    Direction,
    MailOutcome,
    NotificationLevel,
    PriorityCode,
    WellKnownStatus,
)
from msp_tui.services import csat_mail, tickets
from msp_tui.services.tickets import Actor
from msp_tui.store import mail_queries as q
from msp_tui.store.db import bump_change_seq
from msp_tui.store.models import (
    Attachment,
    CsatSurvey,
    MailReceipt,
    Message,
    Notification,
    QuarantinedMail,
    Status,
    Ticket,
)

log = logging.getLogger(__name__)

INTAKE = Actor("email intake")


@dataclass(frozen=True)
class IntakeSettings:
    """What intake needs from the config (built by the caller)."""

    default_priority: PriorityCode = PriorityCode.P3
    ticket_prefix: str = "MSP"
    our_addresses: tuple[str, ...] = ()
    max_attachment_bytes: int = 10 * 1024 * 1024
    own_id_domain: str | None = None  # the domain of the Message-IDs we send


@dataclass(frozen=True)
class MailPosition:
    """Where a mail sits on the IMAP server; UIDs are only unique within a UIDVALIDITY."""

    mailbox: str
    uidvalidity: int
    uid: int


@dataclass(frozen=True)
class IngestResult:
    outcome: MailOutcome
    detail: str = ""
    ticket_id: int | None = None
    already: bool = False  # taken before (same position, or same mail under another UID)


def ingest(
    s: Session,
    raw: bytes,
    *,
    at: datetime,
    position: MailPosition,
    settings: IntakeSettings,
) -> IngestResult:
    """Take one mail; idempotent per position and per dedupe key."""
    seen = q.receipt_at(s, position.mailbox, position.uidvalidity, position.uid)
    if seen is not None:
        return IngestResult(MailOutcome(seen.outcome), seen.detail, seen.ticket_id, already=True)
    mail = parse_message(raw, max_attachment_bytes=settings.max_attachment_bytes)
    key = intake.dedupe_key(mail.message_id, raw)
    seen = q.receipt_by_key(s, key)
    if seen is not None:
        return IngestResult(MailOutcome(seen.outcome), seen.detail, seen.ticket_id, already=True)

    reason = intake.quarantine_reason(mail)
    if reason is not None:
        return _quarantine(s, raw, mail, key, reason, at=at, position=position)
    ignored = intake.ignore_reason(mail, settings.our_addresses, settings.own_id_domain)
    if ignored is None and mail.message_id:
        holder = q.message_id_exists(s, mail.message_id)
        if holder is not None:
            ignored = "this Message-ID is already on a ticket (our own mail, or a copy)"
    if ignored is not None:
        _receipt(s, position, key, MailOutcome.IGNORED, ignored, at=at)
        bump_change_seq(s)
        return IngestResult(MailOutcome.IGNORED, ignored)

    try:
        with s.begin_nested():
            result = _take(s, mail, at=at, settings=settings)
            _receipt(s, position, key, result.outcome, result.detail, at=at,
                     ticket_id=result.ticket_id, message_id=result.message_row_id)
    except Exception as exc:  # one bad mail must not block the mailbox
        log.exception("mail %s could not be ingested; quarantined", position)
        reason = f"could not be ingested: {type(exc).__name__}: {exc}"
        return _quarantine(s, raw, mail, key, reason[:1000], at=at, position=position)
    return IngestResult(result.outcome, result.detail, result.ticket_id)


def reingest(
    s: Session, quarantined_id: int, *, at: datetime, settings: IntakeSettings, actor: Actor
) -> IngestResult:
    """Try a quarantined mail again (after the cause was fixed); on success its receipt
    now points at the ticket, and the quarantine entry is released."""
    kept = s.get(QuarantinedMail, quarantined_id)
    if kept is None or kept.released_at is not None:
        raise tickets.ServiceError("that mail is no longer in the quarantine")
    receipt = s.get(MailReceipt, kept.receipt_id)
    assert receipt is not None
    mail = parse_message(kept.raw, max_attachment_bytes=settings.max_attachment_bytes)
    reason = intake.quarantine_reason(mail)
    if reason is not None:
        raise tickets.ServiceError(f"still cannot be taken: {reason}")
    with s.begin_nested():
        taken = _take(s, mail, at=at, settings=settings)
    receipt.outcome = taken.outcome
    receipt.detail = f"{taken.detail} (released from quarantine by {actor.name})"[:500]
    receipt.ticket_id = taken.ticket_id
    receipt.message_id = taken.message_row_id
    kept.released_at = at
    s.add_all([receipt, kept])
    tickets.audit(s, at=at, actor=actor, entity="quarantined_mail", entity_id=quarantined_id,
                  field="released", old=None, new=taken.detail)
    bump_change_seq(s)
    return IngestResult(taken.outcome, taken.detail, taken.ticket_id)


def discard(s: Session, quarantined_id: int, *, at: datetime, actor: Actor) -> None:
    """Drop a quarantined mail from the list (the raw bytes stay, for the audit)."""
    kept = s.get(QuarantinedMail, quarantined_id)
    if kept is None or kept.released_at is not None:
        raise tickets.ServiceError("that mail is no longer in the quarantine")
    kept.released_at = at
    s.add(kept)
    tickets.audit(s, at=at, actor=actor, entity="quarantined_mail", entity_id=quarantined_id,
                  field="discarded", old=None, new=kept.reason[:200])
    bump_change_seq(s)


# --------------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class _Taken:
    outcome: MailOutcome
    detail: str
    ticket_id: int
    message_row_id: int


def _take(s: Session, mail: ParsedMail, *, at: datetime, settings: IntakeSettings) -> _Taken:
    sender = q.match_sender(s, mail.from_email, intake.domain_candidates(mail.from_email))
    survey = csat_mail.survey_for_answer(
        s, mail.subject, intake.body_for_ticket(mail, is_reply=True), mail.from_email,
        sender.client_id if sender else None,
        sender_terminated=sender is not None and sender.terminated,
    )
    if survey is not None:  # before threading: an answer must not reopen the closed ticket
        return _survey_answer(s, mail, survey, sender, at=at)
    target = _thread_target(s, mail, sender, settings)
    if target is not None:
        status = s.get(Status, target.status_id)
        assert status is not None
        effect = intake.reply_effect(status.key, status.category)
        if effect != ReplyEffect.NEW_RELATED:
            return _reply(s, mail, target, effect, sender, at=at)
        return _new_ticket(s, mail, sender, at=at, settings=settings, related=target)
    return _new_ticket(s, mail, sender, at=at, settings=settings)


def _thread_target(
    s: Session, mail: ParsedMail, sender: q.SenderMatch | None, settings: IntakeSettings
) -> Ticket | None:
    """Headers first (the mail answers one we know), then the subject token — which only
    counts from the ticket's own client."""
    ids = [i for i in (mail.in_reply_to, *reversed(mail.references)) if i]
    ticket_id = q.ticket_of_message_ids(s, ids)
    if ticket_id is not None:
        return s.get(Ticket, ticket_id)
    number = ticket_token(mail.subject, settings.ticket_prefix)
    if number is None:
        return None
    ticket = q.ticket_by_number(s, number)
    if ticket is None:
        return None
    facts = intake.TokenTicket(
        client_id=ticket.client_id,
        requester_email=ticket.requester_email,
        client_domains=q.client_domains(s, ticket.client_id) if ticket.client_id else frozenset(),
    )
    if intake.token_counts(facts, mail.from_email, sender.client_id if sender else None):
        return ticket
    log.info("token [#%s] from %s ignored: not the ticket's client", number, mail.from_email)
    return None


def _reply(
    s: Session,
    mail: ParsedMail,
    ticket: Ticket,
    effect: ReplyEffect,
    sender: q.SenderMatch | None,
    *,
    at: datetime,
) -> _Taken:
    contact_id = sender.contact_id if sender and sender.client_id == ticket.client_id else None
    message = tickets.add_message(
        s,
        ticket,
        at=at,
        direction=Direction.CUSTOMER,
        body=intake.body_for_ticket(mail, is_reply=True),
        actor=INTAKE,
        channel=Channel.EMAIL,
        author_contact_id=contact_id,
        author_name=mail.from_name or mail.from_email,
        author_email=mail.from_email,
        message_id=mail.message_id,
        in_reply_to=mail.in_reply_to,
    )
    s.flush()
    _attachments(s, message, mail)
    detail = f"reply on #{ticket.number}"
    if effect in (ReplyEffect.RESUME, ReplyEffect.REOPEN):
        verb = "reopened" if effect == ReplyEffect.REOPEN else "back to work"
        tickets.change_status(
            s, ticket, WellKnownStatus.IN_PROGRESS, at=at, actor=INTAKE,
            reason="the customer replied by email",
        )
        detail += f" ({verb})"
    if sender is not None and sender.terminated:
        _flag_social_engineering(s, ticket, mail, at=at)
    return _Taken(MailOutcome.REPLY, detail, ticket.id, message.id)  # type: ignore[arg-type]


def _survey_answer(
    s: Session,
    mail: ParsedMail,
    survey: CsatSurvey,
    sender: q.SenderMatch | None,
    *,
    at: datetime,
) -> _Taken:
    """A satisfaction survey answer: the rating on the survey, the words in the thread as
    the customer's message; the ticket keeps its status and no clock moves."""
    ticket = s.get(Ticket, survey.ticket_id)
    assert ticket is not None
    body = intake.body_for_ticket(mail, is_reply=True)
    answer = csat_mail.record_answer(s, survey, body, at=at, sender=mail.from_email)
    message = tickets.add_message(
        s,
        ticket,
        at=at,
        direction=Direction.CUSTOMER,
        body=body.strip() or "(empty survey answer)",
        actor=INTAKE,
        channel=Channel.EMAIL,
        author_contact_id=sender.contact_id if sender else None,
        author_name=mail.from_name or mail.from_email,
        author_email=mail.from_email,
        message_id=mail.message_id,
        in_reply_to=mail.in_reply_to,
    )
    s.flush()
    detail = f"survey answer on #{ticket.number} (rating {answer.rating})"
    return _Taken(MailOutcome.REPLY, detail, ticket.id, message.id)  # type: ignore[arg-type]


def _new_ticket(
    s: Session,
    mail: ParsedMail,
    sender: q.SenderMatch | None,
    *,
    at: datetime,
    settings: IntakeSettings,
    related: Ticket | None = None,
) -> _Taken:
    subject = _without_token(intake.ticket_subject(mail), settings.ticket_prefix)
    ticket = tickets.create_ticket(
        s,
        at=at,
        subject=subject,
        body=intake.body_for_ticket(mail, is_reply=related is not None),
        channel=Channel.EMAIL,
        priority=settings.default_priority,
        client_id=sender.client_id if sender else None,
        contact_id=sender.contact_id if sender else None,
        requester_name=mail.from_name or mail.from_email,
        requester_email=mail.from_email,
        message_id=mail.message_id,
        actor=INTAKE,
    )
    message = s.execute(
        sa.select(Message).where(Message.ticket_id == ticket.id).order_by(Message.id).limit(1)  # type: ignore[arg-type]
    ).scalar_one()
    _attachments(s, message, mail)
    detail = f"new ticket #{ticket.number}"
    if related is not None:
        tickets.relate(s, ticket, related, at=at, actor=INTAKE,
                       reason=f"customer wrote again on closed ticket #{related.number}")
        detail += f" (follows closed #{related.number})"
    if sender is None:
        detail += " (unmatched client)"
        _notify_admins(
            s, ticket, at=at, level=NotificationLevel.WARNING,
            text=f"#{ticket.number} from {mail.from_email}: no client matches this sender; "
                 "its SLA clock starts when you match a client",
            key=f"unmatched:{ticket.id}",
        )
    elif sender.terminated:
        _flag_social_engineering(s, ticket, mail, at=at)
    return _Taken(MailOutcome.TICKET, detail, ticket.id, message.id)  # type: ignore[arg-type]


def _without_token(subject: str, prefix: str) -> str:
    """A new ticket must not carry another ticket's token: replies would thread there."""
    cleaned = re.sub(rf"\s*\[\s*{re.escape(prefix)}\s*#\s*\d+\s*\]\s*", " ", subject,
                     flags=re.IGNORECASE).strip()
    return cleaned or subject


def _attachments(s: Session, message: Message, mail: ParsedMail) -> None:
    for a in mail.attachments:
        s.add(
            Attachment(
                message_id=message.id,  # type: ignore[arg-type]
                filename=a.filename[:255],
                content_type=a.content_type[:255],
                size=a.size,
                data=a.data,
                skipped_reason=a.skipped_reason,
            )
        )


def _flag_social_engineering(s: Session, ticket: Ticket, mail: ParsedMail, *, at: datetime) -> None:
    """Mail from someone who has left the client may be an attacker using their name."""
    if not ticket.possible_social_engineering:
        ticket.possible_social_engineering = True
        s.add(ticket)
        tickets.audit(s, at=at, actor=INTAKE, entity="ticket", entity_id=ticket.id,  # type: ignore[arg-type]
                      field="possible_social_engineering", old=False, new=True,
                      reason=f"mail from terminated contact {mail.from_email}")
    _notify_admins(
        s, ticket, at=at, level=NotificationLevel.ERROR,
        text=f"#{ticket.number}: mail from terminated contact {mail.from_email} — "
             "possible social engineering; verify before acting",
        key=f"terminated:{ticket.id}:{mail.message_id or at.isoformat()}",
    )


def _notify_admins(
    s: Session, ticket: Ticket | None, *, at: datetime, level: str, text: str, key: str
) -> None:
    for admin_id in q.admin_ids(s):
        s.add(
            Notification(
                recipient_id=admin_id,
                level=level,
                text=text[:1000],
                ticket_id=ticket.id if ticket else None,
                dedupe_key=f"{key}:{admin_id}"[:200],
                created_at=at,
            )
        )


def _receipt(
    s: Session,
    position: MailPosition,
    key: str,
    outcome: MailOutcome,
    detail: str,
    *,
    at: datetime,
    ticket_id: int | None = None,
    message_id: int | None = None,
) -> MailReceipt:
    receipt = MailReceipt(
        mailbox=position.mailbox,
        uidvalidity=position.uidvalidity,
        uid=position.uid,
        dedupe_key=key[:998],
        outcome=outcome,
        detail=detail[:500],
        ticket_id=ticket_id,
        message_id=message_id,
        received_at=at,
    )
    s.add(receipt)
    s.flush()
    return receipt


def _quarantine(
    s: Session,
    raw: bytes,
    mail: ParsedMail,
    key: str,
    reason: str,
    *,
    at: datetime,
    position: MailPosition,
) -> IngestResult:
    receipt = _receipt(s, position, key, MailOutcome.QUARANTINED, reason, at=at)
    s.add(
        QuarantinedMail(
            receipt_id=receipt.id,  # type: ignore[arg-type]
            reason=reason[:1000],
            sender=mail.from_email[:254],
            subject=mail.subject[:500],
            raw=bytes(raw),
            received_at=at,
        )
    )
    _notify_admins(
        s, None, at=at, level=NotificationLevel.WARNING,
        text=f"mail from {mail.from_email or 'an unknown sender'} quarantined: {reason}",
        key=f"quarantine:{receipt.id}",
    )
    bump_change_seq(s)
    return IngestResult(MailOutcome.QUARANTINED, reason)
