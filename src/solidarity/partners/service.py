"""The partners registry's verbs. (Minimal core; the registry issue extends it.)"""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.audit import service as audit
from solidarity.errors import Conflict, NotFound
from solidarity.partners.models import Organisation
from solidarity.partners.schemas import OrganisationCreate


def create_organisation(session: Session, actor: Actor, data: OrganisationCreate) -> Organisation:
    """Register an organisation; ``Conflict`` with the existing id when the name is taken."""
    actor.require_write("partners", None)
    existing = session.scalar(
        select(Organisation).where(func.lower(Organisation.name) == data.name.strip().lower())
    )
    if existing is not None:
        raise Conflict(
            f"Organisation {data.name!r} exists already (id {existing.id})",
            details={"existing_id": existing.id},
        )
    org = Organisation(
        name=data.name.strip(),
        acronym=data.acronym,
        type=data.type,
        country_code=data.country,
        parent_id=data.parent_id,
        website=data.website,
        description=data.description,
    )
    session.add(org)
    session.flush()
    audit.record(
        session,
        actor,
        module="partners",
        action="create_organisation",
        entity_type="organisation",
        entity_id=org.id,
        after=audit.snapshot(org),
    )
    return org


def resolve_organisation(session: Session, text: str) -> Organisation:
    """The organisation with this id, name or acronym; ``NotFound`` otherwise."""
    text = text.strip()
    if text.isdigit():
        org = session.get(Organisation, int(text))
    else:
        lowered = text.lower()
        org = session.scalars(
            select(Organisation).where(
                or_(func.lower(Organisation.name) == lowered, func.lower(Organisation.acronym) == lowered)
            )
        ).first()
    if org is None:
        raise NotFound(f"No organisation {text!r}")
    return org
