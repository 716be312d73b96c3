"""A technician's stored zone the tz database lacks ('Mars/Base', from an old import or a
hand edit) never raises: the ticket view falls back to the ticket's own calendar zone, time
logging and a new calendar form to the desk's home (`services.local_zone`), else UTC."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlmodel import select

from msp_tui.demo.data import ALWAYS_OPEN, BUSINESS_HOURS
from msp_tui.engine.clock import FixedClock
from msp_tui.services import calendar_admin
from msp_tui.services.desk import Desk
from msp_tui.services.local_zone import first_known, my_zone
from msp_tui.services.ticket_view import format_instant, log_time, ticket_detail
from msp_tui.store.models import BusinessCalendarRow, SlaClock, Technician, Ticket, TimeEntry

ME = "alex.morgan@demo-msp.example"
ADMIN = "jamie.fox@demo-msp.example"
# 21:00 on 30 November in New York (the demo's home), already 1 December in UTC and Tokyo.
LATE_EVENING = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def store_zone(desk: Desk, email: str, zone: str | None) -> None:
    """Write a technician's zone as a stored value (the people form would refuse a bad one)."""
    with desk.db.session() as s:
        tech = s.exec(select(Technician).where(Technician.email == email)).one()
        tech.timezone = zone
        s.add(tech)
    desk.me_email = email
    desk._me = None


def set_calendar_zone(desk: Desk, name: str, zone: str) -> None:
    with desk.db.session() as s:
        row = s.exec(select(BusinessCalendarRow).where(BusinessCalendarRow.name == name)).one()
        row.tz = zone
        s.add(row)


def ticket_on(desk: Desk, calendar: str) -> int:
    """The lowest ticket id with SLA clocks, every one of them counting on `calendar`."""
    with desk.db.session() as s:
        cal_id = s.exec(
            select(BusinessCalendarRow.id).where(BusinessCalendarRow.name == calendar)
        ).one()
        stray = sa.select(SlaClock.id).where(
            SlaClock.ticket_id == Ticket.id, SlaClock.calendar_id != cal_id
        )
        mine = sa.select(SlaClock.id).where(SlaClock.ticket_id == Ticket.id)
        ticket_id = s.execute(
            sa.select(Ticket.id).where(mine.exists(), ~stray.exists()).order_by(Ticket.id)
        ).scalars().first()
    assert ticket_id is not None, f"no demo ticket runs only on {calendar}"
    return int(ticket_id)


@pytest.fixture
def mars(demo_desk: Desk) -> Desk:
    store_zone(demo_desk, ME, "Mars/Base")
    return demo_desk


def test_first_known_skips_unknown_names() -> None:
    assert first_known("Mars/Base", None, "", "Asia/Tokyo") == "Asia/Tokyo"
    assert first_known("Mars/Base", "../etc/passwd") == "UTC"
    assert first_known() == "UTC"


def test_ticket_view_falls_back_to_the_tickets_own_calendar(mars: Desk) -> None:
    # The 24/7 calendar is not the desk's first: its zone, not the home's, is the fallback.
    set_calendar_zone(mars, ALWAYS_OPEN, "Asia/Tokyo")
    assert ticket_detail(mars, ticket_on(mars, ALWAYS_OPEN)).zone == "Asia/Tokyo"
    assert ticket_detail(mars, ticket_on(mars, BUSINESS_HOURS)).zone == "America/New_York"
    # A good zone of mine still wins.
    store_zone(mars, ME, "Europe/Berlin")
    assert ticket_detail(mars, ticket_on(mars, BUSINESS_HOURS)).zone == "Europe/Berlin"


def test_formatters_read_an_unknown_zone_as_utc() -> None:
    at = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
    assert format_instant(at, "Mars/Base") == "Tue 24 Nov 15:30 UTC"


def test_logged_time_is_dated_in_the_desks_home_zone(mars: Desk) -> None:
    assert isinstance(mars.clock, FixedClock)
    mars.clock.set(LATE_EVENING)
    ticket_id = ticket_on(mars, BUSINESS_HOURS)
    log_time(mars, ticket_id, minutes=15, billable=False, note="after hours")
    with mars.db.session() as s:
        entry = s.exec(
            select(TimeEntry).where(TimeEntry.ticket_id == ticket_id)
            .order_by(TimeEntry.id.desc())  # type: ignore[union-attr]
        ).first()
    assert entry is not None and entry.note == "after hours"
    assert entry.work_date == date(2026, 11, 30)  # New York's day, not UTC's 1 December


@pytest.mark.parametrize(
    ("stored", "home", "proposed"),
    [
        ("Asia/Tokyo", None, "Asia/Tokyo"),
        ("Mars/Base", None, "America/New_York"),  # the desk's home: the first calendar's
        (None, None, "America/New_York"),
        ("Mars/Base", "Venus/Dome", "UTC"),
    ],
)
def test_new_calendar_form_proposes_a_zone_it_accepts(
    demo_desk: Desk, stored: str | None, home: str | None, proposed: str
) -> None:
    if home is not None:
        set_calendar_zone(demo_desk, BUSINESS_HOURS, home)
    store_zone(demo_desk, ADMIN, stored)
    assert my_zone(demo_desk) == proposed
    form = calendar_admin.new_form(demo_desk)
    assert form.tz == proposed
    # The proposal passes the form's own check once it has a name.
    spec = calendar_admin.check(demo_desk, replace(form, name="Mars outpost"))
    assert spec.tz == proposed
