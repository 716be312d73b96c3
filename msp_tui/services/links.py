"""Ticket links as use cases: children of a master, duplicates, and cascades.

The rules are the engine's (`engine.links`); this module reads what they need, writes
through the ticket services (so every change is audited and bumps the change sequence),
and runs a cascade child by child, each in its own savepoint: a child that refuses a
move (the lifecycle table says no) is reported, and the others still go.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from msp_tui.engine.links import (
    ChildFacts,
    LinkError,
    cascade_targets,
    open_children,
    validate_duplicate,
    validate_parent,
)
from msp_tui.engine.vocabulary import Direction, StatusCategory
from msp_tui.services import outbox, tickets
from msp_tui.services.outbox import OutboundSettings
from msp_tui.services.tickets import Actor, ServiceError
from msp_tui.store.db import bump_change_seq
from msp_tui.store.models import ResolutionCode, Status, Ticket


@dataclass(frozen=True)
class CascadeResult:
    """What a cascade did to one child: `error` None means it followed the master."""

    number: int
    error: str | None = None

    @property
    def done(self) -> bool:
        return self.error is None


def by_number(s: Session, number: int) -> Ticket:
    ticket = s.exec(select(Ticket).where(Ticket.number == number)).first()
    if ticket is None:
        raise ServiceError(f"there is no ticket #{number}")
    return ticket


def children_of(s: Session, master: Ticket) -> list[tuple[Ticket, ChildFacts]]:
    """The master's children in number order, with the facts a cascade looks at."""
    rows = s.exec(
        select(Ticket, Status.category)
        .join(Status, Status.id == Ticket.status_id)  # type: ignore[arg-type]
        .where(Ticket.parent_id == master.id)
        .order_by(Ticket.number)  # type: ignore[arg-type]
    ).all()
    return [(t, ChildFacts(t.number, category)) for t, category in rows]


def _is_closed(s: Session, ticket: Ticket) -> bool:
    status = s.get(Status, ticket.status_id)
    return status is not None and status.category == StatusCategory.CLOSED


# ---------------------------------------------------------------- master and children


def check_parent(s: Session, parent_number: int) -> None:
    """Refuse a parent a brand-new ticket could not be filed under (read only), so the
    new-ticket form can say so on the field before anything is created."""
    parent = by_number(s, parent_number)
    up = s.get(Ticket, parent.parent_id) if parent.parent_id is not None else None
    numbers = [up.number] if up is not None else []
    try:
        validate_parent(0, parent.number, numbers, _is_closed(s, parent))
    except LinkError as exc:
        raise ServiceError(str(exc)) from exc


def unlink_parent(s: Session, ticket: Ticket, *, at: datetime, actor: Actor) -> None:
    """Take a child out from under its master (audited as a parent change)."""
    tickets.link_parent(s, ticket, None, at=at, actor=actor)


def link_children(
    s: Session,
    master: Ticket,
    numbers: Sequence[int],
    *,
    at: datetime,
    actor: Actor,
    unlink: Sequence[int] = (),
) -> None:
    """File each numbered ticket under `master`, which makes it a master; take the
    `unlink` ones out. All or nothing: the first refusal names its ticket and nothing
    is written, so the technician fixes the list and sends it again."""
    for number in unlink:
        child = by_number(s, number)
        if child.parent_id != master.id:
            raise ServiceError(f"#{number} is not a child of #{master.number}")
        unlink_parent(s, child, at=at, actor=actor)
    for number in numbers:
        child = by_number(s, number)
        if child.id == master.id:
            raise ServiceError(f"#{number} cannot be its own parent")
        tickets.link_parent(s, child, master.number, at=at, actor=actor)


# ---------------------------------------------------------------- cascades


def cascade_status(
    s: Session,
    master: Ticket,
    status_key: str,
    *,
    at: datetime,
    actor: Actor,
    reason: str = "",
) -> list[CascadeResult]:
    """Move the master's open children to `status_key` (resolving or closing only),
    each through `change_status` and the lifecycle table; a refusal is reported.

    The children inherit the master's resolution code and summary (one fault, one fix),
    so they count in trend reports like the master; the master's follow-on work stays on
    the master, and each child is signed off by whoever ran the cascade."""
    target = tickets.status_by_key(s, status_key)
    code = s.get(ResolutionCode, master.resolution_code_id) if master.resolution_code_id else None
    inherited = tickets.Closure(
        code=code.code if code is not None else None,
        summary=master.resolution_summary,
        from_master=True,
    )
    children = children_of(s, master)
    moving = set(cascade_targets([facts for _, facts in children], target.category))
    why = f"with master #{master.number}" + (f": {reason}" if reason else "")
    results: list[CascadeResult] = []
    for child, facts in children:
        if facts.number not in moving:
            continue
        try:
            with s.begin_nested():
                tickets.change_status(s, child, status_key, at=at, actor=actor, reason=why,
                                      closure=inherited)
        except ServiceError as exc:
            s.refresh(child)
            results.append(CascadeResult(child.number, str(exc)))
        else:
            results.append(CascadeResult(child.number))
    return results


