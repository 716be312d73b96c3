"""Ticket use cases: every change to a ticket goes through one of these functions.

Each function works inside the caller's session (one transaction, see `Desk` in
`services/desk.py`), takes the instant it happens at explicitly (so the demo can replay
history and tests can freeze time), writes the audit trail, and bumps the change
sequence so other consoles notice. The SLA engine hooks in here, not in screens.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from msp_tui.engine import escalation as esc
from msp_tui.engine.business_hours import BusinessCalendar
from msp_tui.engine.lifecycle import TransitionError, transition
from msp_tui.engine.links import LinkError, validate_parent
from msp_tui.engine.vocabulary import (
    BillingType,
    Channel,
    Direction,
    FollowOn,
    PriorityCode,
    StatusCategory,
    TicketType,
)
from msp_tui.services import csat, rules, sla
from msp_tui.services.calendars import load_calendar
from msp_tui.services.escalation_rules import load_rules
from msp_tui.store.db import TICKET_NUMBER, bump_change_seq, bump_counter
from msp_tui.store.models import (
    AuditEvent,
    Client,
    Message,
    ResolutionCode,
    SlaProfile,
    Status,
    Technician,
    Ticket,
    TicketRelation,
    TimeEntry,
)


class ServiceError(Exception):
    """A request the desk refuses; the message is meant for the user."""


@dataclass(frozen=True)
class Actor:
    """Who does something: a technician, or the system (rules, mail intake, jobs)."""

    name: str
    technician_id: int | None = None

    @classmethod
    def of(cls, tech: Technician) -> Actor:
        return cls(name=tech.name, technician_id=tech.id)


SYSTEM = Actor("system")


def audit(
    s: Session,
    *,
    at: datetime,
    actor: Actor,
    entity: str,
    entity_id: int,
    field: str,
    old: object,
    new: object,
    reason: str = "",
) -> None:
    s.add(
        AuditEvent(
            at=at,
            actor_id=actor.technician_id,
            actor=actor.name,
            entity=entity,
            entity_id=entity_id,
            field=field,
            old_value=None if old is None else str(old),
            new_value=None if new is None else str(new),
            reason=reason,
        )
    )


def status_by_key(s: Session, key: str) -> Status:
    """Statuses are few and rarely edited: read them once per transaction."""
    cache: dict[str, Status] | None = s.info.get("msp_tui.statuses")
    if cache is None:
        with s.no_autoflush:
            cache = {st.key: st for st in s.exec(select(Status)).all() if st.key}
        s.info["msp_tui.statuses"] = cache
    status = cache.get(key)
    if status is None:
        raise ServiceError(f"no status with key {key!r}")
    return status


def create_ticket(
    s: Session,
    *,
    at: datetime,
    subject: str,
    body: str,
    channel: Channel,
    priority: PriorityCode,
    client_id: int | None,
    contact_id: int | None = None,
    asset_id: int | None = None,
    category_id: int | None = None,
    ticket_type: TicketType = TicketType.SUPPORT,
    requester_name: str = "",
    requester_email: str | None = None,
    message_id: str | None = None,
    actor: Actor = SYSTEM,
) -> Ticket:
    """Open a ticket with its opening message; unmatched mail gets `client_id=None`."""
    subject = subject.strip()
    if not subject:
        raise ServiceError("a ticket needs a subject")
    if priority not in PriorityCode.__members__.values():
        raise ServiceError(f"unknown priority {priority!r}; expected P1, P2, P3 or P4")
    ticket = Ticket(
        number=bump_counter(s, TICKET_NUMBER),
        subject=subject,
        type=ticket_type,
        channel=channel,
        client_id=client_id,
        contact_id=contact_id,
        asset_id=asset_id,
        category_id=category_id,
        priority=priority,
        status_id=status_by_key(s, "new").id,  # type: ignore[arg-type]
        requester_email=requester_email,
        unmatched_client=client_id is None,
        created_at=at,
        updated_at=at,
    )
    s.add(ticket)
    s.flush()
    s.add(
        Message(
            ticket_id=ticket.id,  # type: ignore[arg-type]
            direction=Direction.CUSTOMER if actor.technician_id is None else Direction.PUBLIC,
            channel=channel,
            author_contact_id=contact_id,
            author_technician_id=actor.technician_id,
            author_name=requester_name or actor.name,
            author_email=requester_email,
            subject=subject,
            body=body,
            message_id=message_id,
            created_at=at,
        )
    )
    audit(s, at=at, actor=actor, entity="ticket", entity_id=ticket.id,  # type: ignore[arg-type]
          field="created", old=None, new=f"#{ticket.number}")
    rules.on_new_ticket(s, ticket, at=at, body=body)
    sla.start_clocks(s, ticket, at)
    refresh_idle_check(s, ticket, at)  # now that the clocks fixed the ticket's profile
    bump_change_seq(s)
    return ticket


def add_message(
    s: Session,
    ticket: Ticket,
    *,
    at: datetime,
    direction: Direction,
    body: str,
    actor: Actor = SYSTEM,
    channel: Channel | None = None,
    author_contact_id: int | None = None,
    author_name: str = "",
    author_email: str | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
) -> Message:
    """Append to the thread: a customer message, our public reply, or an internal note."""
    if not body.strip():
        raise ServiceError("an empty message was not added")
    message = Message(
        ticket_id=ticket.id,  # type: ignore[arg-type]
        direction=direction,
        channel=channel or (Channel.EMAIL if direction != Direction.INTERNAL else Channel.MANUAL),
        author_technician_id=actor.technician_id if direction != Direction.CUSTOMER else None,
        author_contact_id=author_contact_id,
        author_name=author_name or actor.name,
        author_email=author_email,
        subject=f"Re: {ticket.subject}",
        body=body,
        message_id=message_id,
        in_reply_to=in_reply_to,
        created_at=at,
    )
    s.add(message)
    if direction != Direction.CUSTOMER:
        ticket.last_tech_activity_at = at
        refresh_idle_check(s, ticket, at)
    if direction == Direction.PUBLIC:
        if ticket.first_response_at is None:
            ticket.first_response_at = at
        sla.on_public_reply(s, ticket, at)
    ticket.updated_at = at
    s.add(ticket)
    bump_change_seq(s)
    return message


@dataclass(frozen=True)
class Closure:
    """What resolving or closing a ticket records.

    `code` (a `ResolutionCode.code`) and `summary` say why it was resolved, for trend
    reports; `notes` and `follow_on` (`FollowOn` values) are the closing technician's
    sign-off: what work the ticket leaves (a replacement ordered, a license true-up, a
    change request). `time_checked` means the technician confirmed the logged time.
    `from_master` marks a cascade: the child takes the master's resolution, whatever it
    is, so the requirement was the master's to meet.
    """

    code: str | None = None
    summary: str = ""
    notes: str = ""
    follow_on: tuple[str, ...] = ()
    time_checked: bool = False
    from_master: bool = False


_DONE = (StatusCategory.RESOLVED, StatusCategory.CLOSED)


def change_status(
    s: Session,
    ticket: Ticket,
    status_key: str,
    *,
    at: datetime,
    actor: Actor,
    reason: str = "",
    closure: Closure | None = None,
) -> Status:
    """Move a ticket to another status: the lifecycle table decides whether it may, and
    what the move does to the SLA clocks (pause, resume, resolve, reopen, close).

    A technician resolving a ticket (or closing one that was never resolved) must give
    an active resolution code and a summary; the system (rules, mail intake, auto-close)
    need not, and a cascade passes the master's. Closing records who signed it off
    ("system" for anyone but a technician), the closure notes and follow-on work;
    reopening clears all of that (the audit trail keeps the old values).
    """
    new = status_by_key(s, status_key)
    old = s.get(Status, ticket.status_id)
    if old is None:
        raise ServiceError(f"ticket #{ticket.number} has an unknown status")
    if old.id == new.id:
        return new
    try:
        transition(old.category, new.category)  # refuse an impossible move before the rest
    except TransitionError as exc:
        raise ServiceError(f"#{ticket.number}: {exc}") from exc
    closure = closure or Closure()
    code = _check_closure(s, ticket, old, new, closure, actor)
    try:
        sla.on_status_change(s, ticket, old, new, at)
    except TransitionError as exc:
        raise ServiceError(f"#{ticket.number}: {exc}") from exc
    ticket.status_id = new.id  # type: ignore[assignment]
    ticket.updated_at = at
    if actor.technician_id is not None:
        ticket.last_tech_activity_at = at
    # A technician's move or a return to work restarts the idle window; a system move
    # between open statuses (a rule, the escalation job) leaves it running.
    restart = actor.technician_id is not None or old.category != StatusCategory.OPEN
    refresh_idle_check(s, ticket, at if restart or ticket.idle_check_at is None else None)
    if new.category == StatusCategory.RESOLVED:
        ticket.resolved_at = at
    elif new.category == StatusCategory.CLOSED:
        ticket.closed_at = at
        ticket.resolved_at = ticket.resolved_at or at
        csat.queue_survey(s, ticket, at=at)
    else:
        ticket.resolved_at = None
        ticket.closed_at = None
    s.add(ticket)
    audit(s, at=at, actor=actor, entity="ticket", entity_id=ticket.id,  # type: ignore[arg-type]
          field="status", old=old.name, new=new.name, reason=reason)
    _record_closure(s, ticket, old, new, closure, code, at=at, actor=actor)
    bump_change_seq(s)
    return new


def _check_closure(
    s: Session, ticket: Ticket, old: Status, new: Status, closure: Closure, actor: Actor
) -> ResolutionCode | None:
    """The resolution code to record (None: keep what the ticket has), or a
    `ServiceError` naming every problem with what was given; nothing is written then."""
    problems: list[str] = []
    code: ResolutionCode | None = None
    wanted = (closure.code or "").strip()
    if wanted:
        code = s.exec(select(ResolutionCode).where(ResolutionCode.code == wanted)).first()
        if code is None:
            problems.append(f"unknown resolution code {wanted!r}")
        elif not (code.active or code.id == ticket.resolution_code_id or closure.from_master):
            problems.append(f"resolution code {code.label!r} is no longer in use")
    if (
        needs_resolution(old.category, new.category, has_code=ticket.resolution_code_id is not None)
        and actor.technician_id is not None
        and not closure.from_master
    ):
        missing = [
            what
            for what, given in (
                ("a resolution code", wanted),
                ("a resolution summary", closure.summary.strip()),
            )
            if not given
        ]
        if missing:
            verb = "resolving" if new.category == StatusCategory.RESOLVED else "closing"
            problems.insert(0, f"{verb} #{ticket.number} needs {' and '.join(missing)}")
    if new.category not in _DONE and (wanted or closure.summary.strip()):
        problems.append("a resolution code and summary are given when resolving or closing")
    kinds = {k.value for k in FollowOn}
    for kind in closure.follow_on:
        if kind not in kinds:
            problems.append(
                f"unknown follow-on {kind!r}; expected {', '.join(k.value for k in FollowOn)}"
            )
    if new.category != StatusCategory.CLOSED and (closure.follow_on or closure.notes.strip()):
        problems.append("closure notes and follow-on work are recorded when closing")
    elif FollowOn.OTHER in closure.follow_on and not closure.notes.strip():
        problems.append("follow-on 'other' needs closure notes saying what is left to do")
    if problems:
        raise ServiceError("; ".join(problems))
    return code


def needs_resolution(old: str, new: str, *, has_code: bool) -> bool:
    """Whether a move ends the work on a ticket that has no resolution yet: resolving it,
    or closing it straight from work (or from a resolve that recorded no code)."""
    if new not in _DONE:
        return False
    return old not in _DONE or not has_code


def _record_closure(
    s: Session,
    ticket: Ticket,
    old: Status,
    new: Status,
    closure: Closure,
    code: ResolutionCode | None,
    *,
    at: datetime,
    actor: Actor,
) -> None:
    """Write the resolution and sign-off fields the move implies, one audit row each."""
    changes: dict[str, tuple[object, object]] = {}
    if new.category in _DONE:
        if code is not None and code.id != ticket.resolution_code_id:
            changes["resolution_code"] = (_code_key(s, ticket.resolution_code_id), code.code)
            ticket.resolution_code_id = code.id
        summary = closure.summary.strip()
        if summary and summary != ticket.resolution_summary:
            changes["resolution_summary"] = (ticket.resolution_summary or None, summary)
            ticket.resolution_summary = summary
        if closure.time_checked:
            billable, total = _logged_minutes(s, ticket)
            changes["time_check"] = (
                None, f"confirmed: {total} min logged, {billable} min billable"
            )
    if new.category == StatusCategory.CLOSED:
        signed = actor.name if actor.technician_id is not None else SYSTEM.name
        follow_on = [k.value for k in FollowOn if k.value in closure.follow_on]
        changes["closed_by"] = (ticket.closed_by, signed)
        ticket.closed_by_id, ticket.closed_by = actor.technician_id, signed
        if closure.notes.strip() != ticket.closure_notes:
            changes["closure_notes"] = (ticket.closure_notes or None, closure.notes.strip())
            ticket.closure_notes = closure.notes.strip()
        if follow_on != list(ticket.follow_on or []):
            changes["follow_on"] = (_joined(ticket.follow_on), _joined(follow_on))
            ticket.follow_on = follow_on
    elif new.category not in _DONE and old.category in _DONE:
        # Reopened: the next resolve says anew what fixed it; the audit keeps the old.
        for field, value in (
            ("resolution_code", _code_key(s, ticket.resolution_code_id)),
            ("resolution_summary", ticket.resolution_summary or None),
            ("closed_by", ticket.closed_by),
            ("closure_notes", ticket.closure_notes or None),
            ("follow_on", _joined(ticket.follow_on)),
        ):
            if value is not None:
                changes[field] = (value, None)
        ticket.resolution_code_id = None
        ticket.resolution_summary = ""
        ticket.closed_by_id = ticket.closed_by = None
        ticket.closure_notes = ""
        ticket.follow_on = []
    s.add(ticket)
    why = "reopened" if new.category not in _DONE else ""
    for field, (before, after) in changes.items():
        audit(s, at=at, actor=actor, entity="ticket", entity_id=ticket.id,  # type: ignore[arg-type]
              field=field, old=before, new=after, reason=why)


def _code_key(s: Session, code_id: int | None) -> str | None:
    row = s.get(ResolutionCode, code_id) if code_id is not None else None
    return row.code if row is not None else None


def _joined(kinds: Sequence[str] | None) -> str | None:
    return ", ".join(kinds) if kinds else None


def _logged_minutes(s: Session, ticket: Ticket) -> tuple[int, int]:
    """(billable, total) minutes logged on the ticket."""
    rows = s.exec(
        select(TimeEntry.minutes, TimeEntry.billable).where(TimeEntry.ticket_id == ticket.id)
    ).all()
    return sum(m for m, b in rows if b), sum(m for m, _ in rows)


def assign(
    s: Session,
    ticket: Ticket,
    *,
    technician_id: int | None,
    group_id: int | None = None,
    at: datetime,
    actor: Actor,
    reason: str = "",
) -> None:
    """Give a ticket to a technician (and/or group); None unassigns."""
    old = ticket.assignee_id
    ticket.assignee_id = technician_id
    if group_id is not None:
        ticket.group_id = group_id
    ticket.updated_at = at
    if old != technician_id or ticket.idle_check_at is None:
        refresh_idle_check(s, ticket, at)  # a new owner gets a whole idle window
    s.add(ticket)
    if old != technician_id:
        audit(s, at=at, actor=actor, entity="ticket", entity_id=ticket.id,  # type: ignore[arg-type]
              field="assignee", old=_tech_name(s, old), new=_tech_name(s, technician_id),
              reason=reason)
    bump_change_seq(s)


_IDLE_WINDOWS = "msp_tui.idle_windows"
# Tickets re-indexed per query when the idle rules change (`reindex_idle_checks`).
REINDEX_CHUNK = 1000


def idle_window(s: Session, profile_id: int | None) -> timedelta | None:
    """How long an open, assigned ticket on this profile may sit untouched before the
    escalation job reassigns it; None when no idle rule applies (then nothing is indexed).
    Rules are read once per transaction, by the job's own loader (see
    `forget_idle_windows`)."""
    specs: list[esc.EscalationSpec] | None = s.info.get(_IDLE_WINDOWS)
    if specs is None:
        with s.no_autoflush:  # called mid-change: a half-built ticket must not flush
            specs = s.info[_IDLE_WINDOWS] = load_rules(s, esc.IDLE)
    rule = esc.rule_for(specs, profile_id, esc.IDLE)
    return rule.idle_after if rule is not None else None


def idle_windows(s: Session) -> dict[int | None, timedelta | None]:
    """Every profile's idle window (key None: tickets with no profile), taken before an
    escalation rule change and handed to `reindex_idle_checks` after it."""
    profiles = s.exec(select(SlaProfile.id)).all()
    return {p: idle_window(s, p) for p in (None, *profiles)}


def forget_idle_windows(s: Session) -> None:
    """After adding or editing escalation rules inside a transaction."""
    s.info.pop(_IDLE_WINDOWS, None)


def _idle_due(calendar: BusinessCalendar | None, since: datetime, window: timedelta) -> datetime:
    # Business time on the profile's calendar: a Gold ticket left at 17:55 is not idle
    # at 08:00 the next morning, so the opening is not a storm of reassignments.
    if calendar is None:
        return since + window
    return calendar.add(since, int(window.total_seconds()))


def refresh_idle_check(s: Session, ticket: Ticket, since: datetime | None) -> None:
    """Keep `idle_check_at` = `since` + the idle window while the ticket is open and
    assigned (None otherwise), so the escalation job finds idle tickets by index instead
    of walking every open one. `since=None` keeps a running window as it is."""
    status = s.get(Status, ticket.status_id)
    window = idle_window(s, ticket.sla_profile_id)
    if (
        window is None
        or ticket.assignee_id is None
        or status is None
        or status.category != StatusCategory.OPEN
    ):
        ticket.idle_check_at = None
    elif since is not None:
        profile = s.get(SlaProfile, ticket.sla_profile_id) if ticket.sla_profile_id else None
        calendar = load_calendar(s, profile.calendar_id) if profile is not None else None
        ticket.idle_check_at = _idle_due(calendar, since, window)


def reindex_idle_checks(
    s: Session, before: Mapping[int | None, timedelta | None], *, chunk: int = REINDEX_CHUNK
) -> int:
    """After escalation rules changed in this transaction (added, edited, enabled,
    disabled, deleted, reordered), bring `idle_check_at` of the tickets already open in
    line with them; `before` is `idle_windows(s)` from before the change. Returns how many
    tickets were set or cleared.

    Only profiles whose window changed are touched. Where no idle rule applies any more,
    one UPDATE clears the index. Where the window is new or different, the open, assigned
    tickets on those profiles are read in id chunks (plain columns, no ORM rows) and get
    last activity + window, in business time on their profile's calendar (one calendar
    object per profile), exactly as `refresh_idle_check` would have set it.

    The last activity is the latest instant at which `refresh_idle_check` restarts the
    window: creation (`created_at`), a technician's message, note, time or status move
    (`last_tech_activity_at`), a change of assignee (audited "assignee"; it includes the
    escalation job's own reassignments, so a ticket just handed on for idleness is not
    idle again at once) and a return to work from a paused status (audited "status" move
    from a non-open status). Not `updated_at`: customer replies, priority changes and the
    escalation job touch it, and a customer chasing an untouched ticket must not keep it
    from counting as idle.

    Tickets already loaded in `s` are not refreshed (the callers load none)."""
    s.flush()
    forget_idle_windows(s)
    after = idle_windows(s)
    changed = [p for p, window in after.items() if window != before.get(p)]
    table = Ticket.__table__  # type: ignore[attr-defined]
    done = 0
    cleared = [p for p in changed if after[p] is None]
    if cleared:
        done += s.execute(
            table.update()
            .where(_profile_in(table.c.sla_profile_id, cleared), table.c.idle_check_at.is_not(None))
            .values(idle_check_at=None)
        ).rowcount
    windows = {p: w for p in changed if (w := after[p]) is not None}
    if windows:
        done += _index_idle(s, windows, chunk)
    return done


def _profile_in(column: Any, profiles: Sequence[int | None]) -> Any:
    ids = [p for p in profiles if p is not None]
    return sa.or_(column.in_(ids), column.is_(None)) if None in profiles else column.in_(ids)


def _index_idle(s: Session, windows: Mapping[int | None, timedelta], chunk: int) -> int:
    table = Ticket.__table__  # type: ignore[attr-defined]
    audit_t = AuditEvent.__table__  # type: ignore[attr-defined]
    open_ids = s.exec(select(Status.id).where(Status.category == StatusCategory.OPEN)).all()
    paused = s.exec(select(Status.name).where(Status.category != StatusCategory.OPEN)).all()
    calendars: dict[int | None, BusinessCalendar | None] = {None: None}
    for profile_id in windows:
        profile = s.get(SlaProfile, profile_id) if profile_id is not None else None
        calendars[profile_id] = (load_calendar(s, profile.calendar_id)
                                 if profile is not None else None)
    moved = (
        sa.select(sa.func.max(audit_t.c.at))
        .where(
            audit_t.c.entity == "ticket",
            audit_t.c.entity_id == table.c.id,
            sa.or_(audit_t.c.field == "assignee",
                   sa.and_(audit_t.c.field == "status", audit_t.c.old_value.in_(paused))),
        )
        .scalar_subquery()
    )
    update = (table.update().where(table.c.id == sa.bindparam("b_id"))
              .values(idle_check_at=sa.bindparam("b_due")))
    done, after_id = 0, 0
    while True:
        rows = s.execute(
            sa.select(table.c.id, table.c.sla_profile_id, table.c.created_at,
                      table.c.last_tech_activity_at, moved)
            .where(
                table.c.id > after_id,
                table.c.status_id.in_(open_ids),
                table.c.assignee_id.is_not(None),
                _profile_in(table.c.sla_profile_id, list(windows)),
            )
            .order_by(table.c.id)
            .limit(chunk)
        ).all()
        if not rows:
            return done
        values = []
        for ticket_id, profile_id, created, worked, reassigned in rows:
            since = max(t for t in (created, worked, reassigned) if t is not None)
            due = _idle_due(calendars[profile_id], since, windows[profile_id])
            values.append({"b_id": ticket_id, "b_due": due})
        s.execute(update, values)
        done += len(values)
        after_id = rows[-1][0]
        if len(rows) < chunk:
            return done


def _tech_name(s: Session, technician_id: int | None) -> str | None:
    if technician_id is None:
        return None
    tech = s.get(Technician, technician_id)  # identity map first: no query when loaded
    return tech.name if tech else f"technician {technician_id}"


def change_priority(
    s: Session,
    ticket: Ticket,
    priority: PriorityCode,
    *,
    at: datetime,
    actor: Actor,
    reason: str,
) -> None:
    """Change priority; a reason is required because SLA targets move with it."""
    if not reason.strip():
        raise ServiceError("a priority change needs a reason")
    if priority not in PriorityCode.__members__.values():
        raise ServiceError(f"unknown priority {priority!r}; expected P1, P2, P3 or P4")
    old = ticket.priority
    if old == priority:
        return
    ticket.priority = priority
    ticket.updated_at = at
    s.add(ticket)
    audit(s, at=at, actor=actor, entity="ticket", entity_id=ticket.id,  # type: ignore[arg-type]
          field="priority", old=old, new=priority, reason=reason)
    sla.retarget_ticket(
        s, ticket, at, f"priority {old} -> {priority}: {reason}", use_client_profile=False
    )
    bump_change_seq(s)


def match_client(
    s: Session,
    ticket: Ticket,
    client_id: int,
    *,
    at: datetime,
    actor: Actor,
    contact_id: int | None = None,
) -> None:
    """Attach an unmatched ticket to its client; its SLA clocks start now, not at intake."""
    client = s.get(Client, client_id)
    if client is None:
        raise ServiceError(f"no client with id {client_id}")
    if ticket.client_id == client_id:
        return
    old = s.get(Client, ticket.client_id) if ticket.client_id else None
    ticket.client_id = client_id
    ticket.contact_id = contact_id
    ticket.unmatched_client = False
    ticket.updated_at = at
    s.add(ticket)
    audit(s, at=at, actor=actor, entity="ticket", entity_id=ticket.id,  # type: ignore[arg-type]
          field="client", old=old.name if old else None, new=client.name)
    if old is None:
        sla.start_clocks(s, ticket, at)
    else:
        sla.retarget_ticket(s, ticket, at, f"client changed to {client.name}")
    bump_change_seq(s)


def default_billable(billing_type: str | None, hybrid_default: bool = True) -> bool:
    """Whether new time is billable unless the technician says otherwise: always for Time
    & Materials, never for Fixed Monthly (or without a client to bill), and as the client
    is configured for Hybrid."""
    if billing_type == BillingType.TIME_AND_MATERIALS:
        return True
    if billing_type == BillingType.HYBRID:
        return hybrid_default
    return False


def log_time(
    s: Session,
    ticket: Ticket,
    *,
    technician_id: int,
    minutes: int,
    work_date: date,
    at: datetime,
    billable: bool | None = None,
    note: str = "",
) -> TimeEntry:
    """Log time on a ticket; `billable=None` takes the client's default (`default_billable`)."""
    if minutes <= 0:
        raise ServiceError("time entries need a positive number of minutes")
    if billable is None:
        client = s.get(Client, ticket.client_id) if ticket.client_id is not None else None
        billable = (
            default_billable(client.billing_type, client.hybrid_billable_default)
            if client is not None
            else False
        )
    entry = TimeEntry(
        ticket_id=ticket.id,  # type: ignore[arg-type]
        technician_id=technician_id,
        work_date=work_date,
        minutes=minutes,
        billable=billable,
        note=note,
        created_at=at,
    )
    s.add(entry)
    ticket.last_tech_activity_at = at
    refresh_idle_check(s, ticket, at)
    s.add(ticket)
    bump_change_seq(s)
    return entry


