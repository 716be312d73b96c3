"""Business calendars as the settings screen manages them: list, read, check, create,
edit (with the what-if first), delete, and the next days at a glance.

Edits go through `sla_admin.update_calendar`, so every running clock on the calendar is
recalculated in the same transaction; `preview_update` runs that very call in a
rolled-back transaction and says how far due instants would move. Forms are checked as a
whole (`calendar_edit.check_form`) so the admin sees every problem at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from msp_tui.engine.calendar_edit import (
    CalendarForm,
    CalendarFormError,
    CalendarSpec,
    TimelineDay,
    check_form,
    format_windows,
    hours_summary,
    timeline,
)
from msp_tui.services import sla, sla_admin
from msp_tui.services.admin_access import require_admin
from msp_tui.services.desk import Desk
from msp_tui.services.local_zone import my_zone
from msp_tui.services.sla_admin import WhatIf
from msp_tui.services.tickets import Actor, ServiceError, audit
from msp_tui.store.db import bump_change_seq, serialize_writes
from msp_tui.store.models import (
    BusinessCalendarRow,
    CalendarHoliday,
    SlaClock,
    SlaProfile,
    SlaTarget,
)

ENTITY = "business_calendar"
DEFAULT_DAYS = ("09:00-17:00",) * 5 + ("", "")


@dataclass(frozen=True)
class CalendarSummary:
    """One line of the calendars list."""

    id: int
    name: str
    tz: str
    always_open: bool
    hours: str  # "Mon–Fri 08:00–18:00", "24/7"
    holidays: str  # "US public, 2 dates", "none"
    used_by: tuple[str, ...]  # "Gold", "Gold P1 (override)"


# ---------------------------------------------------------------- reads


def list_calendars(desk: Desk) -> list[CalendarSummary]:
    with desk.db.session() as s:
        rows = s.exec(select(BusinessCalendarRow).order_by(BusinessCalendarRow.name)).all()
        counts = dict(
            s.execute(
                sa.select(CalendarHoliday.calendar_id, sa.func.count()).group_by(
                    CalendarHoliday.calendar_id
                )
            ).all()
        )
        out = []
        for row in rows:
            cid: int = row.id  # type: ignore[assignment]
            weekly = {int(d): w for d, w in (row.weekly or {}).items()}
            out.append(
                CalendarSummary(
                    id=cid,
                    name=row.name,
                    tz=row.tz,
                    always_open=row.always_open,
                    hours=hours_summary(row.always_open, weekly),
                    holidays=_holiday_source(row, counts.get(cid, 0)),
                    used_by=usage(s, cid),
                )
            )
        return out


def read_calendar(desk: Desk, calendar_id: int) -> CalendarForm:
    """A stored calendar as the form shows it."""
    with desk.db.session() as s:
        row = _row(s, calendar_id)
        weekly = row.weekly or {}
        holidays = s.exec(
            select(CalendarHoliday)
            .where(CalendarHoliday.calendar_id == calendar_id)
            .order_by(CalendarHoliday.day)  # type: ignore[arg-type]
        ).all()
        return CalendarForm(
            name=row.name,
            tz=row.tz,
            always_open=row.always_open,
            days=tuple(format_windows(weekly.get(str(d), ())) for d in range(7)),
            country=row.holiday_country or "",
            subdivision=row.holiday_subdivision or "",
            holidays="\n".join(f"{h.day.isoformat()} {h.name}".rstrip() for h in holidays),
        )


def new_form(desk: Desk) -> CalendarForm:
    """A blank calendar to start from: Monday-Friday 09:00-17:00 in my zone (else the desk's
    home; a stored name the tz database lacks is never proposed: the form would refuse it)."""
    return CalendarForm(name="", tz=my_zone(desk), days=DEFAULT_DAYS)


def usage(s: Session, calendar_id: int) -> tuple[str, ...]:
    """Profiles on the calendar, then priority overrides ("Gold P1 (override)")."""
    profiles = s.exec(
        select(SlaProfile.name)
        .where(SlaProfile.calendar_id == calendar_id)
        .order_by(SlaProfile.name)
    ).all()
    overrides = s.exec(
        select(SlaProfile.name, SlaTarget.priority)
        .join(SlaProfile, SlaProfile.id == SlaTarget.profile_id)  # type: ignore[arg-type]
        .where(SlaTarget.calendar_id == calendar_id)
        .order_by(SlaProfile.name, SlaTarget.priority)
    ).all()
    return (*profiles, *(f"{name} {priority} (override)" for name, priority in overrides))


def next_days(desk: Desk, form: CalendarForm, days: int = 14) -> list[TimelineDay]:
    """The form's calendar (saved or not) for `days` local days from today in its zone;
    raises ServiceError listing the form's problems when it cannot be built."""
    spec = _check(form)
    cal = spec.calendar()
    today = desk.clock.now().astimezone(cal.zone).date()
    return timeline(cal, today, days, names=dict(spec.holidays))


