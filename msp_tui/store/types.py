"""Column types that keep the schema portable between SQLite and PostgreSQL.

Every instant is stored as naive UTC and handed back aware (UTC): SQLite has no time
zone type, and PostgreSQL's `timestamp` behaves the same, so both dialects agree and no
local time ever reaches the database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """An aware-UTC datetime in Python, a naive UTC timestamp in the database."""

    impl = sa.DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to a UTC column; pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utc_column(*, nullable: bool = True, index: bool = False) -> Any:
    """A `sa_column` for an instant (fresh Column each call: SQLAlchemy columns bind once)."""
    return sa.Column(UTCDateTime(), nullable=nullable, index=index)


def json_column(*, nullable: bool = False) -> Any:
    """A JSON column (TEXT on SQLite, json on PostgreSQL)."""
    return sa.Column(sa.JSON(), nullable=nullable)
