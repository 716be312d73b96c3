"""Which time zone "today" and local times are read in: the viewer's, else the desk's home.

One definition for every screen and report that turns an instant into a local day (the
dashboards' windows, the billing screen's "this month", the reports' day bounds). A zone
name stored on a technician or a calendar that this machine's tz database does not know
(a typo, 'Mars/Base', an older tzdata) is skipped, never raised: a bad profile field must
not take a screen down, it only makes the next candidate count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlmodel import Session

from msp_tui.store.models import BusinessCalendarRow
from msp_tui.store.queries import TechnicianView

if TYPE_CHECKING:
    from msp_tui.services.desk import Desk

UTC_NAME = "UTC"


def zone_or_none(name: str | None) -> ZoneInfo | None:
    """The zone called `name`, or None for no name or one the tz database lacks."""
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_or_utc(name: str | None) -> ZoneInfo:
    return zone_or_none(name) or ZoneInfo(UTC_NAME)


def first_known(*names: str | None) -> str:
    """The first of `names` the tz database knows; else UTC."""
    return next((name for name in names if name and zone_or_none(name)), UTC_NAME)


def home_zone(s: Session) -> str:
    """The desk's home: the first business calendar's zone; else UTC."""
    name = s.execute(
        sa.select(BusinessCalendarRow.tz).order_by(BusinessCalendarRow.id).limit(1)
    ).scalar_one_or_none()
    return first_known(name)


def viewer_zone(s: Session, me: TechnicianView | None) -> str:
    """My technician zone; else the desk's home (first calendar's); else UTC."""
    return first_known(me.timezone if me is not None else None, home_zone(s))


def my_zone(desk: Desk) -> str:
    """`viewer_zone` for the console's own technician, in its own short read: what a
    screen shows its times in and what a new form proposes."""
    me = desk.me()
    with desk.db.session() as s:
        return viewer_zone(s, me)
