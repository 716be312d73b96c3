"""Outbound email through an outbox: a reply is a row first, an SMTP transaction later.

A technician's public reply and its `outbox_mail` row are written in one transaction
(:func:`enqueue_reply`), so a reply is never recorded without its mail nor mailed without
being recorded, and an SMTP outage only delays it. The sender (:func:`send_due`, run by the
holder of the ``outbox`` lease) takes due rows in `next_attempt_at` order and commits each
row's outcome in its own short transaction; no transaction is open while the network is.

Delivery is at-least-once: a row is marked sent only after the server accepted the message,
so a crash between the two sends it again on the next run. The resend carries the same
Message-ID (fixed when the row was queued), which receiving servers and clients use to drop
the duplicate.

Failures come in three kinds (:class:`Failure`): the server is unreachable or refuses us
(connection, TLS, login; the batch stops and the rest waits untouched), this message is
deferred (4xx: retried with backoff), or it is refused for good (5xx: marked failed and shown
on the ticket, where a technician can fix the address and retry).
"""

from __future__ import annotations

import contextlib
import secrets
import smtplib
import socket
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from enum import StrEnum
from typing import Protocol

from sqlmodel import Session, select

from msp_tui.config import SmtpConfig, TlsMode
from msp_tui.engine.clock import Clock
from msp_tui.engine.mail import ticket_token
from msp_tui.engine.mail_out import compose_reply, domain_of, new_message_id, reply_subject
from msp_tui.engine.vocabulary import Direction, OutboxKind, OutboxState
from msp_tui.services.tick import acquire_lease, release_lease
from msp_tui.services.tickets import ServiceError
from msp_tui.store.db import Database, bump_change_seq
from msp_tui.store.models import Contact, Message, OutboxMail, Ticket

OUTBOX_LEASE = "outbox"
BATCH = 20
MAX_REFERENCES = 20
FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=1)
SMTP_TIMEOUT = 30.0
SET_PASSWORD_HINT = "msp-tui mailbox set-password --smtp"


@dataclass(frozen=True)
class OutboundSettings:
    """What queued replies need from the config: our sender and the subject token."""

    from_address: str
    ticket_prefix: str


# ---------------------------------------------------------------- queueing


def reply_address(s: Session, ticket: Ticket) -> str | None:
    """Where replies on the ticket go: its contact's address, else whoever wrote in.

    Never a terminated contact: someone who has left the client must not keep receiving
    its tickets (their mail is flagged as possible social engineering on the way in)."""
    if ticket.contact_id is not None:
        contact = s.get(Contact, ticket.contact_id)
        if contact is not None and contact.terminated:
            return None
        if contact is not None and contact.email and "@" in contact.email:
            return contact.email.strip()
    email = (ticket.requester_email or "").strip()
    return email if "@" in email else None


def enqueue_reply(
    s: Session,
    ticket: Ticket,
    message: Message,
    *,
    at: datetime,
    settings: OutboundSettings,
) -> OutboxMail | None:
    """Queue `message` (a public reply just added in this transaction) for the customer.

    Returns None when the ticket has no address to write to: the reply stays recorded and
    the ticket view says it was not emailed. The message row gets the mail's Message-ID:
    the customer's answer names it in In-Reply-To, which is how intake threads it back.
    """
    to = reply_address(s, ticket)
    if to is None:
        return None
    s.flush()  # the message's id is part of the Message-ID
    header_id = message.message_id or new_message_id(
        domain_of(settings.from_address), f"{ticket.number}.{message.id}.{secrets.token_hex(4)}"
    )
    parent, references = _thread_ids(s, ticket.id, message.id)  # type: ignore[arg-type]
    subject = reply_subject(ticket.subject, settings.ticket_prefix, ticket.number)
    message.message_id = header_id
    message.subject = subject
    message.in_reply_to = message.in_reply_to or parent
    s.add(message)
    row = OutboxMail(
        kind=OutboxKind.REPLY,
        ticket_id=ticket.id,
        message_id=message.id,
        to_addrs=[to],
        cc_addrs=[],
        subject=subject,
        body=message.body,
        header_message_id=header_id,
        in_reply_to=parent,
        thread_refs=references,
        state=OutboxState.QUEUED,
        attempts=0,
        next_attempt_at=at,
        created_at=at,
    )
    s.add(row)
    bump_change_seq(s)
    return row


