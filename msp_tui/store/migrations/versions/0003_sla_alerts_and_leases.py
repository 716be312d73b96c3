"""sla alerts and leases

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 07:46:28.339848
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lease",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "sla_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clock_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("crossed_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("handled_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["clock_id"],
            ["sla_clock.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("clock_id", "threshold"),
    )
    with op.batch_alter_table("sla_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sla_alert_recorded_at"), ["recorded_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_sla_alert_ticket_id"), ["ticket_id"], unique=False)

    with op.batch_alter_table("sla_clock", schema=None) as batch_op:
        batch_op.add_column(sa.Column("at_risk_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sla_clock", schema=None) as batch_op:
        batch_op.drop_column("at_risk_at")

    with op.batch_alter_table("sla_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sla_alert_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_sla_alert_recorded_at"))

    op.drop_table("sla_alert")
    op.drop_table("lease")
