"""Editing the desk's reference data: categories, statuses, priorities, resolution codes.

Admins only (`require_admin`). Each call is one short transaction that validates all of
its input first and raises one `ServiceError` naming every problem, so nothing is half
written; each changed field gets its own audit row and the change sequence moves so
other consoles refresh their pickers.
Writes that read an order or a count before writing (moves, new rows placed last, the
last active code) take the write lock first (`serialize_writes`), so two consoles at
once cannot both act on the same stale read.

What protects the rest of the desk:
- a status's category decides what SLA clocks do in it, so it never changes while
  tickets sit in the status, nor for a status with a well-known key (rules name it);
- priority codes are fixed at P1-P4 (a CHECK constraint and every SLA target use them):
  only their label, typical trigger and default urgency are edited;
- resolution codes and status keys are stable keys that reports count by: labels change,
  codes do not;
- categories are one level deep (category, sub-category) because assignment rules match
  a parent category's sub-categories, not deeper descendants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, select

from msp_tui.engine.vocabulary import Level, PriorityCode, StatusCategory
from msp_tui.services.admin_access import require_admin
from msp_tui.services.admin_edits import (
    audit_changes,
    clean_text,
    existing,
    fail_if,
    moved,
    plural,
)
from msp_tui.services.desk import Desk
from msp_tui.services.sla_admin import UNSET, Unset
from msp_tui.services.tickets import ServiceError
from msp_tui.store.db import bump_change_seq, serialize_writes
from msp_tui.store.models import (
    Category,
    Priority,
    PriorityMatrix,
    ResolutionCode,
    Status,
    Ticket,
)

CODE_PATTERN: Final = re.compile(r"[a-z][a-z0-9_]*")
CODES_FIXED: Final = (
    "priority codes are fixed at P1–P4 (SLA targets and reports use them); "
    "only the label, typical trigger and default urgency can change"
)
# What each status category means for SLA clocks, in the words the screens show.
SLA_EFFECT: Final = {
    StatusCategory.OPEN: "clocks run",
    StatusCategory.PAUSED: "clocks pause",
    StatusCategory.RESOLVED: "resolution clock stops",
    StatusCategory.CLOSED: "final, clocks stop",
}
_STATUS_STEP: Final = 10

R = TypeVar("R", Status, ResolutionCode)


# ---------------------------------------------------------------- categories


@dataclass(frozen=True)
class CategoryRow:
    """A category in tree order: parents first, each followed by its sub-categories."""

    id: int
    name: str
    parent_id: int | None
    parent_name: str | None
    depth: int
    active: bool
    tickets: int  # tickets filed under it (any state)


def categories(desk: Desk) -> list[CategoryRow]:
    with desk.db.session() as s:
        rows = list(s.exec(select(Category)))
        counts = _counts(s, Ticket.category_id)
    by_parent: dict[int | None, list[Category]] = {}
    for row in rows:
        by_parent.setdefault(row.parent_id, []).append(row)
    names = {r.id: r.name for r in rows}
    out: list[CategoryRow] = []

    def walk(parent: int | None, depth: int) -> None:
        for row in sorted(by_parent.get(parent, []), key=lambda r: (r.name.lower(), r.id)):
            rid: int = row.id  # type: ignore[assignment]
            out.append(CategoryRow(rid, row.name, row.parent_id, names.get(row.parent_id),
                                   depth, row.active, counts.get(rid, 0)))
            if depth < 8:  # stored data deeper than the desk makes is still listed, bounded
                walk(rid, depth + 1)

    walk(None, 0)
    return out


def _counts(s: Session, column: object) -> dict[int, int]:
    rows = s.execute(
        sa.select(column, sa.func.count()).where(column.is_not(None)).group_by(column)  # type: ignore[attr-defined]
    ).all()
    return {int(k): int(n) for k, n in rows}


def _category(s: Session, category_id: int) -> Category:
    return existing(s, Category, category_id, "category")


def _check_category_place(
    s: Session,
    name: str,
    parent_id: int | None,
    row: Category | None,
    problems: list[str],
    *,
    moving: bool = True,
) -> None:
    """Name unique among siblings; when `moving`, the parent exists, is active, is a
    top-level category and is not the category itself or inside it."""
    parent: Category | None = None
    if parent_id is not None:
        parent = s.get(Category, parent_id)
        if parent is None:
            problems.append(f"no category with id {parent_id} to file under")
            return
    if row is not None and parent is not None and moving:
        cursor: Category | None = parent
        while cursor is not None:
            if cursor.id == row.id:
                inside = "itself" if parent.id == row.id else f"{parent.name!r}, which is inside it"
                problems.append(f"cannot move {row.name!r} under {inside}")
                return
            cursor = s.get(Category, cursor.parent_id) if cursor.parent_id else None
    if parent is not None and moving:
        if parent.parent_id is not None:
            problems.append(
                f"{parent.name!r} is itself a sub-category; sub-categories go one level deep"
            )
        if not parent.active:
            problems.append(f"{parent.name!r} is inactive; reactivate it first")
        if row is not None and row.id is not None and s.exec(
            select(Category.id).where(Category.parent_id == row.id)
        ).first():
            problems.append(
                f"{row.name!r} has sub-categories, so it cannot become one itself"
            )
    if name:
        stmt = select(Category).where(
            Category.parent_id.is_(None) if parent_id is None  # type: ignore[union-attr]
            else Category.parent_id == parent_id
        )
        clash = [
            c for c in s.exec(stmt) if c.name.lower() == name.lower()
            and (row is None or c.id != row.id)
        ]
        if clash:
            where = f"under {parent.name!r}" if parent is not None else "at the top level"
            problems.append(f"there is already a category {clash[0].name!r} {where}")


def add_category(desk: Desk, name: str, parent_id: int | None = None) -> int:
    """A new category (top level) or sub-category (`parent_id`); returns its id."""
    require_admin(desk)
    problems: list[str] = []
    clean = clean_text(name, "a category name", 100, problems)
    with desk.db.session() as s:
        _check_category_place(s, clean, parent_id, None, problems)
        fail_if(problems)
        row = Category(name=clean, parent_id=parent_id)
        s.add(row)
        s.flush()
        rid: int = row.id  # type: ignore[assignment]
        parent = s.get(Category, parent_id).name if parent_id else None  # type: ignore[union-attr]
        audit_changes(s, desk.clock.now(), desk.actor(), "category", rid,
               [("created", None, clean), *([("parent", None, parent)] if parent else [])])
        bump_change_seq(s)
        return rid


def edit_category(
    desk: Desk,
    category_id: int,
    *,
    name: str | Unset = UNSET,
    parent_id: int | Unset | None = UNSET,
) -> None:
    """Rename and/or move a category (None moves it to the top level)."""
    require_admin(desk)
    problems: list[str] = []
    with desk.db.session() as s:
        row = _category(s, category_id)
        new_name = row.name if name is UNSET else clean_text(name, "a category name", 100, problems)
        new_parent = row.parent_id if parent_id is UNSET else parent_id
        if new_name != row.name or new_parent != row.parent_id:
            _check_category_place(s, new_name, new_parent, row, problems,
                                  moving=new_parent != row.parent_id)
        fail_if(problems)
        old_parent = s.get(Category, row.parent_id).name if row.parent_id else None  # type: ignore[union-attr]
        new_parent_name = s.get(Category, new_parent).name if new_parent else None  # type: ignore[union-attr]
        changes = [("name", row.name, new_name), ("parent", old_parent, new_parent_name)]
        if all(old == new for _, old, new in changes) and new_parent == row.parent_id:
            return
        row.name, row.parent_id = new_name, new_parent
        s.add(row)
        audit_changes(s, desk.clock.now(), desk.actor(), "category", category_id, changes)
        bump_change_seq(s)


def set_category_active(desk: Desk, category_id: int, active: bool) -> None:
    """Inactive categories leave the pickers; tickets filed under them keep them."""
    require_admin(desk)
    with desk.db.session() as s:
        row = _category(s, category_id)
        if row.active == active:
            return
        if not active:
            children = [
                c.name for c in s.exec(
                    select(Category).where(Category.parent_id == category_id, Category.active)
                )
            ]
            if children:
                raise ServiceError(
                    f"deactivate the sub-categories of {row.name!r} first: "
                    + ", ".join(sorted(children))
                )
        elif row.parent_id is not None:
            parent = s.get(Category, row.parent_id)
            if parent is not None and not parent.active:
                raise ServiceError(f"reactivate {parent.name!r} first: {row.name!r} is under it")
        row.active = active
        s.add(row)
        audit_changes(s, desk.clock.now(), desk.actor(), "category", category_id,
               [("active", not active, active)])
        bump_change_seq(s)


# ---------------------------------------------------------------- ordered lists


def _move(rows: list[R], target_id: int, delta: int, step: int) -> list[tuple[R, int, int]]:
    """Move one row `delta` places in an ordered list; the (row, old, new) sort orders
    that change. The existing numbers are reused when distinct, so a swap touches two
    rows; duplicates (hand-edited data) are renumbered."""
    index = next((i for i, r in enumerate(rows) if r.id == target_id), None)
    if index is None:
        return []
    order = moved(rows, index, delta)
    if order[index] is rows[index]:  # already at the end it moves towards
        return []
    numbers = sorted(r.sort_order for r in rows)
    if len(set(numbers)) != len(numbers):
        numbers = [step * (i + 1) for i in range(len(rows))]
    return [(r, r.sort_order, n) for r, n in zip(order, numbers, strict=True) if r.sort_order != n]


# ---------------------------------------------------------------- statuses


@dataclass(frozen=True)
class StatusRow:
    id: int
    name: str
    category: str
    key: str | None  # a well-known key rules refer to (engine.vocabulary.WellKnownStatus)
    sort_order: int
    active: bool
    tickets: int  # tickets currently in the status

    @property
    def sla_effect(self) -> str:
        return SLA_EFFECT.get(StatusCategory(self.category), "")


def statuses(desk: Desk) -> list[StatusRow]:
    with desk.db.session() as s:
        counts = _counts(s, Ticket.status_id)
        rows = s.exec(select(Status).order_by(Status.sort_order, Status.id))  # type: ignore[arg-type]
        return [
            StatusRow(r.id, r.name, r.category, r.key, r.sort_order, r.active,  # type: ignore[arg-type]
                      counts.get(r.id, 0))  # type: ignore[arg-type]
            for r in rows
        ]


def _status(s: Session, status_id: int) -> Status:
    return existing(s, Status, status_id, "status")


def _status_category(value: str, problems: list[str]) -> str:
    try:
        return StatusCategory(value).value
    except ValueError:
        problems.append(
            f"unknown status category {value!r}; choose one of "
            + ", ".join(c.value for c in StatusCategory)
        )
        return value


def _check_status_name(s: Session, name: str, status_id: int | None, problems: list[str]) -> None:
    if not name:
        return
    clash = [
        r for r in s.exec(select(Status)) if r.name.lower() == name.lower() and r.id != status_id
    ]
    if clash:
        problems.append(f"there is already a status named {clash[0].name!r}")


def _tickets_in(s: Session, status_id: int) -> int:
    return int(s.execute(
        sa.select(sa.func.count()).select_from(Ticket).where(Ticket.status_id == status_id)  # type: ignore[arg-type]
    ).scalar_one())


def add_status(desk: Desk, name: str, category: str) -> int:
    """A new status; its category gives it the transitions and clock behaviour of that
    kind. It goes after the last status of the same category when there is room."""
    require_admin(desk)
    problems: list[str] = []
    clean = clean_text(name, "a status name", 60, problems)
    cat = _status_category(category, problems)
    with desk.db.session() as s:
        serialize_writes(s)
        _check_status_name(s, clean, None, problems)
        fail_if(problems)
        rows = list(s.exec(select(Status).order_by(Status.sort_order, Status.id)))  # type: ignore[arg-type]
        order = _slot_after_category(rows, cat)
        row = Status(name=clean, category=cat, sort_order=order)
        s.add(row)
        s.flush()
        rid: int = row.id  # type: ignore[assignment]
        audit_changes(s, desk.clock.now(), desk.actor(), "status", rid,
               [("created", None, clean), ("category", None, cat)])
        bump_change_seq(s)
        return rid


def _slot_after_category(rows: list[Status], category: str) -> int:
    last = max((i for i, r in enumerate(rows) if r.category == category), default=None)
    end = (rows[-1].sort_order if rows else 0) + _STATUS_STEP
    if last is None or last == len(rows) - 1:
        return end
    here, nxt = rows[last].sort_order, rows[last + 1].sort_order
    return (here + nxt) // 2 if nxt - here > 1 else end


def edit_status(
    desk: Desk, status_id: int, *, name: str | Unset = UNSET, category: str | Unset = UNSET
) -> None:
    """Rename a status (its label) and/or change its category. The category decides the
    SLA behaviour, so it does not change while tickets sit in the status, nor for a
    status rules refer to by key."""
    require_admin(desk)
    problems: list[str] = []
    with desk.db.session() as s:
        row = _status(s, status_id)
        new_name = row.name if name is UNSET else clean_text(name, "a status name", 60, problems)
        new_cat = row.category if category is UNSET else _status_category(category, problems)
        if new_name != row.name:
            _check_status_name(s, new_name, status_id, problems)
        if new_cat != row.category and not problems:
            if row.key:
                problems.append(
                    f"{row.name!r} is a well-known status (key {row.key!r}) that rules and "
                    f"the SLA rely on; its category stays {row.category!r}"
                )
            n = _tickets_in(s, status_id)
            if n:
                problems.append(
                    f"cannot change the category of {row.name!r}: {plural(n, 'ticket')} "
                    f"{'is' if n == 1 else 'are'} in it and their SLA clocks would change "
                    "behaviour; move them to another status first"
                )
        fail_if(problems)
        changes = [("name", row.name, new_name), ("category", row.category, new_cat)]
        if all(old == new for _, old, new in changes):
            return
        row.name, row.category = new_name, new_cat
        s.add(row)
        audit_changes(s, desk.clock.now(), desk.actor(), "status", status_id, changes)
        bump_change_seq(s)


def move_status(desk: Desk, status_id: int, delta: int) -> None:
    """Move a status up (negative) or down in the pickers' order."""
    require_admin(desk)
    with desk.db.session() as s:
        serialize_writes(s)
        _status(s, status_id)
        rows = list(s.exec(select(Status).order_by(Status.sort_order, Status.id)))  # type: ignore[arg-type]
        _apply_moves(s, desk, "status", _move(rows, status_id, delta, _STATUS_STEP))


