"""The schema: models match the migrations, rows round-trip, SQLite runs as configured."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import select

from msp_tui.store.db import Database, bump_change_seq, read_change_seq
from msp_tui.store.models import (
    AuditEvent,
    BusinessCalendarRow,
    Client,
    ClientDomain,
    EscalationContact,
    Message,
    Notification,
    SlaClock,
    SlaProfile,
    SlaTarget,
    Status,
    Technician,
    Ticket,
    TimeEntry,
    UiPreference,
    metadata,
)
from msp_tui.store.search import is_search_table, search_ticket_ids

T0 = datetime(2026, 3, 8, 6, 59, 59, 123456, tzinfo=UTC)


def test_models_and_migrations_describe_the_same_schema(empty_db: Database) -> None:
    with empty_db.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_name": lambda n, t, _p: not (t == "table" and is_search_table(n)),
            },
        )
        assert compare_metadata(ctx, metadata) == []


def test_sqlite_connection_pragmas(empty_db: Database) -> None:
    with empty_db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000


def test_reference_data_is_there_from_the_first_revision(empty_db: Database) -> None:
    with empty_db.session() as s:
        codes = s.execute(sa.text("SELECT code FROM priority ORDER BY rank")).scalars().all()
        assert codes == ["P1", "P2", "P3", "P4"]
        cells = s.execute(sa.text("SELECT impact, urgency, priority FROM priority_matrix")).all()
        assert len(cells) == 9 and ("high", "high", "P1") in cells and ("low", "low", "P4") in cells
        cats = {st.key: st.category for st in s.exec(select(Status)).all()}
        assert cats["waiting_on_customer"] == "paused"
        assert cats["noc_completed"] == "resolved"
        assert cats["closed"] == "closed"


def test_priority_codes_are_exactly_p1_to_p4(empty_db: Database) -> None:
    with pytest.raises(sa.exc.IntegrityError), empty_db.session() as s:
        s.execute(
            sa.text(
                "INSERT INTO priority (code, rank, label, typical_trigger, "
                "default_urgency) VALUES ('P5', 5, 'x', '', 'low')"
            )
        )


def _profile(s) -> SlaProfile:  # type: ignore[no-untyped-def]
    cal = BusinessCalendarRow(
        name="BH", tz="Europe/London", weekly={"0": [["09:00", "17:00"]], "4": [["22:00", "06:00"]]}
    )
    s.add(cal)
    s.flush()
    profile = SlaProfile(name="Gold", calendar_id=cal.id)
    s.add(profile)
    s.flush()
    return profile


def test_round_trip_of_every_kind_of_column(empty_db: Database) -> None:
    with empty_db.session() as s:
        profile = _profile(s)
        s.add(SlaTarget(profile_id=profile.id, priority="P1", response="30m", resolution="nbd"))
        client = Client(
            name="Acme", sla_profile_id=profile.id, billing_type="hybrid", vip=True, created_at=T0
        )
        s.add(client)
        s.flush()
        s.add(ClientDomain(client_id=client.id, domain="acme.example"))
        s.add(
            EscalationContact(
                client_id=client.id,
                name="Boss",
                phones=["+1 555"],
                emails=["b@acme.example"],
                call_windows=[{"days": [0], "start": "08:00", "end": "18:00"}],
            )
        )
        tech = Technician(name="T", email="t@x.example", role="admin", tier="senior")
        s.add(tech)
        s.flush()
        ticket = Ticket(
            number=1001,
            subject="VPN down",
            channel="email",
            client_id=client.id,
            priority="P1",
            status_id=1,
            assignee_id=tech.id,
            created_at=T0,
            updated_at=T0,
            next_due_at=datetime(2026, 3, 8, 3, 0, tzinfo=timezone(timedelta(hours=-5))),
        )
        s.add(ticket)
        s.flush()
        s.add(
            Message(
                ticket_id=ticket.id,
                direction="customer",
                channel="email",
                body="It is down",
                message_id="<a@b>",
                created_at=T0,
            )
        )
        s.add(
            TimeEntry(
                ticket_id=ticket.id,
                technician_id=tech.id,
                work_date=date(2026, 3, 8),
                minutes=30,
                billable=True,
                created_at=T0,
            )
        )
        s.add(
            SlaClock(
                ticket_id=ticket.id,
                kind="response",
                state="running",
                calendar_id=profile.calendar_id,
                target_seconds=1800,
                started_at=T0,
                due_at=T0 + timedelta(minutes=30),
                thresholds_reached=[75],
            )
        )
        s.add(
            AuditEvent(
                at=T0,
                actor="system",
                entity="ticket",
                entity_id=ticket.id,
                field="priority",
                old_value="P3",
                new_value="P1",
                reason="outage",
            )
        )
        s.add(
            Notification(
                recipient_id=tech.id,
                level="warning",
                text="75 %",
                created_at=T0,
                dedupe_key="clock:1:75",
            )
        )
        s.add(UiPreference(technician_id=tech.id, key="queue.filter", value={"status": ["New"]}))
        ticket_id = ticket.id

    with empty_db.session() as s:
        t = s.get(Ticket, ticket_id)
        assert t is not None
        assert t.created_at == T0 and t.created_at.tzinfo is UTC  # microseconds kept, aware
        assert t.next_due_at == datetime(2026, 3, 8, 8, 0, tzinfo=UTC)  # converted to UTC
        cal = s.exec(select(BusinessCalendarRow)).one()
        assert cal.weekly == {"0": [["09:00", "17:00"]], "4": [["22:00", "06:00"]]}
        assert s.exec(select(SlaProfile)).one().alert_thresholds == [75, 90, 100]
        esc = s.exec(select(EscalationContact)).one()
        assert esc.phones == ["+1 555"] and esc.call_windows[0]["start"] == "08:00"
        clock = s.exec(select(SlaClock)).one()
        assert clock.thresholds_reached == [75] and clock.due_at == T0 + timedelta(minutes=30)
        assert s.exec(select(TimeEntry)).one().work_date == date(2026, 3, 8)
        assert s.exec(select(UiPreference)).one().value == {"status": ["New"]}
        assert s.exec(select(Client)).one().vip is True


def test_naive_datetimes_are_refused(empty_db: Database) -> None:
    with pytest.raises(sa.exc.StatementError, match="naive datetime"), empty_db.session() as s:
        s.add(Client(name="X", billing_type="hybrid", created_at=datetime(2026, 1, 1)))
        s.flush()


def test_foreign_keys_are_enforced(empty_db: Database) -> None:
    with pytest.raises(sa.exc.IntegrityError), empty_db.session() as s:
        s.add(ClientDomain(client_id=999, domain="ghost.example"))
        s.flush()


def test_client_domains_are_unique(empty_db: Database) -> None:
    with empty_db.session() as s:
        a = Client(name="A", billing_type="hybrid", created_at=T0)
        b = Client(name="B", billing_type="hybrid", created_at=T0)
        s.add_all([a, b])
        s.flush()
        s.add(ClientDomain(client_id=a.id, domain="shared.example"))
    with pytest.raises(sa.exc.IntegrityError), empty_db.session() as s:
        s.add(ClientDomain(client_id=b.id, domain="shared.example"))
        s.flush()


def test_change_sequence_moves_once_per_committed_write(empty_db: Database) -> None:
    with empty_db.session() as s:
        before = read_change_seq(s)
    with empty_db.session() as s:
        bump_change_seq(s)
        bump_change_seq(s)
    with empty_db.session() as s:
        assert read_change_seq(s) == before + 1
    with empty_db.session() as s:  # a read-only transaction leaves it alone
        s.exec(select(Status)).all()
    with pytest.raises(RuntimeError), empty_db.session() as s:  # a rolled-back write too
        bump_change_seq(s)
        raise RuntimeError("abort")
    with empty_db.session() as s:
        assert read_change_seq(s) == before + 1
        bump_change_seq(s)
    with empty_db.session() as s:
        assert read_change_seq(s) == before + 2


def test_full_text_search_follows_inserts_updates_and_deletes(empty_db: Database) -> None:
    with empty_db.session() as s:
        t = Ticket(
            number=1,
            subject="Printer offline",
            channel="email",
            priority="P3",
            status_id=1,
            created_at=T0,
            updated_at=T0,
        )
        s.add(t)
        s.flush()
        s.add(
            Message(
                ticket_id=t.id,
                direction="customer",
                channel="email",
                body="The Kyocera on floor two says paper jam",
                created_at=T0,
            )
        )
        tid = t.id
    with empty_db.session() as s:
        assert search_ticket_ids(s, "printer") == [tid]
        assert search_ticket_ids(s, "kyoc jam") == [tid]  # prefixes, every word required
        assert search_ticket_ids(s, "kyocera vpn") == []
        assert search_ticket_ids(s, 'printer" OR "x') == []  # user input is never FTS syntax
        t = s.get(Ticket, tid)
        t.subject = "Scanner offline"
        s.add(t)
    with empty_db.session() as s:
        assert search_ticket_ids(s, "printer") == []
        assert search_ticket_ids(s, "scanner") == [tid]
        s.execute(sa.delete(Message))
    with empty_db.session() as s:
        assert search_ticket_ids(s, "kyocera") == []
