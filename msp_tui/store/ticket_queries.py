"""Read model of one ticket for the detail screen: a frozen `TicketDetail` in seven queries.

Like `store/queries.py`, nothing here leaves a session or an ORM object behind: the
screen paints plain tuples and repaints countdowns from the stored instants. Business
time math (time used so far, human targets) is the service's job
(`services/ticket_view.py`), which fills the fields left at their defaults here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session

from msp_tui.engine.vocabulary import ClockState, OutboxKind, StatusCategory
from msp_tui.store.models import (
    Asset,
    Attachment,
    Category,
    Client,
    Contact,
    Message,
    OutboxMail,
    Priority,
    ResolutionCode,
    SlaClock,
    SlaClockEvent,
    SlaProfile,
    Status,
    TechGroup,
    Technician,
    Ticket,
    TicketRelation,
    TimeEntry,
)

# A clock stops being paused at any of these (a resolve while paused meets the clock).
_PAUSE_ENDS = frozenset({"resumed", "reopened", "met", "stopped late", "cancelled"})


# `DeliveryView.state` of a public reply that has no outbox row (set by the service).
NOT_EMAILED = "not emailed"


@dataclass(frozen=True)
class DeliveryView:
    """Where a public reply's email stands: its outbox row, or why there is none."""

    outbox_id: int | None
    state: str  # engine.vocabulary.OutboxState (queued, sent, failed), or NOT_EMAILED
    to: tuple[str, ...] = ()
    attempts: int = 0
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    error: str | None = None  # the last failure, or why it was not emailed


@dataclass(frozen=True)
class AttachmentView:
    id: int
    filename: str
    content_type: str
    size: int
    skipped_reason: str | None  # set when the file was not kept (over the size cap)


@dataclass(frozen=True)
class MessageView:
    id: int
    direction: str  # engine.vocabulary.Direction: customer, public, internal
    channel: str
    author: str
    author_email: str | None
    at: datetime
    body: str
    delivery: DeliveryView | None = None  # public replies only
    attachments: tuple[AttachmentView, ...] = ()


@dataclass(frozen=True)
class PausedSpan:
    """One pause of a clock; `end` is None while it is still paused."""

    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class ClockView:
    """One SLA KPI instance; has the instants `engine.badges.badge_for` reads."""

    id: int
    kind: str
    state: str
    calendar_id: int
    target_seconds: int
    consumed_seconds: int
    running_since: datetime | None
    started_at: datetime
    due_at: datetime | None
    at_risk_at: datetime | None
    breached_at: datetime | None
    stopped_at: datetime | None
    paused_spans: tuple[PausedSpan, ...] = ()
    # Filled by the service: business seconds used by the read instant, and the target
    # as a contract says it ("4 h", "2 business days").
    used_seconds: int = 0
    target_label: str = ""

    @property
    def cancelled(self) -> bool:
        return self.state == ClockState.CANCELLED


@dataclass(frozen=True)
class ClockEventView:
    id: int
    clock_id: int
    kind: str
    event: str
    at: datetime
    consumed_seconds: int
    due_before: datetime | None
    due_after: datetime | None
    note: str


@dataclass(frozen=True)
class TimeEntryView:
    id: int
    technician: str
    work_date: date
    minutes: int
    billable: bool
    note: str
    created_at: datetime
    # Approved for invoicing: locked, nothing on the ticket may change or delete it.
    approved: bool = False


@dataclass(frozen=True)
class ResolutionCodeView:
    """A resolution code a technician can pick (its `code` is the stable report key)."""

    code: str
    label: str


@dataclass(frozen=True)
class PriorityView:
    code: str
    label: str

    @property
    def title(self) -> str:
        return f"{self.code} {self.label}"


@dataclass(frozen=True)
class LinkedTicketView:
    """A master or child ticket, as named in the other one's header."""

    id: int
    number: int
    subject: str
    status: str
    status_category: str

    @property
    def open(self) -> bool:
        """Still to be worked: not resolved or closed."""
        return self.status_category not in (StatusCategory.RESOLVED, StatusCategory.CLOSED)


