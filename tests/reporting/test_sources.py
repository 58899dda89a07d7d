"""Milestones name the source their figure came from; a source nobody published under is refused."""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi.testclient import TestClient

from solidarity.actor import Role
from tests.conftest import Person

Cli = Callable[..., tuple[int, str, str]]


def _publish(client: TestClient, headers: dict[str, str], source: str, rows: list[tuple[str, int, int]]) -> None:
    records = [{"area": "NA", "date": d, "measure": "cases", "new": n, "cumulative": c} for d, n, c in rows]
    response = client.post("/api/v1/reporting/submissions", params={"source": source}, json=records, headers=headers)
    assert response.status_code == 201, response.text


def test_each_milestone_of_an_area_names_its_own_source_and_version(
    client: TestClient, make_person: Callable[..., Person], token_for: Callable[[Person], dict[str, str]]
) -> None:
    headers = token_for(make_person(Role.COORDINATOR, modules=["reporting"]))
    _publish(client, headers, "Ministry bulletin", [("2020-03-01", 60, 60), ("2020-03-02", 60, 120)])
    _publish(client, headers, "WHO COVID-19 global data", [("2020-03-03", 100, 220)])
    rows = client.get("/api/v1/reporting/milestones", params={"area": "NA", "step": 100}).json()["data"]
    assert [(r["milestone"], r["date"], r["source"], r["version"]) for r in rows] == [
        (100, "2020-03-02", "Ministry bulletin", 1),
        (200, "2020-03-03", "WHO COVID-19 global data", 2),
    ]
    only = client.get("/api/v1/reporting/milestones", params={"area": "NA", "step": 100, "source": "Ministry bulletin"})
    assert [(r["milestone"], r["source"]) for r in only.json()["data"]] == [(100, "Ministry bulletin")]


def test_a_source_nobody_published_under_is_refused_not_answered_empty(
    client: TestClient,
    cli: Cli,
    make_person: Callable[..., Person],
    token_for: Callable[[Person], dict[str, str]],
) -> None:
    headers = token_for(make_person(Role.COORDINATOR, modules=["reporting"]))
    _publish(client, headers, "Ministry bulletin", [("2020-03-01", 60, 60)])
    for path in ("milestones", "series"):
        response = client.get(f"/api/v1/reporting/{path}", params={"source": "Ministry bulletn"})
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["details"][0] == {"field": "source", "value": "Ministry bulletn", "reason": "unknown source"}
        assert "'Ministry bulletin'" in error["message"]
    code, out, err = cli("reporting", "milestones", "--step", "10", "--source", "Ministry bulletn", "--json")
    assert code == 2, out
    assert "Ministry bulletin" in err
    code, out, err = cli("reporting", "milestones", "--step", "10", "--source", "Ministry bulletin", "--json")
    assert code == 0, err
    assert json.loads(out)[0]["source"] == "Ministry bulletin"
