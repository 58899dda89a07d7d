"""The quality summary downloads as CSV, one row per problem, like the other reporting endpoints."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from fastapi.testclient import TestClient

from solidarity.actor import Role
from tests.conftest import Person


def test_quality_csv_lists_each_negative_gap_and_falling_cumulative(
    client: TestClient, make_person: Callable[..., Person], token_for: Callable[[Person], dict[str, str]]
) -> None:
    coordinator = make_person(Role.COORDINATOR, modules=["reporting"])
    records = [
        {"area": "NA", "date": "2020-03-14", "measure": "cases", "new": 2, "cumulative": 2},
        {"area": "NA", "date": "2020-03-15", "measure": "cases", "new": 5, "cumulative": 7},
        # 2020-03-16 is missing: a gap
        {"area": "NA", "date": "2020-03-17", "measure": "cases", "new": -1, "cumulative": 6},
    ]
    response = client.post("/api/v1/reporting/submissions", json=records, headers=token_for(coordinator))
    assert response.status_code == 201, response.text

    as_json = client.get("/api/v1/reporting/quality", params={"area": "NA"}).json()
    response = client.get("/api/v1/reporting/quality", params={"area": "NA", "format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="quality-NA-cases.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["problem"], r["date"], r["value"]) for r in rows] == [
        ("gap", "2020-03-16", ""),
        ("cumulative_decrease", "2020-03-17", ""),
        ("negative_new", "2020-03-17", "-1"),
    ]
    assert {r["area"] for r in rows} == {"NA"}
    assert len(rows) == len(as_json["negative_new"]) + len(as_json["gaps"]) + len(as_json["cumulative_decreases"])
    assert client.get("/api/v1/reporting/quality", params={"area": "NA", "format": "xml"}).status_code == 422
    page = client.get("/reporting/areas/NA")
    assert "/api/v1/reporting/quality?area=NA&amp;format=csv" in page.text