@dataclass(frozen=True)
class TicketDetail:
    id: int
    number: int
    subject: str
    type: str
    channel: str
    priority: str
    priority_label: str
    status_id: int
    status: str
    status_key: str | None
    status_category: str
    client_id: int | None
    client: str | None
    client_billing_type: str | None
    client_hybrid_billable: bool  # a Hybrid client's default for new time
    client_vip: bool
    client_profile: str | None  # the client's SLA tier
    client_profile_calendar_id: int | None
    sla_profile_id: int | None  # the profile the clocks run on
    unmatched_client: bool
    possible_social_engineering: bool
    requester_email: str | None
    contact: str | None
    contact_email: str | None
    contact_authorized: bool | None
    contact_terminated: bool | None
    asset: str | None
    category: str | None
    sub_category: str | None
    assignee_id: int | None
    assignee: str | None
    secondary: str | None
    group: str | None
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    # Why it was resolved, who signed the close off ("system" for auto-close) and what
    # follow-on work it leaves (`FollowOn` values).
    resolution_code: str | None = None
    resolution_label: str | None = None
    resolution_summary: str = ""
    closed_by: str | None = None
    closure_notes: str = ""
    follow_on: tuple[str, ...] = ()
    messages: tuple[MessageView, ...] = ()
    clocks: tuple[ClockView, ...] = ()
    clock_events: tuple[ClockEventView, ...] = ()
    time_entries: tuple[TimeEntryView, ...] = ()
    # Master/child links: the master this ticket is filed under, and its own children.
    parent: LinkedTicketView | None = None
    children: tuple[LinkedTicketView, ...] = ()
    # Duplicates: the original this one duplicates, the ones that duplicate it; and
    # "related" tickets (a symmetric link, e.g. mail on a closed ticket).
    duplicate_of: LinkedTicketView | None = None
    duplicates: tuple[LinkedTicketView, ...] = ()
    related: tuple[LinkedTicketView, ...] = ()
    # The priority policy's keyword suggestion, waiting for a technician to accept or override.
    suggested_priority: str | None = None
    suggestion_reason: str = ""
    # Filled by the service: the zone instants are shown in, and who "me" is.
    zone: str = "UTC"
    me_id: int | None = None

    @property
    def open_children(self) -> int:
        """Children a resolve, close or reply on this master may cascade to."""
        return sum(1 for c in self.children if c.open)

    @property
    def has_links(self) -> bool:
        return bool(self.parent or self.children or self.duplicate_of or self.duplicates
                    or self.related)

    @property
    def billable_minutes(self) -> int:
        return sum(e.minutes for e in self.time_entries if e.billable)

    @property
    def non_billable_minutes(self) -> int:
        return sum(e.minutes for e in self.time_entries if not e.billable)


def ticket_detail(session: Session, ticket_id: int) -> TicketDetail | None:
    """The ticket, its thread, clocks, clock history, time and links, or None if none."""
    header = _header(session, ticket_id)
    if header is None:
        return None
    parent_id = header.pop("parent_id")
    parent, children = _links(session, ticket_id, parent_id)  # type: ignore[arg-type]
    duplicate_of, duplicates, related = _other_links(
        session, ticket_id, header.pop("duplicate_of_id")  # type: ignore[arg-type]
    )
    events = _clock_events(session, ticket_id)
    return TicketDetail(
        **header,
        messages=_messages(session, ticket_id),
        clocks=_clocks(session, ticket_id, events),
        clock_events=events,
        time_entries=time_entries(session, ticket_id),
        parent=parent,
        children=children,
        duplicate_of=duplicate_of,
        duplicates=duplicates,
        related=related,
    )


