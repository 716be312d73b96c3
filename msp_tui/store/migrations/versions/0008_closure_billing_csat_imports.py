"""closure, billing, csat, imports

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 13:19:42.353516
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The starting list (admins edit it later); codes are stable keys for trend reports.
RESOLUTION_CODES = [
    ("fixed", "Fixed"),
    ("configuration_change", "Configuration change"),
    ("hardware_replaced", "Hardware replaced"),
    ("software_update", "Software update / patch"),
    ("user_training", "User guidance / training"),
    ("workaround", "Workaround provided"),
    ("third_party", "Resolved by third party / vendor"),
    ("no_fault_found", "No fault found"),
    ("duplicate", "Duplicate"),
    ("cancelled", "Cancelled by customer"),
]


def upgrade() -> None:
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(20), nullable=False),
        sa.Column("preset", sa.String(20), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "resolution_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "csat_survey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("technician_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(254), nullable=True),
        sa.Column("token", sa.String(40), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("comment", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
        ),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["outbox_mail.id"],
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
        sa.UniqueConstraint("ticket_id"),
        sa.UniqueConstraint("token"),
    )
    op.bulk_insert(
        sa.table(
            "resolution_code",
            sa.column("code", sa.String),
            sa.column("label", sa.String),
            sa.column("sort_order", sa.Integer),
            sa.column("active", sa.Boolean),
        ),
        [
            {"code": code, "label": label, "sort_order": n, "active": True}
            for n, (code, label) in enumerate(RESOLUTION_CODES, start=1)
        ],
    )
    with op.batch_alter_table("csat_survey", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_csat_survey_answered_at"), ["answered_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_csat_survey_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_csat_survey_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_csat_survey_technician_id"), ["technician_id"], unique=False
        )

    # Plain ADD COLUMNs (references inline, see _add_reference): SQLite would otherwise
    # copy these tables, and copying `ticket` drops the triggers of its full-text index.
    op.add_column(
        "client",
        sa.Column("hybrid_billable_default", sa.Boolean(), nullable=False, server_default="1"),
    )
    op.add_column(
        "client", sa.Column("hourly_rate_cents", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column(
        "client", sa.Column("csat_enabled", sa.Boolean(), nullable=False, server_default="1")
    )

    op.add_column("invoice", sa.Column("number", sa.Integer(), nullable=True))
    for column in ("billable_minutes", "non_billable_minutes", "rate_cents", "amount_cents"):
        op.add_column(
            "invoice", sa.Column(column, sa.Integer(), nullable=False, server_default="0")
        )
    _add_reference("invoice", "created_by_id", "technician")
    op.create_index("uq_invoice_number", "invoice", ["number"], unique=True)

    _add_reference("ticket", "resolution_code_id", "resolution_code")
    op.add_column(
        "ticket", sa.Column("resolution_summary", sa.String(), nullable=False, server_default="")
    )
    _add_reference("ticket", "closed_by_id", "technician")
    op.add_column("ticket", sa.Column("closed_by", sa.String(200), nullable=True))
    op.add_column(
        "ticket", sa.Column("closure_notes", sa.String(), nullable=False, server_default="")
    )
    op.add_column("ticket", sa.Column("follow_on", sa.JSON(), nullable=False, server_default="[]"))
    op.create_index("ix_ticket_closed_at", "ticket", ["closed_at"], unique=False)
    op.create_index("ix_ticket_resolution_code_id", "ticket", ["resolution_code_id"], unique=False)

    op.add_column("time_entry", sa.Column("approved_at", sa.DateTime(), nullable=True))
    _add_reference("time_entry", "approved_by_id", "technician")


def _add_reference(table: str, column: str, target: str) -> None:
    """A nullable column referencing `target.id`. SQLite accepts the reference inline in
    ADD COLUMN but Alembic would insist on copying the table to add it."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER REFERENCES {target} (id)")
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), sa.ForeignKey(f"{target}.id")))


def downgrade() -> None:
    """Copies tables on SQLite: the search triggers must be recreated (revision 0002)."""
    with op.batch_alter_table("time_entry", schema=None) as batch_op:
        batch_op.drop_column("approved_by_id")
        batch_op.drop_column("approved_at")

    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_resolution_code_id")
        batch_op.drop_index("ix_ticket_closed_at")
        batch_op.drop_column("follow_on")
        batch_op.drop_column("closure_notes")
        batch_op.drop_column("closed_by")
        batch_op.drop_column("closed_by_id")
        batch_op.drop_column("resolution_summary")
        batch_op.drop_column("resolution_code_id")

    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.drop_index("uq_invoice_number")
        batch_op.drop_column("created_by_id")
        batch_op.drop_column("amount_cents")
        batch_op.drop_column("rate_cents")
        batch_op.drop_column("non_billable_minutes")
        batch_op.drop_column("billable_minutes")
        batch_op.drop_column("number")

    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.drop_column("csat_enabled")
        batch_op.drop_column("hourly_rate_cents")
        batch_op.drop_column("hybrid_billable_default")

    with op.batch_alter_table("csat_survey", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_csat_survey_technician_id"))
        batch_op.drop_index(batch_op.f("ix_csat_survey_state"))
        batch_op.drop_index(batch_op.f("ix_csat_survey_client_id"))
        batch_op.drop_index(batch_op.f("ix_csat_survey_answered_at"))

    op.drop_table("csat_survey")
    op.drop_table("resolution_code")
    op.drop_table("import_batch")
