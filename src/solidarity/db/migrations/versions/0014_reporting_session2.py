"""reporting: the figures are keyed by (area, frequency, measure, date, version), without an id or foreign keys

``reporting_figures`` had a surrogate ``id`` (its primary key), a unique constraint on (area,
frequency, measure, date, version) and foreign keys to areas and versions. Every imported figure
paid for all of them: on SQLite a rowid table plus a second b-tree for the unique index plus two
lookups; on PostgreSQL two indexes, a sequence and two foreign-key triggers per row (which lock
the referenced area and version row each time: most of the server time of a large import).

Now the unique key is the primary key (on SQLite ``WITHOUT ROWID``: the table is that one
b-tree, which also serves ``as_of`` reads), and the id and foreign keys are gone:

- nothing read the id; the import finds its own rows by series and date range instead of by id;
- figures are written only by ``reporting.importing``, with area ids the import looked up or
  created and the version id it created, all in the same transaction; before the import ends,
  it checks in one query each that every area and version it wrote figures of exists, and fails
  otherwise, so the transaction leaves nothing (``tests/reporting/test_importing.py`` shows it for
  a bad area id and a bad version id); areas and versions are never deleted. The current-figures
  table dropped its foreign keys for the same reasons in migration 0010.

Existing figures are copied into the new table.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = ["area_id", "frequency", "measure", "date", "version_id"]
_VALUES = ["new_value", "cumulative_value", "flags"]
_FOREIGN_KEYS = (
    ("fk_reporting_figures_area_id_reporting_areas", ["area_id"], "reporting_areas"),
    ("fk_reporting_figures_version_id_reporting_versions", ["version_id"], "reporting_versions"),
)
_UNIQUE = "uq_reporting_figures_area_id_frequency_measure_date_version_id"


def _columns() -> list[sa.Column[object]]:
    return [
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("frequency", sa.String(length=8), nullable=False),
        sa.Column("measure", sa.String(length=16), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("new_value", sa.BigInteger(), nullable=True),
        sa.Column("cumulative_value", sa.BigInteger(), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=True),
    ]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot change a primary key: copy into a WITHOUT ROWID table, in key order.
        op.create_table(
            "reporting_figures_keyed",
            *_columns(),
            sa.PrimaryKeyConstraint(*_KEY, name="pk_reporting_figures"),
            sqlite_with_rowid=False,
        )
        names = ", ".join(_KEY + _VALUES)
        op.execute(
            f"INSERT INTO reporting_figures_keyed ({names}) SELECT {names} FROM reporting_figures "  # noqa: S608
            f"ORDER BY {', '.join(_KEY)}"
        )
        op.drop_table("reporting_figures")
        op.rename_table("reporting_figures_keyed", "reporting_figures")
        return
    for name, _columns_of, _table in _FOREIGN_KEYS:
        op.drop_constraint(name, "reporting_figures", type_="foreignkey")
    op.drop_constraint(_UNIQUE, "reporting_figures", type_="unique")
    op.drop_constraint("pk_reporting_figures", "reporting_figures", type_="primary")
    op.drop_column("reporting_figures", "id")
    op.create_primary_key("pk_reporting_figures", "reporting_figures", _KEY)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_table(
            "reporting_figures_with_id",
            sa.Column("id", sa.Integer(), nullable=False),
            *_columns(),
            sa.ForeignKeyConstraint(["area_id"], ["reporting_areas.id"], name=_FOREIGN_KEYS[0][0]),
            sa.ForeignKeyConstraint(["version_id"], ["reporting_versions.id"], name=_FOREIGN_KEYS[1][0]),
            sa.PrimaryKeyConstraint("id", name="pk_reporting_figures"),
            sa.UniqueConstraint(*_KEY, name=_UNIQUE),
        )
        names = ", ".join(_KEY + _VALUES)
        op.execute(
            f"INSERT INTO reporting_figures_with_id ({names}) SELECT {names} FROM reporting_figures "  # noqa: S608
            "ORDER BY version_id, area_id, frequency, measure, date"
        )
        op.drop_table("reporting_figures")
        op.rename_table("reporting_figures_with_id", "reporting_figures")
        return
    op.drop_constraint("pk_reporting_figures", "reporting_figures", type_="primary")
    op.add_column("reporting_figures", sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False))
    op.create_primary_key("pk_reporting_figures", "reporting_figures", ["id"])
    op.create_unique_constraint(_UNIQUE, "reporting_figures", _KEY)
    for name, columns, table in _FOREIGN_KEYS:
        op.create_foreign_key(name, "reporting_figures", table, columns, ["id"])
