"""reporting: the current figures keep no foreign keys (a table derived from the checked, append-only figures)

``reporting_current_figures`` is filled only from ``reporting_figures`` rows of the same
transaction, whose own foreign keys to areas and versions are checked; checking them a second time
for every derived row cost about half of the server time of the current-figures insert on
PostgreSQL (two triggers per row) and a lookup per key on SQLite. Areas and versions are never
deleted, so nothing can leave a current figure pointing nowhere.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FOREIGN_KEYS = (
    ("fk_reporting_current_figures_area_id_reporting_areas", ["area_id"], "reporting_areas"),
    ("fk_reporting_current_figures_version_id_reporting_versions", ["version_id"], "reporting_versions"),
)


def upgrade() -> None:
    # SQLite cannot drop a constraint: batch mode copies the table, kept WITHOUT ROWID.
    with op.batch_alter_table("reporting_current_figures", table_kwargs={"sqlite_with_rowid": False}) as batch:
        for name, _columns, _table in _FOREIGN_KEYS:
            batch.drop_constraint(name, type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("reporting_current_figures", table_kwargs={"sqlite_with_rowid": False}) as batch:
        for name, columns, table in _FOREIGN_KEYS:
            batch.create_foreign_key(name, table, columns, ["id"])
