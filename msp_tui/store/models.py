"""SQLModel tables: the whole persistent state of the desk.

Conventions, so that PostgreSQL later needs no rewrite:
- instants are `UTCDateTime` (naive UTC in the database, aware in Python);
- kinds are short strings checked by the domain (`engine.vocabulary`), not DB enums,
  so adding a value never needs an ALTER TYPE;
- everything users extend (statuses, categories, profiles, calendars) is rows.
The schema changes only through Alembic revisions in `store/migrations/versions/`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from msp_tui.store.types import json_column, utc_column

# ---------------------------------------------------------------- calendars and SLA


class BusinessCalendarRow(SQLModel, table=True):
    """A business-hours calendar: weekly windows in an IANA zone, or 24/7."""

    __tablename__ = "business_calendar"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, sa_column_kwargs={"unique": True})
    tz: str = Field(max_length=64)
    always_open: bool = False
    # {"0": [["09:00", "17:00"]], ...}: weekday (Monday=0) -> windows; close <= open
    # crosses midnight. Empty for always_open calendars.
    weekly: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    holiday_country: str | None = Field(default=None, max_length=8)
    holiday_subdivision: str | None = Field(default=None, max_length=16)


class CalendarHoliday(SQLModel, table=True):
    """An explicit closed local day of a calendar (on top of any country holidays)."""

    __tablename__ = "calendar_holiday"
    __table_args__ = (sa.UniqueConstraint("calendar_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    calendar_id: int = Field(foreign_key="business_calendar.id", index=True)
    day: date
    name: str = Field(default="", max_length=100)


class SlaProfile(SQLModel, table=True):
    """A contract tier: per-priority targets on a calendar, pause rules and alerts."""

    __tablename__ = "sla_profile"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, sa_column_kwargs={"unique": True})
    description: str = Field(default="", max_length=500)
    calendar_id: int = Field(foreign_key="business_calendar.id")
    # Percentages of the window at which alerts fire, ascending.
    alert_thresholds: list[int] = Field(
        default_factory=lambda: [75, 90, 100], sa_column=json_column()
    )
    # None: the engine default (the smaller of 30 min and 25 % of the target).
    near_due_margin_minutes: int | None = None
    # None: the calendar's longest weekday; used to turn "N business days" into seconds.
    business_day_minutes: int | None = None


class SlaTarget(SQLModel, table=True):
    """One priority's targets in a profile.

    Targets are short specs parsed by the engine: "30m", "4h", "2bd" (business days),
    "nbd" (until the close of the next business day). `update_interval` is optional.
    """

    __tablename__ = "sla_target"
    __table_args__ = (sa.UniqueConstraint("profile_id", "priority"),)

    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="sla_profile.id", index=True)
    priority: str = Field(foreign_key="priority.code", max_length=2)
    response: str = Field(max_length=16)
    resolution: str = Field(max_length=16)
    update_interval: str | None = Field(default=None, max_length=16)
    # e.g. Gold P1 counts on a 24/7 on-call calendar instead of the profile's.
    calendar_id: int | None = Field(default=None, foreign_key="business_calendar.id")


class SlaProfilePauseStatus(SQLModel, table=True):
    """Statuses that pause this profile's clocks beyond those of the paused category."""

    __tablename__ = "sla_profile_pause_status"

    profile_id: int = Field(foreign_key="sla_profile.id", primary_key=True)
    status_id: int = Field(foreign_key="status.id", primary_key=True)


# ---------------------------------------------------------------- reference data


class Priority(SQLModel, table=True):
    """Exactly P1-P4; labels and triggers are editable, the codes are not."""

    __tablename__ = "priority"
    __table_args__ = (sa.CheckConstraint("code IN ('P1','P2','P3','P4')", name="ck_priority_code"),)

    code: str = Field(primary_key=True, max_length=2)
    rank: int = Field(sa_column_kwargs={"unique": True})  # 1 = most urgent
    label: str = Field(max_length=40)
    typical_trigger: str = Field(default="", max_length=300)
    default_urgency: str = Field(max_length=10)


