from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor, Role
from solidarity.config import Settings
from solidarity.db import transaction
from solidarity.partners import service as partners_service
from solidarity.partners.models import OrganisationType
from solidarity.partners.schemas import OrganisationCreate
from solidarity.web.app import create_app
from tests.conftest import Person, sign_in
from tests.knowledge.pdfs import make_pdf

UPLOAD = "/api/v1/knowledge/documents/upload"


def _upload(client: TestClient, headers: dict[str, str], name: str, content: bytes, **fields: str) -> object:
    return client.post(UPLOAD, headers=headers, data={"title": "T", **fields}, files={"file": (name, content)})


@pytest.fixture
def editor(make_person: Callable[..., Person], token_for: Callable[[Person], dict[str, str]]) -> dict[str, str]:
    return token_for(make_person(Role.EDITOR))


def test_pdf_disguised_as_txt_is_read_as_pdf(client: TestClient, editor: dict[str, str]) -> None:
    response = _upload(client, editor, "notes.txt", make_pdf("Isolation wards for suspected cases"))
    assert response.status_code == 201, response.text
    assert response.json()["file_kind"] == "pdf"
    found = client.get("/api/v1/knowledge/search", params={"q": "isolation wards"}).json()
    assert [h["id"] for h in found["data"]] == [response.json()["id"]]


def test_executable_renamed_pdf_is_refused(client: TestClient, editor: dict[str, str]) -> None:
    response = _upload(client, editor, "guideline.pdf", b"MZ\x90\x00" + b"\x00" * 200)
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_file_type"


def test_zip_renamed_pdf_is_refused(client: TestClient, editor: dict[str, str]) -> None:
    response = _upload(client, editor, "guideline.pdf", b"PK\x03\x04" + b"\x00" * 100)
    assert response.status_code == 415


