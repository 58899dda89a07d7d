"""The stock ledger: receipts, balances kept with moves, conservation, FEFO, back-dating, reversals, loans."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor, Role
from solidarity.db import transaction
from solidarity.errors import Forbidden, Invalid, NotFound
from solidarity.hubs import ledger, locations, shipments
from solidarity.hubs.models import LocationKind, StockBalance
from tests.conftest import Person
from tests.hubs.conftest import SYSTEM, Depot, Flows
from tests.hubs.helpers import assert_ledger_consistent, move_count, on_hand

FUTURE = dt.date.today() + dt.timedelta(days=400)
UTC = dt.UTC


def test_receipt_adds_stock_by_lot_and_owner_and_links_the_assistance_flow(
    db: sessionmaker[Session], depot: Depot, receive: Callable[..., int], assistance_flows: Flows
) -> None:
    receive(quantity=10, lot="V1", expiry=FUTURE)
    receive(quantity=5, owner=depot.unicef, flow_id=assistance_flows.in_kind)
    with transaction(db) as session:
        rows = ledger.stock_on_hand(session, hub="guangzhou")
        moves = ledger.moves_of(session)
    assert {(r.lot, r.owner, r.quantity) for r in rows} == {
        ("V1", "World Food Programme", 10),
        ("NO-LOT", "UNICEF", 5),
    }
    assert moves[0].assistance_flow_id == assistance_flows.in_kind
    assert_ledger_consistent(db)


@pytest.mark.parametrize(("which", "reason"), [("unknown", "does not exist"), ("financial", "not in-kind")])
def test_receipt_refuses_a_link_to_a_flow_that_is_not_in_kind_goods(
    db: sessionmaker[Session], receive: Callable[..., int], assistance_flows: Flows, which: str, reason: str
) -> None:
    flow_id = 424242 if which == "unknown" else assistance_flows.financial
    with pytest.raises(Invalid, match=reason) as caught:
        receive(quantity=5, flow_id=flow_id)
    assert (caught.value.details[0]["field"], caught.value.details[0]["value"]) == ("flow", flow_id)
    assert move_count(db) == 0


@pytest.mark.parametrize("quantity", [0, -3, 2.5, "7", True])
def test_receipt_refuses_a_quantity_that_is_not_a_positive_integer(
    db: sessionmaker[Session], depot: Depot, receive: Callable[..., int], quantity: object
) -> None:
    with pytest.raises(Invalid) as caught:
        receive(quantity=quantity)
    assert caught.value.details[0]["field"] == "quantity"
    assert move_count(db) == 0


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"item": "NOT-AN-ITEM"}, NotFound),
        ({"item": "mask"}, None),  # resolved by name: fine
        ({"item": "respirator"}, Invalid),  # N95 and FFP3: ambiguous
    ],
)
def test_receipt_resolves_items_by_code_or_unambiguous_name(
    db: sessionmaker[Session], receive: Callable[..., int], kwargs: dict[str, object], error: type[Exception] | None
) -> None:
    if error is None:
        receive(**kwargs)
        assert move_count(db) == 1
        return
    with pytest.raises(error) as caught:
        receive(**kwargs)
    if error is Invalid:
        assert "MASK-N95" in str(caught.value)
        assert "MASK-FFP3" in str(caught.value)
    assert move_count(db) == 0


def test_item_names_match_plurals(db: sessionmaker[Session]) -> None:
    with transaction(db) as session:
        assert locations.resolve_item(session, "ventilators").code == "VENT-ICU"
        assert locations.resolve_item(session, "Goggles").code == "GOGGLES"


def test_unknown_hub_and_expired_lot_are_refused(db: sessionmaker[Session], receive: Callable[..., int]) -> None:
    with pytest.raises(NotFound, match="No hub"):
        _receive_at(db, "Atlantis")
    with pytest.raises(Invalid, match="expired"):
        receive(lot="OLD", expiry=dt.date(2020, 1, 1))
    assert move_count(db) == 0


def _receive_at(db: sessionmaker[Session], hub: str) -> None:
    with transaction(db) as session:
        ledger.receive(session, SYSTEM, hub=hub, item="VENT-ICU", quantity=1, owner="WFP")


def test_lot_expiry_cannot_change_on_a_later_receipt(receive: Callable[..., int]) -> None:
    receive(lot="L1", expiry=FUTURE)
    with pytest.raises(Invalid, match="expires on"):
        receive(lot="L1", expiry=FUTURE + dt.timedelta(days=1))


def test_dispatch_refuses_more_than_stock_on_hand_with_the_shortfall(
    db: sessionmaker[Session], depot: Depot, receive: Callable[..., int]
) -> None:
    receive(quantity=4)
    with pytest.raises(ledger.InsufficientStock) as caught, transaction(db) as session:
        shipments.dispatch(session, SYSTEM, hub=depot.hub_id, country="IT", item="VENT-ICU", quantity=7)
    assert caught.value.details["shortfall"] == 3
    assert "short by 3" in caught.value.message
    assert on_hand(db, depot.hub_id) == 4
    assert move_count(db) == 1


def test_fefo_picks_earliest_expiry_first_no_expiry_last_and_never_expired(
    db: sessionmaker[Session], depot: Depot, receive: Callable[..., int]
) -> None:
    today = dt.date.today()
    receive(item="MASK-SURG", quantity=100, lot="NOEXP")
    receive(item="MASK-SURG", quantity=30, lot="LATE", expiry=today + dt.timedelta(days=300))
    receive(item="MASK-SURG", quantity=20, lot="SOON", expiry=today + dt.timedelta(days=10))
    receive(item="MASK-SURG", quantity=50, lot="BRIEF", expiry=today)
    with transaction(db) as session:  # expire BRIEF by picking as of tomorrow
        hub = locations.resolve_hub(session, depot.hub_id)
        item = locations.resolve_item(session, "MASK-SURG")
        pick = ledger.plan_pick(session, SYSTEM, hub, item, 60, today=today + dt.timedelta(days=1))
    assert [(line.lot_code, line.quantity) for line in pick.lines] == [("SOON", 20), ("LATE", 30), ("NOEXP", 10)]
    with transaction(db) as session:
        shipment = shipments.dispatch(session, SYSTEM, hub=depot.hub_id, country="IT", item="MASK-SURG", quantity=60)
        lots = [line.lot_id for line in shipment.lines]
    assert len(lots) == 2  # today BRIEF is still usable and goes first
    assert_ledger_consistent(db)


def test_an_expired_lot_is_never_dispatched(
    db: sessionmaker[Session], depot: Depot, receive: Callable[..., int]
) -> None:
    receive(quantity=5, lot="OLD", expiry=dt.date.today(), occurred_at=dt.datetime(2020, 1, 1, tzinfo=UTC))
    with transaction(db) as session:
        hub = locations.resolve_hub(session, depot.hub_id)
        item = locations.resolve_item(session, "VENT-ICU")
        later = dt.date.today() + dt.timedelta(days=1)
        with pytest.raises(Invalid, match="expired"):
            ledger.plan_pick(session, SYSTEM, hub, item, 1, lot="OLD", today=later)
        assert ledger.plan_pick(session, SYSTEM, hub, item, 5, today=later).shortfall == 5


def test_balances_always_equal_the_moves_replayed_and_stock_is_conserved(
    db: sessionmaker[Session], depot: Depot, receive: Callable[..., int]
) -> None:
    receive(quantity=20, lot="A", expiry=FUTURE)
    receive(quantity=8, owner=depot.unicef)
    with transaction(db) as session:
        shipment = shipments.dispatch(session, SYSTEM, hub=depot.hub_id, country="IT", item="VENT-ICU", quantity=12)
    with transaction(db) as session:
        shipments.deliver_totals(session, SYSTEM, shipment.id, accepted=10, rejected=2, reason="broken")
        ledger.write_off(
            session,
            SYSTEM,
            hub=depot.hub_id,
            item="VENT-ICU",
            lot=None,
            quantity=3,
            owner=depot.unicef,
            to=LocationKind.DAMAGED,
            reason="dropped",
        )
        ledger.lend(session, SYSTEM, hub=depot.hub_id, item="VENT-ICU", quantity=4, lender="WFP", borrower="UNICEF")
    assert_ledger_consistent(db)
    with transaction(db) as session:
        total = sum(r.quantity for r in ledger.stock_on_hand(session, hub=depot.hub_id))
    assert total == 28 - 12 + 2 - 3


def test_the_database_refuses_a_negative_balance_as_last_line_of_defence(
    db: sessionmaker[Session], receive: Callable[..., int]
) -> None:
    receive(quantity=1)
    with pytest.raises(IntegrityError), transaction(db) as session:
        session.execute(update(StockBalance).values(quantity=-1))


def test_a_move_of_zero_is_refused_by_the_database_too(db: sessionmaker[Session], receive: Callable[..., int]) -> None:
    move_id = receive(quantity=1)
    with pytest.raises(IntegrityError), transaction(db) as session:
        session.execute(text("UPDATE hubs_stock_moves SET quantity = 0 WHERE id = :id"), {"id": move_id})


def test_back_dated_move_is_refused_when_a_running_balance_would_go_negative(
    db: sessionmaker[Session], depot: Depot, receive: Callable[..., int]
) -> None:
    receive(quantity=10, occurred_at=dt.datetime(2020, 3, 1, tzinfo=UTC))
    receive(quantity=10, occurred_at=dt.datetime(2020, 3, 5, tzinfo=UTC))
    args = {"hub": depot.hub_id, "item": "VENT-ICU", "lot": None, "owner": depot.wfp, "to": LocationKind.CONSUMED}
    with pytest.raises(Invalid, match="below zero"), transaction(db) as session:
        ledger.write_off(
            session, SYSTEM, quantity=15, reason="used", occurred_at=dt.datetime(2020, 3, 3, tzinfo=UTC), **args
        )
    assert on_hand(db, depot.hub_id) == 20
    with transaction(db) as session:  # the same quantity dated after the second receipt is fine
        ledger.write_off(
            session, SYSTEM, quantity=15, reason="used", occurred_at=dt.datetime(2020, 3, 6, tzinfo=UTC), **args
        )
    with transaction(db) as session:  # back-dated but covered all along
        ledger.write_off(
            session, SYSTEM, quantity=5, reason="used", occurred_at=dt.datetime(2020, 3, 2, tzinfo=UTC), **args
        )
    with pytest.raises(ledger.InsufficientStock), transaction(db) as session:
        ledger.write_off(session, SYSTEM, quantity=1, reason="used", **args)
    assert_ledger_consistent(db)


def test_a_correction_is_a_reversing_move_made_once(
    db: sessionmaker[Session], depot: Depot, receive: Callable[..., int]
) -> None:
    move_id = receive(quantity=6)
    with transaction(db) as session:
        reversal = ledger.reverse_move(session, SYSTEM, move_id, "typed 6 instead of 60")
        assert reversal.reverses_move_id == move_id
    assert on_hand(db, depot.hub_id) == 0
    with pytest.raises(Exception, match="was reversed by"), transaction(db) as session:
        ledger.reverse_move(session, SYSTEM, move_id, "again")
    assert_ledger_consistent(db)


def test_a_loan_moves_ownership_and_is_recorded(
    db: sessionmaker[Session], depot: Depot, receive: Callable[..., int]
) -> None:
    receive(quantity=10, lot="A", expiry=FUTURE)
    with transaction(db) as session:
        loan = ledger.lend(
            session,
            SYSTEM,
            hub=depot.hub_id,
            item="VENT-ICU",
            quantity=4,
            lender="WFP",
            borrower="UNICEF",
            expected_return_on=FUTURE,
        )
        assert (loan.lender_organisation_id, loan.borrower_organisation_id) == (depot.wfp, depot.unicef)
        rows = {r.owner: r.quantity for r in ledger.stock_on_hand(session, hub=depot.hub_id)}
    assert rows == {"World Food Programme": 6, "UNICEF": 4}
    with pytest.raises(ledger.InsufficientStock), transaction(db) as session:
        ledger.lend(session, SYSTEM, hub=depot.hub_id, item="VENT-ICU", quantity=7, lender="WFP", borrower="UNICEF")
    assert_ledger_consistent(db)


def test_an_editor_of_another_organisation_is_forbidden_and_nothing_changes(
    db: sessionmaker[Session], depot: Depot, receive: Callable[..., int], make_person: Callable[..., Person]
) -> None:
    receive(quantity=5)
    outsider = make_person(Role.EDITOR).actor
    with pytest.raises(Forbidden), transaction(db) as session:
        ledger.receive(session, outsider, hub=depot.hub_id, item="VENT-ICU", quantity=1, owner="WFP")
    with pytest.raises(Forbidden), transaction(db) as session:
        shipments.dispatch(session, outsider, hub=depot.hub_id, country="IT", item="VENT-ICU", quantity=1, owner="WFP")
    with pytest.raises(Forbidden), transaction(db) as session:
        ledger.reverse_move(session, outsider, 1, "not mine")
    assert move_count(db) == 1


def test_an_editor_dispatches_only_their_own_organisations_stock(
    db: sessionmaker[Session], depot: Depot, receive: Callable[..., int], make_person: Callable[..., Person]
) -> None:
    receive(quantity=5)
    receive(quantity=3, owner=depot.unicef)
    editor: Actor = make_person(Role.EDITOR, organisation_id=depot.unicef).actor
    with transaction(db) as session:
        shipment = shipments.dispatch(session, editor, hub=depot.hub_id, country="IT", item="VENT-ICU", quantity=3)
        assert {line.owner_organisation_id for line in shipment.lines} == {depot.unicef}
    with pytest.raises(ledger.InsufficientStock), transaction(db) as session:
        shipments.dispatch(session, editor, hub=depot.hub_id, country="IT", item="VENT-ICU", quantity=1)
    assert on_hand(db, depot.hub_id) == 5