class PriorityMatrix(SQLModel, table=True):
    """Impact x urgency -> priority, as the new-ticket form offers it."""

    __tablename__ = "priority_matrix"

    impact: str = Field(primary_key=True, max_length=10)
    urgency: str = Field(primary_key=True, max_length=10)
    priority: str = Field(foreign_key="priority.code", max_length=2)


class Status(SQLModel, table=True):
    """A ticket status; its category decides what SLA clocks do in it."""

    __tablename__ = "status"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60, sa_column_kwargs={"unique": True})
    category: str = Field(max_length=10)
    # Stable key for the statuses rules refer to (engine.vocabulary.WellKnownStatus).
    key: str | None = Field(default=None, max_length=40, sa_column_kwargs={"unique": True})
    sort_order: int = 0
    active: bool = True


class Category(SQLModel, table=True):
    """A category, or a sub-category when it has a parent."""

    __tablename__ = "category"
    __table_args__ = (sa.UniqueConstraint("parent_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    parent_id: int | None = Field(default=None, foreign_key="category.id", index=True)
    name: str = Field(max_length=100)
    active: bool = True


# ---------------------------------------------------------------- people


class Client(SQLModel, table=True):
    __tablename__ = "client"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, sa_column_kwargs={"unique": True})
    sla_profile_id: int | None = Field(default=None, foreign_key="sla_profile.id", index=True)
    billing_type: str = Field(max_length=24)
    vip: bool = False
    portal_enabled: bool = False
    notes: str = ""
    active: bool = True
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    # Hybrid clients: whether a new time entry is billable unless the technician says
    # otherwise (T&M entries always start billable, Fixed Monthly never).
    hybrid_billable_default: bool = True
    # The rate an invoice draft prices billable time at; 0 means "no rate agreed yet".
    hourly_rate_cents: int = 0
    # Whether closing a ticket sends this client's contact a satisfaction survey.
    csat_enabled: bool = True


class ClientDomain(SQLModel, table=True):
    """A mail domain that identifies a client; unique so matching is unambiguous."""

    __tablename__ = "client_domain"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    domain: str = Field(max_length=253, sa_column_kwargs={"unique": True})


class PortalLogin(SQLModel, table=True):
    """An email allowed to sign in to the client portal for this client."""

    __tablename__ = "portal_login"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    email: str = Field(max_length=254, sa_column_kwargs={"unique": True})


class Contact(SQLModel, table=True):
    __tablename__ = "contact"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    name: str = Field(max_length=200)
    # Unique so an inbound sender maps to one contact; stored lower-case.
    email: str | None = Field(default=None, max_length=254, sa_column_kwargs={"unique": True})
    phone: str = Field(default="", max_length=40)
    authorized: bool = True  # may approve work and changes
    terminated: bool = False  # left the client: their mail is suspicious


class Asset(SQLModel, table=True):
    __tablename__ = "asset"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    hostname: str = Field(max_length=253)
    user_upn: str = Field(default="", max_length=254)
    kind: str = Field(max_length=40)  # workstation, laptop, server, firewall, ...


class EscalationContact(SQLModel, table=True):
    """Whom to call at the client when an escalation needs them, and when."""

    __tablename__ = "escalation_contact"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    position: int = 0  # call order
    name: str = Field(max_length=200)
    phones: list[str] = Field(default_factory=list, sa_column=json_column())
    emails: list[str] = Field(default_factory=list, sa_column=json_column())
    # [{"days": [0, 1, 2, 3, 4], "start": "08:00", "end": "18:00", "tz": "America/New_York"}]
    call_windows: list[dict[str, Any]] = Field(default_factory=list, sa_column=json_column())


class Technician(SQLModel, table=True):
    __tablename__ = "technician"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    email: str = Field(max_length=254, sa_column_kwargs={"unique": True})
    role: str = Field(max_length=24)
    tier: str = Field(max_length=10)
    on_call: bool = False
    active: bool = True
    timezone: str | None = Field(default=None, max_length=64)


class TechGroup(SQLModel, table=True):
    __tablename__ = "tech_group"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, sa_column_kwargs={"unique": True})
    lead_id: int | None = Field(default=None, foreign_key="technician.id")
    # Round robin: the member who got the last tie-broken ticket. Moved with a
    # compare-and-set UPDATE, so two processes assigning at once never pick the same turn.
    rr_last_technician_id: int | None = Field(default=None, foreign_key="technician.id")