# ---------------------------------------------------------------- checks


def check(desk: Desk, form: CalendarForm, calendar_id: int | None = None) -> CalendarSpec:
    """Every problem of the form at once, plus a name another calendar already has."""
    with desk.db.session() as s:
        return _check(form, s, calendar_id)


def _check(
    form: CalendarForm, s: Session | None = None, calendar_id: int | None = None
) -> CalendarSpec:
    problems: list[str] = []
    spec: CalendarSpec | None = None
    try:
        spec = check_form(form)
    except CalendarFormError as exc:
        problems += exc.problems
    if s is not None:
        name = form.name.strip()
        other = sla_admin.name_taken(s, BusinessCalendarRow, name, calendar_id) if name else None
        if other is not None:
            problems.insert(0, f"There is already a calendar named {other!r}")
    if problems or spec is None:
        raise ServiceError("\n".join(problems))
    return spec


# ---------------------------------------------------------------- writes


def create_calendar(desk: Desk, form: CalendarForm) -> int:
    """A new calendar (nothing uses it yet); returns its id."""
    require_admin(desk)
    with desk.db.session() as s:
        serialize_writes(s)  # the name checked stays free until commit
        spec = _check(form, s)
        row = BusinessCalendarRow(
            name=spec.name,
            tz=spec.tz,
            always_open=spec.always_open,
            weekly=_stored(spec),
            holiday_country=spec.country,
            holiday_subdivision=spec.subdivision,
        )
        s.add(row)
        s.flush()
        cid: int = row.id  # type: ignore[assignment]
        for day, name in spec.holidays:
            s.add(CalendarHoliday(calendar_id=cid, day=day, name=name))
        audit(s, at=desk.clock.now(), actor=desk.actor(), entity=ENTITY, entity_id=cid,
              field="created", old=None, new=spec.calendar().describe())
        bump_change_seq(s)
        return cid


def preview_update(desk: Desk, calendar_id: int, form: CalendarForm) -> WhatIf:
    """What saving the form would do to due instants; nothing is written."""
    require_admin(desk)
    with desk.db.session() as s:
        spec = _check(form, s, calendar_id)
    at, actor = desk.clock.now(), desk.actor()
    shifts = sla_admin.preview(desk.db, lambda s: _apply(s, calendar_id, spec, at, actor))
    return sla_admin.summarize(shifts)


def update_calendar(desk: Desk, calendar_id: int, form: CalendarForm) -> WhatIf:
    """Save the form: running clocks on the calendar are recalculated in the same
    transaction (consumed time kept). Returns what moved."""
    require_admin(desk)
    with desk.db.session() as s:
        serialize_writes(s)  # the name checked stays free until commit
        spec = _check(form, s, calendar_id)
        shifts = _apply(s, calendar_id, spec, desk.clock.now(), desk.actor())
        return sla_admin.summarize(shifts)


