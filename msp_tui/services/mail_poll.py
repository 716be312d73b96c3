"""One pass over the support mailbox with imapclient: fetch what is new, ingest each mail
in its own transaction, then flag it on the server.

Order of events per mail, and why nothing is lost or taken twice:
1. fetch with ``BODY.PEEK[]`` (plain ``RFC822`` would set \\Seen before we stored anything);
2. ingest + receipt in one transaction (`mail_intake.ingest`), commit;
3. set \\Seen or move the mail to `processed_folder`;
4. advance the cursor (highest UID handled) in `mailbox_state`.
A crash after 2 leaves the mail unflagged and the cursor behind: the next pass fetches it
again, finds its receipt, and only flags it. A UIDVALIDITY change resets the cursor; the
dedupe key (Message-ID or a hash of the bytes) keeps re-presented mail from counting twice.
Mail that a person marked read before the poller saw it is still taken: the cursor, not
\\Seen, decides what is new. Only the holder of the "mailbox" lease polls.

IDLE is not used: the lease holder would have to keep a connection open per process and
hand it over on lease loss; a poll every `poll_seconds` is simpler and fast enough.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr

import sqlalchemy as sa
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from msp_tui.config import Config
from msp_tui.engine.clock import Clock
from msp_tui.engine.vocabulary import NotificationLevel, PriorityCode
from msp_tui.services.mail_intake import IntakeSettings, MailPosition, ingest
from msp_tui.services.tick import acquire_lease
from msp_tui.store import mail_queries as q
from msp_tui.store.db import Database
from msp_tui.store.models import Notification

log = logging.getLogger(__name__)

LEASE = "mailbox"
BATCH = 50
TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class MailboxSettings:
    host: str
    port: int
    tls: str  # implicit, starttls, none
    user: str
    folder: str = "INBOX"
    processed_folder: str = ""

    @property
    def label(self) -> str:
        """The mailbox's name in receipts: one account's folder on one server."""
        return f"{self.user}@{self.host}/{self.folder}"


def settings_from_config(config: Config) -> tuple[MailboxSettings, IntakeSettings]:
    box = config.mailbox
    from_domain = parseaddr(config.smtp.from_address)[1].rpartition("@")[2] or None
    return (
        MailboxSettings(
            host=box.host,
            port=box.port,
            tls=box.tls,
            user=box.user,
            folder=box.folder,
            processed_folder=box.processed_folder,
        ),
        IntakeSettings(
            default_priority=PriorityCode(box.default_priority),
            ticket_prefix=box.ticket_prefix,
            our_addresses=tuple(box.our_addresses),
            max_attachment_bytes=box.max_attachment_bytes,
            own_id_domain=from_domain,
        ),
    )


@dataclass
class PollResult:
    ran: bool  # False when another process holds the mailbox lease
    fetched: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    already: int = 0  # mail seen before (only flagged now)
    error: str | None = None

    def summary(self) -> str:
        if not self.ran:
            return "another process is polling the mailbox"
        if self.error:
            return f"mailbox poll failed: {self.error}"
        parts = [f"{n} {outcome}" for outcome, n in sorted(self.outcomes.items())]
        if self.already:
            parts.append(f"{self.already} already taken")
        return f"fetched {self.fetched} mail(s)" + (f": {', '.join(parts)}" if parts else "")


class MailboxError(Exception):
    """The mailbox cannot be read now; the message says why, for the admin."""


def connect(box: MailboxSettings, password: Callable[[], str]) -> IMAPClient:
    """A logged-in client; every failure becomes a MailboxError that names the problem."""
    where = f"{box.host}:{box.port}"
    try:
        client = IMAPClient(box.host, port=box.port, ssl=box.tls == "implicit",
                            ssl_context=ssl.create_default_context(), timeout=TIMEOUT_SECONDS)
    except (OSError, IMAPClientError) as exc:
        raise MailboxError(f"cannot connect to IMAP server {where}: {exc}") from exc
    try:
        if box.tls == "starttls":
            client.starttls(ssl.create_default_context())
        client.login(box.user, password())
    except LoginError as exc:
        _quiet_logout(client)
        raise MailboxError(
            f"IMAP login failed for {box.user} at {where}: check the user name and the password "
            "(`msp-tui mailbox set-password`)"
        ) from exc
    except MailboxError:
        _quiet_logout(client)
        raise
    except Exception as exc:  # a PasswordError (no keyring), TLS failure, ...
        _quiet_logout(client)
        raise MailboxError(f"{exc}") from exc
    client.normalise_times = False  # INTERNALDATE with its zone, not naive local time
    return client


def _quiet_logout(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:
        with contextlib.suppress(Exception):
            client.shutdown()


def poll_once(
    db: Database,
    clock: Clock,
    box: MailboxSettings,
    intake: IntakeSettings,
    password: Callable[[], str],
    *,
    owner: str,
    lease_ttl: timedelta = timedelta(seconds=120),
    batch: int = BATCH,
) -> PollResult:
    """Take everything new from the mailbox once; never raises for mailbox trouble."""
    with db.session() as s:
        if not acquire_lease(s, LEASE, owner, clock.now(), lease_ttl):
            return PollResult(ran=False)
    result = PollResult(ran=True)
    try:
        client = connect(box, password)
        try:
            _poll(db, clock, client, box, intake, result, owner=owner, lease_ttl=lease_ttl,
                  batch=batch)
        finally:
            _quiet_logout(client)
    except MailboxError as exc:
        result.error = str(exc)
    except (OSError, IMAPClientError) as exc:
        result.error = f"IMAP error on {box.host}:{box.port}: {type(exc).__name__}: {exc}"
    _record(db, clock, box, result)
    return result


def _poll(
    db: Database,
    clock: Clock,
    client: IMAPClient,
    box: MailboxSettings,
    intake: IntakeSettings,
    result: PollResult,
    *,
    owner: str,
    lease_ttl: timedelta,
    batch: int,
) -> None:
    try:
        info = client.select_folder(box.folder)
    except IMAPClientError as exc:
        raise MailboxError(f"cannot open folder {box.folder!r}: {exc}") from exc
    uidvalidity = int(info[b"UIDVALIDITY"])
    if box.processed_folder and not client.folder_exists(box.processed_folder):
        client.create_folder(box.processed_folder)
    with db.session() as s:
        state = q.mailbox_state(s, box.label)
        if state.uidvalidity != uidvalidity:
            if state.uidvalidity is not None:
                log.warning("%s: UIDVALIDITY changed %s -> %s; re-reading the folder "
                            "(known mail is recognised by its dedupe key)",
                            box.label, state.uidvalidity, uidvalidity)
            state.uidvalidity = uidvalidity
            state.last_uid = 0
        last_uid = state.last_uid
    # "N:*" always includes the highest UID, even when it is below N: filter.
    uids = sorted(u for u in client.search(["UID", f"{last_uid + 1}:*"]) if u > last_uid)
    for start in range(0, len(uids), batch):
        chunk = uids[start : start + batch]
        with db.session() as s:
            if not acquire_lease(s, LEASE, owner, clock.now(), lease_ttl):
                raise MailboxError("lost the mailbox lease to another process; stopping")
        fetched = client.fetch(chunk, ["BODY.PEEK[]", "INTERNALDATE"])
        for uid in chunk:
            data = fetched.get(uid)
            if data is None:  # expunged between SEARCH and FETCH
                continue
            raw = bytes(data[b"BODY[]"])
            now = clock.now()
            at = _arrival(data.get(b"INTERNALDATE"), now)
            with db.session() as s:
                taken = ingest(s, raw, at=at,
                               position=MailPosition(box.label, uidvalidity, uid),
                               settings=intake)
            result.fetched += 1
            if taken.already:
                result.already += 1
            else:
                result.outcomes[taken.outcome] += 1
        mark_done(client, chunk, box)
        with db.session() as s:
            state = q.mailbox_state(s, box.label)
            state.last_uid = max(chunk)


def _arrival(internal: object, now: datetime) -> datetime:
    """When the mail reached the server (the SLA starts then if we polled late), never
    later than now."""
    if isinstance(internal, datetime):
        when = internal if internal.tzinfo else internal.replace(tzinfo=UTC)
        return min(when.astimezone(UTC), now)
    return now


def mark_done(client: IMAPClient, uids: list[int], box: MailboxSettings) -> None:
    """Flag stored mail on the server: read, or moved out of the folder."""
    if not uids:
        return
    if not box.processed_folder:
        client.add_flags(uids, [b"\\Seen"], silent=True)
        return
    client.add_flags(uids, [b"\\Seen"], silent=True)
    if client.has_capability("MOVE"):
        client.move(uids, box.processed_folder)
    else:
        client.copy(uids, box.processed_folder)
        client.delete_messages(uids, silent=True)
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(uids)
        else:
            client.expunge()


def _record(db: Database, clock: Clock, box: MailboxSettings, result: PollResult) -> None:
    """Remember the outcome for admins; a new error is told to them once a day."""
    now = clock.now()
    with db.session() as s:
        state = q.mailbox_state(s, box.label)
        state.last_poll_at = now
        state.last_error = result.error[:1000] if result.error else None
        if result.error:
            log.warning("%s", result.error)
            key = f"mailbox-error:{box.label}:{now.date()}:{zlib.crc32(result.error.encode()):08x}"
            for admin_id in q.admin_ids(s):
                dedupe = f"{key}:{admin_id}"[:200]
                exists = s.execute(
                    sa.select(Notification.id).where(Notification.dedupe_key == dedupe)  # type: ignore[arg-type]
                ).first()
                if exists is None:
                    s.add(Notification(recipient_id=admin_id, level=NotificationLevel.ERROR,
                                       text=result.error[:1000], dedupe_key=dedupe,
                                       created_at=now))

