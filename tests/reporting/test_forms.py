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
