"""Inbound mail parsing: the shapes real customer mail arrives in, and that nothing raises."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from msp_tui.engine.mail import (
    html_to_text,
    is_own_address,
    parse_message,
    strip_quoted_reply,
    ticket_token,
)


def _msg(body: str = "Printer is down.", **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = headers.pop("From", "Jane Doe <Jane.Doe@Example.COM>")
    msg["To"] = headers.pop("To", "support@msp.example")
    msg["Subject"] = headers.pop("Subject", "Printer")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


def test_plain_text_message() -> None:
    msg = _msg(Cc="Bob <BOB@example.com>, carol@example.com")
    mail = parse_message(msg.as_bytes())
    assert mail.subject == "Printer"
    assert mail.from_name == "Jane Doe"
    assert mail.from_email == "jane.doe@example.com"
    assert mail.to == ("support@msp.example",)
    assert mail.cc == ("bob@example.com", "carol@example.com")
    assert mail.text == "Printer is down."
    assert mail.attachments == ()
    assert not mail.auto_reply
    assert mail.auto_reply_reason == ""
    assert mail.problems == ()


def test_subject_whitespace_collapsed() -> None:
    raw = b"From: a@b.c\r\nSubject: Printer\r\n\t  on   floor 2\r\n\r\nbody\r\n"
    assert parse_message(raw).subject == "Printer on floor 2"


def test_multipart_alternative_prefers_text() -> None:
    msg = _msg("plain version")
    msg.add_alternative("<p>html version</p>", subtype="html")
    mail = parse_message(msg.as_bytes())
    assert mail.text == "plain version"
    assert mail.attachments == ()


def test_html_only_converted_to_text() -> None:
    html = (
        "<html><head><title>T</title><style>p {color: red}</style></head><body>"
        "<p>Hello&nbsp;team,</p><p>Line one<br>Line two &amp; more &lt;3</p>"
        "<script>alert('x')</script><div>Thanks</div>"
        "<ul><li>first</li><li>second</li></ul></body></html>"
    )
    msg = _msg()
    msg.set_content(html, subtype="html")
    mail = parse_message(msg.as_bytes())
    assert mail.text == (
        "Hello team,\n\nLine one\nLine two & more <3\n\nThanks\n\n- first\n- second"
    )
    assert "alert" not in mail.text
    assert "color" not in mail.text


def test_html_to_text_table_rows_and_self_closing_script() -> None:
    text = html_to_text("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>")
    assert text.splitlines() == ["a b", "c"]
    assert html_to_text("x<script/>y") == "xy"


def test_rfc2047_subject_and_from_name() -> None:
    raw = (
        b"From: =?iso-8859-1?q?J=F6rg_M=FCller?= <joerg@example.de>\r\n"
        b"Subject: =?utf-8?b?RHJ1Y2tlciBrYXB1dHQg4oCTIGJpdHRlIGhlbGZlbg==?=\r\n"
        b"\r\nHallo\r\n"
    )
    mail = parse_message(raw)
    assert mail.subject == "Drucker kaputt \u2013 bitte helfen"
    assert mail.from_name == "J\u00f6rg M\u00fcller"
    assert mail.from_email == "joerg@example.de"
    assert mail.problems == ()


def test_unknown_charset_body_recorded_and_decoded() -> None:
    raw = (
        b"From: a@example.com\r\nSubject: x\r\n"
        b"Content-Type: text/plain; charset=x-unknown\r\n\r\ncaf\xe9 broken\r\n"
    )
    mail = parse_message(raw)
    assert mail.text == "caf\u00e9 broken"
    assert any("charset 'x-unknown' not known; decoded as latin-1" in p for p in mail.problems)


def test_unknown_charset_in_header_recorded() -> None:
    raw = b"From: a@example.com\r\nSubject: =?x-unknown?q?abc?= hi\r\n\r\nbody\r\n"
    mail = parse_message(raw)
    assert mail.subject == "abc hi"
    assert any("x-unknown" in p for p in mail.problems)


def test_undecodable_header_bytes_recorded() -> None:
    raw = b"From: \xff\xfe Bad <bad@example.com>\r\nSubject: x\r\n\r\nbody\r\n"
    mail = parse_message(raw)
    assert mail.from_email == "bad@example.com"
    assert "undecodable header From" in mail.problems


def test_wrong_declared_charset_falls_back_to_utf8() -> None:
    raw = (
        b"From: a@example.com\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        + "Gr\u00fc\u00dfe".encode()
    )
    mail = parse_message(raw)
    assert mail.text == "Gr\u00fc\u00dfe"
    assert mail.problems


def test_attachments_kept_and_oversize_skipped() -> None:
    msg = _msg("see attached")
    msg.add_attachment(
        b"%PDF-1.4 small", maintype="application", subtype="pdf", filename="invoice.pdf"
    )
    msg.add_attachment(b"x" * 2000, maintype="image", subtype="png", filename="../../big.png")
    mail = parse_message(msg.as_bytes(), max_attachment_bytes=1000)
    assert mail.text == "see attached"
    small, big = mail.attachments
    assert (small.filename, small.content_type, small.size) == (
        "invoice.pdf",
        "application/pdf",
        14,
    )
    assert small.data == b"%PDF-1.4 small"
    assert small.skipped_reason is None
    assert (big.filename, big.content_type, big.size) == ("big.png", "image/png", 2000)
    assert big.skipped_reason == "larger than 1000 bytes"
    assert big.data is None


def test_attached_message_is_one_attachment() -> None:
    inner = _msg("inner body", Subject="Forwarded")
    outer = _msg("outer body")
    outer.add_attachment(inner)
    mail = parse_message(outer.as_bytes())
    assert mail.text == "outer body"
    (att,) = mail.attachments
    assert att.content_type == "message/rfc822"
    assert att.data is not None
    assert b"inner body" in att.data


def test_message_id_threading_headers() -> None:
    raw = (
        b"From: a@example.com\r\nMessage-ID: <abc@mail.example>\r\n"
        b"In-Reply-To: <parent@msp.example> (Jane's message)\r\n"
        b"References: <root@msp.example>\r\n <parent@msp.example>\r\n\r\nbody\r\n"
    )
    mail = parse_message(raw)
    assert mail.message_id == "<abc@mail.example>"
    assert mail.in_reply_to == "<parent@msp.example>"
    assert mail.references == ("<root@msp.example>", "<parent@msp.example>")


def test_message_id_without_brackets_is_normalised() -> None:
    raw = b"From: a@example.com\r\nMessage-ID: bare@mail.example\r\n\r\nbody\r\n"
    mail = parse_message(raw)
    assert mail.message_id == "<bare@mail.example>"
    assert mail.in_reply_to is None
    assert mail.references == ()


def test_date_converted_to_utc() -> None:
    mail = parse_message(_msg(Date="Tue, 05 Mar 2024 09:30:00 +0100").as_bytes())
    assert mail.date == datetime(2024, 3, 5, 8, 30, tzinfo=UTC)
    assert mail.date is not None
    assert mail.date.utcoffset() is not None


def test_missing_and_bad_date() -> None:
    assert parse_message(_msg().as_bytes()).date is None
    raw = b"From: a@example.com\r\nDate: sometime soon\r\n\r\nbody\r\n"
    mail = parse_message(raw)
    assert mail.date is None
    assert any("Date" in p for p in mail.problems)


@pytest.mark.parametrize(
    ("header", "value", "reason_part"),
    [
        ("Auto-Submitted", "auto-replied", "Auto-Submitted"),
        ("Auto-Submitted", "auto-generated; owner-email=x@y.z", "Auto-Submitted"),
        ("Precedence", "bulk", "Precedence"),
        ("Precedence", "junk", "Precedence"),
        ("Precedence", "list", "Precedence"),
        ("X-Autoreply", "yes", "X-Autoreply"),
        ("X-Autorespond", "Out of office", "X-Autorespond"),
        ("List-Id", "<news.example.com>", "List-Id"),
        ("List-Unsubscribe", "<mailto:leave@example.com>", "List-Unsubscribe"),
        ("Return-Path", "<>", "Return-Path"),
    ],
)
def test_auto_reply_headers(header: str, value: str, reason_part: str) -> None:
    mail = parse_message(_msg(**{header: value}).as_bytes())
    assert mail.auto_reply
    assert reason_part in mail.auto_reply_reason


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.example.com", "postmaster@example.com"])
def test_bounce_by_sender(sender: str) -> None:
    mail = parse_message(_msg(From=sender).as_bytes())
    assert mail.auto_reply
    assert "bounce" in mail.auto_reply_reason


def test_auto_submitted_no_and_normal_mail_not_flagged() -> None:
    for msg in (_msg(), _msg(Auto_Submitted="no"), _msg(Precedence="first-class")):
        mail = parse_message(msg.as_bytes())
        assert not mail.auto_reply
        assert mail.auto_reply_reason == ""


@pytest.mark.parametrize(
    ("subject", "number"),
    [
        ("Re: [MSP#1234] Printer", 1234),
        ("[msp # 77]", 77),
        ("Fwd: RE: [ MSP#5 ] x [MSP#6]", 5),
        ("MSP1234", None),
        ("MSP#1234 without brackets", None),
        ("[ACME#1234] other prefix", None),
        ("", None),
        ("[MSP#] nothing", None),
    ],
)
def test_ticket_token(subject: str, number: int | None) -> None:
    assert ticket_token(subject) == number


def test_ticket_token_other_prefix() -> None:
    assert ticket_token("Re: [ACME#42] VPN", prefix="ACME") == 42
    assert ticket_token("Re: [MSP#42] VPN", prefix="ACME") is None
    assert ticket_token("[A.B#9]", prefix="A.B") == 9
    assert ticket_token("[AxB#9]", prefix="A.B") is None


def test_is_own_address() -> None:
    ours = ["Support@MSP.example", "noreply@msp.example"]
    assert is_own_address("support@msp.example", ours)
    assert is_own_address(" NOREPLY@msp.example ", ours)
    assert not is_own_address("jane@example.com", ours)
    assert not is_own_address("", ours)
    assert not is_own_address("support@msp.example", [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Thanks, fixed.\n\nOn Tue, 5 Mar 2024 at 09:30, Support <s@msp.example> wrote:\n"
            "> Please restart.\n",
            "Thanks, fixed.",
        ),
        (
            "Works now.\n\nOn Tue, 5 Mar 2024 at 09:30, Support Desk\n<s@msp.example> wrote:\n"
            "> old\n",
            "Works now.",
        ),
        ("Still broken.\n> earlier text\n> more\n\n", "Still broken."),
        (
            "See below.\n\n-----Original Message-----\nFrom: x\nSent: y\n\nold",
            "See below.",
        ),
        (
            "Done.\n\n________________________________\nFrom: Support <s@msp.example>\n"
            "Sent: Tuesday\nTo: Jane\nSubject: Printer\n\nold text",
            "Done.",
        ),
        ("New issue, no quote.", "New issue, no quote."),
    ],
)
def test_strip_quoted_reply(text: str, expected: str) -> None:
    assert strip_quoted_reply(text) == expected


def test_strip_quoted_reply_is_conservative() -> None:
    only_quote = "> just a quote\n> nothing else"
    assert strip_quoted_reply(only_quote) == only_quote
    inline = "> question one\nanswer one\n> question two\nanswer two"
    assert strip_quoted_reply(inline) == inline
    assert strip_quoted_reply("") == ""
    header_only = "On Mon, Jane wrote:\n> hi"
    assert strip_quoted_reply(header_only) == header_only


@pytest.mark.parametrize(
    "raw",
    [
        b"\x00\xff not a mail",
        b"",
        b"Content-Type: multipart/mixed; boundary=zzz\r\n\r\n--zzz\r\nbroken",
        b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!notb64",
        b"From: <<<>>>\r\nTo: ,,,\r\nReferences: junk\r\nDate: 99 Foo 0000\r\n\r\n",
    ],
)
def test_garbage_never_raises(raw: bytes) -> None:
    mail = parse_message(raw)
    assert mail.problems


def test_cpython_sample_messages_never_raise() -> None:
    data = Path(email.__file__).parent.parent / "test" / "test_email" / "data"
    samples = sorted(data.glob("msg_*.txt")) if data.is_dir() else []
    if not samples:
        pytest.skip("CPython email test data not installed")
    for sample in samples:
        mail = parse_message(sample.read_bytes())
        assert isinstance(mail.problems, tuple), sample.name
