"""Hubs ledger: stock on hand over a million moves, and racing dispatches on PostgreSQL.

In one run:

1. writes 1,000,000 consistent stock moves (receipts, dispatches into transit, deliveries) in bulk,
   with the balance table they imply, into a fresh migrated database;
2. times ``ledger.stock_on_hand`` for one hub (the maintained balances) against summing that hub's
   moves (what the balances replace): the goal is under 100 ms;
3. on PostgreSQL, 8 workers dispatch one unit at a time through ``shipments.dispatch`` (row locks,
   conditional decrement, shipment, audit) until more has been asked than there is; it counts
   moves per second and checks that exactly the stock on hand was dispatched (zero oversell); then
   the same 8 workers insert the same number of moves without any balance check, as the baseline.

Steps 1 and 2 run on SQLite; with ``SOLIDARITY_BENCH_DATABASE_URL`` (a PostgreSQL server URL; the
benchmark creates and drops its own database ``<name>_hubs`` there) all steps run on PostgreSQL too.

    .venv/bin/python benchmarks/hubs_ledger.py [--moves 1000000] [--workers 8] [--stock 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, insert, make_url, select, text
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor
from solidarity.config import load_settings
from solidarity.db import make_engine, make_sessionmaker, transaction
from solidarity.db.migrate import upgrade
from solidarity.errors import SolidarityError
from solidarity.hubs import ledger, locations, shipments
from solidarity.hubs.models import Location, LocationKind, Lot, MoveReason, StockBalance, StockMove
from solidarity.partners import service as partners
from solidarity.partners.models import OrganisationType
from solidarity.partners.schemas import OrganisationCreate
from solidarity.reference.models import Item

SYSTEM = Actor.system("benchmark")
HUBS = 20
OWNERS = 3
RECIPIENTS = 30
BATCH = 20_000


def fresh_postgres(server_url: str) -> tuple[str, Callable[[], None]]:
    base = make_url(server_url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{base.database}_hubs"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def setup(factory: sessionmaker[Session]) -> tuple[list[int], list[int], list[int], dict[int, list[int]], int, int]:
    """Hubs, owners, recipients and three lots per item; returns their ids and the supplier and transit ids."""
    with transaction(factory) as session:
        owners = [
            partners.create_organisation(
                session, SYSTEM, OrganisationCreate(name=f"Bench partner {i}", type=OrganisationType.NGO)
            ).id
            for i in range(OWNERS)
        ]
        hubs = [
            locations.create_hub(
                session, SYSTEM, name=f"Bench hub {i}", country="CN", operator_organisation_id=owners[0]
            ).id
            for i in range(HUBS)
        ]
        countries = [
            "IT",
            "RS",
            "PK",
            "ET",
            "IQ",
            "KE",
            "NG",
            "BR",
            "PE",
            "IR",
            "ZA",
            "EG",
            "MA",
            "TZ",
            "UG",
            "GH",
            "SN",
            "BD",
            "NP",
            "LK",
            "MM",
            "KH",
            "LA",
            "VN",
            "PH",
            "ID",
            "MN",
            "KZ",
            "UZ",
            "TJ",
        ]
        recipients = [locations.virtual_location(session, LocationKind.RECIPIENT, c).id for c in countries[:RECIPIENTS]]
        lots: dict[int, list[int]] = {}
        today = dt.date.today()
        for item_id in session.scalars(select(Item.id)):
            rows = [
                Lot(
                    item_id=item_id,
                    code=f"B{item_id}-{k}",
                    expires_on=today + dt.timedelta(days=100 * (k + 1)) if k < 2 else None,
                )
                for k in range(3)
            ]
            session.add_all(rows)
            session.flush()
            lots[item_id] = [r.id for r in rows]
        supplier = locations.virtual_location(session, LocationKind.SUPPLIER).id
        transit = locations.virtual_location(session, LocationKind.IN_TRANSIT).id
    return hubs, owners, recipients, lots, supplier, transit


def write_moves(factory: sessionmaker[Session], moves: int) -> tuple[float, int]:
    """Bulk-write ``moves`` consistent moves and the balances they imply; returns (seconds, first hub id)."""
    hubs, owners, recipients, lots, supplier, transit = setup(factory)
    rng = random.Random(11)
    items = sorted(lots)
    balances: dict[tuple[int, int, int, int], int] = {}
    start_time = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    rows: list[dict[str, Any]] = []
    written = 0
    started = time.perf_counter()

    def add(source: int, target: int, item: int, lot: int, owner: int, quantity: int, reason: MoveReason) -> None:
        nonlocal written
        when = start_time + dt.timedelta(seconds=written)
        rows.append(
            {
                "from_location_id": source,
                "to_location_id": target,
                "item_id": item,
                "lot_id": lot,
                "quantity": quantity,
                "owner_organisation_id": owner,
                "to_owner_organisation_id": owner,
                "reason": reason,
                "occurred_at": when,
                "recorded_at": when,
                "actor_label": "benchmark",
            }
        )
        if source != supplier:
            balances[(source, item, lot, owner)] = balances.get((source, item, lot, owner), 0) - quantity
        balances[(target, item, lot, owner)] = balances.get((target, item, lot, owner), 0) + quantity
        written += 1

    def flush() -> None:
        if not rows:
            return
        with transaction(factory) as session:
            connection = session.connection()
            if connection.dialect.name == "postgresql":
                _copy_moves(connection.connection.driver_connection, rows)
            else:
                connection.execute(StockMove.__table__.insert(), rows)
        rows.clear()

    while written < moves:
        hub, item, owner = rng.choice(hubs), rng.choice(items), rng.choice(owners)
        lot = rng.choice(lots[item])
        on_hand = balances.get((hub, item, lot, owner), 0)
        if on_hand < 50 or rng.random() < 0.34 or written + 2 > moves:
            add(supplier, hub, item, lot, owner, rng.randint(50, 500), MoveReason.RECEIPT)
        else:
            quantity = rng.randint(1, on_hand)
            add(hub, transit, item, lot, owner, quantity, MoveReason.DISPATCH)
            add(transit, rng.choice(recipients), item, lot, owner, quantity, MoveReason.DELIVERY)
        if len(rows) >= BATCH:
            flush()
    flush()
    with transaction(factory) as session:
        session.connection().execute(
            StockBalance.__table__.insert(),
            [
                {"location_id": k[0], "item_id": k[1], "lot_id": k[2], "owner_organisation_id": k[3], "quantity": q}
                for k, q in balances.items()
            ],
        )
    return time.perf_counter() - started, hubs[0]


COPY_COLUMNS = (
    "from_location_id",
    "to_location_id",
    "item_id",
    "lot_id",
    "quantity",
    "owner_organisation_id",
    "to_owner_organisation_id",
    "reason",
    "occurred_at",
    "recorded_at",
    "actor_label",
)


def _copy_moves(driver_connection: Any, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL's COPY: the bulk path for writing the ledger (naive UTC, as ``UTCDateTime`` stores it)."""
    with (
        driver_connection.cursor() as cursor,
        cursor.copy(f"COPY hubs_stock_moves ({', '.join(COPY_COLUMNS)}) FROM STDIN") as copy,
    ):
        for row in rows:
            values = [row[c] for c in COPY_COLUMNS]
            values[7] = values[7].value
            values[8] = values[8].replace(tzinfo=None)
            values[9] = values[9].replace(tzinfo=None)
            copy.write_row(values)


