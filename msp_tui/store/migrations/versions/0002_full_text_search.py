"""full-text search over ticket subjects and messages (SQLite FTS5)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 08:00:00

External-content FTS5 tables (the text is not stored twice) kept in step by triggers,
and rebuilt from the existing rows so an upgraded database is searchable at once.
Only under SQLite: PostgreSQL gets its own search revision when team mode lands, and
`store/search.py` falls back to a portable LIKE query until then.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKENIZE = "tokenize='unicode61 remove_diacritics 2', prefix='2 3'"

# (fts table, content table, indexed columns)
INDEXES = (
    ("ticket_fts", "ticket", ("subject",)),
    ("message_fts", "message", ("subject", "body")),
)


def _statements() -> list[str]:
    out: list[str] = []
    for fts, content, cols in INDEXES:
        names = ", ".join(cols)
        new = ", ".join(f"new.{c}" for c in cols)
        old = ", ".join(f"old.{c}" for c in cols)
        out += [
            f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{content}', "
            f"content_rowid='id', {TOKENIZE})",
            f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {content} BEGIN "
            f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END",
            f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {content} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); END",
            f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {names} ON {content} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); "
            f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END",
            f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
        ]
    return out


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in _statements():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for fts, _content, _cols in INDEXES:
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {fts}")
