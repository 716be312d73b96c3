"""The dashboard's one-pass badge aggregate agrees with the queue's per-badge filters."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from msp_tui.engine.badges import Badge
from msp_tui.store import kpi_queries as kq
from msp_tui.store import queue_queries as qq
from msp_tui.store.db import Database
from msp_tui.store.models import Status
from tests.store.kpi_fixture import NOW, build


@pytest.mark.parametrize("hours", [-72, -6, -1, 0, 1, 6, 72])
def test_badge_counts_match_the_queue_filters(empty_db: Database, hours: int) -> None:
    """Across instants where clocks cross their at-risk and due marks, both agree."""
    ids = build(empty_db)
    now = NOW + timedelta(hours=hours)
    with empty_db.session() as s:
        open_ids = tuple(
            s.execute(
                sa.select(Status.id).where(Status.category.in_(kq.OPEN_CATEGORIES))  # type: ignore[attr-defined]
            ).scalars()
        )
        for assignee in (None, ids["ann"]):
            expected = {
                b.value: qq.count(
                    s, qq.QueueFilter(open_ids, badges=(b.value,), assignee=assignee), now, None
                )
                for b in kq.BADGE_ORDER
            }
            assert kq.badge_counts(s, now, assignee_id=assignee) == expected
    assert {b.value for b in kq.BADGE_ORDER} == {b.value for b in Badge}
