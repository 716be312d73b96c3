"""A customer answers the satisfaction survey by mail while a team lead watches the SLA
dashboard: the rating is recorded on the closed ticket and the dashboard counts it."""

from __future__ import annotations

from email.message import EmailMessage

from sqlmodel import select
from textual.widgets import Static

from msp_tui.engine.csat import survey_subject
from msp_tui.engine.vocabulary import MailOutcome, StatusCategory
from msp_tui.screens.dashboard import DashboardScreen
from msp_tui.services import mail_intake
from msp_tui.services.desk import Desk
from msp_tui.services.mail_intake import IntakeSettings, MailPosition
from msp_tui.services.outbox import OutboundSettings
from msp_tui.store.db import Database
from msp_tui.store.models import CsatSurvey, Status, Ticket
from tests.console_app import TERMINAL_SIZE, make_app
from tests.pilot_wait import settle, until

LEAD = "taylor.reed@demo-msp.example"
OUT = OutboundSettings(from_address="Demo MSP <help@demo-msp.example>", ticket_prefix="MSP")


def _unanswered_survey(desk: Desk) -> tuple[int, str, str]:
    """A survey the demo sent when its history closed a ticket and nobody answered yet;
    returns the ticket number, the survey mail's subject and who it went to."""
    with desk.db.session() as s:
        survey, ticket = s.exec(
            select(CsatSurvey, Ticket)
            .join(Ticket, Ticket.id == CsatSurvey.ticket_id)
            .where(CsatSurvey.state == "sent")
            .order_by(Ticket.number)
        ).first()  # type: ignore[misc]
        subject = survey_subject(f"[MSP#{ticket.number}]", ticket.subject, survey.token)
        return ticket.number, subject, survey.recipient or ""


def _answer(subject: str, sender: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "help@demo-msp.example"
    msg["Subject"] = f"Re: {subject}"
    msg["Message-ID"] = "<csat-answer-1@client.example>"
    msg.set_content("4 - good\nQuick and friendly, but the first fix did not hold.")
    return msg.as_bytes()


async def test_a_survey_answer_is_recorded_and_reaches_the_dashboard(demo_desk: Desk) -> None:
    number, subject, sender = _unanswered_survey(demo_desk)
    demo_desk.me_email = LEAD
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await pilot.press("d")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen) and screen.view is not None
        today_before = screen.view.csat[0].answers
        assert "CSAT (1–5): Today" in str(screen.query_one("#csat", Static).render())

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
        await until(pilot, lambda: screen.view is not None
                    and screen.view.csat[0].answers == today_before + 1)
        line = str(screen.query_one("#csat", Static).render())
        assert f"Today {screen.view.csat[0].average:.1f} ({today_before + 1})" in line

    with demo_desk.db.session() as s:
        survey = s.exec(select(CsatSurvey).where(CsatSurvey.recipient == sender,
                                                 CsatSurvey.state == "answered",
                                                 CsatSurvey.answered_at == demo_desk.clock.now())
                        ).one()
        assert (survey.rating, survey.comment) == (
            4, "Quick and friendly, but the first fix did not hold.")
        ticket = s.get(Ticket, survey.ticket_id)
        assert ticket is not None and ticket.number == number
        status = s.get(Status, ticket.status_id)
        assert status is not None and status.category == StatusCategory.CLOSED
