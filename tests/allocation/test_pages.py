"""The allocation pages: solve beside the baselines, save, edit a line, approve."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from solidarity.actor import Role
from solidarity.allocation.demo import DEMO_PROBLEM, DEMO_ROUND
from tests.conftest import csrf_from, sign_in

PROBLEM = {
    "items": [{"id": "masks", "unit_weight_kg": 0.004}],
    "hubs": [{"id": "GZ", "stock": {"masks": 100}}],
    "destinations": [{"id": d, "requests": {"masks": 50}} for d in ("IRQ", "ITA", "IRN")],
}


def test_anyone_can_solve_a_problem_and_see_it_beside_both_baselines(client: TestClient) -> None:
    page = client.get("/allocation?demo=problem")
    assert page.status_code == 200
    assert "Guangzhou" in page.text
    token = csrf_from(page.text)
    answer = client.post(
        "/allocation", data={"problem": json.dumps(DEMO_PROBLEM), "objective": "maxmin", "csrf_token": token}
    )
    assert answer.status_code == 200
    assert "first come first served" in answer.text
    assert "proportional to request" in answer.text
    assert "Minimum fill ÷ weight" in answer.text
    assert 'class="world-map"' in answer.text


def test_an_invalid_problem_is_shown_again_with_the_reason(client: TestClient) -> None:
    token = csrf_from(client.get("/allocation").text)
    bad = json.loads(json.dumps(PROBLEM))
    bad["hubs"][0]["stock"]["masks"] = -3
    answer = client.post("/allocation", data={"problem": json.dumps(bad), "objective": "maxmin", "csrf_token": token})
    assert answer.status_code == 422
    assert "hubs[0].stock.masks: must not be negative (-3)" in answer.text


def test_a_coordinator_saves_edits_and_approves_a_plan(client: TestClient, make_person: Callable[..., Any]) -> None:
    coordinator = make_person(Role.COORDINATOR, modules=["allocation"])
    token = sign_in(client, coordinator)
    saved = client.post(
        "/allocation/plans",
        data={"problem": json.dumps(PROBLEM), "objective": "maxmin", "title": "Masks", "csrf_token": token},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    url = saved.headers["location"]
    page = client.get(url)
    assert "Approve this plan" in page.text
    edited = client.post(
        f"{url}/lines",
        data={"hub": "GZ", "destination": "IRQ", "item": "masks", "quantity": "60", "csrf_token": token},
    )
    assert edited.status_code == 422
    assert "The edited plan breaks a limit" in edited.text
    client.post(
        f"{url}/lines", data={"hub": "GZ", "destination": "IRQ", "item": "masks", "quantity": "20", "csrf_token": token}
    )
    approved = client.post(f"{url}/approve", data={"csrf_token": token})
    assert approved.status_code == 200
    assert 'data-testid="status">approved' in approved.text
    assert "20 by" in approved.text or "→ 20" in approved.text


def test_a_viewer_sees_a_plan_without_edit_or_approve(client: TestClient, make_person: Callable[..., Any]) -> None:
    coordinator = make_person(Role.COORDINATOR, modules=["allocation"])
    token = sign_in(client, coordinator)
    url = client.post(
        "/allocation/plans",
        data={"problem": json.dumps(PROBLEM), "objective": "maxmin", "title": "Masks", "csrf_token": token},
        follow_redirects=False,
    ).headers["location"]
    client.cookies.clear()
    page = client.get(url)
    assert page.status_code == 200
    assert "Approve this plan" not in page.text


def test_a_vaccine_round_is_shown_with_a_coverage_bar_per_participant(client: TestClient) -> None:
    page = client.get("/allocation?demo=round")
    token = csrf_from(page.text)
    round_ = json.loads(json.dumps(DEMO_ROUND))
    round_["doses"] = 120_000_000  # enough for phase 2
    answer = client.post(
        "/allocation", data={"problem": json.dumps(round_), "objective": "maxmin", "csrf_token": token}
    )
    assert answer.status_code == 200
    assert answer.text.count('data-testid="coverage-bar"') == len(DEMO_ROUND["participants"])
    assert re.search(r"Phase 2 by threat and vulnerability \(score 0.6\): \d{1,3}(,\d{3})+ doses", answer.text)
    broken = json.dumps(round_).replace('"doses": 120000000', '"doses": NaN')
    answer = client.post("/allocation", data={"problem": broken, "objective": "maxmin", "csrf_token": token})
    assert answer.status_code == 422
    assert "The round is not valid JSON: NaN at line 1 column" in answer.text


def test_the_need_page_says_where_health_capacity_comes_from(client: TestClient) -> None:
    page = client.get("/allocation/need", params={"country": "IRQ"})
    assert page.status_code == 200
    assert "no indicator imported yet" in page.text
