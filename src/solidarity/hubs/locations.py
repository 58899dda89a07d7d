"""Hubs, their bins and the virtual locations; resolving hubs, items and owners from what users type."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.audit import service as audit
from solidarity.errors import Conflict, Invalid, NotFound
from solidarity.hubs.models import Location, LocationKind
from solidarity.partners import service as partners
from solidarity.partners.models import Organisation
from solidarity.reference import service as reference
from solidarity.reference.countries import resolve_country
from solidarity.reference.models import Item

MODULE = "hubs"

GLOBAL_VIRTUAL = {
    LocationKind.SUPPLIER: "Donors and suppliers",
    LocationKind.IN_TRANSIT: "In transit",
    LocationKind.LOST: "Lost",
    LocationKind.DAMAGED: "Damaged",
    LocationKind.EXPIRED: "Expired",
    LocationKind.CONSUMED: "Consumed",
}


def create_hub(
    session: Session,
    actor: Actor,
    *,
    name: str,
    country: str,
    city: str | None = None,
    operator_organisation_id: int | None = None,
) -> Location:
    """Register a hub (warehouse). Raises ``Forbidden`` unless ``actor`` coordinates hubs or edits for the
    operator, ``Invalid`` for an empty name or unknown country, ``Conflict`` for a taken name."""
    actor.require_write(MODULE, operator_organisation_id)
    name = name.strip()
    if not name:
        raise Invalid("Give the hub a name", details=[{"field": "name", "value": name}])
    found = resolve_country(country)
    if operator_organisation_id is not None:
        partners.get_organisation(session, operator_organisation_id)
    existing = session.scalar(select(Location).where(func.lower(Location.name) == name.lower()))
    if existing is not None:
        raise Conflict(f"A location named {existing.name!r} exists already", details={"existing_id": existing.id})
    hub = Location(
        kind=LocationKind.HUB,
        name=name,
        country_code=found.alpha2,
        city=(city or "").strip() or None,
        operator_organisation_id=operator_organisation_id,
    )
    session.add(hub)
    session.flush()
    audit.record(
        session,
        actor,
        module=MODULE,
        action="create_hub",
        entity_type="location",
        entity_id=hub.id,
        after=audit.snapshot(hub),
    )
    return hub


def create_bin(session: Session, actor: Actor, hub_ref: str | int, name: str) -> Location:
    """Add a bin (a shelf, a cold room) inside a hub; its stock counts towards the hub's."""
    hub = resolve_hub(session, hub_ref)
    actor.require_write(MODULE, hub.operator_organisation_id)
    full = f"{hub.name} / {name.strip()}"
    if session.scalar(select(Location).where(Location.name == full)) is not None:
        raise Conflict(f"Bin {full!r} exists already")
    row = Location(kind=LocationKind.BIN, name=full, country_code=hub.country_code, city=hub.city, parent_id=hub.id)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        module=MODULE,
        action="create_bin",
        entity_type="location",
        entity_id=row.id,
        after=audit.snapshot(row),
    )
    return row


def list_hubs(session: Session) -> list[Location]:
    return list(session.scalars(select(Location).where(Location.kind == LocationKind.HUB).order_by(Location.name)))


def resolve_hub(session: Session, ref: str | int) -> Location:
    """The hub or bin with this id or name (any case); ``NotFound`` otherwise."""
    text = str(ref).strip()
    kinds = (LocationKind.HUB, LocationKind.BIN)
    if text.isdigit():
        row = session.get(Location, int(text))
        if row is not None and row.kind in kinds:
            return row
    row = session.scalar(select(Location).where(func.lower(Location.name) == text.lower(), Location.kind.in_(kinds)))
    if row is None:
        known = ", ".join(h.name for h in list_hubs(session)) or "none yet"
        raise NotFound(f"No hub {text!r}; hubs: {known}", details=[{"field": "hub", "value": text}])
    return row


def virtual_location(session: Session, kind: LocationKind, country: str | None = None) -> Location:
    """The virtual location of ``kind`` (recipients are one per country), created when first needed."""
    if kind is LocationKind.RECIPIENT:
        if not country:
            raise Invalid("A recipient location needs a country", details=[{"field": "country"}])
        name = f"Recipients in {country}"
    else:
        name = GLOBAL_VIRTUAL[kind]
    row = session.scalar(select(Location).where(Location.name == name))
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = Location(kind=kind, name=name, country_code=country)
            session.add(row)
    except IntegrityError:  # another transaction created it a moment ago
        row = session.scalar(select(Location).where(Location.name == name))
        assert row is not None
    return row


def _words(text: str) -> list[str]:
    return [w[:-1] if len(w) > 3 and w.endswith("s") else w for w in re.findall(r"[a-z0-9]+", text.lower())]


def resolve_item(session: Session, ref: str) -> Item:
    """The catalogue item with this code, or whose name matches ``ref`` unambiguously.

    A name matches when it equals ``ref`` or contains every word of it (plurals count: ``ventilators``
    finds "Ventilator, intensive care"). Raises ``NotFound`` when nothing matches and ``Invalid``
    listing the candidates when several do.
    """
    text = ref.strip()
    if not text:
        raise Invalid("Give an item code or name", details=[{"field": "item", "value": ref}])
    found = session.scalar(select(Item).where(Item.code == text.upper()))
    if found is not None:
        return found
    items = reference.list_items(session)
    exact = [i for i in items if i.name.lower() == text.lower()]
    if len(exact) == 1:
        return exact[0]
    wanted = _words(text)
    matches = [i for i in items if all(w in _words(i.name) for w in wanted)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise NotFound(
            f"No catalogue item {text!r}: give a code such as VENT-ICU or see `solidarity reference items`",
            details=[{"field": "item", "value": text, "reason": "unknown item"}],
        )
    candidates = ", ".join(f"{i.code} ({i.name})" for i in matches)
    raise Invalid(
        f"Item {text!r} is ambiguous: {candidates}",
        details=[{"field": "item", "value": text, "reason": f"matches {len(matches)} items: {candidates}"}],
    )


def resolve_owner(session: Session, ref: str | int) -> Organisation:
    """The organisation with this id, name, acronym or alias; ``NotFound`` otherwise."""
    return partners.resolve_organisation(session, str(ref))
