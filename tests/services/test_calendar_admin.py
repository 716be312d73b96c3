"""Business calendars admin on the demo desk: list, read, check, create, edit with the
what-if first, delete refusals, the 14-day timeline; admins only, audited."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlmodel import select

from msp_tui.services import calendar_admin as ca
from msp_tui.services.desk import Desk
from msp_tui.services.tickets import ServiceError
from msp_tui.store.db import read_change_seq
from msp_tui.store.models import AuditEvent, BusinessCalendarRow, CalendarHoliday, SlaClock

ADMIN = "jamie.fox@demo-msp.example"
BUSINESS = "Business hours (New York)"
ON_CALL = "24/7 on-call (New York)"


@pytest.fixture
def desk(demo_desk: Desk) -> Desk:
    demo_desk.me_email = ADMIN
    demo_desk._me = None
    return demo_desk


def cal_id(desk: Desk, name: str) -> int:
    return next(c.id for c in ca.list_calendars(desk) if c.name == name)


def stored(desk: Desk, calendar_id: int) -> tuple[object, ...]:
    with desk.db.session() as s:
        row = s.get(BusinessCalendarRow, calendar_id)
        assert row is not None
        days = s.exec(select(CalendarHoliday.day, CalendarHoliday.name).where(
            CalendarHoliday.calendar_id == calendar_id)).all()
        return (row.name, row.tz, row.always_open, dict(row.weekly), row.holiday_country,
                row.holiday_subdivision, sorted(days), read_change_seq(s))


def audits(desk: Desk, calendar_id: int) -> dict[str, tuple[str | None, str | None]]:
    with desk.db.session() as s:
        rows = s.exec(select(AuditEvent).where(AuditEvent.entity == "business_calendar",
                                             AuditEvent.entity_id == calendar_id)).all()
        return {r.field: (r.old_value, r.new_value) for r in rows}


def dues(desk: Desk, calendar_id: int) -> list[object]:
    with desk.db.session() as s:
        return list(s.exec(select(SlaClock.due_at).where(SlaClock.calendar_id == calendar_id)
                           .order_by(SlaClock.id)).all())  # type: ignore[arg-type]


def test_list_says_hours_holidays_and_who_uses_each_calendar(desk: Desk) -> None:
    rows = {c.name: c for c in ca.list_calendars(desk)}
    assert list(rows) == sorted(rows)
    business = rows[BUSINESS]
    assert (business.tz, business.hours, business.holidays) == (
        "America/New_York", "Mon–Fri 08:00–18:00", "US public")
    assert business.used_by == ("Gold", "Standard")
    assert rows[ON_CALL].hours == "24/7" and rows[ON_CALL].used_by == ("Gold P1 (override)",)


def test_read_gives_the_form_as_text(desk: Desk) -> None:
    form = ca.read_calendar(desk, cal_id(desk, BUSINESS))
    assert form.days == ("08:00-18:00",) * 5 + ("", "")
    assert (form.name, form.tz, form.always_open, form.country) == (
        BUSINESS, "America/New_York", False, "US")
    assert ca.new_form(desk).days == ("09:00-17:00",) * 5 + ("", "")


def test_edit_shows_the_what_if_then_applies_it_and_audits(desk: Desk) -> None:
    cid = cal_id(desk, BUSINESS)
    form = replace(ca.read_calendar(desk, cid), days=("09:00-17:00",) * 5 + ("", ""),
                   holidays="2026-11-27 Day after Thanksgiving")
    before, due_before = stored(desk, cid), dues(desk, cid)

    what_if = ca.preview_update(desk, cid, form)
    assert what_if.moved > 0 and what_if.describe().startswith(f"{what_if.moved} due instants")
    assert stored(desk, cid) == before and dues(desk, cid) == due_before  # nothing written

    applied = ca.update_calendar(desk, cid, form)
    assert applied == what_if
    after = stored(desk, cid)
    assert after[3] == {str(d): [["09:00", "17:00"]] for d in range(5)}
    assert after[6] == [(date(2026, 11, 27), "Day after Thanksgiving")]
    assert after[7] > before[7]  # type: ignore[operator]
    assert dues(desk, cid) != due_before
    log = audits(desk, cid)
    assert log["weekly"] == ("Mon 08:00-18:00, Tue 08:00-18:00, Wed 08:00-18:00, "
                             "Thu 08:00-18:00, Fri 08:00-18:00",
                             "Mon 09:00-17:00, Tue 09:00-17:00, Wed 09:00-17:00, "
                             "Thu 09:00-17:00, Fri 09:00-17:00")
    assert log["holidays"] == ("none", "2026-11-27")
    assert log["holiday names"] == ("2026-11-27 (unnamed)", "2026-11-27 Day after Thanksgiving")


def test_renaming_a_holiday_only_audits_its_name(desk: Desk) -> None:
    cid = cal_id(desk, ON_CALL)
    form = replace(ca.read_calendar(desk, cid), holidays="2026-12-24 Eve")
    ca.update_calendar(desk, cid, form)
    ca.update_calendar(desk, cid, replace(form, holidays="2026-12-24 Christmas Eve"))
    assert stored(desk, cid)[6] == [(date(2026, 12, 24), "Christmas Eve")]
    assert audits(desk, cid)["holiday names"] == ("2026-12-24 Eve", "2026-12-24 Christmas Eve")


def test_a_bad_form_lists_every_problem_and_writes_nothing(desk: Desk) -> None:
    cid = cal_id(desk, BUSINESS)
    before = stored(desk, cid)
    form = replace(ca.read_calendar(desk, cid), name="24/7 (UTC)", tz="America/New_Yrok",
                   days=("08:00-18:00", "09:00-13:00, 12:00-18:00") + ("",) * 5,
                   country="US", subdivision="QQ")
    for call in (ca.preview_update, ca.update_calendar):
        with pytest.raises(ServiceError) as info:
            call(desk, cid, form)
        assert str(info.value).splitlines() == [
            "There is already a calendar named '24/7 (UTC)'",
            "Unknown time zone 'America/New_Yrok' (did you mean America/New_York?)",
            "Tuesday: 12:00–18:00 overlaps 09:00–13:00",
            "Unknown subdivision 'QQ' of US; known: AK, AL, AR, AS, AZ, CA, CO, CT, …",
        ]
    assert stored(desk, cid) == before
    assert audits(desk, cid) == {}


def test_create_and_delete_an_unused_calendar(desk: Desk) -> None:
    form = replace(ca.new_form(desk), name="London office", tz="Europe/London",
                   country="GB", subdivision="ENG", holidays="2026-12-24 Christmas Eve")
    cid = ca.create_calendar(desk, form)
    row = {c.name: c for c in ca.list_calendars(desk)}["London office"]
    assert (row.id, row.hours, row.holidays, row.used_by) == (
        cid, "Mon–Fri 09:00–17:00", "GB-ENG public, 1 date", ())
    assert ca.read_calendar(desk, cid) == replace(form, days=("09:00-17:00",) * 5 + ("", ""))
    assert audits(desk, cid)["created"][1] == (
        "Europe/London: Mon 09:00-17:00, Tue 09:00-17:00, Wed 09:00-17:00, Thu 09:00-17:00, "
        "Fri 09:00-17:00; 1 holiday date(s); GB-ENG public holidays")
    with pytest.raises(ServiceError, match="already a calendar named 'London office'"):
        ca.create_calendar(desk, form)

    ca.delete_calendar(desk, cid)
    assert "London office" not in {c.name for c in ca.list_calendars(desk)}
    with desk.db.session() as s:
        assert s.exec(select(CalendarHoliday).where(CalendarHoliday.calendar_id == cid)).all() == []
    assert audits(desk, cid)["deleted"] == ("London office", None)


def test_delete_is_refused_naming_profiles_and_overrides(desk: Desk) -> None:
    with pytest.raises(ServiceError) as info:
        ca.delete_calendar(desk, cal_id(desk, BUSINESS))
    assert str(info.value) == f"{BUSINESS} is used by Gold, Standard; move them first"
    with pytest.raises(ServiceError) as info:
        ca.delete_calendar(desk, cal_id(desk, ON_CALL))
    assert str(info.value) == f"{ON_CALL} is used by Gold P1 (override); move them first"
    assert {c.name for c in ca.list_calendars(desk)} >= {BUSINESS, ON_CALL}


def test_only_admins_change_calendars(demo_desk: Desk) -> None:
    cid = cal_id(demo_desk, BUSINESS)
    form = ca.read_calendar(demo_desk, cid)
    for call in (lambda: ca.update_calendar(demo_desk, cid, replace(form, name="X")),
                 lambda: ca.preview_update(demo_desk, cid, form),
                 lambda: ca.create_calendar(demo_desk, replace(form, name="Y")),
                 lambda: ca.delete_calendar(demo_desk, cid)):
        with pytest.raises(ServiceError, match="only admins may change settings"):
            call()
    assert stored(demo_desk, cid)[0] == BUSINESS


def test_next_days_start_today_in_the_calendars_zone(desk: Desk) -> None:
    form = replace(ca.read_calendar(desk, cal_id(desk, BUSINESS)),
                   holidays="2026-11-27 Day after Thanksgiving")
    days = ca.next_days(desk, form)
    assert len(days) == 14 and days[0].day == date(2026, 11, 24)  # 10:30 in New York
    assert [d.text for d in days[:5]] == [
        "08:00–18:00 (10 h)",
        "08:00–18:00 (10 h)",
        "closed — holiday: Thanksgiving Day",
        "closed — holiday: Day after Thanksgiving",
        "closed",
    ]
    tokyo = ca.next_days(desk, replace(form, tz="Asia/Tokyo", country=""), days=1)
    assert tokyo[0].day == date(2026, 11, 25)  # already the next morning there
    with pytest.raises(ServiceError, match="Unknown time zone 'Asia/Tokio'"):
        ca.next_days(desk, replace(form, tz="Asia/Tokio"))


def test_delete_is_refused_while_clock_history_uses_the_calendar(desk: Desk) -> None:
    cid = ca.create_calendar(desk, replace(ca.new_form(desk), name="Old hours"))
    with desk.db.session() as s:
        clock = s.exec(select(SlaClock)).first()
        assert clock is not None
        clock.calendar_id = cid  # as if a ticket had run on it before its profile moved
        s.add(clock)
    with pytest.raises(ServiceError) as info:
        ca.delete_calendar(desk, cid)
    assert str(info.value) == ("Old hours measured 1 SLA clock; their history needs it, "
                               "so it cannot be deleted")
    assert "Old hours" in {c.name for c in ca.list_calendars(desk)}
