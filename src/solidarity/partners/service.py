"""The partners registry's verbs for organisations: register, edit, find and search.

Names and aliases are unique across the registry after normalisation (``names.name_key``);
acronyms only within a country, because different countries each have their "MOH". The
database enforces both through ``organisation_names``, so two concurrent registrations of the
same name cannot both succeed; the loser gets the same ``Conflict`` as a sequential duplicate.
Networks and joint actions live in ``partners.networks``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from solidarity.actor import Actor
from solidarity.audit import service as audit
from solidarity.errors import Conflict, Invalid, NotFound
from solidarity.partners.models import (
    JointAction,
    NameKind,
    NetworkMembership,
    Organisation,
    OrganisationName,
    OrganisationType,
)
from solidarity.partners.names import acronym_key, clean_display, name_key
from solidarity.partners.schemas import OrganisationCreate, OrganisationUpdate
from solidarity.reference.countries import resolve_country

MODULE = "partners"
NAMES_NAMESPACE = "*"
T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing and the number of rows across all pages."""

    items: list[T]
    count: int


@dataclass(frozen=True)
class SearchHit:
    organisation: Organisation
    matched: str
    matched_kind: NameKind
    rank: int
    """0 the whole name matched, 1 it starts with the query, 2 it contains it."""


@dataclass(frozen=True)
class _Name:
    kind: NameKind
    text: str
    key: str
    namespace: str


def country_code(text: str | None, *, field: str = "country") -> str | None:
    """The alpha-2 code for an alpha-2, alpha-3 code or name; ``None`` for blank; ``Invalid`` if unknown."""
    if text is None or not text.strip():
        return None
    return resolve_country(text, field=field).alpha2


def acronym_namespace(country: str | None) -> str:
    return f"acronym:{country or ''}"


def _wanted_names(name: str, acronym: str | None, country: str | None, aliases: Iterable[str]) -> list[_Name]:
    """The name rows an organisation should have; aliases repeating the name or each other are dropped."""
    key = name_key(name)
    if not key:
        raise Invalid(f"Name {name!r} has no letters or digits", details=[{"field": "name", "value": name}])
    wanted = [_Name(NameKind.NAME, name, key, NAMES_NAMESPACE)]
    seen = {key}
    for raw in aliases:
        alias = clean_display(raw)
        if not alias:
            continue
        alias_key = name_key(alias)
        if not alias_key or len(alias) > 300:
            raise Invalid(
                f"Alias {alias!r} must have letters or digits and at most 300 characters",
                details=[{"field": "aliases", "value": alias}],
            )
        if alias_key not in seen:
            seen.add(alias_key)
            wanted.append(_Name(NameKind.ALIAS, alias, alias_key, NAMES_NAMESPACE))
    if acronym:
        short = acronym_key(acronym)
        if not short:
            raise Invalid(
                f"Acronym {acronym!r} has no letters or digits",
                details=[{"field": "acronym", "value": acronym}],
            )
        wanted.append(_Name(NameKind.ACRONYM, acronym, short, acronym_namespace(country)))
    return wanted


def _refuse_taken(session: Session, wanted: list[_Name], own_id: int | None) -> None:
    """Raise ``Conflict`` naming the existing organisation if another one holds any wanted name."""
    for candidate in wanted:
        query = select(OrganisationName).where(
            OrganisationName.namespace == candidate.namespace, OrganisationName.key == candidate.key
        )
        if own_id is not None:
            query = query.where(OrganisationName.organisation_id != own_id)
        taken = session.scalar(query)
        if taken is None:
            continue
        existing = taken.organisation
        if candidate.kind is NameKind.ACRONYM:
            where = f"in {existing.country_code}" if existing.country_code else "without a country"
            message = (
                f"Organisation with acronym {candidate.text!r} {where} exists already "
                f"(id {existing.id}: {existing.name})"
            )
        else:
            message = f"Organisation {candidate.text!r} exists already (id {existing.id})"
            if taken.kind is not NameKind.NAME or taken.name != candidate.text:
                message += f": it matches the {taken.kind.value} {taken.name!r} of {existing.name!r}"
        raise Conflict(
            message,
            details={
                "existing_id": existing.id,
                "matched": taken.name,
                "matched_kind": taken.kind.value,
                "field": "aliases" if candidate.kind is NameKind.ALIAS else candidate.kind.value,
            },
        )


