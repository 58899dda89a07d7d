"""Hubs pages: stock on hand, expiring lots, the pipeline, lead times, a map of shipments, and forms to
receive, dispatch and record proof of delivery. Every form works without JavaScript; a refused form
is shown again with the message under the error's status."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from solidarity.actor import Actor
from solidarity.errors import Invalid, SolidarityError
from solidarity.hubs import ledger, locations, reports, requests, shipments
from solidarity.hubs.locations import MODULE
from solidarity.hubs.models import LocationKind
from solidarity.hubs.schemas import ShipmentPublic
from solidarity.reference import service as reference
from solidarity.reference.countries import find_country
from solidarity.web import maps
from solidarity.web.deps import ActorDep, SessionDep
from solidarity.web.forms import form_fields
from solidarity.web.templating import flash, render

router = APIRouter(prefix="/hubs")
SHIPPED_SCALE = maps.ColourScale((10, 100, 1_000, 10_000, 100_000, 1_000_000), "units shipped")


def country_name(code: str | None) -> str:
    country = find_country(code) if code else None
    return country.name if country else (code or "")


def _overview(session: Session, actor: Actor, *, hub: str, days: int) -> dict[str, Any]:
    shipped = reports.shipped_by_country(session)
    entries = {code: maps.MapEntry(float(units)) for code, units in shipped.items()}
    return {
        "hubs": locations.list_hubs(session),
        "hub": hub,
        "days": days,
        "stock": ledger.stock_on_hand(session, hub=hub or None),
        "expiring": reports.expiring_soon(session, days=days, hub=hub or None),
        "today": dt.date.today(),
        "pipeline": reports.pipeline(session),
        "lead_times": reports.lead_times(session),
        "shipments": shipments.list_shipments(session)[:50],
        "requests": requests.list_requests(session)[:50],
        "is_overdue": shipments.is_overdue,
        "country_name": country_name,
        "map_svg": maps.choropleth(
            entries,
            scale=SHIPPED_SCALE,
            title="Units shipped from the hubs, by destination country",
            describe=lambda value: f"{value:,.0f} units shipped",
        ),
        "legend": maps.legend(SHIPPED_SCALE),
        "items": reference.list_items(session),
        "can_write": actor.is_authenticated and (actor.coordinates(MODULE) or actor.organisation_id is not None),
    }


@router.get("")
def overview(request: Request, actor: ActorDep, session: SessionDep, hub: str = "", days: int = 90) -> Response:
    try:
        context = _overview(session, actor, hub=hub, days=max(days, 0))
    except SolidarityError:
        context = _overview(session, actor, hub="", days=max(days, 0))
    return render(request, "hubs/index.html", context | {"error": None, "values": {}})


def _int(fields: dict[str, str], name: str) -> int:
    text = fields.get(name, "").strip()
    if not text.lstrip("-").isdigit():
        raise Invalid(f"{name.capitalize()} {text!r} is not a whole number", details=[{"field": name, "value": text}])
    return int(text)


def _date(fields: dict[str, str], name: str) -> dt.date | None:
    text = fields.get(name, "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{name} {text!r} is not a date (YYYY-MM-DD)", details=[{"field": name, "value": text}]) from None


def _refused(
    request: Request, session: Session, actor: Actor, exc: SolidarityError, fields: dict[str, str]
) -> Response:
    context = _overview(session, actor, hub="", days=90) | {"error": exc.message, "values": fields}
    return render(request, "hubs/index.html", context, status_code=exc.status)


@router.post("/receive")
async def receive(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    actor.require_authenticated()
    fields = await form_fields(request)
    try:
        with session.begin_nested():
            move = ledger.receive(
                session,
                actor,
                hub=fields.get("hub", ""),
                item=fields.get("item", ""),
                quantity=_int(fields, "quantity"),
                lot=fields.get("lot") or None,
                expiry=_date(fields, "expiry"),
                owner=fields.get("owner") or None,
                flow_id=_int(fields, "flow") if fields.get("flow", "").strip() else None,
            )
    except SolidarityError as exc:
        return _refused(request, session, actor, exc, fields)
    flash(request, f"Received {move.quantity} (move {move.id})")
    return RedirectResponse("/hubs", status_code=303)


@router.post("/dispatch")
async def dispatch(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    actor.require_authenticated()
    fields = await form_fields(request)
    try:
        with session.begin_nested():
            shipment = shipments.dispatch(
                session,
                actor,
                hub=fields.get("hub", ""),
                country=fields.get("to", ""),
                item=fields.get("item", ""),
                quantity=_int(fields, "quantity"),
                expected_arrival=_date(fields, "expected_arrival"),
            )
    except SolidarityError as exc:
        return _refused(request, session, actor, exc, fields)
    flash(request, f"Shipment {shipment.id} dispatched")
    return RedirectResponse(f"/hubs/shipments/{shipment.id}", status_code=303)


@router.get("/shipments/{shipment_id}")
def shipment_page(request: Request, actor: ActorDep, session: SessionDep, shipment_id: int) -> Response:
    shipment = shipments.get_shipment(session, shipment_id)
    return render(
        request,
        "hubs/shipment.html",
        _shipment_context(session, shipment_id)
        | {
            "error": None,
            "can_write": actor.is_authenticated,
            "overdue": shipments.is_overdue(shipment),
        },
    )


def _shipment_context(session: Session, shipment_id: int) -> dict[str, Any]:
    shipment = shipments.get_shipment(session, shipment_id)
    hub = locations.resolve_hub(session, shipment.hub_id)
    return {"shipment": ShipmentPublic.of(session, shipment), "hub": hub, "country_name": country_name}


@router.post("/shipments/{shipment_id}/deliver")
async def deliver(request: Request, actor: ActorDep, session: SessionDep, shipment_id: int) -> Response:
    actor.require_authenticated()
    fields = await form_fields(request)
    try:
        with session.begin_nested():
            shipments.deliver_totals(
                session,
                actor,
                shipment_id,
                accepted=_int(fields, "accepted"),
                rejected=_int(fields, "rejected"),
                reason=fields.get("reason") or None,
                rejected_to=LocationKind.DAMAGED if fields.get("damaged") else LocationKind.HUB,
            )
    except SolidarityError as exc:
        context = _shipment_context(session, shipment_id) | {"error": exc.message, "can_write": True, "overdue": False}
        return render(request, "hubs/shipment.html", context, status_code=exc.status)
    flash(request, f"Proof of delivery recorded for shipment {shipment_id}")
    return RedirectResponse(f"/hubs/shipments/{shipment_id}", status_code=303)
