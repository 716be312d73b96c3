"""Escalation: act on recorded threshold crossings, near-due clocks and idle tickets.

The SLA tick records each crossing once (`sla_alert`, unique per clock and threshold);
this job acts on them through the ticket services (audit, change sequence) and writes
notifications with unique dedupe keys, then stamps `handled_at`, all in one transaction,
so a restart or a second process never repeats an escalation. Only the holder of the
`escalation` lease acts. The business calendars are read once per run. Nothing here walks
all open tickets:

- alerts: unhandled rows by the `handled_at` index, oldest first, in batches. One whose
  clock's calendar is closed now is left unhandled for the next opening. To keep such
  rows from costing a scan every tick all night, the job keeps an `EscalationState`
  (in memory): the highest alert id it has examined and when; later runs start after
  that id unless some calendar has opened since, so waiting rows are re-read once per
  opening, not once per tick. Without a state (tests, a restart) a run reads them all,
  which is always correct, just not minimal.
- near-due: the tick does not record it (its `at_risk_at` is the earlier of the first
  threshold and the margin, and is not indexed), so it is derived here: for each open
  calendar, running clocks whose indexed `due_at` lies within the widest near-due margin
  of business time from now, checked exactly against their profile's margin, once per
  clock (`escalation_event` key "near_due:<clock id>").
- idle: `ticket.idle_check_at` (indexed; kept by the ticket services on every assignment,
  status change and technician action, and re-computed for the open tickets of every
  profile whose idle window an escalation rule change alters, see
  `tickets.reindex_idle_checks`) <= now; once per idle window
  ("idle:<ticket id>:<window end>": the last activity alone would repeat when a ticket
  reassigned for idleness is not touched by its new owner either).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from msp_tui.engine import escalation as esc
from msp_tui.engine.business_hours import BusinessCalendar, CalendarError
from msp_tui.engine.clock import Clock
from msp_tui.engine.vocabulary import ClockState, StatusCategory
from msp_tui.services import outbox, sla
from msp_tui.services import tickets as tk
from msp_tui.services.assignment import open_loads
from msp_tui.services.calendars import load_calendar, share_calendars
from msp_tui.services.escalation_rules import load_rules
from msp_tui.services.outbox import OutboundSettings
from msp_tui.services.tick import acquire_lease
from msp_tui.store.db import Database, bump_change_seq
from msp_tui.store.models import (
    BusinessCalendarRow,
    EscalationContact,
    EscalationEvent,
    EscalationRule,
    GroupMember,
    Notification,
    SlaAlert,
    SlaClock,
    SlaProfile,
    Status,
    TechGroup,
    Technician,
    Ticket,
)

log = logging.getLogger(__name__)

ESCALATION_LEASE = "escalation"
BATCH = 200
ACTOR = tk.Actor("escalation")
_OPEN_OR_PAUSED = (StatusCategory.OPEN, StatusCategory.PAUSED)


@dataclass
class EscalationState:
    """What one job remembers between runs so alerts waiting on closed calendars are not
    re-read every tick; losing it (a restart) only costs one full read."""

    seen_alert_id: int = 0  # every unhandled alert up to here waits on a closed calendar
    checked_at: datetime | None = None


@dataclass
class EscalationResult:
    ran: bool  # False when another process holds the lease
    handled: int = 0  # alerts acted on (or found moot: ticket resolved, no rule)
    deferred: int = 0  # alerts left for their calendar's next opening
    near_due: int = 0
    idle: int = 0
    examined: int = 0  # alert rows read
    actions: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- rules


def add_rule(
    s: Session,
    *,
    trigger: str,
    actions: Mapping[str, Any],
    at: datetime,
    actor: tk.Actor,
    profile_id: int | None = None,
    position: int = 0,
) -> EscalationRule:
    """Store a rule after checking it; the error lists every problem at once.

    Tickets already open keep their `idle_check_at`: the demo seeds its rules after its
    history on purpose. Settings go through `rule_admin`, which re-indexes them."""
    problems = esc.action_problems(trigger, actions)
    if profile_id is not None and s.get(SlaProfile, profile_id) is None:
        problems.append(f"profile {profile_id}: no such SLA profile")
    if problems:
        raise tk.ServiceError(f"escalation rule {trigger!r}: " + "; ".join(problems))
    row = EscalationRule(profile_id=profile_id, trigger=trigger, position=position,
                         actions=dict(actions))
    s.add(row)
    s.flush()
    tk.audit(s, at=at, actor=actor, entity="escalation_rule", entity_id=row.id,  # type: ignore[arg-type]
             field="created", old=None, new=f"{trigger}: {dict(actions)}")
    tk.forget_idle_windows(s)
    bump_change_seq(s)
    return row


# ---------------------------------------------------------------- acting on a ticket


class _Acting:
    """One transaction's view for carrying out rules: staff and loads read once, loads
    kept current as this transaction assigns, so a batch spreads work evenly."""

    def __init__(self, s: Session, now: datetime, outbound: OutboundSettings | None) -> None:
        self.s, self.now, self.outbound = s, now, outbound
        self._staff: list[Technician] | None = None
        self._loads: dict[int, int] = {}
        self._members: dict[int, set[int]] = {}

    def staff(self) -> list[Technician]:
        if self._staff is None:
            self._staff = list(self.s.exec(select(Technician).order_by(Technician.id)).all())  # type: ignore[arg-type]
            ids = [t.id for t in self._staff if t.active and t.role in esc.ASSIGNABLE_ROLES]
            self._loads = open_loads(self.s, ids) if ids else {}  # type: ignore[arg-type]
        return self._staff

    def members(self, group_id: int | None) -> set[int]:
        if group_id is None:
            return set()
        if group_id not in self._members:
            self._members[group_id] = set(self.s.exec(
                select(GroupMember.technician_id).where(GroupMember.group_id == group_id)
            ).all())
        return self._members[group_id]

    def pick(
        self, ticket: Ticket, *, tier: str | None, exclude: Iterable[int | None]
    ) -> int | None:
        group = self.members(ticket.group_id)
        pool = [
            esc.Staff(t.id, t.role, t.tier, t.active, self._loads.get(t.id, 0), t.id in group)  # type: ignore[arg-type]
            for t in self.staff()
        ]
        return esc.choose(pool, tier=tier, exclude=exclude, prefer_group=True)

    def moved(self, old: int | None, new: int | None) -> None:
        if old in self._loads:
            self._loads[old] -= 1  # type: ignore[index]
        if new is not None:
            self._loads[new] = self._loads.get(new, 0) + 1

    def tech(self, technician_id: int | None) -> Technician | None:
        return self.s.get(Technician, technician_id) if technician_id is not None else None


def _apply(
    a: _Acting,
    ticket: Ticket,
    rule: esc.EscalationSpec,
    *,
    trigger: str,
    key: str,
    headline: str,
) -> str:
    """Carry out one rule on one ticket; returns what was done, for the log and alerts."""
    s, now, acts = a.s, a.now, rule.actions
    previous = ticket.assignee_id
    done: list[str] = []
    reason = f"{headline} (escalation rule {trigger})"
    second = acts.get("assign_secondary")
    if second and ticket.secondary_id is None:
        tier = second if isinstance(second, str) else None
        picked = a.pick(ticket, tier=tier, exclude=[ticket.assignee_id])
        if picked is not None:
            ticket.secondary_id = picked
            s.add(ticket)
            tk.audit(s, at=now, actor=ACTOR, entity="ticket", entity_id=ticket.id,  # type: ignore[arg-type]
                     field="secondary", old=None, new=_name(a, picked), reason=reason)
            done.append(f"secondary {_name(a, picked)}")
        else:
            done.append("no technician free for a secondary")
    tier = acts.get("escalate_to")
    current = a.tech(ticket.assignee_id)
    if tier and not (current is not None and current.active and current.tier == tier):
        picked = a.pick(ticket, tier=tier, exclude=[ticket.assignee_id])
        if picked is not None:
            tk.assign(s, ticket, technician_id=picked, at=now, actor=ACTOR, reason=reason)
            a.moved(previous, picked)
            done.append(f"escalated to {_name(a, picked)}")
        else:
            done.append(f"no {tier} technician available")
    if acts.get("reassign") == "available":
        picked = a.pick(ticket, tier=None, exclude=[ticket.assignee_id])
        if picked is not None:
            tk.assign(s, ticket, technician_id=picked, at=now, actor=ACTOR, reason=reason)
            a.moved(previous, picked)
            done.append(f"reassigned to {_name(a, picked)}")
        else:
            done.append("nobody available to take it")
    if "status" in acts:
        try:
            new = tk.change_status(s, ticket, acts["status"], at=now, actor=ACTOR, reason=reason)
            done.append(f"status {new.name}")
        except tk.ServiceError as exc:  # e.g. the ticket is waiting on the customer
            tk.audit(s, at=now, actor=ACTOR, entity="ticket", entity_id=ticket.id,  # type: ignore[arg-type]
                     field="status", old=None, new=None, reason=f"{reason}: not moved: {exc}")
    if acts.get("flag_breached") and not ticket.sla_breached:
        ticket.sla_breached = True
        s.add(ticket)
        tk.audit(s, at=now, actor=ACTOR, entity="ticket", entity_id=ticket.id,  # type: ignore[arg-type]
                 field="sla_breached", old=False, new=True, reason=reason)
        done.append("flagged SLA breached")
    if acts.get("notify_client"):
        done.append(_mail_client(a, ticket, headline))
    summary = "; ".join(done) or "no change"
    text = acts.get("message") or f"#{ticket.number} {ticket.priority} {headline}"
    text = f"{text}: {ticket.subject} — {summary}"
    level = esc.level_for(trigger)
    for who in _recipients(a, ticket, rule.alerts, previous):
        s.add(Notification(recipient_id=who, level=level, text=text[:1000], ticket_id=ticket.id,
                           dedupe_key=f"{key}:{who}"[:200], created_at=now))
    ticket.updated_at = now
    s.add(ticket)
    bump_change_seq(s)
    return f"#{ticket.number} {headline}: {summary}"


def _mail_client(a: _Acting, ticket: Ticket, headline: str) -> str:
    if a.outbound is None:
        return "client not mailed (outbound mail is off)"
    # The ticket's own address (never a terminated contact), else the client's first
    # escalation contact with an email.
    address = outbox.reply_address(a.s, ticket)
    to: list[str] = [address] if address else []
    if not to and ticket.client_id is not None:
        for ec in a.s.exec(
            select(EscalationContact)
            .where(EscalationContact.client_id == ticket.client_id)
            .order_by(EscalationContact.position, EscalationContact.id)  # type: ignore[arg-type]
        ).all():
            if ec.emails:
                to = [ec.emails[0]]
                break
    body = (
        f"Your ticket #{ticket.number} ({ticket.subject}) has passed its service-level "
        f"target ({headline}). It has been escalated and our team is on it; we will update "
        "you shortly."
    )
    row = outbox.enqueue_notification(
        a.s, to=to, subject=f"SLA breached: {ticket.subject}", body=body, at=a.now,
        settings=a.outbound, ticket=ticket,
    )
    return f"client mailed ({', '.join(to)})" if row is not None else "no client address"


def _recipients(
    a: _Acting, ticket: Ticket, targets: Sequence[str], previous: int | None
) -> list[int]:
    out: list[int] = []

    def add(*ids: int | None) -> None:
        for i in ids:
            tech = a.tech(i)
            if i is not None and i not in out and tech is not None and tech.active:
                out.append(i)

    for target in targets:
        if target == "assignee":
            add(ticket.assignee_id)
        elif target == "previous_assignee":
            add(previous)
        elif target == "secondary":
            add(ticket.secondary_id)
        elif target == "team_lead":
            group = a.s.get(TechGroup, ticket.group_id) if ticket.group_id is not None else None
            lead = a.tech(group.lead_id) if group is not None else None
            if lead is not None and lead.active:
                add(lead.id)
            else:
                add(*(t.id for t in a.staff() if t.role == "team_lead"))
        else:
            add(*(t.id for t in a.staff() if t.role == target))
    return out


def _name(a: _Acting, technician_id: int) -> str:
    tech = a.tech(technician_id)
    return tech.name if tech else f"technician {technician_id}"


def _record_once(s: Session, *, key: str, ticket_id: int, trigger: str, at: datetime) -> bool:
    """The once-only stamp for actions with no `sla_alert` row; False if already done."""
    if s.exec(select(EscalationEvent.id).where(EscalationEvent.key == key)).first() is not None:
        return False
    try:
        with s.begin_nested():
            s.add(EscalationEvent(key=key, ticket_id=ticket_id, trigger=trigger, at=at))
    except sa.exc.IntegrityError:
        return False
    return True


def _note(s: Session, key: str, detail: str) -> None:
    s.execute(sa.update(EscalationEvent).where(EscalationEvent.key == key)  # type: ignore[arg-type]
              .values(detail=detail[:1000]).execution_options(synchronize_session=False))


class _Calendars:
    """Every business calendar, and the one each profile runs on, read once per run (in
    its first transaction) and shared by all its steps."""

    def __init__(self, s: Session) -> None:
        self.by_id: dict[int, BusinessCalendar] = {
            cal_id: load_calendar(s, cal_id)  # type: ignore[arg-type]
            for cal_id in s.exec(select(BusinessCalendarRow.id)).all()
        }
        self._of_profile: dict[int, int] = {
            pid: cal_id  # type: ignore[misc]
            for pid, cal_id in s.exec(select(SlaProfile.id, SlaProfile.calendar_id)).all()
        }
        self._open: dict[tuple[int, datetime], bool] = {}

    def lend(self, s: Session) -> None:
        """Hand the run's calendars to a transaction of the run, so the ticket services it
        calls (an assignment re-computes the idle window) use them instead of re-reading
        them."""
        share_calendars(s, self.by_id)

    def get(self, s: Session, calendar_id: int) -> BusinessCalendar:
        """One added while the run goes on is read then, in that transaction."""
        if calendar_id not in self.by_id:
            self.by_id[calendar_id] = load_calendar(s, calendar_id)
        return self.by_id[calendar_id]

    def of_profile(self, s: Session, profile_id: int | None) -> BusinessCalendar | None:
        if profile_id is None:
            return None
        if profile_id not in self._of_profile:
            profile = s.get(SlaProfile, profile_id)
            if profile is None:
                return None
            self._of_profile[profile_id] = profile.calendar_id
        return self.get(s, self._of_profile[profile_id])

    def is_open(self, s: Session, calendar_id: int, now: datetime) -> bool:
        key = (calendar_id, now)
        if key not in self._open:
            self._open[key] = self.get(s, calendar_id).is_open(now)
        return self._open[key]


# ---------------------------------------------------------------- the job


def run(
    db: Database,
    clock: Clock,
    *,
    owner: str,
    lease_ttl: timedelta = timedelta(seconds=60),
    outbound: OutboundSettings | None = None,
    batch: int = BATCH,
    state: EscalationState | None = None,
) -> EscalationResult:
    """Act on every crossing, near-due clock and idle ticket due by `clock.now()`."""
    now = clock.now()
    result = EscalationResult(ran=False)
    with db.session() as s:
        if not acquire_lease(s, ESCALATION_LEASE, owner, now, lease_ttl):
            return result
        rules = load_rules(s)
        calendars = _Calendars(s)
        start_after = 0
        if state is not None and state.checked_at is not None and not _opened_since(
            calendars, state.checked_at, now
        ):
            start_after = state.seen_alert_id
    result.ran = True
    last_seen = _alerts(db, clock, owner, lease_ttl, outbound, batch, rules, calendars,
                        start_after, result)
    if last_seen is None:  # lost the lease midway
        return result
    if state is not None:
        state.seen_alert_id, state.checked_at = max(last_seen, start_after), now
    if any(r.trigger == esc.NEAR_DUE for r in rules):
        _near_due(db, clock, owner, lease_ttl, outbound, batch, rules, calendars, result)
    if any(r.trigger == esc.IDLE for r in rules):
        _idle(db, clock, owner, lease_ttl, outbound, batch, rules, calendars, result)
    return result


def _opened_since(calendars: _Calendars, since: datetime, now: datetime) -> bool:
    """Whether any calendar was closed at `since` and has opened by `now` (then alerts
    left waiting on it are due)."""
    for cal in calendars.by_id.values():
        try:
            if not cal.is_open(since) and cal.next_open(since) <= now:
                return True
        except CalendarError:  # a calendar with no hours never opens
            continue
    return False


def _alerts(
    db: Database, clock: Clock, owner: str, ttl: timedelta, outbound: OutboundSettings | None,
    batch: int, rules: list[esc.EscalationSpec], calendars: _Calendars, after_id: int,
    result: EscalationResult,
) -> int | None:
    """Unhandled alerts in id order; returns the last id examined (None: lease lost)."""
    now = clock.now()
    while True:
        with db.session() as s:
            if not acquire_lease(s, ESCALATION_LEASE, owner, clock.now(), ttl):
                return None
            calendars.lend(s)
            rows = s.exec(
                select(SlaAlert, SlaClock.calendar_id, SlaClock.kind, Ticket.sla_profile_id)
                .join(SlaClock, SlaClock.id == SlaAlert.clock_id)  # type: ignore[arg-type]
                .join(Ticket, Ticket.id == SlaAlert.ticket_id)  # type: ignore[arg-type]
                .where(SlaAlert.handled_at.is_(None), SlaAlert.id > after_id)  # type: ignore[union-attr,operator]
                .order_by(SlaAlert.id)  # type: ignore[arg-type]
                .limit(batch)
            ).all()
            if not rows:
                return after_id
            acting = _Acting(s, now, outbound)
            for alert, calendar_id, kind, profile_id in rows:
                result.examined += 1
                if not esc.fires_now(calendars.is_open(s, calendar_id, now)):
                    result.deferred += 1
                    continue
                trigger = str(alert.threshold)
                what = "breached" if alert.threshold >= 100 else f"at {alert.threshold} %"
                try:
                    with s.begin_nested():
                        done = _act_on_ticket(
                            acting, alert.ticket_id, rules, profile_id, trigger,
                            key=f"esc:{alert.id}", headline=f"{kind} SLA {what}",
                        )
                        alert.handled_at = now
                        s.add(alert)
                except Exception:  # one bad row must not hold back the others
                    log.exception("escalation of alert %s failed; retried next run", alert.id)
                    continue
                result.handled += 1
                if done:
                    result.actions.append(done)
            after_id = rows[-1][0].id  # type: ignore[assignment]
        if len(rows) < batch:
            return after_id


def _act_on_ticket(
    a: _Acting, ticket_id: int, rules: list[esc.EscalationSpec], profile_id: int | None,
    trigger: str, *, key: str, headline: str,
) -> str | None:
    """Apply the matching rule unless the ticket is done by now (resolved meanwhile)."""
    ticket = a.s.get(Ticket, ticket_id)
    if ticket is None:
        return None
    status = a.s.get(Status, ticket.status_id)
    if status is None or status.category not in _OPEN_OR_PAUSED:
        return None
    rule = esc.rule_for(rules, profile_id, trigger)
    if rule is None:
        return None
    return _apply(a, ticket, rule, trigger=trigger, key=key, headline=headline)


def _near_due(
    db: Database, clock: Clock, owner: str, ttl: timedelta, outbound: OutboundSettings | None,
    batch: int, rules: list[esc.EscalationSpec], calendars: _Calendars,
    result: EscalationResult,
) -> None:
    now = clock.now()
    with db.session() as s:
        margins = s.exec(select(SlaProfile.near_due_margin_minutes)).all()
    widest = max([30 * 60, *(m * 60 for m in margins if m)])
    open_now = [c for c, cal in calendars.by_id.items() if cal.is_open(now)]
    event_key = sa.literal("near_due:") + sa.cast(SlaClock.id, sa.String)
    policies: dict[int | None, Any] = {}
    for calendar_id in open_now:
        after: tuple[datetime, int] | None = None
        while True:
            with db.session() as s:
                if not acquire_lease(s, ESCALATION_LEASE, owner, clock.now(), ttl):
                    return
                calendars.lend(s)
                cal = calendars.by_id[calendar_id]
                upper = cal.add(now, widest)
                # Plain columns, not ORM rows: most clocks in the window are not inside
                # their own (smaller) margin yet, and loaded rows would make every flush
                # of this transaction walk them.
                stmt = (
                    sa.select(SlaClock.id, SlaClock.ticket_id, SlaClock.kind,
                              SlaClock.target_seconds, SlaClock.due_at, Ticket.sla_profile_id)
                    .join(Ticket, Ticket.id == SlaClock.ticket_id)  # type: ignore[arg-type]
                    .where(
                        SlaClock.due_at > now,  # type: ignore[operator]
                        SlaClock.due_at <= upper,  # type: ignore[operator]
                        SlaClock.state == ClockState.RUNNING,
                        SlaClock.calendar_id == calendar_id,
                        ~sa.exists().where(EscalationEvent.key == event_key),
                    )
                )
                if after is not None:
                    stmt = stmt.where(sa.tuple_(SlaClock.due_at, SlaClock.id) > after)
                rows = s.execute(stmt.order_by(SlaClock.due_at, SlaClock.id).limit(batch)).all()  # type: ignore[arg-type]
                if not rows:
                    break
                after = (rows[-1].due_at, rows[-1].id)
                acting = _Acting(s, now, outbound)
                for clock_id, ticket_id, kind, target, due_at, profile_id in rows:
                    rule = esc.rule_for(rules, profile_id, esc.NEAR_DUE)
                    if rule is None:
                        continue
                    if profile_id not in policies:
                        policies[profile_id] = sla.policy_of(s, profile_id)
                    # A running clock's due instant lies exactly its remaining business
                    # seconds ahead, so the remaining time is one calendar lookup.
                    remaining = cal.elapsed(now, due_at)
                    if not 0 < remaining <= policies[profile_id].margin(target):
                        continue
                    key = f"near_due:{clock_id}"
                    with s.begin_nested():
                        if not _record_once(s, key=key, ticket_id=ticket_id,
                                            trigger=esc.NEAR_DUE, at=now):
                            continue
                        done = _act_on_ticket(acting, ticket_id, rules, profile_id,
                                              esc.NEAR_DUE, key=f"esc:{key}",
                                              headline=f"{kind} SLA near due")
                        _note(s, key, done or "nothing to do")
                    result.near_due += 1
                    if done:
                        result.actions.append(done)
            if len(rows) < batch:
                break


def _idle(
    db: Database, clock: Clock, owner: str, ttl: timedelta, outbound: OutboundSettings | None,
    batch: int, rules: list[esc.EscalationSpec], calendars: _Calendars,
    result: EscalationResult,
) -> None:
    """Idle tickets by the `idle_check_at` index; each one leaves the range (reassigned,
    deferred to its calendar's opening, or cleared), so every batch starts from the front."""
    now = clock.now()
    while True:
        with db.session() as s:
            if not acquire_lease(s, ESCALATION_LEASE, owner, clock.now(), ttl):
                return
            calendars.lend(s)
            ids = s.exec(
                select(Ticket.id)
                .where(Ticket.idle_check_at <= now)  # type: ignore[operator]
                .order_by(Ticket.idle_check_at, Ticket.id)  # type: ignore[arg-type]
                .limit(batch)
            ).all()
            acting = _Acting(s, now, outbound)
            for ticket_id in ids:
                done = _idle_one(acting, ticket_id, rules, calendars)  # type: ignore[arg-type]
                if done is not None:
                    result.idle += 1
                    result.actions.append(done)
        if len(ids) < batch:
            return


def _idle_one(
    a: _Acting, ticket_id: int, rules: list[esc.EscalationSpec], calendars: _Calendars
) -> str | None:
    s, now = a.s, a.now
    ticket = s.get(Ticket, ticket_id)
    if ticket is None or ticket.idle_check_at is None:
        return None
    due = ticket.idle_check_at
    status = s.get(Status, ticket.status_id)
    rule = esc.rule_for(rules, ticket.sla_profile_id, esc.IDLE)
    if (rule is None or ticket.assignee_id is None or status is None
            or status.category != StatusCategory.OPEN):
        ticket.idle_check_at = None  # re-verified: not (or no longer) a candidate
        s.add(ticket)
        return None
    cal = calendars.of_profile(s, ticket.sla_profile_id)
    if cal is not None and not esc.fires_now(cal.is_open(now)):
        ticket.idle_check_at = cal.next_open(now)  # wait for the opening, off the range
        s.add(ticket)
        return None
    key = f"idle:{ticket.id}:{due.isoformat()}"
    with s.begin_nested():
        if not _record_once(s, key=key, ticket_id=ticket.id, trigger=esc.IDLE, at=now):  # type: ignore[arg-type]
            ticket.idle_check_at = None
            s.add(ticket)
            return None
        since = ticket.last_tech_activity_at
        quiet = f"no technician activity since {since:%Y-%m-%d %H:%M} UTC" if since else (
            "no technician activity since it was assigned")
        done = _apply(a, ticket, rule, trigger=esc.IDLE, key=f"esc:{key}",
                      headline=f"idle: {quiet}")
        if ticket.idle_check_at is not None and ticket.idle_check_at <= now:
            # Nobody could take it: look again after another window, not every tick.
            ticket.idle_check_at = now + rule.idle_after
            s.add(ticket)
        _note(s, key, done)
    return done
