"""The mail quarantine screen: admins see, retry and discard mail intake could not take."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from sqlmodel import select
from textual.widgets import DataTable, Label

from msp_tui.engine.vocabulary import MailOutcome
from msp_tui.screens.dialogs import ConfirmDialog
from msp_tui.screens.mail_quarantine import QuarantineScreen, RawMailScreen
from msp_tui.services import mail_intake
from msp_tui.services.desk import Desk
from msp_tui.services.mail_intake import IntakeSettings, MailPosition
from msp_tui.store.models import MailboxState, MailReceipt, QuarantinedMail, Ticket
from tests.conftest import FIXED_NOW
from tests.console_app import TERMINAL_SIZE, make_app
from tests.pilot_wait import settle, until

ADMIN = "jamie.fox@demo-msp.example"
NO_SENDER = b"Subject: Invoice overdue!!\r\nX-Junk: 1\r\n\r\nPay now.\r\n"


def quarantine(desk: Desk, raw: bytes, uid: int) -> None:
    with desk.db.session() as s:
        result = mail_intake.ingest(s, raw, at=FIXED_NOW, position=MailPosition("box", 1, uid),
                                    settings=IntakeSettings())
        assert result.outcome == MailOutcome.QUARANTINED
        s.merge(MailboxState(mailbox="support@imap.demo-msp.example/INBOX", uidvalidity=1,
                             last_uid=uid, last_poll_at=FIXED_NOW,
                             last_error="IMAP login failed for support at imap:993"))


def vpn_mail() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Dana <dana@brightpath.example>"
    msg["Subject"] = "VPN keeps dropping"
    msg["Message-ID"] = "<vpn-1@brightpath.example>"
    msg.set_content("Since this morning.")
    return msg.as_bytes()


def broken(*args: object, **kwargs: object) -> None:
    raise RuntimeError("simulated bug")


async def test_admin_sees_retries_and_discards(demo_desk: Desk, monkeypatch: pytest.MonkeyPatch):
    demo_desk.me_email = ADMIN
    quarantine(demo_desk, NO_SENDER, 1)
    monkeypatch.setattr(mail_intake.tickets, "create_ticket", broken)
    quarantine(demo_desk, vpn_mail(), 2)  # a good mail that a bug kept from its ticket
    monkeypatch.undo()
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await pilot.press("M")
        await until(pilot, lambda: isinstance(app.screen, QuarantineScreen)
                    and app.screen.query_one(DataTable).row_count > 0)
        screen = app.screen
        assert isinstance(screen, QuarantineScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == 2
        first = screen.rows[0]
        assert first.subject == "VPN keeps dropping" and "simulated bug" in first.reason

        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, RawMailScreen))
        assert isinstance(app.screen, RawMailScreen)
        assert "Since this morning." in app.screen.body
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)

        await pilot.press("r")  # the bug is fixed: retry makes the ticket
        await until(pilot, lambda: table.row_count == 1)
        with demo_desk.db.session() as s:
            receipt = s.exec(select(MailReceipt).where(MailReceipt.uid == 2)).one()
            assert receipt.outcome == MailOutcome.TICKET
            ticket = s.get(Ticket, receipt.ticket_id)
            assert ticket is not None and ticket.subject == "VPN keeps dropping"

        await pilot.press("r")  # no sender: still refused, stays listed
        await until(pilot, lambda: any(n.severity == "error" for n in app._notifications))
        await settle(pilot)
        assert table.row_count == 1

        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await until(pilot, lambda: table.row_count == 0)
        with demo_desk.db.session() as s:
            assert all(q.released_at for q in s.exec(select(QuarantinedMail)).all())


async def test_a_technician_is_told_it_is_for_admins(demo_desk: Desk):
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await pilot.press("M")
        await until(pilot, lambda: isinstance(app.screen, QuarantineScreen)
                    and "admins" in str(app.screen.query_one("#empty", Label).content))


def test_quarantine_snapshot(demo_desk: Desk, snap_compare):
    demo_desk.me_email = ADMIN
    quarantine(demo_desk, NO_SENDER, 1)

    async def run_before(pilot) -> None:
        await pilot.press("M")
        await until(pilot, lambda: isinstance(pilot.app.screen, QuarantineScreen)
                    and pilot.app.screen.query_one(DataTable).row_count > 0)

    assert snap_compare(make_app(demo_desk), terminal_size=TERMINAL_SIZE, run_before=run_before)