class GroupMember(SQLModel, table=True):
    __tablename__ = "group_member"

    group_id: int = Field(foreign_key="tech_group.id", primary_key=True)
    technician_id: int = Field(foreign_key="technician.id", primary_key=True, index=True)


class AssignmentRule(SQLModel, table=True):
    """One automation rule: ordered, first match wins within its phase (categorise, then
    assign, then notify). Conditions and actions are data the engine validates."""

    __tablename__ = "assignment_rule"

    id: int | None = Field(default=None, primary_key=True)
    position: int = Field(index=True)
    name: str = Field(max_length=200)
    phase: str = Field(max_length=12)  # categorize, assign, notify
    active: bool = True
    conditions: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    actions: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    created_at: datetime = Field(sa_column=utc_column(nullable=False))


# ---------------------------------------------------------------- tickets


class Invoice(SQLModel, table=True):
    """An invoice draft per client and period; approved time entries link to it.

    Totals are copied from the entries when the draft is made, so a later rate change
    never alters a draft someone already sent."""

    __tablename__ = "invoice"
    __table_args__ = (sa.Index("uq_invoice_number", "number", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    number: int | None = None
    client_id: int = Field(foreign_key="client.id", index=True)
    period_start: date
    period_end: date
    state: str = Field(default="draft", max_length=16)
    billable_minutes: int = 0
    non_billable_minutes: int = 0
    rate_cents: int = 0
    amount_cents: int = 0
    created_by_id: int | None = Field(default=None, foreign_key="technician.id")
    created_at: datetime = Field(sa_column=utc_column(nullable=False))


class ResolutionCode(SQLModel, table=True):
    """Why a ticket was resolved, from a short list, so trends can be counted."""

    __tablename__ = "resolution_code"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, sa_column_kwargs={"unique": True})
    label: str = Field(max_length=100)
    sort_order: int = 0
    active: bool = True


class Ticket(SQLModel, table=True):
    __tablename__ = "ticket"
    __table_args__ = (
        sa.Index("ix_ticket_status_due", "status_id", "next_due_at"),
        sa.Index("ix_ticket_assignee_status", "assignee_id", "status_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(sa_column_kwargs={"unique": True})
    subject: str = Field(max_length=500)
    type: str = Field(default="support", max_length=16)
    channel: str = Field(max_length=16)
    client_id: int | None = Field(default=None, foreign_key="client.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    asset_id: int | None = Field(default=None, foreign_key="asset.id")
    category_id: int | None = Field(default=None, foreign_key="category.id")
    priority: str = Field(foreign_key="priority.code", max_length=2)
    status_id: int = Field(foreign_key="status.id")
    assignee_id: int | None = Field(default=None, foreign_key="technician.id")
    secondary_id: int | None = Field(default=None, foreign_key="technician.id")
    group_id: int | None = Field(default=None, foreign_key="tech_group.id")
    # The profile the clocks run on, fixed when they start (the client's may change).
    sla_profile_id: int | None = Field(default=None, foreign_key="sla_profile.id")
    parent_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    duplicate_of_id: int | None = Field(default=None, foreign_key="ticket.id")
    requester_email: str | None = Field(default=None, max_length=254)
    unmatched_client: bool = False
    possible_social_engineering: bool = False
    # The priority policy's keyword suggestion: shown beside the ticket, never applied alone.
    suggested_priority: str | None = Field(default=None, max_length=2)
    suggestion_reason: str = Field(default="", max_length=300)
    sla_breached: bool = False
    last_tech_activity_at: datetime | None = Field(default=None, sa_column=utc_column())
    # When an open, assigned ticket counts as idle if nobody has touched it by then: kept by
    # the services on every technician action, so the escalation job asks an index.
    idle_check_at: datetime | None = Field(default=None, sa_column=utc_column(index=True))
    # Indexed: the dashboard's medians read only the tickets first answered in its window.
    first_response_at: datetime | None = Field(default=None, sa_column=utc_column(index=True))
    # Copy of the nearest running clock's due instant, for sorting the queue by urgency.
    next_due_at: datetime | None = Field(default=None, sa_column=utc_column(index=True))
    created_at: datetime = Field(sa_column=utc_column(nullable=False, index=True))
    updated_at: datetime = Field(sa_column=utc_column(nullable=False))
    resolved_at: datetime | None = Field(default=None, sa_column=utc_column())
    closed_at: datetime | None = Field(default=None, sa_column=utc_column(index=True))
    # Closure: why it was resolved (code + summary), who signed it off ("system" for
    # auto-close) and what follow-on work it leaves (e.g. ["replacement_ordered"]).
    resolution_code_id: int | None = Field(
        default=None, foreign_key="resolution_code.id", index=True
    )
    resolution_summary: str = ""
    closed_by_id: int | None = Field(default=None, foreign_key="technician.id")
    closed_by: str | None = Field(default=None, max_length=200)
    closure_notes: str = ""
    follow_on: list[str] = Field(default_factory=list, sa_column=json_column())


class TicketRelation(SQLModel, table=True):
    """A symmetric "related to" link (e.g. a new ticket from mail on a closed one)."""

    __tablename__ = "ticket_relation"
    __table_args__ = (sa.CheckConstraint("ticket_id < related_id", name="ck_relation_order"),)

    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True)
    related_id: int = Field(foreign_key="ticket.id", primary_key=True, index=True)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))


class Message(SQLModel, table=True):
    """Any entry of a ticket's thread, the opening message included."""

    __tablename__ = "message"
    __table_args__ = (sa.Index("ix_message_ticket_created", "ticket_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    direction: str = Field(max_length=10)
    channel: str = Field(max_length=16)
    author_technician_id: int | None = Field(default=None, foreign_key="technician.id")
    author_contact_id: int | None = Field(default=None, foreign_key="contact.id")
    author_name: str = Field(default="", max_length=200)
    author_email: str | None = Field(default=None, max_length=254)
    subject: str = Field(default="", max_length=500)
    body: str = ""
    # RFC 5322 Message-ID, for threading replies; unique so mail is never stored twice.
    message_id: str | None = Field(default=None, max_length=998, sa_column_kwargs={"unique": True})
    in_reply_to: str | None = Field(default=None, max_length=998)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))


class TimeEntry(SQLModel, table=True):
    __tablename__ = "time_entry"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    technician_id: int = Field(foreign_key="technician.id", index=True)
    work_date: date
    minutes: int
    billable: bool
    # Approved entries are locked: no edit or delete until the approval is withdrawn
    # (impossible once they are on an invoice draft).
    approved: bool = False
    approved_at: datetime | None = Field(default=None, sa_column=utc_column())
    approved_by_id: int | None = Field(default=None, foreign_key="technician.id")
    invoice_id: int | None = Field(default=None, foreign_key="invoice.id", index=True)
    note: str = ""
    created_at: datetime = Field(sa_column=utc_column(nullable=False))


class CsatSurvey(SQLModel, table=True):
    """A satisfaction survey for a closed ticket: queued on close, sent through the
    outbox, answered by a reply carrying a rating keyword (the token threads it back)."""

    __tablename__ = "csat_survey"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", sa_column_kwargs={"unique": True})
    client_id: int | None = Field(default=None, foreign_key="client.id", index=True)
    # The assignee when the ticket closed: results per technician read this.
    technician_id: int | None = Field(default=None, foreign_key="technician.id", index=True)
    recipient: str | None = Field(default=None, max_length=254)
    token: str = Field(max_length=40, sa_column_kwargs={"unique": True})
    # pending (queued on close), sent, answered; indexed: the sender reads the pending ones
    state: str = Field(default="pending", max_length=12, index=True)
    outbox_id: int | None = Field(default=None, foreign_key="outbox_mail.id")
    rating: int | None = None  # 1 (very poor) .. 5 (excellent)
    comment: str = ""
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=utc_column())
    answered_at: datetime | None = Field(default=None, sa_column=utc_column(index=True))


