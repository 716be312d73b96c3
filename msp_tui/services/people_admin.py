"""Editing who works at the desk: technicians, groups, group leads and members.

Admins only (`require_admin`); one short transaction per call, every problem named in
one `ServiceError`, one audit row per changed field, the change sequence bumped.
Each write takes the write lock first (`serialize_writes`), so what it checked (the
last admin, a lead, a rule naming someone) still holds when it commits, even when two
consoles save at once.

Guards that keep the desk usable:
- the last active admin cannot be deactivated or lose the admin role (nobody could
  change settings afterwards), and nobody deactivates themselves;
- deactivating someone who still holds open tickets is allowed (people leave), but the
  result says how many, so the admin reassigns them; their on-call flag is cleared so
  nobody pages them;
- deactivating a group's lead or someone an assignment rule names (technician, notify)
  is refused, naming the groups and rules: tickets and alerts would go to nobody;
- a group's lead is an active member (choosing a non-member makes them one), and the
  lead is not removed from the group while they lead it;
- the group hand-off sends tickets to is found by its name, so that one is not renamed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlmodel import Session, select

from msp_tui.engine.contact_rules import is_email
from msp_tui.engine.vocabulary import Role, Tier
from msp_tui.services.admin_access import require_admin
from msp_tui.services.admin_edits import audit_changes, clean_text, existing, fail_if, plural
from msp_tui.services.assignment import open_loads
from msp_tui.services.desk import Desk
from msp_tui.services.handoff import TIER2_GROUP
from msp_tui.services.sla_admin import UNSET, Unset
from msp_tui.services.tickets import ServiceError
from msp_tui.store.db import bump_change_seq, serialize_writes
from msp_tui.store.models import (
    AssignmentRule,
    GroupMember,
    TechGroup,
    Technician,
)

# ---------------------------------------------------------------- reads


@dataclass(frozen=True)
class TechnicianRow:
    id: int
    name: str
    email: str
    role: str
    tier: str
    on_call: bool
    active: bool
    timezone: str | None
    open_tickets: int  # assigned tickets whose status is open or paused


@dataclass(frozen=True)
class MemberView:
    id: int
    name: str
    active: bool


@dataclass(frozen=True)
class GroupRow:
    id: int
    name: str
    lead_id: int | None
    lead_name: str | None
    members: tuple[MemberView, ...]  # by name


def technicians(desk: Desk) -> list[TechnicianRow]:
    """Everyone, active first, by name."""
    with desk.db.session() as s:
        counts = open_loads(s, list(s.exec(select(Technician.id)).all()))  # type: ignore[arg-type]
        rows = sorted(s.exec(select(Technician)), key=lambda t: (not t.active, t.name.lower()))
        return [
            TechnicianRow(t.id, t.name, t.email, t.role, t.tier, t.on_call, t.active,  # type: ignore[arg-type]
                          t.timezone, counts.get(t.id, 0))  # type: ignore[arg-type]
            for t in rows
        ]


def groups(desk: Desk) -> list[GroupRow]:
    with desk.db.session() as s:
        techs = {t.id: t for t in s.exec(select(Technician))}
        members: dict[int, list[MemberView]] = {}
        for m in s.exec(select(GroupMember)):
            t = techs.get(m.technician_id)
            if t is not None:
                members.setdefault(m.group_id, []).append(MemberView(t.id, t.name, t.active))  # type: ignore[arg-type]
        out: list[GroupRow] = []
        for g in sorted(s.exec(select(TechGroup)), key=lambda g: g.name.lower()):
            lead = techs.get(g.lead_id) if g.lead_id else None
            listed = tuple(sorted(members.get(g.id, []), key=lambda m: m.name.lower()))  # type: ignore[arg-type]
            out.append(GroupRow(g.id, g.name, g.lead_id, lead.name if lead else None, listed))  # type: ignore[arg-type]
        return out


# ---------------------------------------------------------------- technicians


def _technician(s: Session, technician_id: int) -> Technician:
    return existing(s, Technician, technician_id, "technician")


def _email(s: Session, value: str, technician_id: int | None, problems: list[str]) -> str:
    clean = (value or "").strip().lower()
    if not clean:
        problems.append("an email address is required")
    elif not is_email(clean):  # the rule of the client form and the CSV import
        problems.append(f"{clean!r} is not an email address")
    else:
        other = s.exec(select(Technician).where(sa.func.lower(Technician.email) == clean)).first()
        if other is not None and other.id != technician_id:
            problems.append(f"{clean} is already the email of {other.name}")
    return clean


def _choice(value: str, kind: type[Role] | type[Tier], what: str, problems: list[str]) -> str:
    try:
        return kind(value).value
    except ValueError:
        problems.append(f"unknown {what} {value!r}; choose one of "
                        + ", ".join(v.value for v in kind))
        return value


def _zone(value: str | None, problems: list[str]) -> str | None:
    clean = (value or "").strip()
    if not clean:
        return None
    try:
        ZoneInfo(clean)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"unknown time zone {clean!r} (an IANA name, e.g. 'Europe/London')")
    return clean


def _other_active_admins(s: Session, technician_id: int) -> int:
    return int(s.execute(
        sa.select(sa.func.count()).select_from(Technician).where(
            Technician.role == Role.ADMIN.value, Technician.active,  # type: ignore[arg-type]
            Technician.id != technician_id,
        )
    ).scalar_one())


def add_technician(
    desk: Desk,
    *,
    name: str,
    email: str,
    role: str = Role.TECHNICIAN.value,
    tier: str = Tier.TIER1.value,
    timezone: str | None = None,
    on_call: bool = False,
) -> int:
    """A new active technician; returns their id."""
    require_admin(desk)
    problems: list[str] = []
    clean = clean_text(name, "a name", 200, problems)
    new_role = _choice(role, Role, "role", problems)
    new_tier = _choice(tier, Tier, "tier", problems)
    zone = _zone(timezone, problems)
    with desk.db.session() as s:
        serialize_writes(s)
        mail = _email(s, email, None, problems)
        fail_if(problems)
        row = Technician(name=clean, email=mail, role=new_role, tier=new_tier, timezone=zone,
                         on_call=on_call)
        s.add(row)
        s.flush()
        rid: int = row.id  # type: ignore[assignment]
        audit_changes(s, desk.clock.now(), desk.actor(), "technician", rid,
               [("created", None, clean), ("email", None, mail), ("role", None, new_role),
                ("tier", None, new_tier), ("timezone", None, zone),
                ("on_call", None, True if on_call else None)])
        bump_change_seq(s)
        return rid


def edit_technician(
    desk: Desk,
    technician_id: int,
    *,
    name: str | Unset = UNSET,
    email: str | Unset = UNSET,
    role: str | Unset = UNSET,
    tier: str | Unset = UNSET,
    timezone: str | Unset | None = UNSET,
) -> None:
    """Change a technician's details; the last active admin keeps the admin role."""
    require_admin(desk)
    problems: list[str] = []
    with desk.db.session() as s:
        serialize_writes(s)
        row = _technician(s, technician_id)
        new_name = row.name if name is UNSET else clean_text(name, "a name", 200, problems)
        new_email = row.email if email is UNSET else _email(s, email, technician_id, problems)
        new_role = row.role if role is UNSET else _choice(role, Role, "role", problems)
        new_tier = row.tier if tier is UNSET else _choice(tier, Tier, "tier", problems)
        new_zone = row.timezone if timezone is UNSET else _zone(timezone, problems)
        if (row.role == Role.ADMIN and new_role != Role.ADMIN and row.active
                and not _other_active_admins(s, technician_id)):
            problems.append(
                f"{row.name} is the only active admin; make someone else admin first, or "
                "nobody could change settings"
            )
        fail_if(problems)
        changes = [("name", row.name, new_name), ("email", row.email, new_email),
                   ("role", row.role, new_role), ("tier", row.tier, new_tier),
                   ("timezone", row.timezone, new_zone)]
        if all(old == new for _, old, new in changes):
            return
        row.name, row.email, row.role = new_name, new_email, new_role
        row.tier, row.timezone = new_tier, new_zone
        s.add(row)
        audit_changes(s, desk.clock.now(), desk.actor(), "technician", technician_id, changes)
        bump_change_seq(s)
    _forget_me(desk, technician_id)


