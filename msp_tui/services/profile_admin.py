"""The SLA profiles settings screen's use cases, on top of `sla_admin`.

`sla_admin` holds the rules (validation, recalculating clocks, auditing); this module
adds what a form needs: a profile read into plain values, the text the admin typed
turned back into typed values with EVERY problem named at once, and "save" twice over:
once in a rolled-back transaction (the what-if), once for real. Both run the very same
`_apply`, so the preview shows what applying would do at that instant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from msp_tui.engine.targets import TargetError, parse_target
from msp_tui.engine.vocabulary import StatusCategory
from msp_tui.services import sla
from msp_tui.services import sla_admin as admin
from msp_tui.services.admin_access import require_admin
from msp_tui.services.admin_edits import fail_if
from msp_tui.services.desk import Desk
from msp_tui.services.sla_admin import DEFAULT_THRESHOLDS, PRIORITIES, TargetSpec, WhatIf
from msp_tui.services.tickets import Actor, ServiceError
from msp_tui.store.db import serialize_writes
from msp_tui.store.models import (
    AuditEvent,
    BusinessCalendarRow,
    SlaProfile,
    SlaProfilePauseStatus,
    Status,
)

TARGET_SYNTAX = "30m minutes · 4h hours · 2bd business days · nbd next business day"


# ---------------------------------------------------------------- plain values


@dataclass(frozen=True)
class TargetRow:
    """One priority's row of the form, as text ("" = not set)."""

    priority: str
    response: str = ""
    resolution: str = ""
    update_interval: str = ""
    calendar_id: int | None = None  # overrides the profile's calendar

    @property
    def empty(self) -> bool:
        return not (self.response.strip() or self.resolution.strip()
                    or self.update_interval.strip())


@dataclass(frozen=True)
class ProfileForm:
    """A profile as the edit form shows it; `id` None is a profile not created yet.

    The numbers are text because that is what the admin types: thresholds "75, 90, 100",
    minutes "" for the engine's default.
    """

    id: int | None
    name: str
    description: str
    calendar_id: int | None
    targets: tuple[TargetRow, ...]  # P1..P4, always four rows
    pause_status_ids: frozenset[int]
    thresholds: str
    near_due_margin: str = ""
    business_day: str = ""

    def target(self, priority: str) -> TargetRow:
        return next(t for t in self.targets if t.priority == priority)


@dataclass(frozen=True)
class TargetLine:
    """A priority's targets for the list, with the override calendar's name."""

    priority: str
    response: str
    resolution: str
    update_interval: str | None
    calendar: str | None


@dataclass(frozen=True)
class ProfileRow:
    """One line of the profiles list (and its detail pane)."""

    id: int
    name: str
    description: str
    calendar: str
    targets: tuple[TargetLine, ...]  # only the priorities that have targets
    pause_statuses: tuple[str, ...]
    thresholds: tuple[int, ...]
    near_due_margin_minutes: int | None
    business_day_minutes: int | None
    clients: tuple[str, ...]
    open_tickets: int

    def target(self, priority: str) -> TargetLine | None:
        return next((t for t in self.targets if t.priority == priority), None)


@dataclass(frozen=True)
class Choice:
    id: int
    name: str


@dataclass(frozen=True)
class StatusChoice:
    id: int
    name: str
    category: str  # open, or paused (those pause anyway: listing them is harmless)


@dataclass(frozen=True)
class FormChoices:
    calendars: tuple[Choice, ...]
    pause_statuses: tuple[StatusChoice, ...]


@dataclass(frozen=True)
class SavePreview:
    """What saving the form would do: due instants moved, and each field changed."""

    what_if: WhatIf
    changes: tuple[str, ...]  # "P2 resolution: 2bd → 1bd"; empty when nothing changed
    creates: bool

    @property
    def headline(self) -> str:
        if self.creates:
            return "A new profile: no ticket runs on it yet, so no due instant moves."
        return headline(self.what_if)


@dataclass(frozen=True)
class Saved:
    profile_id: int
    what_if: WhatIf


# ---------------------------------------------------------------- reads


