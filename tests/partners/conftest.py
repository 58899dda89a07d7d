from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor, Role
from solidarity.audit.models import AuditEntry
from solidarity.db import transaction
from solidarity.partners import service
from solidarity.partners.models import Organisation, OrganisationName, OrganisationType
from solidarity.partners.schemas import OrganisationCreate
from tests.cli.conftest import cli
from tests.conftest import Person

__all__ = ["cli"]

SYSTEM = Actor.system("test")


@pytest.fixture
def register(db: sessionmaker[Session]) -> Callable[..., int]:
    """Register an organisation through the service as an admin; returns its id."""

    def make(name: str, type: OrganisationType = OrganisationType.NGO, **fields: object) -> int:
        with transaction(db) as session:
            return service.create_organisation(
                session, SYSTEM, OrganisationCreate.model_validate({"name": name, "type": type, **fields})
            ).id

    return make


@pytest.fixture
def coordinator(make_person: Callable[..., Person]) -> Person:
    return make_person(Role.COORDINATOR, modules=["partners"])


def counts(db: sessionmaker[Session]) -> tuple[int, int, int]:
    """Organisations, names and audit rows: what a refused write must leave unchanged."""
    with transaction(db) as session:
        return (
            session.scalar(select(func.count()).select_from(Organisation)) or 0,
            session.scalar(select(func.count()).select_from(OrganisationName)) or 0,
            session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
        )
