"""Mail intake decisions against a real SQLite desk (no IMAP: the poller has its own tests)."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from msp_tui.engine.clock import FixedClock
from msp_tui.engine.vocabulary import MailOutcome, PriorityCode
from msp_tui.screens.ticket import message_text
from msp_tui.services import tickets as svc
from msp_tui.services.desk import Desk as FacadeDesk
from msp_tui.services.mail_intake import IntakeSettings, MailPosition, ingest
from msp_tui.services.ticket_view import ticket_detail
from msp_tui.store.models import (
    Attachment,
    MailReceipt,
    Message,
    Notification,
    QuarantinedMail,
    SlaClock,
    Status,
    Ticket,
    TicketRelation,
)
from tests.mail_builders import customer_mail
from tests.services.gold_desk import FIXED, MON, Desk, add_mail_people

SETTINGS = IntakeSettings(
    default_priority=PriorityCode.P3,
    our_addresses=("help@msp.example",),
    max_attachment_bytes=1000,
    own_id_domain="msp.example",
)


def mail(**details: Any) -> bytes:
    return customer_mail(date=MON, **details).as_bytes()


class Inbox:
    """Feeds mails at increasing UIDs, one transaction each, like the poller does."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.uid = 0

    def take(self, raw: bytes, *, at: datetime = MON, uid: int | None = None, uidvalidity: int = 7):
        if uid is None:
            self.uid += 1
            uid = self.uid
        with self.desk.db.session() as s:
            return ingest(s, raw, at=at, position=MailPosition("box", uidvalidity, uid),
                          settings=SETTINGS)


@pytest.fixture
def inbox(desk: Desk) -> Inbox:
    add_mail_people(desk)
    return Inbox(desk)


def ticket(desk: Desk, ticket_id: int | None) -> Ticket:
    with desk.db.session() as s:
        t = s.get(Ticket, ticket_id)
        assert t is not None
        s.expunge(t)
        return t


def status_key(desk: Desk, ticket_id: int | None) -> str:
    with desk.db.session() as s:
        t = s.get(Ticket, ticket_id)
        assert t is not None
        return s.get(Status, t.status_id).key  # type: ignore[union-attr,return-value]


def count(desk: Desk, model: type) -> int:
    with desk.db.session() as s:
        return s.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def test_new_mail_from_a_contact_opens_a_ticket_with_running_clocks(desk: Desk, inbox: Inbox):
    result = inbox.take(mail())
    assert result.outcome == MailOutcome.TICKET and not result.already
    t = ticket(desk, result.ticket_id)
    assert (t.client_id, t.channel, t.priority, t.unmatched_client) == (
        desk.client_id, "email", "P3", False)
    assert t.requester_email == "pat@acme.example"
    with desk.db.session() as s:
        clocks = s.exec(select(SlaClock).where(SlaClock.ticket_id == t.id)).all()
        assert {c.kind for c in clocks} >= {"response", "resolution"}
        assert all(c.started_at == MON for c in clocks)
        receipt = s.exec(select(MailReceipt)).one()
        assert (receipt.mailbox, receipt.uidvalidity, receipt.uid) == ("box", 7, 1)
        assert receipt.dedupe_key == "<m1@acme.example>" and receipt.ticket_id == t.id


def test_the_same_mail_twice_is_taken_once(desk: Desk, inbox: Inbox):
    first = inbox.take(mail(), uid=5)
    again = inbox.take(mail(), uid=5)  # same position (crash before \Seen, restart)
    moved = inbox.take(mail(), uid=1, uidvalidity=8)  # same mail after a UIDVALIDITY change
    assert again.already and moved.already
    assert again.ticket_id == moved.ticket_id == first.ticket_id
    assert count(desk, Ticket) == 1 and count(desk, MailReceipt) == 1


def test_mail_without_message_id_is_deduplicated_by_its_bytes(desk: Desk, inbox: Inbox):
    raw = mail(message_id=None)
    inbox.take(raw)
    assert inbox.take(raw, uidvalidity=9).already
    assert inbox.take(mail(message_id=None, body="another one")).outcome == MailOutcome.TICKET
    assert count(desk, Ticket) == 2


def test_domain_match_without_contact(desk: Desk, inbox: Inbox):
    result = inbox.take(mail(sender="new.person@it.acme.example"))
    t = ticket(desk, result.ticket_id)
    assert t.client_id == desk.client_id and t.contact_id is None