def _forget_me(desk: Desk, technician_id: int) -> None:
    """"Me" is looked up once per desk: re-read it after editing that person."""
    me = desk.me()
    if me is not None and me.id == technician_id:
        desk._me = None


def set_on_call(desk: Desk, technician_id: int, on_call: bool) -> None:
    """Whether escalations page this person; only active technicians go on call."""
    require_admin(desk)
    with desk.db.session() as s:
        serialize_writes(s)
        row = _technician(s, technician_id)
        if row.on_call == on_call:
            return
        if on_call and not row.active:
            raise ServiceError(f"{row.name} is inactive; reactivate them before putting them "
                               "on call")
        row.on_call = on_call
        s.add(row)
        audit_changes(s, desk.clock.now(), desk.actor(), "technician", technician_id,
               [("on_call", not on_call, on_call)])
        bump_change_seq(s)


@dataclass(frozen=True)
class ActiveChange:
    """What (de)activating a technician did; `describe` is what the screen says."""

    name: str
    active: bool
    open_tickets: int  # open or paused tickets still assigned to them
    was_on_call: bool = False

    def describe(self) -> str:
        if self.active:
            return f"{self.name} is active again"
        text = f"{self.name} is deactivated"
        if self.was_on_call:
            text += " and off call"
        if self.open_tickets:
            text += (f"; they still hold {plural(self.open_tickets, 'open ticket')}: "
                     "reassign them")
        return text


