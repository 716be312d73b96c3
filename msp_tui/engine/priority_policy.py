"""The priority policy: keyword suggestions, policy escalations, implementation routing.

The priority set when a ticket is opened is the source of truth. Keywords only *suggest*
a priority, which a technician accepts or overrides; nothing here changes a ticket on its
own. Policy escalations (VIP client, a spike from one client, security keywords) are the
one automatic change, and they only lift P3/P4 to P2: they never downgrade and never
touch P1/P2, so a policy can never undo what a person decided.

Pure functions over text and counts, so the service layer decides what to persist.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from msp_tui.engine.vocabulary import PriorityCode

P = PriorityCode

# Whole words or phrases, matched case-insensitively; spaces match any whitespace.
P1_KEYWORDS: tuple[str, ...] = (
    "down",
    "outage",
    "ransomware",
    "breach",
    "not working for everyone",
    "nobody can work",
    "all users",
    "data loss",
    "encrypted files",
)
P2_KEYWORDS: tuple[str, ...] = (
    "urgent",
    "asap",
    "cannot work",
    "can't work",
    "locked out",
    "phishing",
    "malware",
    "virus",
    "hacked",
    "no internet",
    "not working",
)
# Any of these lifts a P3/P4 ticket to P2 (a policy escalation, not a suggestion).
SECURITY_KEYWORDS: tuple[str, ...] = (
    "ransomware",
    "breach",
    "phishing",
    "malware",
    "virus",
    "hacked",
    "compromised",
    "suspicious login",
    "data leak",
)
# Requests for new things rather than reports of broken ones.
IMPLEMENTATION_KEYWORDS: tuple[str, ...] = (
    "i need",
    "set up",
    "setup",
    "onboard",
    "onboarding",
    "new user",
    "new starter",
    "new employee",
    "new hire",
    "please install",
    "provision",
)

# Lower rank = more urgent.
RANK = {P.P1: 1, P.P2: 2, P.P3: 3, P.P4: 4}
POLICY_FLOOR = P.P2  # what an escalation lifts a ticket to


def is_higher(a: PriorityCode | str, b: PriorityCode | str) -> bool:
    """True when `a` is more urgent than `b` (P1 is higher than P3)."""
    return RANK[P(a)] < RANK[P(b)]


@dataclass(frozen=True)
class Suggestion:
    """A priority the keywords point at, and why (shown beside the ticket)."""

    priority: PriorityCode
    reason: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Escalation:
    """A policy bump: always to `POLICY_FLOOR`, with the reason for the audit log."""

    priority: PriorityCode
    reason: str


@cache
def _pattern(phrase: str) -> re.Pattern[str]:
    words = (re.escape(w) for w in phrase.split())
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def matches(text: str, keywords: Iterable[str]) -> tuple[str, ...]:
    """The keywords found in `text` as whole words, in list order."""
    return tuple(k for k in keywords if _pattern(k).search(text))


def _where(subject: str, body: str, keywords: Iterable[str]) -> tuple[tuple[str, ...], str]:
    """Matched keywords across subject and body, and a reason like "'down' in subject"."""
    in_subject = matches(subject, keywords)
    in_body = tuple(k for k in matches(body, keywords) if k not in in_subject)
    parts = []
    if in_subject:
        parts.append(f"{_quoted(in_subject)} in subject")
    if in_body:
        parts.append(f"{_quoted(in_body)} in body")
    return in_subject + in_body, "; ".join(parts)


def _quoted(words: tuple[str, ...]) -> str:
    return ", ".join(f"'{w}'" for w in words)


def suggest(subject: str, body: str) -> Suggestion | None:
    """The most urgent priority the keywords point at, or None when none match."""
    for priority, keywords in ((P.P1, P1_KEYWORDS), (P.P2, P2_KEYWORDS)):
        found, reason = _where(subject, body, keywords)
        if found:
            return Suggestion(priority, reason, found)
    return None


def security_keywords(subject: str, body: str) -> tuple[str, ...]:
    """Security words in the ticket (for the security escalation)."""
    return _where(subject, body, SECURITY_KEYWORDS)[0]


def escalate(
    current: PriorityCode | str,
    *,
    vip: bool,
    recent_from_client: int,
    spike_threshold: int,
    security_hit: bool | tuple[str, ...] = (),
    spike_window_minutes: int | None = None,
) -> Escalation | None:
    """A bump to P2 when a policy applies and the ticket is P3/P4; never a downgrade.

    `recent_from_client` counts the client's tickets in the spike window, this one
    included; a spike is `spike_threshold` or more.
    """
    if not is_higher(POLICY_FLOOR, current):  # P1/P2 already: nothing to lift
        return None
    reasons: list[str] = []
    if vip:
        reasons.append("VIP client")
    if spike_threshold > 0 and recent_from_client >= spike_threshold:
        within = f" within {spike_window_minutes} min" if spike_window_minutes else ""
        reasons.append(f"spike: {recent_from_client} tickets from this client{within}")
    if security_hit:
        words = f" {_quoted(security_hit)}" if isinstance(security_hit, tuple) else ""
        reasons.append(f"security keyword{words}")
    if not reasons:
        return None
    return Escalation(POLICY_FLOOR, "; ".join(reasons))


def is_implementation_request(subject: str, body: str) -> bool:
    """A request for something new ("I need", "set up", "onboard", "new user", …).

    An outage or security word wins: "I need this fixed, the server is down" is an
    incident, not a request, so it stays a support ticket.
    """
    text = f"{subject}\n{body}"
    if not matches(text, IMPLEMENTATION_KEYWORDS):
        return False
    return not matches(text, P1_KEYWORDS) and not matches(text, SECURITY_KEYWORDS)