def test_broken_pdf_gets_a_specific_error(client: TestClient, editor: dict[str, str]) -> None:
    response = _upload(client, editor, "broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unreadable_document"


@pytest.mark.parametrize("name", ["../../etc/passwd", "..\\x.txt", ".hidden"])
def test_path_tricks_in_the_file_name_are_refused(client: TestClient, editor: dict[str, str], name: str) -> None:
    assert _upload(client, editor, name, b"hello").status_code == 422


def test_oversize_upload_is_refused_with_413(settings: Settings, tmp_path: Path) -> None:
    small = settings.model_copy(update={"max_upload_bytes": 2048})
    app = create_app(small)
    with TestClient(app) as client:
        response = client.post(UPLOAD, data={"title": "T"}, files={"file": ("big.txt", b"a" * 5000)})
    app.state.engine.dispose()
    assert response.status_code == 413


def test_anonymous_upload_is_refused(client: TestClient) -> None:
    assert _upload(client, {}, "a.txt", b"hello").status_code in (401, 403)


def test_search_api_answers_422_for_nothing_to_search(client: TestClient) -> None:
    response = client.get("/api/v1/knowledge/search", params={"q": '"*()'})
    assert response.status_code == 422
    assert "Nothing to search for" in response.json()["error"]["message"]


def test_viewer_cannot_record_a_measure_and_editor_can(
    client: TestClient, make_person: Callable[..., Person], token_for: Callable[[Person], dict[str, str]]
) -> None:
    body = {"country": "Italy", "measure_type": "national_lockdown", "start_date": "2020-03-09", "source": "Decree"}
    viewer = token_for(make_person(Role.VIEWER))
    assert client.post("/api/v1/knowledge/measures", json=body, headers=viewer).status_code == 403
    editor = token_for(make_person(Role.EDITOR))
    created = client.post("/api/v1/knowledge/measures", json=body, headers=editor)
    assert created.status_code == 201
    assert created.json()["country_code"] == "IT"
    measure_id = created.json()["id"]
    bad = client.patch(f"/api/v1/knowledge/measures/{measure_id}", json={"end_date": "2020-01-01"}, headers=editor)
    assert bad.status_code == 422
    ok = client.patch(f"/api/v1/knowledge/measures/{measure_id}", json={"end_date": "2020-05-18"}, headers=editor)
    assert ok.json()["end_date"] == "2020-05-18"
    listed = client.get("/api/v1/knowledge/measures", params={"country": "IT"}).json()
    assert listed["count"] == 1
    assert client.delete(f"/api/v1/knowledge/measures/{measure_id}", headers=editor).status_code == 204


def test_vaccine_candidate_crud_keeps_the_furthest_phase(
    client: TestClient, make_person: Callable[..., Person], token_for: Callable[[Person], dict[str, str]]
) -> None:
    coordinator = token_for(make_person(Role.COORDINATOR, modules=["knowledge"]))
    body = {
        "name": "Demo candidate A",
        "platform": "inactivated",
        "developers": ["Ministry of Health of Testland", "Lab X"],
        "partners": ["Partner Y"],
        "trial_countries": ["Brazil", "TR"],
        "phases": [
            {"phase": "preclinical", "started_on": "2020-02-01"},
            {"phase": "phase_1", "started_on": "2020-04-16"},
        ],
    }
    created = client.post("/api/v1/knowledge/vaccines", json=body, headers=coordinator)
    assert created.status_code == 201, created.text
    data = created.json()
    assert data["phase"] == "phase_1"
    assert data["developers"][0]["organisation_id"] is not None
    assert data["developers"][1]["organisation_id"] is None
    assert data["trial_countries"] == ["BR", "TR"]
    assert client.post("/api/v1/knowledge/vaccines", json=body, headers=coordinator).status_code == 409
    patch = {
        "phases": [*body["phases"], {"phase": "phase_3", "started_on": "2020-07-21"}],
        "is_global_public_good": True,
    }
    updated = client.patch(f"/api/v1/knowledge/vaccines/{data['id']}", json=patch, headers=coordinator).json()
    assert updated["phase"] == "phase_3"
    assert updated["is_global_public_good"]
    page = client.get("/knowledge/vaccines")
    assert page.status_code == 200
    assert "Demo candidate A" in page.text
    assert 'data-chart="landscape"' in page.text
    assert client.delete(f"/api/v1/knowledge/vaccines/{data['id']}", headers=coordinator).status_code == 204


def test_pages_render_search_document_translations_and_country(
    client: TestClient, make_person: Callable[..., Person]
) -> None:
    person = make_person(Role.EDITOR)
    csrf = sign_in(client, person)
    zh = client.post(
        "/knowledge/upload",
        data={"csrf_token": csrf, "title": "防控方案", "language": "zh", "countries": "CN"},
        files={"file": ("zh.md", "密切接触者应集中隔离医学观察。".encode())},
        follow_redirects=False,
    )
    assert zh.status_code == 303, zh.text
    zh_id = zh.headers["location"].rsplit("/", 1)[-1]
    en = client.post(
        "/knowledge/upload",
        data={"csrf_token": csrf, "title": "Protocol", "language": "en", "translation_of": zh_id},
        files={
            "file": (
                "en.html",
                b"<html><body><p>Close contacts go into quarantine.</p><script>x</script></body></html>",
            )
        },
        follow_redirects=False,
    )
    assert en.status_code == 303, en.text
    results = client.get("/knowledge", params={"q": "quarantine"})
    assert "<mark>quarantine</mark>" in results.text
    assert "防控方案" in results.text
    assert "<mark>隔离</mark>" in client.get("/knowledge", params={"q": "隔离"}).text
    assert client.get("/knowledge", params={"q": "*"}).status_code == 422
    assert "Protocol" in client.get(f"/knowledge/documents/{zh_id}").text
    country = client.get("/knowledge/countries/CN")
    assert country.status_code == 200
    assert "防控方案" in country.text
    refused = client.post(
        "/knowledge/upload", data={"csrf_token": csrf, "title": "x"}, files={"file": ("x.pdf", b"MZ\x00\x00")}
    )
    assert refused.status_code == 415
    assert "not a supported document" in refused.text
    assert json.loads(client.get("/api/v1/knowledge/documents").text)["count"] == 2


def test_editor_cannot_delete_another_organisations_document_and_file_downloads_as_attachment(
    client: TestClient,
    make_person: Callable[..., Person],
    token_for: Callable[[Person], dict[str, str]],
    db: sessionmaker[Session],
) -> None:
    owner = token_for(make_person(Role.EDITOR))
    created = _upload(client, owner, "plan.md", "# Plan\n隔离".encode())
    doc_id = created.json()["id"]
    download = client.get(f"/api/v1/knowledge/documents/{doc_id}/file")
    assert download.content == "# Plan\n隔离".encode()
    assert download.headers["content-disposition"].startswith("attachment")
    with transaction(db) as session:
        other_org = partners_service.create_organisation(
            session, Actor.system("test"), OrganisationCreate(name="Other Ministry", type=OrganisationType.GOVERNMENT)
        ).id
    stranger = token_for(make_person(Role.EDITOR, organisation_id=other_org))
    assert client.delete(f"/api/v1/knowledge/documents/{doc_id}", headers=stranger).status_code == 403
    assert client.delete(f"/api/v1/knowledge/documents/{doc_id}", headers=owner).status_code == 204
    assert client.get(f"/api/v1/knowledge/documents/{doc_id}").status_code == 404


def test_search_page_and_api_say_when_the_count_is_a_lower_bound(
    client: TestClient, editor: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from solidarity.knowledge import querying

    monkeypatch.setattr(querying, "MAX_RANKED", 2)
    for n in range(3):
        assert _upload(client, editor, f"g{n}.txt", b"Hand hygiene stations.", title=f"Guide {n}").status_code == 201
    found = client.get("/api/v1/knowledge/search", params={"q": "hygiene"}).json()
    assert (found["count"], found["count_is_lower_bound"], len(found["data"])) == (2, True, 2)
    page = client.get("/knowledge", params={"q": "hygiene"})
    assert "More than 2 documents: the best of the 2 newest are shown" in page.text
    assert "Guide 0" not in page.text
