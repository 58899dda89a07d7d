"""Demo hub: the WFP-run UN Humanitarian Response Depot in Guangzhou, clearly marked as demonstration data.

Stock of the mission's item types in several lots and owners, requests from several countries in
every state, and shipments in every state. Loading twice adds nothing: the hub is looked up first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.db.base import utcnow
from solidarity.hubs import ledger, locations, requests, shipments
from solidarity.hubs.models import Location, LocationKind, Priority, RequestState, TrackingKind
from solidarity.partners import demo as partners_demo

HUB_NAME = "UN Humanitarian Response Depot, Guangzhou (demo)"
S = RequestState

# (item, lot, days to expiry or None, owner key, quantity)
RECEIPTS: tuple[tuple[str, str, int | None, str, int], ...] = (
    ("MASK-SURG", "DEMO-MS-2001", 20, "WFP", 40000),
    ("MASK-SURG", "DEMO-MS-2002", 400, "WFP", 120000),
    ("MASK-N95", "DEMO-N95-11", 300, "WHO", 30000),
    ("MASK-N95", "DEMO-N95-12", 60, "CFPD", 8000),
    ("SUIT-PROT", "DEMO-SU-07", 700, "WFP", 15000),
    ("SUIT-PROT", "DEMO-SU-08", None, "CFRD", 5000),
    ("GOGGLES", "DEMO-GO-01", None, "WHO", 9000),
    ("VENT-ICU", "DEMO-VE-A1", None, "CN", 120),
    ("VENT-ICU", "DEMO-VE-A2", None, "WHO", 80),
    ("TEST-PCR", "DEMO-PCR-3", 45, "WHO", 20000),
    ("TEST-PCR", "DEMO-PCR-4", 240, "CFPD", 15000),
    ("THERMO-IR", "DEMO-TH-1", None, "CFRD", 6000),
)


@dataclass
class DemoHubs:
    created: int


def _request(
    session: Session,
    actor: Actor,
    org: int,
    country: str,
    lines: list[tuple[str, int]],
    path: list[RequestState],
    priority: Priority = Priority.HIGH,
) -> int:
    request = requests.create_request(
        session,
        actor,
        organisation=org,
        country=country,
        lines=lines,
        priority=priority,
        needed_by=utcnow().date() + dt.timedelta(days=21),
        emergency_point=f"Demo emergency point, {country}",
    )
    for state in path:
        reason = "demo: duplicate of an earlier request" if state in (S.REJECTED, S.CANCELLED) else "demo"
        requests.transition(session, actor, request.id, state, reason=reason)
    return request.id


def load(session: Session, actor: Actor) -> DemoHubs:
    """Create the demo hub with its stock, requests and shipments unless it exists; returns how many records."""
    existing = session.scalar(select(Location).where(func.lower(Location.name) == HUB_NAME.lower()))
    if existing is not None:
        return DemoHubs(created=0)
    ids = partners_demo.load(session, actor).ids
    hub = locations.create_hub(
        session, actor, name=HUB_NAME, country="CN", city="Guangzhou", operator_organisation_id=ids["WFP"]
    )
    created = 1
    today = utcnow().date()
    for item, lot, days, owner, quantity in RECEIPTS:
        ledger.receive(
            session,
            actor,
            hub=hub.id,
            item=item,
            quantity=quantity,
            lot=lot,
            expiry=today + dt.timedelta(days=days) if days is not None else None,
            owner=ids[owner],
            document_number=f"DEMO-GRN-{created:03d}",
        )
        created += 1
    ledger.lend(
        session,
        actor,
        hub=hub.id,
        item="MASK-N95",
        quantity=2000,
        lender=ids["WHO"],
        borrower=ids["WFP"],
        expected_return_on=today + dt.timedelta(days=60),
        note="demo loan",
    )
    # requests in every state; the shipped ones get shipments below
    for country, path in (
        ("IQ", []),
        ("PK", [S.SUBMITTED]),
        ("IT", [S.SUBMITTED, S.REJECTED]),
        ("RS", [S.CANCELLED]),
        ("ET", [S.SUBMITTED, S.APPROVED]),
    ):
        _request(session, actor, ids[country], country, [("MASK-N95", 5000), ("TEST-PCR", 2000)], path)
        created += 1
    # two more open requests, made for countries the synthetic epidemic covers, so the need index
    # (allocation) weighs incidence, population and urgency across several countries
    for org, country, priority in (("AU", "NG", Priority.CRITICAL), ("WHO", "IN", Priority.NORMAL)):
        _request(session, actor, ids[org], country, [("MASK-N95", 8000), ("TEST-PCR", 3000)], [S.SUBMITTED], priority)
        created += 1
    approved = _request(session, actor, ids["ET"], "ET", [("SUIT-PROT", 3000)], [S.SUBMITTED, S.APPROVED])
    shipments.create_shipment(
        session, actor, hub=hub.id, country="ET", lines=[("SUIT-PROT", 3000)], request_id=approved
    )  # picked: the request becomes allocated
    packed = shipments.create_shipment(session, actor, hub=hub.id, country="PK", lines=[("THERMO-IR", 500)])
    shipments.pack(session, actor, packed.id, packages=5)
    cancelled = shipments.create_shipment(session, actor, hub=hub.id, country="RS", lines=[("GOGGLES", 100)])
    shipments.cancel(session, actor, cancelled.id, reason="demo: consolidated into a later shipment")
    created += 3
    for country, item, quantity, finish in (
        ("IT", "VENT-ICU", 40, S.CLOSED),
        ("RS", "VENT-ICU", 30, S.DELIVERED),
        ("IQ", "TEST-PCR", 4000, S.DISPATCHED),
        ("PK", "MASK-SURG", 30000, None),
        ("ET", "GOGGLES", 1500, None),
    ):
        request_id = _request(session, actor, ids[country], country, [(item, quantity)], [S.SUBMITTED, S.APPROVED])
        shipment = shipments.dispatch(
            session,
            actor,
            hub=hub.id,
            country=country,
            item=item,
            quantity=quantity,
            request_id=request_id,
            expected_arrival=today + dt.timedelta(days=10 if finish is S.DISPATCHED else -3),
        )
        created += 2
        shipments.add_tracking_event(session, actor, shipment.id, kind=TrackingKind.TRANSIT_POINT, place="Almaty")
        if finish is S.DISPATCHED:
            continue
        if finish is None and country == "PK":  # overdue, still in transit: not lost until someone decides
            shipments.add_tracking_event(session, actor, shipment.id, kind=TrackingKind.CUSTOMS, place="Karachi")
            continue
        if finish is None:
            shipments.declare_lost(session, actor, shipment.id, reason="demo: container not found at transhipment")
            continue
        shipments.add_tracking_event(session, actor, shipment.id, kind=TrackingKind.ARRIVED, place=country)
        rejected = 2 if country == "RS" else 0
        shipments.deliver_totals(
            session,
            actor,
            shipment.id,
            accepted=quantity - rejected,
            rejected=rejected,
            reason="demo: damaged in handling" if rejected else None,
            rejected_to=LocationKind.DAMAGED,
        )
        if finish is S.CLOSED:
            requests.transition(session, actor, request_id, S.CLOSED, reason="demo: received and distributed")
    return DemoHubs(created=created)
