"""The reporting officer's pages: the submission form and the file upload."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor, Role
from solidarity.db import transaction
from solidarity.reporting import service
from tests.conftest import Person, sign_in
from tests.reporting.conftest import DATA


def test_officer_submits_a_day_for_their_organisations_area(
    client: TestClient, db: sessionmaker[Session], make_person: Callable[..., Person]
) -> None:
    editor = make_person(Role.EDITOR)
    with transaction(db) as session:
        service.set_reporting_organisation(session, Actor.system("test"), "NA", str(editor.organisation_id))
    csrf = sign_in(client, editor)
    page = client.get("/reporting/submit")
    assert "Namibia (NA)" in page.text
    response = client.post(
        "/reporting/submit",
        data={"csrf_token": csrf, "area": "NA", "date": "2020-03-03", "new_cases": "5", "new_deaths": "-1"},
    )
    assert response.status_code == 200, response.text
    assert "Published as version 1" in response.text
    assert "negative new count" in response.text


def test_officer_cannot_submit_an_area_of_another_organisation(
    client: TestClient, make_person: Callable[..., Person]
) -> None:
    editor = make_person(Role.EDITOR)
    csrf = sign_in(client, editor)
    response = client.post(
        "/reporting/submit", data={"csrf_token": csrf, "area": "FR", "date": "2020-03-03", "new_cases": "5"}
    )
    assert response.status_code == 403
    assert "not reported by your organisation" in response.text


def test_coordinator_uploads_a_file_through_the_page(client: TestClient, make_person: Callable[..., Person]) -> None:
    coordinator = make_person(Role.COORDINATOR, modules=["reporting"])
    csrf = sign_in(client, coordinator)
    content = (DATA / "who" / "WHO-COVID-19-global-daily-data.csv").read_bytes()
    response = client.post(
        "/reporting/import",
        data={"csrf_token": csrf, "format": "auto", "on_error": "warn"},
        files={"file": ("WHO-COVID-19-global-data.csv", content, "text/csv")},
    )
    assert response.status_code == 200, response.text
    assert "Published version 1" in response.text


def _officer_of(db: sessionmaker[Session], make_person: Callable[..., Person], code: str) -> Person:
    editor = make_person(Role.EDITOR)
    with transaction(db) as session:
        service.set_reporting_organisation(session, Actor.system("test"), code, str(editor.organisation_id))
    return editor


def test_a_new_count_typed_alone_continues_the_cumulative_series(
    client: TestClient, db: sessionmaker[Session], make_person: Callable[..., Person]
) -> None:
    editor = _officer_of(db, make_person, "NA")
    csrf = sign_in(client, editor)
    first = {"csrf_token": csrf, "area": "NA", "date": "2020-03-02", "new_cases": "10", "cumulative_cases": "10"}
    assert client.post("/reporting/submit", data=first).status_code == 200
    response = client.post(
        "/reporting/submit", data={"csrf_token": csrf, "area": "NA", "date": "2020-03-03", "new_cases": "5"}
    )
    assert response.status_code == 200, response.text
    assert "cumulative cases 15 = 10 on 2020-03-02 + 5 new" in response.text
    series = client.get("/api/v1/reporting/series", params={"area": "NA"}).json()["data"]
    assert [(p["date"], p["new"], p["cumulative"]) for p in series] == [("2020-03-02", 10, 10), ("2020-03-03", 5, 15)]
    # no figure the day before: nothing is invented, and the page says so
    response = client.post(
        "/reporting/submit", data={"csrf_token": csrf, "area": "NA", "date": "2020-03-10", "new_deaths": "1"}
    )
    assert "cumulative deaths not computed: no published cumulative for 2020-03-09" in response.text


def test_a_weekly_figure_is_submitted_through_the_form(
    client: TestClient, db: sessionmaker[Session], make_person: Callable[..., Person]
) -> None:
    editor = _officer_of(db, make_person, "NA")
    csrf = sign_in(client, editor)
    assert 'name="frequency"' in client.get("/reporting/submit").text
    for date, new in (("2020-03-08", "7"), ("2020-03-15", "21")):
        data = {"csrf_token": csrf, "area": "NA", "date": date, "frequency": "weekly", "new_cases": new}
        response = client.post("/reporting/submit", data=data)
        assert response.status_code == 200, response.text
    weekly = client.get("/api/v1/reporting/series", params={"area": "NA", "frequency": "weekly"}).json()["data"]
    assert [(p["date"], p["new"]) for p in weekly] == [("2020-03-08", 7), ("2020-03-15", 21)]
    assert client.get("/api/v1/reporting/series", params={"area": "NA"}).json()["data"] == []
    bad = client.post("/reporting/submit", data={**data, "frequency": "monthly"})
    assert bad.status_code == 422


def test_the_upload_page_says_a_weekly_file_was_imported_as_daily(
    client: TestClient, make_person: Callable[..., Person]
) -> None:
    coordinator = make_person(Role.COORDINATOR, modules=["reporting"])
    csrf = sign_in(client, coordinator)
    assert 'name="frequency"' in client.get("/reporting/import").text
    header = "Date_reported,Country_code,Country,WHO_region,New_cases,Cumulative_cases,New_deaths,Cumulative_deaths"
    rows = [f"2020-03-{d:02d},NA,Namibia,AFRO,5,{5 * n},0,0" for n, d in enumerate((2, 9, 16), start=1)]
    content = "\n".join([header, *rows, ""]).encode()
    response = client.post(
        "/reporting/import",
        data={"csrf_token": csrf, "format": "auto", "frequency": "daily", "on_error": "skip"},
        files={"file": ("weekly.csv", content, "text/csv")},
    )
    assert response.status_code == 422, response.text
    assert "import it as weekly" in response.text
    assert client.get("/api/v1/reporting/series", params={"area": "NA"}).status_code == 404  # nothing written
    response = client.post(
        "/reporting/import",
        data={"csrf_token": csrf, "format": "auto", "frequency": "weekly"},
        files={"file": ("weekly.csv", content, "text/csv")},
    )
    assert response.status_code == 200, response.text
    weekly = client.get("/api/v1/reporting/series", params={"area": "NA", "frequency": "weekly"}).json()["data"]
    assert len(weekly) == 3