def _apply_moves(s: Session, desk: Desk, entity: str, moves: list[tuple[R, int, int]]) -> None:
    if not moves:
        return
    at, actor = desk.clock.now(), desk.actor()
    for row, old, new in moves:
        row.sort_order = new
        s.add(row)
        audit_changes(s, at, actor, entity, row.id, [("sort_order", old, new)])  # type: ignore[arg-type]
    bump_change_seq(s)


def set_status_active(desk: Desk, status_id: int, active: bool) -> None:
    """Inactive statuses leave the pickers. Refused for a well-known status and for one
    tickets sit in (the message says how many)."""
    require_admin(desk)
    with desk.db.session() as s:
        row = _status(s, status_id)
        if row.active == active:
            return
        if not active:
            problems: list[str] = []
            if row.key:
                problems.append(
                    f"{row.name!r} is a well-known status (key {row.key!r}) that rules rely on; "
                    "it cannot be deactivated (rename it instead)"
                )
            n = _tickets_in(s, status_id)
            if n:
                problems.append(
                    f"{plural(n, 'ticket')} {'is' if n == 1 else 'are'} in {row.name!r}; "
                    "move them to another status before deactivating it"
                )
            fail_if(problems)
        row.active = active
        s.add(row)
        audit_changes(s, desk.clock.now(), desk.actor(), "status", status_id,
               [("active", not active, active)])
        bump_change_seq(s)