def delete_calendar(desk: Desk, calendar_id: int) -> None:
    """Delete a calendar nothing depends on; refused, naming who, while a profile or a
    priority override uses it or SLA clocks (their history) were counted on it."""
    require_admin(desk)
    with desk.db.session() as s:
        serialize_writes(s)
        row = _row(s, calendar_id)
        users = usage(s, calendar_id)
        if users:
            raise ServiceError(f"{row.name} is used by {_names(users)}; move them first")
        clocks = s.exec(
            select(sa.func.count()).select_from(SlaClock).where(
                SlaClock.calendar_id == calendar_id
            )
        ).one()
        if clocks:
            raise ServiceError(
                f"{row.name} measured {clocks} SLA clock{'s' if clocks != 1 else ''}; "
                "their history needs it, so it cannot be deleted"
            )
        s.execute(sa.delete(CalendarHoliday).where(
            CalendarHoliday.calendar_id == calendar_id  # type: ignore[arg-type]
        ))
        s.delete(row)
        audit(s, at=desk.clock.now(), actor=desk.actor(), entity=ENTITY, entity_id=calendar_id,
              field="deleted", old=row.name, new=None)
        bump_change_seq(s)


# ---------------------------------------------------------------- helpers


def _apply(
    s: Session, calendar_id: int, spec: CalendarSpec, at: datetime, actor: Actor
) -> list[sla.DueShift]:
    """The edit itself, in the caller's transaction: hours, zone and holiday dates via
    `sla_admin.update_calendar` (which recalculates clocks), then the holiday names."""
    shifts = sla_admin.update_calendar(
        s,
        calendar_id,
        at=at,
        actor=actor,
        name=spec.name,
        tz=spec.tz,
        always_open=spec.always_open,
        weekly={d: list(w) for d, w in spec.weekly.items()},
        holidays=[d for d, _ in spec.holidays],
        country=spec.country,
        subdivision=spec.subdivision,
    )
    names = dict(spec.holidays)
    rows = s.exec(select(CalendarHoliday).where(CalendarHoliday.calendar_id == calendar_id))
    old, new = [], []
    for row in sorted(rows, key=lambda r: r.day):
        wanted = names.get(row.day, "")
        if row.name != wanted:
            old.append(f"{row.day.isoformat()} {row.name or '(unnamed)'}")
            new.append(f"{row.day.isoformat()} {wanted or '(unnamed)'}")
            row.name = wanted
            s.add(row)
    if old:
        audit(s, at=at, actor=actor, entity=ENTITY, entity_id=calendar_id,
              field="holiday names", old="; ".join(old), new="; ".join(new))
        bump_change_seq(s)
    return shifts


def _stored(spec: CalendarSpec) -> dict[str, list[list[str]]]:
    if spec.always_open:
        return {}
    return {str(d): [list(w) for w in spec.weekly[d]] for d in sorted(spec.weekly)}


def _row(s: Session, calendar_id: int) -> BusinessCalendarRow:
    row = s.get(BusinessCalendarRow, calendar_id)
    if row is None:
        raise ServiceError(f"no business calendar with id {calendar_id}")
    return row


def _holiday_source(row: BusinessCalendarRow, explicit: int) -> str:
    parts = []
    if row.holiday_country:
        region = row.holiday_country + (
            f"-{row.holiday_subdivision}" if row.holiday_subdivision else ""
        )
        parts.append(f"{region} public")
    if explicit:
        parts.append(f"{explicit} date{'s' if explicit != 1 else ''}")
    return ", ".join(parts) or "none"


def _names(names: Iterable[str]) -> str:
    names = list(names)
    return ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")


__all__ = [
    "CalendarForm",
    "CalendarSummary",
    "check",
    "create_calendar",
    "delete_calendar",
    "list_calendars",
    "new_form",
    "next_days",
    "preview_update",
    "read_calendar",
    "update_calendar",
    "usage",
]