def public_reply(
    s: Session,
    ticket: Ticket,
    body: str,
    *,
    at: datetime,
    actor: Actor,
    outbound: OutboundSettings | None,
) -> None:
    """A public reply, queued for email with it when outbound mail is configured: the
    one path for `Desk.reply` and the cascade, so a cascaded reply is like any other."""
    message = tickets.add_message(s, ticket, at=at, direction=Direction.PUBLIC, body=body,
                                  actor=actor)
    if outbound is not None:
        outbox.enqueue_reply(s, ticket, message, at=at, settings=outbound)


def cascade_reply(
    s: Session,
    master: Ticket,
    body: str,
    *,
    at: datetime,
    actor: Actor,
    outbound: OutboundSettings | None,
) -> list[int]:
    """The same public reply on each open child (each contact gets their own mail);
    returns the children's numbers."""
    if not body.strip():
        raise ServiceError("an empty message was not added")
    children = children_of(s, master)
    targets = set(open_children([facts for _, facts in children]))
    sent: list[int] = []
    for child, facts in children:
        if facts.number in targets:
            public_reply(s, child, body, at=at, actor=actor, outbound=outbound)
            sent.append(child.number)
    return sent


# ---------------------------------------------------------------- duplicates


def mark_duplicate(
    s: Session, ticket: Ticket, original_number: int, *, at: datetime, actor: Actor
) -> None:
    """Mark `ticket` a duplicate of the original with that number. It stays open: the
    technician decides whether to close it (or reply first)."""
    original = by_number(s, original_number)
    if ticket.duplicate_of_id == original.id:
        return
    current = s.get(Ticket, ticket.duplicate_of_id) if ticket.duplicate_of_id else None
    original_of = s.get(Ticket, original.duplicate_of_id) if original.duplicate_of_id else None
    duplicates = s.exec(
        select(Ticket.number).where(Ticket.duplicate_of_id == ticket.id)
    ).all()
    try:
        validate_duplicate(
            ticket.number,
            original.number,
            ticket_duplicate_of=current.number if current else None,
            original_duplicate_of=original_of.number if original_of else None,
            duplicates_of_ticket=list(duplicates),
        )
    except LinkError as exc:
        raise ServiceError(str(exc)) from exc
    ticket.duplicate_of_id = original.id
    ticket.updated_at = at
    s.add(ticket)
    tickets.audit(s, at=at, actor=actor, entity="ticket", entity_id=ticket.id,  # type: ignore[arg-type]
                  field="duplicate_of", old=None, new=f"#{original.number}")
    bump_change_seq(s)


def unmark_duplicate(s: Session, ticket: Ticket, *, at: datetime, actor: Actor) -> None:
    """No longer a duplicate; nothing to do when it was not one."""
    if ticket.duplicate_of_id is None:
        return
    original = s.get(Ticket, ticket.duplicate_of_id)
    ticket.duplicate_of_id = None
    ticket.updated_at = at
    s.add(ticket)
    tickets.audit(s, at=at, actor=actor, entity="ticket", entity_id=ticket.id,  # type: ignore[arg-type]
                  field="duplicate_of", old=f"#{original.number}" if original else None, new=None)
    bump_change_seq(s)


def open_child_count(s: Session, ticket_id: int) -> int:
    """Open or paused children: what a resolve, close or reply on a master may cascade to."""
    return int(
        s.execute(
            sa.select(sa.func.count())
            .select_from(Ticket)
            .join(Status, Status.id == Ticket.status_id)  # type: ignore[arg-type]
            .where(
                Ticket.parent_id == ticket_id,
                Status.category.in_([StatusCategory.OPEN, StatusCategory.PAUSED]),  # type: ignore[attr-defined]
            )
        ).scalar_one()
    )