def enqueue_notification(
    s: Session,
    *,
    to: list[str],
    subject: str,
    body: str,
    at: datetime,
    settings: OutboundSettings,
    ticket: Ticket | None = None,
) -> OutboxMail | None:
    """Queue a notification mail (escalation, breach, page) in the caller's transaction.

    Not a reply: no thread headers, but the ticket token in the subject so an answer still
    lands on the ticket. None when there is nobody to write to."""
    addresses = [a.strip() for a in to if a and "@" in a]
    if not addresses:
        return None
    unique = f"n.{ticket.number if ticket else 0}.{secrets.token_hex(6)}"
    if ticket is not None and ticket_token(subject, settings.ticket_prefix) != ticket.number:
        subject = f"[{settings.ticket_prefix}#{ticket.number}] {subject}"
    row = OutboxMail(
        kind=OutboxKind.NOTIFICATION,
        ticket_id=ticket.id if ticket else None,
        to_addrs=addresses,
        cc_addrs=[],
        subject=subject,
        body=body,
        header_message_id=new_message_id(domain_of(settings.from_address), unique),
        thread_refs=[],
        state=OutboxState.QUEUED,
        attempts=0,
        next_attempt_at=at,
        created_at=at,
    )
    s.add(row)
    bump_change_seq(s)
    return row


def _thread_ids(s: Session, ticket_id: int, exclude: int) -> tuple[str | None, list[str]]:
    """(In-Reply-To, References): the customer's latest message (else the thread's first
    known id) and the ticket's known ids in order, keeping the root when over the cap."""
    rows = s.exec(
        select(Message.message_id, Message.direction)
        .where(
            Message.ticket_id == ticket_id,
            Message.id != exclude,
            Message.message_id.is_not(None),  # type: ignore[union-attr]
        )
        .order_by(Message.created_at, Message.id)  # type: ignore[arg-type]
    ).all()
    ids = [mid for mid, _ in rows if mid]
    customer = [mid for mid, direction in rows if mid and direction == Direction.CUSTOMER]
    parent = customer[-1] if customer else (ids[0] if ids else None)
    if len(ids) > MAX_REFERENCES:
        ids = [ids[0], *ids[-(MAX_REFERENCES - 1) :]]
    return parent, ids


def retry_now(s: Session, outbox_id: int, at: datetime) -> OutboxMail:
    """Put a failed (or waiting) mail back in the queue, due at `at` (the "retry" action)."""
    row = s.get(OutboxMail, outbox_id)
    if row is None:
        raise ServiceError(f"no outgoing mail with id {outbox_id}")
    if row.state == OutboxState.SENT:
        raise ServiceError("that mail was already sent")
    row.state = OutboxState.QUEUED
    row.next_attempt_at = at
    s.add(row)
    bump_change_seq(s)
    return row


# ---------------------------------------------------------------- failures


class Failure(StrEnum):
    DOWN = "down"  # the server is unreachable or refuses us: retry later, stop the batch
    TEMPORARY = "temporary"  # this message was deferred (4xx): retry later, go on
    PERMANENT = "permanent"  # this message was refused for good (5xx): failed


class DeliveryError(Exception):
    """A send that did not happen, classified, with a reason a technician can read."""

    def __init__(self, kind: Failure, text: str) -> None:
        super().__init__(text)
        self.kind = kind
        self.text = text


class PartlyRefused(Exception):
    """Accepted for some recipients only: the mail counts as sent (a resend would duplicate
    it for the others), with the refusals kept as its note."""

    def __init__(self, refused: Mapping[str, str]) -> None:
        self.refused = dict(refused)
        super().__init__(
            "not accepted for " + "; ".join(f"{a}: {t}" for a, t in self.refused.items())
        )


