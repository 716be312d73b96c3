"""Satisfaction surveys by mail: the survey text, the token that threads an answer back,
and reading a rating out of whatever a customer types in reply.

Customers answer from any mail client, on phones, in any style ("5", "Excellent!",
"4 - good, thanks", "very poor: nobody called back"), above the quoted survey. Only the
first non-empty line is read for the rating, so a quoted survey listing every keyword
never counts as an answer; the rest of the reply is kept as the comment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# 1 (very poor) .. 5 (excellent); several words per level, longest phrases first.
SCALE: tuple[tuple[int, str], ...] = (
    (5, "Excellent"),
    (4, "Good"),
    (3, "OK"),
    (2, "Poor"),
    (1, "Very poor"),
)
_WORDS: tuple[tuple[str, int], ...] = (
    ("very poor", 1), ("very bad", 1), ("terrible", 1), ("awful", 1), ("horrible", 1),
    ("very good", 5), ("excellent", 5), ("outstanding", 5), ("great", 5), ("perfect", 5),
    ("good", 4), ("satisfied", 4),
    ("okay", 3), ("ok", 3), ("average", 3), ("neutral", 3), ("fine", 3),
    ("poor", 2), ("bad", 2), ("unsatisfied", 2), ("dissatisfied", 2),
)
_TOKEN = re.compile(r"\[\s*CSAT\s*:\s*([0-9a-f]{8,40})\s*\]", re.IGNORECASE)
POSITIVE_FROM = 4  # 4 and 5 count as satisfied in "% positive"


@dataclass(frozen=True)
class Answer:
    rating: int | None  # None: the reply carried no rating we could read
    comment: str


def survey_tag(token: str) -> str:
    """The subject tag an answer brings back (replies keep the subject)."""
    return f"[CSAT:{token}]"


def survey_token(subject: str) -> str | None:
    match = _TOKEN.search(subject or "")
    return match.group(1).lower() if match else None


def survey_subject(ticket_tag: str, subject: str, token: str) -> str:
    return f"How did we do? {ticket_tag} {subject} {survey_tag(token)}"


def survey_body(*, contact_name: str, number: int, subject: str, technician: str | None) -> str:
    who = f" {technician} closed" if technician else " We closed"
    levels = "\n".join(f"  {n}  {label}" for n, label in SCALE)
    greeting = f"Hello {contact_name}," if contact_name else "Hello,"
    return (
        f"{greeting}\n\n"
        f"{who.strip()} your ticket #{number} \"{subject}\".\n"
        "How did we do? Reply to this mail with one number or word on the first line:\n\n"
        f"{levels}\n\n"
        "Anything you write below it reaches the team as your comment.\n"
        "Thank you!\n"
    )


def read_answer(body: str) -> Answer:
    """The rating on the first non-empty line, the rest as the comment.

    The first line must *be* the rating — a digit 1-5 (optionally "/5") and/or a scale
    word — optionally followed by a separator (" - ", ":", ",", ".") and a comment. So
    "4 - good, thanks" and "Excellent!" rate, but "Good morning, the VPN is down again",
    "1 more thing" and "3rd floor printer" do not: those are people writing to us, and
    intake treats them as mail about the ticket. A first line without a rating is all
    comment (rating None)."""
    lines = [line.strip() for line in (body or "").splitlines()]
    text = [line for line in lines if line]
    if not text:
        return Answer(None, "")
    first, rest = text[0], "\n".join(text[1:])
    rating, remainder = _rating(first)
    if rating is None:
        return Answer(None, "\n".join(text))
    comment = "\n".join(part for part in (remainder, rest) if part)
    return Answer(rating, comment)


_SEPARATED = re.compile(r"^\s*(?:$|[-–—:.,;!)]+\s*)")  # nothing, or a separator then text


def _rating(line: str) -> tuple[int | None, str]:
    digit = re.match(r"^\s*([1-5])(?:\s*/\s*5)?(?![\w/])", line)
    if digit:
        rest = line[digit.end():]
        word, after = _word(rest.lstrip(" -–—:"))
        if word is not None:  # "4 - good": the word belongs to the answer
            rest = after
        return _tail(int(digit.group(1)), rest)
    word, after = _word(line)
    if word is None:
        return None, line
    return _tail(word, after)


def _tail(rating: int, rest: str) -> tuple[int | None, str]:
    """Accept the rating only when what follows is nothing or a separated comment."""
    separated = _SEPARATED.match(rest)
    if separated is None:
        return None, rest
    return rating, rest[separated.end():].strip()


def _word(line: str) -> tuple[int | None, str]:
    lowered = line.lower()
    for phrase, value in _WORDS:
        match = re.match(rf"^\s*{re.escape(phrase)}\b", lowered)
        if match:
            return value, line[match.end():]
    return None, line
