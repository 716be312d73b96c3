"""From config to the mail jobs: one place that knows which settings, passwords and
transports the poller and the outbox sender need, for the console, the worker and the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from msp_tui import passwords
from msp_tui.config import Config
from msp_tui.engine.clock import Clock
from msp_tui.services import csat_mail, mail_poll, outbox
from msp_tui.services.mail_intake import IntakeSettings
from msp_tui.services.mail_poll import MailboxSettings, PollResult
from msp_tui.services.outbox import OutboundSettings, SendResult, SmtpTransport
from msp_tui.store.db import Database


def password_for(kind: passwords.Kind, user: str, host: str) -> Callable[[], str]:
    """Read the password when it is needed (each connection), so a password set while the
    console runs is picked up at the next poll, and a missing one is reported, not fatal."""
    return lambda: passwords.get_password(kind, user, host)


@dataclass(frozen=True)
class MailSetup:
    """Everything mail, derived once from the config."""

    mailbox: MailboxSettings | None  # None: intake off
    intake: IntakeSettings
    outbound: OutboundSettings | None  # None: replies are recorded, not mailed
    config: Config

    @classmethod
    def from_config(cls, config: Config) -> MailSetup:
        box, intake = mail_poll.settings_from_config(config)
        outbound = (
            OutboundSettings(config.smtp.from_address, config.mailbox.ticket_prefix)
            if config.smtp.enabled
            else None
        )
        return cls(box if config.mailbox.enabled else None, intake, outbound, config)

    def poll(self, db: Database, clock: Clock, *, owner: str) -> PollResult:
        if self.mailbox is None:
            raise ValueError("mail intake is off: set [mailbox] enabled = true")
        box = self.mailbox
        return mail_poll.poll_once(
            db, clock, box, self.intake, password_for("imap", box.user, box.host),
            owner=owner, lease_ttl=self._lease_ttl(),
        )

    def send(self, db: Database, clock: Clock, *, owner: str) -> SendResult:
        if self.outbound is None:
            raise ValueError("outbound mail is off: set [smtp] enabled = true")
        smtp = self.config.smtp
        password = password_for("smtp", smtp.user, smtp.host) if smtp.user else None
        transport = SmtpTransport.from_config(smtp, password=password)
        # Surveys of tickets closed since the last pass join the outbox first, so they go
        # out with this pass (the survey rows were written by the closing transaction).
        csat_mail.send_pending(db, clock, self.outbound, owner=owner,
                               lease_ttl=self._lease_ttl())
        return outbox.send_due(db, clock, transport, owner=owner, settings=self.outbound,
                               lease_ttl=self._lease_ttl())

    def _lease_ttl(self) -> timedelta:
        return timedelta(seconds=self.config.scheduler.lease_seconds)
