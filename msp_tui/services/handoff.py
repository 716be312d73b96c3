"""Tier 1 → Tier 2 hand-off, and the client's escalation contacts for a ticket.

A hand-off is one transaction: the summary as an internal note, the ticket to the
Tier 2 group (its least-loaded active member by round robin, or the group alone), the
audit, and — for a P1/P2 whose response clock is at risk or breached — a page to the
on-call engineers (a notification each, plus an email when outbound mail is on). Paging
reads the stored clock instants through `engine.badges`, like every badge on screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session, select

from msp_tui.engine.badges import Badge, badge_for
from msp_tui.engine.contacts import CallWindow, call_now, next_window, parse_windows
from msp_tui.engine.handoff import HandoffError, HandoffSummary
from msp_tui.engine.vocabulary import (
    ClockKind,
    ClockState,
    Direction,
    NotificationLevel,
    PriorityCode,
    StatusCategory,
)
from msp_tui.services import assignment, outbox, tickets
from msp_tui.services.outbox import OutboundSettings
from msp_tui.services.tickets import Actor, ServiceError
from msp_tui.store.db import bump_change_seq
from msp_tui.store.models import (
    EscalationContact,
    Notification,
    SlaClock,
    Status,
    TechGroup,
    Technician,
    Ticket,
)

if TYPE_CHECKING:  # desk imports this module
    from msp_tui.services.desk import Desk

TIER2_GROUP = "Tier 2"
REASON = "Tier 1 → Tier 2 hand-off"
PAGED_PRIORITIES = frozenset({PriorityCode.P1, PriorityCode.P2})
PAGE_BADGES = frozenset({Badge.AT_RISK, Badge.BREACHED})


@dataclass(frozen=True)
class HandoffResult:
    """What the hand-off did, for the console to say."""

    group: str
    assignee: str | None  # None: left for the group (no active member)
    paged: tuple[str, ...] = ()  # on-call engineers paged
    emailed: bool = False  # a page email was queued


def hand_off(
    s: Session,
    ticket: Ticket,
    summary: HandoffSummary,
    *,
    at: datetime,
    actor: Actor,
    outbound: OutboundSettings | None = None,
) -> HandoffResult:
    """Note, reassign, audit and maybe page, in the caller's transaction."""
    try:
        summary.validate()
    except HandoffError as exc:
        raise ServiceError(str(exc)) from None
    group = s.exec(select(TechGroup).where(TechGroup.name == TIER2_GROUP)).first()
    if group is None or group.id is None:
        raise ServiceError(f"no {TIER2_GROUP!r} group to hand off to")
    if ticket.group_id == group.id:
        raise ServiceError(f"#{ticket.number} is already with {TIER2_GROUP}")
    status = s.get(Status, ticket.status_id)
    if status is not None and status.category in (StatusCategory.RESOLVED,
                                                  StatusCategory.CLOSED):
        raise ServiceError(f"#{ticket.number} is {status.name.lower()}: reopen it first")

    tickets.add_message(s, ticket, at=at, direction=Direction.INTERNAL, body=summary.render(),
                        actor=actor)
    old_group = s.get(TechGroup, ticket.group_id) if ticket.group_id is not None else None
    tickets.audit(s, at=at, actor=actor, entity="ticket", entity_id=ticket.id,  # type: ignore[arg-type]
                  field="group", old=old_group.name if old_group else None, new=group.name,
                  reason=REASON)
    technician_id = assignment.round_robin(s, group.id)
    tickets.assign(s, ticket, technician_id=technician_id, group_id=group.id, at=at,
                   actor=actor, reason=REASON)
    assignee = s.get(Technician, technician_id) if technician_id is not None else None
    result = HandoffResult(group.name, assignee.name if assignee else None)
    badge = response_badge(s, ticket, at)
    if ticket.priority in PAGED_PRIORITIES and badge in PAGE_BADGES:
        result = _page(s, ticket, summary, badge, result, at=at, actor=actor, outbound=outbound)
    return result


def response_badge(s: Session, ticket: Ticket, at: datetime) -> Badge:
    """The badge of the ticket's response clock alone (Met once we answered)."""
    clocks = s.exec(
        select(SlaClock).where(
            SlaClock.ticket_id == ticket.id,
            SlaClock.kind == ClockKind.RESPONSE,
            SlaClock.state != ClockState.CANCELLED,
        )
    ).all()
    return badge_for(clocks, at).badge


def _page(
    s: Session,
    ticket: Ticket,
    summary: HandoffSummary,
    badge: Badge,
    result: HandoffResult,
    *,
    at: datetime,
    actor: Actor,
    outbound: OutboundSettings | None,
) -> HandoffResult:
    """A notification (toasted as an error) per active on-call engineer, and one email."""
    on_call = s.exec(
        select(Technician)
        .where(Technician.on_call == True, Technician.active == True)  # noqa: E712
        .order_by(Technician.id)  # type: ignore[arg-type]
    ).all()
    if not on_call:
        return result
    response = "breached" if badge == Badge.BREACHED else "at risk"
    text = (f"Page: #{ticket.number} {ticket.priority} handed to {result.group}, response "
            f"{response}: {ticket.subject}")
    for tech in on_call:
        s.add(Notification(recipient_id=tech.id, level=NotificationLevel.ERROR,  # type: ignore[arg-type]
                           text=text[:1000], ticket_id=ticket.id, created_at=at))
    names = tuple(t.name for t in on_call)
    tickets.audit(s, at=at, actor=actor, entity="ticket", entity_id=ticket.id,  # type: ignore[arg-type]
                  field="paged", old=None, new=", ".join(names), reason=REASON)
    emailed = False
    if outbound is not None:
        body = (f"{text}\nAssigned to: {result.assignee or result.group + ' (unassigned)'}\n\n"
                f"{summary.render()}\n")
        emailed = outbox.enqueue_notification(
            s, to=[t.email for t in on_call], at=at, settings=outbound, ticket=ticket,
            subject=f"PAGE {ticket.priority}: #{ticket.number} response {response}",
            body=body,
        ) is not None
    bump_change_seq(s)
    return replace(result, paged=names, emailed=emailed)


# ---------------------------------------------------------------- escalation contacts


@dataclass(frozen=True)
class ContactView:
    """One client escalation contact; `call_now` marks the one to ring at the read instant."""

    id: int
    position: int
    name: str
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    windows: tuple[CallWindow, ...]
    call_now: bool = False
    next_open: datetime | None = None  # in the window's zone; None while open or never


def escalation_contacts(desk: Desk, ticket_id: int) -> list[ContactView]:
    """The ticket's client's contacts in call order, marked at `desk.clock.now()`."""
    with desk.db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        if ticket is None:
            raise ServiceError(f"no ticket with id {ticket_id}")
        if ticket.client_id is None:
            return []
        rows = s.exec(
            select(EscalationContact)
            .where(EscalationContact.client_id == ticket.client_id)
            .order_by(EscalationContact.position, EscalationContact.id)  # type: ignore[arg-type]
        ).all()
        views = [
            ContactView(r.id, r.position, r.name, tuple(r.phones or ()),  # type: ignore[arg-type]
                        tuple(r.emails or ()), parse_windows(r.call_windows or ()))
            for r in rows
        ]
    return mark(views, desk.clock.now())


def mark(contacts: Sequence[ContactView], at: datetime) -> list[ContactView]:
    """Mark the one to call at `at`, and each closed contact's next opening."""
    first = call_now(contacts, at)
    return [
        replace(c, call_now=c is first,
                next_open=None if any(w.is_open(at) for w in c.windows) else next_window(c, at))
        for c in contacts
    ]