class ImportBatch(SQLModel, table=True):
    """One CSV import that committed: what, from where, by whom (failed ones leave none)."""

    __tablename__ = "import_batch"

    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=20)  # clients, contacts, assets, tickets
    preset: str = Field(max_length=20)  # connectwise, autotask, halo, custom
    filename: str = Field(max_length=255)
    rows: int
    actor: str = Field(max_length=200)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))


# ---------------------------------------------------------------- email in and out


class Attachment(SQLModel, table=True):
    """A file that came with a message; over-size files keep their name and the reason
    but no bytes (the cap is `mailbox.max_attachment_bytes`)."""

    __tablename__ = "attachment"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=255)
    size: int
    data: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
    skipped_reason: str | None = Field(default=None, max_length=300)


class MailboxState(SQLModel, table=True):
    """Where intake stands in one mailbox folder: the UIDVALIDITY seen and the highest UID
    fully handled (stored and flagged on the server), plus the last poll's outcome for admins."""

    __tablename__ = "mailbox_state"

    mailbox: str = Field(primary_key=True, max_length=300)  # "user@host/folder"
    uidvalidity: int | None = Field(default=None, sa_type=sa.BigInteger)
    last_uid: int = Field(default=0, sa_type=sa.BigInteger)
    last_poll_at: datetime | None = Field(default=None, sa_column=utc_column())
    last_error: str | None = Field(default=None, max_length=1000)


