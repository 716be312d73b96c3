"""Opening the database: engine, connection pragmas, sessions and the change sequence.

SQLite (the embedded default) runs in WAL mode with foreign keys on and a busy timeout,
so a console and a headless worker can share one file. Anything dialect-specific stays
here or in `store/search.py`; the rest of the store speaks portable SQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from msp_tui.store.models import Counter

SQLITE_BUSY_TIMEOUT_MS = 10_000
CHANGE_SEQ = "change_seq"
TICKET_NUMBER = "ticket_number"
_CHANGED = "msp_tui.changed"


def url_for(target: str | Path) -> str:
    """Turn `--db` input (a SQLAlchemy URL or a plain file path) into a URL."""
    text = str(target)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "memory":  # in-memory databases cannot use WAL
            cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


def create_db_engine(url: str) -> Engine:
    """An engine with the pragmas every SQLite connection needs."""
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


class Database:
    """One database: an engine plus short-lived sessions (never shared across threads)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_db_engine(url)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back if it raises."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()


def bump_counter(session: Session, name: str) -> int:
    """Atomically increment a named counter inside the caller's transaction."""
    stmt = (
        sa.update(Counter)
        .where(Counter.name == name)  # type: ignore[arg-type]
        .values(value=Counter.value + 1)
        .returning(Counter.value)
        .execution_options(synchronize_session=False)
    )
    value = session.execute(stmt).scalar_one_or_none()
    if value is None:  # a counter the schema did not seed
        session.add(Counter(name=name, value=1))
        session.flush()
        return 1
    return int(value)


def serialize_writes(session: Session) -> None:
    """Take the database's write lock now, before reading what a write depends on.

    SQLite (pysqlite) opens a transaction only at the first write, so a "read, check,
    write" sequence reads without a snapshot and another console can commit in between
    (two admins each deactivating the other, two rule moves at once). A no-op UPDATE of
    the change-sequence row as the first statement takes SQLite's write lock — on
    PostgreSQL that row's lock, which every writer takes at commit anyway — so such
    sequences run one after another. For rare writes (settings), not the hot paths.
    """
    session.execute(
        sa.update(Counter)
        .where(Counter.name == CHANGE_SEQ)  # type: ignore[arg-type]
        .values(value=Counter.value)
        .execution_options(synchronize_session=False)
    )


def bump_change_seq(session: Session) -> None:
    """Every write calls this, so other consoles notice a change by polling one row.

    The bump itself happens once, just before the transaction commits: one row update
    per transaction however many writes it made, and never for one that rolls back.
    """
    session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _bump_on_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        bump_counter(session, CHANGE_SEQ)


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop(_CHANGED, None)


def read_change_seq(session: Session) -> int:
    value = session.execute(
        sa.select(Counter.value).where(Counter.name == CHANGE_SEQ)  # type: ignore[arg-type]
    ).scalar_one_or_none()
    return int(value or 0)
