"""From plan to action: a Problem from the hubs' open requests and stock, and carrying out an approved plan.

``build_problem`` reads every submitted hub request and the unexpired stock on hand at each hub
(any owner, as a hubs coordinator picks it): one destination per request (``request-<id>``), one
hub per warehouse holding stock, no routes. Request lines for an item no hub holds are left out of
the problem (they are approved 0 if the rest of the request gets something). The stored problem
carries a ``source`` block linking destinations to requests and their lines.

``carry_out`` runs when such a plan is approved: every request the plan gives something moves to
*approved* with the plan's quantities (spread over its lines of one item in line order), and one
proposed shipment (picked, not dispatched) is created per hub and request, through the hubs
services, which audit each step. A request the plan gives nothing stays *submitted*, so the next
plan considers it again; it is not approved at zero. Everything happens in the caller's transaction:
if a request has moved on since the plan was made, or stock no longer covers a pick, nothing is kept.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.db.base import utcnow
from solidarity.errors import Conflict, Invalid
from solidarity.hubs import ledger, shipments
from solidarity.hubs import requests as hub_requests
from solidarity.hubs.locations import MODULE as HUBS_MODULE
from solidarity.hubs.locations import list_hubs
from solidarity.hubs.models import Priority, RequestState
from solidarity.hubs.picking import is_expired
from solidarity.reference.models import Item

SOURCE_KIND = "hub_requests"

URGENCY = {Priority.LOW: 0.0, Priority.NORMAL: 1 / 3, Priority.HIGH: 2 / 3, Priority.CRITICAL: 1.0}
"""Request priority as the need index's urgency (0 routine to 1 critical)."""


def destination_id(request_id: int) -> str:
    """The problem's destination for one request.

    >>> destination_id(12)
    'request-12'
    """
    return f"request-{request_id}"


@dataclass(frozen=True)
class RequestProblem:
    problem: dict[str, Any]
    """Problem JSON plus the ``source`` block; destinations' weights are 1 until ``weigh`` sets them."""
    urgency: dict[str, float]
    """Per requesting country (alpha-2): the highest urgency among its open requests."""


def build_problem(session: Session) -> RequestProblem:
    """The allocation problem of all submitted hub requests against the hubs' stock on hand.

    Raises ``Invalid`` when no request is submitted or none asks for an item any hub holds.
    """
    today = utcnow().date()
    hub_ids = {hub.id: hub.name for hub in list_hubs(session)}
    stock: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in ledger.stock_on_hand(session):
        if row.hub_id in hub_ids and not is_expired(row.expiry, today):
            stock[row.hub][row.item] += row.quantity
    stocked = {code for amounts in stock.values() for code, quantity in amounts.items() if quantity > 0}
    open_requests = sorted(hub_requests.list_requests(session, state=RequestState.SUBMITTED), key=lambda r: r.id)
    if not open_requests:
        raise Invalid("No hub request is submitted: there is nothing to plan", details=[{"field": "requests"}])
    codes: dict[int, str] = {}
    destinations: list[dict[str, Any]] = []
    sources: dict[str, dict[str, Any]] = {}
    urgency: dict[str, float] = {}
    for request in open_requests:
        lines: dict[str, list[list[int]]] = defaultdict(list)
        wanted: dict[str, int] = defaultdict(int)
        for line in request.lines:
            if line.item_id not in codes:
                item = session.get(Item, line.item_id)
                codes[line.item_id] = item.code if item is not None else str(line.item_id)
            code = codes[line.item_id]
            lines[code].append([line.id, line.quantity])
            if code in stocked:
                wanted[code] += line.quantity
        if not wanted:
            continue
        name = destination_id(request.id)
        destinations.append({"id": name, "weight": 1.0, "requests": dict(wanted)})
        sources[name] = {"request_id": request.id, "country": request.country_code, "lines": dict(lines)}
        level = URGENCY.get(request.priority, 0.0)
        urgency[request.country_code] = max(urgency.get(request.country_code, 0.0), level)
    if not destinations:
        raise Invalid(
            "No submitted hub request asks for an item any hub has in stock",
            details=[{"field": "requests", "reason": "nothing requested is in stock"}],
        )
    items = sorted({code for d in destinations for code in d["requests"]})
    hubs = [
        {
            "id": name,
            "stock": {code: amount for code, amount in sorted(amounts.items()) if code in items and amount > 0},
        }
        for name, amounts in sorted(stock.items())
    ]
    problem = {
        "items": [{"id": code, "unit_weight_kg": 0.0} for code in items],
        "hubs": [hub for hub in hubs if hub["stock"]],
        "destinations": destinations,
        "routes": [],
        "source": {
            "kind": SOURCE_KIND,
            "hubs": {name: hub_id for hub_id, name in hub_ids.items() if name in stock},
            "requests": sources,
        },
    }
    return RequestProblem(problem, urgency)


