"""Full-text search: the one place that knows about SQLite FTS5.

The FTS tables and triggers are created by revision 0002 under SQLite only. Other
dialects use a portable (slow) LIKE fallback until they get their own index, so callers
never branch on the dialect.
"""

from __future__ import annotations

import re
from typing import Any

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
    if fts_query(text) is None:
        return []
    dialect = session.get_bind().dialect.name
    stmt = (
        sa.select(Ticket.id)
        .where(matching_tickets_clause(text, dialect))
        .order_by(Ticket.id.desc())  # type: ignore[union-attr]
        .limit(limit)
    )
    return [int(r) for r in session.execute(stmt).scalars()]


def matching_tickets_clause(text: str, dialect: str) -> Any:
    """A WHERE condition "the ticket matches every word", to combine with other filters.

    FTS5 (revision 0002) exists only under SQLite; other dialects get a portable LIKE
    scan until they have an index of their own.
    """
    query = fts_query(text)
    if query is None:
        return sa.true()
    if dialect == "sqlite":
        fts = sa.text(
            "SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH :fts_q"
            " UNION SELECT m.ticket_id FROM message_fts"
            " JOIN message m ON m.id = message_fts.rowid WHERE message_fts MATCH :fts_q"
        ).bindparams(fts_q=query)
        return Ticket.id.in_(fts)  # type: ignore[union-attr]
    return sa.and_(*(_like_word(w) for w in _WORD.findall(text)))


def _like_word(word: str) -> Any:
    pattern = f"%{word.lower()}%"
    in_messages = sa.select(Message.ticket_id).where(
        sa.or_(
            sa.func.lower(Message.body).like(pattern), sa.func.lower(Message.subject).like(pattern)
        )
    )
    return sa.or_(sa.func.lower(Ticket.subject).like(pattern), Ticket.id.in_(in_messages))  # type: ignore[union-attr]
