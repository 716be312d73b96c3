"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-24 07:35:28.600946
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "app_meta",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "business_calendar",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("always_open", sa.Boolean(), nullable=False),
        sa.Column("weekly", sa.JSON(), nullable=False),
        sa.Column("holiday_country", sa.String(length=8), nullable=True),
        sa.Column("holiday_subdivision", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["category.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("parent_id", "name"),
    )
    with op.batch_alter_table("category", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_category_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "counter",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "priority",
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("typical_trigger", sa.String(length=300), nullable=False),
        sa.Column("default_urgency", sa.String(length=10), nullable=False),
        sa.CheckConstraint("code IN ('P1','P2','P3','P4')", name="ck_priority_code"),
        sa.PrimaryKeyConstraint("code"),
        sa.UniqueConstraint("rank"),
    )
    op.create_table(
        "status",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("category", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "technician",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("tier", sa.String(length=10), nullable=False),
        sa.Column("on_call", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=False),
        sa.Column("old_value", sa.String(), nullable=True),
        sa.Column("new_value", sa.String(), nullable=True),
        sa.Column("reason", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["technician.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entity", ["entity", "entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)

    op.create_table(
        "calendar_holiday",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["business_calendar.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("calendar_id", "day"),
    )
    with op.batch_alter_table("calendar_holiday", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_calendar_holiday_calendar_id"), ["calendar_id"], unique=False
        )

    op.create_table(
        "priority_matrix",
        sa.Column("impact", sa.String(length=10), nullable=False),
        sa.Column("urgency", sa.String(length=10), nullable=False),
        sa.Column("priority", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["priority"],
            ["priority.code"],
        ),
        sa.PrimaryKeyConstraint("impact", "urgency"),
    )
    op.create_table(
        "sla_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=False),
        sa.Column("alert_thresholds", sa.JSON(), nullable=False),
        sa.Column("near_due_margin_minutes", sa.Integer(), nullable=True),
        sa.Column("business_day_minutes", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["business_calendar.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "tech_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["technician.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "ui_preference",
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technician.id"],
        ),
        sa.PrimaryKeyConstraint("technician_id", "key"),
    )
    op.create_table(
        "client",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sla_profile_id", sa.Integer(), nullable=True),
        sa.Column("billing_type", sa.String(length=24), nullable=False),
        sa.Column("vip", sa.Boolean(), nullable=False),
        sa.Column("portal_enabled", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.String(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sla_profile_id"],
            ["sla_profile.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_client_sla_profile_id"), ["sla_profile_id"], unique=False
        )

    op.create_table(
        "group_member",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["tech_group.id"],
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technician.id"],
        ),
        sa.PrimaryKeyConstraint("group_id", "technician_id"),
    )
    with op.batch_alter_table("group_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_group_member_technician_id"), ["technician_id"], unique=False
        )

    op.create_table(
        "sla_profile_pause_status",
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("status_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["sla_profile.id"],
        ),
        sa.ForeignKeyConstraint(
            ["status_id"],
            ["status.id"],
        ),
        sa.PrimaryKeyConstraint("profile_id", "status_id"),
    )
    op.create_table(
        "sla_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("priority", sa.String(length=2), nullable=False),
        sa.Column("response", sa.String(length=16), nullable=False),
        sa.Column("resolution", sa.String(length=16), nullable=False),
        sa.Column("update_interval", sa.String(length=16), nullable=True),
        sa.Column("calendar_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["business_calendar.id"],
        ),
        sa.ForeignKeyConstraint(
            ["priority"],
            ["priority.code"],
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["sla_profile.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("profile_id", "priority"),
    )
    with op.batch_alter_table("sla_target", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sla_target_profile_id"), ["profile_id"], unique=False)

    op.create_table(
        "asset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("hostname", sa.String(length=253), nullable=False),
        sa.Column("user_upn", sa.String(length=254), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("asset", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_asset_client_id"), ["client_id"], unique=False)

    op.create_table(
        "client_domain",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("domain"),
    )
    with op.batch_alter_table("client_domain", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_client_domain_client_id"), ["client_id"], unique=False)

    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("authorized", sa.Boolean(), nullable=False),
        sa.Column("terminated", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_client_id"), ["client_id"], unique=False)

    op.create_table(
        "escalation_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phones", sa.JSON(), nullable=False),
        sa.Column("emails", sa.JSON(), nullable=False),
        sa.Column("call_windows", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("escalation_contact", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_escalation_contact_client_id"), ["client_id"], unique=False
        )

    op.create_table(
        "invoice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoice_client_id"), ["client_id"], unique=False)

    op.create_table(
        "portal_login",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    with op.batch_alter_table("portal_login", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portal_login_client_id"), ["client_id"], unique=False)

    op.create_table(
        "ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("asset_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("priority", sa.String(length=2), nullable=False),
        sa.Column("status_id", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("secondary_id", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("sla_profile_id", sa.Integer(), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.Column("requester_email", sa.String(length=254), nullable=True),
        sa.Column("unmatched_client", sa.Boolean(), nullable=False),
        sa.Column("possible_social_engineering", sa.Boolean(), nullable=False),
        sa.Column("sla_breached", sa.Boolean(), nullable=False),
        sa.Column("last_tech_activity_at", sa.DateTime(), nullable=True),
        sa.Column("first_response_at", sa.DateTime(), nullable=True),
        sa.Column("next_due_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["asset.id"],
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["technician.id"],
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["category.id"],
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"],
            ["ticket.id"],
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["tech_group.id"],
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["ticket.id"],
        ),
        sa.ForeignKeyConstraint(
            ["priority"],
            ["priority.code"],
        ),
        sa.ForeignKeyConstraint(
            ["secondary_id"],
            ["technician.id"],
        ),
        sa.ForeignKeyConstraint(
            ["sla_profile_id"],
            ["sla_profile.id"],
        ),
        sa.ForeignKeyConstraint(
            ["status_id"],
            ["status.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ticket_assignee_status", ["assignee_id", "status_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ticket_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ticket_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_ticket_next_due_at"), ["next_due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_ticket_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index("ix_ticket_status_due", ["status_id", "next_due_at"], unique=False)

    op.create_table(
        "message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("author_technician_id", sa.Integer(), nullable=True),
        sa.Column("author_contact_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("author_email", sa.String(length=254), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("message_id", sa.String(length=998), nullable=True),
        sa.Column("in_reply_to", sa.String(length=998), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_contact_id"],
            ["contact.id"],
        ),
        sa.ForeignKeyConstraint(
            ["author_technician_id"],
            ["technician.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.create_index(
            "ix_message_ticket_created", ["ticket_id", "created_at"], unique=False
        )

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["technician.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notification_recipient_read", ["recipient_id", "read_at"], unique=False
        )

    op.create_table(
        "sla_clock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=False),
        sa.Column("target_seconds", sa.Integer(), nullable=False),
        sa.Column("consumed_seconds", sa.Integer(), nullable=False),
        sa.Column("running_since", sa.DateTime(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("next_alert_at", sa.DateTime(), nullable=True),
        sa.Column("thresholds_reached", sa.JSON(), nullable=False),
        sa.Column("stopped_at", sa.DateTime(), nullable=True),
        sa.Column("breached_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["business_calendar.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sla_clock", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sla_clock_due_at"), ["due_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sla_clock_next_alert_at"), ["next_alert_at"], unique=False
        )
        batch_op.create_index("ix_sla_clock_ticket_kind", ["ticket_id", "kind"], unique=False)

    op.create_table(
        "ticket_relation",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("related_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("ticket_id < related_id", name="ck_relation_order"),
        sa.ForeignKeyConstraint(
            ["related_id"],
            ["ticket.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
        ),
        sa.PrimaryKeyConstraint("ticket_id", "related_id"),
    )
    with op.batch_alter_table("ticket_relation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticket_relation_related_id"), ["related_id"], unique=False
        )

    op.create_table(
        "time_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("work_date", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("billable", sa.Boolean(), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoice.id"],
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technician.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("time_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_time_entry_invoice_id"), ["invoice_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_time_entry_technician_id"), ["technician_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_time_entry_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "sla_clock_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clock_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=24), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("consumed_seconds", sa.Integer(), nullable=False),
        sa.Column("due_before", sa.DateTime(), nullable=True),
        sa.Column("due_after", sa.DateTime(), nullable=True),
        sa.Column("note", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clock_id"],
            ["sla_clock.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sla_clock_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sla_clock_event_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_sla_clock_event_clock_id"), ["clock_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sla_clock_event_ticket_id"), ["ticket_id"], unique=False
        )

    _seed_reference_data()


def _seed_reference_data() -> None:
    """Rows every desk needs, demo or not: P1-P4, the impact x urgency matrix, the
    statuses rules refer to, and the counters. Frozen here (not imported from the app)
    so this revision means the same thing forever."""
    priority = sa.table(
        "priority",
        sa.column("code", sa.String),
        sa.column("rank", sa.Integer),
        sa.column("label", sa.String),
        sa.column("typical_trigger", sa.String),
        sa.column("default_urgency", sa.String),
    )
    op.bulk_insert(
        priority,
        [
            {
                "code": "P1",
                "rank": 1,
                "label": "Critical",
                "default_urgency": "high",
                "typical_trigger": "Business stopped: site-wide outage, server or network down, "
                "active security incident",
            },
            {
                "code": "P2",
                "rank": 2,
                "label": "High",
                "default_urgency": "high",
                "typical_trigger": "Major function degraded or a team blocked, no workaround; "
                "a VIP user unable to work",
            },
            {
                "code": "P3",
                "rank": 3,
                "label": "Medium",
                "default_urgency": "medium",
                "typical_trigger": "One user or a non-critical function affected; "
                "a workaround exists",
            },
            {
                "code": "P4",
                "rank": 4,
                "label": "Low",
                "default_urgency": "low",
                "typical_trigger": "Question, how-to, scheduled request or cosmetic issue",
            },
        ],
    )
    matrix = sa.table(
        "priority_matrix",
        sa.column("impact", sa.String),
        sa.column("urgency", sa.String),
        sa.column("priority", sa.String),
    )
    cells = {
        ("high", "high"): "P1",
        ("high", "medium"): "P2",
        ("high", "low"): "P3",
        ("medium", "high"): "P2",
        ("medium", "medium"): "P3",
        ("medium", "low"): "P4",
        ("low", "high"): "P3",
        ("low", "medium"): "P4",
        ("low", "low"): "P4",
    }
    op.bulk_insert(
        matrix, [{"impact": i, "urgency": u, "priority": p} for (i, u), p in cells.items()]
    )
    status = sa.table(
        "status",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("category", sa.String),
        sa.column("key", sa.String),
        sa.column("sort_order", sa.Integer),
        sa.column("active", sa.Boolean),
    )
    rows = [
        ("New", "open", "new"),
        ("In Progress", "open", "in_progress"),
        ("Waiting on Customer", "paused", "waiting_on_customer"),
        ("Escalated", "open", "escalated"),
        ("Info Needed", "paused", "info_needed"),
        ("Pending Approval", "paused", "pending_approval"),
        ("Provisioning", "open", "provisioning"),
        ("Resolved", "resolved", "resolved"),
        ("NOC Completed", "resolved", "noc_completed"),
        ("Completed", "resolved", "completed"),
        ("Closed", "closed", "closed"),
    ]
    op.bulk_insert(
        status,
        [
            {
                "id": n,
                "name": name,
                "category": cat,
                "key": key,
                "sort_order": n * 10,
                "active": True,
            }
            for n, (name, cat, key) in enumerate(rows, start=1)
        ],
    )
    counter = sa.table("counter", sa.column("name", sa.String), sa.column("value", sa.Integer))
    op.bulk_insert(
        counter,
        [
            {"name": "change_seq", "value": 0},
            {"name": "ticket_number", "value": 1000},
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("sla_clock_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sla_clock_event_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_sla_clock_event_clock_id"))
        batch_op.drop_index(batch_op.f("ix_sla_clock_event_at"))

    op.drop_table("sla_clock_event")
    with op.batch_alter_table("time_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_time_entry_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_time_entry_technician_id"))
        batch_op.drop_index(batch_op.f("ix_time_entry_invoice_id"))

    op.drop_table("time_entry")
    with op.batch_alter_table("ticket_relation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_relation_related_id"))

    op.drop_table("ticket_relation")
    with op.batch_alter_table("sla_clock", schema=None) as batch_op:
        batch_op.drop_index("ix_sla_clock_ticket_kind")
        batch_op.drop_index(batch_op.f("ix_sla_clock_next_alert_at"))
        batch_op.drop_index(batch_op.f("ix_sla_clock_due_at"))

    op.drop_table("sla_clock")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_recipient_read")

    op.drop_table("notification")
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_index("ix_message_ticket_created")

    op.drop_table("message")
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_status_due")
        batch_op.drop_index(batch_op.f("ix_ticket_parent_id"))
        batch_op.drop_index(batch_op.f("ix_ticket_next_due_at"))
        batch_op.drop_index(batch_op.f("ix_ticket_created_at"))
        batch_op.drop_index(batch_op.f("ix_ticket_client_id"))
        batch_op.drop_index("ix_ticket_assignee_status")

    op.drop_table("ticket")
    with op.batch_alter_table("portal_login", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_login_client_id"))

    op.drop_table("portal_login")
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_client_id"))

    op.drop_table("invoice")
    with op.batch_alter_table("escalation_contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_contact_client_id"))

    op.drop_table("escalation_contact")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_client_id"))

    op.drop_table("contact")
    with op.batch_alter_table("client_domain", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_domain_client_id"))

    op.drop_table("client_domain")
    with op.batch_alter_table("asset", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_asset_client_id"))

    op.drop_table("asset")
    with op.batch_alter_table("sla_target", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sla_target_profile_id"))

    op.drop_table("sla_target")
    op.drop_table("sla_profile_pause_status")
    with op.batch_alter_table("group_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_member_technician_id"))

    op.drop_table("group_member")
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_sla_profile_id"))

    op.drop_table("client")
    op.drop_table("ui_preference")
    op.drop_table("tech_group")
    op.drop_table("sla_profile")
    op.drop_table("priority_matrix")
    with op.batch_alter_table("calendar_holiday", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_holiday_calendar_id"))

    op.drop_table("calendar_holiday")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))
        batch_op.drop_index("ix_audit_entity")

    op.drop_table("audit_event")
    op.drop_table("technician")
    op.drop_table("status")
    op.drop_table("priority")
    op.drop_table("counter")
    with op.batch_alter_table("category", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_category_parent_id"))

    op.drop_table("category")
    op.drop_table("business_calendar")
    op.drop_table("app_meta")
