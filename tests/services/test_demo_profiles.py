"""The demo's three profiles give the deadlines their contracts promise."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from msp_tui.engine.vocabulary import Channel, PriorityCode
from msp_tui.services import tickets as svc
from msp_tui.services.desk import Desk
from msp_tui.store.models import Client, SlaClock

NY = ZoneInfo("America/New_York")


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)  # type: ignore[misc]


def _dues(desk: Desk, client: str, priority: PriorityCode, at: datetime) -> dict[str, datetime]:
    with desk.db.session() as s:
        cid = s.exec(select(Client.id).where(Client.name == client)).one()
        t = svc.create_ticket(
            s,
            at=at,
            subject="Server down",
            body="Help",
            priority=priority,
            channel=Channel.PHONE,
            client_id=cid,
        )
        clocks = s.exec(select(SlaClock).where(SlaClock.ticket_id == t.id)).all()
        return {c.kind: c.due_at for c in clocks}  # type: ignore[misc]


SAT_NIGHT = ny(2026, 11, 28, 3, 0)  # a Saturday, 03:00 in New York


@pytest.mark.parametrize(
    ("client", "priority", "at", "response", "resolution"),
    [
        # Platinum: 24/7, P1 30 min / 4 h
        (
            "Northwind Health",
            PriorityCode.P1,
            SAT_NIGHT,
            SAT_NIGHT + timedelta(minutes=30),
            SAT_NIGHT + timedelta(hours=4),
        ),
        # Gold P1 runs on the 24/7 on-call calendar: 1 h / 8 h even on a Saturday night
        (
            "Fabrikam Manufacturing",
            PriorityCode.P1,
            SAT_NIGHT,
            SAT_NIGHT + timedelta(hours=1),
            SAT_NIGHT + timedelta(hours=8),
        ),
        # Gold P2 is on business hours (Mon-Fri 08-18): 2 h -> Monday 10:00;
        # 2 business days = 20 h -> Monday 10 h + Tuesday 10 h -> Tuesday 18:00
        (
            "Fabrikam Manufacturing",
            PriorityCode.P2,
            SAT_NIGHT,
            ny(2026, 11, 30, 10, 0),
            ny(2026, 12, 1, 18, 0),
        ),
        # Standard P1 on the eve of Thanksgiving (Thu 26, a US holiday):
        # 4 h = Wed 17-18 + Fri 08-11; next business day = until Friday's close
        (
            "Litware Dental",
            PriorityCode.P1,
            ny(2026, 11, 25, 17, 0),
            ny(2026, 11, 27, 11, 0),
            ny(2026, 11, 27, 18, 0),
        ),
        # Standard P3 response, 2 business days = 20 h from Monday 09:00:
        # Mon 09-18 (9 h) + Tue 08-18 (10 h) + Wed 08-09 (1 h)
        ("Litware Dental", PriorityCode.P3, ny(2026, 11, 23, 9, 0), ny(2026, 11, 25, 9, 0), None),
    ],
)
def test_demo_profile_deadlines(
    demo_desk: Desk,
    client: str,
    priority: PriorityCode,
    at: datetime,
    response: datetime,
    resolution: datetime | None,
) -> None:
    dues = _dues(demo_desk, client, priority, at)
    assert dues["response"] == response
    if resolution is not None:
        assert dues["resolution"] == resolution


def test_the_client_without_a_profile_gets_no_clock(demo_desk: Desk) -> None:
    assert _dues(demo_desk, "Blue Yonder Consulting", PriorityCode.P1, SAT_NIGHT) == {}