def time_median(call: Callable[[], object], repeat: int = 7) -> float:
    call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def stock_from_moves(session: Session, hub: int) -> list[tuple[int, int, int, int]]:
    incoming = (
        select(StockMove.item_id, StockMove.lot_id, StockMove.to_owner_organisation_id, func.sum(StockMove.quantity))
        .where(StockMove.to_location_id == hub)
        .group_by(StockMove.item_id, StockMove.lot_id, StockMove.to_owner_organisation_id)
    )
    outgoing = (
        select(StockMove.item_id, StockMove.lot_id, StockMove.owner_organisation_id, func.sum(StockMove.quantity))
        .where(StockMove.from_location_id == hub)
        .group_by(StockMove.item_id, StockMove.lot_id, StockMove.owner_organisation_id)
    )
    totals: dict[tuple[int, int, int], int] = {}
    for a, b, c, q in session.execute(incoming):
        totals[(a, b, c)] = totals.get((a, b, c), 0) + int(q)
    for a, b, c, q in session.execute(outgoing):
        totals[(a, b, c)] = totals.get((a, b, c), 0) - int(q)
    return [(a, b, c, q) for (a, b, c), q in totals.items() if q]


def run_ledger(label: str, database_url: str, moves: int, data_dir: Path) -> sessionmaker[Session]:
    engine = make_engine(load_settings(database_url=database_url, data_dir=data_dir, db_pool_size=10))
    upgrade(engine)
    factory = make_sessionmaker(engine)
    seconds, hub = write_moves(factory, moves)
    print(f"[{label}] {moves:,} moves and their balances written in {seconds:.1f} s ({moves / seconds:,.0f} moves/s)")
    with transaction(factory) as session:
        rows = ledger.stock_on_hand(session, hub=hub)
        assert sorted(r.quantity for r in rows) == sorted(q for *_, q in stock_from_moves(session, hub))
        on_hand = time_median(lambda: ledger.stock_on_hand(session, hub=hub))
        replay = time_median(lambda: stock_from_moves(session, hub), repeat=3)
    print(f"[{label}] stock on hand for one hub ({len(rows)} rows): {on_hand:.1f} ms (median of 7; goal < 100 ms)")
    print(f"[{label}] the same summed from its moves: {replay:.1f} ms; ratio {replay / on_hand:.0f}x")
    return factory


