"""Tables of the hubs module: locations, lots, the stock ledger and its balances, loans, requests, shipments."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Date, Enum, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from solidarity.db.base import Base, UTCDateTime, utcnow


def _enum(kind: type[enum.Enum], length: int = 20) -> Enum:
    return Enum(kind, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class LocationKind(enum.StrEnum):
    HUB = "hub"
    BIN = "bin"
    SUPPLIER = "supplier"
    IN_TRANSIT = "in_transit"
    RECIPIENT = "recipient"
    LOST = "lost"
    DAMAGED = "damaged"
    EXPIRED = "expired"
    CONSUMED = "consumed"


VIRTUAL_KINDS = frozenset(k for k in LocationKind if k not in (LocationKind.HUB, LocationKind.BIN))


class Location(Base):
    """A place stock can be: a hub or one of its bins, or a virtual location (supplier, in transit ...).

    The supplier location stands for the world outside: every receipt is a move out of it, so every
    move is a transfer and the total over the other locations changes only through receipts.
    """

    __tablename__ = "hubs_locations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[LocationKind] = mapped_column(_enum(LocationKind), index=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    country_code: Mapped[str | None] = mapped_column(String(2))
    city: Mapped[str | None] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("hubs_locations.id"))
    operator_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Lot(Base):
    """A batch of one item with its expiry date; receipts without a lot go to the item's ``NO-LOT``."""

    __tablename__ = "hubs_lots"
    __table_args__ = (UniqueConstraint("item_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("reference_items.id"))
    code: Mapped[str] = mapped_column(String(100))
    expires_on: Mapped[dt.date | None] = mapped_column(Date)


class MoveReason(enum.StrEnum):
    RECEIPT = "receipt"
    DISPATCH = "dispatch"
    DELIVERY = "delivery"
    RETURN = "return"
    DAMAGE = "damage"
    LOSS = "loss"
    EXPIRY = "expiry"
    CONSUMPTION = "consumption"
    LOAN = "loan"
    LOAN_RETURN = "loan_return"
    TRANSFER = "transfer"
    REVERSAL = "reversal"


class StockMove(Base):
    """One immutable line of the stock ledger: ``quantity`` of a lot moves between two locations.

    ``to_owner_organisation_id`` differs from the owner only for a loan or its return: the goods stay
    where they are and change hands. A correction is a new move with ``reverses_move_id``.
    """

    __tablename__ = "hubs_stock_moves"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_hubs_stock_moves_from", "from_location_id", "item_id", "lot_id", "owner_organisation_id"),
        Index("ix_hubs_stock_moves_to", "to_location_id", "item_id", "lot_id", "to_owner_organisation_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    from_location_id: Mapped[int] = mapped_column(ForeignKey("hubs_locations.id"))
    to_location_id: Mapped[int] = mapped_column(ForeignKey("hubs_locations.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("reference_items.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("hubs_lots.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    owner_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    to_owner_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    reason: Mapped[MoveReason] = mapped_column(_enum(MoveReason))
    document_number: Mapped[str | None] = mapped_column(String(100))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    actor_label: Mapped[str] = mapped_column(String(200))
    reverses_move_id: Mapped[int | None] = mapped_column(ForeignKey("hubs_stock_moves.id"), unique=True)
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("hubs_shipments.id"), index=True)
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("hubs_loans.id"))
    # The assistance module's in-kind flow this receipt fulfils; no foreign key until that table exists.
    assistance_flow_id: Mapped[int | None] = mapped_column(Integer, index=True)


class StockBalance(Base):
    """Quantity on hand per location, item, lot and owner, kept in the same transaction as each move.

    The supplier location has no balance rows: it is the outside world. The CHECK is the last line of
    defence; the ledger refuses a move that would break it before the database has to.
    """

    __tablename__ = "hubs_stock_balances"
    __table_args__ = (
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        UniqueConstraint("location_id", "item_id", "lot_id", "owner_organisation_id"),
        Index("ix_hubs_stock_balances_item", "item_id", "location_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("hubs_locations.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("reference_items.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("hubs_lots.id"))
    owner_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    quantity: Mapped[int] = mapped_column(Integer)


class Loan(Base):
    """Stock lent by one partner to another in the same hub, with the return expected."""

    __tablename__ = "hubs_loans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs_locations.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("reference_items.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    lender_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    borrower_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    expected_return_on: Mapped[dt.date | None] = mapped_column(Date)
    returned_quantity: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RequestState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    ALLOCATED = "allocated"
    DISPATCHED = "dispatched"
    DELIVERED = "delivered"
    CLOSED = "closed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class Priority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


class SupplyRequest(Base):
    """A country's or emergency point's request for supplies, moving through ``states.TRANSITIONS``."""

    __tablename__ = "hubs_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requesting_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    country_code: Mapped[str] = mapped_column(String(2), index=True)
    emergency_point: Mapped[str | None] = mapped_column(String(200))
    hub_id: Mapped[int | None] = mapped_column(ForeignKey("hubs_locations.id"))
    priority: Mapped[Priority] = mapped_column(_enum(Priority))
    needed_by: Mapped[dt.date | None] = mapped_column(Date)
    state: Mapped[RequestState] = mapped_column(_enum(RequestState), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list[RequestLine]] = relationship(order_by="RequestLine.id", cascade="all, delete-orphan")
    transitions: Mapped[list[RequestTransition]] = relationship(order_by="RequestTransition.id")


class RequestLine(Base):
    __tablename__ = "hubs_request_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("hubs_requests.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("reference_items.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    approved_quantity: Mapped[int | None] = mapped_column(Integer)


class RequestTransition(Base):
    """One change of a request's state: who, when, why."""

    __tablename__ = "hubs_request_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("hubs_requests.id"), index=True)
    from_state: Mapped[RequestState | None] = mapped_column(_enum(RequestState))
    to_state: Mapped[RequestState] = mapped_column(_enum(RequestState))
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    actor_label: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(String(1000))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ShipmentState(enum.StrEnum):
    PICKED = "picked"
    PACKED = "packed"
    DISPATCHED = "dispatched"
    DELIVERED = "delivered"
    LOST = "lost"
    CANCELLED = "cancelled"


class Shipment(Base):
    __tablename__ = "hubs_shipments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs_locations.id"), index=True)
    country_code: Mapped[str] = mapped_column(String(2), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("hubs_requests.id"), index=True)
    state: Mapped[ShipmentState] = mapped_column(_enum(ShipmentState), index=True)
    packages: Mapped[int | None] = mapped_column(Integer)
    expected_arrival: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    rejected_to: Mapped[str | None] = mapped_column(String(20))
    lost_reason: Mapped[str | None] = mapped_column(String(1000))

    lines: Mapped[list[ShipmentLine]] = relationship(order_by="ShipmentLine.id", cascade="all, delete-orphan")
    events: Mapped[list[TrackingEvent]] = relationship(order_by="TrackingEvent.at")


class ShipmentLine(Base):
    """One picked lot of a shipment; after delivery ``accepted + rejected == quantity``."""

    __tablename__ = "hubs_shipment_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "(accepted IS NULL AND rejected IS NULL) OR "
            "(accepted >= 0 AND rejected >= 0 AND accepted + rejected = quantity)",
            name="delivery_adds_up",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("hubs_shipments.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("reference_items.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("hubs_lots.id"))
    owner_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    accepted: Mapped[int | None] = mapped_column(Integer)
    rejected: Mapped[int | None] = mapped_column(Integer)
    rejection_reason: Mapped[str | None] = mapped_column(String(1000))


class TrackingKind(enum.StrEnum):
    DEPARTED = "departed"
    TRANSIT_POINT = "transit_point"
    CUSTOMS = "customs"
    ARRIVED = "arrived"
    DELIVERED = "delivered"


class TrackingEvent(Base):
    __tablename__ = "hubs_tracking_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("hubs_shipments.id"), index=True)
    kind: Mapped[TrackingKind] = mapped_column(_enum(TrackingKind))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    place: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(1000))
    actor_label: Mapped[str] = mapped_column(String(200))
