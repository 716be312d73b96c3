"""What an inbound mail does to the desk, decided on facts the services looked up.

Kept pure so the rules a service desk lives or dies by — when mail threads onto a ticket,
when it opens a new one, when it must be ignored to avoid a loop — are tested without a
mailbox or a database.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from msp_tui.engine.mail import ParsedMail, is_own_address, strip_quoted_reply
from msp_tui.engine.vocabulary import StatusCategory, WellKnownStatus

FATAL_PARSE_PREFIX = "message could not be parsed"

# Paused statuses that wait for the customer's answer; any other pause (e.g. Pending
# Approval) waits on something a plain reply does not settle.
WAITING_FOR_CUSTOMER = frozenset({WellKnownStatus.WAITING_ON_CUSTOMER, WellKnownStatus.INFO_NEEDED})


class ReplyEffect(StrEnum):
    """What a customer's reply does to the ticket it threads onto."""

    NONE = "none"  # the ticket is being worked on: just add the message
    RESUME = "resume"  # we were waiting on them: back to In Progress
    REOPEN = "reopen"  # resolved, not yet closed: reopen the same ticket
    NEW_RELATED = "new_related"  # closed for good: a new ticket, related to the old one


def reply_effect(status_key: str | None, category: StatusCategory | str) -> ReplyEffect:
    cat = StatusCategory(category)
    if cat == StatusCategory.CLOSED:
        return ReplyEffect.NEW_RELATED
    if cat == StatusCategory.RESOLVED:
        return ReplyEffect.REOPEN
    if cat == StatusCategory.PAUSED and status_key in WAITING_FOR_CUSTOMER:
        return ReplyEffect.RESUME
    return ReplyEffect.NONE


def dedupe_key(message_id: str | None, raw: bytes) -> str:
    """The Message-ID when there is one, else a hash of the exact bytes: the same mail seen
    again under another UID (UIDVALIDITY reset, a copy in another folder) maps to one key."""
    if message_id:
        return message_id
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def quarantine_reason(mail: ParsedMail) -> str | None:
    """Why a mail cannot become a ticket at all (kept raw for an admin), or None."""
    for problem in mail.problems:
        if problem.startswith(FATAL_PARSE_PREFIX):
            return problem
    if not mail.from_email or "@" not in mail.from_email:
        return "no sender address: the From header is missing or unreadable"
    return None


def ignore_reason(
    mail: ParsedMail, our_addresses: tuple[str, ...], our_id_domain: str | None = None
) -> str | None:
    """Why a mail must not create or touch a ticket (and must never be answered), or None.

    Machine mail (auto-replies, bounces, lists) and our own mail coming back are the two
    ways two help desks end up mailing each other forever.
    """
    if mail.auto_reply:
        return mail.auto_reply_reason
    if is_own_address(mail.from_email, our_addresses):
        return f"sent from our own address {mail.from_email}"
    mid = (mail.message_id or "").lower()
    if our_id_domain and mid.startswith("<msp-tui.") and mid.endswith(f"@{our_id_domain.lower()}>"):
        return "our own outgoing message came back"
    return None


def domain_candidates(email: str) -> list[str]:
    """The sender's domain and its parents, most specific first (``it.acme.example`` also
    matches a client registered as ``acme.example``); never a bare top-level domain."""
    domain = email.rpartition("@")[2].strip().strip(">").lower().rstrip(".")
    labels = [label for label in domain.split(".") if label]
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


@dataclass(frozen=True)
class TokenTicket:
    """The facts about a ticket named by a subject token that decide whether it counts."""

    client_id: int | None
    requester_email: str | None
    client_domains: frozenset[str]


def token_counts(ticket: TokenTicket, sender_email: str, sender_client_id: int | None) -> bool:
    """A subject token alone threads only mail from the ticket's own client (its contacts or
    domains) — anyone can type ``[MSP#1234]`` into a subject."""
    sender = sender_email.strip().lower()
    if ticket.requester_email and sender == ticket.requester_email.strip().lower():
        return True
    if ticket.client_id is None:
        return False
    if sender_client_id is not None and sender_client_id == ticket.client_id:
        return True
    return any(d in ticket.client_domains for d in domain_candidates(sender))


def body_for_ticket(mail: ParsedMail, *, is_reply: bool) -> str:
    """The text to store: replies lose the quoted history (the thread already has it),
    unless nothing would be left; an empty mail still says what it carried."""
    text = mail.text
    if is_reply:
        stripped = strip_quoted_reply(text)
        if stripped.strip():
            text = stripped
    if text.strip():
        return text
    if mail.attachments:
        names = ", ".join(a.filename for a in mail.attachments)
        return f"(no text; attachments: {names})"
    return "(empty message)"


def ticket_subject(mail: ParsedMail) -> str:
    return mail.subject.strip() or "(no subject)"
