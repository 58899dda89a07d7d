"""Submissions through the service and the API: permissions, idempotency, uploads, reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor, Role
from solidarity.db import transaction
from solidarity.errors import Forbidden, Invalid
from solidarity.reporting import service
from solidarity.reporting.models import ReportVersion
from solidarity.reporting.schemas import FigureSubmission
from tests.conftest import Person
from tests.reporting.conftest import DATA, TODAY, assert_derived_tables_agree


def _reported_by(db: sessionmaker[Session], code: str, organisation_id: int) -> None:
    with transaction(db) as session:
        service.set_reporting_organisation(session, Actor.system("test"), code, str(organisation_id))


def _record(area: str = "NA", day: int = 3, new: int = 4, cumulative: int | None = None) -> FigureSubmission:
    return FigureSubmission(area=area, date=dt.date(2020, 3, day), new=new, cumulative=cumulative)


def _versions(db: sessionmaker[Session]) -> int:
    with transaction(db) as session:
        return session.scalar(select(func.count()).select_from(ReportVersion)) or 0


def test_editor_submits_for_an_area_their_organisation_reports(
    db: sessionmaker[Session], make_person: Callable[..., Person]
) -> None:
    editor = make_person(Role.EDITOR)
    _reported_by(db, "NA", editor.organisation_id)
    with transaction(db) as session:
        report = service.submit_records(session, editor.actor, [_record(), _record(day=4, new=-1)], today=TODAY)
    assert (report.accepted, report.flagged, report.version) == (2, 1, 1)
    with transaction(db) as session:
        assert_derived_tables_agree(session)


def test_editor_may_not_submit_another_organisations_area(
    db: sessionmaker[Session], make_person: Callable[..., Person]
) -> None:
    editor = make_person(Role.EDITOR)
    _reported_by(db, "NA", editor.organisation_id)
    with transaction(db) as session, pytest.raises(Forbidden):
        service.submit_records(session, editor.actor, [_record(), _record(area="FR")], today=TODAY)
    assert _versions(db) == 0


def test_viewer_may_not_submit(db: sessionmaker[Session], make_person: Callable[..., Person]) -> None:
    viewer = make_person(Role.VIEWER)
    with transaction(db) as session, pytest.raises(Forbidden):
        service.submit_records(session, viewer.actor, [_record()], today=TODAY)


def test_same_idempotency_key_returns_the_first_result_without_writing(
    db: sessionmaker[Session], make_person: Callable[..., Person]
) -> None:
    coordinator = make_person(Role.COORDINATOR, modules=["reporting"])
    with transaction(db) as session:
        first = service.submit_records(session, coordinator.actor, [_record()], "key-1", today=TODAY)
    with transaction(db) as session:
        again = service.submit_records(session, coordinator.actor, [_record(new=99)], "key-1", today=TODAY)
    assert again.version == first.version
    assert _versions(db) == 1


def test_bad_records_are_all_reported_and_nothing_is_written(
    db: sessionmaker[Session], make_person: Callable[..., Person]
) -> None:
    coordinator = make_person(Role.COORDINATOR, modules=["reporting"])
    records = [_record(), _record(area="QQ"), _record(), FigureSubmission(area="NA", date=dt.date(2030, 1, 1), new=1)]
    with transaction(db) as session, pytest.raises(Invalid) as raised:
        service.submit_records(session, coordinator.actor, records, today=TODAY)
    assert {d["line"] for d in raised.value.details} == {2, 3, 4}
    assert _versions(db) == 0


def test_api_submission_answers_201_and_replays_an_idempotency_key(
    client: TestClient, make_person: Callable[..., Person], token_for: Callable[[Person], dict[str, str]]
) -> None:
    coordinator = make_person(Role.COORDINATOR, modules=["reporting"])
    headers = token_for(coordinator) | {"Idempotency-Key": "abc"}
    body = [{"area": "NA", "date": "2020-03-03", "new": 2, "cumulative": 2}]
    first = client.post("/api/v1/reporting/submissions", json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = client.post("/api/v1/reporting/submissions", json=body, headers=headers)
    assert again.json()["version"] == first.json()["version"]


def test_api_submission_names_each_bad_field(
    client: TestClient, make_person: Callable[..., Person], token_for: Callable[[Person], dict[str, str]]
) -> None:
    coordinator = make_person(Role.COORDINATOR, modules=["reporting"])
    body = [{"area": "NA", "date": "2020-03-03", "new": 2}, {"area": "NA", "date": "not a date", "cumulative": -3}]
    response = client.post("/api/v1/reporting/submissions", json=body, headers=token_for(coordinator))
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert any("date" in f for f in fields)
    assert any("cumulative" in f for f in fields)


def test_api_editor_of_another_organisation_gets_403(
    client: TestClient,
    db: sessionmaker[Session],
    make_person: Callable[..., Person],
    token_for: Callable[[Person], dict[str, str]],
) -> None:
    editor = make_person(Role.EDITOR)
    response = client.post(
        "/api/v1/reporting/submissions",
        json={"area": "FR", "date": "2020-03-03", "new": 1},
        headers=token_for(editor),
    )
    assert response.status_code == 403


def test_api_upload_imports_a_who_file_and_reads_series_and_milestones(
    client: TestClient, make_person: Callable[..., Person], token_for: Callable[[Person], dict[str, str]]
) -> None:
    coordinator = make_person(Role.COORDINATOR, modules=["reporting"])
    content = (DATA / "who" / "WHO-COVID-19-global-daily-data.csv").read_bytes()
    response = client.post(
        "/api/v1/reporting/imports",
        files={"file": ("WHO-COVID-19-global-data.csv", content, "text/csv")},
        data={"on_error": "warn"},
        headers=token_for(coordinator),
    )
    assert response.status_code == 201, response.text
    assert response.json()["version"] == 1
    series = client.get("/api/v1/reporting/series", params={"area": "NA", "avg7": "true", "per100k": "true"})
    assert series.status_code == 200
    assert series.json()["data"][-1]["new"] == -1
    assert client.get("/api/v1/reporting/series", params={"area": "NA", "format": "csv"}).text.startswith("date,")
    milestones = client.get("/api/v1/reporting/milestones", params={"step": 100}).json()["data"]
    assert milestones[0]["source"] == "WHO COVID-19 global data"
    assert client.get("/api/v1/reporting/revisions", params={"area": "NA"}).json()["count"] == 1
    assert client.get("/api/v1/reporting/versions/1").json()["source_format"] == "who"
    assert client.get("/api/v1/reporting/quality", params={"area": "NA"}).json()["negative_new"]
    areas = client.get("/api/v1/reporting/areas").json()
    assert {"NA", "XX"} <= {a["code"] for a in areas["data"]}


def test_api_upload_larger_than_the_limit_gets_413(
    settings: object, make_person: Callable[..., Person], token_for: Callable[[Person], dict[str, str]]
) -> None:
    from solidarity.config import load_settings
    from solidarity.web.app import create_app

    small = load_settings(**{**settings.model_dump(), "max_upload_bytes": 2048})  # type: ignore[attr-defined]
    coordinator = make_person(Role.COORDINATOR, modules=["reporting"])
    app = create_app(small)
    with TestClient(app) as client:
        response = client.post(
            "/api/v1/reporting/imports",
            files={"file": ("big.csv", b"x" * 10_000, "text/csv")},
            headers=token_for(coordinator),
        )
    app.state.engine.dispose()
    assert response.status_code == 413


def test_anonymous_may_read_but_not_write(client: TestClient) -> None:
    assert client.get("/api/v1/reporting/series", params={"area": "global"}).status_code == 200
    response = client.post(
        "/api/v1/reporting/submissions",
        json={"area": "NA", "date": "2020-03-03", "new": 1},
        headers={"x-csrf-token": "x"},
    )
    assert response.status_code in (401, 403)
