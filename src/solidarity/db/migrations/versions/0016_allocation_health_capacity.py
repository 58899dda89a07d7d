"""allocation: the health-capacity proxy imported from a WHO GHO indicator

Revision ID: 0016
Revises: 0015

One row per country of the imported indicator (its latest period): the value, its percentile among
the indicator's countries (the need index's health-capacity proxy), the file and who imported it.
An import replaces the rows before it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "allocation_health_capacity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alpha2", sa.String(length=2), nullable=False),
        sa.Column("indicator_code", sa.String(length=60), nullable=False),
        sa.Column("indicator", sa.String(length=300), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("proxy", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation_health_capacity")),
    )
    with op.batch_alter_table("allocation_health_capacity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_allocation_health_capacity_alpha2"), ["alpha2"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("allocation_health_capacity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allocation_health_capacity_alpha2"))
    op.drop_table("allocation_health_capacity")
