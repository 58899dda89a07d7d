"""The stock ledger: immutable moves, the balances kept with them, FEFO picking, loans and corrections.

Every change of stock is a ``StockMove`` from one location to another, written in the same
transaction as the ``StockBalance`` rows it changes. A decrement is one conditional
``UPDATE ... WHERE quantity >= :q``: on PostgreSQL the row lock makes a racing dispatch re-check
the quantity after the first commits; on SQLite a stock-changing transaction takes the write lock
with its first statement (``lock_for_writes``), so writers queue instead of failing. The CHECK
``quantity >= 0`` stays as the last line of defence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, and_, func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.assistance import service as assistance
from solidarity.audit import service as audit
from solidarity.db.base import utcnow
from solidarity.errors import Conflict, Invalid, NotFound
from solidarity.hubs.locations import MODULE, resolve_hub, resolve_item, resolve_owner, virtual_location
from solidarity.hubs.models import (
    Loan,
    Location,
    LocationKind,
    Lot,
    MoveReason,
    StockBalance,
    StockMove,
)
from solidarity.hubs.picking import Available, Pick, fefo, is_expired
from solidarity.partners.models import Organisation
from solidarity.reference.models import Item

NO_LOT = "NO-LOT"


class InsufficientStock(Conflict):
    """More was asked than is on hand; ``details`` say how much is available and the shortfall."""

    code = "insufficient_stock"


def lock_for_writes(session: Session) -> None:
    """Make the transaction a writer from its first statement.

    SQLite lets one writer at a time; a transaction that read first and writes later fails at once
    when another writer got in between. A no-op write as the first statement takes the lock up front
    (waiting up to the busy timeout) so concurrent dispatches queue. PostgreSQL needs nothing here:
    its row locks serialise the decrements.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE hubs_locations SET id = id WHERE 0"))


def check_quantity(quantity: object, field: str = "quantity") -> int:
    """``quantity`` as a positive integer, or ``Invalid`` naming the field and the value.

    >>> check_quantity(3)
    3
    >>> check_quantity(0)
    Traceback (most recent call last):
    solidarity.errors.Invalid: Quantity 0 must be a whole number above zero
    """
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise Invalid(
            f"Quantity {quantity!r} must be a whole number above zero",
            details=[{"field": field, "value": quantity, "reason": "must be an integer > 0"}],
        )
    return quantity


def _aware(moment: dt.datetime | None) -> dt.datetime:
    if moment is None:
        return utcnow()
    if moment.tzinfo is None:
        raise Invalid(
            f"Time {moment.isoformat()} has no time zone", details=[{"field": "occurred_at", "value": str(moment)}]
        )
    return moment


# --- lots -----------------------------------------------------------------------------------------


def find_lot(session: Session, item: Item, code: str | None) -> Lot:
    """The lot ``code`` of ``item`` (``NO-LOT`` when none is given); ``NotFound`` otherwise."""
    lot_code = (code or NO_LOT).strip() or NO_LOT
    lot = session.scalar(select(Lot).where(Lot.item_id == item.id, Lot.code == lot_code))
    if lot is None:
        raise NotFound(
            f"No lot {lot_code!r} of {item.code}",
            details=[{"field": "lot", "value": lot_code, "reason": "unknown lot"}],
        )
    return lot


def _lot_for_receipt(session: Session, item: Item, code: str | None, expiry: dt.date | None) -> Lot:
    lot_code = (code or NO_LOT).strip() or NO_LOT
    if len(lot_code) > 100:
        raise Invalid("A lot code has at most 100 characters", details=[{"field": "lot", "value": lot_code}])
    if lot_code == NO_LOT and expiry is not None:
        raise Invalid("An expiry date needs a lot code", details=[{"field": "lot", "reason": "missing"}])
    lot = session.scalar(select(Lot).where(Lot.item_id == item.id, Lot.code == lot_code))
    if lot is None:
        lot = Lot(item_id=item.id, code=lot_code, expires_on=expiry)
        session.add(lot)
        session.flush()
    elif expiry is not None and lot.expires_on != expiry:
        raise Invalid(
            f"Lot {lot_code} of {item.code} expires on {lot.expires_on}, not {expiry}",
            details=[{"field": "expiry", "value": str(expiry), "reason": f"lot expires on {lot.expires_on}"}],
        )
    return lot


