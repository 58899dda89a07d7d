"""The demo hub loads once, with stock in several lots and owners and shipments in every state."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.db import transaction
from solidarity.hubs import demo, ledger, reports, requests, shipments
from solidarity.hubs.models import RequestState, ShipmentState, SupplyRequest
from tests.hubs.conftest import SYSTEM
from tests.hubs.helpers import assert_ledger_consistent, move_count


def test_demo_hub_has_stock_requests_and_shipments_in_every_state_and_loads_once(db: sessionmaker[Session]) -> None:
    with transaction(db) as session:
        assert demo.load(session, SYSTEM).created > 10
    moves = move_count(db)
    with transaction(db) as session:
        assert demo.load(session, SYSTEM).created == 0
        rows = ledger.stock_on_hand(session, hub=demo.HUB_NAME)
        assert len({r.owner for r in rows}) >= 4
        assert len({r.lot for r in rows if r.item == "MASK-N95"}) == 2
        assert {s.state for s in shipments.list_shipments(session)} == set(ShipmentState)
        assert any(shipments.is_overdue(s) for s in shipments.list_shipments(session))
        states = set(session.scalars(select(SupplyRequest.state)))
        assert states == set(RequestState)
        assert reports.pipeline(session)
        assert reports.expiring_soon(session, days=30)
        assert requests.list_requests(session, country="IT")
    assert move_count(db) == moves
    assert_ledger_consistent(db)