def _header(session: Session, ticket_id: int) -> dict[str, object] | None:
    assignee = aliased(Technician)
    secondary = aliased(Technician)
    sub = aliased(Category)
    parent = aliased(Category)
    stmt = (
        sa.select(
            Ticket.id,
            Ticket.number,
            Ticket.subject,
            Ticket.type,
            Ticket.channel,
            Ticket.priority,
            Priority.label.label("priority_label"),
            Ticket.status_id,
            Status.name.label("status"),
            Status.key.label("status_key"),
            Status.category.label("status_category"),
            Ticket.client_id,
            Client.name.label("client"),
            Client.billing_type.label("client_billing_type"),
            sa.func.coalesce(Client.hybrid_billable_default, True).label(
                "client_hybrid_billable"
            ),
            sa.func.coalesce(Client.vip, False).label("client_vip"),
            SlaProfile.name.label("client_profile"),
            SlaProfile.calendar_id.label("client_profile_calendar_id"),
            Ticket.sla_profile_id,
            Ticket.unmatched_client,
            Ticket.possible_social_engineering,
            Ticket.suggested_priority,
            Ticket.suggestion_reason,
            Ticket.requester_email,
            Contact.name.label("contact"),
            Contact.email.label("contact_email"),
            Contact.authorized.label("contact_authorized"),
            Contact.terminated.label("contact_terminated"),
            Asset.hostname.label("asset"),
            parent.name.label("parent_category"),
            sub.name.label("own_category"),
            Ticket.assignee_id,
            assignee.name.label("assignee"),
            secondary.name.label("secondary"),
            TechGroup.name.label("group"),
            Ticket.created_at,
            Ticket.updated_at,
            Ticket.first_response_at,
            Ticket.resolved_at,
            Ticket.closed_at,
            ResolutionCode.code.label("resolution_code"),
            ResolutionCode.label.label("resolution_label"),
            Ticket.resolution_summary,
            Ticket.closed_by,
            Ticket.closure_notes,
            Ticket.follow_on,
            Ticket.parent_id,
            Ticket.duplicate_of_id,
        )
        .join(Status, Status.id == Ticket.status_id)
        .join(Priority, Priority.code == Ticket.priority)
        .outerjoin(Client, Client.id == Ticket.client_id)
        .outerjoin(SlaProfile, SlaProfile.id == Client.sla_profile_id)
        .outerjoin(Contact, Contact.id == Ticket.contact_id)
        .outerjoin(Asset, Asset.id == Ticket.asset_id)
        .outerjoin(sub, sub.id == Ticket.category_id)
        .outerjoin(parent, parent.id == sub.parent_id)
        .outerjoin(assignee, assignee.id == Ticket.assignee_id)
        .outerjoin(secondary, secondary.id == Ticket.secondary_id)
        .outerjoin(TechGroup, TechGroup.id == Ticket.group_id)
        .outerjoin(ResolutionCode, ResolutionCode.id == Ticket.resolution_code_id)
        .where(Ticket.id == ticket_id)
    )
    row = session.execute(stmt).mappings().one_or_none()
    if row is None:
        return None
    out = dict(row)
    parent_name, own = out.pop("parent_category"), out.pop("own_category")
    # A ticket filed on a top-level category has no sub-category.
    out["category"], out["sub_category"] = (parent_name, own) if parent_name else (own, None)
    out["client_vip"] = bool(out["client_vip"])
    out["client_hybrid_billable"] = bool(out["client_hybrid_billable"])
    out["follow_on"] = tuple(out["follow_on"] or ())
    out["resolution_summary"] = out["resolution_summary"] or ""
    out["closure_notes"] = out["closure_notes"] or ""
    return out


def _links(
    session: Session, ticket_id: int, parent_id: int | None
) -> tuple[LinkedTicketView | None, tuple[LinkedTicketView, ...]]:
    """The ticket's master (if filed under one) and its children, in one query."""
    linked = Ticket.parent_id == ticket_id
    if parent_id is not None:
        linked = sa.or_(linked, Ticket.id == parent_id)  # type: ignore[assignment]
    stmt = (
        sa.select(Ticket.id, Ticket.number, Ticket.subject, Status.name, Status.category)
        .join(Status, Status.id == Ticket.status_id)
        .where(linked)
        .order_by(Ticket.number)
    )
    views = [LinkedTicketView(*row) for row in session.execute(stmt).all()]
    parent = next((v for v in views if v.id == parent_id), None)
    return parent, tuple(v for v in views if v.id != parent_id)


