"""Outgoing mail, composed: a technician's reply as an RFC 5322 message that threads.

The customer's mail client threads our reply under their message by ``In-Reply-To`` and
``References``; our intake threads their answer back onto the ticket by the ``Message-ID``
we chose (and by the ``[MSP#1234]`` subject token when a client drops the headers). So the
ids must arrive exactly as written: the stock SMTP policy folds a long id in an
unstructured header into RFC 2047 encoded words, which no client matches, so the id
headers here are folded by hand, between ids only. Stdlib only, like the rest of the engine.
"""

from __future__ import annotations

import email.policy
import email.utils
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from email.message import EmailMessage
from typing import Any

__all__ = [
    "OUTGOING_POLICY",
    "compose_reply",
    "domain_of",
    "new_message_id",
    "reply_subject",
]

MAX_LINE = 78
_ID_HEADERS = frozenset({"message-id", "in-reply-to", "references"})
_MSGID = re.compile(r"<[!-;=?-~]+@[!-;=?-~]+>")  # printable ASCII, no <, > or spaces
# Reply prefixes clients stack up ("Re: RE: AW: Re[2]:"), collapsed to one "Re: ".
_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|aw|sv|vs|antw|ref)(?:\s*\[\d+\])?\s*:\s*)+", re.I)
_UNSAFE_ID_CHARS = re.compile(r"[^A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]")


class _OutgoingPolicy(email.policy.EmailPolicy):
    """The SMTP policy, except that message-id headers fold between ids, never inside one."""

    def fold(self, name: str, value: Any) -> str:
        if name.lower() in _ID_HEADERS:
            return _fold_ids(name, str(value), self.linesep)
        return super().fold(name, value)

    def fold_binary(self, name: str, value: Any) -> bytes:
        if name.lower() in _ID_HEADERS:
            return _fold_ids(name, str(value), self.linesep).encode("ascii")
        return super().fold_binary(name, value)


OUTGOING_POLICY = _OutgoingPolicy(linesep="\r\n")  # = email.policy.SMTP plus the id folding


def _fold_ids(name: str, value: str, linesep: str) -> str:
    lines = [f"{name}:"]
    for token in value.split():
        if len(lines[-1]) + 1 + len(token) > MAX_LINE and lines[-1] != f"{name}:":
            lines.append("")
        lines[-1] += f" {token}"
    return linesep.join(lines) + linesep


def _clean_ids(ids: Iterable[str | None]) -> list[str]:
    """Well-formed ``<id@host>`` values only, each once: a malformed stored id would
    otherwise break the header (or smuggle a line break into it)."""
    out: list[str] = []
    for value in ids:
        if value and _MSGID.fullmatch(value.strip()) and value.strip() not in out:
            out.append(value.strip())
    return out


def domain_of(address: str) -> str:
    """The domain of an address such as ``Support <help@msp.example>``; "" if none."""
    _, addr = email.utils.parseaddr(address)
    return addr.rpartition("@")[2].strip().lower() if "@" in addr else ""


def new_message_id(domain: str, unique: str) -> str:
    """``<msp-tui.{unique}@{domain}>``: our own ids are recognisable at a glance, and the
    domain is the sender's so receivers do not flag the id as foreign."""
    unique = _UNSAFE_ID_CHARS.sub("-", unique) or "x"
    domain = _UNSAFE_ID_CHARS.sub("-", domain.strip().lower()) or "localhost"
    return f"<msp-tui.{unique}@{domain}>"


def _token_pattern(prefix: str, number: int) -> re.Pattern[str]:
    return re.compile(rf"\[\s*{re.escape(prefix)}\s*#\s*0*{number}\s*\]", re.IGNORECASE)


def reply_subject(subject: str, prefix: str, number: int) -> str:
    """``Re: [MSP#1234] Printer offline`` from a ticket subject, whatever it already has.

    Stacked reply prefixes collapse to one ``Re:``; the token is added only when this
    ticket's token is not in the subject yet (another ticket's token stays, ours is added).
    """
    rest = " ".join(_REPLY_PREFIX.sub("", subject).split())
    if not _token_pattern(prefix, number).search(rest):
        token = f"[{prefix}#{number}]"
        rest = f"{token} {rest}" if rest else token
    return f"Re: {rest}"


def compose_reply(
    *,
    from_address: str,
    to: Sequence[str],
    subject: str,
    body: str,
    message_id: str,
    date: datetime,
    cc: Sequence[str] = (),
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
) -> EmailMessage:
    """A plain-text UTF-8 reply, ready for ``smtplib.SMTP.send_message``.

    ``subject`` is used as given (see :func:`reply_subject`, applied when the mail was
    queued, so a resend is byte-for-byte the same message). Malformed ids in
    ``in_reply_to`` / ``references`` are left out rather than sent broken.
    """
    msg = EmailMessage(policy=OUTGOING_POLICY)
    msg["From"] = from_address
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = " ".join(subject.split())
    msg["Date"] = email.utils.format_datetime(date)
    msg["Message-ID"] = message_id
    parent = _clean_ids([in_reply_to])
    if parent:
        msg["In-Reply-To"] = parent[0]
    refs = _clean_ids(references)
    if parent and parent[0] not in refs:
        refs.append(parent[0])  # RFC 5322: References ends with the parent's id
    if refs:
        msg["References"] = " ".join(refs)
    text = body if body.endswith("\n") else body + "\n"
    # 8bit bodies need the server's 8BITMIME; quoted-printable passes everywhere.
    long_line = any(len(line) > MAX_LINE for line in text.splitlines())
    cte = "7bit" if text.isascii() and not long_line else "quoted-printable"
    msg.set_content(text, charset="utf-8", cte=cte)
    return msg
