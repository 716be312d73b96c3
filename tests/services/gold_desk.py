"""A small desk for service tests: one Gold profile on New York business hours (P1 on
24/7), a client on it, a client without SLA, and a technician."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from msp_tui.engine.vocabulary import Channel, PriorityCode
from msp_tui.services import tickets as svc
from msp_tui.store.db import Database
from msp_tui.store.models import (
    BusinessCalendarRow,
    Client,
    ClientDomain,
    Contact,
    SlaProfile,
    SlaProfilePauseStatus,
    SlaTarget,
    Status,
    Technician,
    Ticket,
)

NY = ZoneInfo("America/New_York")
MON = datetime(2026, 11, 23, 10, 0, tzinfo=NY)  # a Monday


# What a technician resolving (or closing an unresolved ticket) must give.
FIXED = svc.Closure("fixed", "Fixed it")


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)  # type: ignore[misc]


@dataclass
class Desk:
    db: Database
    client_id: int
    bare_client_id: int
    profile_id: int
    calendar_id: int
    always_id: int
    tech: svc.Actor


def build_gold_desk(db: Database) -> Desk:
    with db.session() as s:
        cal = BusinessCalendarRow(
            name="BH",
            tz="America/New_York",
            weekly={str(d): [["09:00", "17:00"]] for d in range(5)},
        )
        always = BusinessCalendarRow(name="24/7", tz="America/New_York", always_open=True)
        s.add_all([cal, always])
        s.flush()
        gold = SlaProfile(name="Gold", calendar_id=cal.id)  # type: ignore[arg-type]
        s.add(gold)
        s.flush()
        pid: int = gold.id  # type: ignore[assignment]
        pending = s.exec(select(Status).where(Status.key == "pending_approval")).one()
        s.add_all(
            [
                SlaTarget(
                    profile_id=pid,
                    priority="P1",
                    response="30m",
                    resolution="4h",
                    update_interval="1h",
                    calendar_id=always.id,
                ),
                SlaTarget(
                    profile_id=pid,
                    priority="P2",
                    response="1h",
                    resolution="8h",
                    update_interval="2h",
                ),
                SlaTarget(profile_id=pid, priority="P3", response="4h", resolution="2bd"),
                SlaTarget(profile_id=pid, priority="P4", response="nbd", resolution="5bd"),
                SlaProfilePauseStatus(profile_id=pid, status_id=pending.id),  # type: ignore[arg-type]
            ]
        )
        acme = Client(name="Acme", sla_profile_id=pid, billing_type="hybrid", created_at=MON)
        bare = Client(name="No Contract", billing_type="hybrid", created_at=MON)
        tech = Technician(name="Tess", email="tess@x.example", role="technician", tier="tier1")
        s.add_all([acme, bare, tech])
        s.flush()
        return Desk(
            db,
            acme.id,
            bare.id,
            pid,
            cal.id,
            always.id,  # type: ignore[arg-type]
            svc.Actor("Tess", tech.id),
        )


def new_ticket(
    s: Session,
    d: Desk,
    *,
    at: datetime = MON,
    priority: PriorityCode = PriorityCode.P3,
    client: int | None = -1,
) -> Ticket:
    """A P3 email ticket for Acme (or `client`, None for unmatched) at `at`."""
    return svc.create_ticket(
        s,
        at=at,
        subject="Printer offline",
        body="It is offline",
        channel=Channel.EMAIL,
        priority=priority,
        client_id=d.client_id if client == -1 else client,
    )


def add_mail_people(d: Desk) -> None:
    """Who mail comes from: Acme's contact Pat, a terminated contact, Acme's domain, and an
    admin to be told about unmatched and quarantined mail."""
    with d.db.session() as s:
        s.add_all(
            [
                Contact(client_id=d.client_id, name="Pat Lee", email="pat@acme.example"),
                Contact(client_id=d.client_id, name="Old Employee", email="gone@acme.example",
                        terminated=True),
                ClientDomain(client_id=d.client_id, domain="acme.example"),
                Technician(name="Ada Admin", email="ada@msp.example", role="admin", tier="tier2"),
            ]
        )