# --- moves and balances ---------------------------------------------------------------------------


def _balance_key(location_id: int, item_id: int, lot_id: int, owner_id: int) -> Any:
    return and_(
        StockBalance.location_id == location_id,
        StockBalance.item_id == item_id,
        StockBalance.lot_id == lot_id,
        StockBalance.owner_organisation_id == owner_id,
    )


def _decrement(session: Session, location: Location, item_id: int, lot: Lot, owner_id: int, quantity: int) -> None:
    stmt = (
        update(StockBalance)
        .where(_balance_key(location.id, item_id, lot.id, owner_id), StockBalance.quantity >= quantity)
        .values(quantity=StockBalance.quantity - quantity)
        .execution_options(synchronize_session=False)
    )
    result = cast(CursorResult[Any], session.execute(stmt))
    if result.rowcount == 1:
        return
    available = session.scalar(
        select(StockBalance.quantity).where(_balance_key(location.id, item_id, lot.id, owner_id))
    )
    available = available or 0
    raise InsufficientStock(
        f"Only {available} on hand of lot {lot.code} at {location.name}; {quantity} asked, "
        f"short by {quantity - available}",
        details={
            "location": location.name,
            "lot": lot.code,
            "available": available,
            "requested": quantity,
            "shortfall": quantity - available,
        },
    )


def _increment(session: Session, location_id: int, item_id: int, lot_id: int, owner_id: int, quantity: int) -> None:
    values = {
        "location_id": location_id,
        "item_id": item_id,
        "lot_id": lot_id,
        "owner_organisation_id": owner_id,
        "quantity": quantity,
    }
    keys = ["location_id", "item_id", "lot_id", "owner_organisation_id"]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(StockBalance).values(**values)
    stmt = stmt.on_conflict_do_update(index_elements=keys, set_={"quantity": StockBalance.quantity + quantity})
    session.execute(stmt)


def _check_running_balance(session: Session, move: StockMove, location: Location, lot: Lot) -> None:
    """Refuse a back-dated decrement that would take the running balance below zero at any later time."""
    key_out = and_(
        StockMove.from_location_id == move.from_location_id,
        StockMove.owner_organisation_id == move.owner_organisation_id,
    )
    key_in = and_(
        StockMove.to_location_id == move.from_location_id,
        StockMove.to_owner_organisation_id == move.owner_organisation_id,
    )
    same = and_(StockMove.item_id == move.item_id, StockMove.lot_id == move.lot_id)
    later = session.scalar(
        select(func.count()).where(same, or_(key_out, key_in), StockMove.occurred_at > move.occurred_at)
    )
    if not later:
        return
    rows = session.execute(
        select(
            StockMove.occurred_at,
            StockMove.id,
            StockMove.quantity,
            StockMove.from_location_id,
            StockMove.owner_organisation_id,
        )
        .where(same, or_(key_out, key_in))
        .order_by(StockMove.occurred_at, StockMove.id)
    ).all()
    running = 0
    for occurred_at, _id, quantity, from_id, owner_id in rows:
        is_out = from_id == move.from_location_id and owner_id == move.owner_organisation_id
        # a loan within the location both leaves one owner and reaches another: only this owner counts
        running += -quantity if is_out else quantity
        if running < 0 and occurred_at >= move.occurred_at:
            raise Invalid(
                f"A move of {move.quantity} dated {move.occurred_at:%Y-%m-%d %H:%M} would take lot {lot.code} at "
                f"{location.name} below zero on {occurred_at:%Y-%m-%d %H:%M} (by {-running})",
                details=[
                    {
                        "field": "occurred_at",
                        "value": move.occurred_at.isoformat(),
                        "reason": f"running balance {running} on {occurred_at.isoformat()}",
                    }
                ],
            )


