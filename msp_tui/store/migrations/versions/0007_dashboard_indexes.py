"""dashboard indexes

The SLA dashboard refreshes on 100,000 tickets: a covering index for the per-ticket badge
count, and one so the first-response medians read only the tickets answered in the window.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 12:16:22.310016
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sla_clock", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sla_clock_ticket_badge",
            ["ticket_id", "state", "due_at", "at_risk_at"],
            unique=False,
        )

    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticket_first_response_at"), ["first_response_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_first_response_at"))

    with op.batch_alter_table("sla_clock", schema=None) as batch_op:
        batch_op.drop_index("ix_sla_clock_ticket_badge")
