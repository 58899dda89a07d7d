"""From plan to action: a plan from the hubs' submitted requests; approving it approves them and proposes shipments."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor, Role
from solidarity.allocation import service
from solidarity.audit.models import AuditEntry
from solidarity.cli.main import main
from solidarity.config import Settings
from solidarity.db import transaction
from solidarity.errors import Conflict, Forbidden, Invalid
from solidarity.hubs import ledger, locations, shipments
from solidarity.hubs import requests as hub_requests
from solidarity.hubs.models import RequestState, Shipment, ShipmentState
from solidarity.reference.models import Item
from tests.conftest import csrf_from, sign_in

SYSTEM = Actor.system("test")


def _setup(db: sessionmaker[Session], organisation: int) -> dict[str, int]:
    """Two hubs holding 15 ventilators and 100 surgical masks between them; three submitted requests."""
    with transaction(db) as session:
        gz = locations.create_hub(session, SYSTEM, name="Guangzhou", country="CN").id
        db_hub = locations.create_hub(session, SYSTEM, name="Dubai", country="AE").id
        ledger.receive(session, SYSTEM, hub=gz, item="VENT-ICU", quantity=10, owner=organisation)
        ledger.receive(session, SYSTEM, hub=db_hub, item="VENT-ICU", quantity=5, owner=organisation)
        ledger.receive(session, SYSTEM, hub=db_hub, item="MASK-SURG", quantity=100, owner=organisation)
        ids = {"gz": gz, "dubai": db_hub}
        for name, country, lines in (
            ("italy", "IT", [("VENT-ICU", 6), ("VENT-ICU", 4), ("MASK-SURG", 50)]),
            ("iraq", "IQ", [("VENT-ICU", 10)]),
            ("chile", "CL", [("MASK-N95", 5)]),  # no hub holds N95 masks
        ):
            request = hub_requests.create_request(
                session, SYSTEM, organisation=organisation, country=country, lines=lines
            )
            hub_requests.transition(session, SYSTEM, request.id, RequestState.SUBMITTED)
            ids[name] = request.id
    return ids


@pytest.fixture
def coordinator(make_person: Callable[..., Any]) -> Actor:
    actor = make_person(Role.COORDINATOR, modules=["allocation", "hubs"]).actor
    assert isinstance(actor, Actor)
    return actor


def _state(db: sessionmaker[Session]) -> dict[str, Any]:
    """Requests (state, approved quantities per item) and proposed shipment lines per (request, hub, item)."""
    with transaction(db) as session:
        codes = {item.id: item.code for item in session.scalars(select(Item))}
        requests: dict[int, tuple[str, dict[str, int]]] = {}
        for request in hub_requests.list_requests(session):
            approved: dict[str, int] = defaultdict(int)
            for line in request.lines:
                if line.approved_quantity is not None:
                    approved[codes[line.item_id]] += line.approved_quantity
            requests[request.id] = (request.state.value, dict(approved))
        shipped: dict[tuple[int | None, int, str], int] = defaultdict(int)
        states = set()
        for shipment in shipments.list_shipments(session):
            states.add(shipment.state)
            for line in shipment.lines:
                shipped[(shipment.request_id, shipment.hub_id, codes[line.item_id])] += line.quantity
        return {"requests": requests, "shipped": dict(shipped), "states": states}


@pytest.mark.parametrize("objective", ["maxmin", "proportional", "efficiency"])
def test_approving_a_plan_from_requests_sets_approved_quantities_and_proposes_shipments(
    db: sessionmaker[Session], organisation: int, coordinator: Actor, objective: str
) -> None:
    ids = _setup(db, organisation)
    with transaction(db) as session:
        row = service.plan_from_requests(session, coordinator, objective=objective)
        plan_id = row.id
        plan = row.plan
        assert {d["id"] for d in row.problem["destinations"]} == {f"request-{ids['italy']}", f"request-{ids['iraq']}"}
    received: dict[tuple[int, str], int] = defaultdict(int)
    lines: dict[tuple[int, int, str], int] = {}
    hub_ids = {"Guangzhou": ids["gz"], "Dubai": ids["dubai"]}
    for line in plan["allocations"]:
        if line["quantity"]:
            request_id = int(line["destination"].removeprefix("request-"))
            received[(request_id, line["item"])] += line["quantity"]
            lines[(request_id, hub_ids[line["hub"]], line["item"])] = line["quantity"]
    assert sum(q for (_, item), q in received.items() if item == "VENT-ICU") == 15

    with transaction(db) as session:
        approved = service.approve_plan(session, coordinator, plan_id)
        assert approved.plan["action"]["left_submitted"] == []

    state = _state(db)
    for name in ("italy", "iraq"):
        request_state, quantities = state["requests"][ids[name]]
        assert request_state == RequestState.ALLOCATED.value  # approved, then allocated by its first shipment
        expected = {item: q for (rid, item), q in received.items() if rid == ids[name]}
        assert {k: v for k, v in quantities.items() if v} == expected
    assert state["requests"][ids["italy"]][1]["MASK-SURG"] == 50
    assert state["requests"][ids["chile"]] == (RequestState.SUBMITTED.value, {})
    assert state["shipped"] == lines
    assert state["states"] == {ShipmentState.PICKED}  # proposed, nothing dispatched

    with transaction(db) as session:
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert {"request_approved", "pick"} <= set(actions)
        assert actions[-1] == "approve"


def test_approved_quantities_are_spread_over_a_requests_lines_in_order(
    db: sessionmaker[Session], organisation: int, coordinator: Actor
) -> None:
    ids = _setup(db, organisation)
    with transaction(db) as session:
        plan_id = service.plan_from_requests(session, coordinator).id
        italy, iraq = f"request-{ids['italy']}", f"request-{ids['iraq']}"
        for hub, destination, quantity in (("Guangzhou", iraq, 0), ("Dubai", italy, 0), ("Guangzhou", italy, 7)):
            service.edit_line(
                session, coordinator, plan_id, hub=hub, destination=destination, item="VENT-ICU", quantity=quantity
            )
    with transaction(db) as session:
        service.approve_plan(session, coordinator, plan_id)
        request = hub_requests.get_request(session, ids["italy"])
        assert [line.approved_quantity for line in request.lines] == [6, 1, 50]


def test_approving_twice_changes_nothing(db: sessionmaker[Session], organisation: int, coordinator: Actor) -> None:
    _setup(db, organisation)
    with transaction(db) as session:
        plan_id = service.plan_from_requests(session, coordinator).id
    with transaction(db) as session:
        service.approve_plan(session, coordinator, plan_id)
    before = _state(db)
    with transaction(db) as session:
        audit_count = session.scalar(select(func.count()).select_from(AuditEntry))
    with transaction(db) as session, pytest.raises(Conflict, match="approved already"):
        service.approve_plan(session, coordinator, plan_id)
    assert _state(db) == before
    with transaction(db) as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == audit_count


def test_a_request_that_moved_on_since_the_plan_blocks_the_whole_approval(
    db: sessionmaker[Session], organisation: int, coordinator: Actor
) -> None:
    ids = _setup(db, organisation)
    with transaction(db) as session:
        plan_id = service.plan_from_requests(session, coordinator).id
    with transaction(db) as session:
        hub_requests.transition(session, SYSTEM, ids["iraq"], RequestState.CANCELLED, reason="no longer needed")
    with pytest.raises(Conflict, match="no longer submitted"), transaction(db) as session:
        service.approve_plan(session, coordinator, plan_id)
    state = _state(db)
    assert state["requests"][ids["italy"]][0] == RequestState.SUBMITTED.value
    assert state["shipped"] == {}


def test_planning_from_requests_needs_allocation_and_hubs_coordination(
    db: sessionmaker[Session], organisation: int, make_person: Callable[..., Any]
) -> None:
    _setup(db, organisation)
    allocation_only = make_person(Role.COORDINATOR, modules=["allocation"]).actor
    editor = make_person(Role.EDITOR, organisation_id=organisation).actor
    for actor in (allocation_only, editor):
        with transaction(db) as session, pytest.raises(Forbidden):
            service.plan_from_requests(session, actor)


def test_nothing_submitted_is_a_clear_error(db: sessionmaker[Session], coordinator: Actor) -> None:
    with transaction(db) as session, pytest.raises(Invalid, match="nothing to plan"):
        service.plan_from_requests(session, coordinator)


def test_the_page_plans_from_requests_and_approval_proposes_shipments(
    client: TestClient, db: sessionmaker[Session], organisation: int, make_person: Callable[..., Any]
) -> None:
    ids = _setup(db, organisation)
    person = make_person(Role.COORDINATOR, modules=["allocation", "hubs"])
    sign_in(client, person)
    page = client.get("/allocation")
    assert "Plan from open hub requests" in page.text
    answer = client.post("/allocation/from-requests", data={"objective": "maxmin", "csrf_token": csrf_from(page.text)})
    assert answer.status_code == 200
    assert f"request-{ids['italy']}" in answer.text
    assert 'data-testid="request-weights"' in answer.text  # each request's need weight, with its country
    assert "<td>Iraq</td>" in answer.text
    iraq_path = answer.text.split('data-code="IQ"')[0].rsplit("<path", 1)[1]
    assert "choro-none" not in iraq_path  # Iraq's request is drawn on the fill map in its country
    plan_url = str(answer.url)
    approved = client.post(plan_url + "/approve", data={"csrf_token": csrf_from(answer.text)})
    assert approved.status_code == 200
    assert 'data-testid="action"' in approved.text
    with transaction(db) as session:
        assert session.scalar(select(func.count()).select_from(Shipment)) >= 2


def test_cli_from_requests_prints_the_draft_plan(
    db: sessionmaker[Session],
    organisation: int,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ids = _setup(db, organisation)
    monkeypatch.setenv("SOLIDARITY_DATABASE_URL", settings.effective_database_url)
    with pytest.raises(SystemExit) as exited:
        main(["allocation", "from-requests", "--objective", "efficiency", "--json"])
    assert exited.value.code in (0, None)
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "draft"
    assert {a["destination"] for a in result["allocations"]} == {f"request-{ids['italy']}", f"request-{ids['iraq']}"}
    assert result["metrics"]["per_item"]["VENT-ICU"]["delivered"] == 15
