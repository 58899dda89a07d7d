"""allocation: stored plans, their line edits, and weight overrides

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "allocation_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("objective", sa.String(length=20), nullable=False),
        sa.Column("problem", sa.JSON(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column(
            "status", sa.Enum("draft", "approved", name="planstatus", native_enum=False, length=20), nullable=False
        ),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation_plans")),
    )
    op.create_table(
        "allocation_weight_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("destination", sa.String(length=100), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation_weight_overrides")),
    )
    with op.batch_alter_table("allocation_weight_overrides", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_allocation_weight_overrides_destination"), ["destination"], unique=False)
    op.create_table(
        "allocation_plan_edits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("hub", sa.String(length=100), nullable=False),
        sa.Column("destination", sa.String(length=100), nullable=False),
        sa.Column("item", sa.String(length=100), nullable=False),
        sa.Column("before_quantity", sa.Integer(), nullable=False),
        sa.Column("after_quantity", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["allocation_plans.id"],
            name=op.f("fk_allocation_plan_edits_plan_id_allocation_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation_plan_edits")),
    )
    with op.batch_alter_table("allocation_plan_edits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_allocation_plan_edits_plan_id"), ["plan_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("allocation_plan_edits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allocation_plan_edits_plan_id"))
    op.drop_table("allocation_plan_edits")
    with op.batch_alter_table("allocation_weight_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allocation_weight_overrides_destination"))
    op.drop_table("allocation_weight_overrides")
    op.drop_table("allocation_plans")