def race(factory: sessionmaker[Session], workers: int, stock: int) -> None:
    """Workers dispatch one unit at a time until refused; then the same workers insert bare moves."""
    with transaction(factory) as session:
        owner = partners.create_organisation(
            session, SYSTEM, OrganisationCreate(name="Race partner", type=OrganisationType.NGO)
        ).id
        hub = locations.create_hub(session, SYSTEM, name="Race hub", country="CN", operator_organisation_id=owner).id
    for lot, share in (("R1", stock // 4), ("R2", stock // 4), ("R3", stock - 2 * (stock // 4))):
        with transaction(factory) as session:
            ledger.receive(session, SYSTEM, hub=hub, item="VENT-ICU", quantity=share, lot=lot, owner=owner)
    attempts = stock + stock // 5
    counter = iter(range(attempts))
    lock = threading.Lock()
    ok = refused = 0

    def dispatcher() -> None:
        nonlocal ok, refused
        while True:
            with lock:
                if next(counter, None) is None:
                    return
            try:
                with transaction(factory) as session:
                    shipments.dispatch(session, SYSTEM, hub=hub, country="RS", item="VENT-ICU", quantity=1)
                with lock:
                    ok += 1
            except SolidarityError:
                with lock:
                    refused += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=dispatcher) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    with transaction(factory) as session:
        left = sum(r.quantity for r in ledger.stock_on_hand(session, hub=hub))
        negative = session.scalar(select(func.count()).where(StockBalance.quantity < 0))
        dispatched = session.scalar(
            select(func.coalesce(func.sum(StockMove.quantity), 0)).where(
                StockMove.from_location_id == hub, StockMove.reason == MoveReason.DISPATCH
            )
        )
        transit = session.scalar(select(Location.id).where(Location.kind == LocationKind.IN_TRANSIT))
        lot = session.scalar(select(Lot.id).where(Lot.code == "R1"))
        item = session.scalar(select(Item.id).where(Item.code == "VENT-ICU"))
    oversell = (dispatched or 0) - stock
    print(
        f"[postgresql] {workers} workers, {attempts:,} dispatches of 1 unit against {stock:,} on hand: "
        f"{ok:,} succeeded, "
        f"{refused:,} refused, {left} left, oversell {oversell}, negative balances {negative}"
    )
    assert ok == stock
    assert oversell == 0
    assert negative == 0
    assert left == 0
    print(
        f"[postgresql] checked dispatch: {seconds:.1f} s, {ok / seconds:,.0f} moves/s "
        f"({attempts / seconds:,.0f} attempts/s)"
    )

    counter = iter(range(ok))
    inserted = 0

    def inserter() -> None:
        nonlocal inserted
        while True:
            with lock:
                if next(counter, None) is None:
                    return
            with transaction(factory) as session:
                now = dt.datetime.now(dt.UTC)
                session.execute(
                    insert(StockMove).values(
                        from_location_id=hub,
                        to_location_id=transit,
                        item_id=item,
                        lot_id=lot,
                        quantity=1,
                        owner_organisation_id=owner,
                        to_owner_organisation_id=owner,
                        reason=MoveReason.DISPATCH,
                        occurred_at=now,
                        recorded_at=now,
                        actor_label="baseline",
                    )
                )
            with lock:
                inserted += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=inserter) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    baseline = time.perf_counter() - started
    print(f"[postgresql] plain inserts, no balance check: {baseline:.1f} s, {inserted / baseline:,.0f} moves/s")
    print(
        f"[postgresql] ratio checked dispatch / plain insert throughput: {(ok / seconds) / (inserted / baseline):.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--stock", type=int, default=2000)
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        if not args.skip_sqlite:
            factory = run_ledger("sqlite", f"sqlite:///{directory / 'hubs.db'}", args.moves, directory)
            factory.kw["bind"].dispose()
        server = os.environ.get("SOLIDARITY_BENCH_DATABASE_URL")
        if not server:
            print("SOLIDARITY_BENCH_DATABASE_URL not set: PostgreSQL steps skipped")
            return
        url, drop = fresh_postgres(server)
        try:
            factory = run_ledger("postgresql", url, args.moves, directory)
            race(factory, args.workers, args.stock)
            factory.kw["bind"].dispose()
        finally:
            drop()


if __name__ == "__main__":
    main()
