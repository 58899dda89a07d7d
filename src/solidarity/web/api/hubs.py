"""Response hubs over HTTP: hubs, stock (with CSV), receipts, dispatches, shipments, requests, reports."""

from __future__ import annotations

from fastapi import APIRouter, Query
from pydantic import BaseModel
from starlette.responses import Response

from solidarity.hubs import ledger, locations, reports, requests, shipments
from solidarity.hubs.schemas import (
    DeliveryCreate,
    DispatchCreate,
    HubCreate,
    HubPublic,
    LostCreate,
    ReceiptCreate,
    RequestCreate,
    RequestPublic,
    ShipmentPublic,
    StockRowPublic,
    TrackingCreate,
    TransitionCreate,
)
from solidarity.web.api.listing import PageDep, listing
from solidarity.web.deps import ActorDep, SessionDep

router = APIRouter(prefix="/hubs", tags=["hubs"])


class MovePublic(BaseModel):
    move_id: int
    quantity: int
    lot_id: int
    owner_organisation_id: int
    assistance_flow_id: int | None


class PipelinePublic(BaseModel):
    country: str
    requested: int
    approved: int
    shipped: int
    delivered: int
    in_transit: int


@router.get("")
def list_hubs(session: SessionDep) -> list[HubPublic]:
    return [HubPublic.of(h) for h in locations.list_hubs(session)]


@router.post("", status_code=201)
def create_hub(data: HubCreate, actor: ActorDep, session: SessionDep) -> HubPublic:
    """Register a hub; 409 with ``details.existing_id`` when the name is taken."""
    return HubPublic.of(locations.create_hub(session, actor, **data.model_dump()))


@router.get("/stock")
def stock(
    session: SessionDep,
    page: PageDep,
    hub: str | None = Query(None, description="Hub id or name"),
    item: str | None = Query(None, description="Catalogue code or name"),
    owner: str | None = Query(None, description="Owner organisation"),
) -> Response:
    """Stock on hand by hub, item, lot and owner; ``?format=csv`` for a spreadsheet."""
    rows = [StockRowPublic.of(r) for r in ledger.stock_on_hand(session, hub=hub, item=item, owner=owner)]
    window = rows[page.offset : page.offset + page.limit]
    return listing(page, filename="hub-stock.csv", rows=window, count=len(rows), all_rows=lambda: rows)


@router.get("/expiring")
def expiring(session: SessionDep, page: PageDep, days: int = Query(90, ge=0), hub: str | None = None) -> Response:
    """Stock whose lot expires within ``days``, soonest first (expired lots included)."""
    rows = [StockRowPublic.of(r) for r in reports.expiring_soon(session, days=days, hub=hub)]
    window = rows[page.offset : page.offset + page.limit]
    return listing(page, filename="hub-expiring.csv", rows=window, count=len(rows), all_rows=lambda: rows)


@router.get("/pipeline")
def pipeline(session: SessionDep, page: PageDep) -> Response:
    """Units requested, approved, shipped, delivered and in transit per destination country."""
    rows = [PipelinePublic(**r.__dict__) for r in reports.pipeline(session)]
    return listing(page, filename="hub-pipeline.csv", rows=rows, count=len(rows))


@router.post("/receipts", status_code=201)
def receive(data: ReceiptCreate, actor: ActorDep, session: SessionDep) -> MovePublic:
    """Receive goods into a hub; 404 for an unknown hub, item or owner, 422 for an expired lot."""
    fields = data.model_dump()
    move = ledger.receive(session, actor, **fields)
    return MovePublic(
        move_id=move.id,
        quantity=move.quantity,
        lot_id=move.lot_id,
        owner_organisation_id=move.owner_organisation_id,
        assistance_flow_id=move.assistance_flow_id,
    )


@router.post("/dispatches", status_code=201)
def dispatch(data: DispatchCreate, actor: ActorDep, session: SessionDep) -> ShipmentPublic:
    """Pick first-expiry-first-out and dispatch; 409 ``insufficient_stock`` with the shortfall above stock."""
    shipment = shipments.dispatch(
        session,
        actor,
        hub=data.hub,
        country=data.to,
        item=data.item,
        quantity=data.quantity,
        lot=data.lot,
        owner=data.owner,
        request_id=data.request_id,
        expected_arrival=data.expected_arrival,
    )
    return ShipmentPublic.of(session, shipment)


@router.get("/shipments")
def list_shipments(session: SessionDep, page: PageDep) -> Response:
    every = shipments.list_shipments(session)
    rows = [ShipmentPublic.of(session, s) for s in every[page.offset : page.offset + page.limit]]
    return listing(page, filename="shipments.csv", rows=rows, count=len(every))


@router.get("/shipments/{shipment_id}")
def get_shipment(shipment_id: int, session: SessionDep) -> ShipmentPublic:
    return ShipmentPublic.of(session, shipments.get_shipment(session, shipment_id))


@router.post("/shipments/{shipment_id}/tracking", status_code=201)
def track(shipment_id: int, data: TrackingCreate, actor: ActorDep, session: SessionDep) -> ShipmentPublic:
    shipments.add_tracking_event(session, actor, shipment_id, **data.model_dump())
    return ShipmentPublic.of(session, shipments.get_shipment(session, shipment_id))


@router.post("/shipments/{shipment_id}/delivery")
def deliver(shipment_id: int, data: DeliveryCreate, actor: ActorDep, session: SessionDep) -> ShipmentPublic:
    """Proof of delivery; 422 when accepted + rejected differs from what was shipped."""
    shipment = shipments.deliver_totals(
        session,
        actor,
        shipment_id,
        accepted=data.accepted,
        rejected=data.rejected,
        reason=data.reason,
        rejected_to=data.rejected_to,
    )
    return ShipmentPublic.of(session, shipment)


@router.post("/shipments/{shipment_id}/lost")
def lost(shipment_id: int, data: LostCreate, actor: ActorDep, session: SessionDep) -> ShipmentPublic:
    return ShipmentPublic.of(session, shipments.declare_lost(session, actor, shipment_id, reason=data.reason))


@router.get("/requests")
def list_requests(session: SessionDep, page: PageDep) -> Response:
    every = requests.list_requests(session)
    rows = [RequestPublic.of(session, r) for r in every[page.offset : page.offset + page.limit]]
    return listing(page, filename="requests.csv", rows=rows, count=len(every))


@router.post("/requests", status_code=201)
def create_request(data: RequestCreate, actor: ActorDep, session: SessionDep) -> RequestPublic:
    request = requests.create_request(
        session,
        actor,
        organisation=data.organisation,
        country=data.country,
        lines=[(line.item, line.quantity) for line in data.lines],
        priority=data.priority,
        needed_by=data.needed_by,
        emergency_point=data.emergency_point,
        hub=data.hub,
    )
    return RequestPublic.of(session, request)


@router.get("/requests/{request_id}")
def get_request(request_id: int, session: SessionDep) -> RequestPublic:
    return RequestPublic.of(session, requests.get_request(session, request_id))


@router.post("/requests/{request_id}/transitions")
def move_request(request_id: int, data: TransitionCreate, actor: ActorDep, session: SessionDep) -> RequestPublic:
    """Move a request to its next state; 422 for a transition its state does not allow."""
    request = requests.transition(session, actor, request_id, data.state, reason=data.reason, approved=data.approved)
    return RequestPublic.of(session, request)
