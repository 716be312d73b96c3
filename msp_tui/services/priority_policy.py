"""The priority policy on a new ticket, and the technician's answer to a suggestion.

`apply` runs inside the creating transaction (called from `rules.on_new_ticket`) before
the SLA clocks start, so a policy bump is a plain field change plus an audit row: the
clocks then start on the bumped targets, with nothing to retarget. Keyword suggestions
are only stored beside the ticket; a technician accepts (a normal priority change, with
retargeted clocks) or overrides (keeps the priority) them.

`tickets` is imported as a module and used at call time: `tickets` imports `rules`,
which imports this module, so names from it must not be bound at import time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from msp_tui.engine import priority_policy as eng
from msp_tui.engine.vocabulary import PriorityCode, TicketType
from msp_tui.services import tickets
from msp_tui.store.db import bump_change_seq
from msp_tui.store.models import Client, Ticket

# A spike: this many tickets (the new one included) from one client within the window.
SPIKE_THRESHOLD = 5
SPIKE_WINDOW = timedelta(minutes=60)

POLICY_ACTOR_NAME = "priority policy"
_SUSPENDED = "msp_tui.priority_policy.suspended"  # a `Session.info` key


@contextmanager
def suspended(s: Session) -> Iterator[None]:
    """Replaying history (the demo seed): each ticket keeps the priority and type its
    story gives it, as if people had triaged it already, so the demo stays as written."""
    s.info[_SUSPENDED] = True
    try:
        yield
    finally:
        s.info.pop(_SUSPENDED, None)


def _policy_actor() -> tickets.Actor:
    return tickets.Actor(POLICY_ACTOR_NAME)


def recent_from_client(s: Session, ticket: Ticket, at: datetime) -> int:
    """The client's tickets created in [at - window, at], this one counted once."""
    if ticket.client_id is None:
        return 0
    others = s.execute(
        sa.select(sa.func.count())
        .select_from(Ticket)
        .where(
            Ticket.client_id == ticket.client_id,  # type: ignore[arg-type]
            Ticket.created_at >= at - SPIKE_WINDOW,  # type: ignore[arg-type]
            Ticket.created_at <= at,  # type: ignore[arg-type]
            Ticket.id != ticket.id,  # type: ignore[arg-type]
        )
    ).scalar_one()
    return int(others) + 1


def apply(s: Session, ticket: Ticket, *, at: datetime, body: str) -> None:
    """Policy escalation, keyword suggestion and implementation routing for a new ticket.

    Call before `sla.start_clocks`: a bump here sets the targets the clocks start with.
    """
    if s.info.get(_SUSPENDED):
        return
    actor = _policy_actor()
    ticket_id: int = ticket.id  # type: ignore[assignment]
    client = s.get(Client, ticket.client_id) if ticket.client_id is not None else None
    security = eng.security_keywords(ticket.subject, body)
    bump = eng.escalate(
        ticket.priority,
        vip=bool(client and client.vip),
        recent_from_client=recent_from_client(s, ticket, at),
        spike_threshold=SPIKE_THRESHOLD,
        security_hit=security,
        spike_window_minutes=int(SPIKE_WINDOW.total_seconds() // 60),
    )
    if bump is not None:
        old = ticket.priority
        ticket.priority = bump.priority
        tickets.audit(s, at=at, actor=actor, entity="ticket", entity_id=ticket_id,
                      field="priority", old=old, new=bump.priority,
                      reason=f"policy escalation: {bump.reason}")

    suggestion = eng.suggest(ticket.subject, body)
    if suggestion is not None and eng.is_higher(suggestion.priority, ticket.priority):
        ticket.suggested_priority = suggestion.priority
        ticket.suggestion_reason = suggestion.reason[:300]
        tickets.audit(s, at=at, actor=actor, entity="ticket", entity_id=ticket_id,
                      field="suggested_priority", old=None, new=suggestion.priority,
                      reason=suggestion.reason)

    if ticket.type == TicketType.SUPPORT and eng.is_implementation_request(ticket.subject, body):
        ticket.type = TicketType.IMPLEMENTATION
        matched = eng.matches(f"{ticket.subject}\n{body}", eng.IMPLEMENTATION_KEYWORDS)
        tickets.audit(s, at=at, actor=actor, entity="ticket", entity_id=ticket_id,
                      field="type", old=TicketType.SUPPORT, new=TicketType.IMPLEMENTATION,
                      reason="implementation request: "
                      + ", ".join(f"'{k}'" for k in matched))
    s.add(ticket)


def _pending(ticket: Ticket) -> PriorityCode:
    if ticket.suggested_priority is None:
        raise tickets.ServiceError(f"#{ticket.number} has no suggested priority")
    return PriorityCode(ticket.suggested_priority)


def _clear(ticket: Ticket, at: datetime) -> None:
    ticket.suggested_priority = None
    ticket.suggestion_reason = ""
    ticket.updated_at = at


def accept_suggestion(s: Session, ticket: Ticket, *, at: datetime, actor: tickets.Actor) -> None:
    """The technician takes the suggested priority: a normal change (clocks retarget)."""
    suggested = _pending(ticket)
    if not eng.is_higher(suggested, ticket.priority):
        # Someone raised the priority since: accepting now would lower it.
        raise tickets.ServiceError(
            f"#{ticket.number} is already {ticket.priority}; the {suggested} suggestion "
            "is out of date (D dismisses it)"
        )
    reason = f"accepted suggestion: {ticket.suggestion_reason or suggested}"
    _clear(ticket, at)
    tickets.change_priority(s, ticket, suggested, at=at, actor=actor, reason=reason)
    s.add(ticket)
    bump_change_seq(s)


def dismiss_suggestion(s: Session, ticket: Ticket, *, at: datetime, actor: tickets.Actor) -> None:
    """The technician overrides the suggestion and keeps the priority as it is."""
    suggested = _pending(ticket)
    why = ticket.suggestion_reason
    _clear(ticket, at)
    s.add(ticket)
    tickets.audit(s, at=at, actor=actor, entity="ticket", entity_id=ticket.id,  # type: ignore[arg-type]
                  field="suggested_priority", old=suggested, new=None,
                  reason=f"override: kept {ticket.priority}" + (f" ({why})" if why else ""))
    bump_change_seq(s)
