"""Assistance tables: flows and their append-only versions, recipients, item lines, sources, claims.

A ``Flow`` is the stable identity of one gift, loan, sale, team or training; everything said about
it lives in ``FlowVersion`` rows. A change adds a version (who, when, why) and moves the
``is_current`` flag in the same transaction; an old version is never updated, so any past state
stays readable. Recipients, item lines and sources hang off the version they belong to.

Columns for IATI 2.03 and OCHA FTS exchange (``iati_identifier``, ``transaction_type``,
``aid_type``, ``finance_type``, ``flow_type``, ``humanitarian_scope``) are stored as the codes those
standards use, so the exchange module can map without losing anything.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from solidarity.db.base import Base, UTCDateTime, utcnow
from solidarity.partners import accounts as _accounts  # noqa: F401 - the tables these foreign keys name
from solidarity.partners import models as _partners  # noqa: F401
from solidarity.reference import models as _reference  # noqa: F401


class Channel(enum.StrEnum):
    BILATERAL = "bilateral"
    MULTILATERAL = "multilateral"
    PUBLIC_PRIVATE = "public-private"
    PRIVATE = "private"

    @property
    def is_official(self) -> bool:
        return self in (Channel.BILATERAL, Channel.MULTILATERAL)


class Modality(enum.StrEnum):
    FINANCIAL = "financial"
    IN_KIND = "in-kind"
    PERSONNEL = "personnel"
    TRAINING = "training"
    KNOWLEDGE = "knowledge"


class Terms(enum.StrEnum):
    GRANT = "grant"
    LOAN = "loan"
    COMMERCIAL_SALE = "commercial-sale"
    OTHER = "other"


class Stage(enum.StrEnum):
    PLEDGE = "pledge"
    COMMITMENT = "commitment"
    DISBURSEMENT = "disbursement"
    DELIVERY = "delivery"
    EXPENDITURE = "expenditure"


class Boundary(enum.StrEnum):
    SINGLE = "single"
    SHARED = "shared"


class Valuation(enum.StrEnum):
    NONE = "none"
    DECLARED = "declared"
    MARKET_PRICE = "market-price"
    CUSTOMS = "customs"
    REPLACEMENT_COST = "replacement-cost"


class CapacityKind(enum.StrEnum):
    EXPERT_TEAM = "expert-team"
    TRAINING = "training"


class DeliveryMode(enum.StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    MIXED = "mixed"


def _enum(e: type[enum.Enum], length: int = 20) -> Enum:
    return Enum(e, native_enum=False, length=length, values_callable=lambda x: [m.value for m in x])


class Flow(Base):
    """The stable identity of a flow; ``ref`` is the reporter's own key (CSV imports match on it)."""

    __tablename__ = "assistance_flows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[FlowVersion]] = relationship(
        back_populates="flow", order_by="FlowVersion.version", foreign_keys="FlowVersion.flow_id"
    )


