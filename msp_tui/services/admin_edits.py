"""The small steps every settings write takes the same way, written once.

The settings services (clients, people, reference data, rules, SLA profiles) check a
whole form before writing, so the admin sees every problem at once and nothing is half
written; then they log one audit row per changed field, and ordered lists keep their
positions 1..n. Sharing these steps keeps a refusal, an audit trail and a move the same
on every settings screen:

- `existing`: the row acted on, or a refusal saying it is gone;
- `clean_text`, `plural`: a name checked and a count worded the one way;
- `fail_if`: every problem found, in one `ServiceError`;
- `audit_changes`: one audit row per field that changed;
- `moved`, `renumber`: a row moved up or down, and positions 1..n afterwards.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from sqlmodel import Session

from msp_tui.services.tickets import Actor, ServiceError, audit


class Positioned(Protocol):
    """A row of a list whose order means something (rules, call orders)."""

    position: int


P = TypeVar("P", bound=Positioned)
T = TypeVar("T")
M = TypeVar("M")


def existing(s: Session, model: type[M], row_id: int, what: str) -> M:
    """The row the admin acts on, or a refusal naming it ("no status with id 9"): a row
    another console deleted meanwhile is not an internal error."""
    row = s.get(model, row_id)
    if row is None:
        raise ServiceError(f"no {what} with id {row_id}")
    return row


def fail_if(problems: Sequence[str], sep: str = "; ") -> None:
    """Refuse with one `ServiceError` listing every problem, in the order they were found
    (nothing when there is none). `sep` "\\n" puts each on its own line, for forms whose
    problems are long enough to need it."""
    if problems:
        raise ServiceError(sep.join(problems))


def plural(n: int, word: str) -> str:
    """A count in words, "1 ticket" or "3 tickets", as refusals and summaries say it."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def clean_text(value: str | None, what: str, limit: int, problems: list[str]) -> str:
    """A name or label as stored: runs of spaces made one, ends trimmed. Missing or longer
    than `limit` adds a problem to `problems` (for `fail_if`) instead of raising, so the
    rest of the form is still checked."""
    clean = " ".join((value or "").split())
    if not clean:
        problems.append(f"{what} is required")
    elif len(clean) > limit:
        problems.append(f"{what} is at most {limit} characters ({len(clean)} given)")
    return clean


def audit_changes(
    s: Session,
    at: datetime,
    actor: Actor,
    entity: str,
    entity_id: int,
    changes: Sequence[tuple[str, object, object]],
) -> None:
    """One audit row per (field, old, new) whose value changed, in the order given; an
    unchanged field writes nothing, so a save that changes one field logs one row."""
    for field, old, new in changes:
        if old != new:
            audit(s, at=at, actor=actor, entity=entity, entity_id=entity_id, field=field,
                  old=old, new=new)


def renumber(s: Session, rows: Sequence[P]) -> list[tuple[P, int, int]]:
    """Give `rows` the positions 1..n in the order given (unique and contiguous, whatever
    gaps or ties they had) and return (row, old, new) for each row whose position changed,
    in that order. What is audited is the caller's: a call order logs every position, the
    rules only the pair an admin swapped."""
    changed: list[tuple[P, int, int]] = []
    for position, row in enumerate(rows, start=1):
        if row.position != position:
            changed.append((row, row.position, position))
            row.position = position
            s.add(row)
    return changed


def moved(rows: Sequence[T], index: int, delta: int) -> list[T]:
    """A copy of `rows` with the one at `index` moved `delta` places (negative: up),
    stopping at either end: holding "move up" at the top is harmless, not an error."""
    order = list(rows)
    order.insert(max(0, min(len(order) - 1, index + delta)), order.pop(index))
    return order
