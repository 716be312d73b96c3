"""rules, round robin and priority suggestion

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 10:53:38.996415
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assignment_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("phase", sa.String(12), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("assignment_rule", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignment_rule_position"), ["position"], unique=False)

    with op.batch_alter_table("tech_group", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rr_last_technician_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_tech_group_rr_last_technician", "technician", ["rr_last_technician_id"], ["id"]
        )

    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("suggested_priority", sa.String(2), nullable=True))
        batch_op.add_column(
            sa.Column("suggestion_reason", sa.String(300), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_column("suggestion_reason")
        batch_op.drop_column("suggested_priority")

    with op.batch_alter_table("tech_group", schema=None) as batch_op:
        batch_op.drop_constraint("fk_tech_group_rr_last_technician", type_="foreignkey")
        batch_op.drop_column("rr_last_technician_id")

    with op.batch_alter_table("assignment_rule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignment_rule_position"))

    op.drop_table("assignment_rule")