# ---------------------------------------------------------------- priorities


@dataclass(frozen=True)
class PriorityRow:
    code: str
    rank: int
    label: str
    typical_trigger: str
    default_urgency: str


@dataclass(frozen=True)
class MatrixCell:
    impact: str
    urgency: str
    priority: str


def priorities(desk: Desk) -> list[PriorityRow]:
    with desk.db.session() as s:
        rows = s.exec(select(Priority).order_by(Priority.rank))  # type: ignore[arg-type]
        return [PriorityRow(r.code, r.rank, r.label, r.typical_trigger, r.default_urgency)
                for r in rows]


def priority_matrix(desk: Desk) -> list[MatrixCell]:
    with desk.db.session() as s:
        return [MatrixCell(r.impact, r.urgency, r.priority) for r in s.exec(select(PriorityMatrix))]


def _level(value: str, what: str, problems: list[str]) -> str:
    try:
        return Level(value).value
    except ValueError:
        problems.append(
            f"unknown {what} {value!r}; choose one of " + ", ".join(v.value for v in Level)
        )
        return value


def edit_priority(
    desk: Desk,
    code: str,
    *,
    label: str | Unset = UNSET,
    typical_trigger: str | Unset = UNSET,
    default_urgency: str | Unset = UNSET,
) -> None:
    """Edit what a priority is called and when to use it; the code itself is fixed."""
    require_admin(desk)
    if code not in {p.value for p in PriorityCode}:
        raise ServiceError(f"there is no priority {code!r}: {CODES_FIXED}")
    problems: list[str] = []
    with desk.db.session() as s:
        row = s.get(Priority, code)
        if row is None:
            raise ServiceError(f"priority {code} is missing from this database")
        new_label = (row.label if label is UNSET
                     else clean_text(label, "a priority label", 40, problems))
        new_trigger = row.typical_trigger
        if typical_trigger is not UNSET:
            new_trigger = " ".join(typical_trigger.split())
            if len(new_trigger) > 300:
                problems.append(f"the typical trigger is at most 300 characters "
                                f"({len(new_trigger)} given)")
        new_urgency = (row.default_urgency if default_urgency is UNSET
                       else _level(default_urgency, "urgency", problems))
        if new_label and new_label != row.label:
            clash = [p for p in s.exec(select(Priority))
                     if p.code != code and p.label.lower() == new_label.lower()]
            if clash:
                problems.append(f"{clash[0].code} is already labelled {clash[0].label!r}")
        fail_if(problems)
        changes = [("label", row.label, new_label),
                   ("typical_trigger", row.typical_trigger, new_trigger),
                   ("default_urgency", row.default_urgency, new_urgency)]
        if all(old == new for _, old, new in changes):
            return
        row.label, row.typical_trigger, row.default_urgency = new_label, new_trigger, new_urgency
        s.add(row)
        audit_changes(s, desk.clock.now(), desk.actor(), "priority", row.rank, changes)
        bump_change_seq(s)


