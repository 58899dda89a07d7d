"""A weekly figure dated on another weekday than the rest of its series (a Wednesday among Sunday
weeks) is a quality problem: listed in the quality summary, left out of the curve, and it never
makes the area's series, page or the dashboard fail."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from solidarity.actor import Role
from tests.conftest import Person


@pytest.fixture
def wednesday(client: TestClient, make_person: Callable[..., Person], token_for: Callable[..., dict[str, str]]) -> None:
    headers = token_for(make_person(Role.COORDINATOR, modules=["reporting"]))
    records = [
        {"area": "NA", "date": date, "measure": "cases", "frequency": "weekly", "new": new, "cumulative": cumulative}
        for date, new, cumulative in (
            ("2020-03-01", 5, 5),  # Sunday
            ("2020-03-08", 5, 10),  # Sunday
            ("2020-03-11", 2, 12),  # Wednesday
            ("2020-03-15", 3, 15),  # Sunday
        )
    ]
    assert client.post("/api/v1/reporting/submissions", json=records, headers=headers).status_code == 201


@pytest.mark.usefixtures("wednesday")
def test_quality_lists_the_weekly_figure_off_the_series_weekday(client: TestClient) -> None:
    response = client.get("/api/v1/reporting/quality", params={"area": "NA"})
    assert response.status_code == 200
    body = response.json()
    assert body["off_weekday"] == ["2020-03-11"]
    assert body["last_reported"] == "2020-03-15"
    text = client.get("/api/v1/reporting/quality", params={"area": "NA", "format": "csv"}).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["problem"], r["date"]) for r in rows] == [("off_weekday", "2020-03-11")]


@pytest.mark.usefixtures("wednesday")
def test_series_keeps_the_sunday_weeks_and_leaves_the_wednesday_out(client: TestClient) -> None:
    response = client.get("/api/v1/reporting/series", params={"area": "NA", "frequency": "weekly"})
    assert response.status_code == 200
    assert [(p["date"], p["cumulative"]) for p in response.json()["data"]] == [
        ("2020-03-01", 5),
        ("2020-03-08", 10),
        ("2020-03-15", 15),
    ]
    world = client.get("/api/v1/reporting/series", params={"area": "global", "frequency": "weekly"})
    assert world.status_code == 200
    assert "2020-03-11" not in world.text


@pytest.mark.usefixtures("wednesday")
def test_area_page_shows_it_in_the_quality_summary_and_the_dashboard_still_answers(client: TestClient) -> None:
    page = client.get("/reporting/areas/NA")
    assert page.status_code == 200
    assert "2020-03-11: a weekly cases figure on a Wednesday, off the series&#39; weekday" in page.text
    assert client.get("/reporting").status_code == 200