def apply_move(
    session: Session,
    actor: Actor,
    *,
    from_location: Location,
    to_location: Location,
    item_id: int,
    lot: Lot,
    quantity: int,
    owner_id: int,
    reason: MoveReason,
    to_owner_id: int | None = None,
    document_number: str | None = None,
    occurred_at: dt.datetime | None = None,
    shipment_id: int | None = None,
    loan_id: int | None = None,
    assistance_flow_id: int | None = None,
    reverses_move_id: int | None = None,
) -> StockMove:
    """Write one move and its balance changes; the caller has checked permissions.

    Raises ``Invalid`` for a quantity that is not a positive integer or a back-dated move that would
    make a running balance negative, ``InsufficientStock`` when the source has less than ``quantity``.
    """
    check_quantity(quantity)
    when = _aware(occurred_at)
    if from_location.kind is not LocationKind.SUPPLIER:
        _decrement(session, from_location, item_id, lot, owner_id, quantity)
    new_owner = to_owner_id if to_owner_id is not None else owner_id
    if to_location.kind is not LocationKind.SUPPLIER:
        _increment(session, to_location.id, item_id, lot.id, new_owner, quantity)
    move = StockMove(
        from_location_id=from_location.id,
        to_location_id=to_location.id,
        item_id=item_id,
        lot_id=lot.id,
        quantity=quantity,
        owner_organisation_id=owner_id,
        to_owner_organisation_id=new_owner,
        reason=reason,
        document_number=(document_number or "").strip() or None,
        occurred_at=when,
        recorded_at=utcnow(),
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        reverses_move_id=reverses_move_id,
        shipment_id=shipment_id,
        loan_id=loan_id,
        assistance_flow_id=assistance_flow_id,
    )
    session.add(move)
    session.flush()
    if from_location.kind is not LocationKind.SUPPLIER and occurred_at is not None:
        _check_running_balance(session, move, from_location, lot)
    return move


def _audit_move(session: Session, actor: Actor, move: StockMove, action: str, reason: str | None = None) -> None:
    audit.record(
        session,
        actor,
        module=MODULE,
        action=action,
        entity_type="stock_move",
        entity_id=move.id,
        after=audit.snapshot(move),
        reason=reason,
    )


def _owner_for(session: Session, actor: Actor, owner: str | int | None, hub: Location) -> Organisation:
    if owner is not None and str(owner).strip():
        return resolve_owner(session, owner)
    fallback = actor.organisation_id or hub.operator_organisation_id
    if fallback is None:
        raise Invalid(
            "Say which organisation owns the stock (--owner)", details=[{"field": "owner", "reason": "missing"}]
        )
    org = session.get(Organisation, fallback)
    assert org is not None
    return org


def receive(
    session: Session,
    actor: Actor,
    *,
    hub: str | int,
    item: str,
    quantity: int,
    lot: str | None = None,
    expiry: dt.date | None = None,
    owner: str | int | None = None,
    flow_id: int | None = None,
    document_number: str | None = None,
    occurred_at: dt.datetime | None = None,
) -> StockMove:
    """Receive a donation or procurement at a hub: a move from the supplier location.

    The owner defaults to the actor's organisation, then the hub's operator. Raises ``NotFound`` for
    an unknown hub, item or owner, ``Invalid`` for a bad quantity, an expired lot or a lot whose
    expiry differs, ``Forbidden`` unless ``actor`` coordinates hubs or edits for the owner.
    """
    lock_for_writes(session)
    check_quantity(quantity)
    location = resolve_hub(session, hub)
    found = resolve_item(session, item)
    org = _owner_for(session, actor, owner, location)
    actor.require_write(MODULE, org.id)
    if flow_id is not None:
        _check_in_kind_flow(session, flow_id)
    if expiry is not None and is_expired(expiry, _aware(occurred_at).date()):
        raise Invalid(
            f"Lot {lot} expired on {expiry}: expired goods are not received into stock",
            details=[{"field": "expiry", "value": str(expiry), "reason": "expired lot"}],
        )
    row = _lot_for_receipt(session, found, lot, expiry)
    if is_expired(row.expires_on, _aware(occurred_at).date()):
        raise Invalid(
            f"Lot {row.code} expired on {row.expires_on}: expired goods are not received into stock",
            details=[{"field": "lot", "value": row.code, "reason": "expired lot"}],
        )
    move = apply_move(
        session,
        actor,
        from_location=virtual_location(session, LocationKind.SUPPLIER),
        to_location=location,
        item_id=found.id,
        lot=row,
        quantity=quantity,
        owner_id=org.id,
        reason=MoveReason.RECEIPT,
        document_number=document_number,
        occurred_at=occurred_at,
        assistance_flow_id=flow_id,
    )
    _audit_move(session, actor, move, "receive")
    return move


