"""Shipments: pick first-expiry-first-out, pack, dispatch into transit, track, and prove delivery.

Proof of delivery holds accepted + rejected = shipped for every line (DESIGN invariant 3); rejected
goods go back to the hub's stock or to damaged; "lost in transit" is an explicit, audited decision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.audit import service as audit
from solidarity.db.base import utcnow
from solidarity.errors import Invalid, NotFound
from solidarity.hubs import requests
from solidarity.hubs.ledger import (
    apply_move,
    available_stock,
    check_quantity,
    lock_for_writes,
    plan_pick,
    refuse_shortfall,
)
from solidarity.hubs.locations import MODULE, resolve_hub, resolve_item, virtual_location
from solidarity.hubs.models import (
    Location,
    LocationKind,
    Lot,
    MoveReason,
    RequestState,
    Shipment,
    ShipmentLine,
    ShipmentState,
    TrackingEvent,
    TrackingKind,
)
from solidarity.reference.countries import resolve_country
from solidarity.reference.models import Item


@dataclass(frozen=True)
class LineDelivery:
    """What the consignee accepted and rejected of one shipment line, and why they rejected any."""

    accepted: int
    rejected: int
    reason: str | None = None


def _snapshot(shipment: Shipment) -> dict[str, object]:
    data = audit.snapshot(shipment)
    data["lines"] = [audit.snapshot(line) for line in shipment.lines]
    return data


def _record(
    session: Session,
    actor: Actor,
    shipment: Shipment,
    action: str,
    before: dict[str, object] | None,
    reason: str | None = None,
) -> None:
    session.flush()
    audit.record(
        session,
        actor,
        module=MODULE,
        action=action,
        entity_type="shipment",
        entity_id=shipment.id,
        before=before,
        after=_snapshot(shipment),
        reason=reason,
    )


def get_shipment(session: Session, shipment_id: int) -> Shipment:
    shipment = session.get(Shipment, shipment_id)
    if shipment is None:
        raise NotFound(f"Shipment {shipment_id} does not exist", details=[{"field": "shipment", "value": shipment_id}])
    return shipment


def list_shipments(session: Session, *, state: ShipmentState | None = None) -> list[Shipment]:
    query = select(Shipment).order_by(Shipment.id.desc())
    if state is not None:
        query = query.where(Shipment.state == state)
    return list(session.scalars(query))


def _require_write(actor: Actor, shipment: Shipment) -> None:
    owners: set[int | None] = {line.owner_organisation_id for line in shipment.lines} or {None}
    for owner in owners:
        actor.require_write(MODULE, owner)


def _require_state(shipment: Shipment, *states: ShipmentState) -> None:
    if shipment.state not in states:
        wanted = " or ".join(s.value for s in states)
        raise Invalid(
            f"Shipment {shipment.id} is {shipment.state.value}; it must be {wanted} for this",
            details=[{"field": "state", "value": shipment.state.value, "reason": f"needs {wanted}"}],
        )


def _check_request(session: Session, request_id: int | None) -> None:
    if request_id is None:
        return
    request = requests.get_request(session, request_id)
    if request.state not in (RequestState.APPROVED, RequestState.ALLOCATED):
        raise Invalid(
            f"Request {request_id} is {request.state.value}; only an approved or allocated request is shipped",
            details=[{"field": "request", "value": request_id, "reason": f"request is {request.state.value}"}],
        )


def _pick_lines(
    session: Session,
    actor: Actor,
    hub: Location,
    wanted: Sequence[tuple[Item, int, str | None]],
    owner: str | int | None,
    *,
    lock: bool,
) -> list[ShipmentLine]:
    if owner is None and not actor.coordinates(MODULE):
        actor.require_write(MODULE, actor.organisation_id)
    lines: list[ShipmentLine] = []
    for item, quantity, lot in sorted(wanted, key=lambda w: w[0].id):  # lock items in one order
        pick = plan_pick(session, actor, hub, item, quantity, lot=lot, owner=owner, lock=lock)
        refuse_shortfall(pick, hub, item)
        for line in pick.lines:
            actor.require_write(MODULE, line.owner_id)
            lines.append(
                ShipmentLine(
                    item_id=item.id, lot_id=line.lot_id, owner_organisation_id=line.owner_id, quantity=line.quantity
                )
            )
    return lines


def create_shipment(
    session: Session,
    actor: Actor,
    *,
    hub: str | int,
    country: str,
    lines: Sequence[tuple[str, int] | tuple[str, int, str | None]],
    owner: str | int | None = None,
    request_id: int | None = None,
    expected_arrival: dt.date | None = None,
) -> Shipment:
    """Plan a shipment: pick each line first-expiry-first-out (shown on the shipment's lines).

    Nothing moves until dispatch. Raises ``NotFound`` for an unknown hub, item, lot or request,
    ``Invalid`` for a bad quantity, an expired lot or a request not approved, ``InsufficientStock``
    with the shortfall, ``Forbidden`` for stock of another organisation.
    """
    lock_for_writes(session)
    location = resolve_hub(session, hub)
    destination = resolve_country(country)
    if not lines:
        raise Invalid("A shipment needs at least one line", details=[{"field": "lines", "reason": "empty"}])
    wanted = [
        (resolve_item(session, line[0]), check_quantity(line[1]), line[2] if len(line) > 2 else None) for line in lines
    ]
    _check_request(session, request_id)
    shipment = Shipment(
        hub_id=location.id,
        country_code=destination.alpha2,
        request_id=request_id,
        state=ShipmentState.PICKED,
        expected_arrival=expected_arrival,
    )
    shipment.lines.extend(_pick_lines(session, actor, location, wanted, owner, lock=False))
    session.add(shipment)
    _record(session, actor, shipment, "pick", None)
    if request_id is not None:
        request = requests.get_request(session, request_id)
        if request.state is RequestState.APPROVED:
            requests.transition(session, actor, request_id, RequestState.ALLOCATED, reason=f"shipment {shipment.id}")
    return shipment


def pack(session: Session, actor: Actor, shipment_id: int, *, packages: int) -> Shipment:
    """Mark a picked shipment packed in ``packages`` parcels or pallets."""
    shipment = get_shipment(session, shipment_id)
    _require_write(actor, shipment)
    _require_state(shipment, ShipmentState.PICKED)
    check_quantity(packages, "packages")
    before = _snapshot(shipment)
    shipment.packages = packages
    shipment.state = ShipmentState.PACKED
    _record(session, actor, shipment, "pack", before)
    return shipment


def dispatch_shipment(
    session: Session,
    actor: Actor,
    shipment_id: int,
    *,
    expected_arrival: dt.date | None = None,
    place: str | None = None,
    document_number: str | None = None,
) -> Shipment:
    """Move a picked or packed shipment's lots from the hub into transit.

    The balance rows are locked (PostgreSQL) or the write lock taken (SQLite) before stock is
    checked, so two dispatches of the last units never both succeed. Raises ``InsufficientStock``
    when a picked lot is no longer on hand.
    """
    lock_for_writes(session)
    shipment = get_shipment(session, shipment_id)
    _require_write(actor, shipment)
    _require_state(shipment, ShipmentState.PICKED, ShipmentState.PACKED)
    hub = session.get(Location, shipment.hub_id)
    assert hub is not None
    for item_id in sorted({line.item_id for line in shipment.lines}):
        item = session.get(Item, item_id)
        assert item is not None
        available_stock(session, hub, item, lock=True)
    _dispatch_lines(session, actor, shipment, hub, expected_arrival, place, document_number)
    _record(session, actor, shipment, "dispatch", None)
    return shipment


def _move_all_lines(
    session: Session,
    actor: Actor,
    shipment: Shipment,
    source: Location,
    destination: Location,
    reason: MoveReason,
    document_number: str | None = None,
) -> None:
    """Move every line of the shipment, whole, from ``source`` to ``destination``."""
    for line in shipment.lines:
        lot = session.get(Lot, line.lot_id)
        assert lot is not None
        apply_move(
            session,
            actor,
            from_location=source,
            to_location=destination,
            item_id=line.item_id,
            lot=lot,
            quantity=line.quantity,
            owner_id=line.owner_organisation_id,
            reason=reason,
            shipment_id=shipment.id,
            document_number=document_number,
        )


def _dispatch_lines(
    session: Session,
    actor: Actor,
    shipment: Shipment,
    hub: Location,
    expected_arrival: dt.date | None,
    place: str | None,
    document_number: str | None,
) -> None:
    transit = virtual_location(session, LocationKind.IN_TRANSIT)
    now = utcnow()
    _move_all_lines(
        session, actor, shipment, hub, transit, MoveReason.DISPATCH, document_number or f"SHP-{shipment.id}"
    )
    shipment.state = ShipmentState.DISPATCHED
    shipment.dispatched_at = now
    if expected_arrival is not None:
        shipment.expected_arrival = expected_arrival
    session.add(
        TrackingEvent(
            shipment_id=shipment.id,
            kind=TrackingKind.DEPARTED,
            at=now,
            place=place or hub.city or hub.name,
            actor_label=actor.label,
        )
    )
    if shipment.request_id is not None:
        request = requests.get_request(session, shipment.request_id)
        if request.state is RequestState.APPROVED:
            requests.transition(session, actor, request.id, RequestState.ALLOCATED, reason=f"shipment {shipment.id}")
        if request.state is RequestState.ALLOCATED:
            requests.transition(session, actor, request.id, RequestState.DISPATCHED, reason=f"shipment {shipment.id}")


def dispatch(
    session: Session,
    actor: Actor,
    *,
    hub: str | int,
    country: str,
    item: str,
    quantity: int,
    lot: str | None = None,
    owner: str | int | None = None,
    request_id: int | None = None,
    expected_arrival: dt.date | None = None,
) -> Shipment:
    """Pick, pack and dispatch one item in one step (what `solidarity hubs dispatch` does).

    Stock is locked before it is picked, so concurrent dispatches of the last units succeed exactly
    as far as stock allows; the others get ``InsufficientStock`` naming the shortfall.
    """
    lock_for_writes(session)
    check_quantity(quantity)
    location = resolve_hub(session, hub)
    destination = resolve_country(country)
    found = resolve_item(session, item)
    _check_request(session, request_id)
    shipment = Shipment(
        hub_id=location.id,
        country_code=destination.alpha2,
        request_id=request_id,
        state=ShipmentState.PACKED,
        expected_arrival=expected_arrival,
    )
    # everything that needs no stock is written before the balance rows are locked, to keep the lock short
    session.add(shipment)
    virtual_location(session, LocationKind.IN_TRANSIT)
    session.flush()
    shipment.lines.extend(_pick_lines(session, actor, location, [(found, quantity, lot)], owner, lock=True))
    _dispatch_lines(session, actor, shipment, location, expected_arrival, None, None)
    _record(session, actor, shipment, "dispatch", None)
    return shipment


def add_tracking_event(
    session: Session,
    actor: Actor,
    shipment_id: int,
    *,
    kind: TrackingKind,
    at: dt.datetime | None = None,
    place: str | None = None,
    note: str | None = None,
) -> TrackingEvent:
    """Record where a dispatched shipment is (transit point, customs, arrived ...)."""
    shipment = get_shipment(session, shipment_id)
    _require_write(actor, shipment)
    _require_state(shipment, ShipmentState.DISPATCHED)
    if kind is TrackingKind.DELIVERED:
        raise Invalid("Delivery is recorded with a proof of delivery", details=[{"field": "kind", "value": kind.value}])
    when = at or utcnow()
    if when.tzinfo is None:
        raise Invalid("The event time needs a time zone", details=[{"field": "at", "value": str(when)}])
    event = TrackingEvent(
        shipment_id=shipment.id,
        kind=kind,
        at=when,
        place=(place or "").strip() or None,
        note=(note or "").strip() or None,
        actor_label=actor.label,
    )
    session.add(event)
    session.flush()
    audit.record(
        session,
        actor,
        module=MODULE,
        action="track",
        entity_type="shipment",
        entity_id=shipment.id,
        after=audit.snapshot(event),
    )
    return event


def deliver(
    session: Session,
    actor: Actor,
    shipment_id: int,
    deliveries: Mapping[int, LineDelivery],
    *,
    rejected_to: LocationKind = LocationKind.HUB,
    place: str | None = None,
) -> Shipment:
    """Record proof of delivery: for every line accepted + rejected = shipped, and a reason for any rejection.

    Accepted goods move to the destination country's recipients; rejected ones back to the hub
    (``rejected_to=HUB``) or to damaged. Raises ``Invalid`` when a line is missing, does not add up or
    lacks a reason, or the shipment is not in transit; nothing changes then.
    """
    lock_for_writes(session)
    shipment = get_shipment(session, shipment_id)
    _require_write(actor, shipment)
    _require_state(shipment, ShipmentState.DISPATCHED)
    if rejected_to not in (LocationKind.HUB, LocationKind.DAMAGED):
        raise Invalid("Rejected goods go back to the hub or to damaged", details=[{"field": "rejected_to"}])
    problems = _delivery_problems(shipment, deliveries)
    if problems:
        raise Invalid(f"Proof of delivery for shipment {shipment.id} does not add up", details=problems)
    before = _snapshot(shipment)
    transit = virtual_location(session, LocationKind.IN_TRANSIT)
    recipient = virtual_location(session, LocationKind.RECIPIENT, shipment.country_code)
    hub = session.get(Location, shipment.hub_id)
    assert hub is not None
    back = hub if rejected_to is LocationKind.HUB else virtual_location(session, LocationKind.DAMAGED)
    for line in shipment.lines:
        given = deliveries[line.id]
        lot = session.get(Lot, line.lot_id)
        assert lot is not None
        line.accepted, line.rejected = given.accepted, given.rejected
        line.rejection_reason = (given.reason or "").strip() or None
        for quantity, target, reason in (
            (given.accepted, recipient, MoveReason.DELIVERY),
            (given.rejected, back, MoveReason.RETURN if back is hub else MoveReason.DAMAGE),
        ):
            if quantity:
                apply_move(
                    session,
                    actor,
                    from_location=transit,
                    to_location=target,
                    item_id=line.item_id,
                    lot=lot,
                    quantity=quantity,
                    owner_id=line.owner_organisation_id,
                    reason=reason,
                    shipment_id=shipment.id,
                    document_number=f"POD-{shipment.id}",
                )
    now = utcnow()
    shipment.state = ShipmentState.DELIVERED
    shipment.delivered_at = now
    shipment.rejected_to = rejected_to.value if any(d.rejected for d in deliveries.values()) else None
    session.add(
        TrackingEvent(
            shipment_id=shipment.id, kind=TrackingKind.DELIVERED, at=now, place=place, actor_label=actor.label
        )
    )
    _record(session, actor, shipment, "deliver", before)
    _finish_request(session, actor, shipment)
    return shipment


def _delivery_problems(shipment: Shipment, deliveries: Mapping[int, LineDelivery]) -> list[dict[str, object]]:
    problems: list[dict[str, object]] = []
    ids = {line.id for line in shipment.lines}
    for extra in sorted(set(deliveries) - ids):
        problems.append({"line": extra, "field": "line", "value": extra, "reason": "not a line of this shipment"})
    for line in shipment.lines:
        given = deliveries.get(line.id)
        if given is None:
            problems.append({"line": line.id, "field": "line", "value": None, "reason": "no quantities given"})
            continue
        for field, value in (("accepted", given.accepted), ("rejected", given.rejected)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                problems.append({"line": line.id, "field": field, "value": value, "reason": "must be an integer >= 0"})
        if not problems and given.accepted + given.rejected != line.quantity:
            problems.append(
                {
                    "line": line.id,
                    "field": "accepted+rejected",
                    "value": given.accepted + given.rejected,
                    "reason": f"accepted {given.accepted} + rejected {given.rejected} must equal shipped "
                    f"{line.quantity}",
                }
            )
        if given.rejected and not (given.reason or "").strip():
            problems.append(
                {"line": line.id, "field": "reason", "value": None, "reason": "say why goods were rejected"}
            )
    return problems


def deliver_totals(
    session: Session,
    actor: Actor,
    shipment_id: int,
    *,
    accepted: int,
    rejected: int,
    reason: str | None = None,
    rejected_to: LocationKind = LocationKind.HUB,
) -> Shipment:
    """Proof of delivery given as totals for the whole shipment (the CLI's ``deliver``).

    Accepted units are counted against the lines in their pick order (earliest expiry first), the
    rest as rejected. Raises ``Invalid`` when accepted + rejected differs from the total shipped.
    """
    shipment = get_shipment(session, shipment_id)
    shipped = sum(line.quantity for line in shipment.lines)
    for field, value in (("accepted", accepted), ("rejected", rejected)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise Invalid(
                f"{field.capitalize()} {value!r} must be a whole number, 0 or more",
                details=[{"field": field, "value": value, "reason": "must be an integer >= 0"}],
            )
    if accepted + rejected != shipped:
        raise Invalid(
            f"Accepted {accepted} + rejected {rejected} = {accepted + rejected}, but shipment {shipment.id} shipped "
            f"{shipped}",
            details=[{"field": "accepted+rejected", "value": accepted + rejected, "reason": f"shipped {shipped}"}],
        )
    deliveries: dict[int, LineDelivery] = {}
    remaining = accepted
    for line in shipment.lines:
        take = min(remaining, line.quantity)
        remaining -= take
        deliveries[line.id] = LineDelivery(take, line.quantity - take, reason)
    return deliver(session, actor, shipment_id, deliveries, rejected_to=rejected_to)


def declare_lost(session: Session, actor: Actor, shipment_id: int, *, reason: str) -> Shipment:
    """Decide that a dispatched shipment is lost in transit: its goods move to the lost location.

    Until this decision a late shipment is only overdue, never lost. Raises ``Invalid`` without a reason.
    """
    lock_for_writes(session)
    shipment = get_shipment(session, shipment_id)
    _require_write(actor, shipment)
    _require_state(shipment, ShipmentState.DISPATCHED)
    if not reason.strip():
        raise Invalid("Say why the shipment is declared lost", details=[{"field": "reason", "reason": "missing"}])
    before = _snapshot(shipment)
    transit = virtual_location(session, LocationKind.IN_TRANSIT)
    lost = virtual_location(session, LocationKind.LOST)
    _move_all_lines(session, actor, shipment, transit, lost, MoveReason.LOSS)
    shipment.state = ShipmentState.LOST
    shipment.lost_reason = reason.strip()
    _record(session, actor, shipment, "declare_lost", before, reason)
    return shipment


def cancel(session: Session, actor: Actor, shipment_id: int, *, reason: str) -> Shipment:
    """Cancel a shipment that has not left; nothing had moved, so nothing moves back."""
    shipment = get_shipment(session, shipment_id)
    _require_write(actor, shipment)
    _require_state(shipment, ShipmentState.PICKED, ShipmentState.PACKED)
    if not reason.strip():
        raise Invalid("Say why the shipment is cancelled", details=[{"field": "reason", "reason": "missing"}])
    before = _snapshot(shipment)
    shipment.state = ShipmentState.CANCELLED
    _record(session, actor, shipment, "cancel", before, reason)
    return shipment


def _finish_request(session: Session, actor: Actor, shipment: Shipment) -> None:
    if shipment.request_id is None:
        return
    request = requests.get_request(session, shipment.request_id)
    open_states = (ShipmentState.PICKED, ShipmentState.PACKED, ShipmentState.DISPATCHED)
    pending = session.scalar(
        select(Shipment.id).where(Shipment.request_id == request.id, Shipment.state.in_(open_states)).limit(1)
    )
    if request.state is RequestState.DISPATCHED and pending is None:
        requests.transition(session, actor, request.id, RequestState.DELIVERED, reason=f"shipment {shipment.id}")


def is_overdue(shipment: Shipment, today: dt.date | None = None) -> bool:
    """In transit past its expected arrival (a late shipment is overdue, not lost)."""
    day = today or utcnow().date()
    return (
        shipment.state is ShipmentState.DISPATCHED
        and shipment.expected_arrival is not None
        and shipment.expected_arrival < day
    )