def test_unmatched_sender_waits_for_a_client_and_admins_hear_of_it(desk: Desk, inbox: Inbox):
    result = inbox.take(mail(sender="stranger@elsewhere.example"))
    assert "unmatched" in result.detail
    t = ticket(desk, result.ticket_id)
    assert t.unmatched_client and t.client_id is None
    with desk.db.session() as s:
        assert s.exec(select(SlaClock).where(SlaClock.ticket_id == t.id)).all() == []
        note = s.exec(select(Notification)).one()
        assert "no client matches" in note.text and note.ticket_id == t.id
        later = MON + timedelta(hours=1)
        svc.match_client(s, s.get(Ticket, t.id), desk.client_id, at=later, actor=desk.tech)  # type: ignore[arg-type]
    with desk.db.session() as s:
        clocks = s.exec(select(SlaClock).where(SlaClock.ticket_id == t.id)).all()
        assert clocks and all(c.started_at == later for c in clocks)


def test_terminated_contact_is_flagged(desk: Desk, inbox: Inbox):
    result = inbox.take(mail(sender="gone@acme.example"))
    assert ticket(desk, result.ticket_id).possible_social_engineering
    with desk.db.session() as s:
        assert "social engineering" in s.exec(select(Notification)).one().text


def test_reply_threads_by_header_and_resumes_waiting_ticket(desk: Desk, inbox: Inbox):
    first = inbox.take(mail())
    with desk.db.session() as s:
        svc.change_status(s, s.get(Ticket, first.ticket_id), "waiting_on_customer",  # type: ignore[arg-type]
                          at=MON + timedelta(minutes=5), actor=desk.tech)
    reply = inbox.take(mail(subject="Re: Printer offline", message_id="<m2@acme.example>",
                            in_reply_to="<m1@acme.example>",
                            body="Still broken.\n\nOn Mon, Pat wrote:\n> The printer"),
                       at=MON + timedelta(hours=1))
    assert reply.outcome == MailOutcome.REPLY and reply.ticket_id == first.ticket_id
    assert status_key(desk, first.ticket_id) == "in_progress"
    with desk.db.session() as s:
        bodies = s.exec(select(Message.body).where(Message.ticket_id == first.ticket_id)
                        .order_by(Message.id)).all()
    assert bodies[-1] == "Still broken."  # quoted history stripped
    assert count(desk, Ticket) == 1


def test_subject_token_threads_only_from_the_tickets_client(desk: Desk, inbox: Inbox):
    first = inbox.take(mail())
    number = ticket(desk, first.ticket_id).number
    ours = inbox.take(mail(sender="colleague@acme.example", subject=f"Re: [MSP#{number}] x",
                           message_id="<m3@acme.example>"))
    assert ours.outcome == MailOutcome.REPLY and ours.ticket_id == first.ticket_id
    foreign = inbox.take(mail(sender="eve@evil.example", subject=f"[MSP#{number}] urgent",
                              message_id="<m4@evil.example>"))
    assert foreign.outcome == MailOutcome.TICKET and foreign.ticket_id != first.ticket_id
    assert ticket(desk, foreign.ticket_id).subject == "urgent"  # no foreign token kept


def test_reply_reopens_resolved_and_a_closed_ticket_gets_a_related_new_one(
    desk: Desk, inbox: Inbox
):
    first = inbox.take(mail())
    with desk.db.session() as s:
        svc.change_status(s, s.get(Ticket, first.ticket_id), "resolved",  # type: ignore[arg-type]
                          at=MON + timedelta(hours=1), actor=desk.tech, closure=FIXED)
    reopened = inbox.take(mail(message_id="<r1@acme.example>", in_reply_to="<m1@acme.example>"),
                          at=MON + timedelta(hours=2))
    assert "reopened" in reopened.detail
    assert status_key(desk, first.ticket_id) == "in_progress"
    with desk.db.session() as s:
        svc.change_status(s, s.get(Ticket, first.ticket_id), "closed",  # type: ignore[arg-type]
                          at=MON + timedelta(hours=3), actor=desk.tech, closure=FIXED)
    again = inbox.take(mail(message_id="<r2@acme.example>", in_reply_to="<m1@acme.example>"),
                       at=MON + timedelta(hours=4))
    assert again.outcome == MailOutcome.TICKET and again.ticket_id != first.ticket_id
    assert status_key(desk, first.ticket_id) == "closed"
    with desk.db.session() as s:
        rel = s.exec(select(TicketRelation)).one()
    assert {rel.ticket_id, rel.related_id} == {again.ticket_id, first.ticket_id}