def open_request_urgency(session: Session, items: Sequence[str] = ()) -> dict[str, float]:
    """Per country (alpha-2) with a submitted hub request: the highest urgency among those requests.

    With ``items`` (reference item codes), only requests with a line for one of them count.
    """
    wanted = {code.strip().lower() for code in items if code.strip()}
    codes: dict[int, str] = {}
    urgency: dict[str, float] = {}
    for request in hub_requests.list_requests(session, state=RequestState.SUBMITTED):
        if wanted:
            for line in request.lines:
                if line.item_id not in codes:
                    item = session.get(Item, line.item_id)
                    codes[line.item_id] = item.code if item is not None else str(line.item_id)
            if not any(codes[line.item_id].lower() in wanted for line in request.lines):
                continue
        level = URGENCY.get(request.priority, 0.0)
        urgency[request.country_code] = max(urgency.get(request.country_code, 0.0), level)
    return urgency


def weigh(problem: dict[str, Any], country_weights: dict[str, float]) -> None:
    """Give each request's destination its country's weight (1 when the country has none)."""
    requests = problem["source"]["requests"]
    for destination in problem["destinations"]:
        country = requests[destination["id"]]["country"]
        destination["weight"] = float(country_weights.get(country, 1.0))


def is_from_requests(problem: dict[str, Any]) -> bool:
    source = problem.get("source")
    return isinstance(source, dict) and source.get("kind") == SOURCE_KIND


def carry_out(
    session: Session, actor: Actor, plan_id: int, problem: dict[str, Any], plan: dict[str, Any]
) -> dict[str, Any]:
    """Approve the requests with the plan's quantities and propose shipments; returns what was done.

    Raises ``Forbidden`` unless ``actor`` coordinates hubs, ``Conflict`` when a request is no longer
    submitted, and the hubs' errors (``InsufficientStock`` ...) when a shipment cannot be picked.
    """
    actor.require_write(HUBS_MODULE, None)
    source = problem["source"]
    received: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for line in plan["allocations"]:
        if int(line["quantity"]) > 0:
            received[line["destination"]][line["item"]] += int(line["quantity"])
    approved: list[int] = []
    left: list[int] = []
    for name, info in source["requests"].items():
        request_id = int(info["request_id"])
        request = hub_requests.get_request(session, request_id)
        if request.state is not RequestState.SUBMITTED:
            raise Conflict(
                f"Request {request_id} is {request.state.value} now, no longer submitted: make a new plan",
                details={"existing_id": request_id},
            )
        totals = received.get(name, {})
        if not any(totals.values()):
            left.append(request_id)
            continue
        quantities: dict[int, int] = {}
        for code, lines in info["lines"].items():
            remaining = int(totals.get(code, 0))
            for line_id, quantity in lines:
                give = min(remaining, int(quantity))
                quantities[int(line_id)] = give
                remaining -= give
        hub_requests.transition(
            session,
            actor,
            request_id,
            RequestState.APPROVED,
            reason=f"allocation plan {plan_id}",
            approved=quantities,
        )
        approved.append(request_id)
    per_shipment: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    for line in sorted(plan["allocations"], key=lambda a: (a["destination"], a["hub"], a["item"])):
        if int(line["quantity"]) > 0:
            per_shipment[(line["destination"], line["hub"])].append((line["item"], int(line["quantity"])))
    proposed: list[int] = []
    for (name, hub), lines in per_shipment.items():
        info = source["requests"][name]
        shipment = shipments.create_shipment(
            session,
            actor,
            hub=int(source["hubs"][hub]),
            country=info["country"],
            lines=lines,
            request_id=int(info["request_id"]),
        )
        proposed.append(shipment.id)
    return {"approved_requests": approved, "left_submitted": left, "shipments": proposed}