def _other_links(
    session: Session, ticket_id: int, duplicate_of_id: int | None
) -> tuple[LinkedTicketView | None, tuple[LinkedTicketView, ...], tuple[LinkedTicketView, ...]]:
    """The original this ticket duplicates, its own duplicates, and related tickets."""
    related_ids = sa.union(
        sa.select(TicketRelation.related_id).where(TicketRelation.ticket_id == ticket_id),
        sa.select(TicketRelation.ticket_id).where(TicketRelation.related_id == ticket_id),
    )
    linked = sa.or_(Ticket.duplicate_of_id == ticket_id, Ticket.id.in_(related_ids))  # type: ignore[union-attr]
    if duplicate_of_id is not None:
        linked = sa.or_(linked, Ticket.id == duplicate_of_id)
    stmt = (
        sa.select(Ticket.id, Ticket.number, Ticket.subject, Status.name, Status.category,
                  Ticket.duplicate_of_id)
        .join(Status, Status.id == Ticket.status_id)
        .where(linked)
        .order_by(Ticket.number)
    )
    rows = session.execute(stmt).all()
    views = {row[0]: LinkedTicketView(*row[:5]) for row in rows}
    duplicates = tuple(views[row[0]] for row in rows if row[5] == ticket_id)
    related = set(session.execute(related_ids).scalars())
    return (
        views.get(duplicate_of_id) if duplicate_of_id is not None else None,
        duplicates,
        tuple(v for v in views.values() if v.id in related),
    )


def _messages(session: Session, ticket_id: int) -> tuple[MessageView, ...]:
    stmt = (
        sa.select(
            Message.id,
            Message.direction,
            Message.channel,
            Message.author_name,
            Message.author_email,
            Message.created_at,
            Message.body,
        )
        .where(Message.ticket_id == ticket_id)
        .order_by(Message.created_at, Message.id)
    )
    deliveries = _deliveries(session, ticket_id)
    files = _attachments(session, ticket_id)
    return tuple(
        MessageView(*row, delivery=deliveries.get(row.id), attachments=files.get(row.id, ()))
        for row in session.execute(stmt).all()
    )


def _attachments(session: Session, ticket_id: int) -> dict[int, tuple[AttachmentView, ...]]:
    """Message id -> its files (names and sizes only: the bytes stay in the database)."""
    stmt = (
        sa.select(
            Attachment.message_id,
            Attachment.id,
            Attachment.filename,
            Attachment.content_type,
            Attachment.size,
            Attachment.skipped_reason,
        )
        .join(Message, Message.id == Attachment.message_id)  # type: ignore[arg-type]
        .where(Message.ticket_id == ticket_id)
        .order_by(Attachment.id)
    )
    out: dict[int, list[AttachmentView]] = {}
    for row in session.execute(stmt).all():
        out.setdefault(row.message_id, []).append(AttachmentView(*row[1:]))
    return {k: tuple(v) for k, v in out.items()}


def _deliveries(session: Session, ticket_id: int) -> dict[int, DeliveryView]:
    """Message id -> its reply mail (the newest, should there ever be two)."""
    stmt = (
        sa.select(
            OutboxMail.message_id,
            OutboxMail.id,
            OutboxMail.state,
            OutboxMail.to_addrs,
            OutboxMail.cc_addrs,
            OutboxMail.attempts,
            OutboxMail.next_attempt_at,
            OutboxMail.sent_at,
            OutboxMail.last_error,
        )
        .where(
            OutboxMail.ticket_id == ticket_id,
            OutboxMail.kind == OutboxKind.REPLY,
            OutboxMail.message_id.is_not(None),  # type: ignore[union-attr]
        )
        .order_by(OutboxMail.id)
    )
    out: dict[int, DeliveryView] = {}
    for row in session.execute(stmt).all():
        out[row.message_id] = DeliveryView(
            outbox_id=row.id,
            state=row.state,
            to=(*row.to_addrs, *row.cc_addrs),
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at,
            sent_at=row.sent_at,
            error=row.last_error,
        )
    return out


