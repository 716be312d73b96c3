"""Satisfaction surveys by mail: pending surveys become outbox mail, answers that come
back through mail intake become ratings. The text and the reading of answers are
`engine/csat.py`; the survey row is queued on close by `services/csat.py`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from msp_tui.engine import csat as engine
from msp_tui.engine.clock import Clock
from msp_tui.services import outbox
from msp_tui.services.csat import SurveyState
from msp_tui.services.outbox import OutboundSettings
from msp_tui.services.tick import acquire_lease
from msp_tui.services.tickets import Actor, audit
from msp_tui.store.db import Database, bump_change_seq
from msp_tui.store.models import Contact, CsatSurvey, Technician, Ticket

# ---------------------------------------------------------------- sending

CSAT_LEASE = "csat"
SEND_BATCH = 100


def send_pending(
    db: Database,
    clock: Clock,
    settings: OutboundSettings,
    *,
    owner: str,
    lease_ttl: timedelta = timedelta(seconds=60),
) -> int:
    """Turn pending surveys into outbox mail (the outbox sender delivers them, with its
    retries); the lease holder only. Returns how many were queued."""
    queued = 0
    while True:
        with db.session() as s:
            now = clock.now()
            if not acquire_lease(s, CSAT_LEASE, owner, now, lease_ttl):
                return queued
            batch = s.exec(
                select(CsatSurvey)
                .where(CsatSurvey.state == SurveyState.PENDING)
                .order_by(CsatSurvey.id)  # type: ignore[arg-type]
                .limit(SEND_BATCH)
            ).all()
            for survey in batch:
                _queue_mail(s, survey, settings, now)
                queued += 1
        if len(batch) < SEND_BATCH:
            return queued


def _queue_mail(s: Session, survey: CsatSurvey, settings: OutboundSettings, at: datetime) -> None:
    ticket = s.get(Ticket, survey.ticket_id)
    assert ticket is not None
    contact = s.get(Contact, ticket.contact_id) if ticket.contact_id is not None else None
    tech = s.get(Technician, survey.technician_id) if survey.technician_id is not None else None
    tag = f"[{settings.ticket_prefix}#{ticket.number}]"
    mail = outbox.enqueue_notification(
        s,
        to=[survey.recipient or ""],
        subject=engine.survey_subject(tag, ticket.subject, survey.token),
        body=engine.survey_body(
            contact_name=contact.name if contact else "",
            number=ticket.number,
            subject=ticket.subject,
            technician=tech.name if tech else None,
        ),
        at=at,
        settings=settings,
        ticket=ticket,
    )
    if mail is None:
        survey.state = SurveyState.SKIPPED
    else:
        s.flush()
        survey.state, survey.outbox_id, survey.sent_at = SurveyState.SENT, mail.id, at
    s.add(survey)


# ---------------------------------------------------------------- answers


def survey_for_answer(
    s: Session,
    subject: str,
    body: str,
    sender_email: str,
    sender_client_id: int | None,
    *,
    sender_terminated: bool = False,
) -> CsatSurvey | None:
    """The survey a mail answers: its token in the subject, a rating on the first line,
    from the person asked or someone of the same client (a colleague may answer).

    Anything else goes through normal intake: a reply to the survey without a rating is
    somebody writing to us ("the VPN is down again" opens a related ticket), and a
    terminated contact's mail is flagged there as possible social engineering."""
    token = engine.survey_token(subject)
    if token is None or sender_terminated or engine.read_answer(body).rating is None:
        return None
    survey = s.exec(select(CsatSurvey).where(CsatSurvey.token == token)).first()
    if survey is None:
        return None
    same_person = (survey.recipient or "").lower() == sender_email.lower()
    same_client = sender_client_id is not None and sender_client_id == survey.client_id
    return survey if same_person or same_client else None


def record_answer(
    s: Session, survey: CsatSurvey, body: str, *, at: datetime, sender: str
) -> engine.Answer:
    """Store the rating and comment (a later answer replaces an earlier one: people
    change their minds) and audit it on the ticket. The ticket stays closed."""
    answer = engine.read_answer(body)
    old = survey.rating
    if answer.rating is not None:
        survey.rating = answer.rating
        survey.state = SurveyState.ANSWERED
        survey.answered_at = at
    if answer.comment:
        survey.comment = answer.comment[:4000]
    s.add(survey)
    audit(s, at=at, actor=Actor(f"customer: {sender}"), entity="ticket",
          entity_id=survey.ticket_id, field="csat_rating", old=old,
          new=answer.rating if answer.rating is not None else old,
          reason=answer.comment[:200] if answer.comment else "")
    bump_change_seq(s)
    return answer
