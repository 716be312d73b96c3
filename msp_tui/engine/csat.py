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
    """The rating on the first non-empty line (a digit 1-5, or a word), the rest as the
    comment. A first line without a rating is all comment."""
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


def _rating(line: str) -> tuple[int | None, str]:
    lowered = line.lower()
    digit = re.match(r"^\s*([1-5])(?:\s*/\s*5)?(?!\d)\s*[-–—:.,!)]?\s*", lowered)
    if digit:
        rest = line[digit.end():]
        # "4 - good" : the digit wins, the word is part of the answer, not a comment.
        word, after = _word(rest)
        return int(digit.group(1)), (after if word is not None else rest).strip()
    word, after = _word(line)
    return word, after.strip()


def _word(line: str) -> tuple[int | None, str]:
    lowered = line.lower()
    for phrase, value in _WORDS:
        match = re.match(rf"^\s*{re.escape(phrase)}\b[\s!.,:;\-–—)]*", lowered)
        if match:
            return value, line[match.end():]
    return None, line
