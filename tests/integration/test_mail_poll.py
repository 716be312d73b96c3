"""The mailbox poller against a real Dovecot on loopback: tickets, threading, flags,
crashes and UIDVALIDITY changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
import sqlalchemy as sa
from sqlmodel import select

from msp_tui.engine.clock import FixedClock
from msp_tui.engine.vocabulary import MailOutcome, PriorityCode
from msp_tui.services import mail_poll
from msp_tui.services import tickets as svc
from msp_tui.services.mail_intake import IntakeSettings
from msp_tui.services.mail_poll import MailboxSettings, PollResult, poll_once
from msp_tui.store.db import Database
from msp_tui.store.models import (
    Attachment,
    MailboxState,
    MailReceipt,
    Message,
    Notification,
    QuarantinedMail,
    Status,
    Ticket,
)
from tests.mail_builders import customer_mail
from tests.mailservers import ImapAccount
from tests.services.gold_desk import FIXED, Desk, add_mail_people, build_gold_desk

INTAKE = IntakeSettings(default_priority=PriorityCode.P3, our_addresses=("help@msp.example",),
                        own_id_domain="msp.example", max_attachment_bytes=100_000)
SEEN = b"\\Seen"


mail = customer_mail


class Poller:
    """Polls one Dovecot account into one desk with a clock that only moves when told."""

    def __init__(self, desk: Desk, account: ImapAccount, processed_folder: str = "") -> None:
        self.desk = desk
        self.account = account
        self.clock = FixedClock(datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5))
        self.box = MailboxSettings(host=account.host, port=account.port, tls="none",
                                   user=account.user, processed_folder=processed_folder)
        self.password = account.password

    def poll(
        self, owner: str = "test-poller", *, expect_error: bool = False, **kwargs: object
    ) -> PollResult:
        result = poll_once(self.desk.db, self.clock, self.box, INTAKE, lambda: self.password,
                           owner=owner, **kwargs)  # type: ignore[arg-type]
        assert expect_error or result.error is None, result.error
        return result

    def tickets(self) -> list[Ticket]:
        with self.desk.db.session() as s:
            rows = list(s.exec(select(Ticket).order_by(Ticket.id)).all())
            for t in rows:
                s.expunge(t)
            return rows

    def status_key(self, ticket_id: int | None) -> str:
        with self.desk.db.session() as s:
            t = s.get(Ticket, ticket_id)
            return s.get(Status, t.status_id).key  # type: ignore[union-attr,return-value]

    def count(self, model: type) -> int:
        with self.desk.db.session() as s:
            return s.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


@pytest.fixture
def desk(empty_db: Database) -> Desk:
    return build_gold_desk(empty_db)


@pytest.fixture
def poller(desk: Desk, dovecot: ImapAccount) -> Poller:
    add_mail_people(desk)
    return Poller(desk, dovecot)


def test_new_mail_becomes_a_ticket_and_is_marked_read(poller: Poller, dovecot: ImapAccount):
    uid = dovecot.append(mail().as_bytes())
    result = poller.poll()
    assert result.outcomes == {MailOutcome.TICKET: 1}
    [ticket] = poller.tickets()
    assert ticket.subject == "Printer offline" and ticket.channel == "email"
    assert SEEN in dovecot.flags(uid)
    with poller.desk.db.session() as s:
        state = s.get(MailboxState, poller.box.label)
        assert state is not None and state.last_uid == uid and state.last_error is None
    assert poller.poll().fetched == 0  # nothing new: the cursor moved past it


def test_mail_a_person_already_read_is_still_taken(poller: Poller, dovecot: ImapAccount):
    dovecot.append(mail().as_bytes(), flags=(SEEN,))
    assert poller.poll().outcomes == {MailOutcome.TICKET: 1}


def test_replies_thread_by_header_and_by_token_and_reopen(poller: Poller, dovecot: ImapAccount):
    dovecot.append(mail().as_bytes())
    poller.poll()
    [ticket] = poller.tickets()
    with poller.desk.db.session() as s:
        svc.change_status(s, s.get(Ticket, ticket.id), "resolved",  # type: ignore[arg-type]
                          at=poller.clock.now(), actor=poller.desk.tech, closure=FIXED)
    poller.clock.advance(timedelta(minutes=10))
    dovecot.append(mail(subject="Re: Printer offline", message_id="<m2@acme.example>",
                        in_reply_to="<m1@acme.example>", body="It broke again.").as_bytes())
    dovecot.append(mail(sender="colleague@acme.example", subject=f"[MSP#{ticket.number}] photo",
                        message_id="<m3@acme.example>", body="Here is a photo.").as_bytes())
    result = poller.poll()
    assert result.outcomes == {MailOutcome.REPLY: 2}
    assert len(poller.tickets()) == 1
    assert poller.status_key(ticket.id) == "in_progress"  # reopened by the reply
    with poller.desk.db.session() as s:
        bodies = s.exec(select(Message.body).where(Message.ticket_id == ticket.id)
                        .order_by(Message.id)).all()
    assert bodies[-2:] == ["It broke again.", "Here is a photo."]


def test_unmatched_sender_then_matched(poller: Poller, dovecot: ImapAccount):
    dovecot.append(mail(sender="someone@unknown.example").as_bytes())
    poller.poll()
    [ticket] = poller.tickets()
    assert ticket.unmatched_client and ticket.next_due_at is None
    with poller.desk.db.session() as s:
        assert s.exec(select(Notification)).one().ticket_id == ticket.id
        svc.match_client(s, s.get(Ticket, ticket.id), poller.desk.client_id,  # type: ignore[arg-type]
                         at=poller.clock.now(), actor=poller.desk.tech)
    assert poller.tickets()[0].next_due_at is not None


def test_auto_reply_is_ignored_and_still_marked_read(poller: Poller, dovecot: ImapAccount):
    uid = dovecot.append(mail(headers={"Auto-Submitted": "auto-replied"}).as_bytes())
    assert poller.poll().outcomes == {MailOutcome.IGNORED: 1}
    assert poller.tickets() == [] and SEEN in dovecot.flags(uid)


def test_html_only_non_utf8_and_attachment(poller: Poller, dovecot: ImapAccount):
    html = EmailMessage()
    html["From"] = "pat@acme.example"
    html["Subject"] = "Écran noir"
    html["Message-ID"] = "<h1@acme.example>"
    html.set_content("<html><body><p>L'écran est <b>noir</b>.</p><p>Merci</p></body></html>",
                     subtype="html", charset="iso-8859-1")
    latin = (b"From: pat@acme.example\r\nSubject: =?windows-1252?q?Caf=E9_machine?=\r\n"
             b"Message-ID: <w1@acme.example>\r\nContent-Type: text/plain; charset=windows-1252\r\n"
             b"Content-Transfer-Encoding: 8bit\r\n\r\nThe caf\xe9 machine costs \x80 5.\r\n")
    with_file = mail(message_id="<a1@acme.example>", subject="Logs attached")
    with_file.add_attachment(b"line 1\nline 2\n", maintype="text", subtype="plain",
                             filename="event.log")
    for raw in (html.as_bytes(), latin, with_file.as_bytes()):
        dovecot.append(raw)
    assert poller.poll().outcomes == {MailOutcome.TICKET: 3}
    with poller.desk.db.session() as s:
        bodies = dict(s.exec(select(Ticket.subject, Message.body)
                             .join(Message, Message.ticket_id == Ticket.id)).all())
        attachment = s.exec(select(Attachment)).one()
    assert bodies["Écran noir"] == "L'écran est noir.\n\nMerci"
    assert bodies["Café machine"] == "The café machine costs € 5."
    assert (attachment.filename, attachment.data) == ("event.log", b"line 1\nline 2\n")


def test_broken_mail_is_quarantined_and_the_poll_goes_on(poller: Poller, dovecot: ImapAccount):
    bad = dovecot.append(b"Subject: no sender\r\n\r\njust text\r\n")
    dovecot.append(mail().as_bytes())
    result = poller.poll()
    assert result.outcomes == {MailOutcome.QUARANTINED: 1, MailOutcome.TICKET: 1}
    assert SEEN in dovecot.flags(bad)
    with poller.desk.db.session() as s:
        assert s.exec(select(QuarantinedMail)).one().raw.startswith(b"Subject: no sender")


class Crash(Exception):
    """Stands for the process dying between the commit and flagging the mail."""


def test_crash_between_commit_and_seen_neither_loses_nor_duplicates(
    poller: Poller, dovecot: ImapAccount, monkeypatch: pytest.MonkeyPatch
):
    uids = [dovecot.append(mail(message_id=f"<c{i}@acme.example>").as_bytes()) for i in range(3)]

    def crash(*args: object, **kwargs: object) -> None:
        raise Crash

    monkeypatch.setattr(mail_poll, "mark_done", crash)
    with pytest.raises(Crash):
        poller.poll()
    assert len(poller.tickets()) == 3  # committed
    assert all(SEEN not in dovecot.flags(uid) for uid in uids)  # but never flagged
    monkeypatch.undo()

    poller.clock.advance(timedelta(minutes=3))  # the dead process's lease runs out
    again = poller.poll(owner="restarted-process")
    assert again.already == 3 and not again.outcomes
    assert len(poller.tickets()) == 3 and poller.count(MailReceipt) == 3
    assert all(SEEN in dovecot.flags(uid) for uid in uids)


def test_uidvalidity_change_does_not_duplicate(poller: Poller, dovecot: ImapAccount):
    raws = [mail(message_id=f"<u{i}@acme.example>").as_bytes() for i in range(2)]
    raws.append(mail(message_id=None, body="no message id here").as_bytes())
    for raw in raws:
        dovecot.append(raw)
    poller.poll()
    assert len(poller.tickets()) == 3
    dovecot.recreate_folder("INBOX")  # the server renumbers: new UIDVALIDITY, UIDs from 1
    dovecot.append(mail(message_id="<fresh@acme.example>").as_bytes())
    result = poller.poll()
    assert result.already == 3 and result.outcomes == {MailOutcome.TICKET: 1}
    assert len(poller.tickets()) == 4


def test_processed_folder_receives_taken_mail(desk: Desk, dovecot: ImapAccount):
    add_mail_people(desk)
    poller = Poller(desk, dovecot, processed_folder="Processed")
    dovecot.append(mail().as_bytes())
    poller.poll()
    assert dovecot.uids("INBOX") == []
    assert len(dovecot.uids("Processed")) == 1


def test_wrong_password_is_reported_and_nothing_is_lost(poller: Poller, dovecot: ImapAccount):
    dovecot.append(mail().as_bytes())
    poller.password = "wrong"
    result = poller.poll(expect_error=True)
    assert result.error and "login failed" in result.error and "set-password" in result.error
    with poller.desk.db.session() as s:
        state = s.get(MailboxState, poller.box.label)
        assert state is not None and state.last_error == result.error
        assert "login failed" in s.exec(select(Notification)).one().text
    poller.password = dovecot.password
    assert poller.poll().outcomes == {MailOutcome.TICKET: 1}
    with poller.desk.db.session() as s:
        assert s.get(MailboxState, poller.box.label).last_error is None  # type: ignore[union-attr]


def test_only_the_lease_holder_polls(poller: Poller, dovecot: ImapAccount):
    dovecot.append(mail().as_bytes())
    assert poller.poll(owner="console-a").ran
    dovecot.append(mail(message_id="<second@acme.example>").as_bytes())
    other = poller.poll(owner="console-b")
    assert not other.ran and len(poller.tickets()) == 1


def test_batches_take_everything_in_order(poller: Poller, dovecot: ImapAccount):
    for i in range(7):
        dovecot.append(mail(message_id=f"<b{i}@acme.example>", subject=f"Issue {i}").as_bytes())
    result = poller.poll(batch=3)
    assert result.outcomes == {MailOutcome.TICKET: 7}
    assert [t.subject for t in poller.tickets()] == [f"Issue {i}" for i in range(7)]