def set_matrix_cell(desk: Desk, impact: str, urgency: str, priority: str) -> None:
    """Which priority the new-ticket form proposes for an impact and an urgency."""
    require_admin(desk)
    problems: list[str] = []
    impact = _level(impact, "impact", problems)
    urgency = _level(urgency, "urgency", problems)
    if priority not in {p.value for p in PriorityCode}:
        problems.append(f"unknown priority {priority!r}; {CODES_FIXED}")
    fail_if(problems)
    with desk.db.session() as s:
        row = s.get(PriorityMatrix, (impact, urgency))
        old = row.priority if row else None
        if old == priority:
            return
        if row is None:
            row = PriorityMatrix(impact=impact, urgency=urgency, priority=priority)
        row.priority = priority
        s.add(row)
        audit_changes(s, desk.clock.now(), desk.actor(), "priority_matrix", 0,
               [(f"{impact} impact / {urgency} urgency", old, priority)])
        bump_change_seq(s)


# ---------------------------------------------------------------- resolution codes


@dataclass(frozen=True)
class ResolutionCodeRow:
    id: int
    code: str
    label: str
    sort_order: int
    active: bool
    tickets: int  # tickets resolved with it


def resolution_codes(desk: Desk) -> list[ResolutionCodeRow]:
    with desk.db.session() as s:
        counts = _counts(s, Ticket.resolution_code_id)
        rows = s.exec(select(ResolutionCode).order_by(ResolutionCode.sort_order, ResolutionCode.id))  # type: ignore[arg-type]
        return [ResolutionCodeRow(r.id, r.code, r.label, r.sort_order, r.active,  # type: ignore[arg-type]
                                  counts.get(r.id, 0))  # type: ignore[arg-type]
                for r in rows]


