"""What runs on a new ticket inside the transaction that creates it, before its SLA
clocks start: categorisation rules, the priority policy, then assignment and notification
rules. A new ticket is never left waiting for a job.

Each step lives in its own module; this one only fixes the order.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from msp_tui.services import assignment
from msp_tui.store.models import Ticket


def on_new_ticket(s: Session, ticket: Ticket, *, at: datetime, body: str) -> None:
    """Called by `tickets.create_ticket` after the ticket and its first message exist and
    before `sla.start_clocks` (a policy bump must set the targets the clocks start with)."""
    assignment.categorize(s, ticket, at=at, body=body)
    _priority_policy(s, ticket, at=at, body=body)
    assignment.route(s, ticket, at=at, body=body)
    assignment.notify(s, ticket, at=at, body=body)


def _priority_policy(s: Session, ticket: Ticket, *, at: datetime, body: str) -> None:
    """After categorising (the policy may look at the category), before assigning (a bump
    to P1 may change who gets the ticket)."""
    try:  # the priority policy lands separately; rules work without it until then
        from msp_tui.services import priority_policy
    except ModuleNotFoundError as exc:
        if exc.name != "msp_tui.services.priority_policy":
            raise
        return
    apply = getattr(priority_policy, "apply", None)
    if apply is not None:
        apply(s, ticket, at=at, body=body)
