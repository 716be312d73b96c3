"""Customer mail for intake tests: Pat at Acme writing to the desk, unless told otherwise."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime


def customer_mail(
    *,
    sender: str = "Pat Lee <pat@acme.example>",
    subject: str = "Printer offline",
    body: str = "The printer on floor 2 is offline.",
    message_id: str | None = "<m1@acme.example>",
    in_reply_to: str | None = None,
    headers: dict[str, str] | None = None,
    date: datetime | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "help@msp.example"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or datetime.now(UTC))
    if message_id:
        msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg
