"""Reports over the ledger, requests and shipments: expiring stock, the pipeline per country, lead times."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from solidarity.db.base import utcnow
from solidarity.hubs.ledger import StockRow, stock_on_hand
from solidarity.hubs.models import (
    RequestLine,
    RequestState,
    Shipment,
    ShipmentLine,
    ShipmentState,
    SupplyRequest,
)


def expiring_soon(session: Session, *, days: int = 90, hub: str | int | None = None) -> list[StockRow]:
    """Stock on hand whose lot expires within ``days`` (already expired lots included), soonest first."""
    limit = utcnow().date() + dt.timedelta(days=days)
    rows = [r for r in stock_on_hand(session, hub=hub) if r.expiry is not None and r.expiry <= limit]
    return sorted(rows, key=lambda r: (r.expiry or dt.date.max, r.hub, r.item))


@dataclass(frozen=True)
class PipelineRow:
    """Units per destination country at each stage; requested/approved count live requests only."""

    country: str
    requested: int
    approved: int
    shipped: int
    delivered: int
    in_transit: int


_LIVE = (
    RequestState.SUBMITTED,
    RequestState.APPROVED,
    RequestState.ALLOCATED,
    RequestState.DISPATCHED,
    RequestState.DELIVERED,
    RequestState.CLOSED,
)


def pipeline(session: Session) -> list[PipelineRow]:
    """Requested, approved, shipped, delivered (accepted) and still in transit, per destination country."""
    requested: dict[str, list[int]] = {}
    for country, quantity, approved in session.execute(
        select(SupplyRequest.country_code, func.sum(RequestLine.quantity), func.sum(RequestLine.approved_quantity))
        .join(RequestLine, RequestLine.request_id == SupplyRequest.id)
        .where(SupplyRequest.state.in_(_LIVE))
        .group_by(SupplyRequest.country_code)
    ):
        requested[country] = [int(quantity or 0), int(approved or 0)]
    shipped: dict[str, list[int]] = {}
    sent = (ShipmentState.DISPATCHED, ShipmentState.DELIVERED, ShipmentState.LOST)
    for country, state, quantity, accepted in session.execute(
        select(Shipment.country_code, Shipment.state, func.sum(ShipmentLine.quantity), func.sum(ShipmentLine.accepted))
        .join(ShipmentLine, ShipmentLine.shipment_id == Shipment.id)
        .where(Shipment.state.in_(sent))
        .group_by(Shipment.country_code, Shipment.state)
    ):
        totals = shipped.setdefault(country, [0, 0, 0])
        totals[0] += int(quantity or 0)
        totals[1] += int(accepted or 0)
        if state is ShipmentState.DISPATCHED:
            totals[2] += int(quantity or 0)
    countries = sorted(set(requested) | set(shipped))
    return [
        PipelineRow(
            country=c,
            requested=requested.get(c, [0, 0])[0],
            approved=requested.get(c, [0, 0])[1],
            shipped=shipped.get(c, [0, 0, 0])[0],
            delivered=shipped.get(c, [0, 0, 0])[1],
            in_transit=shipped.get(c, [0, 0, 0])[2],
        )
        for c in countries
    ]


@dataclass(frozen=True)
class LeadTimes:
    """Median days per country from dispatch to delivery, and from a request's submission to its delivery."""

    country: str
    shipments: int
    median_transit_days: float | None
    median_request_days: float | None


def _days(start: dt.datetime, end: dt.datetime) -> float:
    return round((end - start).total_seconds() / 86400, 1)


def lead_times(session: Session) -> list[LeadTimes]:
    transit: dict[str, list[float]] = {}
    for country, dispatched, delivered in session.execute(
        select(Shipment.country_code, Shipment.dispatched_at, Shipment.delivered_at).where(
            Shipment.state == ShipmentState.DELIVERED
        )
    ):
        if dispatched is not None and delivered is not None:
            transit.setdefault(country, []).append(_days(dispatched, delivered))
    whole: dict[str, list[float]] = {}
    for country, submitted, delivered in session.execute(
        select(SupplyRequest.country_code, SupplyRequest.submitted_at, SupplyRequest.delivered_at).where(
            SupplyRequest.delivered_at.is_not(None)
        )
    ):
        if submitted is not None and delivered is not None:
            whole.setdefault(country, []).append(_days(submitted, delivered))
    return [
        LeadTimes(
            country=c,
            shipments=len(transit.get(c, [])),
            median_transit_days=statistics.median(transit[c]) if c in transit else None,
            median_request_days=statistics.median(whole[c]) if c in whole else None,
        )
        for c in sorted(set(transit) | set(whole))
    ]


def shipped_by_country(session: Session) -> dict[str, int]:
    """Units dispatched to each country (in transit, delivered or lost): what the shipments map colours."""
    return {row.country: row.shipped for row in pipeline(session) if row.shipped}