# Links are one level deep, so a longer walk up means bad data: stop rather than hang.
_MAX_ANCESTORS = 32


def link_parent(
    s: Session,
    ticket: Ticket,
    parent_number: int | None,
    *,
    at: datetime,
    actor: Actor,
) -> None:
    """File a ticket under a master ticket by its number (None unlinks).

    `engine.links` decides whether the link is allowed; this reads what it needs.
    """
    parent: Ticket | None = None
    if parent_number is not None:
        parent = s.exec(select(Ticket).where(Ticket.number == parent_number)).first()
        if parent is None:
            raise ServiceError(f"there is no ticket #{parent_number}")
    new_id = parent.id if parent is not None else None
    if ticket.parent_id == new_id:
        return
    if parent is not None:
        status = s.get(Status, parent.status_id)
        has_children = (
            s.exec(select(Ticket.id).where(Ticket.parent_id == ticket.id)).first() is not None
        )
        try:
            validate_parent(
                ticket.number,
                parent.number,
                _ancestor_numbers(s, parent),
                status is not None and status.category == StatusCategory.CLOSED,
                child_has_children=has_children,
            )
        except LinkError as exc:
            raise ServiceError(str(exc)) from exc
    old = s.get(Ticket, ticket.parent_id) if ticket.parent_id is not None else None
    ticket.parent_id = new_id
    ticket.updated_at = at
    s.add(ticket)
    audit(s, at=at, actor=actor, entity="ticket", entity_id=ticket.id,  # type: ignore[arg-type]
          field="parent", old=f"#{old.number}" if old else None,
          new=f"#{parent.number}" if parent else None)
    bump_change_seq(s)


def _ancestor_numbers(s: Session, ticket: Ticket) -> list[int]:
    """The numbers of the ticket's parent, its parent's parent, …; nearest first."""
    numbers: list[int] = []
    seen = {ticket.id}
    next_id = ticket.parent_id
    for _ in range(_MAX_ANCESTORS):
        if next_id is None or next_id in seen:
            break
        seen.add(next_id)
        up = s.get(Ticket, next_id)
        if up is None:
            break
        numbers.append(up.number)
        next_id = up.parent_id
    return numbers


def relate(s: Session, ticket: Ticket, other: Ticket, *, at: datetime, actor: Actor,
           reason: str = "") -> None:
    """Mark two tickets as related (a symmetric link, stored once as an ordered pair)."""
    low, high = sorted((ticket.id, other.id))  # type: ignore[type-var]
    if low == high or s.get(TicketRelation, (low, high)) is not None:
        return
    s.add(TicketRelation(ticket_id=low, related_id=high, created_at=at))
    audit(s, at=at, actor=actor, entity="ticket", entity_id=ticket.id,  # type: ignore[arg-type]
          field="related", old=None, new=f"#{other.number}", reason=reason)
    bump_change_seq(s)
