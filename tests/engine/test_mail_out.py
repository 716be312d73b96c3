"""Composing outgoing replies: subjects with one token, ids that thread, bodies that survive."""

from __future__ import annotations

import email
import email.policy
import email.utils
from datetime import UTC, datetime

import pytest

from msp_tui.engine.mail import parse_message, ticket_token
from msp_tui.engine.mail_out import compose_reply, domain_of, new_message_id, reply_subject

AT = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
GMAIL_ID = "<CAFx+abc=def_very-long-outlook-id-1234567890abcdef1234567890xyz@mail.gmail.com>"


def _reply(**kwargs: object) -> email.message.EmailMessage:
    args: dict[str, object] = {
        "from_address": "Demo MSP Support <help@msp.example>",
        "to": ["hannah@contoso.example"],
        "subject": "Re: [MSP#1234] Printer offline",
        "body": "Please restart it.",
        "message_id": "<msp-tui.1234.7.ab12@msp.example>",
        "date": AT,
    }
    args.update(kwargs)
    return compose_reply(**args)  # type: ignore[arg-type]


def _roundtrip(msg: email.message.EmailMessage) -> email.message.EmailMessage:
    raw = msg.as_bytes()
    assert b"\r\n" in raw and all(len(line) <= 998 for line in raw.split(b"\r\n"))
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def _text(msg: email.message.EmailMessage) -> str:
    """The body as a reader sees it (on the wire lines end in CRLF)."""
    return str(msg.get_content()).replace("\r\n", "\n")


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Printer offline", "Re: [MSP#1234] Printer offline"),
        ("Re: Printer offline", "Re: [MSP#1234] Printer offline"),
        ("RE: AW: Re[2]: Printer offline", "Re: [MSP#1234] Printer offline"),
        ("[MSP#1234] Printer offline", "Re: [MSP#1234] Printer offline"),
        ("Re: [msp # 1234] Printer offline", "Re: [msp # 1234] Printer offline"),
        ("Printer offline [MSP#1234]", "Re: Printer offline [MSP#1234]"),
        ("Fwd: Printer   offline", "Re: [MSP#1234] Fwd: Printer offline"),
        ("Same as [MSP#999]", "Re: [MSP#1234] Same as [MSP#999]"),
        ("", "Re: [MSP#1234]"),
    ],
)
def test_reply_subject_has_the_token_once(subject: str, expected: str) -> None:
    result = reply_subject(subject, "MSP", 1234)
    assert result == expected
    assert reply_subject(result, "MSP", 1234) == result  # idempotent
    assert ticket_token(result.replace("[MSP#999]", ""), "MSP") == 1234


def test_reply_subject_uses_the_configured_prefix() -> None:
    assert reply_subject("Printer", "HELP", 7) == "Re: [HELP#7] Printer"
    assert reply_subject("Re: [MSP#7] Printer", "HELP", 7) == "Re: [HELP#7] [MSP#7] Printer"


def test_message_ids() -> None:
    assert new_message_id("msp.example", "1234.7.ab12") == "<msp-tui.1234.7.ab12@msp.example>"
    # nothing that could break the header gets through
    assert new_message_id("MSP.Example ", "a b<c>") == "<msp-tui.a-b-c-@msp.example>"
    assert new_message_id("", "x") == "<msp-tui.x@localhost>"
    assert domain_of("Demo MSP <Help@MSP.example>") == "msp.example"
    assert domain_of("help@msp.example") == "msp.example"
    assert domain_of("no address") == ""


def test_headers_round_trip() -> None:
    refs = [f"<msp-tui.{i}.abcdef0123456789@very-long-domain.msp.example>" for i in range(6)]
    parsed = _roundtrip(
        _reply(cc=["boss@contoso.example"], in_reply_to=GMAIL_ID, references=[*refs, GMAIL_ID])
    )
    assert parsed["From"] == "Demo MSP Support <help@msp.example>"
    assert parsed["To"] == "hannah@contoso.example"
    assert parsed["Cc"] == "boss@contoso.example"
    assert parsed["Subject"] == "Re: [MSP#1234] Printer offline"
    assert parsed["Message-ID"] == "<msp-tui.1234.7.ab12@msp.example>"
    assert parsed["In-Reply-To"] == GMAIL_ID
    assert parsed["References"].split() == [*refs, GMAIL_ID]
    assert email.utils.parsedate_to_datetime(parsed["Date"]) == AT
    assert parsed.get_content_type() == "text/plain"
    assert _text(parsed) == "Please restart it.\n"


def test_long_ids_fold_between_ids_never_encoded() -> None:
    long_id = "<" + "x" * 100 + "@example.com>"
    raw = _reply(in_reply_to=long_id, references=["<a@b.example>", long_id]).as_bytes()
    assert b"=?" not in raw  # an encoded-word id would never thread
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["References"].split() == ["<a@b.example>", long_id]
    assert str(parsed["In-Reply-To"]).strip() == long_id


def test_parent_ends_references_and_bad_ids_are_dropped() -> None:
    parsed = _roundtrip(
        _reply(in_reply_to="<p@x.example>", references=["<a@x.example>", "no brackets", "<a b>"])
    )
    assert parsed["References"].split() == ["<a@x.example>", "<p@x.example>"]
    bare = _roundtrip(_reply(in_reply_to="garbage\r\nBcc: evil@x.example"))
    assert bare["In-Reply-To"] is None and bare["References"] is None and bare["Bcc"] is None


def test_non_ascii_subject_body_and_name() -> None:
    msg = _reply(
        from_address="Zoë's Desk <help@msp.example>",
        subject="Re: [MSP#1234] Drucker – Überprüfung nötig, 打印机",
        body="Grüße aus Köln ☃\n\nZeile 2 " + "ü" * 100,
    )
    raw = msg.as_bytes()
    assert raw.isascii()  # quoted-printable body, encoded-word headers: no 8BITMIME needed
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == "Re: [MSP#1234] Drucker – Überprüfung nötig, 打印机"
    assert parsed["From"].addresses[0].display_name == "Zoë's Desk"
    assert _text(parsed) == "Grüße aus Köln ☃\n\nZeile 2 " + "ü" * 100 + "\n"
    assert parsed.get_content_charset() == "utf-8"
    # our own intake reads it back the same way
    mail = parse_message(raw)
    assert mail.subject == parsed["Subject"] and mail.message_id == parsed["Message-ID"]
    assert mail.text.startswith("Grüße aus Köln ☃")


def test_ascii_body_stays_readable() -> None:
    raw = _reply(body="Hello,\nplease restart it.").as_bytes()
    assert b"Content-Transfer-Encoding: 7bit" in raw
    assert raw.endswith(b"Hello,\r\nplease restart it.\r\n")
