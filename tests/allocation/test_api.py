"""Allocation over HTTP: solve, vaccine rounds, stored plans and the need index under /api/v1/allocation."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from solidarity.actor import Role
from solidarity.allocation.demo import DEMO_ROUND
from solidarity.allocation.problem import MAX_PROBLEM_BYTES

API = "/api/v1/allocation"
PROBLEM: dict[str, Any] = {
    "items": [{"id": "masks", "unit_weight_kg": 0.004}],
    "hubs": [{"id": "GZ", "stock": {"masks": 100}}],
    "destinations": [{"id": d, "requests": {"masks": 50}} for d in ("IRQ", "ITA", "IRN")],
}


def test_solve_answers_the_plan_json_and_the_baselines(client: TestClient) -> None:
    answer = client.post(f"{API}/solve", content=json.dumps(PROBLEM))
    assert answer.status_code == 200
    body = answer.json()
    assert body["objective"] == "maxmin"
    assert list(body["plan"]) == ["allocations", "destinations", "metrics", "explanation"]
    assert sorted(line["quantity"] for line in body["plan"]["allocations"]) == [33, 33, 34]
    assert set(body["baselines"]) == {"first_come_first_served", "proportional_to_request"}
    efficient = client.post(f"{API}/solve", params={"objective": "efficiency"}, content=json.dumps(PROBLEM))
    assert efficient.json()["objective"] == "efficiency"


def test_bad_problems_are_422_naming_line_field_and_value_and_a_huge_one_413(client: TestClient) -> None:
    text = json.dumps(PROBLEM, indent=1).replace('"masks": 100', '"masks": NaN')
    answer = client.post(f"{API}/solve", content=text)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert "NaN at line" in error["message"]
    assert error["details"][0]["value"] == "NaN"
    bad = json.loads(json.dumps(PROBLEM))
    bad["hubs"][0]["stock"]["masks"] = -1
    answer = client.post(f"{API}/solve", content=json.dumps(bad))
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["field"] == "hubs[0].stock.masks"
    assert client.post(f"{API}/solve", params={"objective": "luck"}, content=json.dumps(PROBLEM)).status_code == 422
    huge = client.post(f"{API}/solve", content=b" " * (MAX_PROBLEM_BYTES + 1))
    assert huge.status_code == 413


def test_a_vaccine_round_is_allocated_and_a_broken_one_refused(client: TestClient) -> None:
    answer = client.post(f"{API}/vaccines", content=json.dumps(DEMO_ROUND))
    assert answer.status_code == 200
    assert {p["id"] for p in answer.json()["participants"]} == {p["id"] for p in DEMO_ROUND["participants"]}
    answer = client.post(f"{API}/vaccines", content='{"round": "R", "doses": Infinity}')
    assert answer.status_code == 422
    assert "Infinity at line 1 column 25" in answer.json()["error"]["message"]


def test_a_coordinator_stores_and_approves_a_plan_others_may_only_read(
    client: TestClient, make_person: Callable[..., Any], token_for: Callable[[Any], dict[str, str]]
) -> None:
    body = {"title": "Masks, week 12", "problem": PROBLEM}
    assert client.post(f"{API}/plans", json=body).status_code == 401
    viewer = token_for(make_person(Role.VIEWER))
    assert client.post(f"{API}/plans", json=body, headers=viewer).status_code == 403
    coordinator = token_for(make_person(Role.COORDINATOR, modules=["allocation"]))
    created = client.post(f"{API}/plans", json=body, headers=coordinator)
    assert created.status_code == 201
    plan = created.json()
    assert plan["status"] == "draft"
    assert plan["plan"]["metrics"]["delivered"] == 100
    assert set(plan["baselines"]) == {"first_come_first_served", "proportional_to_request"}
    assert [p["id"] for p in client.get(f"{API}/plans").json()] == [plan["id"]]
    assert client.post(f"{API}/plans/{plan['id']}/approve", headers=viewer).status_code == 403
    approved = client.post(f"{API}/plans/{plan['id']}/approve", headers=coordinator)
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert client.post(f"{API}/plans/{plan['id']}/approve", headers=coordinator).status_code == 409
    assert client.get(f"{API}/plans/999999").status_code == 404


def test_the_need_index_weighs_the_countries_asked_for(client: TestClient) -> None:
    answer = client.get(f"{API}/need", params={"country": ["Chile", "IRQ"]})
    assert answer.status_code == 200
    assert {row["alpha2"] for row in answer.json()} == {"CL", "IQ"}
    assert client.get(f"{API}/need", params={"country": "Atlantis"}).status_code == 422


def test_hostile_bodies_are_4xx_never_500(
    client: TestClient, make_person: Callable[..., Any], token_for: Callable[[Any], dict[str, str]]
) -> None:
    # found by review: each of these was a 500 (or, the first, seconds of a regular expression)
    text = json.dumps(PROBLEM)
    for body, said in (
        (b"\xff" + b'"\\' * 20000, "not UTF-8 text (byte 0)"),
        (text.replace("100", "1e400").encode(), "1e400 at line 1"),
        (text.replace("100", "1" + "0" * 400).encode(), "at line 1"),
        (b"[" * 100000 + b"]" * 100000, "nests too deep"),
    ):
        answer = client.post(f"{API}/solve", content=body)
        assert answer.status_code == 422, body[:40]
        assert said in answer.json()["error"]["message"]
    answer = client.post(f"{API}/vaccines", content=b'{"round": "R", "doses": 1e400, "participants": []}')
    assert answer.status_code == 422
    coordinator = token_for(make_person(Role.COORDINATOR, modules=["allocation"]))
    body = '{"title": "t", "problem": {"items": [{"id": "m", "unit_weight_kg": NaN}], "hubs": [], "destinations": []}}'
    answer = client.post(f"{API}/plans", content=body, headers=coordinator)
    assert answer.status_code == 422
    assert "NaN at line 1" in answer.json()["error"]["message"]
    assert client.post(f"{API}/plans", content=b"[]", headers=coordinator).status_code == 422
    assert client.get(f"{API}/plans/99999999999999999999").status_code == 422
