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


def acquire_lease(
    s: Session, name: str, owner: str, now: datetime, ttl: timedelta
) -> bool:
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
    with db.session() as s:
        if not acquire_lease(s, TICK_LEASE, owner, now, lease_ttl):
            return TickResult(False, [], 0)
    records: list[CrossingRecord] = []
    examined = 0
    last_id = 0
    while True:
        with db.session() as s:
            rows = s.exec(
                select(SlaClock)
                .where(
                    SlaClock.state == ClockState.RUNNING,
                    SlaClock.next_alert_at <= now,  # type: ignore[operator]
                    SlaClock.id > last_id,  # type: ignore[operator]
                )
                .order_by(SlaClock.id)  # type: ignore[arg-type]
                .limit(batch)
            ).all()
            if not rows:
                break
            for row in rows:
                records.extend(_advance(s, row, now))
            examined += len(rows)
            last_id = rows[-1].id  # type: ignore[assignment]
            if records:
                bump_change_seq(s)
        if len(rows) < batch:
            break
    return TickResult(True, records, examined)


def _advance(s: Session, row: SlaClock, now: datetime) -> list[CrossingRecord]:
    ticket = s.get(Ticket, row.ticket_id)
    assert ticket is not None
    calendar = load_calendar(s, row.calendar_id)
    policy = sla.policy_of(s, ticket.sla_profile_id)
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
        ticket.sla_breached = True
        s.add(ticket)
    else:
        sla.apply_value(row, value)
        s.add(row)
    return out


def _record_once(s: Session, row: SlaClock, crossing: eng.Crossing, now: datetime) -> bool:
    exists = s.exec(
        select(SlaAlert.id).where(
            SlaAlert.clock_id == row.id, SlaAlert.threshold == crossing.percent
        )
    ).first()
    if exists is not None:
        return False
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
