"""Hubs fixtures: a hub, two partner organisations owning stock in it, and a hubs coordinator."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor, Role
from solidarity.assistance import service as assistance
from solidarity.assistance.schemas import FlowCreate
from solidarity.db import transaction
from solidarity.hubs import ledger, locations
from solidarity.partners import service as partners_service
from solidarity.partners.models import OrganisationType
from solidarity.partners.schemas import OrganisationCreate
from tests.cli.conftest import cli

__all__ = ["cli"]

SYSTEM = Actor.system("test")


@dataclass
class Depot:
    hub_id: int
    wfp: int
    unicef: int


@pytest.fixture
def depot(db: sessionmaker[Session]) -> Depot:
    with transaction(db) as session:
        wfp = partners_service.create_organisation(
            session,
            SYSTEM,
            OrganisationCreate(name="World Food Programme", acronym="WFP", type=OrganisationType.UN_AGENCY),
        ).id
        unicef = partners_service.create_organisation(
            session, SYSTEM, OrganisationCreate(name="UNICEF", acronym="UNICEF", type=OrganisationType.UN_AGENCY)
        ).id
        hub = locations.create_hub(
            session, SYSTEM, name="Guangzhou", country="CN", city="Guangzhou", operator_organisation_id=wfp
        )
        return Depot(hub_id=hub.id, wfp=wfp, unicef=unicef)


@pytest.fixture
def receive(db: sessionmaker[Session], depot: Depot) -> Callable[..., int]:
    """Receive stock as the system operator; returns the move id."""

    def run(item: str = "VENT-ICU", quantity: int = 10, **kwargs: object) -> int:
        kwargs.setdefault("owner", depot.wfp)
        with transaction(db) as session:
            return ledger.receive(session, SYSTEM, hub=depot.hub_id, item=item, quantity=quantity, **kwargs).id  # type: ignore[arg-type]

    return run


@pytest.fixture
def coordinator(make_person: Callable[..., object]) -> Actor:
    person = make_person(Role.COORDINATOR, modules=["hubs"])
    actor = person.actor
    assert isinstance(actor, Actor)
    return actor


@dataclass
class Flows:
    """Two real assistance flows to the depot's operator: ventilators in kind, and money."""

    in_kind: int
    financial: int


@pytest.fixture
def assistance_flows(db: sessionmaker[Session], depot: Depot) -> Flows:
    common = {
        "provider": "UNICEF",
        "receiver": "WFP",
        "channel": "multilateral",
        "stage": "delivery",
        "flow_date": dt.date(2020, 4, 30),
    }
    with transaction(db) as session:
        goods = assistance.record_flow(
            session,
            SYSTEM,
            FlowCreate.model_validate(
                common
                | {
                    "modality": "in-kind",
                    "items": [{"item": "VENT-ICU", "quantity": 12}],
                    "description": "Ventilators for the depot",
                }
            ),
        )
        money = assistance.record_flow(
            session,
            SYSTEM,
            FlowCreate.model_validate(
                common
                | {"modality": "financial", "amount": "1000", "currency": "USD", "description": "Cash for the depot"}
            ),
        )
        return Flows(in_kind=goods.flow_id, financial=money.flow_id)
