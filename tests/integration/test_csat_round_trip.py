"""A satisfaction survey through real servers: a ticket closes, `mailbox send` mails the
survey (aiosmtpd sink), the customer's answer arrives in Dovecot and `mailbox poll`
records the rating on the closed ticket."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from msp_tui.cli import main
from msp_tui.engine.vocabulary import WellKnownStatus
from msp_tui.services import tickets as svc
from msp_tui.services.desk import Desk
from msp_tui.store.db import url_for
from msp_tui.store.models import Contact, CsatSurvey, Status, Ticket
from tests.integration.test_mail_round_trip import customer_mail, write_config
from tests.mailservers import ImapAccount
from tests.memory_keyring import MemoryKeyring
from tests.services.gold_desk import add_mail_people, build_gold_desk
from tests.smtp_sink import SmtpSink


def test_survey_out_rating_back(
    tmp_path: Path, dovecot: ImapAccount, smtp_sink: SmtpSink, memory_keyring: MemoryKeyring
) -> None:
    db_path = tmp_path / "desk.sqlite3"
    desk, _ = Desk.open(url_for(db_path), seed_demo_if_empty=False)
    gold = build_gold_desk(desk.db)
    add_mail_people(gold)
    config = write_config(tmp_path / "config.toml", dovecot, smtp_sink)
    cli = ["--config", str(config), "--db", str(db_path)]
    memory_keyring.set_password("msp-tui", f"imap:{dovecot.user}@{dovecot.host}",
                                dovecot.password)

    dovecot.append(customer_mail("Printer offline", "Floor 2 printer is offline.",
                                 message_id="<c1@acme.example>"))
    assert main([*cli, "mailbox", "poll"]) == 0
    with desk.db.session() as s:
        ticket = s.exec(select(Ticket)).one()
        svc.change_status(s, ticket, WellKnownStatus.CLOSED, at=desk.clock.now(),
                          actor=svc.SYSTEM)

    assert main([*cli, "mailbox", "send"]) == 0
    [survey_mail] = smtp_sink.received
    out = survey_mail.message()
    assert survey_mail.rcpt_tos == ["pat@acme.example"]
    assert "[CSAT:" in str(out["Subject"]) and "How did we do?" in str(out["Subject"])

    dovecot.append(customer_mail(f"Re: {out['Subject']}", "Excellent\nFixed before lunch.",
                                 message_id="<c2@acme.example>",
                                 in_reply_to=str(out["Message-ID"])))
    assert main([*cli, "mailbox", "poll"]) == 0
    with desk.db.session() as s:
        survey = s.exec(select(CsatSurvey)).one()
        assert (survey.rating, survey.comment, survey.state) == (5, "Fixed before lunch.",
                                                                 "answered")
        pat = s.exec(select(Contact).where(Contact.email == "pat@acme.example")).one()
        assert survey.recipient == pat.email
        assert len(s.exec(select(Ticket)).all()) == 1  # the answer opened nothing
        status = s.get(Status, s.exec(select(Ticket)).one().status_id)
        assert status is not None and status.key == WellKnownStatus.CLOSED
    desk.close()
