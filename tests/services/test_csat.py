"""Satisfaction surveys: queued once on close, mailed through the outbox, answered by a
reply with a rating keyword — recorded without reopening the ticket."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

from sqlmodel import select

from msp_tui.engine.clock import FixedClock
from msp_tui.engine.vocabulary import MailOutcome, WellKnownStatus
from msp_tui.services import csat, csat_mail, mail_intake
from msp_tui.services import tickets as svc
from msp_tui.services.mail_intake import IntakeSettings, MailPosition
from msp_tui.services.outbox import OutboundSettings
from msp_tui.services.tick import acquire_lease
from msp_tui.store import migrate
from msp_tui.store.db import Database
from msp_tui.store.models import (
    AuditEvent,
    Client,
    Contact,
    CsatSurvey,
    Message,
    OutboxMail,
    Status,
)
from tests.services.gold_desk import MON, add_mail_people, build_gold_desk, new_ticket

OUT = OutboundSettings(from_address="Acme Support <help@msp.example>", ticket_prefix="MSP")


def _closed_ticket(db: Database, *, client_enabled: bool = True, terminated: bool = False) -> int:
    d = build_gold_desk(db)
    add_mail_people(d)
    with db.session() as s:
        client = s.get(Client, d.client_id)
        assert client is not None
        client.csat_enabled = client_enabled
        pat = s.exec(select(Contact).where(Contact.email == "pat@acme.example")).one()
        pat.terminated = terminated
        ticket = new_ticket(s, d)
        ticket.contact_id = pat.id
        ticket.assignee_id = d.tech.technician_id
        svc.change_status(s, ticket, WellKnownStatus.CLOSED, at=MON, actor=svc.SYSTEM)
        return ticket.id  # type: ignore[return-value]


def _answer(subject: str, body: str, sender: str = "pat@acme.example", n: int = 1) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Pat <{sender}>"
    msg["To"] = "help@msp.example"
    msg["Subject"] = f"Re: {subject}"
    msg["Message-ID"] = f"<answer-{n}@acme.example>"
    msg.set_content(body)
    return msg.as_bytes()


def _ingest(db: Database, raw: bytes, uid: int) -> mail_intake.IngestResult:
    with db.session() as s:
        return mail_intake.ingest(s, raw, at=MON, position=MailPosition("box", 1, uid),
                                  settings=IntakeSettings())


def test_closing_queues_one_survey_and_the_sender_mails_it(empty_db: Database) -> None:
    ticket_id = _closed_ticket(empty_db)
    with empty_db.session() as s:
        [survey] = s.exec(select(CsatSurvey)).all()
        assert (survey.ticket_id, survey.state, survey.recipient) == (
            ticket_id, "pending", "pat@acme.example")
    clock = FixedClock(MON)
    assert csat_mail.send_pending(empty_db, clock, OUT, owner="me") == 1
    assert csat_mail.send_pending(empty_db, clock, OUT, owner="me") == 0  # once
    with empty_db.session() as s:
        survey = s.exec(select(CsatSurvey)).one()
        mail = s.get(OutboxMail, survey.outbox_id)
        assert survey.state == "sent" and mail is not None
        assert mail.to_addrs == ["pat@acme.example"]
        assert f"[CSAT:{survey.token}]" in mail.subject and "[MSP#" in mail.subject
        assert "Tess closed your ticket" in mail.body and "5  Excellent" in mail.body


def test_lease_elsewhere_sends_nothing(empty_db: Database) -> None:
    _closed_ticket(empty_db)
    clock = FixedClock(MON)


    with empty_db.session() as s:
        assert acquire_lease(s, csat_mail.CSAT_LEASE, "other", MON, timedelta(minutes=5))
    assert csat_mail.send_pending(empty_db, clock, OUT, owner="me") == 0


def test_no_survey_for_opted_out_clients_or_terminated_contacts(
    empty_db: Database, tmp_path: Path
) -> None:
    _closed_ticket(empty_db, client_enabled=False)
    with empty_db.session() as s:
        assert s.exec(select(CsatSurvey)).all() == []
    other = Database(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    migrate.upgrade(other, backup=False)
    _closed_ticket(other, terminated=True)
    with other.session() as s:
        assert s.exec(select(CsatSurvey)).all() == []
    other.dispose()


def test_a_ticket_is_surveyed_once(empty_db: Database) -> None:
    """Closed is final (a reply opens a related ticket), but a second close path — a
    cascade racing a hand close — must not ask twice either."""
    ticket_id = _closed_ticket(empty_db)
    with empty_db.session() as s:
        ticket = s.get(svc.Ticket, ticket_id)
        assert ticket is not None
        assert csat.queue_survey(s, ticket, at=MON) is None
        assert len(s.exec(select(CsatSurvey)).all()) == 1


def test_an_answer_records_the_rating_and_leaves_the_ticket_closed(empty_db: Database) -> None:
    ticket_id = _closed_ticket(empty_db)
    csat_mail.send_pending(empty_db, FixedClock(MON), OUT, owner="me")
    with empty_db.session() as s:
        subject = s.exec(select(OutboxMail.subject)).one()
    result = _ingest(empty_db, _answer(subject, "5\nSam fixed it in minutes."), 1)
    assert result.outcome == MailOutcome.REPLY and "rating 5" in result.detail
    with empty_db.session() as s:
        survey = s.exec(select(CsatSurvey)).one()
        assert (survey.state, survey.rating, survey.comment) == (
            "answered", 5, "Sam fixed it in minutes.")
        ticket = s.get(svc.Ticket, ticket_id)
        assert ticket is not None
        status = s.get(Status, ticket.status_id)
        assert status is not None and status.key == WellKnownStatus.CLOSED
        assert len(s.exec(select(svc.Ticket)).all()) == 1  # no "new related" ticket
        last = s.exec(select(Message).order_by(Message.id.desc())).first()  # type: ignore[union-attr]
        assert last is not None and last.body.startswith("5")
        audit = s.exec(select(AuditEvent).where(AuditEvent.field == "csat_rating")).one()
        assert audit.new_value == "5" and audit.actor == "customer: pat@acme.example"

    # People change their minds: a second answer replaces the rating.
    _ingest(empty_db, _answer(subject, "poor - the printer died again", n=2), 2)
    with empty_db.session() as s:
        survey = s.exec(select(CsatSurvey)).one()
        assert survey.rating == 2 and survey.comment == "the printer died again"


def test_a_reply_to_the_survey_without_a_rating_is_mail_about_the_ticket(
    empty_db: Database,
) -> None:
    """"Good morning, the VPN is down again" is not a rating of 4: it is the customer
    writing to us, so normal intake opens a related ticket and the survey stays open."""
    _closed_ticket(empty_db)
    csat_mail.send_pending(empty_db, FixedClock(MON), OUT, owner="me")
    with empty_db.session() as s:
        subject = s.exec(select(OutboxMail.subject)).one()
    result = _ingest(empty_db, _answer(subject, "Good morning, the VPN is down again."), 1)
    assert result.outcome == MailOutcome.TICKET
    with empty_db.session() as s:
        survey = s.exec(select(CsatSurvey)).one()
        assert (survey.state, survey.rating) == ("sent", None)
        assert len(s.exec(select(svc.Ticket)).all()) == 2


def test_a_terminated_contact_cannot_rate(empty_db: Database) -> None:
    """A former employee's mail with the token goes through normal intake, which flags
    it; the survey keeps its (absent) rating."""
    _closed_ticket(empty_db)
    csat_mail.send_pending(empty_db, FixedClock(MON), OUT, owner="me")
    with empty_db.session() as s:
        subject = s.exec(select(OutboxMail.subject)).one()
    _ingest(empty_db, _answer(subject, "1 - worst service ever", sender="gone@acme.example"), 1)
    with empty_db.session() as s:
        assert s.exec(select(CsatSurvey)).one().rating is None
        flagged = s.exec(select(svc.Ticket).where(
            svc.Ticket.possible_social_engineering.is_(True))).all()  # type: ignore[attr-defined]
        assert flagged


def test_a_stranger_with_the_token_is_not_an_answer(empty_db: Database) -> None:
    _closed_ticket(empty_db)
    csat_mail.send_pending(empty_db, FixedClock(MON), OUT, owner="me")
    with empty_db.session() as s:
        subject = s.exec(select(OutboxMail.subject)).one()
    result = _ingest(empty_db, _answer(subject, "1", sender="mallory@evil.example"), 1)
    assert result.outcome != MailOutcome.REPLY or "survey" not in result.detail
    with empty_db.session() as s:
        assert s.exec(select(CsatSurvey)).one().rating is None


def test_work_resolved_long_ago_is_not_surveyed(empty_db: Database) -> None:
    """Imported history that auto-close closes today must not mail anyone."""
    d = build_gold_desk(empty_db)
    add_mail_people(d)
    with empty_db.session() as s:
        pat = s.exec(select(Contact).where(Contact.email == "pat@acme.example")).one()
        ticket = new_ticket(s, d)
        ticket.contact_id = pat.id
        svc.change_status(s, ticket, WellKnownStatus.RESOLVED, at=MON, actor=svc.SYSTEM)
        later = MON + csat.SURVEY_MAX_AGE + timedelta(minutes=1)
        svc.change_status(s, ticket, WellKnownStatus.CLOSED, at=later, actor=svc.SYSTEM)
        assert s.exec(select(CsatSurvey)).all() == []
