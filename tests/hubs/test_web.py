"""The hubs API and pages: stock with CSV, receipts and dispatches, proof of delivery, permissions."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Role
from solidarity.db import transaction
from solidarity.hubs import demo
from tests.conftest import Person, csrf_from, sign_in
from tests.hubs.conftest import SYSTEM, Depot, Flows
from tests.hubs.helpers import move_count


def test_api_receive_dispatch_deliver_and_stock_csv(
    client: TestClient,
    depot: Depot,
    assistance_flows: Flows,
    make_person: Callable[..., Person],
    token_for: Callable[[Person], dict[str, str]],
) -> None:
    headers = token_for(make_person(Role.COORDINATOR, modules=["hubs"]))
    response = client.post(
        "/api/v1/hubs/receipts",
        json={
            "hub": "Guangzhou",
            "item": "test kits",
            "quantity": 100,
            "lot": "T1",
            "expiry": "2099-01-01",
            "owner": "UNICEF",
            "flow_id": assistance_flows.in_kind,
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    response = client.post(
        "/api/v1/hubs/dispatches",
        json={"hub": "Guangzhou", "to": "PK", "item": "TEST-PCR", "quantity": 101},
        headers=headers,
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "insufficient_stock"
    assert response.json()["error"]["details"]["shortfall"] == 1
    shipment = client.post(
        "/api/v1/hubs/dispatches",
        json={"hub": "Guangzhou", "to": "PK", "item": "TEST-PCR", "quantity": 60},
        headers=headers,
    ).json()
    bad = client.post(
        f"/api/v1/hubs/shipments/{shipment['id']}/delivery", json={"accepted": 50, "rejected": 5}, headers=headers
    )
    assert bad.status_code == 422
    done = client.post(
        f"/api/v1/hubs/shipments/{shipment['id']}/delivery",
        json={"accepted": 55, "rejected": 5, "reason": "seals broken"},
        headers=headers,
    )
    assert done.json()["lines"][0]["rejected"] == 5
    stock = client.get("/api/v1/hubs/stock", params={"hub": "Guangzhou"}).json()
    assert stock["data"] == [
        {"hub": "Guangzhou", "item": "TEST-PCR", "lot": "T1", "expiry": "2099-01-01", "owner": "UNICEF", "quantity": 45}
    ]
    csv = client.get("/api/v1/hubs/stock", params={"format": "csv"})
    assert csv.text.splitlines() == ["hub,item,lot,expiry,owner,quantity", "Guangzhou,TEST-PCR,T1,2099-01-01,UNICEF,45"]
    assert client.get("/api/v1/hubs/pipeline").json()["data"][0]["delivered"] == 55


def test_api_refuses_a_user_of_another_organisation_with_403_and_changes_nothing(
    client: TestClient,
    db: sessionmaker[Session],
    depot: Depot,
    make_person: Callable[..., Person],
    token_for: Callable[[Person], dict[str, str]],
) -> None:
    outsider = token_for(make_person(Role.EDITOR))
    response = client.post(
        "/api/v1/hubs/receipts",
        json={"hub": "Guangzhou", "item": "VENT-ICU", "quantity": 1, "owner": "WFP"},
        headers=outsider,
    )
    assert response.status_code == 403
    bad = client.post(
        "/api/v1/hubs/receipts",
        json={"hub": "Guangzhou", "item": "VENT-ICU", "quantity": 1.5, "owner": "WFP"},
        headers=token_for(make_person(Role.EDITOR, organisation_id=depot.wfp)),
    )
    assert bad.status_code == 422
    assert move_count(db) == 0


def test_hubs_page_shows_stock_map_expiring_and_pipeline_and_receives_by_form(
    client: TestClient, db: sessionmaker[Session], make_person: Callable[..., Person]
) -> None:
    with transaction(db) as session:
        demo.load(session, SYSTEM)
    page = client.get("/hubs")
    assert page.status_code == 200
    for marker in (
        'data-testid="shipments-map"',
        'data-testid="stock"',
        'data-testid="expiring"',
        "DEMO-MS-2001",
        'data-testid="pipeline"',
        "overdue",
    ):
        assert marker in page.text
    assert "receive-form" not in page.text  # anonymous: read only
    coordinator = make_person(Role.COORDINATOR, modules=["hubs"])
    sign_in(client, coordinator)
    page = client.get("/hubs")
    token = csrf_from(page.text)
    refused = client.post(
        "/hubs/receive", data={"csrf_token": token, "hub": demo.HUB_NAME, "item": "GOGGLES", "quantity": "0"}
    )
    assert refused.status_code == 422
    assert "above zero" in refused.text
    done = client.post(
        "/hubs/dispatch",
        data={"csrf_token": token, "hub": demo.HUB_NAME, "item": "GOGGLES", "quantity": "10", "to": "RS"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    shipment_page = client.get(done.headers["location"])
    assert "Picked first-expiry-first-out" in shipment_page.text
    assert "deliver-form" in shipment_page.text
    short = client.post(
        done.headers["location"] + "/deliver", data={"csrf_token": token, "accepted": "9", "rejected": "0"}
    )
    assert short.status_code == 422
    assert "shipped 10" in short.text
