"""Reporting tables: areas, versioned batches, the append-only figures and the tables kept beside them.

``Figure`` is history: rows are only ever added, each in the ``ReportVersion`` (batch) that
published it. ``CurrentFigure`` and ``DailyTotal`` are derived from it and maintained in the same
transaction as every import, so queries without ``as_of`` stay fast; tests recompute both from
``Figure`` and compare.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from solidarity.db.base import Base, UTCDateTime, utcnow
from solidarity.partners import accounts as _accounts  # noqa: F401 - the tables these foreign keys name
from solidarity.partners import models as _partners  # noqa: F401


class AreaKind(enum.StrEnum):
    COUNTRY = "country"
    TERRITORY = "territory"
    SUBNATIONAL = "subnational"
    CONVEYANCE = "conveyance"
    EVENT = "event"
    OTHER = "other"


class ReportingArea(Base):
    """A place figures are reported for: a country or territory, a part of one, or a non-country area."""

    __tablename__ = "reporting_areas"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("reporting_areas.id"), index=True)
    country_code: Mapped[str | None] = mapped_column(String(2))
    who_region: Mapped[str | None] = mapped_column(String(8))
    is_on_map: Mapped[bool] = mapped_column(Boolean, default=False)
    reporting_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReportVersion(Base):
    """One published batch: an import or a submission. Its id is the version number users see."""

    __tablename__ = "reporting_versions"
    __table_args__ = (
        UniqueConstraint("actor_label", "idempotency_key"),
        Index("ix_reporting_versions_file", "file_sha256", "source_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    source_name: Mapped[str] = mapped_column(String(200))
    source_format: Mapped[str] = mapped_column(String(10))
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    flagged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(String(2000))


class Figure(Base):
    """One measure of one area on one date as published in one version; never updated or deleted.

    Keyed by (area, frequency, measure, date, version): the key is the uniqueness within a version
    and the index of "every version of this series" that ``as_of`` reads use; on SQLite the table
    is that one b-tree (``WITHOUT ROWID``). No foreign keys: rows are written only by the import,
    which checks its area ids exist (migration 0014 says why), and areas and versions are never deleted.
    """

    __tablename__ = "reporting_figures"
    __table_args__ = ({"sqlite_with_rowid": False},)

    area_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    frequency: Mapped[str] = mapped_column(String(8), primary_key=True)
    measure: Mapped[str] = mapped_column(String(16), primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    version_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    new_value: Mapped[int | None] = mapped_column(BigInteger)
    cumulative_value: Mapped[int | None] = mapped_column(BigInteger)
    flags: Mapped[list[str] | None] = mapped_column(JSON)


class CurrentFigure(Base):
    """The latest published value of each (area, frequency, measure, date) and the version it came from."""

    __tablename__ = "reporting_current_figures"
    # On SQLite the table is its primary key: one b-tree to maintain instead of two.
    __table_args__ = ({"sqlite_with_rowid": False},)

    # No foreign keys: every row is copied from a ``Figure`` of the same transaction, whose keys are
    # checked, and areas and versions are never deleted (migration 0010 dropped them, for import speed).
    area_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    frequency: Mapped[str] = mapped_column(String(8), primary_key=True)
    measure: Mapped[str] = mapped_column(String(16), primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    version_id: Mapped[int] = mapped_column(Integer)
    new_value: Mapped[int | None] = mapped_column(BigInteger)
    cumulative_value: Mapped[int | None] = mapped_column(BigInteger)
    flags: Mapped[list[str] | None] = mapped_column(JSON)


class DailyTotal(Base):
    """Sums of current figures over the world (``scope='global'``) and each WHO region, per date.

    Subnational areas are left out: their country carries them (see ``docs/reporting.md``).
    ``version_id`` is the newest version among the summed figures.
    """

    __tablename__ = "reporting_totals"
    __table_args__ = ({"sqlite_with_rowid": False},)

    scope: Mapped[str] = mapped_column(String(8), primary_key=True)
    frequency: Mapped[str] = mapped_column(String(8), primary_key=True)
    measure: Mapped[str] = mapped_column(String(16), primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    new_value: Mapped[int | None] = mapped_column(BigInteger)
    cumulative_value: Mapped[int | None] = mapped_column(BigInteger)
    areas: Mapped[int] = mapped_column(Integer, default=0)
    version_id: Mapped[int] = mapped_column(Integer)


class Dhis2MappingRow(Base):
    """How a DHIS2 data element or org unit maps onto a measure or an area code."""

    __tablename__ = "reporting_dhis2_mapping"
    __table_args__ = (UniqueConstraint("kind", "dhis2_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    """``data_element`` or ``org_unit``."""
    dhis2_id: Mapped[str] = mapped_column(String(64))
    measure: Mapped[str | None] = mapped_column(String(16))
    value_kind: Mapped[str | None] = mapped_column(String(16))
    """For a data element: ``new`` or ``cumulative``."""
    area_code: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "dhis2_id": self.dhis2_id,
            "measure": self.measure,
            "value_kind": self.value_kind,
            "area_code": self.area_code,
        }
