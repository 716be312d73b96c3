"""Shared fixtures: isolated user dirs, a frozen "now", and a seeded demo database.

Seeding takes a couple of seconds, so one demo file is built per session and each test
that writes gets its own copy.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Awaitable, Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from msp_tui.engine.clock import FixedClock
from msp_tui.services.desk import Desk
from msp_tui.store import migrate
from msp_tui.store.db import Database, url_for
from tests.pilot_wait import settle

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


@pytest.fixture
def snap_compare(snap_compare: Callable[..., bool]) -> Callable[..., bool]:
    """The plugin's snap_compare, but the screenshot waits for the screen to settle (workers
    done, tables measured) after `run_before` and `press`: the plugin only pauses once, and
    on a loaded CI machine that caught a table before it had measured its columns."""

    def compare(app: Any, *, press: Iterable[str] = (),
                run_before: Callable[[Pilot[Any]], Awaitable[None] | None] | None = None,
                **kwargs: Any) -> bool:
        async def before(pilot: Pilot[Any]) -> None:
            if run_before is not None:
                result = run_before(pilot)
                if result is not None:
                    await result
            await settle(pilot)
            for key in press:
                if key == "_":
                    await pilot.pause(0.1)
                else:
                    await pilot.press(key)
                    await settle(pilot)

        return snap_compare(app, run_before=before, **kwargs)

    return compare


def integration_required() -> bool:
    """In CI (MSP_REQUIRE_INTEGRATION=1) a missing server binary fails instead of skipping."""
    return os.environ.get("MSP_REQUIRE_INTEGRATION") == "1"
