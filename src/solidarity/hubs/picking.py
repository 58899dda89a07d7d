"""First-expiry-first-out picking over the lots on hand: pure, no database.

Lots that expire first are picked first; lots without an expiry date come last; a lot that has
expired (its expiry date is before the day of picking) is never picked. Among equal expiry dates
the older lot (lower id) goes first, so picking is deterministic.

>>> import datetime as dt
>>> lots = [
...     Available(lot_id=1, lot_code="A", expires_on=None, owner_id=7, quantity=50),
...     Available(lot_id=2, lot_code="B", expires_on=dt.date(2020, 9, 1), owner_id=7, quantity=30),
...     Available(lot_id=3, lot_code="C", expires_on=dt.date(2020, 5, 1), owner_id=7, quantity=10),
...     Available(lot_id=4, lot_code="OLD", expires_on=dt.date(2020, 1, 1), owner_id=7, quantity=99),
... ]
>>> pick = fefo(lots, 60, today=dt.date(2020, 3, 1))
>>> [(line.lot_code, line.quantity) for line in pick.lines], pick.shortfall
([('C', 10), ('B', 30), ('A', 20)], 0)
>>> fefo(lots, 100, today=dt.date(2020, 3, 1)).shortfall
10
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Available:
    """Stock of one lot and owner on hand at a location."""

    lot_id: int
    lot_code: str
    expires_on: dt.date | None
    owner_id: int
    quantity: int


@dataclass(frozen=True)
class PickLine:
    lot_id: int
    lot_code: str
    expires_on: dt.date | None
    owner_id: int
    quantity: int


@dataclass(frozen=True)
class Pick:
    """What to take from which lot, and how much of the asked quantity the usable stock cannot cover."""

    lines: tuple[PickLine, ...]
    requested: int
    usable: int

    @property
    def picked(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def shortfall(self) -> int:
        return self.requested - self.picked


def is_expired(expires_on: dt.date | None, today: dt.date) -> bool:
    """A lot is expired from the day after its expiry date.

    >>> is_expired(dt.date(2020, 3, 1), dt.date(2020, 3, 1)), is_expired(dt.date(2020, 3, 1), dt.date(2020, 3, 2))
    (False, True)
    >>> is_expired(None, dt.date(2020, 3, 2))
    False
    """
    return expires_on is not None and expires_on < today


def fefo_order(available: Iterable[Available], today: dt.date) -> list[Available]:
    """Usable lots in picking order: earliest expiry first, lots without expiry last, expired left out."""
    usable = [a for a in available if a.quantity > 0 and not is_expired(a.expires_on, today)]
    return sorted(usable, key=lambda a: (a.expires_on is None, a.expires_on or dt.date.max, a.lot_id, a.owner_id))


def fefo(available: Iterable[Available], quantity: int, *, today: dt.date) -> Pick:
    """Pick ``quantity`` first-expiry-first-out; ``shortfall`` says how much could not be picked."""
    lines: list[PickLine] = []
    remaining = quantity
    ordered = fefo_order(available, today)
    for lot in ordered:
        if remaining <= 0:
            break
        take = min(remaining, lot.quantity)
        lines.append(PickLine(lot.lot_id, lot.lot_code, lot.expires_on, lot.owner_id, take))
        remaining -= take
    return Pick(lines=tuple(lines), requested=quantity, usable=sum(a.quantity for a in ordered))
