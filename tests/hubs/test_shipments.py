"""Shipments: pick, pack, dispatch, tracking, overdue, proof of delivery and lost in transit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session, sessionmaker

from solidarity.db import transaction
from solidarity.errors import Invalid
from solidarity.hubs import ledger, shipments
from solidarity.hubs.models import LocationKind, ShipmentState, TrackingKind
from solidarity.hubs.shipments import LineDelivery
from tests.hubs.conftest import SYSTEM, Depot
from tests.hubs.helpers import assert_ledger_consistent, move_count, on_hand

FUTURE = dt.date.today() + dt.timedelta(days=200)


def _stocked(receive: Callable[..., int]) -> None:
    receive(quantity=5, lot="SOON", expiry=FUTURE)
    receive(quantity=20, lot="LATER", expiry=FUTURE + dt.timedelta(days=100))


def test_pick_pack_dispatch_track_and_deliver(
    db: sessionmaker[Session], depot: Depot, receive: Callable[..., int]
) -> None:
    _stocked(receive)
    with transaction(db) as session:
        shipment = shipments.create_shipment(session, SYSTEM, hub=depot.hub_id, country="PK", lines=[("VENT-ICU", 8)])
        picked = [(line.quantity) for line in shipment.lines]
        assert picked == [5, 3]  # first expiry first
        assert move_count(db) == 2  # nothing moved yet (own session sees committed rows only)
    with transaction(db) as session:
        shipments.pack(session, SYSTEM, shipment.id, packages=2)
        shipments.dispatch_shipment(session, SYSTEM, shipment.id, expected_arrival=dt.date(2020, 1, 1))
    assert on_hand(db, depot.hub_id) == 17
    with transaction(db) as session:
        shipments.add_tracking_event(session, SYSTEM, shipment.id, kind=TrackingKind.CUSTOMS, place="Karachi")
        current = shipments.get_shipment(session, shipment.id)
        assert shipments.is_overdue(current)
        lines = {line.id: line.quantity for line in current.lines}
        first, second = sorted(lines)
        shipments.deliver(
            session,
            SYSTEM,
            shipment.id,
            {first: LineDelivery(5, 0), second: LineDelivery(1, 2, "crushed")},
            rejected_to=LocationKind.DAMAGED,
        )
    with transaction(db) as session:
        done = shipments.get_shipment(session, shipment.id)
        assert done.state is ShipmentState.DELIVERED
        assert not shipments.is_overdue(done)
        assert [e.kind for e in done.events] == [TrackingKind.DEPARTED, TrackingKind.CUSTOMS, TrackingKind.DELIVERED]
    assert on_hand(db, depot.hub_id) == 17
    assert_ledger_consistent(db)


@pytest.mark.parametrize(
    ("accepted", "rejected", "reason"),
    [(5, 2, "damp"), (3, 0, None), (4, 1, None), (-1, 9, "x")],
)
def test_proof_of_delivery_that_does_not_add_up_is_refused_and_changes_nothing(
    db: sessionmaker[Session],
    depot: Depot,
    receive: Callable[..., int],
    accepted: int,
    rejected: int,
    reason: str | None,
) -> None:
    _stocked(receive)
    with transaction(db) as session:
        shipment = shipments.dispatch(session, SYSTEM, hub=depot.hub_id, country="PK", item="VENT-ICU", quantity=5)
    before = move_count(db)
    with pytest.raises(Invalid), transaction(db) as session:
        shipments.deliver_totals(session, SYSTEM, shipment.id, accepted=accepted, rejected=rejected, reason=reason)
    assert move_count(db) == before
    with transaction(db) as session:
        assert shipments.get_shipment(session, shipment.id).state is ShipmentState.DISPATCHED


def test_rejected_goods_go_back_to_stock(db: sessionmaker[Session], depot: Depot, receive: Callable[..., int]) -> None:
    _stocked(receive)
    with transaction(db) as session:
        shipment = shipments.dispatch(session, SYSTEM, hub=depot.hub_id, country="PK", item="VENT-ICU", quantity=10)
    with transaction(db) as session:
        shipments.deliver_totals(session, SYSTEM, shipment.id, accepted=7, rejected=3, reason="wrong voltage")
        lines = shipments.get_shipment(session, shipment.id).lines
    assert all(line.accepted is not None and line.accepted + (line.rejected or 0) == line.quantity for line in lines)
    assert on_hand(db, depot.hub_id) == 25 - 10 + 3
    assert_ledger_consistent(db)


def test_lost_in_transit_is_an_explicit_audited_decision(
    db: sessionmaker[Session], depot: Depot, receive: Callable[..., int]
) -> None:
    _stocked(receive)
    with transaction(db) as session:
        shipment = shipments.dispatch(session, SYSTEM, hub=depot.hub_id, country="IQ", item="VENT-ICU", quantity=4)
    with pytest.raises(Invalid, match="why"), transaction(db) as session:
        shipments.declare_lost(session, SYSTEM, shipment.id, reason=" ")
    with transaction(db) as session:
        shipments.declare_lost(session, SYSTEM, shipment.id, reason="truck missing since border")
    with transaction(db) as session:
        lost = shipments.get_shipment(session, shipment.id)
        assert lost.state is ShipmentState.LOST
        assert lost.lost_reason == "truck missing since border"
        with pytest.raises(Invalid, match="must be dispatched"):
            shipments.deliver_totals(session, SYSTEM, shipment.id, accepted=4, rejected=0)
    assert_ledger_consistent(db)


def test_dispatch_of_a_picked_shipment_fails_when_the_lot_is_gone(
    db: sessionmaker[Session], depot: Depot, receive: Callable[..., int]
) -> None:
    receive(quantity=5, lot="ONLY", expiry=FUTURE)
    with transaction(db) as session:
        planned = shipments.create_shipment(session, SYSTEM, hub=depot.hub_id, country="PK", lines=[("VENT-ICU", 5)])
    with transaction(db) as session:
        shipments.dispatch(session, SYSTEM, hub=depot.hub_id, country="IT", item="VENT-ICU", quantity=2)
    with pytest.raises(ledger.InsufficientStock, match="short by 2"), transaction(db) as session:
        shipments.dispatch_shipment(session, SYSTEM, planned.id)
    assert on_hand(db, depot.hub_id) == 3
