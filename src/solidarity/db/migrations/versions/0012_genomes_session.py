"""genomes: each result carries its neighbour-index profile (tokens and missing ranges, packed int32)

The in-memory neighbour index of a dataset loads from these two columns, one row per genome, instead
of every row of ``genome_mutations``. Rows stored before this revision keep NULL and are read the old
way (``neighbours`` falls back to ``genome_mutations`` and ``genome_missing_ranges`` for them).

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("genome_results") as batch:
        batch.add_column(sa.Column("index_tokens", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("index_missing", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("genome_results") as batch:
        batch.drop_column("index_missing")
        batch.drop_column("index_tokens")
