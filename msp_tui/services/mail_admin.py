"""What admins see of mail intake: the quarantine and each mailbox's last poll.

Reads and writes go through the `Desk` (one short transaction each). Only admins and
team leads may act on the quarantine: it holds raw customer mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from msp_tui.engine.mail import parse_message
from msp_tui.engine.vocabulary import Role
from msp_tui.services import mail_intake
from msp_tui.services.desk import Desk
from msp_tui.services.mail_intake import IngestResult, IntakeSettings
from msp_tui.services.tickets import ServiceError
from msp_tui.store.mail_queries import QuarantineRow, quarantine_rows
from msp_tui.store.models import MailboxState, QuarantinedMail

ALLOWED_ROLES = frozenset({Role.ADMIN, Role.TEAM_LEAD, Role.OPERATIONS_MANAGER, Role.DIRECTOR})
RAW_PREVIEW_BYTES = 64 * 1024


@dataclass(frozen=True)
class MailboxStatus:
    mailbox: str
    last_poll_at: datetime | None
    last_error: str | None
    last_uid: int


def may_manage(desk: Desk) -> bool:
    me = desk.me()
    return me is not None and me.role in ALLOWED_ROLES


def _require(desk: Desk) -> None:
    if not may_manage(desk):
        raise ServiceError("the mail quarantine is for admins and team leads")


def quarantined(desk: Desk) -> list[QuarantineRow]:
    _require(desk)
    with desk.db.session() as s:
        return quarantine_rows(s)


def mailboxes(desk: Desk) -> list[MailboxStatus]:
    with desk.db.session() as s:
        rows = s.execute(sa.select(MailboxState).order_by(MailboxState.mailbox)).scalars()  # type: ignore[arg-type]
        return [MailboxStatus(r.mailbox, r.last_poll_at, r.last_error, r.last_uid) for r in rows]


@dataclass(frozen=True)
class RawMail:
    text: str  # the first RAW_PREVIEW_BYTES, decoded leniently
    size: int
    problems: tuple[str, ...]


def raw_mail(desk: Desk, quarantined_id: int) -> RawMail:
    _require(desk)
    with desk.db.session() as s:
        kept = s.get(QuarantinedMail, quarantined_id)
        if kept is None:
            raise ServiceError("that mail is no longer in the quarantine")
        raw = bytes(kept.raw)
    problems = parse_message(raw, max_attachment_bytes=0).problems
    text = raw[:RAW_PREVIEW_BYTES].decode("utf-8", errors="replace")
    if len(raw) > RAW_PREVIEW_BYTES:
        text += f"\n… ({len(raw) - RAW_PREVIEW_BYTES} more bytes)"
    return RawMail(text, len(raw), problems)


def retry(desk: Desk, quarantined_id: int, settings: IntakeSettings) -> IngestResult:
    _require(desk)
    try:
        with desk.db.session() as s:
            return mail_intake.reingest(s, quarantined_id, at=desk.clock.now(),
                                        settings=settings, actor=desk.actor())
    except ServiceError:
        raise
    except Exception as exc:
        raise ServiceError(f"still cannot be taken: {type(exc).__name__}: {exc}") from exc


def discard(desk: Desk, quarantined_id: int) -> None:
    _require(desk)
    with desk.db.session() as s:
        mail_intake.discard(s, quarantined_id, at=desk.clock.now(), actor=desk.actor())
