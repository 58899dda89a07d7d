"""The public reporting pages, read as a browser without JavaScript would: what the server writes."""

from __future__ import annotations

import datetime as dt
import math
import re

import pytest
from fastapi.testclient import TestClient

from tests.reporting.conftest import Importer, who_rows

START = dt.date(2020, 1, 3)
DAYS = 120
AREAS = (("NA", "Namibia", "AFRO", 2.0), ("FR", "France", "EURO", 30.0), ("XK", "Kosovo", "EURO", 1.0))


def epidemic_rows(*, correction_on: dt.date | None = None, extra: int = 0) -> list[str]:
    """A smooth synthetic epidemic: WHO daily rows for three countries and "Other"."""
    rows = []
    for code, name, region, size in AREAS:
        cumulative = deaths = 0
        for day in range(DAYS):
            date = START + dt.timedelta(days=day)
            new = round(size * 40 * math.exp(-(((day - 70) / 18) ** 2)))
            if code == "NA" and date == correction_on:
                new = -5
            if code == "NA" and day == DAYS - 1:
                new += extra
            new_deaths = new // 50 if new > 0 else 0
            cumulative += new
            deaths += new_deaths
            rows.append(f"{date},{code},{name},{region},{new},{cumulative},{new_deaths},{deaths}")
    for day in range(3):
        date = START + dt.timedelta(days=40 + day)
        rows.append(f"{date}, ,Other,Other,{3 * (day + 1)},{3 * (day + 1) * (day + 2) // 2},0,0")
    return rows


@pytest.fixture
def published(import_text: Importer) -> None:
    """Two versions: the epidemic, then a revision of Namibia's last day."""
    import_text(who_rows(*epidemic_rows(correction_on=START + dt.timedelta(days=60))), "who-1.csv")
    import_text(
        who_rows(*epidemic_rows(correction_on=START + dt.timedelta(days=60), extra=7)), "who-2.csv", source_name="WHO"
    )


def test_dashboard_without_figures_says_so_and_draws_no_chart(client: TestClient) -> None:
    html = client.get("/reporting").text
    assert 'data-testid="no-data"' in html
    assert "<canvas" not in html


@pytest.mark.usefixtures("published")
def test_dashboard_shows_headline_figures_with_source_and_version(client: TestClient) -> None:
    response = client.get("/reporting")
    assert response.status_code == 200
    html = response.text
    headline = re.search(r'data-testid="headline">(.*?)</section>', html, re.S)
    assert headline is not None
    assert "cases in total" in headline.group(1)
    assert "new deaths, last 7 days" in headline.group(1)
    provenance = re.search(r'data-testid="provenance">(.*?)</p>', html, re.S)
    assert provenance is not None
    assert "data version 2" in provenance.group(1)
    assert "WHO" in provenance.group(1)


@pytest.mark.usefixtures("published")
def test_dashboard_charts_carry_their_data_and_a_table_for_readers_without_javascript(client: TestClient) -> None:
    html = client.get("/reporting").text
    assert '<canvas id="chart-cases" data-chart="epicurve"' in html
    assert '<canvas id="chart-deaths" data-chart="epicurve"' in html
    data = re.search(r'<script type="application/json" id="chart-cases-data">(.*?)</script>', html, re.S)
    assert data is not None
    assert '"dates": ["2020-01-03", "2020-01-04"' in data.group(1)
    assert "<summary>New cases per day, world: table (latest 28)</summary>" in html
    assert '<script src="/static/charts.js"></script>' in html
    assert "<script>" not in html  # nothing inline: the CSP allows only files from this origin


@pytest.mark.usefixtures("published")
def test_dashboard_map_colours_namibia_by_incidence_and_links_its_page(client: TestClient) -> None:
    html = client.get("/reporting").text
    namibia = re.search(
        r'<a href="/reporting/areas/NA"[^>]*><path class="country (choro-\d)" data-code="NA" data-value="([^"]+)"', html
    )
    assert namibia is not None
    # last 7 days of Namibia's curve (plus the revised last day) per 100,000 of its population
    assert float(namibia.group(2)) > 0
    assert "<title>Namibia: " in html
    assert 'data-code="XX"' not in html  # "Other" is never drawn
    assert 'class="legend"' in html
    assert "250 or more" in html