def set_technician_active(desk: Desk, technician_id: int, active: bool) -> ActiveChange:
    """Deactivate someone who left (they disappear from pickers and assignment; their
    open tickets stay theirs until reassigned, and the result counts them), or bring
    them back."""
    require_admin(desk)
    me = desk.me()
    with desk.db.session() as s:
        serialize_writes(s)
        row = _technician(s, technician_id)
        held = open_loads(s, [technician_id]).get(technician_id, 0)
        if row.active == active:
            return ActiveChange(row.name, active, held)
        problems: list[str] = []
        if not active:
            if me is not None and me.id == technician_id:
                problems.append("you cannot deactivate yourself; ask another admin")
            elif row.role == Role.ADMIN and not _other_active_admins(s, technician_id):
                problems.append(f"{row.name} is the only active admin; make someone else "
                                "admin first")
            if reliance := _relied_on(s, row):
                problems.append(reliance)
        fail_if(problems)
        changes: list[tuple[str, object, object]] = [("active", row.active, active)]
        was_on_call = row.on_call and not active
        if was_on_call:
            changes.append(("on_call", True, False))
            row.on_call = False
        row.active = active
        s.add(row)
        audit_changes(s, desk.clock.now(), desk.actor(), "technician", technician_id, changes)
        bump_change_seq(s)
        return ActiveChange(row.name, active, held, was_on_call)


def _relied_on(s: Session, row: Technician) -> str | None:
    """Why `row` cannot be deactivated yet: groups they lead (their tickets' lead alerts
    and notifications go to the lead) and assignment rules that send them tickets or
    notifications by id. Escalation rules name roles (team lead, on call), never a
    person, so leading a group covers them."""
    led = list(s.exec(select(TechGroup.name).where(TechGroup.lead_id == row.id)
                      .order_by(TechGroup.name)))
    rules = [
        rule.name for rule in s.exec(select(AssignmentRule).order_by(
            AssignmentRule.position, AssignmentRule.id))  # type: ignore[arg-type]
        if row.id in _technicians_named(rule.actions or {})
    ]
    if not led and not rules:
        return None
    what: list[str] = []
    todo: list[str] = []
    if led:
        what.append(f"leads {_and(led)}")
        todo.append("choose another lead")
    if rules:
        noun = "assignment rule" if len(rules) == 1 else "assignment rules"
        what.append(f"is named by {noun} {_and([repr(r) for r in rules])}")
        todo.append("edit the rule" if len(rules) == 1 else "edit the rules")
    return f"{row.name} {' and '.join(what)}: {' and '.join(todo)} first"


def _technicians_named(actions: Mapping[str, Any]) -> set[int]:
    named = [actions.get("technician")]
    notify = actions.get("notify", [])
    named += notify if isinstance(notify, list) else [notify]
    return {n for n in named if isinstance(n, int) and not isinstance(n, bool)}


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


# ---------------------------------------------------------------- groups


def _group(s: Session, group_id: int) -> TechGroup:
    return existing(s, TechGroup, group_id, "group")


def _group_name(s: Session, value: str, group_id: int | None, problems: list[str]) -> str:
    clean = clean_text(value, "a group name", 100, problems)
    if clean:
        clash = [g for g in s.exec(select(TechGroup))
                 if g.name.lower() == clean.lower() and g.id != group_id]
        if clash:
            problems.append(f"there is already a group named {clash[0].name!r}")
    return clean


def _is_member(s: Session, group_id: int, technician_id: int) -> bool:
    return s.get(GroupMember, (group_id, technician_id)) is not None


def _active_technician(s: Session, technician_id: int, problems: list[str]) -> Technician | None:
    tech = s.get(Technician, technician_id)
    if tech is None:
        problems.append(f"no technician with id {technician_id}")
        return None
    if not tech.active:
        problems.append(f"{tech.name} is inactive")
    return tech