def _reply_text(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(f"{code} {text}".split())


def _by_code(code: int, text: str) -> DeliveryError:
    if code == 421:  # "service not available, closing channel": the server is going away
        return DeliveryError(Failure.DOWN, text)
    return DeliveryError(Failure.TEMPORARY if 400 <= code < 500 else Failure.PERMANENT, text)


def classify(
    exc: BaseException, *, host: str = "", port: int | None = None, user: str = ""
) -> DeliveryError:
    """Turn what smtplib or the socket raised into a :class:`DeliveryError`."""
    if isinstance(exc, DeliveryError):
        return exc
    server = f"{host}:{port}" if host and port else host or "the SMTP server"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        said = _reply_text(exc.smtp_code, exc.smtp_error)
        return DeliveryError(
            Failure.DOWN,
            f"SMTP login failed for {user}@{host}: check the password "
            f"(`{SET_PASSWORD_HINT}`); the server said {said}",
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        text = "; ".join(
            f"{_reply_text(code, why)} ({addr})" for addr, (code, why) in exc.recipients.items()
        )
        if any(code == 421 for code in codes):
            return DeliveryError(Failure.DOWN, text)
        permanent = codes and all(code >= 500 for code in codes)
        return DeliveryError(Failure.PERMANENT if permanent else Failure.TEMPORARY, text)
    if isinstance(exc, smtplib.SMTPSenderRefused):
        said = _reply_text(exc.smtp_code, exc.smtp_error)
        return _by_code(exc.smtp_code, f"sender {exc.sender} refused: {said}")
    if isinstance(exc, smtplib.SMTPConnectError | smtplib.SMTPHeloError):
        said = _reply_text(exc.smtp_code, exc.smtp_error)
        return DeliveryError(Failure.DOWN, f"{server} refused the session: {said}")
    if isinstance(exc, smtplib.SMTPResponseException):  # DATA and the rest
        return _by_code(exc.smtp_code, _reply_text(exc.smtp_code, exc.smtp_error))
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return DeliveryError(Failure.DOWN, f"{server} closed the connection unexpectedly")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return DeliveryError(Failure.DOWN, f"{server}: {exc} (check [smtp] tls and user)")
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return DeliveryError(Failure.DOWN, f"TLS with {server} failed: {exc}")
    if isinstance(exc, ConnectionRefusedError):
        return DeliveryError(Failure.DOWN, f"connection refused by {server}")
    if isinstance(exc, TimeoutError):  # socket.timeout too
        return DeliveryError(Failure.DOWN, f"timed out talking to {server}")
    if isinstance(exc, socket.gaierror):
        return DeliveryError(Failure.DOWN, f"cannot resolve {server}: {exc.strerror or exc}")
    if isinstance(exc, OSError):
        return DeliveryError(Failure.DOWN, f"cannot reach {server}: {exc.strerror or exc}")
    return DeliveryError(Failure.TEMPORARY, f"{type(exc).__name__}: {exc}")


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failed ones: 1, 2, 4 … min, at most 1 h."""
    return min(FIRST_RETRY * 2 ** max(0, min(attempts - 1, 16)), MAX_RETRY)


# ---------------------------------------------------------------- transports


class Transport(Protocol):
    """Hands one composed message to a mail server; raises on failure.

    Raise :class:`DeliveryError` (or anything :func:`classify` understands) when the
    message was not taken, :class:`PartlyRefused` when some recipients were refused.
    """

    def send(self, msg: EmailMessage, to: list[str]) -> None: ...

    def close(self) -> None:
        """End of a batch: drop any connection kept open between sends."""
        ...


class SmtpTransport:
    """SMTP via smtplib, one connection per batch (opened on the first send).

    ``tls``: "implicit" (SMTPS, usually port 465), "starttls" (usually 587) or "none"
    (plain, for a relay on localhost). ``password`` is called only when logging in, so the
    keyring is not asked for a password until there is mail to send.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        tls: TlsMode = "starttls",
        user: str = "",
        password: Callable[[], str] | None = None,
        timeout: float = SMTP_TIMEOUT,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.tls = tls
        self.user = user
        self.password = password
        self.timeout = timeout
        self.ssl_context = ssl_context
        self._conn: smtplib.SMTP | None = None

    @classmethod
    def from_config(
        cls, config: SmtpConfig, password: Callable[[], str] | None = None
    ) -> SmtpTransport:
        return cls(config.host, config.port, tls=config.tls, user=config.user, password=password)

    def _context(self) -> ssl.SSLContext:
        return self.ssl_context or ssl.create_default_context()

    def connect(self) -> smtplib.SMTP:
        """Open, secure and log in as configured."""
        if self.tls == "implicit":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self._context()
            )
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            conn.ehlo()
            if self.tls == "starttls":
                conn.starttls(context=self._context())
                conn.ehlo()
            if self.user:
                conn.login(self.user, self._password())
        except BaseException:
            _quietly_close(conn)
            raise
        return conn

    def _password(self) -> str:
        if self.password is None:
            raise DeliveryError(
                Failure.DOWN,
                f"no SMTP password for {self.user}@{self.host}: `{SET_PASSWORD_HINT}`",
            )
        try:
            return self.password()
        except Exception as exc:
            raise DeliveryError(
                Failure.DOWN,
                f"cannot read the SMTP password for {self.user}@{self.host}: {exc} "
                f"(`{SET_PASSWORD_HINT}`)",
            ) from exc

    def send(self, msg: EmailMessage, to: list[str]) -> None:
        try:
            if self._conn is None:
                self._conn = self.connect()
            refused = self._conn.send_message(msg, to_addrs=to)
        except Exception as exc:
            error = classify(exc, host=self.host, port=self.port, user=self.user)
            if error.kind == Failure.DOWN:
                self.close()
            raise error from exc
        if refused:
            raise PartlyRefused({a: _reply_text(code, why) for a, (code, why) in refused.items()})

    def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                _quietly_close(conn)


def _quietly_close(conn: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):
        conn.close()


# ---------------------------------------------------------------- sending


@dataclass(frozen=True)
class SendResult:
    ran: bool  # False when another process holds the outbox lease
    sent: int = 0
    retrying: int = 0  # deferred with backoff (server down, 4xx)
    failed: int = 0  # refused for good
    deferred: int = 0  # due but not tried this run: the server was down, or the lease lost
    stopped: str | None = None  # why the batch ended early


@dataclass(frozen=True)
class _Outgoing:
    id: int
    message: EmailMessage
    to: list[str]


def send_due(
    db: Database,
    clock: Clock,
    transport: Transport,
    *,
    owner: str,
    settings: OutboundSettings,
    lease_ttl: timedelta = timedelta(seconds=60),
    batch: int = BATCH,
) -> SendResult:
    """Send up to `batch` due mails, oldest due first; only the outbox lease holder sends."""
    with db.session() as s:
        if not acquire_lease(s, OUTBOX_LEASE, owner, clock.now(), lease_ttl):
            return SendResult(ran=False)
        due = s.exec(
            select(OutboxMail.id)
            .where(
                OutboxMail.state == OutboxState.QUEUED,
                OutboxMail.next_attempt_at <= clock.now(),  # type: ignore[operator]
            )
            .order_by(OutboxMail.next_attempt_at, OutboxMail.id)  # type: ignore[arg-type]
            .limit(batch)
        ).all()
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    stopped: str | None = None
    done = 0
    try:
        for outbox_id in due:
            with db.session() as s:
                # Renew per mail: a slow server must not let a second sender start.
                if not acquire_lease(s, OUTBOX_LEASE, owner, clock.now(), lease_ttl):
                    stopped = "another process took over the outbox"
                    break
                try:
                    outgoing = _prepare(s, outbox_id, clock.now(), settings)
                except Exception as exc:  # a row that is no message must not block the rest
                    broken = DeliveryError(Failure.PERMANENT, f"cannot compose the mail: {exc}")
                    counts[_record(s, outbox_id, clock.now(), broken, None)] += 1
                    outgoing = None
            done += 1
            if outgoing is None:  # unusable, or sent, failed or rescheduled meanwhile
                continue
            error: DeliveryError | None = None
            note: str | None = None
            try:
                transport.send(outgoing.message, outgoing.to)
            except PartlyRefused as exc:
                note = str(exc)
            except Exception as exc:
                error = classify(exc)
            with db.session() as s:
                counts[_record(s, outgoing.id, clock.now(), error, note)] += 1
            if error is not None and error.kind == Failure.DOWN:
                stopped = error.text
                break
    finally:
        transport.close()
        with db.session() as s:
            release_lease(s, OUTBOX_LEASE, owner)
    return SendResult(True, **counts, deferred=len(due) - done, stopped=stopped)


def _prepare(
    s: Session, outbox_id: int, now: datetime, settings: OutboundSettings
) -> _Outgoing | None:
    row = s.get(OutboxMail, outbox_id)
    if row is None or row.state != OutboxState.QUEUED:
        return None
    if row.next_attempt_at is None or row.next_attempt_at > now:
        return None
    message = compose_reply(
        from_address=settings.from_address,
        to=row.to_addrs,
        cc=row.cc_addrs,
        subject=row.subject,
        body=row.body,
        message_id=row.header_message_id,
        date=row.created_at,  # when it was written, so a resend is the same message
        in_reply_to=row.in_reply_to,
        references=row.thread_refs,
    )
    return _Outgoing(row.id, message, [*row.to_addrs, *row.cc_addrs])  # type: ignore[arg-type]


def _record(
    s: Session, outbox_id: int, now: datetime, error: DeliveryError | None, note: str | None
) -> str:
    """Store one attempt's outcome; returns the `SendResult` field it counts towards."""
    row = s.get(OutboxMail, outbox_id)
    assert row is not None  # rows are never deleted
    row.attempts += 1
    if error is None:
        row.state, row.sent_at, row.next_attempt_at, row.last_error = (
            OutboxState.SENT, now, None, note
        )
        outcome = "sent"
    elif error.kind == Failure.PERMANENT:
        row.state, row.next_attempt_at, row.last_error = OutboxState.FAILED, None, error.text
        outcome = "failed"
    else:
        row.next_attempt_at = now + backoff(row.attempts)
        row.last_error = error.text
        outcome = "retrying"
    row.last_error = row.last_error[:1000] if row.last_error else row.last_error
    s.add(row)
    bump_change_seq(s)
    return outcome