class MailReceipt(SQLModel, table=True):
    """One inbound mail taken from a mailbox, written in the same transaction as what it
    became (ticket, message, ignored, quarantined), so nothing is taken twice.

    `dedupe_key` is the Message-ID, or a hash of the raw bytes when there is none: it
    catches the same mail under a new UID (UIDVALIDITY change, a copy in two folders)."""

    __tablename__ = "mail_receipt"
    __table_args__ = (sa.UniqueConstraint("mailbox", "uidvalidity", "uid"),)

    id: int | None = Field(default=None, primary_key=True)
    mailbox: str = Field(max_length=300)
    uidvalidity: int = Field(sa_type=sa.BigInteger)
    uid: int = Field(sa_type=sa.BigInteger)
    dedupe_key: str = Field(max_length=998, sa_column_kwargs={"unique": True})
    outcome: str = Field(max_length=16)  # ticket, reply, ignored, quarantined
    detail: str = Field(default="", max_length=500)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    message_id: int | None = Field(default=None, foreign_key="message.id")
    received_at: datetime = Field(sa_column=utc_column(nullable=False))


class QuarantinedMail(SQLModel, table=True):
    """Mail intake could not turn into a ticket: raw bytes kept for an admin, with why."""

    __tablename__ = "quarantined_mail"

    id: int | None = Field(default=None, primary_key=True)
    receipt_id: int = Field(foreign_key="mail_receipt.id", index=True)
    reason: str = Field(max_length=1000)
    sender: str = Field(default="", max_length=254)
    subject: str = Field(default="", max_length=500)
    raw: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    received_at: datetime = Field(sa_column=utc_column(nullable=False, index=True))
    released_at: datetime | None = Field(default=None, sa_column=utc_column())