@pytest.mark.parametrize(
    ("sender", "headers"),
    [
        ("pat@acme.example", {"Auto-Submitted": "auto-replied"}),
        ("pat@acme.example", {"Precedence": "bulk"}),
        ("MAILER-DAEMON@mx.acme.example", {}),
        ("help@msp.example", {}),
    ],
)
def test_machine_and_own_mail_is_ignored(desk: Desk, inbox: Inbox, sender, headers):
    result = inbox.take(mail(sender=sender, headers=headers))
    assert result.outcome == MailOutcome.IGNORED and result.detail
    assert count(desk, Ticket) == 0 and count(desk, MailReceipt) == 1


def test_our_own_message_coming_back_is_ignored(desk: Desk, inbox: Inbox):
    result = inbox.take(mail(message_id="<msp-tui.42.1@msp.example>"))
    assert result.outcome == MailOutcome.IGNORED


def test_unreadable_mail_is_quarantined_raw_and_intake_goes_on(desk: Desk, inbox: Inbox):
    raw = b"Subject: no sender here\r\n\r\nbody\r\n"
    result = inbox.take(raw)
    assert result.outcome == MailOutcome.QUARANTINED and "sender" in result.detail
    with desk.db.session() as s:
        kept = s.exec(select(QuarantinedMail)).one()
        assert kept.raw == raw and kept.subject == "no sender here"
        assert s.exec(select(Notification)).one().level == "warning"
    assert inbox.take(mail()).outcome == MailOutcome.TICKET


def test_a_failure_while_ingesting_quarantines_instead_of_losing(
    desk: Desk, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(svc, "create_ticket", broken)
    result = inbox.take(mail())
    assert result.outcome == MailOutcome.QUARANTINED and "disk on fire" in result.detail
    assert count(desk, Ticket) == 0 and count(desk, QuarantinedMail) == 1


def test_attachments_are_kept_and_oversize_ones_listed(desk: Desk, inbox: Inbox):
    msg = EmailMessage()
    msg["From"] = "pat@acme.example"
    msg["Subject"] = "Logs"
    msg["Message-ID"] = "<att@acme.example>"
    msg.set_content("see attached")
    msg.add_attachment(b"small log", maintype="text", subtype="plain", filename="a.log")
    msg.add_attachment(b"x" * 5000, maintype="application", subtype="zip", filename="big.zip")
    result = inbox.take(msg.as_bytes())
    with Session(desk.db.engine) as s:
        rows = s.exec(select(Attachment).order_by(Attachment.id)).all()
        opening = s.exec(select(Message).where(Message.ticket_id == result.ticket_id)).one()
    assert (rows[0].filename, rows[0].data, rows[0].message_id) == (
        "a.log", b"small log", opening.id)
    assert rows[1].data is None and rows[1].skipped_reason and rows[1].size == 5000


def test_the_ticket_view_lists_attachments(desk: Desk, inbox: Inbox):
    msg = EmailMessage()
    msg["From"] = "pat@acme.example"
    msg["Subject"] = "Screenshot"
    msg["Message-ID"] = "<shot@acme.example>"
    msg.set_content("see the screenshot")
    msg.add_attachment(b"\x89PNG" + b"0" * 508, maintype="image", subtype="png",
                       filename="error.png")
    msg.add_attachment(b"x" * 5000, maintype="application", subtype="zip", filename="dump.zip")
    result = inbox.take(msg.as_bytes())
    detail = ticket_detail(FacadeDesk(desk.db, FixedClock(MON)), result.ticket_id)  # type: ignore[arg-type]
    [opening] = detail.messages
    assert [(a.filename, a.size, bool(a.skipped_reason)) for a in opening.attachments] == [
        ("error.png", 512, False), ("dump.zip", 5000, True)]
    shown = message_text(opening, "UTC").plain
    assert "📎 error.png (512 B)" in shown and "📎 dump.zip (4.9 KiB) — not kept:" in shown