class FlowVersion(Base):
    """Everything said about a flow at one moment; the current one has ``is_current``."""

    __tablename__ = "assistance_flow_versions"
    __table_args__ = (
        UniqueConstraint("flow_id", "version"),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
        Index("ix_assistance_flow_versions_current", "is_current", "stage", "flow_date"),
        # A flow's current version and whether it is internal, in one probe: the parent check of counting
        # rule 2 (in reports and in the totals) makes one per pass-through child.
        Index("ix_assistance_flow_versions_flow_current", "flow_id", "is_current", "is_internal"),
        # Covers every column the reports read, so a report scans this narrow index, not the wide rows.
        Index(
            "ix_assistance_flow_versions_report",
            "is_current",
            "is_internal",
            "provider_id",
            "channel",
            "modality",
            "stage",
            "boundary",
            "currency",
            "amount",
            "amount_usd",
            "parent_flow_id",
            "flow_date",
            "emergency_code",
            "flow_id",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("assistance_flows.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)

    provider_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    receiver_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    channel: Mapped[Channel] = mapped_column(_enum(Channel))
    modality: Mapped[Modality] = mapped_column(_enum(Modality))
    terms: Mapped[Terms] = mapped_column(_enum(Terms))
    stage: Mapped[Stage] = mapped_column(_enum(Stage))
    boundary: Mapped[Boundary] = mapped_column(_enum(Boundary, 10))
    is_new_money: Mapped[bool] = mapped_column(Boolean, default=True)
    is_internal: Mapped[bool] = mapped_column(Boolean, default=False)
    is_lower_bound: Mapped[bool] = mapped_column(Boolean, default=False)
    is_illustrative: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Not from any source: a made-up record showing what the sources do not give (Table 1 leaves it out)."""
    """The source says "more than": every figure of this version is a minimum."""

    flow_date: Mapped[dt.date] = mapped_column(Date)
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    horizon_end: Mapped[dt.date | None] = mapped_column(Date)
    """For a pledge: the date by which it is to be fulfilled."""

    amount: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    amount_usd: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))
    usd_rate: Mapped[Decimal | None] = mapped_column(Numeric(28, 14))
    usd_rate_date: Mapped[dt.date | None] = mapped_column(Date)
    usd_rate_source: Mapped[str | None] = mapped_column(String(300))

    parent_flow_id: Mapped[int | None] = mapped_column(ForeignKey("assistance_flows.id"), index=True)
    """The flow this one passes on (money given to WHO and passed to a country)."""
    fulfils_flow_id: Mapped[int | None] = mapped_column(ForeignKey("assistance_flows.id"), index=True)
    """The pledge a commitment fulfils, or the commitment a disbursement pays."""
    joint_action_id: Mapped[int | None] = mapped_column(ForeignKey("joint_actions.id"), index=True)
    claim_subject: Mapped[str | None] = mapped_column(String(200), index=True)

    emergency_code: Mapped[str | None] = mapped_column(String(40), index=True)
    sector_dac: Mapped[str | None] = mapped_column(String(5))
    cluster: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(4000))

    capacity_kind: Mapped[CapacityKind | None] = mapped_column(_enum(CapacityKind))
    capacity_count: Mapped[int | None] = mapped_column(Integer)
    """Teams deployed or sessions held, when a record counts several."""
    capacity_countries: Mapped[int | None] = mapped_column(Integer)
    specialties: Mapped[str | None] = mapped_column(String(500))
    team_size: Mapped[int | None] = mapped_column(Integer)
    activities: Mapped[str | None] = mapped_column(String(2000))
    topic: Mapped[str | None] = mapped_column(String(300))
    delivery_mode: Mapped[DeliveryMode | None] = mapped_column(_enum(DeliveryMode, 10))
    audience: Mapped[str | None] = mapped_column(String(300))
    participants: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str | None] = mapped_column(String(40))

    iati_identifier: Mapped[str | None] = mapped_column(String(200), index=True)
    transaction_type: Mapped[str | None] = mapped_column(String(4))
    aid_type: Mapped[str | None] = mapped_column(String(10))
    finance_type: Mapped[str | None] = mapped_column(String(10))
    flow_type: Mapped[str | None] = mapped_column(String(10))
    humanitarian_scope: Mapped[str | None] = mapped_column(String(60))

    override_reason: Mapped[str | None] = mapped_column(String(1000))
    """A coordinator's recorded reason for accepting what the rules refuse (an explicit rate, an overpayment)."""
    changed_by: Mapped[str] = mapped_column(String(320))
    changed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    change_reason: Mapped[str | None] = mapped_column(String(1000))

    flow: Mapped[Flow] = relationship(back_populates="versions", foreign_keys=[flow_id])
    recipients: Mapped[list[FlowRecipient]] = relationship(
        cascade="all, delete-orphan", order_by="FlowRecipient.id", lazy="selectin"
    )
    items: Mapped[list[FlowItem]] = relationship(cascade="all, delete-orphan", order_by="FlowItem.id", lazy="selectin")
    sources: Mapped[list[FlowSource]] = relationship(
        cascade="all, delete-orphan", order_by="FlowSource.id", lazy="selectin"
    )


class FlowRecipient(Base):
    """A recipient country (alpha-2) or region, with its share of the flow in percent."""

    __tablename__ = "assistance_flow_recipients"
    __table_args__ = (
        CheckConstraint("percentage > 0 AND percentage <= 100", name="percentage_range"),
        Index("ix_assistance_flow_recipients_report", "version_id", "country_code", "percentage"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("assistance_flow_versions.id", ondelete="CASCADE"), index=True)
    country_code: Mapped[str | None] = mapped_column(String(2), index=True)
    region: Mapped[str | None] = mapped_column(String(100))
    percentage: Mapped[Decimal] = mapped_column(Numeric(5, 2))


class FlowItem(Base):
    """An in-kind line: a catalogue item, a quantity in a unit, and how (if at all) it was valued."""

    __tablename__ = "assistance_flow_items"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("assistance_flow_versions.id", ondelete="CASCADE"), index=True)
    item_code: Mapped[str] = mapped_column(ForeignKey("reference_items.code"), index=True)
    quantity: Mapped[int] = mapped_column(BigInteger)
    unit_code: Mapped[str] = mapped_column(ForeignKey("reference_units.code"))
    valuation: Mapped[Valuation] = mapped_column(_enum(Valuation))
    unit_value: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    value_currency: Mapped[str | None] = mapped_column(String(3))


class FlowSource(Base):
    """Where a figure comes from: a citation, and where known a URL and page."""

    __tablename__ = "assistance_flow_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("assistance_flow_versions.id", ondelete="CASCADE"), index=True)
    citation: Mapped[str] = mapped_column(String(1000))
    url: Mapped[str | None] = mapped_column(String(1000))
    page: Mapped[str | None] = mapped_column(String(40))


class Claim(Base):
    """What one source asserts about a subject that ledger flows also describe, or a dated note.

    Claims are kept beside the ledger, never counted in its totals: where a claim's amount differs
    from the ledger's total for the same ``subject``, reports show both with a discrepancy flag.
    """

    __tablename__ = "assistance_claims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(200), index=True)
    statement: Mapped[str] = mapped_column(String(2000))
    claim_date: Mapped[dt.date | None] = mapped_column(Date)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    amount_usd: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))
    citation: Mapped[str] = mapped_column(String(1000))
    url: Mapped[str | None] = mapped_column(String(1000))
    page: Mapped[str | None] = mapped_column(String(40))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


TOTAL_KEY = (
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
)
"""The key of an ``assistance_totals`` row, in column order (its unique constraint, and ``totals.KEY``)."""


class FlowTotal(Base):
    """Totals maintained on write: what the current, countable flows add to one report cell.

    Each ``grain`` keeps a few of the dimensions (the others hold ``''`` or ``0``): the reports read
    the smallest grain that has their grouping and filters (see ``totals.GRAINS``), a few thousand
    rows instead of every flow. Every flow version written adds its contribution and takes away its
    previous version's, in the same transaction; ``totals.rebuild`` recomputes them all from the flows.

    Amounts are whole cents and shares whole millionths of a unit (cents times hundredths of a
    percent), so adding and subtracting is exact on every database. ``parent_flow_id`` is 0 for a flow
    that always counts, or the parent of a pass-through child whose parent counts when unfiltered:
    such a child is left out unless a filter leaves its parent out (counting rule 2), or the parent is
    on a shared boundary (``parent_shared``) and the total is per recipient (rule 3).
    """

    __tablename__ = "assistance_totals"
    __table_args__ = (
        UniqueConstraint(*TOTAL_KEY, name="uq_assistance_totals_key"),
        # Rows whose last flow went away are deleted after each write; this finds them without a scan.
        Index("ix_assistance_totals_flows", "flows"),
        # The filters a report seeks within a grain (the key above leads with the parent, for unfiltered reads).
        Index("ix_assistance_totals_country", "grain", "country_code"),
        Index("ix_assistance_totals_provider", "grain", "provider_id"),
        Index("ix_assistance_totals_month", "grain", "month"),
        Index("ix_assistance_totals_emergency", "grain", "emergency_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grain: Mapped[str] = mapped_column(String(16))
    parent_flow_id: Mapped[int] = mapped_column(Integer, default=0)
    parent_shared: Mapped[int] = mapped_column(Integer, default=0)
    """1 when the parent is on a shared boundary: per-recipient totals do not count it, so they count the child."""
    provider_id: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str] = mapped_column(String(20), default="")
    modality: Mapped[str] = mapped_column(String(20), default="")
    stage: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3), default="")
    boundary: Mapped[str] = mapped_column(String(10), default="")
    year: Mapped[int] = mapped_column(Integer, default=0)
    month: Mapped[int] = mapped_column(Integer, default=0)
    """Year and month as ``yyyymm``."""
    emergency_code: Mapped[str] = mapped_column(String(40), default="")
    country_code: Mapped[str] = mapped_column(String(2), default="")
    flows: Mapped[int] = mapped_column(Integer, default=0)
    amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    usd_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    share_amount_micros: Mapped[int] = mapped_column(BigInteger, default=0)
    share_usd_micros: Mapped[int] = mapped_column(BigInteger, default=0)
