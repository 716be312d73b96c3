"""Alembic environment: runs on the connection `store.migrate` hands over.

`render_as_batch=True` because SQLite cannot ALTER most things: Alembic then copies
the table, which is also correct (if slower) on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlmodel.sql.sqltypes import AutoString

from msp_tui.store.models import metadata
from msp_tui.store.search import is_search_table
from msp_tui.store.types import UTCDateTime


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write revisions in plain SQLAlchemy types: a revision must not import app code
    that may change after it was written."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String({obj.length})" if obj.length else "sa.String()"
    return False


connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via `alembic` CLI, which we do not ship
    raise RuntimeError("run migrations through `msp-tui db upgrade`")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    compare_type=True,
    render_item=render_item,
    # FTS5 tables are raw DDL under SQLite only; autogenerate must not try to drop them.
    include_name=lambda name, type_, _parent: not (type_ == "table" and is_search_table(name)),
)
with context.begin_transaction():
    context.run_migrations()
