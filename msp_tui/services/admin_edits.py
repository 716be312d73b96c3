"""The small steps every settings write takes the same way, written once.

The settings services (clients, people, reference data, rules, SLA profiles) all check a
whole form before writing, so the admin sees every problem at once and nothing is half
written; this module holds the pieces they share, so a refusal reads the same on every
screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from msp_tui.services.tickets import Actor, ServiceError, audit


def fail_if(problems: Sequence[str], sep: str = "; ") -> None:
    """Refuse with one `ServiceError` listing every problem, in the order they were found
    (nothing when there is none). `sep` "\\n" puts each on its own line, for forms whose
    problems are long enough to need it."""
    if problems:
        raise ServiceError(sep.join(problems))


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