class OutboxMail(SQLModel, table=True):
    """An email waiting to be sent, sent, or given up on; the sender job reads due rows by
    `next_attempt_at` and retries with backoff, so an SMTP outage loses nothing.

    `header_message_id` is fixed when the row is written: a resend after a crash carries the
    same Message-ID, which receivers deduplicate (delivery is at-least-once)."""

    __tablename__ = "outbox_mail"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # reply, notification
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    message_id: int | None = Field(default=None, foreign_key="message.id", index=True)
    to_addrs: list[str] = Field(default_factory=list, sa_column=json_column())
    cc_addrs: list[str] = Field(default_factory=list, sa_column=json_column())
    subject: str = Field(max_length=998)
    body: str
    header_message_id: str = Field(max_length=998, sa_column_kwargs={"unique": True})
    in_reply_to: str | None = Field(default=None, max_length=998)
    thread_refs: list[str] = Field(default_factory=list, sa_column=json_column())  # References
    state: str = Field(max_length=10)  # queued, sent, failed
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_column=utc_column(index=True))
    last_error: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=utc_column())


# ---------------------------------------------------------------- SLA clocks


class SlaClock(SQLModel, table=True):
    """One SLA KPI instance of a ticket (a response, resolution or update window).

    `due_at` and `next_alert_at` are stored and indexed so the scheduler tick asks the
    database "what crossed since the last tick" instead of recomputing every ticket.
    """

    __tablename__ = "sla_clock"
    __table_args__ = (
        sa.Index("ix_sla_clock_ticket_kind", "ticket_id", "kind"),
        # Covers the dashboard's badge count: every open ticket's clocks, no row reads.
        sa.Index("ix_sla_clock_ticket_badge", "ticket_id", "state", "due_at", "at_risk_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    kind: str = Field(max_length=12)
    state: str = Field(max_length=12)
    calendar_id: int = Field(foreign_key="business_calendar.id")
    target_seconds: int
    consumed_seconds: int = 0  # business seconds used up to `running_since`
    running_since: datetime | None = Field(default=None, sa_column=utc_column())
    started_at: datetime = Field(sa_column=utc_column(nullable=False))
    due_at: datetime | None = Field(default=None, sa_column=utc_column(index=True))
    # From here on the badge says At Risk (first threshold or near-due margin).
    at_risk_at: datetime | None = Field(default=None, sa_column=utc_column())
    next_alert_at: datetime | None = Field(default=None, sa_column=utc_column(index=True))
    thresholds_reached: list[int] = Field(default_factory=list, sa_column=json_column())
    stopped_at: datetime | None = Field(default=None, sa_column=utc_column())
    breached_at: datetime | None = Field(default=None, sa_column=utc_column())


class SlaAlert(SQLModel, table=True):
    """A threshold crossing, recorded once per (clock, threshold) whatever restarts."""

    __tablename__ = "sla_alert"
    __table_args__ = (sa.UniqueConstraint("clock_id", "threshold"),)

    id: int | None = Field(default=None, primary_key=True)
    clock_id: int = Field(foreign_key="sla_clock.id")
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    threshold: int  # percent; 100 is the breach
    crossed_at: datetime = Field(sa_column=utc_column(nullable=False))
    recorded_at: datetime = Field(sa_column=utc_column(nullable=False, index=True))
    # Set when the escalation job has acted on it (it waits while the calendar is closed).
    handled_at: datetime | None = Field(default=None, sa_column=utc_column(index=True))


class Lease(SQLModel, table=True):
    """Who runs the once-only jobs (tick, mailbox poll); any process may take it when
    it has expired, so a crashed holder is replaced within one lease period."""

    __tablename__ = "lease"

    name: str = Field(primary_key=True, max_length=40)
    owner: str = Field(max_length=200)
    expires_at: datetime = Field(sa_column=utc_column(nullable=False))


class SlaClockEvent(SQLModel, table=True):
    """The history of a clock (the KPI instance log that reports and audits read)."""

    __tablename__ = "sla_clock_event"

    id: int | None = Field(default=None, primary_key=True)
    clock_id: int = Field(foreign_key="sla_clock.id", index=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    event: str = Field(max_length=24)  # started, paused, resumed, met, breached, ...
    at: datetime = Field(sa_column=utc_column(nullable=False, index=True))
    consumed_seconds: int = 0
    due_before: datetime | None = Field(default=None, sa_column=utc_column())
    due_after: datetime | None = Field(default=None, sa_column=utc_column())
    note: str = ""


class EscalationRule(SQLModel, table=True):
    """What happens when a clock crosses a threshold (75/90/100 %, the near-due margin) or
    an open ticket sits idle; per SLA profile, or for every profile when `profile_id` is
    None. Actions are data the engine validates."""

    __tablename__ = "escalation_rule"

    id: int | None = Field(default=None, primary_key=True)
    profile_id: int | None = Field(default=None, foreign_key="sla_profile.id", index=True)
    trigger: str = Field(max_length=12)  # "75", "90", "100", "near_due", "idle"
    position: int = 0
    active: bool = True
    actions: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())


class EscalationEvent(SQLModel, table=True):
    """An escalation that was carried out, once per `key` (e.g. "idle:42:<last activity>"),
    so a restart or a second process never repeats it."""

    __tablename__ = "escalation_event"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, sa_column_kwargs={"unique": True})
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    trigger: str = Field(max_length=12)
    at: datetime = Field(sa_column=utc_column(nullable=False, index=True))
    detail: str = Field(default="", max_length=1000)


# ---------------------------------------------------------------- audit and signals


class AuditEvent(SQLModel, table=True):
    """Who changed what, from what to what, and why."""

    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=utc_column(nullable=False, index=True))
    actor_id: int | None = Field(default=None, foreign_key="technician.id")
    actor: str = Field(max_length=200)  # a technician's name, "system", "rule: …"
    entity: str = Field(max_length=40)  # ticket, client, sla_profile, ...
    entity_id: int
    field: str = Field(max_length=60)
    old_value: str | None = None
    new_value: str | None = None
    reason: str = ""


