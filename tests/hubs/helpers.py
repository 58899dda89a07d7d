"""Checks the hubs tests share: the ledger's invariants, read straight from the database."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.db import transaction
from solidarity.hubs import ledger
from solidarity.hubs.models import Location, LocationKind, StockBalance, StockMove
from solidarity.reference.models import Item


def assert_ledger_consistent(db: sessionmaker[Session]) -> None:
    """Balances equal the moves replayed, none is negative, and stock is conserved per item."""
    with transaction(db) as session:
        assert ledger.stored_balances(session) == ledger.balances_from_moves(session)
        assert session.scalar(select(func.count()).where(StockBalance.quantity < 0)) == 0
        supplier = session.scalar(select(Location.id).where(Location.kind == LocationKind.SUPPLIER))
        for item_id in session.scalars(select(Item.id)):
            inside = session.scalar(
                select(func.coalesce(func.sum(StockBalance.quantity), 0)).where(StockBalance.item_id == item_id)
            )
            received = session.scalar(
                select(func.coalesce(func.sum(StockMove.quantity), 0)).where(
                    StockMove.item_id == item_id, StockMove.from_location_id == supplier
                )
            )
            returned = session.scalar(
                select(func.coalesce(func.sum(StockMove.quantity), 0)).where(
                    StockMove.item_id == item_id, StockMove.to_location_id == supplier
                )
            )
            assert inside == received - returned


def on_hand(db: sessionmaker[Session], hub: int, item: str = "VENT-ICU") -> int:
    with transaction(db) as session:
        return sum(row.quantity for row in ledger.stock_on_hand(session, hub=hub, item=item))


def move_count(db: sessionmaker[Session]) -> int:
    with transaction(db) as session:
        return session.scalar(select(func.count()).select_from(StockMove)) or 0
