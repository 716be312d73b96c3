"""Auto-close: resolved tickets close once the grace period passes without a reply.

A customer reply before then reopens the same ticket (mail intake moves it back to work,
which clears `resolved_at` and resumes the resolution clock), so it simply stops being a
candidate here. Auto-close is the system's sign-off: the ticket records `closed_by`
"system" and closure notes saying why, and keeps the resolution its technician gave.
Only the holder of the `auto_close` lease runs it; candidates are found by status (the
`ix_ticket_status_due` index) and `resolved_at`, in batches, each its own short
transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from msp_tui.engine.clock import Clock
from msp_tui.engine.vocabulary import StatusCategory, WellKnownStatus
from msp_tui.services import tickets
from msp_tui.services.tick import acquire_lease
from msp_tui.store.db import Database
from msp_tui.store.models import Status, Ticket

AUTO_CLOSE_LEASE = "auto_close"
BATCH = 200
ACTOR_NAME = "auto-close"


def _due(s: Session, cutoff: datetime, batch: int) -> list[int]:
    """The oldest resolved tickets past the cutoff; closed ones leave the set, so each
    batch starts from the front again."""
    resolved = sa.select(Status.id).where(Status.category == StatusCategory.RESOLVED)
    stmt = (
        sa.select(Ticket.id, Ticket.resolved_at)
        .where(
            Ticket.status_id.in_(resolved),  # type: ignore[attr-defined]
            Ticket.resolved_at.is_not(None),  # type: ignore[union-attr]
            Ticket.resolved_at <= cutoff,  # type: ignore[operator]
        )
        .order_by(Ticket.resolved_at, Ticket.id)  # type: ignore[arg-type]
        .limit(batch)
    )
    return [row.id for row in s.execute(stmt).all()]


def close_resolved(
    db: Database,
    clock: Clock,
    *,
    owner: str,
    after: timedelta,
    lease_ttl: timedelta = timedelta(seconds=60),
    batch: int = BATCH,
) -> int:
    """Close every ticket resolved at least `after` ago; returns how many were closed.

    Returns 0 without touching anything when another process holds the lease.
    """
    now = clock.now()
    cutoff = now - after
    actor = tickets.Actor(ACTOR_NAME)
    hours = after.total_seconds() / 3600
    reason = f"auto-closed: resolved {hours:g} h ago with no customer reply"
    closure = tickets.Closure(notes=f"auto-closed after {hours:g} h without customer reply")
    closed = 0
    while True:
        with db.session() as s:
            # Each batch renews the lease and, being a write, takes SQLite's write lock
            # before reading, so a reply cannot reopen a ticket between read and close.
            if not acquire_lease(s, AUTO_CLOSE_LEASE, owner, clock.now(), lease_ttl):
                return closed
            ids = _due(s, cutoff, batch)
            for ticket_id in ids:
                ticket = s.get(Ticket, ticket_id)
                if ticket is None:
                    continue
                tickets.change_status(
                    s, ticket, WellKnownStatus.CLOSED, at=now, actor=actor, reason=reason,
                    closure=closure,
                )
                closed += 1
        if len(ids) < batch:
            return closed
