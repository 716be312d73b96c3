"""Customer satisfaction: a survey per closed ticket, queued in the closing transaction.

Closing (by hand, by a cascade, by auto-close) only records a pending survey row, so the
close never waits on mail and a survey exists exactly once per ticket (unique ticket_id);
the sender job turns pending rows into outbox mail when outbound mail is configured
(`services/csat_mail.py`, which also records answers; this module stays import-light
because the ticket services call it).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import Session, select

from msp_tui.store.models import Client, CsatSurvey, Ticket


class SurveyState(StrEnum):
    PENDING = "pending"  # queued on close, not yet mailed
    SENT = "sent"  # in the outbox (delivery is the outbox's business)
    ANSWERED = "answered"
    SKIPPED = "skipped"  # nobody to mail any more

_SUSPENDED = "msp_tui.csat.suspended"  # a `Session.info` key
# Work resolved longer ago than this is not worth asking about when it finally closes.
SURVEY_MAX_AGE = timedelta(days=7)


@contextmanager
def suspended(s: Session) -> Iterator[None]:
    """Replaying history (the demo seed): closing old tickets must not survey anyone."""
    s.info[_SUSPENDED] = True
    try:
        yield
    finally:
        s.info.pop(_SUSPENDED, None)


def queue_survey(s: Session, ticket: Ticket, *, at: datetime) -> CsatSurvey | None:
    """Record the survey for a ticket that just closed; None when there is nobody to ask,
    the client opted out, the work was resolved over a week ago, or the ticket already
    had one."""
    if ticket.client_id is None or s.info.get(_SUSPENDED):
        return None
    if ticket.resolved_at is not None and at - ticket.resolved_at > SURVEY_MAX_AGE:
        return None  # e.g. imported history auto-closed now: nobody remembers that work
    client = s.get(Client, ticket.client_id)
    if client is None or not client.csat_enabled:
        return None
    from msp_tui.services.outbox import reply_address  # outbox imports tickets imports us

    recipient = reply_address(s, ticket)
    if not recipient:
        return None
    existing = s.exec(select(CsatSurvey).where(CsatSurvey.ticket_id == ticket.id)).first()
    if existing is not None:
        return None
    survey = CsatSurvey(
        ticket_id=ticket.id,  # type: ignore[arg-type]
        client_id=ticket.client_id,
        technician_id=ticket.assignee_id,
        recipient=recipient,
        token=secrets.token_hex(8),
        created_at=at,
    )
    s.add(survey)
    return survey

