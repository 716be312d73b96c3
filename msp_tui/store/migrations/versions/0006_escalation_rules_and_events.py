"""escalation rules and events

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 11:27:20.809385
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "escalation_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=True),
        sa.Column("trigger", sa.String(12), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["sla_profile.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("escalation_rule", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_escalation_rule_profile_id"), ["profile_id"], unique=False
        )

    op.create_table(
        "escalation_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(12), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("detail", sa.String(1000), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("escalation_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escalation_event_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_escalation_event_ticket_id"), ["ticket_id"], unique=False
        )

    with op.batch_alter_table("sla_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sla_alert_handled_at"), ["handled_at"], unique=False)

    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idle_check_at", sa.DateTime(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_ticket_idle_check_at"), ["idle_check_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_idle_check_at"))
        batch_op.drop_column("idle_check_at")

    with op.batch_alter_table("sla_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sla_alert_handled_at"))

    with op.batch_alter_table("escalation_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_event_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_escalation_event_at"))

    op.drop_table("escalation_event")
    with op.batch_alter_table("escalation_rule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_rule_profile_id"))

    op.drop_table("escalation_rule")
