"""An editor's upload with another organisation's areas is refused as a whole, naming those areas."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor, Role
from solidarity.db import transaction
from solidarity.reporting import service
from solidarity.reporting.models import ReportVersion
from tests.conftest import Person
from tests.reporting.conftest import WHO_HEADER

ROWS = (
    "2020-03-03,NA,Namibia,AFRO,2,2,0,0",
    "2020-03-03,FR,France,EURO,5,5,0,0",
    "2020-03-04,NA,Namibia,AFRO,1,3,0,0",
    "2020-03-04,FR,France,EURO,1,6,0,0",
    "2020-03-04,JP,Japan,WPRO,1,1,0,0",
)


def _upload(client: TestClient, headers: dict[str, str], *rows: str, on_error: str = "error-first") -> Response:
    content = "\n".join((WHO_HEADER, *rows)) + "\n"
    return client.post(
        "/api/v1/reporting/imports",
        files={"file": ("WHO-COVID-19-global-data.csv", content.encode(), "text/csv")},
        data={"on_error": on_error},
        headers=headers,
    )


def test_editor_upload_with_foreign_areas_gets_one_403_naming_them(
    client: TestClient,
    db: sessionmaker[Session],
    make_person: Callable[..., Person],
    token_for: Callable[[Person], dict[str, str]],
) -> None:
    editor = make_person(Role.EDITOR)
    with transaction(db) as session:
        service.set_reporting_organisation(session, Actor.system("test"), "NA", str(editor.organisation_id))
    headers = token_for(editor)
    for mode in ("error-first", "skip"):
        response = _upload(client, headers, *ROWS, on_error=mode)
        assert response.status_code == 403, response.text
        error = response.json()["error"]
        assert "FR, JP" in error["message"]
        assert [d["value"] for d in error["details"]] == ["FR", "JP"]
    with transaction(db) as session:
        assert session.scalar(select(func.count()).select_from(ReportVersion)) == 0
    own = _upload(client, headers, ROWS[0], ROWS[2])
    assert own.status_code == 201, own.text
    assert own.json()["accepted"] == 4  # cases and deaths of two days


def test_an_editor_resending_a_file_a_coordinator_imported_gets_the_same_403(
    client: TestClient,
    db: sessionmaker[Session],
    make_person: Callable[..., Person],
    token_for: Callable[[Person], dict[str, str]],
) -> None:
    editor = make_person(Role.EDITOR)
    with transaction(db) as session:
        service.set_reporting_organisation(session, Actor.system("test"), "NA", str(editor.organisation_id))
    coordinator = token_for(make_person(Role.COORDINATOR, modules=["reporting"]))
    assert _upload(client, coordinator, *ROWS).status_code == 201
    # the same bytes again: an editor is told what the file itself would tell them, not "imported before"
    response = _upload(client, token_for(editor), *ROWS)
    assert response.status_code == 403, response.text
    assert [d["value"] for d in response.json()["error"]["details"]] == ["FR", "JP"]
    # a file of only their own areas, imported before, is still answered as a duplicate
    own = ("2020-03-05,NA,Namibia,AFRO,4,7,0,0", "2020-03-06,NA,Namibia,AFRO,1,8,0,0")
    assert _upload(client, coordinator, *own).json()["version"] == 2
    again = _upload(client, token_for(editor), *own)
    assert again.status_code == 201, again.text
    assert again.json()["is_duplicate_file"] is True