def _clocks(
    session: Session, ticket_id: int, events: tuple[ClockEventView, ...]
) -> tuple[ClockView, ...]:
    stmt = (
        sa.select(
            SlaClock.id,
            SlaClock.kind,
            SlaClock.state,
            SlaClock.calendar_id,
            SlaClock.target_seconds,
            SlaClock.consumed_seconds,
            SlaClock.running_since,
            SlaClock.started_at,
            SlaClock.due_at,
            SlaClock.at_risk_at,
            SlaClock.breached_at,
            SlaClock.stopped_at,
        )
        .where(SlaClock.ticket_id == ticket_id)
        .order_by(SlaClock.id)
    )
    out = []
    for row in session.execute(stmt).all():
        clock_id, state = row.id, row.state
        mine = [e for e in events if e.clock_id == clock_id]
        out.append(ClockView(*row, paused_spans=paused_spans(mine, state == ClockState.PAUSED)))
    return tuple(out)


def paused_spans(events: Iterable[ClockEventView], paused_now: bool) -> tuple[PausedSpan, ...]:
    """Pause/resume pairs of one clock's events (in time order).

    A clock opened already paused (a retarget while waiting on the customer) has no
    "paused" event: its pause runs from its first event.
    """
    spans: list[PausedSpan] = []
    start: datetime | None = None
    first: datetime | None = None
    for e in events:
        first = first or e.at
        if e.event == "paused" and start is None:
            start = e.at
        elif e.event in _PAUSE_ENDS and start is not None:
            spans.append(PausedSpan(start, e.at))
            start = None
    if paused_now:
        if start is None and first is not None and not spans:
            start = first
        if start is not None:
            spans.append(PausedSpan(start, None))
    return tuple(spans)


def _clock_events(session: Session, ticket_id: int) -> tuple[ClockEventView, ...]:
    stmt = (
        sa.select(
            SlaClockEvent.id,
            SlaClockEvent.clock_id,
            SlaClock.kind,
            SlaClockEvent.event,
            SlaClockEvent.at,
            SlaClockEvent.consumed_seconds,
            SlaClockEvent.due_before,
            SlaClockEvent.due_after,
            SlaClockEvent.note,
        )
        .join(SlaClock, SlaClock.id == SlaClockEvent.clock_id)
        .where(SlaClockEvent.ticket_id == ticket_id)
        .order_by(SlaClockEvent.at, SlaClockEvent.id)
    )
    return tuple(ClockEventView(*row) for row in session.execute(stmt).all())


def time_entries(session: Session, ticket_id: int) -> tuple[TimeEntryView, ...]:
    """The ticket's time, oldest work first (the detail's Time pane, the time check)."""
    stmt = (
        sa.select(
            TimeEntry.id,
            Technician.name,
            TimeEntry.work_date,
            TimeEntry.minutes,
            TimeEntry.billable,
            TimeEntry.note,
            TimeEntry.created_at,
            TimeEntry.approved,
        )
        .join(Technician, Technician.id == TimeEntry.technician_id)
        .where(TimeEntry.ticket_id == ticket_id)
        .order_by(TimeEntry.work_date, TimeEntry.created_at, TimeEntry.id)
    )
    return tuple(TimeEntryView(*row) for row in session.execute(stmt).all())


def resolution_codes(session: Session) -> list[ResolutionCodeView]:
    """The active resolution codes in their list order (inactive ones are kept for history)."""
    rows = session.execute(
        sa.select(ResolutionCode.code, ResolutionCode.label)
        .where(ResolutionCode.active == sa.true())
        .order_by(ResolutionCode.sort_order, ResolutionCode.label)
    ).all()
    return [ResolutionCodeView(*r) for r in rows]


def priority_options(session: Session) -> list[PriorityView]:
    """P1-P4 with their (editable) labels, most urgent first."""
    rows = session.execute(sa.select(Priority.code, Priority.label).order_by(Priority.rank)).all()
    return [PriorityView(*r) for r in rows]
