"""The desk's fixed vocabulary: the values that code branches on.

Everything a customer might want to rename or extend (statuses, categories, profiles)
is data in the store; only the *kinds* that rules are written against live here, as
`StrEnum`s so they store as plain readable strings in any database.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Final


class StatusCategory(StrEnum):
    """What a status means for SLA clocks; a new status picks one and inherits the rules."""

    OPEN = "open"
    PAUSED = "paused"
    RESOLVED = "resolved"
    CLOSED = "closed"


class PriorityCode(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class Level(StrEnum):
    """Impact and urgency levels of the priority matrix."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class BillingType(StrEnum):
    FIXED_MONTHLY = "fixed_monthly"
    TIME_AND_MATERIALS = "time_and_materials"
    HYBRID = "hybrid"


# How a billing type reads wherever it is shown (client list and form, time dialogs' hint,
# billing refusals): one spelling, sentence case like the desk's other labels. Keyed by the
# StrEnum, so a stored plain string ("hybrid") finds its label too.
BILLING_LABELS: Final[Mapping[BillingType, str]] = MappingProxyType({
    BillingType.FIXED_MONTHLY: "Fixed monthly",
    BillingType.TIME_AND_MATERIALS: "Time & materials",
    BillingType.HYBRID: "Hybrid",
})


def billing_label(code: str) -> str:
    """The label of a stored billing type; an unknown code reads as itself."""
    try:
        return BILLING_LABELS[BillingType(code)]
    except ValueError:
        return code


class Role(StrEnum):
    TECHNICIAN = "technician"
    TEAM_LEAD = "team_lead"
    OPERATIONS_MANAGER = "operations_manager"
    DIRECTOR = "director"
    ADMIN = "admin"


class Tier(StrEnum):
    TIER1 = "tier1"
    TIER2 = "tier2"
    SENIOR = "senior"


class TicketType(StrEnum):
    SUPPORT = "support"
    IMPLEMENTATION = "implementation"


class Channel(StrEnum):
    EMAIL = "email"
    MANUAL = "manual"
    PHONE = "phone"
    PORTAL = "portal"
    CHAT = "chat"
    SMS = "sms"


class Direction(StrEnum):
    """Who a message is from and who sees it."""

    CUSTOMER = "customer"  # from the client's side
    PUBLIC = "public"  # our reply, sent to the customer
    INTERNAL = "internal"  # a note only technicians see


class ClockKind(StrEnum):
    RESPONSE = "response"
    RESOLUTION = "resolution"
    UPDATE = "update"


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"
    CANCELLED = "cancelled"


class NotificationLevel(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class WellKnownStatus(StrEnum):
    """Stable keys of the statuses that rules refer to; labels stay editable."""

    NEW = "new"
    IN_PROGRESS = "in_progress"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    CLOSED = "closed"
    INFO_NEEDED = "info_needed"
    NOC_COMPLETED = "noc_completed"
    PENDING_APPROVAL = "pending_approval"
    PROVISIONING = "provisioning"
    COMPLETED = "completed"


class MailOutcome(StrEnum):
    """What an inbound mail became (`mail_receipt.outcome`)."""

    TICKET = "ticket"  # opened a new ticket
    REPLY = "reply"  # threaded onto an existing ticket
    IGNORED = "ignored"  # auto-reply, bounce, list mail, our own mail
    QUARANTINED = "quarantined"  # kept raw for an admin


class OutboxState(StrEnum):
    QUEUED = "queued"  # waiting for its (next) attempt
    SENT = "sent"
    FAILED = "failed"  # refused for good (e.g. 5xx recipient); shown on the ticket


class OutboxKind(StrEnum):
    REPLY = "reply"
    NOTIFICATION = "notification"


class RulePhase(StrEnum):
    """Automation rules run in this order on a new ticket; first match wins per phase."""

    CATEGORIZE = "categorize"
    ASSIGN = "assign"
    NOTIFY = "notify"


class FollowOn(StrEnum):
    """Work a closed ticket leaves behind, ticked at sign-off so someone picks it up."""

    REPLACEMENT_ORDERED = "replacement_ordered"
    LICENSE_TRUE_UP = "license_true_up"
    CHANGE_REQUEST = "change_request"
    OTHER = "other"  # said in the closure notes