@pytest.mark.usefixtures("published")
def test_dashboard_milestones_table_states_source_and_version(client: TestClient) -> None:
    html = client.get("/reporting?measure=cases&step=1000").text
    table = re.search(r'<table data-testid="milestones">(.*?)</table>', html, re.S)
    assert table is not None
    rows = re.findall(r"<tr><th scope=\"row\">([\d,]+)</th><td class=\"date\">([\d-]+)</td>", table.group(1))
    assert rows[0][0] == "1,000"
    assert len(rows) >= 10
    assert "WHO" in table.group(1)


@pytest.mark.usefixtures("published")
def test_milestone_form_with_a_bad_step_explains_instead_of_failing(client: TestClient) -> None:
    response = client.get("/reporting?step=lots")
    assert response.status_code == 200
    assert "Step &#39;lots&#39; is not a whole number." in response.text


@pytest.mark.usefixtures("published")
def test_area_page_has_curves_rt_band_quality_flags_and_revisions(client: TestClient) -> None:
    html = client.get("/reporting/areas/NA").text
    assert "<h1>Namibia" in html
    assert 'data-chart="epicurve"' in html
    assert '<canvas id="chart-rt" data-chart="rt"' in html
    rt_data = re.search(r'id="chart-rt-data">(.*?)</script>', html, re.S)
    assert rt_data is not None
    assert '"lower": [' in rt_data.group(1)
    assert '"upper": [' in rt_data.group(1)
    assert "doubl" in re.search(r'data-testid="doubling-time">(.*?)</p>', html, re.S).group(1)  # type: ignore[union-attr]
    flags = re.search(r'data-testid="quality-flags">(.*?)</ul>', html, re.S)
    assert flags is not None
    assert "2020-03-03: new cases -5" in flags.group(1)
    revisions = re.search(r'<table data-testid="revisions">(.*?)</table>', html, re.S)
    assert revisions is not None
    versions = re.findall(r'<th scope="row" class="num">(\d+)</th>', revisions.group(1))
    assert versions == ["2", "1"]
    assert "first publication" in revisions.group(1)


@pytest.mark.usefixtures("published")
def test_area_page_as_of_shows_figures_as_first_published(client: TestClient) -> None:
    latest = client.get("/reporting/areas/NA").text
    assert "data version 2" in latest
    first_version = client.get("/reporting/areas/NA?as_of=2000-01-01").text
    assert 'data-testid="no-data"' in first_version
    today = dt.datetime.now(dt.UTC).date().isoformat()
    as_of = client.get(f"/reporting/areas/NA?as_of={today}").text
    assert 'data-testid="as-of-notice"' in as_of
    assert f'value="{today}"' in as_of


def test_area_page_rejects_a_bad_date_and_an_unknown_area(client: TestClient, published: None) -> None:
    assert client.get("/reporting/areas/NA?as_of=yesterday").status_code == 422
    missing = client.get("/reporting/areas/ZZ")
    assert missing.status_code == 404
    assert "No figures for area" in missing.text


@pytest.mark.usefixtures("published")
def test_non_country_area_gets_a_page_without_a_map(client: TestClient) -> None:
    html = client.get("/reporting/areas/XX").text
    assert "Not a country" in html
    assert "world-map" not in html
    dashboard = client.get("/reporting").text
    assert 'href="/reporting/areas/XX"' in dashboard  # listed under "Not on the map"


@pytest.mark.usefixtures("published")
def test_area_downloads_point_at_the_csv_api(client: TestClient) -> None:
    html = client.get("/reporting/areas/FR").text
    link = re.search(r'<a href="(/api/v1/reporting/series\?[^"]*measure=cases[^"]*)">Cases \(CSV\)', html)
    assert link is not None
    response = client.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    assert response.text.startswith("date,new,cumulative")
