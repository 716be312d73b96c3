"""The SLA tick: find threshold crossings by indexed instant, record each exactly once.

A tick never walks all open tickets. It asks for running clocks whose stored
`next_alert_at` has passed (an index range scan), lets the engine say which thresholds
they crossed, records each crossing as an `sla_alert` row (unique per clock and
threshold, so a restart or a second process can never repeat one), marks breaches and
stores the clock's next alert instant. Only the holder of the `sla_tick` lease ticks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from msp_tui.engine import sla as eng
from msp_tui.engine.clock import Clock
from msp_tui.engine.vocabulary import ClockState
from msp_tui.services import sla
from msp_tui.services.calendars import load_calendar
from msp_tui.store.db import Database, bump_change_seq
from msp_tui.store.models import Lease, SlaAlert, SlaClock, Ticket

TICK_LEASE = "sla_tick"
BATCH = 500


@dataclass(frozen=True)
class CrossingRecord:
    clock_id: int
    ticket_id: int
    kind: str
    percent: int
    crossed_at: datetime
    breach: bool


@dataclass(frozen=True)
class TickResult:
    ran: bool  # False when another process holds the lease
    crossings: list[CrossingRecord]
    clocks_examined: int


def acquire_lease(s: Session, name: str, owner: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew a lease; True if `owner` holds it until now + ttl.

    One conditional UPDATE (or an INSERT for a lease never taken), so two processes
    racing for an expired lease cannot both win, on SQLite or PostgreSQL alike.
    """
    until = now + ttl
    result = s.execute(
        sa.update(Lease)
        .where(
            Lease.name == name,  # type: ignore[arg-type]
            sa.or_(Lease.owner == owner, Lease.expires_at <= now),  # type: ignore[arg-type]
        )
        .values(owner=owner, expires_at=until)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:  # type: ignore[attr-defined]
        return True
    if s.get(Lease, name) is not None:
        return False
    try:
        with s.begin_nested():
            s.add(Lease(name=name, owner=owner, expires_at=until))
    except sa.exc.IntegrityError:
        return False
    return True


def release_lease(s: Session, name: str, owner: str) -> None:
    s.execute(
        sa.delete(Lease)
        .where(Lease.name == name, Lease.owner == owner)  # type: ignore[arg-type]
        .execution_options(synchronize_session=False)
    )


def tick(
    db: Database,
    clock: Clock,
    *,
    owner: str,
    lease_ttl: timedelta = timedelta(seconds=60),
    batch: int = BATCH,
) -> TickResult:
    """Record every threshold crossed by `clock.now()` that is not recorded yet."""
    now = clock.now()
    records: list[CrossingRecord] = []
    examined = 0
    after: tuple[datetime, int] | None = None
    policies: dict[int | None, eng.SlaPolicy] = {}
    first = True
    while True:
        with db.session() as s:
            # Every batch renews the lease first: a long catch-up tick keeps it, and one
            # that lost it stops. Being a write, it also takes SQLite's write lock before
            # the clocks are read, so no transition can commit between read and write.
            if not acquire_lease(s, TICK_LEASE, owner, clock.now(), lease_ttl):
                return TickResult(not first, records, examined)
            first = False
            stmt = (
                select(SlaClock, Ticket.sla_profile_id)
                .join(Ticket, Ticket.id == SlaClock.ticket_id)  # type: ignore[arg-type]
                .where(
                    SlaClock.state == ClockState.RUNNING,
                    SlaClock.next_alert_at <= now,  # type: ignore[operator]
                )
            )
            if after is not None:  # keyset in index order: (next_alert_at, id)
                stmt = stmt.where(sa.tuple_(SlaClock.next_alert_at, SlaClock.id) > after)
            stmt = stmt.order_by(SlaClock.next_alert_at, SlaClock.id).limit(batch)  # type: ignore[arg-type]
            if not db.is_sqlite:
                stmt = stmt.with_for_update(of=SlaClock, skip_locked=True)
            rows = s.exec(stmt).all()
            if not rows:
                break
            last = rows[-1][0]
            after = (last.next_alert_at, last.id)  # type: ignore[assignment]  # before it advances
            for row, profile_id in rows:
                if profile_id not in policies:
                    policies[profile_id] = sla.policy_of(s, profile_id)
                records.extend(_advance(s, row, now, policies[profile_id]))
            examined += len(rows)
            if records:
                bump_change_seq(s)
        if len(rows) < batch:
            break
    return TickResult(True, records, examined)


def _advance(
    s: Session, row: SlaClock, now: datetime, policy: eng.SlaPolicy
) -> list[CrossingRecord]:
    calendar = load_calendar(s, row.calendar_id)
    value, crossings = eng.cross(sla.to_value(row), now, calendar, policy)
    out = []
    for c in crossings:
        inserted = _record_once(s, row, c, now)
        if inserted:
            out.append(
                CrossingRecord(row.id, row.ticket_id, row.kind, c.percent, c.at, c.breach)  # type: ignore[arg-type]
            )
    breach = next((c for c in crossings if c.breach), None)
    if breach is not None:
        sla.record_change(s, row, value, "breached", breach.at, "due instant passed")
        s.execute(
            sa.update(Ticket)
            .where(Ticket.id == row.ticket_id)  # type: ignore[arg-type]
            .values(sla_breached=True)
            .execution_options(synchronize_session=False)
        )
    else:
        sla.apply_value(row, value)
        s.add(row)
    return out


def _record_once(s: Session, row: SlaClock, crossing: eng.Crossing, now: datetime) -> bool:
    try:
        with s.begin_nested():
            s.add(
                SlaAlert(
                    clock_id=row.id,  # type: ignore[arg-type]
                    ticket_id=row.ticket_id,
                    threshold=crossing.percent,
                    crossed_at=crossing.at,
                    recorded_at=now,
                )
            )
    except sa.exc.IntegrityError:  # another process recorded it first
        return False
    return True