def _store_names(session: Session, org: Organisation, wanted: list[_Name]) -> None:
    """Make the organisation's name rows exactly ``wanted`` and flush, turning a lost race into ``Conflict``."""
    by_slot = {(n.namespace, n.key): n for n in org.names}
    keep = {(w.namespace, w.key) for w in wanted}
    for slot, row in by_slot.items():
        if slot not in keep:
            org.names.remove(row)
    for w in wanted:
        kept = by_slot.get((w.namespace, w.key))
        if kept is None:
            org.names.append(OrganisationName(kind=w.kind, name=w.text, key=w.key, namespace=w.namespace))
        else:
            kept.kind, kept.name = w.kind, w.text
    session.flush()


def _write_names(session: Session, org: Organisation, wanted: list[_Name], *, is_new: bool) -> None:
    """Write the organisation and its names inside a savepoint.

    The check before it catches ordinary duplicates; this catches a concurrent transaction that
    committed the same key in between (PostgreSQL then raises a unique violation here).
    """
    try:
        with session.begin_nested():
            if is_new:
                session.add(org)
                session.flush()
            _store_names(session, org, wanted)
    except IntegrityError:
        _refuse_taken(session, wanted, None if is_new else org.id)
        raise Conflict(
            f"Organisation {org.name!r} could not be saved: a record was changed at the same time; try again",
            details={"existing_id": None},
        ) from None


def _check_parent(session: Session, parent_id: int | None, own_id: int | None) -> None:
    if parent_id is None:
        return
    parent = session.get(Organisation, parent_id)
    if parent is None:
        raise Invalid(
            f"Parent organisation {parent_id} does not exist",
            details=[{"field": "parent_id", "value": parent_id}],
        )
    seen: set[int] = set()
    while parent is not None and parent.id not in seen:
        if parent.id == own_id:
            raise Invalid(
                f"Organisation {own_id} cannot be its own parent or ancestor",
                details=[{"field": "parent_id", "value": parent_id}],
            )
        seen.add(parent.id)
        parent = parent.parent


def snapshot(org: Organisation) -> dict[str, Any]:
    """The audit view of an organisation: its columns and its aliases."""
    return audit.snapshot(org) | {"aliases": org.aliases}


def create_organisation(session: Session, actor: Actor, data: OrganisationCreate) -> Organisation:
    """Register an organisation with its aliases.

    Raises ``Forbidden`` unless ``actor`` is an admin or a partners coordinator; ``Invalid`` for an
    unknown country or parent; ``Conflict`` (details ``existing_id``, ``matched``) when the name
    or an alias matches another organisation's name or alias, or the acronym is taken in the
    same country.
    """
    actor.require_write(MODULE, None)
    name = clean_display(data.name)
    country = country_code(data.country)
    acronym = clean_display(data.acronym) if data.acronym else None
    wanted = _wanted_names(name, acronym, country, data.aliases)
    _refuse_taken(session, wanted, None)
    _check_parent(session, data.parent_id, None)
    org = Organisation(
        name=name,
        acronym=acronym,
        type=data.type,
        country_code=country,
        parent_id=data.parent_id,
        website=data.website,
        description=data.description,
    )
    _write_names(session, org, wanted, is_new=True)
    audit.record(
        session,
        actor,
        module=MODULE,
        action="create_organisation",
        entity_type="organisation",
        entity_id=org.id,
        after=snapshot(org),
    )
    return org


