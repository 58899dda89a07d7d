"""Tables of the reference module: population overrides, imported exchange rates, units and items."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from solidarity.db.base import Base, UTCDateTime, utcnow


class PopulationOverride(Base):
    """A population a user set for a country and year; it wins over the packaged figure."""

    __tablename__ = "reference_population_overrides"
    __table_args__ = (UniqueConstraint("country", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    year: Mapped[int] = mapped_column(Integer)
    population: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RateTable(Base):
    """One imported file of exchange rates; its hash makes a second import of it a no-op."""

    __tablename__ = "reference_rate_tables"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(300))
    file_hash: Mapped[str] = mapped_column(String(64), unique=True)
    row_count: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))


class ExchangeRate(Base):
    """USD per one unit of ``currency`` on ``date``, from an imported rate table."""

    __tablename__ = "reference_exchange_rates"
    __table_args__ = (
        UniqueConstraint("rate_table_id", "currency", "date"),
        Index("ix_reference_exchange_rates_lookup", "currency", "date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    date: Mapped[dt.date] = mapped_column(Date)
    rate_to_usd: Mapped[Decimal] = mapped_column(Numeric(28, 14))
    source: Mapped[str] = mapped_column(String(300))
    rate_table_id: Mapped[int] = mapped_column(ForeignKey("reference_rate_tables.id"), index=True)


class UnitKind(enum.StrEnum):
    COUNT = "count"
    MASS = "mass"
    VOLUME = "volume"


class Unit(Base):
    """A unit of measure quantities are counted in."""

    __tablename__ = "reference_units"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[UnitKind] = mapped_column(
        Enum(UnitKind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )


class ItemCategory(enum.StrEnum):
    PPE = "ppe"
    DIAGNOSTICS = "diagnostics"
    BIOMEDICAL_EQUIPMENT = "biomedical_equipment"
    MEDICINES = "medicines"
    VACCINES = "vaccines"
    CONSUMABLES = "consumables"


class Item(Base):
    """An entry of the shared catalogue that assistance, hubs and allocation count goods in."""

    __tablename__ = "reference_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[ItemCategory] = mapped_column(
        Enum(ItemCategory, native_enum=False, length=40, values_callable=lambda e: [m.value for m in e]),
        index=True,
    )
    unit_code: Mapped[str] = mapped_column(ForeignKey("reference_units.code"))
    pack_size: Mapped[int] = mapped_column(Integer, default=1)
    shelf_life_days: Mapped[int | None] = mapped_column(Integer)
    needs_cold_chain: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
