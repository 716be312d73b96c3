"""The demo MSP: what the seed promises is there, and a fixed "now" gives the same data."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from msp_tui.demo import data
from msp_tui.demo.seed import DemoError, seed_demo
from msp_tui.engine.clock import FixedClock
from msp_tui.engine.vocabulary import Role
from msp_tui.services.desk import Desk
from msp_tui.store import migrate
from msp_tui.store.db import Database, url_for
from msp_tui.store.models import (
    AuditEvent,
    BusinessCalendarRow,
    Category,
    Client,
    Contact,
    Message,
    SlaProfile,
    SlaTarget,
    Status,
    TechGroup,
    Technician,
    Ticket,
    TimeEntry,
    metadata,
)
from tests.conftest import FIXED_NOW


def _dump(db: Database) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    with db.engine.connect() as conn:
        for table in metadata.sorted_tables:
            out[table.name] = sorted((tuple(r) for r in conn.execute(sa.select(table))), key=repr)
    return out


def test_seeding_is_deterministic_for_a_fixed_now(tmp_path: Path, demo_db_file: Path) -> None:
    other = Database(url_for(tmp_path / "again.sqlite3"))
    migrate.upgrade(other)
    seed_demo(other, FixedClock(FIXED_NOW))
    first = Database(url_for(demo_db_file))
    assert _dump(other) == _dump(first)
    # and it is relative to "now": a later now shifts every instant by the same amount
    later = Database(url_for(tmp_path / "later.sqlite3"))
    migrate.upgrade(later)
    seed_demo(later, FixedClock(FIXED_NOW + timedelta(days=2)))
    with first.session() as a, later.session() as b:
        ta = a.exec(select(Ticket).order_by(Ticket.number)).all()
        tb = b.exec(select(Ticket).order_by(Ticket.number)).all()
        assert [t.subject for t in ta] == [t.subject for t in tb]
        assert all(
            y.created_at - x.created_at == timedelta(days=2) for x, y in zip(ta, tb, strict=True)
        )
    for db in (other, first, later):
        db.dispose()


def test_demo_profiles_carry_the_seeds_targets(demo_desk: Desk) -> None:
    with demo_desk.db.session() as s:
        cals = {c.id: c for c in s.exec(select(BusinessCalendarRow)).all()}
        profiles = {p.name: p for p in s.exec(select(SlaProfile)).all()}
        assert set(profiles) == {"Platinum", "Gold", "Standard"}
        targets = {
            (p.name, t.priority): t
            for p in profiles.values()
            for t in s.exec(select(SlaTarget).where(SlaTarget.profile_id == p.id)).all()
        }
        assert len(targets) == 12
        expect = {
            "Platinum": ("30m", "4h", "1h", "4h"),
            "Gold": ("1h", "8h", "2h", "8h"),
            "Standard": ("4h", "nbd", "8h", "2bd"),
        }
        for name, (p1_resp, p1_res, p2_resp, p3_resp) in expect.items():
            assert targets[(name, "P1")].response == p1_resp
            assert targets[(name, "P1")].resolution == p1_res
            assert targets[(name, "P2")].response == p2_resp
            assert targets[(name, "P3")].response == p3_resp
        assert cals[profiles["Platinum"].calendar_id].always_open
        assert not cals[profiles["Gold"].calendar_id].always_open
        assert not cals[profiles["Standard"].calendar_id].always_open
        gold_p1 = targets[("Gold", "P1")]
        assert gold_p1.calendar_id is not None and cals[gold_p1.calendar_id].always_open
        assert targets[("Gold", "P2")].calendar_id is None


def test_demo_cast(demo_desk: Desk) -> None:
    with demo_desk.db.session() as s:
        clients = s.exec(select(Client)).all()
        assert len(clients) == 10
        assert sum(c.vip for c in clients) == 1
        assert [c.name for c in clients if c.sla_profile_id is None] == ["Blue Yonder Consulting"]
        tiers = Counter(c.sla_profile_id for c in clients)
        assert len(tiers) == 4  # three profiles plus "none"
        assert s.exec(select(Contact).where(Contact.terminated)).one().name == "Victor Shaw"
        roles = {t.role for t in s.exec(select(Technician)).all()}
        assert roles == set(Role)
        assert {g.name for g in s.exec(select(TechGroup)).all()} == {
            "Senior Tech",
            "Tier 2",
            "Security Team",
            "Network Team",
            "Account Managers",
            "General Support",
        }
        parents = {
            c.name: c.id for c in s.exec(select(Category).where(Category.parent_id.is_(None))).all()
        }  # type: ignore[union-attr]
        assert set(parents) == set(data.CATEGORIES)
        net = s.exec(
            select(Category.name).where(Category.parent_id == parents["Network & Connectivity"])
        ).all()
        assert set(net) == {
            "Internet outage",
            "VPN access issue",
            "Firewall configuration",
            "Wireless connectivity",
        }


def test_demo_tickets_cover_every_status_with_history(demo_desk: Desk) -> None:
    with demo_desk.db.session() as s:
        tickets = s.exec(select(Ticket)).all()
        assert 200 <= len(tickets) <= 500
        statuses = {st.id: st.key for st in s.exec(select(Status)).all()}
        used = Counter(statuses[t.status_id] for t in tickets)
        assert set(used) == set(statuses.values()), f"missing: {set(statuses.values()) - set(used)}"
        assert all(t.created_at < FIXED_NOW for t in tickets)
        assert any(t.unmatched_client and t.client_id is None for t in tickets)
        assert any(t.possible_social_engineering for t in tickets)
        directions = Counter(m.direction for m in s.exec(select(Message)).all())
        assert directions["customer"] >= len(tickets)  # every ticket has its opening message
        assert directions["public"] > 0 and directions["internal"] > 0
        entries = s.exec(select(TimeEntry)).all()
        assert entries and any(e.billable for e in entries) and any(not e.billable for e in entries)
        # replayed through the services: status changes are audited, stamps are set
        audited = s.exec(select(AuditEvent).where(AuditEvent.field == "status")).all()
        assert len(audited) >= len([t for t in tickets if statuses[t.status_id] != "new"])
        closed = [t for t in tickets if statuses[t.status_id] == "closed"]
        assert closed and all(t.closed_at and t.resolved_at for t in closed)
        assert all(m.created_at <= FIXED_NOW for m in s.exec(select(Message)).all())


def test_seeding_refuses_a_database_with_data_and_reset_replaces_it(demo_desk: Desk) -> None:
    with pytest.raises(DemoError, match="--reset"):
        seed_demo(demo_desk.db, demo_desk.clock)
    with demo_desk.db.session() as s:
        s.add(Client(name="Real customer", billing_type="hybrid", created_at=FIXED_NOW))
    summary = seed_demo(demo_desk.db, demo_desk.clock, reset=True)
    with demo_desk.db.session() as s:
        names = s.exec(select(Client.name)).all()
        assert "Real customer" not in names and len(names) == summary.clients
        numbers = s.exec(select(Ticket.number).order_by(Ticket.number)).all()
        assert numbers[0] == 1001 and len(numbers) == summary.tickets
