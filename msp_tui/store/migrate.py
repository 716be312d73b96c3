"""Schema upgrades with Alembic, run automatically at start and by `msp-tui db upgrade`.

"Never loses data": before an existing SQLite file is upgraded it is copied with SQLite's
online backup API next to itself, each revision runs in a transaction, and a database
written by a newer msp-tui (an unknown revision) is refused rather than touched.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from msp_tui.store.db import Database

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


class SchemaError(Exception):
    """The database cannot be used by this version; the message says why and what to do."""


@dataclass(frozen=True)
class UpgradeResult:
    before: str | None
    after: str
    backup: Path | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _known_revisions() -> set[str]:
    return {rev.revision for rev in ScriptDirectory.from_config(_config()).walk_revisions()}


def _sqlite_file(db: Database) -> Path | None:
    if not db.is_sqlite:
        return None
    name = db.engine.url.database
    if not name or name == ":memory:":
        return None
    path = Path(name)
    return path if path.exists() and path.stat().st_size > 0 else None


def backup_sqlite(source: Path, label: str, now: datetime | None = None) -> Path:
    """Copy a live SQLite file consistently (WAL included) beside itself."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    target = source.with_name(f"{source.name}.{label}-{stamp}.bak")
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return target


def upgrade(db: Database, *, backup: bool = True) -> UpgradeResult:
    """Bring the schema to the newest revision; a no-op when it is already there."""
    before = current_revision(db)
    head = head_revision()
    if before == head:
        return UpgradeResult(before, head, None)
    if before is not None and before not in _known_revisions():
        raise SchemaError(
            f"the database {db.engine.url.render_as_string(hide_password=True)} has schema "
            f"revision {before!r}, which this msp-tui does not know; it was written by a "
            "newer version. Upgrade msp-tui, or point --db at another database."
        )
    if before is None:
        with db.engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
        if tables:
            raise SchemaError(
                f"the database {db.engine.url.render_as_string(hide_password=True)} already "
                f"holds tables ({', '.join(sorted(tables)[:5])}…) but no msp-tui schema "
                "revision; refusing to touch it. Point --db at an empty or msp-tui database."
            )
    backup_path = None
    source = _sqlite_file(db) if before is not None else None
    if backup and source is not None:
        backup_path = backup_sqlite(source, f"pre-{head}")
    _run(db, "upgrade", "head")
    return UpgradeResult(before, head, backup_path)


def upgrade_to(db: Database, revision: str) -> None:
    """Upgrade to a given revision (tests use it to build an older database)."""
    _run(db, "upgrade", revision)


def _run(db: Database, direction: str, revision: str) -> None:
    """Run Alembic in one transaction.

    SQLite alters a table by copying it; with foreign keys enforced, dropping the old
    copy fails as soon as another table's rows point at it. So, as SQLite's documentation
    prescribes, enforcement is off during the migration (the pragma only works outside a
    transaction) and `foreign_key_check` must come back empty before the commit.
    """
    cfg = _config()
    with db.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                getattr(command, direction)(cfg, revision)
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise SchemaError(
                            f"the migration to {revision} left {len(broken)} rows whose "
                            f"foreign keys point nowhere (first: {tuple(broken[0])}); "
                            "nothing was changed"
                        )
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()