IN_KIND = "in-kind"


def _check_in_kind_flow(session: Session, flow_id: int) -> None:
    """A receipt may only point at an in-kind assistance flow that exists in the ledger."""
    try:
        version = assistance.current_version(session, flow_id)
    except NotFound:
        raise Invalid(
            f"Assistance flow {flow_id} does not exist",
            details=[{"field": "flow", "value": flow_id, "reason": "unknown assistance flow"}],
        ) from None
    if version.modality.value != IN_KIND:
        raise Invalid(
            f"Assistance flow {flow_id} is {version.modality.value}, not in-kind goods, which receipts fulfil",
            details=[{"field": "flow", "value": flow_id, "reason": f"modality {version.modality.value}"}],
        )


def available_stock(
    session: Session, location: Location, item: Item, *, owner_id: int | None = None, lock: bool = False
) -> list[Available]:
    """What is on hand of ``item`` at ``location`` per lot and owner; with ``lock``, rows are locked
    (PostgreSQL ``FOR UPDATE``, in id order so that racing dispatches never deadlock)."""
    query = (
        select(
            StockBalance.id, Lot.id, Lot.code, Lot.expires_on, StockBalance.owner_organisation_id, StockBalance.quantity
        )
        .join(Lot, Lot.id == StockBalance.lot_id)
        .where(StockBalance.location_id == location.id, StockBalance.item_id == item.id, StockBalance.quantity > 0)
        .order_by(StockBalance.id)
    )
    if owner_id is not None:
        query = query.where(StockBalance.owner_organisation_id == owner_id)
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=StockBalance)
    return [
        Available(lot_id=lot_id, lot_code=code, expires_on=expires, owner_id=owner, quantity=quantity)
        for _id, lot_id, code, expires, owner, quantity in session.execute(query).all()
    ]


def plan_pick(
    session: Session,
    actor: Actor,
    location: Location,
    item: Item,
    quantity: int,
    *,
    lot: str | None = None,
    owner: str | int | None = None,
    lock: bool = False,
    today: dt.date | None = None,
) -> Pick:
    """Pick ``quantity`` of ``item`` at ``location`` first-expiry-first-out, without moving anything.

    Editors pick only their organisation's stock; coordinators any owner's (or ``owner``'s). With
    ``lot`` only that lot is picked; an expired lot is refused with ``Invalid``.
    """
    check_quantity(quantity)
    day = today or utcnow().date()
    owner_id: int | None = None
    if owner is not None and str(owner).strip():
        owner_id = resolve_owner(session, owner).id
    elif not actor.coordinates(MODULE):
        owner_id = actor.organisation_id
    candidates = available_stock(session, location, item, owner_id=owner_id, lock=lock)
    if lot is not None and lot.strip():
        chosen = find_lot(session, item, lot)
        if is_expired(chosen.expires_on, day):
            raise Invalid(
                f"Lot {chosen.code} of {item.code} expired on {chosen.expires_on} and cannot be dispatched",
                details=[{"field": "lot", "value": chosen.code, "reason": "expired lot"}],
            )
        candidates = [c for c in candidates if c.lot_id == chosen.id]
    return fefo(candidates, quantity, today=day)


def refuse_shortfall(pick: Pick, location: Location, item: Item) -> None:
    """Raise ``InsufficientStock`` naming the shortfall when ``pick`` does not cover what was asked."""
    if pick.shortfall <= 0:
        return
    raise InsufficientStock(
        f"Only {pick.usable} {item.code} usable at {location.name}; {pick.requested} asked, short by {pick.shortfall}",
        details={
            "location": location.name,
            "item": item.code,
            "available": pick.usable,
            "requested": pick.requested,
            "shortfall": pick.shortfall,
        },
    )


