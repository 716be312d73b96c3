"""The ticket detail's use cases: the whole view in one read transaction, and time logging.

The screen repaints countdowns every second from the instants in `TicketDetail`; what
needs a business calendar (time used so far, targets in contract words) is worked out
here once per load, so the UI thread never does calendar math or touches a session.
The plain formatters live here too, so tests and other screens format the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session

from msp_tui.engine import sla as eng
from msp_tui.engine.priority_policy import is_higher
from msp_tui.engine.targets import parse_target
from msp_tui.engine.vocabulary import (
    ClockKind,
    ClockState,
    Direction,
    FollowOn,
    OutboxState,
    billing_label,
)
from msp_tui.services import sla, tickets
from msp_tui.services.calendars import load_calendar
from msp_tui.services.desk import Desk
from msp_tui.services.local_zone import first_known, viewer_zone, zone_or_utc
from msp_tui.services.tickets import ServiceError
from msp_tui.store import ticket_queries as tq
from msp_tui.store.models import Client, ResolutionCode, Ticket
from msp_tui.store.queries import TechnicianView, technician_by_email
from msp_tui.store.ticket_queries import (
    NOT_EMAILED,
    ClockView,
    DeliveryView,
    MessageView,
    PriorityView,
    ResolutionCodeView,
    TicketDetail,
    TimeEntryView,
)

DAY_SECONDS = 24 * 3600


def ticket_detail(desk: Desk, ticket_id: int) -> TicketDetail:
    """Everything the detail screen shows, read in one transaction at `desk.clock.now()`."""
    now = desk.clock.now()
    with desk.db.session() as s:
        detail = tq.ticket_detail(s, ticket_id)
        if detail is None:
            raise ServiceError(f"no ticket with id {ticket_id}")
        me = technician_by_email(s, desk.me_email) if desk.me_email else None
        rules = sla.rules_for(s, detail.sla_profile_id, detail.priority)
        clocks = tuple(_with_business_time(s, c, rules, now) for c in detail.clocks)
        zone = _display_zone(s, me, detail)
    messages = _not_emailed(detail) if desk.outbound is not None else detail.messages
    return replace(
        _current_suggestion(detail), clocks=clocks, zone=zone, me_id=me.id if me else None,
        messages=messages,
    )


def _current_suggestion(d: TicketDetail) -> TicketDetail:
    """Hide a suggestion the priority has caught up with (raised by hand since)."""
    if d.suggested_priority is None or is_higher(d.suggested_priority, d.priority):
        return d
    return replace(d, suggested_priority=None, suggestion_reason="")


def _not_emailed(d: TicketDetail) -> tuple[MessageView, ...]:
    """Mark public replies that have no mail, so nobody believes the customer has them.

    The opening message is left alone: a ticket a technician opens is never mailed.
    """
    if not d.messages:
        return d.messages
    if d.contact_terminated:
        reason: str | None = "the contact has left the client (terminated)"
    elif d.contact_email or d.requester_email:
        reason = None
    else:
        reason = "the ticket has no contact address"
    first, *rest = d.messages
    return (
        first,
        *(
            replace(m, delivery=DeliveryView(None, NOT_EMAILED, error=reason))
            if m.direction == Direction.PUBLIC and m.delivery is None
            else m
            for m in rest
        ),
    )


def priority_options(desk: Desk) -> list[PriorityView]:
    with desk.db.session() as s:
        return tq.priority_options(s)


FOLLOW_ON_LABEL = {
    FollowOn.REPLACEMENT_ORDERED: "Replacement ordered",
    FollowOn.LICENSE_TRUE_UP: "License true-up",
    FollowOn.CHANGE_REQUEST: "Change request",
    FollowOn.OTHER: "Other (see notes)",
}


def default_billable(billing_type: str | None, hybrid_default: bool = True) -> bool:
    """New time is billable for Time & Materials, not for Fixed Monthly (nor without a
    client to bill), and as the client says for Hybrid."""
    return tickets.default_billable(billing_type, hybrid_default)


def billing_hint(client: str | None, billing_type: str | None, billable: bool) -> str:
    """Why new time starts (non-)billable, in the words the time dialogs show."""
    if billing_type is None:
        return "No client to bill: not billable by default."
    contract = billing_label(billing_type)
    return f"{client}: {contract} contract, so {'' if billable else 'not '}billable by default."


@dataclass(frozen=True)
class ClosingContext:
    """What the resolve and close dialogs show: the codes to pick from, the ticket's time
    to confirm, whether it already has a resolution, and who signs the close off."""

    codes: tuple[ResolutionCodeView, ...]
    entries: tuple[TimeEntryView, ...]
    billable_default: bool
    billing_hint: str
    resolution_code: str | None  # what the ticket has (a move within the resolved family)
    resolution_label: str | None
    resolution_summary: str
    signer: str

    @property
    def billable_minutes(self) -> int:
        return sum(e.minutes for e in self.entries if e.billable)

    @property
    def total_minutes(self) -> int:
        return sum(e.minutes for e in self.entries)


def closing_context(desk: Desk, ticket_id: int) -> ClosingContext:
    """One read for the transition dialog (and again after it logs missing time)."""
    with desk.db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        if ticket is None:
            raise ServiceError(f"no ticket with id {ticket_id}")
        client = s.get(Client, ticket.client_id) if ticket.client_id is not None else None
        code = (
            s.get(ResolutionCode, ticket.resolution_code_id)
            if ticket.resolution_code_id is not None
            else None
        )
        billing = client.billing_type if client is not None else None
        billable = default_billable(billing, client.hybrid_billable_default if client else True)
        context = ClosingContext(
            codes=tuple(tq.resolution_codes(s)),
            entries=tq.time_entries(s, ticket_id),
            billable_default=billable,
            billing_hint=billing_hint(client.name if client else None, billing, billable),
            resolution_code=code.code if code is not None else None,
            resolution_label=code.label if code is not None else None,
            resolution_summary=ticket.resolution_summary,
            signer="",
        )
    me = desk.me()
    return replace(context, signer=me.name if me is not None else tickets.SYSTEM.name)


def resolution_codes(desk: Desk) -> list[ResolutionCodeView]:
    with desk.db.session() as s:
        return tq.resolution_codes(s)


def log_time(
    desk: Desk, ticket_id: int, *, minutes: int, billable: bool, note: str = ""
) -> None:
    """Log my time on a ticket, dated today in my zone (`local_zone.viewer_zone`, the
    billing screen's "today" too); one transaction."""
    at = desk.clock.now()
    with desk.db.session() as s:
        me = technician_by_email(s, desk.me_email) if desk.me_email else None
        if me is None:
            raise ServiceError("time is logged by a technician: set [me] email in the config")
        ticket = s.get(Ticket, ticket_id)
        if ticket is None:
            raise ServiceError(f"no ticket with id {ticket_id}")
        tickets.log_time(
            s,
            ticket,
            technician_id=me.id,
            minutes=minutes,
            billable=billable,
            work_date=at.astimezone(zone_or_utc(viewer_zone(s, me))).date(),
            at=at,
            note=note.strip(),
        )


# ---------------------------------------------------------------- business time


def _with_business_time(
    s: Session, clock: ClockView, rules: sla.Rules | None, now: datetime
) -> ClockView:
    calendar = load_calendar(s, clock.calendar_id)
    value = eng.KpiClock(
        kind=ClockKind(clock.kind),
        state=ClockState(clock.state),
        target_seconds=clock.target_seconds,
        started_at=clock.started_at,
        consumed_seconds=clock.consumed_seconds,
        running_since=clock.running_since,
    )
    return replace(
        clock,
        used_seconds=value.consumed(now, calendar),
        target_label=_target_label(clock, rules, calendar.business_day_seconds()),
    )


def _target_label(clock: ClockView, rules: sla.Rules | None, calendar_day: int) -> str:
    """The profile's own words when this clock runs on them, else from the seconds."""
    kind = ClockKind(clock.kind)
    if rules is not None and rules.calendar_id == clock.calendar_id:
        spec = {
            ClockKind.RESPONSE: rules.target.response,
            ClockKind.RESOLUTION: rules.target.resolution,
            ClockKind.UPDATE: rules.target.update_interval,
        }[kind]
        try:
            if spec and rules.target_seconds(kind, clock.started_at) == clock.target_seconds:
                return parse_target(spec).describe()
        except ValueError:
            pass
    day = (rules.business_day_seconds() if rules else None) or calendar_day
    # On a 24/7 calendar a "business day" is just a day: say hours.
    return format_target(clock.target_seconds, day if day < DAY_SECONDS else None)


def _display_zone(s: Session, me: TechnicianView | None, detail: TicketDetail) -> str:
    """My zone; else the zone of the calendar the clocks count on; else UTC.

    Unlike `local_zone.viewer_zone` the second choice is this ticket's calendar, not the
    desk's first one: a ticket of a client served from elsewhere reads in that client's hours.
    """
    calendar_id = detail.clocks[0].calendar_id if detail.clocks else None
    calendar_id = calendar_id or detail.client_profile_calendar_id
    calendar_zone = load_calendar(s, calendar_id).tz if calendar_id is not None else None
    return first_known(me.timezone if me else None, calendar_zone)


# ---------------------------------------------------------------- formatting


def format_duration(seconds: int) -> str:
    """Business or wall time for people: "45 min", "4 h", "1 h 30 min", "52 h"."""
    minutes = max(0, seconds) // 60
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    if not rest:
        return f"{hours} h"
    return f"{hours} h {rest:02d} min"


def format_minutes(minutes: int) -> str:
    """Logged time: "1 h 30 min"."""
    return format_duration(minutes * 60)


def format_target(seconds: int, business_day_seconds: int | None = None) -> str:
    """A target from its seconds: whole business days when it is some, else hours."""
    day = business_day_seconds
    if day and seconds >= day and seconds % day == 0:
        n = seconds // day
        return f"{n} business day{'s' if n != 1 else ''}"
    return format_duration(seconds)


def format_instant(at: datetime | None, zone: str, *, with_zone: bool = True) -> str:
    """An instant in the reader's zone: "Tue 24 Nov 14:00 EST"."""
    if at is None:
        return "—"
    local = at.astimezone(zone_or_utc(zone))
    text = local.strftime("%a %d %b %H:%M")
    return f"{text} {local.strftime('%Z')}" if with_zone else text


def delivery_text(delivery: DeliveryView, zone: str, written_at: datetime) -> str:
    """A reply's email in a few words: "sent 15:31 to a@b.example", "queued (attempt 2,
    next try 15:42: connection refused)", "failed: 550 mailbox unknown", "not emailed: …".

    Times are the hour in the reader's zone, with the day when it is not the reply's day.
    """
    local_zone = zone_or_utc(zone)
    day = written_at.astimezone(local_zone).date()

    def when(at: datetime | None) -> str:
        if at is None:
            return "—"
        local = at.astimezone(local_zone)
        return local.strftime("%H:%M" if local.date() == day else "%a %d %b %H:%M")

    to = ", ".join(delivery.to)
    if delivery.state == OutboxState.SENT:
        text = f"sent {when(delivery.sent_at)} to {to}"
        return f"{text} ({delivery.error})" if delivery.error else text
    if delivery.state == OutboxState.FAILED:
        return f"failed: {delivery.error or 'refused'}"
    if delivery.state == OutboxState.QUEUED:
        if not delivery.attempts:
            return f"queued for {to}"
        why = f": {delivery.error}" if delivery.error else ""
        next_try = when(delivery.next_attempt_at)
        return f"queued (attempt {delivery.attempts}, next try {next_try}{why})"
    return f"not emailed: {delivery.error}" if delivery.error else "not emailed"


def zone_abbreviation(zone: str, at: datetime) -> str:
    """The zone's short name at an instant ("EST"), for headings."""
    return at.astimezone(zone_or_utc(zone)).strftime("%Z")
