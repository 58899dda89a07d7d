"""World and region daily totals add the areas that reported each date: the series say how many,
and mark a date on which far fewer areas reported (one ministry ahead of the others) incomplete."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Role
from solidarity.db import transaction
from solidarity.reporting import queries
from tests.conftest import Person

AREAS = ("NA", "FR", "DE", "ZA", "BR", "IN", "JP", "US", "KE", "CA")
"""Ten areas; on 2020-03-03 only Namibia reports (1 of 10, below 90%)."""


def _records(days: int) -> list[dict[str, object]]:
    records = []
    for index, area in enumerate(AREAS):
        for day in range(days):
            new = 10 * (index + 1) * (day + 1)
            cumulative = sum(10 * (index + 1) * (d + 1) for d in range(day + 1))
            date = (dt.date(2020, 3, 1) + dt.timedelta(days=day)).isoformat()
            records.append({"area": area, "date": date, "measure": "cases", "new": new, "cumulative": cumulative})
    return records


@pytest.fixture
def headers(make_person: Callable[..., Person], token_for: Callable[[Person], dict[str, str]]) -> dict[str, str]:
    return token_for(make_person(Role.COORDINATOR, modules=["reporting"]))


@pytest.fixture
def partial_day(client: TestClient, headers: dict[str, str]) -> None:
    assert client.post("/api/v1/reporting/submissions", json=_records(2), headers=headers).status_code == 201
    ahead = {"area": "NA", "date": "2020-03-03", "measure": "cases", "new": 30, "cumulative": 60}
    assert client.post("/api/v1/reporting/submissions", json=ahead, headers=headers).status_code == 201


@pytest.mark.usefixtures("partial_day")
def test_global_and_regional_series_carry_areas_and_complete(client: TestClient) -> None:
    data = client.get("/api/v1/reporting/series", params={"area": "global"}).json()["data"]
    assert [(p["date"], p["areas"], p["complete"]) for p in data] == [
        ("2020-03-01", 10, True),
        ("2020-03-02", 10, True),
        ("2020-03-03", 1, False),
    ]
    assert data[-1]["cumulative"] == 60
    africa = client.get("/api/v1/reporting/series", params={"area": "AFRO"}).json()["data"]
    assert [(p["areas"], p["complete"]) for p in africa] == [(3, True), (3, True), (1, False)]
    one_area = client.get("/api/v1/reporting/series", params={"area": "NA"}).json()["data"]
    assert {(p["areas"], p["complete"]) for p in one_area} == {(None, None)}


@pytest.mark.usefixtures("partial_day")
def test_as_of_series_counts_areas_from_the_history(client: TestClient) -> None:
    now = dt.datetime.now(dt.UTC).isoformat()
    data = client.get("/api/v1/reporting/series", params={"area": "global", "as_of": now}).json()["data"]
    assert [(p["areas"], p["complete"]) for p in data] == [(10, True), (10, True), (1, False)]


@pytest.mark.usefixtures("partial_day")
@pytest.mark.parametrize("area", ["global", "AFRO", "NA"])
def test_cli_series_json_is_the_api_document(
    client: TestClient, cli: Callable[..., tuple[int, str, str]], area: str
) -> None:
    code, out, err = cli("reporting", "series", area, "--json")
    assert code == 0, err
    from_cli = json.loads(out)
    assert from_cli == client.get("/api/v1/reporting/series", params={"area": area}).json()
    if area == "global":
        assert [(p["areas"], p["complete"]) for p in from_cli["data"]] == [(10, True), (10, True), (1, False)]


@pytest.mark.usefixtures("partial_day")
def test_csv_carries_areas_and_complete(client: TestClient) -> None:
    text = client.get("/api/v1/reporting/series", params={"area": "global", "format": "csv"}).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["date"], r["areas"], r["complete"]) for r in rows] == [
        ("2020-03-01", "10", "True"),
        ("2020-03-02", "10", "True"),
        ("2020-03-03", "1", "False"),
    ]


def test_a_run_of_partial_days_stays_incomplete_until_the_areas_are_back() -> None:
    day = dt.date(2020, 3, 1)
    counts = [200, 185, 181, 2, 3, 150, 199, 180]
    flags = queries.completeness({day + dt.timedelta(days=i): n for i, n in enumerate(counts)})
    # 185 >= 180 (90% of 200); 181 >= 166.5; 2 and 3 and 150 < 162.9 (90% of 181); 199 is back; 180 >= 179.1
    assert list(flags.values()) == [True, True, True, False, False, False, True, True]


def test_one_area_more_or_less_is_no_incomplete_day_and_a_lasting_drop_is_marked_for_seven_dates() -> None:
    day = dt.date(2020, 3, 1)
    few = queries.completeness({day + dt.timedelta(days=i): n for i, n in enumerate([4, 4, 3, 3, 2])})
    assert list(few.values()) == [True, True, True, True, False]  # 3 of 4 is one area short; 2 of 4 is two
    counts = [100] * 3 + [80] * 9
    flags = queries.completeness({day + dt.timedelta(days=i): n for i, n in enumerate(counts)})
    assert list(flags.values()) == [True] * 3 + [False] * 7 + [True] * 2


@pytest.mark.usefixtures("partial_day")
def test_dashboard_curve_leaves_out_the_incomplete_day_and_says_so(client: TestClient) -> None:
    html = client.get("/reporting").text
    assert 'data-testid="cases-incomplete"' in html
    assert (
        "The last day (2020-03-03) is incomplete: only 1 of 10 areas have reported (on 2020-03-03), "
        "so the chart ends on 2020-03-02." in html
    )
    chart = html.split('id="chart-cases-data">', 1)[1].split("</script>", 1)[0]
    assert "2020-03-02" in chart
    assert "2020-03-03" not in chart
    assert 'data-testid="deaths-incomplete"' not in html


def test_complete_days_draw_the_whole_curve_without_a_note(client: TestClient, headers: dict[str, str]) -> None:
    assert client.post("/api/v1/reporting/submissions", json=_records(3), headers=headers).status_code == 201
    html = client.get("/reporting").text
    assert "incomplete" not in html
    chart = html.split('id="chart-cases-data">', 1)[1].split("</script>", 1)[0]
    assert "2020-03-03" in chart


def test_a_partial_trailing_day_creates_or_moves_no_milestone(
    client: TestClient, headers: dict[str, str], db: sessionmaker[Session]
) -> None:
    assert client.post("/api/v1/reporting/submissions", json=_records(2), headers=headers).status_code == 201
    params = {"area": "global", "step": 100}
    before = client.get("/api/v1/reporting/milestones", params=params).json()["data"]
    assert before  # the totals on 2020-03-01 (550) and 2020-03-02 (1650) pass several steps of 100
    # Namibia alone on 2020-03-03 with a cumulative (9,999) above every total so far: a partial day
    # sums one area, so the world's 2020-03-03 total is 9,999 and would pass milestones 1,700 ... 9,900
    ahead = {"area": "NA", "date": "2020-03-03", "measure": "cases", "new": 9969, "cumulative": 9999}
    assert client.post("/api/v1/reporting/submissions", json=ahead, headers=headers).status_code == 201
    after = client.get("/api/v1/reporting/milestones", params=params).json()["data"]
    assert after == before
    with transaction(db) as session:
        stored = queries.get_series(session, "global")
        assert stored.completeness()[dt.date(2020, 3, 3)] is False
    # the usual partial day (lower than the day before) neither
    low = {"area": "NA", "date": "2020-03-03", "measure": "cases", "new": -9939, "cumulative": 60}
    assert client.post("/api/v1/reporting/submissions", json=low, headers=headers).status_code == 201
    assert client.get("/api/v1/reporting/milestones", params=params).json()["data"] == before
    # once the others report the day, it is complete and reaches its milestones
    assert client.post("/api/v1/reporting/submissions", json=_records(3), headers=headers).status_code == 201
    full = client.get("/api/v1/reporting/milestones", params=params).json()["data"]
    assert full[: len(before)] == before
    assert full[-1]["date"] == "2020-03-03"
