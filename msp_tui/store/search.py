"""Full-text search: the one place that knows about SQLite FTS5.

The FTS tables and triggers are created by revision 0002 under SQLite only. Other
dialects use a portable (slow) LIKE fallback until they get their own index, so callers
never branch on the dialect.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlmodel import Session

from msp_tui.store.models import Message, Ticket

FTS_TABLES = ("ticket_fts", "message_fts")
_WORD = re.compile(r"\w+", re.UNICODE)


def is_search_table(name: str) -> bool:
    """FTS5 tables and their shadow tables, which the ORM metadata does not describe."""
    return any(name == t or name.startswith(f"{t}_") for t in FTS_TABLES)


def fts_query(text: str) -> str | None:
    """User words -> an FTS5 query of quoted prefix terms, all required.

    Quoting every token means user input can never be FTS5 syntax (no injection of
    NEAR/OR/column filters, no syntax errors from stray quotes).
    """
    words = _WORD.findall(text)
    if not words:
        return None
    return " ".join(f'"{w}"*' for w in words)


def search_ticket_ids(session: Session, text: str, limit: int = 200) -> list[int]:
    """Ids of tickets whose subject or any message matches every word, newest first."""
    query = fts_query(text)
    if query is None:
        return []
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        stmt = sa.text(
            "SELECT id FROM ("
            " SELECT rowid AS id FROM ticket_fts WHERE ticket_fts MATCH :q"
            " UNION"
            " SELECT m.ticket_id AS id FROM message_fts"
            " JOIN message m ON m.id = message_fts.rowid WHERE message_fts MATCH :q"
            ") ORDER BY id DESC LIMIT :limit"
        )
        return [int(r[0]) for r in session.execute(stmt, {"q": query, "limit": limit})]
    words = _WORD.findall(text)
    conditions = []
    for word in words:
        pattern = f"%{word.lower()}%"
        in_messages = sa.select(Message.ticket_id).where(
            sa.or_(
                sa.func.lower(Message.body).like(pattern),
                sa.func.lower(Message.subject).like(pattern),
            )
        )
        conditions.append(
            sa.or_(sa.func.lower(Ticket.subject).like(pattern), Ticket.id.in_(in_messages))
        )
    stmt2 = sa.select(Ticket.id).where(*conditions).order_by(Ticket.id.desc()).limit(limit)
    return [int(r) for r in session.execute(stmt2).scalars()]