def profiles(desk: Desk) -> list[ProfileRow]:
    """Every profile by name, with who uses it (what blocks deleting it)."""
    with desk.db.session() as s:
        calendars = _calendar_names(s)
        statuses = {st.id: st.name for st in s.exec(select(Status))}
        pauses: dict[int, list[str]] = {}
        for pause in s.exec(select(SlaProfilePauseStatus)):
            pauses.setdefault(pause.profile_id, []).append(statuses.get(pause.status_id, "?"))
        out = []
        for p in s.exec(select(SlaProfile).order_by(SlaProfile.name)):
            pid: int = p.id  # type: ignore[assignment]
            usage = admin.profile_usage(s, pid)
            targets = tuple(
                TargetLine(prio, t.response, t.resolution, t.update_interval,
                           calendars.get(t.calendar_id) if t.calendar_id else None)
                for prio, t in admin.profile_targets(s, pid).items()
            )
            out.append(ProfileRow(
                id=pid,
                name=p.name,
                description=p.description,
                calendar=calendars.get(p.calendar_id, "?"),
                targets=targets,
                pause_statuses=tuple(sorted(pauses.get(pid, []))),
                thresholds=tuple(p.alert_thresholds or DEFAULT_THRESHOLDS),
                near_due_margin_minutes=p.near_due_margin_minutes,
                business_day_minutes=p.business_day_minutes,
                clients=usage.clients,
                open_tickets=usage.open_tickets,
            ))
        return out


def form_choices(desk: Desk) -> FormChoices:
    """Calendars to pick from, and the statuses a profile may make pause (open and
    paused ones: resolved and closed stop the clocks instead)."""
    with desk.db.session() as s:
        calendars = tuple(Choice(cid, name) for cid, name in sorted(
            _calendar_names(s).items(), key=lambda kv: kv[1]))
        rows = s.exec(
            select(Status)
            .where(Status.category.in_(  # type: ignore[attr-defined]
                (StatusCategory.OPEN.value, StatusCategory.PAUSED.value)))
            .order_by(Status.sort_order)  # type: ignore[arg-type]
        )
        statuses = tuple(StatusChoice(st.id, st.name, st.category)  # type: ignore[arg-type]
                         for st in rows)
    return FormChoices(calendars, statuses)


def profile_form(desk: Desk, profile_id: int) -> ProfileForm:
    with desk.db.session() as s:
        p = s.get(SlaProfile, profile_id)
        if p is None:
            raise ServiceError(f"no SLA profile with id {profile_id}")
        specs = admin.profile_targets(s, profile_id)
        pauses = frozenset(s.exec(select(SlaProfilePauseStatus.status_id).where(
            SlaProfilePauseStatus.profile_id == profile_id)))
        return ProfileForm(
            id=profile_id,
            name=p.name,
            description=p.description,
            calendar_id=p.calendar_id,
            targets=tuple(_row(prio, specs.get(prio)) for prio in PRIORITIES),
            pause_status_ids=pauses,
            thresholds=", ".join(str(v) for v in p.alert_thresholds or DEFAULT_THRESHOLDS),
            near_due_margin=_text(p.near_due_margin_minutes),
            business_day=_text(p.business_day_minutes),
        )


def new_form(desk: Desk) -> ProfileForm:
    """An empty profile on the first calendar that keeps business hours (the usual case)."""
    with desk.db.session() as s:
        first = s.exec(
            select(BusinessCalendarRow.id)
            .order_by(BusinessCalendarRow.always_open, BusinessCalendarRow.name)  # type: ignore[arg-type]
        ).first()
    return ProfileForm(
        id=None, name="", description="", calendar_id=first,
        targets=tuple(TargetRow(p) for p in PRIORITIES), pause_status_ids=frozenset(),
        thresholds=", ".join(str(v) for v in DEFAULT_THRESHOLDS),
    )


# ---------------------------------------------------------------- writes


def preview_save(desk: Desk, form: ProfileForm) -> SavePreview:
    """The what-if of saving `form`: run it in a transaction that is rolled back and
    report the due instants it moves and the fields it changes (read from the audit
    rows the edit wrote, so the list is exactly what applying will log)."""
    require_admin(desk)
    parsed = _parse(form)
    at, actor = desk.clock.now(), desk.actor()

    def run(s: Session) -> tuple[list[sla.DueShift], tuple[str, ...]]:
        fail_if(problems(s, form, parsed), sep="\n")
        mark = s.exec(select(sa.func.max(AuditEvent.id))).one() or 0
        _, shifts = _apply(s, form, parsed, at, actor)
        s.flush()
        # Only this edit's rows: another process may commit audit rows meanwhile.
        stmt = select(AuditEvent).where(
            AuditEvent.id > mark,  # type: ignore[operator]
            AuditEvent.entity == "sla_profile",
            AuditEvent.actor == actor.name,
        )
        if form.id is not None:
            stmt = stmt.where(AuditEvent.entity_id == form.id)
        rows = s.exec(stmt.order_by(AuditEvent.id)).all()  # type: ignore[arg-type]
        return shifts, tuple(_change_text(r) for r in rows)

    shifts, changes = admin.preview(desk.db, run)
    return SavePreview(admin.summarize(shifts), changes, creates=form.id is None)


