"""The whole loop through the command line: mail in (Dovecot), a reply out (SMTP sink), the
customer's answer threads back onto the same ticket; passwords come from the keyring."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlmodel import select

from msp_tui.cli import main
from msp_tui.config import load_config
from msp_tui.engine.mail import ticket_token
from msp_tui.services.desk import Desk
from msp_tui.services.mail_wiring import MailSetup
from msp_tui.store.db import url_for
from msp_tui.store.models import Contact, Message, Ticket
from tests.mailservers import ImapAccount
from tests.memory_keyring import MemoryKeyring
from tests.services.gold_desk import add_mail_people, build_gold_desk
from tests.smtp_sink import SmtpSink


def write_config(path: Path, imap: ImapAccount, smtp: SmtpSink) -> Path:
    path.write_text(
        f"""
[mailbox]
enabled = true
host = "{imap.host}"
port = {imap.port}
tls = "none"
user = "{imap.user}"
our_addresses = ["help@msp.example"]

[smtp]
enabled = true
host = "{smtp.host}"
port = {smtp.port}
tls = "none"
from_address = "Acme Support <help@msp.example>"
"""
    )
    return path


def customer_mail(subject: str, body: str, *, message_id: str,
                  in_reply_to: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Pat Lee <pat@acme.example>"
    msg["To"] = "help@msp.example"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(body)
    return msg.as_bytes()


def test_mail_in_reply_out_answer_threads_back(
    tmp_path: Path,
    dovecot: ImapAccount,
    smtp_sink: SmtpSink,
    memory_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db_path = tmp_path / "desk.sqlite3"
    desk, _ = Desk.open(url_for(db_path), seed_demo_if_empty=False)
    gold = build_gold_desk(desk.db)
    add_mail_people(gold)
    config = write_config(tmp_path / "config.toml", dovecot, smtp_sink)
    cli = ["--config", str(config), "--db", str(db_path)]

    # No password stored yet: the poll says what to do and loses nothing.
    dovecot.append(customer_mail("Printer offline", "Floor 2 printer is offline.",
                                 message_id="<q1@acme.example>"))
    assert main([*cli, "mailbox", "poll"]) == 1
    assert "set-password" in capsys.readouterr().out
    memory_keyring.set_password("msp-tui", f"imap:{dovecot.user}@{dovecot.host}",
                                dovecot.password)
    assert main([*cli, "mailbox", "poll"]) == 0
    assert "1 ticket" in capsys.readouterr().out

    with desk.db.session() as s:
        ticket = s.exec(select(Ticket)).one()
        pat = s.exec(select(Contact).where(Contact.email == "pat@acme.example")).one()
        assert ticket.contact_id == pat.id
    setup = MailSetup.from_config(load_config(config))
    console = Desk(desk.db, desk.clock, me_email="tess@x.example", outbound=setup.outbound)
    console.reply(ticket.id, "We are sending someone up.")  # type: ignore[arg-type]

    assert main([*cli, "mailbox", "send"]) == 0
    [sent] = smtp_sink.received
    out = sent.message()
    assert sent.rcpt_tos == ["pat@acme.example"]
    assert ticket_token(str(out["Subject"])) == ticket.number
    assert out["In-Reply-To"] == "<q1@acme.example>"
    assert main([*cli, "mailbox", "send"]) == 0 and len(smtp_sink.received) == 1  # once

    dovecot.append(customer_mail(f"Re: {out['Subject']}", "Thanks, it works again.",
                                 message_id="<q2@acme.example>",
                                 in_reply_to=str(out["Message-ID"])))
    assert main([*cli, "mailbox", "poll"]) == 0
    with desk.db.session() as s:
        assert len(s.exec(select(Ticket)).all()) == 1
        bodies = s.exec(select(Message.body).where(Message.ticket_id == ticket.id)
                        .order_by(Message.id)).all()
    assert bodies == ["Floor 2 printer is offline.", "We are sending someone up.",
                      "Thanks, it works again."]
    desk.close()


def test_mail_commands_refuse_when_mail_is_off(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    cli = ["--db", str(tmp_path / "desk.sqlite3")]
    assert main([*cli, "mailbox", "poll"]) == 2
    assert "[mailbox] enabled = true" in capsys.readouterr().err
    assert main([*cli, "mailbox", "send"]) == 2
    assert "[smtp] enabled = true" in capsys.readouterr().err