class Notification(SQLModel, table=True):
    """A message for one person; consoles poll for their unread ones and toast them."""

    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_recipient_read", "recipient_id", "read_at"),)

    id: int | None = Field(default=None, primary_key=True)
    recipient_id: int = Field(foreign_key="technician.id")
    level: str = Field(max_length=10)
    text: str = Field(max_length=1000)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    # Set when a notification must exist once (e.g. "clock 7 crossed 90 %").
    dedupe_key: str | None = Field(default=None, max_length=200, sa_column_kwargs={"unique": True})
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    read_at: datetime | None = Field(default=None, sa_column=utc_column())


class Counter(SQLModel, table=True):
    """Named counters; `change_seq` is bumped by every write so other processes notice.

    One row per name, bumped with `UPDATE … SET value = value + 1 … RETURNING`, which both
    SQLite and PostgreSQL run atomically inside the writing transaction.
    """

    __tablename__ = "counter"

    name: str = Field(primary_key=True, max_length=40)
    value: int = 0


class UiPreference(SQLModel, table=True):
    """Per-technician UI state (saved filters, sort): state, not configuration."""

    __tablename__ = "ui_preference"

    technician_id: int = Field(foreign_key="technician.id", primary_key=True)
    key: str = Field(primary_key=True, max_length=60)
    value: Any = Field(default=None, sa_column=json_column(nullable=True))


class AppMeta(SQLModel, table=True):
    """Small facts about this database (e.g. when and for which "now" demo data was seeded)."""

    __tablename__ = "app_meta"

    key: str = Field(primary_key=True, max_length=60)
    value: str


metadata = SQLModel.metadata