def write_off(
    session: Session,
    actor: Actor,
    *,
    hub: str | int,
    item: str,
    lot: str | None,
    quantity: int,
    owner: str | int,
    to: LocationKind,
    reason: str,
    occurred_at: dt.datetime | None = None,
) -> StockMove:
    """Move stock to damaged, expired, lost or consumed, with a reason. Raises ``Invalid`` for another
    destination or an empty reason, ``InsufficientStock`` above the lot's balance."""
    lock_for_writes(session)
    if to not in (LocationKind.DAMAGED, LocationKind.EXPIRED, LocationKind.LOST, LocationKind.CONSUMED):
        raise Invalid(f"Stock cannot be written off to {to}", details=[{"field": "to", "value": str(to)}])
    if not reason.strip():
        raise Invalid("Say why the stock is written off", details=[{"field": "reason", "reason": "missing"}])
    location = resolve_hub(session, hub)
    found = resolve_item(session, item)
    org = resolve_owner(session, owner)
    actor.require_write(MODULE, org.id)
    kind_reason = {
        LocationKind.DAMAGED: MoveReason.DAMAGE,
        LocationKind.EXPIRED: MoveReason.EXPIRY,
        LocationKind.LOST: MoveReason.LOSS,
        LocationKind.CONSUMED: MoveReason.CONSUMPTION,
    }[to]
    move = apply_move(
        session,
        actor,
        from_location=location,
        to_location=virtual_location(session, to),
        item_id=found.id,
        lot=find_lot(session, found, lot),
        quantity=quantity,
        owner_id=org.id,
        reason=kind_reason,
        occurred_at=occurred_at,
    )
    _audit_move(session, actor, move, "write_off", reason)
    return move


def reverse_move(session: Session, actor: Actor, move_id: int, reason: str) -> StockMove:
    """Correct a move with its exact opposite. Raises ``NotFound``, ``Conflict`` when it was reversed
    already or is itself a reversal, ``InsufficientStock`` when the goods have moved on meanwhile."""
    lock_for_writes(session)
    original = session.get(StockMove, move_id)
    if original is None:
        raise NotFound(f"Stock move {move_id} does not exist")
    actor.require_write(MODULE, original.owner_organisation_id)
    if not reason.strip():
        raise Invalid("Say why the move is reversed", details=[{"field": "reason", "reason": "missing"}])
    if original.reverses_move_id is not None:
        raise Conflict(f"Move {move_id} is a reversal; record a new move instead")
    existing = session.scalar(select(StockMove).where(StockMove.reverses_move_id == move_id))
    if existing is not None:
        raise Conflict(f"Move {move_id} was reversed by move {existing.id}", details={"existing_id": existing.id})
    source = session.get(Location, original.to_location_id)
    target = session.get(Location, original.from_location_id)
    lot = session.get(Lot, original.lot_id)
    assert source is not None
    assert target is not None
    assert lot is not None
    move = apply_move(
        session,
        actor,
        from_location=source,
        to_location=target,
        item_id=original.item_id,
        lot=lot,
        quantity=original.quantity,
        owner_id=original.to_owner_organisation_id,
        to_owner_id=original.owner_organisation_id,
        reason=MoveReason.REVERSAL,
        document_number=original.document_number,
        shipment_id=original.shipment_id,
        reverses_move_id=original.id,
    )
    _audit_move(session, actor, move, "reverse_move", reason)
    return move


def lend(
    session: Session,
    actor: Actor,
    *,
    hub: str | int,
    item: str,
    quantity: int,
    lender: str | int,
    borrower: str | int,
    expected_return_on: dt.date | None = None,
    note: str | None = None,
) -> Loan:
    """Lend stock to another partner in the same hub: ownership moves, first-expiry-first-out, the goods stay.

    Raises ``Forbidden`` unless ``actor`` coordinates hubs or edits for the lender, ``Invalid`` when
    lender and borrower are the same, ``InsufficientStock`` above the lender's usable stock.
    """
    lock_for_writes(session)
    check_quantity(quantity)
    location = resolve_hub(session, hub)
    found = resolve_item(session, item)
    giver, taker = resolve_owner(session, lender), resolve_owner(session, borrower)
    actor.require_write(MODULE, giver.id)
    if giver.id == taker.id:
        raise Invalid("A loan needs two different organisations", details=[{"field": "borrower"}])
    pick = plan_pick(session, actor, location, found, quantity, owner=giver.id, lock=True)
    refuse_shortfall(pick, location, found)
    loan = Loan(
        hub_id=location.id,
        item_id=found.id,
        quantity=quantity,
        lender_organisation_id=giver.id,
        borrower_organisation_id=taker.id,
        expected_return_on=expected_return_on,
        returned_quantity=0,
        note=note,
    )
    session.add(loan)
    session.flush()
    for line in pick.lines:
        apply_move(
            session,
            actor,
            from_location=location,
            to_location=location,
            item_id=found.id,
            lot=_lot(session, line.lot_id),
            quantity=line.quantity,
            owner_id=giver.id,
            to_owner_id=taker.id,
            reason=MoveReason.LOAN,
            loan_id=loan.id,
        )
    audit.record(
        session,
        actor,
        module=MODULE,
        action="lend",
        entity_type="loan",
        entity_id=loan.id,
        after=audit.snapshot(loan),
    )
    return loan


