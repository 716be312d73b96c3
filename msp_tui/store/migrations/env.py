"""Alembic environment: runs on the connection `store.migrate` hands over.

`render_as_batch=True` because SQLite cannot ALTER most things: Alembic then copies
the table, which is also correct (if slower) on PostgreSQL.
"""

from __future__ import annotations

from alembic import context

from msp_tui.store.models import metadata
from msp_tui.store.search import is_search_table

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via `alembic` CLI, which we do not ship
    raise RuntimeError("run migrations through `msp-tui db upgrade`")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    compare_type=True,
    # FTS5 tables are raw DDL under SQLite only; autogenerate must not try to drop them.
    include_name=lambda name, type_, _parent: not (type_ == "table" and is_search_table(name)),
)
with context.begin_transaction():
    context.run_migrations()
