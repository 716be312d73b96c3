"""Migrations: build from nothing, upgrade a populated file without losing a row."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from msp_tui.store import migrate
from msp_tui.store.db import Database, url_for
from msp_tui.store.search import search_ticket_ids


def test_empty_file_migrates_to_head(tmp_path: Path) -> None:
    db = Database(url_for(tmp_path / "new.sqlite3"))
    result = migrate.upgrade(db)
    assert result.before is None and result.after == migrate.head_revision()
    assert result.backup is None  # nothing to back up
    assert migrate.current_revision(db) == migrate.head_revision()
    again = migrate.upgrade(db)
    assert not again.changed
    db.dispose()


def test_upgrade_of_an_existing_file_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = Database(url_for(path))
    migrate.upgrade_to(db, "0001")
    now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO ticket (number, subject, type, channel, priority, status_id, "
                "unmatched_client, possible_social_engineering, sla_breached, created_at, "
                "updated_at) VALUES (1001, 'Firewall blocks vendor portal', 'support', "
                "'email', 'P2', 1, 0, 0, 0, :t, :t)"
            ),
            {"t": now.replace(tzinfo=None)},
        )
        conn.execute(
            sa.text(
                "INSERT INTO message (ticket_id, direction, channel, author_name, "
                "subject, body, created_at) VALUES (1, 'customer', 'email', 'x', "
                "'s', 'the portal at vendor.example times out', :t)"
            ),
            {"t": now.replace(tzinfo=None)},
        )
    db.dispose()

    db = Database(url_for(path))
    result = migrate.upgrade(db)
    assert result.before == "0001" and result.after == migrate.head_revision()
    assert result.backup is not None and result.backup.exists()
    with db.session() as s:
        rows = s.execute(sa.text("SELECT number, subject FROM ticket")).all()
        assert rows == [(1001, "Firewall blocks vendor portal")]
        assert s.execute(sa.text("SELECT count(*) FROM message")).scalar() == 1
        # revision 0002 indexed the rows that were already there
        assert search_ticket_ids(s, "firewall") == [1]
        assert search_ticket_ids(s, "vendor times") == [1]
    db.dispose()
    # the backup is a complete, readable copy of the pre-upgrade database
    backup = sqlite3.connect(result.backup)
    assert backup.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    assert backup.execute("SELECT count(*) FROM ticket").fetchone() == (1,)
    backup.close()


def test_a_database_from_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    db = Database(url_for(tmp_path / "future.sqlite3"))
    migrate.upgrade(db)
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(migrate.SchemaError, match="newer version"):
        migrate.upgrade(db)
    assert migrate.current_revision(db) == "9999"
    db.dispose()


def test_a_foreign_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    conn.execute("INSERT INTO invoices VALUES (1)")
    conn.commit()
    conn.close()
    db = Database(url_for(path))
    with pytest.raises(migrate.SchemaError, match="no msp-tui schema"):
        migrate.upgrade(db)
    db.dispose()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM invoices").fetchone() == (1,)
    conn.close()