def _resolution_code(s: Session, code_id: int) -> ResolutionCode:
    return existing(s, ResolutionCode, code_id, "resolution code")


def _check_code_label(s: Session, label: str, code_id: int | None, problems: list[str]) -> None:
    if not label:
        return
    clash = [r for r in s.exec(select(ResolutionCode))
             if r.label.lower() == label.lower() and r.id != code_id]
    if clash:
        problems.append(f"{clash[0].code!r} is already labelled {clash[0].label!r}")


def add_resolution_code(desk: Desk, code: str, label: str) -> int:
    """A new resolution code at the end of the list; `code` is the stable key reports
    count by (lower-case letters, digits and underscores, starting with a letter)."""
    require_admin(desk)
    problems: list[str] = []
    slug = (code or "").strip()
    if not slug:
        problems.append("a code is required, e.g. 'remote_fix'")
    elif len(slug) > 40:
        problems.append(f"a code is at most 40 characters ({len(slug)} given)")
    elif not CODE_PATTERN.fullmatch(slug):
        problems.append(
            f"code {slug!r} must be lower-case letters, digits and underscores, starting "
            "with a letter (e.g. 'remote_fix')"
        )
    clean = clean_text(label, "a label", 100, problems)
    with desk.db.session() as s:
        serialize_writes(s)
        if slug and s.exec(select(ResolutionCode.id).where(ResolutionCode.code == slug)).first():
            problems.append(f"there is already a resolution code {slug!r}")
        _check_code_label(s, clean, None, problems)
        fail_if(problems)
        last = s.execute(sa.select(sa.func.max(ResolutionCode.sort_order))).scalar_one()
        row = ResolutionCode(code=slug, label=clean, sort_order=(last or 0) + 1)
        s.add(row)
        s.flush()
        rid: int = row.id  # type: ignore[assignment]
        audit_changes(s, desk.clock.now(), desk.actor(), "resolution_code", rid,
               [("created", None, slug), ("label", None, clean)])
        bump_change_seq(s)
        return rid