def save(desk: Desk, form: ProfileForm) -> Saved:
    """Create or update the profile in one transaction (clocks recalculated, audited)."""
    require_admin(desk)
    parsed = _parse(form)
    with desk.db.session() as s:
        serialize_writes(s)  # the name check and the write see no other console between
        fail_if(problems(s, form, parsed), sep="\n")
        pid, shifts = _apply(s, form, parsed, desk.clock.now(), desk.actor())
    return Saved(pid, admin.summarize(shifts))


def clone(desk: Desk, profile_id: int, new_name: str) -> int:
    """A copy of the profile under a new name; returns its id."""
    require_admin(desk)
    with desk.db.session() as s:
        serialize_writes(s)
        copy = admin.clone_profile(s, profile_id, new_name, at=desk.clock.now(),
                                   actor=desk.actor())
        return copy.id  # type: ignore[return-value]


def check_delete(desk: Desk, profile_id: int) -> None:
    """Raise the service's refusal ("Gold is used by 3 clients (…)") before asking the
    admin to confirm; the trial delete is rolled back."""
    require_admin(desk)
    at, actor = desk.clock.now(), desk.actor()
    admin.preview(desk.db, lambda s: admin.delete_profile(s, profile_id, at=at, actor=actor))


def delete(desk: Desk, profile_id: int) -> None:
    require_admin(desk)
    with desk.db.session() as s:
        serialize_writes(s)  # a client put on it meanwhile is seen by the usage check
        admin.delete_profile(s, profile_id, at=desk.clock.now(), actor=desk.actor())


def headline(what_if: WhatIf) -> str:
    """E.g. "5 due instants on 3 tickets move: up to 1 d 3 h later, up to 2 h earlier"."""
    w = what_if
    if not (w.moved or w.cleared or w.appeared):
        n = w.recalculated
        if n:
            return f"No due instant moves ({n} clock{'s' if n != 1 else ''} recalculated)."
        return "No due instant moves."
    on = f" on {w.tickets} ticket{'s' if w.tickets != 1 else ''}"
    parts = []
    if w.moved:
        spans = [f"up to {admin.format_span(span)} {word}"
                 for span, word in ((w.later, "later"), (w.earlier, "earlier")) if span]
        verb = "moves" if w.moved == 1 else "move"
        parts.append(f"{w.moved} due instant{'s' if w.moved != 1 else ''}{on} {verb}"
                     + (": " + ", ".join(spans) if spans else ""))
        on = ""
    if w.cleared:
        parts.append(f"{w.cleared} due instant{'s' if w.cleared != 1 else ''}{on} cleared"
                     " (paused or ended)")
        on = ""
    if w.appeared:
        parts.append(f"{w.appeared} new due instant{'s' if w.appeared != 1 else ''}{on}"
                     " (resumed)")
    return "; ".join(parts) + "."


# ---------------------------------------------------------------- the form's text


@dataclass(frozen=True)
class _Parsed:
    targets: dict[str, TargetSpec | None]
    thresholds: list[int]
    near_due_margin: int | None
    business_day: int | None
    syntax: tuple[str, ...] = ()  # what could not be read; those fields are left out


def problems(s: Session, form: ProfileForm, parsed: _Parsed) -> list[str]:
    """Every problem of the form, one message each: what could not be read, then what
    `sla_admin` would refuse (ranges, order, a name taken, calendars and statuses that
    do not exist, targets still in use), checked here all at once because
    `create_profile` and `update_profile` stop at the first. Run in the saving session
    so the name and usage checks see what the write will see."""
    found: list[str | None] = list(parsed.syntax)
    current = None
    if form.id is not None and (current := s.get(SlaProfile, form.id)) is None:
        found.append(f"no SLA profile with id {form.id}")
    name = form.name.strip()
    if name and (current is None or name != current.name):
        found.append(admin.profile_name_problem(s, name, form.id))
    if form.calendar_id is not None:
        found.append(admin.calendar_problem(s, form.calendar_id, "calendar"))
    found += admin.target_problems(s, parsed.targets)
    if current is not None:
        dropped = [p for p, spec in parsed.targets.items() if spec is None]
        found += admin.dropped_target_problems(s, current.id, dropped)  # type: ignore[arg-type]
    found += admin.pause_status_problems(s, form.pause_status_ids)
    found += admin.threshold_problems(parsed.thresholds)
    found += admin.minutes_problems(parsed.near_due_margin, parsed.business_day)
    return [msg for msg in found if msg]


