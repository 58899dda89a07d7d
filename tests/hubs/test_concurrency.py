"""Racing dispatches of the last units: exactly as many succeed as stock allows (DESIGN invariant 1).

Runs on whichever engine the suite runs on; on PostgreSQL the row locks do the work, on SQLite the
write lock taken by a stock-changing transaction's first statement serialises them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session, sessionmaker

from solidarity.db import transaction
from solidarity.errors import SolidarityError
from solidarity.hubs import shipments
from tests.hubs.conftest import SYSTEM, Depot
from tests.hubs.helpers import assert_ledger_consistent, on_hand

THREADS = 16


@pytest.mark.parametrize(("each", "winners"), [(1, 10), (3, 3)])
def test_concurrent_dispatches_of_the_last_units_never_oversell(
    db: sessionmaker[Session], depot: Depot, receive: Callable[..., int], each: int, winners: int
) -> None:
    receive(quantity=4, lot="A", expiry=None)
    receive(quantity=3, lot="B")
    receive(quantity=3, lot="C", owner=depot.unicef)
    start = threading.Barrier(THREADS)
    outcomes: list[str] = []
    errors: list[SolidarityError] = []
    lock = threading.Lock()

    def worker() -> None:
        start.wait()
        try:
            with transaction(db) as session:
                shipments.dispatch(session, SYSTEM, hub=depot.hub_id, country="RS", item="VENT-ICU", quantity=each)
            result = "ok"
        except SolidarityError as exc:
            result = exc.code
            with lock:
                errors.append(exc)
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == THREADS
    assert outcomes.count("ok") == winners
    assert {e.code for e in errors} <= {"insufficient_stock"}
    assert all(e.details["shortfall"] > 0 for e in errors)
    assert on_hand(db, depot.hub_id) == 10 - winners * each
    assert_ledger_consistent(db)