def update_organisation(session: Session, actor: Actor, org_id: int, data: OrganisationUpdate) -> Organisation:
    """Change the fields sent in ``data`` (aliases: the whole new list).

    Raises ``NotFound``; ``Forbidden`` unless ``actor`` coordinates partners or is an editor of
    this very organisation; ``Invalid`` for a bad country, a parent loop, or a network type
    removed while it has members; ``Conflict`` as ``create_organisation`` does.
    """
    org = get_organisation(session, org_id)
    actor.require_write(MODULE, org.id)
    before = snapshot(org)
    sent = data.model_fields_set
    if "name" in sent:
        if data.name is None:
            raise Invalid("An organisation needs a name", details=[{"field": "name", "value": None}])
        org.name = clean_display(data.name)
    if "type" in sent:
        if data.type is None:
            raise Invalid("An organisation needs a type", details=[{"field": "type", "value": None}])
        if org.type is OrganisationType.NETWORK and data.type is not OrganisationType.NETWORK:
            _refuse_if_network_in_use(session, org)
        org.type = data.type
    if "acronym" in sent:
        org.acronym = clean_display(data.acronym) if data.acronym else None
    if "country" in sent:
        org.country_code = country_code(data.country)
    if "parent_id" in sent:
        _check_parent(session, data.parent_id, org.id)
        org.parent_id = data.parent_id
    if "website" in sent:
        org.website = data.website
    if "description" in sent:
        org.description = data.description
    aliases = data.aliases if "aliases" in sent and data.aliases is not None else org.aliases
    wanted = _wanted_names(org.name, org.acronym, org.country_code, aliases)
    _refuse_taken(session, wanted, org.id)
    _write_names(session, org, wanted, is_new=False)
    session.refresh(org, ["parent"])
    after = snapshot(org)
    if {k: v for k, v in after.items() if k != "updated_at"} != {k: v for k, v in before.items() if k != "updated_at"}:
        audit.record(
            session,
            actor,
            module=MODULE,
            action="update_organisation",
            entity_type="organisation",
            entity_id=org.id,
            before=before,
            after=after,
        )
    return org


def add_alias(session: Session, actor: Actor, org_id: int, alias: str) -> Organisation:
    """Add one alias to an organisation; the same rules and errors as ``update_organisation``."""
    org = get_organisation(session, org_id)
    return update_organisation(session, actor, org.id, OrganisationUpdate(aliases=[*org.aliases, alias]))


def _refuse_if_network_in_use(session: Session, org: Organisation) -> None:
    members = session.scalar(
        select(func.count()).select_from(NetworkMembership).where(NetworkMembership.network_id == org.id)
    )
    actions = session.scalar(select(func.count()).select_from(JointAction).where(JointAction.network_id == org.id))
    if members or actions:
        raise Invalid(
            f"{org.name} has {members} members and {actions} joint actions; it must stay a network",
            details=[{"field": "type", "value": org.type.value, "reason": "network in use"}],
        )


def get_organisation(session: Session, org_id: int) -> Organisation:
    """The organisation with this id; ``NotFound`` otherwise."""
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound(f"Organisation {org_id} does not exist")
    return org


def resolve_organisation(session: Session, text: str) -> Organisation:
    """The organisation with this id, name, alias or acronym; ``NotFound`` otherwise.

    An acronym that several organisations share (two countries' "MOH") raises ``Invalid``
    listing them, so a script never silently picks the wrong one.
    """
    text = text.strip()
    if text.isdigit():
        return get_organisation(session, int(text))
    key = name_key(text)
    row = session.scalar(
        select(OrganisationName).where(OrganisationName.namespace == NAMES_NAMESPACE, OrganisationName.key == key)
    )
    if row is not None:
        return row.organisation
    acronyms = session.scalars(
        select(OrganisationName).where(
            OrganisationName.kind == NameKind.ACRONYM, OrganisationName.key == acronym_key(text)
        )
    ).all()
    if len(acronyms) == 1:
        return acronyms[0].organisation
    if len(acronyms) > 1:
        choices = "; ".join(
            f"id {r.organisation.id} {r.organisation.name} ({r.organisation.country_code or 'no country'})"
            for r in acronyms
        )
        raise Invalid(
            f"Acronym {text!r} is shared by several organisations: {choices}; give the id or the name",
            details=[{"field": "organisation", "value": text, "reason": "ambiguous acronym"}],
        )
    # Records written straight to the table (fixtures, old imports) have no keys yet.
    org = session.scalars(select(Organisation).where(func.lower(Organisation.name) == text.lower())).first()
    if org is None:
        raise NotFound(f"No organisation {text!r}")
    return org


