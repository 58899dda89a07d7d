"""Shapes in and out of the hubs module: what the API accepts and what the API and CLI print."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from solidarity.hubs.ledger import StockRow
from solidarity.hubs.models import (
    Location,
    LocationKind,
    Lot,
    Priority,
    RequestState,
    Shipment,
    ShipmentState,
    SupplyRequest,
    TrackingKind,
)
from solidarity.hubs.shipments import is_overdue
from solidarity.partners.models import Organisation
from solidarity.reference.models import Item

Quantity = Field(gt=0, strict=True)


class HubCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    country: str
    city: str | None = None
    operator_organisation_id: int | None = None


class HubPublic(BaseModel):
    id: int
    name: str
    kind: str
    country_code: str | None
    city: str | None
    operator_organisation_id: int | None

    @classmethod
    def of(cls, hub: Location) -> HubPublic:
        return cls(
            id=hub.id,
            name=hub.name,
            kind=hub.kind.value,
            country_code=hub.country_code,
            city=hub.city,
            operator_organisation_id=hub.operator_organisation_id,
        )


class ReceiptCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hub: str
    item: str
    quantity: int = Quantity
    lot: str | None = None
    expiry: dt.date | None = None
    owner: str | None = None
    flow_id: int | None = None
    document_number: str | None = None
    occurred_at: dt.datetime | None = None


class DispatchCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hub: str
    to: str = Field(description="Destination country: ISO code or name")
    item: str
    quantity: int = Quantity
    lot: str | None = None
    owner: str | None = None
    request_id: int | None = None
    expected_arrival: dt.date | None = None


class DeliveryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    accepted: int = Field(ge=0, strict=True)
    rejected: int = Field(ge=0, strict=True)
    reason: str | None = None
    rejected_to: LocationKind = LocationKind.HUB


class TrackingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: TrackingKind
    at: dt.datetime | None = None
    place: str | None = None
    note: str | None = None


class LostCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1)


class RequestLineCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item: str
    quantity: int = Quantity


class RequestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    organisation: str
    country: str
    lines: list[RequestLineCreate] = Field(min_length=1)
    priority: Priority = Priority.NORMAL
    needed_by: dt.date | None = None
    emergency_point: str | None = None
    hub: str | None = None


class TransitionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: RequestState
    reason: str | None = None
    approved: dict[int, int] | None = Field(default=None, description="Line id to approved quantity")


class StockRowPublic(BaseModel):
    hub: str
    item: str
    lot: str
    expiry: dt.date | None
    owner: str
    quantity: int

    @classmethod
    def of(cls, row: StockRow) -> StockRowPublic:
        return cls(hub=row.hub, item=row.item, lot=row.lot, expiry=row.expiry, owner=row.owner, quantity=row.quantity)


class ShipmentLinePublic(BaseModel):
    id: int
    item: str
    lot: str
    expiry: dt.date | None
    owner: str
    quantity: int
    accepted: int | None
    rejected: int | None
    rejection_reason: str | None


class TrackingEventPublic(BaseModel):
    kind: TrackingKind
    at: dt.datetime
    place: str | None
    note: str | None


class ShipmentPublic(BaseModel):
    id: int
    hub_id: int
    country_code: str
    request_id: int | None
    state: ShipmentState
    packages: int | None
    expected_arrival: dt.date | None
    dispatched_at: dt.datetime | None
    delivered_at: dt.datetime | None
    is_overdue: bool
    lost_reason: str | None
    lines: list[ShipmentLinePublic]
    events: list[TrackingEventPublic]

    @classmethod
    def of(cls, session: Session, shipment: Shipment) -> ShipmentPublic:
        lines = []
        for line in shipment.lines:
            item, lot, owner = (
                session.get(Item, line.item_id),
                session.get(Lot, line.lot_id),
                session.get(Organisation, line.owner_organisation_id),
            )
            assert item is not None
            assert lot is not None
            assert owner is not None
            lines.append(
                ShipmentLinePublic(
                    id=line.id,
                    item=item.code,
                    lot=lot.code,
                    expiry=lot.expires_on,
                    owner=owner.name,
                    quantity=line.quantity,
                    accepted=line.accepted,
                    rejected=line.rejected,
                    rejection_reason=line.rejection_reason,
                )
            )
        return cls(
            id=shipment.id,
            hub_id=shipment.hub_id,
            country_code=shipment.country_code,
            request_id=shipment.request_id,
            state=shipment.state,
            packages=shipment.packages,
            expected_arrival=shipment.expected_arrival,
            dispatched_at=shipment.dispatched_at,
            delivered_at=shipment.delivered_at,
            is_overdue=is_overdue(shipment),
            lost_reason=shipment.lost_reason,
            lines=lines,
            events=[TrackingEventPublic(kind=e.kind, at=e.at, place=e.place, note=e.note) for e in shipment.events],
        )


class RequestLinePublic(BaseModel):
    id: int
    item: str
    quantity: int
    approved_quantity: int | None


class RequestTransitionPublic(BaseModel):
    from_state: RequestState | None
    to_state: RequestState
    actor: str
    reason: str | None
    at: dt.datetime


class RequestPublic(BaseModel):
    id: int
    requesting_organisation_id: int
    country_code: str
    emergency_point: str | None
    priority: Priority
    needed_by: dt.date | None
    state: RequestState
    lines: list[RequestLinePublic]
    transitions: list[RequestTransitionPublic]

    @classmethod
    def of(cls, session: Session, request: SupplyRequest) -> RequestPublic:
        lines = []
        for line in request.lines:
            item = session.get(Item, line.item_id)
            assert item is not None
            lines.append(
                RequestLinePublic(
                    id=line.id, item=item.code, quantity=line.quantity, approved_quantity=line.approved_quantity
                )
            )
        return cls(
            id=request.id,
            requesting_organisation_id=request.requesting_organisation_id,
            country_code=request.country_code,
            emergency_point=request.emergency_point,
            priority=request.priority,
            needed_by=request.needed_by,
            state=request.state,
            lines=lines,
            transitions=[
                RequestTransitionPublic(
                    from_state=t.from_state, to_state=t.to_state, actor=t.actor_label, reason=t.reason, at=t.at
                )
                for t in request.transitions
            ],
        )
