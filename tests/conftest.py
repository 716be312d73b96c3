"""Shared fixtures: isolated user dirs, a frozen "now", and a seeded demo database.

Seeding takes a couple of seconds, so one demo file is built per session and each test
that writes gets its own copy.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from msp_tui.engine.clock import FixedClock
from msp_tui.services.desk import Desk
from msp_tui.store import migrate
from msp_tui.store.db import Database, url_for

pytest_plugins = ["tests.smtp_sink", "tests.mailservers", "tests.memory_keyring"]

# A Tuesday afternoon in New York, well clear of any DST change.
FIXED_NOW = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never read or write the real user's config or data."""
    base = tmp_path_factory.mktemp("xdg")
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(base / var.lower()))
    monkeypatch.delenv("MSP_TUI_CONFIG", raising=False)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(FIXED_NOW)


@pytest.fixture
def empty_db(tmp_path: Path) -> Iterator[Database]:
    db = Database(url_for(tmp_path / "empty.sqlite3"))
    migrate.upgrade(db)
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def demo_db_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    desk, report = Desk.open(url_for(path), clock=FixedClock(FIXED_NOW))
    assert report.seeded_demo
    with desk.db.engine.connect() as conn:  # fold the WAL in so a plain copy is complete
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    desk.close()
    return path


@pytest.fixture
def demo_desk(demo_db_file: Path, tmp_path: Path, clock: FixedClock) -> Iterator[Desk]:
    copy = tmp_path / "demo.sqlite3"
    shutil.copyfile(demo_db_file, copy)
    desk = Desk(Database(url_for(copy)), clock, me_email="alex.morgan@demo-msp.example")
    yield desk
    desk.close()


DEMO_ADMIN = "jamie.fox@demo-msp.example"


@pytest.fixture
def admin(demo_desk: Desk) -> Desk:
    """The demo desk with the demo's admin as "me" (settings screens and services)."""
    demo_desk.me_email = DEMO_ADMIN
    demo_desk._me = None
    return demo_desk


def integration_required() -> bool:
    """In CI (MSP_REQUIRE_INTEGRATION=1) a missing server binary fails instead of skipping."""
    return os.environ.get("MSP_REQUIRE_INTEGRATION") == "1"