def _match_conditions(q: str) -> tuple[ColumnElement[bool], ColumnElement[int]] | None:
    """The filter and the rank (0 exact, 1 prefix, 2 contains) of name rows matching ``q``."""
    full, short = name_key(q), acronym_key(q)
    if not full:
        return None
    is_acronym = OrganisationName.kind == NameKind.ACRONYM
    key = OrganisationName.key
    exact = or_(key == full, and_(is_acronym, key == short))
    prefix = or_(key.like(f"{full}%"), and_(is_acronym, key.like(f"{short}%")))
    contains = or_(key.like(f"%{full}%"), and_(is_acronym, key.like(f"%{short}%")))
    return contains, case((exact, 0), (prefix, 1), else_=2)


def list_organisations(
    session: Session,
    *,
    type: OrganisationType | None = None,
    country: str | None = None,
    q: str | None = None,
    parent_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[Organisation]:
    """Organisations matching the filters, by name; with ``q``, best matches first (see ``search``).

    ``country`` takes a code or a name (``Invalid`` if unknown); anyone may list.
    """
    query = select(Organisation)
    order: list[Any] = []
    if q and q.strip():
        match = _match_conditions(q)
        if match is None:
            return Page(items=[], count=0)
        contains, rank = match
        ranked = (
            select(OrganisationName.organisation_id, func.min(rank).label("rank"))
            .where(contains)
            .group_by(OrganisationName.organisation_id)
            .subquery()
        )
        query = query.join(ranked, ranked.c.organisation_id == Organisation.id)
        order.append(ranked.c.rank)
    if type is not None:
        query = query.where(Organisation.type == type)
    if country:
        query = query.where(Organisation.country_code == country_code(country))
    if parent_id is not None:
        query = query.where(Organisation.parent_id == parent_id)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order += [func.lower(Organisation.name), Organisation.id]
    rows = session.scalars(
        query.options(selectinload(Organisation.names), selectinload(Organisation.parent))
        .order_by(*order)
        .limit(limit)
        .offset(offset)
    ).all()
    return Page(items=list(rows), count=count)


def _rank_of(row: OrganisationName, full: str, short: str) -> int | None:
    # The same rule as _match_conditions, applied to one loaded row to say which name matched.
    keys = [full, short] if row.kind is NameKind.ACRONYM else [full]
    if row.key in keys:
        return 0
    if any(row.key.startswith(k) for k in keys):
        return 1
    if any(k in row.key for k in keys):
        return 2
    return None


def search(session: Session, q: str, *, limit: int = 20) -> list[SearchHit]:
    """Organisations whose name, acronym or alias matches ``q``, ranked exact > prefix > contains.

    Matching ignores case, accents, apostrophes, dashes and punctuation; each hit says which of
    the organisation's names matched.
    """
    page = list_organisations(session, q=q, limit=limit)
    full, short = name_key(q), acronym_key(q)
    hits = []
    for org in page.items:
        ranked = [(rank, n) for n in org.names if (rank := _rank_of(n, full, short)) is not None]
        rank, best = min(ranked, key=lambda pair: (pair[0], pair[1].id))
        hits.append(SearchHit(organisation=org, matched=best.name, matched_kind=best.kind, rank=rank))
    return hits


def children(session: Session, org_id: int) -> list[Organisation]:
    """The organisations whose parent is ``org_id``, by name."""
    return list(
        session.scalars(
            select(Organisation).where(Organisation.parent_id == org_id).order_by(func.lower(Organisation.name))
        )
    )


def countries_in_use(session: Session) -> list[str]:
    """The alpha-2 codes that registered organisations have, sorted: the choices of a country filter."""
    return list(
        session.scalars(
            select(Organisation.country_code)
            .where(Organisation.country_code.is_not(None))
            .distinct()
            .order_by(Organisation.country_code)
        )
    )
