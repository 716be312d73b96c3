"""Reports: the morning SLA digest (printed or mailed once a day) and CSV exports.

The digest answers "what will breach before the end of the next business day, and whose is
it?": open tickets with a running clock due by then, or already breached, most urgent first,
grouped by assignee. Mailing it is idempotent per local day: an `AppMeta` row keyed by the
day is written in the same transaction as the outbox row, so a second process, a restart or
a re-run of `report daily --send` finds the key and sends nothing.

Exports stream: rows go from a server-side cursor straight into `csv.writer`, so a year
of tickets never sits in memory. Instants are ISO 8601 UTC with a `Z`; date bounds are
local days in the report zone.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, TextIO
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session

from msp_tui.config import ReportsConfig
from msp_tui.engine.badges import badge_for, format_countdown
from msp_tui.engine.clock import Clock
from msp_tui.services.calendars import load_calendar
from msp_tui.services.local_zone import home_zone, zone_or_utc
from msp_tui.services.outbox import OutboundSettings, enqueue_notification
from msp_tui.services.tick import acquire_lease
from msp_tui.store import report_queries as q
from msp_tui.store.db import Database
from msp_tui.store.models import AppMeta
from msp_tui.store.queries import clocks_by_ticket

DIGEST_LEASE = "daily_digest"
SENT_KEY_PREFIX = "digest_sent:"
UNASSIGNED = "Unassigned"

ExportKind = Literal["tickets", "kpi", "time"]
EXPORT_KINDS: tuple[ExportKind, ...] = ("tickets", "kpi", "time")

TICKET_HEADER = (
    "number", "created", "client", "contact", "priority", "status", "assignee", "group",
    "category", "resolved", "closed", "first_response", "sla_breached",
)
KPI_HEADER = (
    "ticket", "clock", "event", "at", "consumed_seconds", "due_before", "due_after", "note",
)
TIME_HEADER = ("ticket", "technician", "date", "minutes", "billable", "approved", "note")


def report_zone(s: Session, timezone: str) -> ZoneInfo:
    """The configured zone (validated with the config), else the desk's home: the first
    business calendar's, else UTC."""
    return ZoneInfo(timezone) if timezone else zone_or_utc(home_zone(s))


@dataclass(frozen=True)
class DigestLine:
    number: int
    subject: str
    client: str
    priority: str
    clock_kind: str
    due_at: datetime | None  # UTC
    badge: str
    countdown: str  # "-2h05m" when overdue


@dataclass(frozen=True)
class Digest:
    generated_at: datetime  # UTC
    zone: ZoneInfo
    horizon: datetime  # UTC: end of the next business day
    groups: tuple[tuple[str, tuple[DigestLine, ...]], ...]  # (assignee, lines), most urgent first

    @property
    def count(self) -> int:
        return sum(len(lines) for _name, lines in self.groups)

    def local_day(self) -> date:
        return self.generated_at.astimezone(self.zone).date()


def _horizon(s: Session, now: datetime, zone: ZoneInfo) -> datetime:
    """End of the next business day of the desk's first calendar; without one, of tomorrow."""
    cal_id = q.first_calendar_id(s)
    if cal_id is not None:
        return load_calendar(s, cal_id).end_of_next_business_day(now)
    tomorrow = now.astimezone(zone).date() + timedelta(days=2)
    return datetime.combine(tomorrow, time(), zone).astimezone(UTC)


def build_digest(s: Session, now: datetime, timezone: str = "") -> Digest:
    zone = report_zone(s, timezone)
    horizon = _horizon(s, now, zone)
    far = datetime.max.replace(tzinfo=UTC)
    best: dict[int, q.DigestCandidate] = {}  # ticket -> its most urgent clock
    for c in q.digest_candidates(s, horizon):
        kept = best.get(c.ticket_id)
        if kept is None or (c.due_at or far) < (kept.due_at or far):
            best[c.ticket_id] = c
    clocks = clocks_by_ticket(s, list(best))
    ordered = sorted(best.values(), key=lambda c: (c.due_at or now, c.number))
    groups: dict[str, list[DigestLine]] = {}
    for c in ordered:
        badge = badge_for(clocks.get(c.ticket_id, ()), now)
        remaining = c.due_at - now if c.due_at is not None else None
        groups.setdefault(c.assignee or UNASSIGNED, []).append(
            DigestLine(c.number, c.subject, c.client or "(no client)", c.priority, c.clock_kind,
                       c.due_at, str(badge.badge), format_countdown(remaining))
        )
    return Digest(now, zone, horizon, tuple((k, tuple(v)) for k, v in groups.items()))


