"""GET /api/v1/reporting/figures/history: every published value of one figure."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from solidarity.actor import Role
from tests.conftest import Person

URL = "/api/v1/reporting/figures/history"


def test_history_lists_every_version_of_one_figure_oldest_first(
    client: TestClient, make_person: Callable[..., Person], token_for: Callable[[Person], dict[str, str]]
) -> None:
    coordinator = make_person(Role.COORDINATOR, modules=["reporting"])
    headers = token_for(coordinator)
    for new, cumulative in ((4, 4), (3, 7), (-1, 6)):
        body = [
            {"area": "NA", "date": "2020-03-02", "new": 1, "cumulative": 1},
            {"area": "NA", "date": "2020-03-03", "new": new, "cumulative": cumulative},
        ]
        response = client.post("/api/v1/reporting/submissions", json=body, headers=headers)
        assert response.status_code == 201, response.text
    history = client.get(URL, params={"area": "na", "date": "2020-03-03"})
    assert history.status_code == 200, history.text
    body = history.json()
    assert (body["area"], body["date"], body["measure"], body["count"]) == ("NA", "2020-03-03", "cases", 3)
    assert [(row["version"], row["new"], row["cumulative"]) for row in body["data"]] == [
        (1, 4, 4),
        (2, 3, 7),
        (3, -1, 6),
    ]
    assert "negative_new" in body["data"][-1]["flags"]
    # The unchanged figure of the 2nd was published once.
    assert client.get(URL, params={"area": "NA", "date": "2020-03-02"}).json()["count"] == 1
    csv = client.get(URL, params={"area": "NA", "date": "2020-03-03", "format": "csv"})
    assert csv.text.splitlines()[0] == "version,published_at,source_name,new,cumulative,flags"
    assert len(csv.text.splitlines()) == 4


def test_history_of_an_unknown_area_or_a_region_is_refused(client: TestClient) -> None:
    assert client.get(URL, params={"area": "Atlantis", "date": "2020-03-03"}).status_code == 404
    assert client.get(URL, params={"area": "EURO", "date": "2020-03-03"}).status_code == 422
    assert client.get(URL, params={"area": "NA", "date": "yesterday"}).status_code == 422
