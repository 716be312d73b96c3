"""What runs on a new ticket inside the transaction that creates it, before its SLA
clocks start: categorisation rules, the priority policy, then assignment and notification
rules. A new ticket is never left waiting for a job.

Each step lives in its own module; this one only fixes the order.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from msp_tui.store.models import Ticket


def on_new_ticket(s: Session, ticket: Ticket, *, at: datetime, body: str) -> None:
    """Called by `tickets.create_ticket` after the ticket and its first message exist and
    before `sla.start_clocks` (a policy bump must set the targets the clocks start with)."""
    del s, ticket, at, body  # filled in by the rules issue: categorize, policy, assign, notify
