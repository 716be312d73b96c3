"""What runs on a new ticket inside the transaction that creates it, before its SLA
clocks start: categorisation rules, the priority policy, then assignment and notification
rules. A new ticket is never left waiting for a job.

Each step lives in its own module; this one only fixes the order.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from msp_tui.services import assignment, priority_policy
from msp_tui.store.models import Ticket


def on_new_ticket(s: Session, ticket: Ticket, *, at: datetime, body: str) -> None:
    """Called by `tickets.create_ticket` after the ticket and its first message exist and
    before `sla.start_clocks` (a policy bump must set the targets the clocks start with)."""
    assignment.categorize(s, ticket, at=at, body=body)
    # After categorising (the policy may look at the category), before assigning (a bump
    # to P1 may change who gets the ticket).
    priority_policy.apply(s, ticket, at=at, body=body)
    assignment.route(s, ticket, at=at, body=body)
    assignment.notify(s, ticket, at=at, body=body)
