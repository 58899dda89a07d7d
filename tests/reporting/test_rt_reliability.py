"""Rt windows with too few cases are marked unreliable in the API (JSON and CSV), the CLI and the area page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.reporting.conftest import Importer, who_rows

START = dt.date(2023, 3, 1)
# 20 days of 10 cases, 10 days of none, then 5 cases: the last window holds 5 cases.
NEW_CASES = (10,) * 20 + (0,) * 10 + (5,)
LAST = START + dt.timedelta(days=len(NEW_CASES) - 1)


@pytest.fixture
def quiet_tail(import_text: Importer) -> None:
    rows, cumulative = [], 0
    for day, new in enumerate(NEW_CASES):
        cumulative += new
        rows.append(f"{START + dt.timedelta(days=day)},NA,Namibia,AFRO,{new},{cumulative},0,0")
    import_text(who_rows(*rows))


@pytest.mark.usefixtures("quiet_tail")
def test_api_marks_windows_with_fewer_than_12_cases(client: TestClient) -> None:
    body = client.get("/api/v1/reporting/rt", params={"area": "NA"}).json()
    assert body["min_window_cases"] == 12
    assert body["max_cv"] == 0.3
    by_end = {row["end"]: row for row in body["data"]}
    full = by_end[(START + dt.timedelta(days=19)).isoformat()]
    assert full["window_cases"] == 70
    assert full["reliable"] is True
    assert full["cv"] == pytest.approx(1 / 71**0.5, abs=1e-4)
    last = by_end[LAST.isoformat()]
    assert last["window_cases"] == 5
    assert last["reliable"] is False
    assert [row["reliable"] for row in body["data"]] == [row["window_cases"] >= 12 for row in body["data"]]


@pytest.mark.usefixtures("quiet_tail")
def test_api_csv_has_the_reliability_columns(client: TestClient) -> None:
    text = client.get("/api/v1/reporting/rt", params={"area": "NA", "format": "csv"}).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {"window_cases", "cv", "reliable"} <= set(rows[0])
    last = next(row for row in rows if row["end"] == LAST.isoformat())
    assert last["reliable"] in ("False", "false")
    assert float(last["window_cases"]) == 5


@pytest.mark.usefixtures("quiet_tail")
def test_cli_json_and_table_mark_unreliable_windows(cli: Callable[..., tuple[int, str, str]]) -> None:
    code, out, _ = cli("reporting", "rt", "NA", "--json")
    assert code == 0
    last = json.loads(out)["data"][-1]
    assert last["end"] == LAST.isoformat()
    assert last["reliable"] is False
    assert last["window_cases"] == 5
    code, out, _ = cli("reporting", "rt", "NA")
    assert code == 0
    assert "too few cases" in out


@pytest.mark.usefixtures("quiet_tail")
def test_area_page_draws_and_lists_unreliable_windows_apart(client: TestClient) -> None:
    html = client.get("/reporting/areas/NA").text
    data = re.search(r'id="chart-rt-data">(.*?)</script>', html, re.S)
    assert data is not None
    chart = json.loads(data.group(1))
    assert chart["reliable"][-1] is False
    assert chart["reliable"][0] is True
    assert 'data-testid="rt-latest-unreliable"' in html
    assert 'data-testid="rt-unreliable"' in html
    assert "(unreliable)" in html


@pytest.mark.usefixtures("quiet_tail")
def test_cli_json_has_the_api_keys_and_shape(client: TestClient, cli: Callable[..., tuple[int, str, str]]) -> None:
    code, out, _ = cli("reporting", "rt", "NA", "--json", "--window", "5")
    assert code == 0
    from_cli = json.loads(out)
    from_api = client.get("/api/v1/reporting/rt", params={"area": "NA", "window": 5}).json()
    assert "estimates" not in from_cli
    assert from_cli == from_api
