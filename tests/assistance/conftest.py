"""Fixtures for the assistance tests: demo organisations, and a flow builder with sensible defaults."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor
from solidarity.assistance import demo as assistance_demo
from solidarity.assistance.schemas import FlowCreate
from solidarity.db import transaction
from solidarity.partners import demo as partners_demo
from tests.cli.conftest import cli  # noqa: F401 - the CLI runner fixture

SYSTEM = Actor.system("test")


@pytest.fixture
def orgs(db: sessionmaker[Session]) -> dict[str, int]:
    """The partners demo organisations, by key (CN, WHO, IT, RS, CNIE ...)."""
    with transaction(db) as session:
        return partners_demo.load(session, SYSTEM).ids


@pytest.fixture
def demo(db: sessionmaker[Session], orgs: dict[str, int]) -> dict[str, int]:
    with transaction(db) as session:
        assistance_demo.load(session, SYSTEM)
    return orgs


@pytest.fixture
def flow() -> Callable[..., FlowCreate]:
    """``flow(provider_id, **changes)``: a USD disbursement of 1,000 with one source."""

    def make(provider: int, **changes: Any) -> FlowCreate:
        base: dict[str, Any] = {
            "provider": str(provider),
            "channel": "bilateral",
            "modality": "financial",
            "stage": "disbursement",
            "flow_date": dt.date(2020, 5, 4),
            "amount": Decimal("1000"),
            "currency": "USD",
            "description": "Test flow",
            "sources": [{"citation": "Test source"}],
        }
        base.update(changes)
        return FlowCreate.model_validate(base)

    return make