def _lot(session: Session, lot_id: int) -> Lot:
    lot = session.get(Lot, lot_id)
    assert lot is not None
    return lot


# --- reading --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StockRow:
    hub_id: int
    hub: str
    country: str | None
    item: str
    item_name: str
    lot: str
    expiry: dt.date | None
    owner_id: int
    owner: str
    quantity: int


def stock_on_hand(
    session: Session, *, hub: str | int | None = None, item: str | None = None, owner: str | int | None = None
) -> list[StockRow]:
    """Stock on hand at hubs and bins by location, item, lot and owner; anyone may read."""
    query = (
        select(
            Location.id,
            Location.name,
            Location.country_code,
            Item.code,
            Item.name,
            Lot.code,
            Lot.expires_on,
            Organisation.id,
            Organisation.name,
            StockBalance.quantity,
        )
        .join(Location, Location.id == StockBalance.location_id)
        .join(Item, Item.id == StockBalance.item_id)
        .join(Lot, Lot.id == StockBalance.lot_id)
        .join(Organisation, Organisation.id == StockBalance.owner_organisation_id)
        .where(StockBalance.quantity > 0, Location.kind.in_((LocationKind.HUB, LocationKind.BIN)))
        .order_by(Location.name, Item.code, Lot.expires_on, Lot.code, Organisation.name)
    )
    if hub is not None and str(hub).strip():
        location = resolve_hub(session, hub)
        query = query.where(or_(Location.id == location.id, Location.parent_id == location.id))
    if item:
        query = query.where(Item.id == resolve_item(session, item).id)
    if owner is not None and str(owner).strip():
        query = query.where(Organisation.id == resolve_owner(session, owner).id)
    return [
        StockRow(hub_id=a, hub=b, country=c, item=d, item_name=e, lot=f, expiry=g, owner_id=h, owner=i, quantity=j)
        for a, b, c, d, e, f, g, h, i, j in session.execute(query).all()
    ]


def balances_from_moves(session: Session) -> dict[tuple[int, int, int, int], int]:
    """Balances recomputed from the ledger alone (supplier left out): what the balance table must equal."""
    totals: dict[tuple[int, int, int, int], int] = {}
    supplier = virtual_location(session, LocationKind.SUPPLIER).id
    rows = session.execute(
        select(
            StockMove.from_location_id,
            StockMove.to_location_id,
            StockMove.item_id,
            StockMove.lot_id,
            StockMove.owner_organisation_id,
            StockMove.to_owner_organisation_id,
            StockMove.quantity,
        )
    ).all()
    for from_id, to_id, item_id, lot_id, owner, to_owner, quantity in rows:
        if from_id != supplier:
            key = (from_id, item_id, lot_id, owner)
            totals[key] = totals.get(key, 0) - quantity
        if to_id != supplier:
            key = (to_id, item_id, lot_id, to_owner)
            totals[key] = totals.get(key, 0) + quantity
    return {k: v for k, v in totals.items() if v != 0}


def stored_balances(session: Session) -> dict[tuple[int, int, int, int], int]:
    rows = session.execute(
        select(
            StockBalance.location_id,
            StockBalance.item_id,
            StockBalance.lot_id,
            StockBalance.owner_organisation_id,
            StockBalance.quantity,
        ).where(StockBalance.quantity != 0)
    ).all()
    return {(a, b, c, d): q for a, b, c, d, q in rows}


def moves_of(session: Session, *, shipment_id: int | None = None, limit: int = 200) -> Sequence[StockMove]:
    query = select(StockMove).order_by(StockMove.id.desc()).limit(limit)
    if shipment_id is not None:
        query = query.where(StockMove.shipment_id == shipment_id)
    return session.scalars(query).all()