def add_group(desk: Desk, name: str, lead_id: int | None = None) -> int:
    """A new group, optionally with its lead (who becomes its first member)."""
    require_admin(desk)
    problems: list[str] = []
    with desk.db.session() as s:
        serialize_writes(s)
        clean = _group_name(s, name, None, problems)
        lead = _active_technician(s, lead_id, problems) if lead_id is not None else None
        fail_if(problems)
        row = TechGroup(name=clean, lead_id=lead_id)
        s.add(row)
        s.flush()
        gid: int = row.id  # type: ignore[assignment]
        changes: list[tuple[str, object, object]] = [("created", None, clean)]
        if lead is not None:
            s.add(GroupMember(group_id=gid, technician_id=lead_id))  # type: ignore[arg-type]
            changes += [("member", None, lead.name), ("lead", None, lead.name)]
        audit_changes(s, desk.clock.now(), desk.actor(), "tech_group", gid, changes)
        bump_change_seq(s)
        return gid


def edit_group(
    desk: Desk,
    group_id: int,
    *,
    name: str | Unset = UNSET,
    lead_id: int | Unset | None = UNSET,
) -> None:
    """Rename a group and/or set its lead (None: no lead). A lead who is not a member
    yet becomes one; the lead must be active."""
    require_admin(desk)
    problems: list[str] = []
    with desk.db.session() as s:
        serialize_writes(s)
        row = _group(s, group_id)
        new_name = row.name if name is UNSET else _group_name(s, name, group_id, problems)
        if new_name != row.name and row.name == TIER2_GROUP:
            problems.append(f"hand-off to Tier 2 finds the {TIER2_GROUP!r} group by its name, "
                            "so it keeps it")
        new_lead = row.lead_id if lead_id is UNSET else lead_id
        lead: Technician | None = None
        if new_lead is not None and new_lead != row.lead_id:
            lead = _active_technician(s, new_lead, problems)
        fail_if(problems)
        old_lead = s.get(Technician, row.lead_id) if row.lead_id else None
        changes: list[tuple[str, object, object]] = [("name", row.name, new_name)]
        if new_lead != row.lead_id:
            if lead is not None and not _is_member(s, group_id, new_lead):  # type: ignore[arg-type]
                s.add(GroupMember(group_id=group_id, technician_id=new_lead))  # type: ignore[arg-type]
                changes.append(("member", None, lead.name))
            changes.append(("lead", old_lead.name if old_lead else None,
                            lead.name if lead else None))
        if all(old == new for _, old, new in changes):
            return
        row.name, row.lead_id = new_name, new_lead
        s.add(row)
        audit_changes(s, desk.clock.now(), desk.actor(), "tech_group", group_id, changes)
        bump_change_seq(s)


def add_members(desk: Desk, group_id: int, technician_ids: Sequence[int]) -> None:
    """Put active technicians in a group (all or none)."""
    require_admin(desk)
    problems: list[str] = []
    with desk.db.session() as s:
        serialize_writes(s)
        row = _group(s, group_id)
        added: list[Technician] = []
        for tid in dict.fromkeys(technician_ids):
            tech = _active_technician(s, tid, problems)
            if tech is None:
                continue
            if _is_member(s, group_id, tid):
                problems.append(f"{tech.name} is already in {row.name}")
            else:
                added.append(tech)
        if not technician_ids:
            problems.append("choose someone to add")
        fail_if(problems)
        for tech in added:
            s.add(GroupMember(group_id=group_id, technician_id=tech.id))  # type: ignore[arg-type]
        audit_changes(s, desk.clock.now(), desk.actor(), "tech_group", group_id,
               [("member", None, t.name) for t in added])
        bump_change_seq(s)


def remove_member(desk: Desk, group_id: int, technician_id: int) -> None:
    """Take someone out of a group; not its lead (choose another lead first)."""
    require_admin(desk)
    with desk.db.session() as s:
        serialize_writes(s)
        row = _group(s, group_id)
        tech = _technician(s, technician_id)
        link = s.get(GroupMember, (group_id, technician_id))
        if link is None:
            raise ServiceError(f"{tech.name} is not in {row.name}")
        if row.lead_id == technician_id:
            raise ServiceError(f"{tech.name} leads {row.name}; choose another lead (or none) "
                               "before removing them")
        s.delete(link)
        audit_changes(s, desk.clock.now(), desk.actor(), "tech_group", group_id,
               [("member", tech.name, None)])
        bump_change_seq(s)
