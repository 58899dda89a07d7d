"""Demo organisations: the ones the mission names. (The registry issue extends this list.)"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.errors import NotFound
from solidarity.partners import service
from solidarity.partners.models import OrganisationType
from solidarity.partners.schemas import OrganisationCreate

DEMO_ORGANISATIONS: tuple[tuple[str, OrganisationCreate], ...] = (
    (
        "WHO",
        OrganisationCreate(name="World Health Organization", acronym="WHO", type=OrganisationType.UN_AGENCY),
    ),
)


@dataclass
class DemoOrganisations:
    ids: dict[str, int]
    created: int


def load(session: Session, actor: Actor) -> DemoOrganisations:
    ids: dict[str, int] = {}
    created = 0
    for key, data in DEMO_ORGANISATIONS:
        try:
            ids[key] = service.resolve_organisation(session, data.name).id
        except NotFound:
            ids[key] = service.create_organisation(session, actor, data).id
            created += 1
    return DemoOrganisations(ids=ids, created=created)
