"""A customer answers the satisfaction survey by mail while a team lead watches the SLA
dashboard: the rating is recorded on the closed ticket and the dashboard shows it."""

from __future__ import annotations

from email.message import EmailMessage

from sqlmodel import select
from textual.widgets import Static

from msp_tui.engine.vocabulary import MailOutcome, StatusCategory
from msp_tui.screens.dashboard import DashboardScreen
from msp_tui.services import csat, csat_mail, mail_intake
from msp_tui.services.desk import Desk
from msp_tui.services.mail_intake import IntakeSettings, MailPosition
from msp_tui.services.outbox import OutboundSettings
from msp_tui.store.db import Database
from msp_tui.store.models import Contact, CsatSurvey, OutboxMail, Status, Ticket
from tests.console_app import TERMINAL_SIZE, make_app

LEAD = "taylor.reed@demo-msp.example"
OUT = OutboundSettings(from_address="Demo MSP <help@demo-msp.example>", ticket_prefix="MSP")


def _survey_a_closed_ticket(desk: Desk) -> tuple[int, str, str]:
    """Queue and mail the survey of a closed demo ticket with a contact (the demo's own
    history is never surveyed); returns the ticket number, the survey subject, the sender."""
    with desk.db.session() as s:
        ticket, contact = s.exec(
            select(Ticket, Contact)
            .join(Status, Status.id == Ticket.status_id)
            .join(Contact, Contact.id == Ticket.contact_id)
            .where(Status.category == StatusCategory.CLOSED, Contact.terminated.is_(False))  # type: ignore[attr-defined]
            .order_by(Ticket.number)
        ).first()  # type: ignore[misc]
        assert csat.queue_survey(s, ticket, at=desk.clock.now()) is not None
        number, email = ticket.number, contact.email
    assert csat_mail.send_pending(desk.db, desk.clock, OUT, owner="console") == 1
    with desk.db.session() as s:
        subject = s.exec(select(OutboxMail.subject).where(
            OutboxMail.subject.contains("[CSAT:"))).one()  # type: ignore[attr-defined]
    return number, subject, email or ""


def _answer(subject: str, sender: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "help@demo-msp.example"
    msg["Subject"] = f"Re: {subject}"
    msg["Message-ID"] = "<csat-answer-1@client.example>"
    msg.set_content("4 - good\nQuick and friendly, but the first fix did not hold.")
    return msg.as_bytes()


async def test_a_survey_answer_is_recorded_and_reaches_the_dashboard(demo_desk: Desk) -> None:
    number, subject, sender = _survey_a_closed_ticket(demo_desk)
    demo_desk.me_email = LEAD
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await pilot.press("d")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        line = str(screen.query_one("#csat", Static).render())
        assert "no survey answers" in line

        # The mail arrives through intake in another process (its own Database).
        other = Database(demo_desk.db.url)
        with other.session() as s:
            result = mail_intake.ingest(s, _answer(subject, sender), at=demo_desk.clock.now(),
                                        position=MailPosition("box", 1, 1),
                                        settings=IntakeSettings())
        other.dispose()
        assert result.outcome == MailOutcome.REPLY
        assert f"survey answer on #{number} (rating 4)" == result.detail

        screen.poll_changes()  # the console's change poll
        await app.workers.wait_for_complete()
        await pilot.pause()
        line = str(screen.query_one("#csat", Static).render())
        assert "Today 4.0 (1)" in line and "100.0 % satisfied" in line

    with demo_desk.db.session() as s:
        survey = s.exec(select(CsatSurvey)).one()
        assert (survey.rating, survey.state) == (4, "answered")
        assert survey.comment == "Quick and friendly, but the first fix did not hold."
        ticket = s.get(Ticket, survey.ticket_id)
        assert ticket is not None
        status = s.get(Status, ticket.status_id)
        assert status is not None and status.category == StatusCategory.CLOSED
