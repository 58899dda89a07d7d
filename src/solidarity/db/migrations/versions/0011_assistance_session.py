"""assistance: totals maintained on write (assistance_totals), filled from the existing flows; an index
for the parent check of counting rule 2; the illustrative flag of a flow version

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from solidarity.assistance import totals

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assistance_totals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grain", sa.String(length=16), nullable=False),
        sa.Column("parent_flow_id", sa.Integer(), nullable=False),
        sa.Column("parent_shared", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("modality", sa.String(length=20), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("boundary", sa.String(length=10), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("emergency_code", sa.String(length=40), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("flows", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("usd_cents", sa.BigInteger(), nullable=False),
        sa.Column("share_amount_micros", sa.BigInteger(), nullable=False),
        sa.Column("share_usd_micros", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistance_totals")),
        sa.UniqueConstraint(
            "grain",
            "parent_flow_id",
            "parent_shared",
            "provider_id",
            "channel",
            "modality",
            "stage",
            "currency",
            "boundary",
            "year",
            "month",
            "emergency_code",
            "country_code",
            name="uq_assistance_totals_key",
        ),
    )
    with op.batch_alter_table("assistance_totals", schema=None) as batch_op:
        batch_op.create_index("ix_assistance_totals_flows", ["flows"], unique=False)
        batch_op.create_index("ix_assistance_totals_country", ["grain", "country_code"], unique=False)
        batch_op.create_index("ix_assistance_totals_provider", ["grain", "provider_id"], unique=False)
        batch_op.create_index("ix_assistance_totals_month", ["grain", "month"], unique=False)
        batch_op.create_index("ix_assistance_totals_emergency", ["grain", "emergency_code"], unique=False)
    with op.batch_alter_table("assistance_flow_versions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assistance_flow_versions_flow_current", ["flow_id", "is_current", "is_internal"], unique=False
        )
    # ALTER TABLE ... ADD COLUMN, not a batch copy of the table (see downgrade)
    op.add_column(
        "assistance_flow_versions",
        sa.Column("is_illustrative", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    # The totals of the flows recorded before this revision (the same SQL as `assistance rebuild-totals`).
    totals.rebuild(Session(bind=op.get_bind()))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch copy of the table would drop the
    # old one, and with it, through ON DELETE CASCADE, every flow's recipients, items and sources.
    op.drop_column("assistance_flow_versions", "is_illustrative")
    with op.batch_alter_table("assistance_flow_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_assistance_flow_versions_flow_current")
    with op.batch_alter_table("assistance_totals", schema=None) as batch_op:
        for name in ("emergency", "month", "provider", "country", "flows"):
            batch_op.drop_index(f"ix_assistance_totals_{name}")
    op.drop_table("assistance_totals")
