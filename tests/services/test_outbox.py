"""Outbound replies through the outbox, against a real SMTP server on loopback.

Time only moves when a test advances the FixedClock: backoff is checked by stored instants,
never by sleeping.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlmodel import select

from msp_tui.config import SmtpConfig
from msp_tui.engine.clock import FixedClock
from msp_tui.engine.vocabulary import Channel, Direction, OutboxState, PriorityCode
from msp_tui.services import outbox
from msp_tui.services import tickets as svc
from msp_tui.services.desk import Desk
from msp_tui.services.outbox import (
    Failure,
    OutboundSettings,
    SendResult,
    SmtpTransport,
    backoff,
    classify,
    send_due,
)
from msp_tui.services.tick import acquire_lease
from msp_tui.services.ticket_view import delivery_text, ticket_detail
from msp_tui.services.tickets import ServiceError
from msp_tui.store.db import Database
from msp_tui.store.models import Client, Contact, Message, OutboxMail, Ticket
from msp_tui.store.ticket_queries import NOT_EMAILED
from tests.services import gold_desk
from tests.smtp_sink import SmtpSink

SETTINGS = OutboundSettings(from_address="Acme Support <help@msp.example>", ticket_prefix="MSP")
HANNAH = "hannah@acme.example"
OPENING_ID = "<opening-1@acme.example>"


@pytest.fixture
def desk(desk: gold_desk.Desk, clock: FixedClock) -> Desk:
    """The Gold desk behind the real facade, acting as Tess, with outbound mail on."""
    return Desk(desk.db, clock, me_email="tess@x.example", outbound=SETTINGS)


def mail_ticket(desk: Desk, email: str | None = HANNAH, *, contact: bool = True) -> int:
    """An email ticket from Hannah at Acme (as intake would open it)."""
    with desk.db.session() as s:
        client_id = s.exec(select(Client.id).where(Client.name == "Acme")).one()
        contact_id = None
        if contact:
            row = Contact(client_id=client_id, name="Hannah", email=email)
            s.add(row)
            s.flush()
            contact_id = row.id
        ticket = svc.create_ticket(
            s,
            at=desk.clock.now(),
            subject="Printer offline",
            body="It is offline",
            channel=Channel.EMAIL,
            priority=PriorityCode.P3,
            client_id=client_id,
            contact_id=contact_id,
            requester_email=email,
            message_id=(OPENING_ID if email == HANNAH else f"<opening-{email}>") if email else None,
        )
        return ticket.id  # type: ignore[return-value]


def transport(sink: SmtpSink, **kwargs: Any) -> SmtpTransport:
    return SmtpTransport(sink.host, sink.port, tls="none", **kwargs)


def run(desk: Desk, via: Any, owner: str = "worker-1") -> SendResult:
    return send_due(desk.db, desk.clock, via, owner=owner, settings=SETTINGS)


def rows(db: Database) -> list[OutboxMail]:
    with db.session() as s:
        return list(s.exec(select(OutboxMail).order_by(OutboxMail.id)).all())  # type: ignore[arg-type]


def advance(desk: Desk, delta: timedelta) -> None:
    desk.clock.advance(delta)  # type: ignore[attr-defined]


# ---------------------------------------------------------------- queue and send


def test_a_reply_is_queued_with_its_message_and_sent_once(desk: Desk, smtp_sink: SmtpSink) -> None:
    ticket_id = mail_ticket(desk)
    with desk.db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        number = ticket.number
        svc.add_message(
            s, ticket, at=desk.clock.now(), direction=Direction.CUSTOMER, body="Still offline",
            author_email=HANNAH, message_id="<followup-2@acme.example>",
        )
    advance(desk, timedelta(minutes=5))
    seq = desk.change_seq()
    desk.reply(ticket_id, "Hi Hannah,\nplease power-cycle it. Grüße, Tess")
    assert desk.change_seq() == seq + 1  # message and mail: one transaction
    [row] = rows(desk.db)
    assert (row.state, row.attempts, row.to_addrs) == (OutboxState.QUEUED, 0, [HANNAH])
    assert row.next_attempt_at == desk.clock.now()
    with desk.db.session() as s:
        reply = s.exec(select(Message).where(Message.direction == Direction.PUBLIC)).one()
    assert reply.message_id == row.header_message_id  # intake threads the answer by it
    assert reply.message_id.startswith("<msp-tui.") and reply.message_id.endswith("@msp.example>")

    result = run(desk, transport(smtp_sink))
    assert result == SendResult(True, sent=1)
    assert run(desk, transport(smtp_sink)) == SendResult(True)  # never twice
    [got] = smtp_sink.received
    assert got.mail_from == "help@msp.example" and got.rcpt_tos == [HANNAH]
    mail = got.message()
    assert mail["Message-ID"] == reply.message_id
    assert mail["In-Reply-To"] == "<followup-2@acme.example>"  # the customer's latest
    assert mail["References"].split() == [OPENING_ID, "<followup-2@acme.example>"]
    assert mail["Subject"] == f"Re: [MSP#{number}] Printer offline"
    assert mail["To"] == HANNAH and mail["From"] == SETTINGS.from_address
    assert "Grüße, Tess" in mail.get_content()
    [row] = rows(desk.db)
    assert (row.state, row.attempts, row.sent_at) == (OutboxState.SENT, 1, desk.clock.now())
    assert row.next_attempt_at is None and row.last_error is None


def test_without_outbound_settings_replies_are_only_recorded(
    desk: Desk, smtp_sink: SmtpSink
) -> None:
    ticket_id = mail_ticket(desk)
    Desk(desk.db, desk.clock, me_email="tess@x.example").reply(ticket_id, "Recorded only")
    assert rows(desk.db) == []
    assert run(desk, transport(smtp_sink)) == SendResult(True)
    assert ticket_detail(desk, ticket_id).messages[-1].delivery is not None  # "not emailed"
    plain = Desk(desk.db, desk.clock, me_email="tess@x.example")
    assert ticket_detail(plain, ticket_id).messages[-1].delivery is None  # mail is off


def test_notes_are_never_queued(desk: Desk) -> None:
    desk.note(mail_ticket(desk), "internal")
    assert rows(desk.db) == []


def test_the_requester_gets_it_when_there_is_no_contact(desk: Desk) -> None:
    ticket_id = mail_ticket(desk, "walk-in@elsewhere.example", contact=False)
    desk.reply(ticket_id, "Hello")
    assert rows(desk.db)[0].to_addrs == ["walk-in@elsewhere.example"]


def test_no_address_is_not_queued_and_says_so(desk: Desk) -> None:
    ticket_id = mail_ticket(desk, None, contact=False)
    desk.reply(ticket_id, "Hello?")
    assert rows(desk.db) == []
    with desk.db.session() as s:
        reply = s.exec(select(Message).where(Message.direction == Direction.PUBLIC)).one()
        assert reply.message_id is None
    detail = ticket_detail(desk, ticket_id)
    delivery = detail.messages[-1].delivery
    assert delivery is not None and delivery.state == NOT_EMAILED
    assert delivery_text(delivery, detail.zone, detail.messages[-1].at) == (
        "not emailed: the ticket has no contact address"
    )
    assert detail.messages[0].delivery is None  # the customer's message is no reply


def test_a_terminated_contact_is_not_mailed(desk: Desk) -> None:
    ticket_id = mail_ticket(desk)
    with desk.db.session() as s:
        contact = s.exec(select(Contact).where(Contact.email == HANNAH)).one()
        contact.terminated = True
        s.add(contact)
    desk.reply(ticket_id, "Your new laptop password is ...")
    assert rows(desk.db) == []
    detail = ticket_detail(desk, ticket_id)
    assert delivery_text(detail.messages[-1].delivery, detail.zone, detail.messages[-1].at) == (  # type: ignore[arg-type]
        "not emailed: the contact has left the client (terminated)"
    )


def test_references_keep_the_root_and_the_latest(desk: Desk) -> None:
    ticket_id = mail_ticket(desk)
    with desk.db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        for i in range(30):
            svc.add_message(
                s, ticket, at=desk.clock.now() + timedelta(minutes=i),  # type: ignore[arg-type]
                direction=Direction.CUSTOMER, body=f"again {i}", message_id=f"<m{i}@acme.example>",
            )
    advance(desk, timedelta(hours=1))
    desk.reply(ticket_id, "Answer")
    [row] = rows(desk.db)
    assert len(row.thread_refs) == outbox.MAX_REFERENCES
    assert row.thread_refs[0] == OPENING_ID and row.thread_refs[-1] == "<m29@acme.example>"
    assert row.in_reply_to == "<m29@acme.example>"


# ---------------------------------------------------------------- failures


def test_server_down_then_up_sends_exactly_once_after_backoff(
    desk: Desk, smtp_sink: SmtpSink
) -> None:
    ticket_id = mail_ticket(desk)
    for text in ("one", "two", "three"):
        desk.reply(ticket_id, text)
    smtp_sink.down()
    seq = desk.change_seq()
    result = run(desk, transport(smtp_sink))
    assert (result.retrying, result.deferred, result.sent) == (1, 2, 0)
    assert result.stopped == f"connection refused by 127.0.0.1:{smtp_sink.port}"
    assert desk.change_seq() == seq + 1
    first, *rest = rows(desk.db)
    assert (first.state, first.attempts) == (OutboxState.QUEUED, 1)
    assert first.next_attempt_at == desk.clock.now() + timedelta(minutes=1)
    assert first.last_error == result.stopped
    assert all(r.attempts == 0 and r.next_attempt_at == desk.clock.now() for r in rest)

    smtp_sink.up()
    assert run(desk, transport(smtp_sink)).sent == 2  # the untouched ones; the first waits
    advance(desk, timedelta(seconds=59))
    assert run(desk, transport(smtp_sink)) == SendResult(True)
    advance(desk, timedelta(seconds=1))
    assert run(desk, transport(smtp_sink)).sent == 1
    assert run(desk, transport(smtp_sink)) == SendResult(True)
    bodies = sorted(m.message().get_content().strip() for m in smtp_sink.received)
    assert bodies == ["one", "three", "two"]  # each once
    assert all(r.state == OutboxState.SENT for r in rows(desk.db))


def test_451_is_retried_with_growing_backoff(desk: Desk, smtp_sink: SmtpSink) -> None:
    ticket_id = mail_ticket(desk)
    desk.reply(ticket_id, "one")
    desk.reply(ticket_id, "two")
    smtp_sink.tempfail()
    result = run(desk, transport(smtp_sink))
    assert (result.retrying, result.stopped) == (2, None)  # a 4xx does not stop the batch
    row = rows(desk.db)[0]
    assert row.state == OutboxState.QUEUED and row.last_error is not None
    assert row.last_error.startswith("451 4.3.0") and HANNAH in row.last_error
    advance(desk, timedelta(minutes=1))
    run(desk, transport(smtp_sink))
    row = rows(desk.db)[0]
    assert row.attempts == 2 and row.next_attempt_at == desk.clock.now() + timedelta(minutes=2)
    smtp_sink.ok()
    advance(desk, timedelta(minutes=2))
    assert run(desk, transport(smtp_sink)).sent == 2
    assert len(smtp_sink.received) == 2


def test_550_fails_shows_on_the_ticket_and_can_be_retried(
    desk: Desk, smtp_sink: SmtpSink
) -> None:
    ticket_id = mail_ticket(desk)
    desk.reply(ticket_id, "Hello")
    smtp_sink.reject(HANNAH)
    assert run(desk, transport(smtp_sink)) == SendResult(True, failed=1)
    [row] = rows(desk.db)
    assert row.state == OutboxState.FAILED and row.next_attempt_at is None
    assert row.last_error == f"550 5.1.1 mailbox unknown ({HANNAH})"
    detail = ticket_detail(desk, ticket_id)
    reply = detail.messages[-1]
    assert reply.delivery is not None and reply.delivery.state == OutboxState.FAILED
    assert delivery_text(reply.delivery, detail.zone, reply.at) == (
        f"failed: 550 5.1.1 mailbox unknown ({HANNAH})"
    )
    advance(desk, timedelta(hours=2))
    assert run(desk, transport(smtp_sink)) == SendResult(True)  # failed stays failed

    smtp_sink.ok()
    desk.retry_email(row.id)  # type: ignore[arg-type]
    assert run(desk, transport(smtp_sink)).sent == 1
    with pytest.raises(ServiceError, match="already sent"):
        desk.retry_email(row.id)  # type: ignore[arg-type]


def test_queued_retry_reaches_the_ticket_view(desk: Desk, smtp_sink: SmtpSink) -> None:
    ticket_id = mail_ticket(desk)
    desk.reply(ticket_id, "Hello")
    smtp_sink.down()
    run(desk, transport(smtp_sink))
    advance(desk, timedelta(minutes=1))
    run(desk, transport(smtp_sink))
    detail = ticket_detail(desk, ticket_id)
    reply = detail.messages[-1]
    assert reply.delivery is not None and reply.delivery.attempts == 2
    # 15:32 UTC is 10:32 in New York (the Gold calendar's zone, shown to the reader)
    assert detail.zone == "America/New_York"
    assert delivery_text(reply.delivery, detail.zone, reply.at) == (
        f"queued (attempt 2, next try 10:33: connection refused by 127.0.0.1:{smtp_sink.port})"
    )


def test_login_failure_names_the_fix(
    desk: Desk, smtp_sink_factory: Callable[..., SmtpSink]
) -> None:
    sink = smtp_sink_factory(users={"desk": "s3cret"})
    desk.reply(mail_ticket(desk), "Hello")
    desk.reply(mail_ticket(desk, "other@acme.example"), "Hello too")
    result = run(desk, transport(sink, user="desk", password=lambda: "wrong"))
    assert (result.retrying, result.deferred) == (1, 1)  # config problem: stop, retry later
    assert result.stopped is not None
    assert result.stopped.startswith(
        "SMTP login failed for desk@127.0.0.1: check the password "
        "(`msp-tui mailbox set-password --smtp`)"
    )
    assert "535" in result.stopped
    assert rows(desk.db)[0].state == OutboxState.QUEUED
    advance(desk, timedelta(minutes=1))
    assert run(desk, transport(sink, user="desk", password=lambda: "s3cret")).sent == 2
    assert sorted(r.rcpt_tos[0] for r in sink.received) == [HANNAH, "other@acme.example"]


def test_a_missing_password_is_a_config_error(desk: Desk, smtp_sink: SmtpSink) -> None:
    desk.reply(mail_ticket(desk), "Hello")
    result = run(desk, transport(smtp_sink, user="desk"))
    assert result.stopped == (
        "no SMTP password for desk@127.0.0.1: `msp-tui mailbox set-password --smtp`"
    )
    assert smtp_sink.received == []


def test_lease_held_elsewhere_sends_nothing(desk: Desk, smtp_sink: SmtpSink) -> None:
    desk.reply(mail_ticket(desk), "Hello")
    with desk.db.session() as s:
        assert acquire_lease(s, "outbox", "console-2", desk.clock.now(), timedelta(minutes=1))
    seq = desk.change_seq()
    assert run(desk, transport(smtp_sink), owner="worker-1") == SendResult(False)
    assert smtp_sink.received == [] and rows(desk.db)[0].state == OutboxState.QUEUED
    assert desk.change_seq() == seq
    advance(desk, timedelta(minutes=1))  # the other holder's lease expired
    assert run(desk, transport(smtp_sink), owner="worker-1").sent == 1


def test_one_connection_per_batch(
    desk: Desk, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket_id = mail_ticket(desk)
    for i in range(3):
        desk.reply(ticket_id, f"reply {i}")
    opened = []
    real = SmtpTransport.connect

    def counting(self: SmtpTransport) -> smtplib.SMTP:
        opened.append(1)
        return real(self)

    monkeypatch.setattr(SmtpTransport, "connect", counting)
    via = transport(smtp_sink)
    assert run(desk, via).sent == 3
    assert len(opened) == 1 and via._conn is None  # closed at the end of the batch


def test_batch_size_and_due_order(desk: Desk) -> None:
    ticket_id = mail_ticket(desk)
    for i in range(5):
        desk.reply(ticket_id, f"reply {i}")
        advance(desk, timedelta(seconds=1))
    sent: list[str] = []

    class Recorder:
        def send(self, msg: EmailMessage, to: list[str]) -> None:
            sent.append(msg.get_content().strip())

        def close(self) -> None:
            pass

    result = send_due(desk.db, desk.clock, Recorder(), owner="w", settings=SETTINGS, batch=2)
    assert result.sent == 2 and sent == ["reply 0", "reply 1"]
    send_due(desk.db, desk.clock, Recorder(), owner="w", settings=SETTINGS, batch=10)
    assert sent == [f"reply {i}" for i in range(5)]


def test_a_partly_refused_mail_counts_as_sent_with_a_note(desk: Desk) -> None:
    desk.reply(mail_ticket(desk), "Hello")

    class Partly:
        def send(self, msg: EmailMessage, to: list[str]) -> None:
            raise outbox.PartlyRefused({"cc@acme.example": "550 no such user"})

        def close(self) -> None:
            pass

    assert run(desk, Partly()).sent == 1
    [row] = rows(desk.db)
    assert row.state == OutboxState.SENT
    assert row.last_error == "not accepted for cc@acme.example: 550 no such user"


# ---------------------------------------------------------------- pure parts


def test_backoff_doubles_to_an_hour() -> None:
    assert [backoff(n).total_seconds() / 60 for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert backoff(500) == timedelta(hours=1)


@pytest.mark.parametrize(
    ("exc", "kind", "text"),
    [
        (ConnectionRefusedError(), Failure.DOWN, "connection refused by mx.example:587"),
        (TimeoutError(), Failure.DOWN, "timed out talking to mx.example:587"),
        (smtplib.SMTPServerDisconnected("x"), Failure.DOWN, "mx.example:587 closed the connection"),
        (smtplib.SMTPDataError(451, b"try later"), Failure.TEMPORARY, "451 try later"),
        (smtplib.SMTPDataError(421, b"closing"), Failure.DOWN, "421 closing"),
        (smtplib.SMTPDataError(554, b"spam"), Failure.PERMANENT, "554 spam"),
        (smtplib.SMTPSenderRefused(553, b"not yours", "a@b"), Failure.PERMANENT, "sender a@b"),
        (
            smtplib.SMTPRecipientsRefused({"a@b": (550, b"no"), "c@d": (451, b"later")}),
            Failure.TEMPORARY,
            "550 no (a@b); 451 later (c@d)",
        ),
        (smtplib.SMTPAuthenticationError(535, b"bad"), Failure.DOWN, "SMTP login failed for u@"),
        (smtplib.SMTPNotSupportedError("STARTTLS extension not supported by server."),
         Failure.DOWN, "mx.example:587: STARTTLS extension not supported"),
        (ValueError("odd"), Failure.TEMPORARY, "ValueError: odd"),
    ],
)
def test_classify(exc: Exception, kind: Failure, text: str) -> None:
    error = classify(exc, host="mx.example", port=587, user="u")
    assert error.kind == kind and error.text.startswith(text)
    assert classify(error) is error


class FakeSmtp:
    """Stands in for smtplib.SMTP / SMTP_SSL and records the conversation."""

    calls: list[tuple[str, Any]]

    def __init__(self, host: str, port: int, **kwargs: Any) -> None:
        self.calls = type(self).calls
        self.calls.append((type(self).__name__, (host, port, sorted(kwargs))))

    def ehlo(self) -> None:
        self.calls.append(("ehlo", None))

    def starttls(self, context: Any = None) -> None:
        self.calls.append(("starttls", context is not None))

    def login(self, user: str, password: str) -> None:
        self.calls.append(("login", (user, password)))

    def send_message(self, msg: EmailMessage, to_addrs: list[str]) -> dict[str, Any]:
        self.calls.append(("send", to_addrs))
        return {}

    def quit(self) -> None:
        self.calls.append(("quit", None))

    def close(self) -> None:
        self.calls.append(("close", None))


@pytest.mark.parametrize(
    ("tls", "user", "expected"),
    [
        ("none", "", ["SMTP", "ehlo", "send", "quit"]),
        ("starttls", "", ["SMTP", "ehlo", "starttls", "ehlo", "send", "quit"]),
        ("starttls", "desk", ["SMTP", "ehlo", "starttls", "ehlo", "login", "send", "quit"]),
        ("implicit", "desk", ["SMTP_SSL", "ehlo", "login", "send", "quit"]),
    ],
)
def test_tls_mode_selection(
    monkeypatch: pytest.MonkeyPatch, tls: str, user: str, expected: list[str]
) -> None:
    calls: list[tuple[str, Any]] = []
    plain = type("SMTP", (FakeSmtp,), {"calls": calls})
    implicit = type("SMTP_SSL", (FakeSmtp,), {"calls": calls})
    monkeypatch.setattr(smtplib, "SMTP", plain)
    monkeypatch.setattr(smtplib, "SMTP_SSL", implicit)
    config = SmtpConfig(enabled=True, host="mx.example", port=465, tls=tls, user=user,  # type: ignore[arg-type]
                        from_address="help@msp.example")
    via = SmtpTransport.from_config(config, password=lambda: "pw")
    via.send(EmailMessage(), ["a@b.example"])
    via.close()
    assert [name for name, _ in calls] == expected
    assert calls[0][1][:2] == ("mx.example", 465)
    assert "timeout" in calls[0][1][2]
    if tls == "implicit":
        assert "context" in calls[0][1][2]
    if user:
        assert ("login", ("desk", "pw")) in calls


def test_a_row_that_cannot_be_composed_fails_without_blocking_the_rest(desk: Desk) -> None:
    ticket_id = mail_ticket(desk)
    desk.reply(ticket_id, "broken")
    desk.reply(ticket_id, "fine")
    with desk.db.session() as s:
        row = s.get(OutboxMail, rows(desk.db)[0].id)
        assert row is not None
        row.to_addrs = ["hannah@acme.example\r\nBcc: x@evil.example"]
        s.add(row)
    sent: list[list[str]] = []

    class Recorder:
        def send(self, msg: EmailMessage, to: list[str]) -> None:
            sent.append(to)

        def close(self) -> None:
            pass

    assert run(desk, Recorder()) == SendResult(True, sent=1, failed=1)
    broken = rows(desk.db)[0]
    assert broken.state == OutboxState.FAILED and broken.last_error is not None
    assert broken.last_error.startswith("cannot compose the mail:")
    assert sent == [[HANNAH]]


def test_a_notification_mail_is_queued_with_the_token_and_sent(
    desk: Desk, smtp_sink: SmtpSink
) -> None:
    ticket_id = mail_ticket(desk)
    with desk.db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        row = outbox.enqueue_notification(
            s, to=[HANNAH, "not-an-address"], subject="SLA breached", body="We are on it.",
            at=desk.clock.now(), settings=SETTINGS, ticket=ticket,
        )
        assert row is not None
        assert outbox.enqueue_notification(s, to=[], subject="x", body="y",
                                           at=desk.clock.now(), settings=SETTINGS) is None
    assert run(desk, transport(smtp_sink)).sent == 1
    [got] = smtp_sink.received
    msg = got.message()
    assert got.rcpt_tos == [HANNAH] and msg["In-Reply-To"] is None
    with desk.db.session() as s:
        number = s.get(Ticket, ticket_id).number  # type: ignore[union-attr]
    assert str(msg["Subject"]) == f"[MSP#{number}] SLA breached"