def _local(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%a %d %b %H:%M %Z")


def render_digest(digest: Digest) -> str:
    """Plain text, fixed columns: reads the same in a terminal and in a mail client."""
    zone = digest.zone
    lines = [
        f"SLA digest for {digest.local_day():%a %d %b %Y} ({zone.key})",
        f"Open tickets due by {_local(digest.horizon, zone)} or already breached: "
        f"{digest.count}",
    ]
    if not digest.count:
        lines += ["", "Nothing is approaching its SLA window."]
    for assignee, group in digest.groups:
        lines += ["", f"{assignee} ({len(group)})"]
        for ln in group:
            due = f"{_local(ln.due_at, zone)} ({ln.countdown})" if ln.due_at else "-"
            lines.append(
                f"  #{ln.number:<6} {ln.badge:<9} {ln.priority:<3} {ln.clock_kind:<11} "
                f"due {due:<30} {ln.client}: {ln.subject}"
            )
    return "\n".join(lines) + "\n"


def sent_key(day: date) -> str:
    return f"{SENT_KEY_PREFIX}{day.isoformat()}"


def queue_digest(
    s: Session, digest: Digest, *, to: Iterable[str], settings: OutboundSettings
) -> bool:
    """Queue the digest mail unless today's was already queued; True if this call queued it.

    The day's key and the outbox row are one transaction: both or neither exist."""
    key = sent_key(digest.local_day())
    if s.get(AppMeta, key) is not None:
        return False
    subject = f"SLA digest {digest.local_day().isoformat()}: {digest.count} ticket(s) due"
    try:
        with s.begin_nested():
            s.add(AppMeta(key=key, value=digest.generated_at.isoformat()))
            s.flush()  # another process that won the race fails here, not at commit
            row = enqueue_notification(
                s, to=list(to), subject=subject, body=render_digest(digest),
                at=digest.generated_at, settings=settings,
            )
            if row is None:
                raise _NoRecipients
    except (sa.exc.IntegrityError, _NoRecipients):
        return False
    return True


class _NoRecipients(Exception):
    """Rolls back the day's key when there was nobody to write to."""


def run_daily_digest(
    db: Database,
    clock: Clock,
    config: ReportsConfig,
    settings: OutboundSettings,
    *,
    owner: str,
    lease_ttl: timedelta,
) -> bool:
    """The scheduler's job: only the lease holder builds and queues; True if it queued."""
    now = clock.now()
    with db.session() as s:
        if not acquire_lease(s, DIGEST_LEASE, owner, now, lease_ttl):
            return False
        digest = build_digest(s, now, config.digest_timezone)
        return queue_digest(s, digest, to=config.digest_recipients, settings=settings)


# --- CSV exports -------------------------------------------------------------------------


def iso_z(at: datetime | None) -> str:
    """ISO 8601 UTC with a `Z`, seconds precision; "" for no instant."""
    if at is None:
        return ""
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _flag(value: bool) -> str:
    return "true" if value else "false"


def day_bounds(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Local midnight of `first` and of `last`, in UTC: the half-open [first, last)."""
    return (
        datetime.combine(first, time(), zone).astimezone(UTC),
        datetime.combine(last, time(), zone).astimezone(UTC),
    )


def _ticket_cells(rows: Iterator[Any]) -> Iterator[tuple[Any, ...]]:
    for (number, created, client, contact, priority, status, assignee, group, category,
         resolved, closed, first_response, breached) in rows:
        yield (number, iso_z(created), client or "", contact or "", priority, status,
               assignee or "", group or "", category or "", iso_z(resolved), iso_z(closed),
               iso_z(first_response), _flag(breached))


def _kpi_cells(rows: Iterator[Any]) -> Iterator[tuple[Any, ...]]:
    for number, kind, event, at, consumed, due_before, due_after, note in rows:
        yield (number, kind, event, iso_z(at), consumed, iso_z(due_before), iso_z(due_after),
               note)


def _time_cells(rows: Iterator[Any]) -> Iterator[tuple[Any, ...]]:
    for number, technician, work_date, minutes, billable, approved, note in rows:
        yield (number, technician, work_date.isoformat(), minutes, _flag(billable),
               _flag(approved), note)


def write_csv(
    s: Session, kind: ExportKind, first: date, last: date, zone: ZoneInfo, out: TextIO
) -> int:
    """Stream one export to `out`; returns the number of data rows written.

    Tickets and KPI events: instants in [first, last) as local days in `zone`; time entries:
    work dates from `first` to `last` inclusive."""
    writer = csv.writer(out, lineterminator="\n")
    start, end = day_bounds(first, last, zone)
    if kind == "tickets":
        header, cells = TICKET_HEADER, _ticket_cells(q.ticket_export_rows(s, start, end))
    elif kind == "kpi":
        header, cells = KPI_HEADER, _kpi_cells(q.kpi_export_rows(s, start, end))
    elif kind == "time":
        header, cells = TIME_HEADER, _time_cells(q.time_export_rows(s, first, last))
    else:
        raise ValueError(f"unknown export {kind!r}")
    writer.writerow(header)
    count = 0
    for row in cells:
        writer.writerow(row)
        count += 1
    return count