def _parse(form: ProfileForm) -> _Parsed:
    """The typed values of the form and what could not be read (one message each); a
    field that cannot be read is left out, so `problems` checks the rest."""
    unread: list[str] = []
    if not form.name.strip():
        unread.append("a profile needs a name")
    if form.calendar_id is None:
        unread.append("choose the profile's calendar")
    targets: dict[str, TargetSpec | None] = {}
    for row in form.targets:
        p = row.priority
        if row.empty:
            targets[p] = None
            continue
        specs: dict[str, str | None] = {}
        for field, text, required in (("response", row.response, True),
                                      ("resolution", row.resolution, True),
                                      ("update interval", row.update_interval, False)):
            if not text.strip():
                if required:
                    unread.append(f"{p} {field}: missing (or clear the whole {p} row)")
                specs[field] = None
                continue
            try:
                specs[field] = parse_target(text).spec
            except TargetError as exc:
                unread.append(f"{p} {field}: {exc}")
        if len(specs) == 3 and specs["response"] and specs["resolution"]:
            targets[p] = TargetSpec(specs["response"], specs["resolution"],
                                    specs["update interval"], row.calendar_id)
    thresholds: list[int] = []
    for token in (t for t in re.split(r"[,;\s]+", form.thresholds.strip()) if t):
        token = token.rstrip("%")
        if token.isdigit():
            thresholds.append(int(token))
        else:
            unread.append(f"alert thresholds: {token!r} is not a whole percentage 1-100")
    margin = _minutes(form.near_due_margin, "near-due margin", unread)
    day = _minutes(form.business_day, "business day", unread)
    return _Parsed(targets, thresholds, margin, day, tuple(unread))


def _minutes(text: str, field: str, unread: list[str]) -> int | None:
    clean = text.strip().removesuffix("min").removesuffix("m").strip()
    if not clean:
        return None
    if not clean.isdigit():
        unread.append(f"{field}: {text.strip()!r} is not a whole number of minutes")
        return None
    return int(clean)


def _apply(
    s: Session, form: ProfileForm, parsed: _Parsed, at: datetime, actor: Actor
) -> tuple[int, list[sla.DueShift]]:
    """Create or update from the parsed form in the caller's session."""
    assert form.calendar_id is not None  # `problems` refused it otherwise
    if form.id is None:
        profile = admin.create_profile(
            s,
            name=form.name,
            description=form.description,
            calendar_id=form.calendar_id,
            targets={p: t for p, t in parsed.targets.items() if t is not None},
            at=at,
            actor=actor,
            near_due_margin_minutes=parsed.near_due_margin,
            business_day_minutes=parsed.business_day,
            alert_thresholds=parsed.thresholds,
            pause_status_ids=form.pause_status_ids,
        )
        return profile.id, []  # type: ignore[return-value]
    shifts = admin.update_profile(
        s,
        form.id,
        at=at,
        actor=actor,
        name=form.name,
        description=form.description,
        calendar_id=form.calendar_id,
        targets=parsed.targets,
        near_due_margin_minutes=parsed.near_due_margin,
        business_day_minutes=parsed.business_day,
        alert_thresholds=parsed.thresholds,
        pause_status_ids=form.pause_status_ids,
    )
    return form.id, shifts


# ---------------------------------------------------------------- helpers


def _row(priority: str, spec: TargetSpec | None) -> TargetRow:
    if spec is None:
        return TargetRow(priority)
    return TargetRow(priority, spec.response, spec.resolution, spec.update_interval or "",
                     spec.calendar_id)


def _text(value: int | None) -> str:
    return "" if value is None else str(value)


def _calendar_names(s: Session) -> dict[int, str]:
    return {c.id: c.name for c in s.exec(select(BusinessCalendarRow))}  # type: ignore[misc]


def _change_text(row: AuditEvent) -> str:
    field = row.field.replace("_", " ")
    if row.field == "created":
        return f"new profile {row.new_value}"
    return f"{field}: {row.old_value or '—'} → {row.new_value or '—'}"