def edit_resolution_code(
    desk: Desk, code_id: int, *, label: str | Unset = UNSET, code: str | Unset = UNSET
) -> None:
    """Relabel a resolution code; its code is a stable key and never changes."""
    require_admin(desk)
    problems: list[str] = []
    with desk.db.session() as s:
        row = _resolution_code(s, code_id)
        if code is not UNSET and code.strip() != row.code:
            problems.append(
                f"the code {row.code!r} is a stable key that reports count by and cannot "
                "change; change the label, or add a new code and deactivate this one"
            )
        new_label = row.label if label is UNSET else clean_text(label, "a label", 100, problems)
        if new_label != row.label:
            _check_code_label(s, new_label, code_id, problems)
        fail_if(problems)
        if new_label == row.label:
            return
        audit_changes(s, desk.clock.now(), desk.actor(), "resolution_code", code_id,
               [("label", row.label, new_label)])
        row.label = new_label
        s.add(row)
        bump_change_seq(s)


def move_resolution_code(desk: Desk, code_id: int, delta: int) -> None:
    """Move a code up (negative) or down in the order the resolve dialog lists them."""
    require_admin(desk)
    with desk.db.session() as s:
        serialize_writes(s)
        _resolution_code(s, code_id)
        rows = list(s.exec(
            select(ResolutionCode).order_by(ResolutionCode.sort_order, ResolutionCode.id)  # type: ignore[arg-type]
        ))
        _apply_moves(s, desk, "resolution_code", _move(rows, code_id, delta, 1))


def set_resolution_code_active(desk: Desk, code_id: int, active: bool) -> None:
    """Inactive codes are no longer offered; tickets resolved with them keep them."""
    require_admin(desk)
    with desk.db.session() as s:
        serialize_writes(s)
        row = _resolution_code(s, code_id)
        if row.active == active:
            return
        if not active:
            remaining = s.execute(
                sa.select(sa.func.count()).select_from(ResolutionCode)
                .where(ResolutionCode.active, ResolutionCode.id != code_id)  # type: ignore[arg-type]
            ).scalar_one()
            if not remaining:
                raise ServiceError(
                    f"{row.label!r} is the last active resolution code; resolving a ticket "
                    "needs at least one"
                )
        row.active = active
        s.add(row)
        audit_changes(s, desk.clock.now(), desk.actor(), "resolution_code", code_id,
               [("active", not active, active)])
        bump_change_seq(s)
