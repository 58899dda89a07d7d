"""Editing documents: fields, the file (re-extracted and re-indexed), translations, training sessions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor, Role
from solidarity.assistance import service as assistance
from solidarity.assistance.schemas import FlowCreate
from solidarity.audit.models import AuditEntry
from solidarity.config import Settings
from solidarity.db import transaction
from solidarity.errors import Invalid
from solidarity.knowledge import service
from solidarity.knowledge.schemas import DocumentUpdate
from solidarity.knowledge.service import Upload
from solidarity.partners import service as partners_service
from solidarity.partners.models import OrganisationType
from solidarity.partners.schemas import OrganisationCreate
from tests.conftest import Person, sign_in
from tests.knowledge.test_search import SYSTEM, add

UPLOAD = "/api/v1/knowledge/documents/upload"


def _ids(session: Session, q: str) -> list[int]:
    return [h.document.id for h in service.search(session, q).items]


def _flow(session: Session, organisation: int, modality: str, **fields: object) -> int:
    data = FlowCreate.model_validate(
        {
            "provider": str(organisation),
            "channel": "bilateral",
            "modality": modality,
            "stage": "delivery",
            "flow_date": dt.date(2020, 4, 2),
            "description": "Online training for intensive care nurses",
            "sources": [{"citation": "Test source"}],
            **fields,
        }
    )
    return assistance.record_flow(session, SYSTEM, data).flow_id


@pytest.fixture
def editor(make_person: Callable[..., Person]) -> Person:
    return make_person(Role.EDITOR)


def test_editing_title_and_summary_changes_what_search_finds(db: sessionmaker[Session], settings: Settings) -> None:
    with transaction(db) as session:
        doc_id = add(session, settings, "Ventilator maintenance", "Check the filters weekly.", language="en")
    with transaction(db) as session:
        service.update_document(
            session,
            SYSTEM,
            doc_id,
            DocumentUpdate(title="Oxygen concentrator care", summary="新冠肺炎 隔离病房"),
            storage_dir=settings.data_dir,
            max_bytes=settings.max_upload_bytes,
        )
    with transaction(db) as session:
        assert _ids(session, "ventilator") == []
        assert _ids(session, "concentrator") == [doc_id]
        assert _ids(session, "隔离") == [doc_id]
        assert _ids(session, "filters") == [doc_id]  # the file was not touched
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == "document", AuditEntry.action == "update")
        ).one()
        assert entry.before is not None
        assert entry.after is not None
        assert (entry.before["title"], entry.after["title"]) == ("Ventilator maintenance", "Oxygen concentrator care")


def test_replacing_the_file_extracts_and_indexes_the_new_text(db: sessionmaker[Session], settings: Settings) -> None:
    with transaction(db) as session:
        doc_id = add(session, settings, "Ward plan", "Triage tents at the entrance.", language="en")
    with transaction(db) as session:
        html = b"<html><body><p>Negative pressure rooms for aerosol procedures.</p><script>tents</script></body></html>"
        doc = service.update_document(
            session,
            SYSTEM,
            doc_id,
            DocumentUpdate(),
            upload=Upload("plan.html", html),
            storage_dir=settings.data_dir,
            max_bytes=settings.max_upload_bytes,
        )
        assert (doc.file_name, doc.file_kind) == ("plan.html", "html")
    with transaction(db) as session:
        assert _ids(session, "tents") == []
        assert _ids(session, "aerosol procedures") == [doc_id]


def test_topics_countries_and_translation_link_can_change_and_be_cleared(
    db: sessionmaker[Session], settings: Settings
) -> None:
    with transaction(db) as session:
        zh = add(session, settings, "防控方案", "密切接触者应集中隔离。", language="zh")
        text = "Close contacts go into quarantine."
        en = add(session, settings, "Protocol", text, topics=["a", "b"], countries=["IT"])
    with transaction(db) as session:
        change = DocumentUpdate(topics=["B", "c"], countries=["China", "IT"], translation_of=zh)
        doc = service.update_document(
            session, SYSTEM, en, change, storage_dir=settings.data_dir, max_bytes=settings.max_upload_bytes
        )
        assert doc.topic_names == ["b", "c"]
        assert doc.country_codes == ["CN", "IT"]
        assert [d.id for d in service.translations(session, doc)] == [zh]
    with transaction(db) as session:
        service.update_document(
            session,
            SYSTEM,
            en,
            DocumentUpdate.model_validate({"translation_of": None}),
            storage_dir=settings.data_dir,
            max_bytes=settings.max_upload_bytes,
        )
        assert service.translations(session, service.get_document(session, en)) == []
        with pytest.raises(Invalid, match="cannot translate itself"):
            service.update_document(
                session,
                SYSTEM,
                en,
                DocumentUpdate(translation_of=en),
                storage_dir=settings.data_dir,
                max_bytes=settings.max_upload_bytes,
            )


def test_training_session_must_be_a_training_in_the_assistance_ledger(
    db: sessionmaker[Session], settings: Settings, organisation: int
) -> None:
    with transaction(db) as session:
        training = _flow(session, organisation, "training", topic="ICU nursing", capacity_kind="training")
        money = _flow(session, organisation, "financial", amount="1000", currency="USD", description="A grant")
        doc_id = add(session, settings, "ICU nursing slides", "Prone positioning.", language="en")
    with transaction(db) as session:
        for bad, reason in ((money, "not a training"), (999999, "no such assistance flow")):
            with pytest.raises(Invalid, match=reason) as caught:
                service.update_document(
                    session,
                    SYSTEM,
                    doc_id,
                    DocumentUpdate(training_session_id=bad),
                    storage_dir=settings.data_dir,
                    max_bytes=settings.max_upload_bytes,
                )
            assert caught.value.details[0]["field"] == "training_session_id"
    with transaction(db) as session:
        doc = service.update_document(
            session,
            SYSTEM,
            doc_id,
            DocumentUpdate(training_session_id=training),
            storage_dir=settings.data_dir,
            max_bytes=settings.max_upload_bytes,
        )
        linked = service.document_training_session(session, doc)
        assert linked == service.TrainingSession(training, "ICU nursing", dt.date(2020, 4, 2))
        assert [t.flow_id for t in service.training_sessions(session)] == [training]
        assert [d.id for d in service.documents_for_training_session(session, training)] == [doc_id]
        assert service.documents_for_training_session(session, money) == []


def test_api_patch_checks_permissions_and_search_follows(
    client: TestClient,
    db: sessionmaker[Session],
    editor: Person,
    make_person: Callable[..., Person],
    token_for: Callable[[Person], dict[str, str]],
    organisation: int,
) -> None:
    owner = token_for(editor)
    created = client.post(UPLOAD, headers=owner, data={"title": "Mask guidance"}, files={"file": ("m.txt", b"Cloth")})
    doc_id = created.json()["id"]
    with transaction(db) as session:
        other = partners_service.create_organisation(
            session, Actor.system("test"), OrganisationCreate(name="Other Ministry", type=OrganisationType.GOVERNMENT)
        ).id
        training = _flow(session, organisation, "training", topic="Mask fitting")
    stranger = token_for(make_person(Role.EDITOR, organisation_id=other))
    url = f"/api/v1/knowledge/documents/{doc_id}"
    assert client.patch(url, json={"title": "Hijacked"}).status_code in (401, 403)
    assert client.patch(url, headers=stranger, json={"title": "Hijacked"}).status_code == 403
    assert client.patch(url, headers=owner, json={"organisation": str(other)}).status_code == 403
    refused = client.patch(url, headers=owner, json={"training_session_id": 424242})
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["field"] == "training_session_id"
    assert client.patch(url, headers=owner, json={"countries": ["Atlantis"]}).status_code == 422
    changed = client.patch(url, headers=owner, json={"title": "Respirator guidance", "training_session_id": training})
    assert changed.status_code == 200, changed.text
    assert changed.json()["training_session"] == {
        "flow_id": training,
        "topic": "Mask fitting",
        "flow_date": "2020-04-02",
        "url": f"/assistance/flows/{training}",
    }
    found = client.get("/api/v1/knowledge/search", params={"q": "respirator"}).json()
    assert found["count_is_lower_bound"] is False
    hits = found["data"]
    assert [h["id"] for h in hits] == [doc_id]
    assert client.get("/api/v1/knowledge/search", params={"q": "hijacked"}).json()["data"] == []
    assert client.get(url).json()["training_session"]["topic"] == "Mask fitting"
    flow_page = client.get(f"/assistance/flows/{training}").text  # the session's page links back
    assert f'<a href="/knowledge/documents/{doc_id}">Respirator guidance</a>' in flow_page


def test_api_put_file_replaces_the_text_and_refuses_a_disguised_file(
    client: TestClient, editor: Person, token_for: Callable[[Person], dict[str, str]]
) -> None:
    owner = token_for(editor)
    created = client.post(UPLOAD, headers=owner, data={"title": "Plan"}, files={"file": ("p.txt", b"old wording")})
    url = f"/api/v1/knowledge/documents/{created.json()['id']}/file"
    assert client.put(url, headers=owner, files={"file": ("p.pdf", b"MZ\x90\x00" + b"\x00" * 64)}).status_code == 415
    replaced = client.put(url, headers=owner, files={"file": ("p.md", "# 新方案\n体温监测".encode())})
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["file_kind"] == "markdown"
    assert client.get("/api/v1/knowledge/search", params={"q": "wording"}).json()["data"] == []
    assert [h["id"] for h in client.get("/api/v1/knowledge/search", params={"q": "体温"}).json()["data"]] == [
        created.json()["id"]
    ]
    assert client.get(url).content == "# 新方案\n体温监测".encode()


def test_edit_form_saves_fields_and_a_new_file_and_shows_the_training_link(
    client: TestClient, db: sessionmaker[Session], editor: Person, organisation: int
) -> None:
    csrf = sign_in(client, editor)
    with transaction(db) as session:
        training = _flow(session, organisation, "training", topic="Lab biosafety course")
    created = client.post(
        "/knowledge/upload",
        data={"csrf_token": csrf, "title": "Lab manual", "topics": "labs"},
        files={"file": ("lab.txt", b"Biosafety cabinets.")},
        follow_redirects=False,
    )
    doc_url = created.headers["location"]
    page = client.get(f"{doc_url}/edit")
    assert page.status_code == 200
    assert 'value="Lab manual"' in page.text
    assert "Lab biosafety course" in page.text
    assert f'href="{doc_url}/edit"' in client.get(doc_url).text
    bad = client.post(f"{doc_url}/edit", data={"csrf_token": csrf, "title": "", "language": "en"})
    assert bad.status_code == 422
    assert "title" in bad.text
    saved = client.post(
        f"{doc_url}/edit",
        data={
            "csrf_token": csrf,
            "title": "Laboratory manual",
            "language": "en",
            "document_type": "protocol",
            "topics": "labs, biosafety",
            "training_session_id": str(training),
        },
        files={"file": ("lab2.txt", b"Centrifuge aerosols.")},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    shown = client.get(doc_url).text
    assert "Laboratory manual" in shown
    assert "Centrifuge aerosols." in shown
    assert f'<a href="/assistance/flows/{training}">Lab biosafety course</a>, 2020-04-02' in shown
    results = client.get("/knowledge", params={"q": "centrifuge"}).text
    assert "Laboratory manual" in results
    assert "Laboratory manual" not in client.get("/knowledge", params={"q": "cabinets"}).text


def test_viewer_cannot_open_the_edit_form(
    client: TestClient, db: sessionmaker[Session], settings: Settings, make_person: Callable[..., Person]
) -> None:
    with transaction(db) as session:
        doc_id = add(session, settings, "Some guideline", "Text.")
    sign_in(client, make_person(Role.VIEWER))
    assert client.get(f"/knowledge/documents/{doc_id}/edit").status_code == 403


def test_topics_differing_only_in_case_and_a_country_named_twice_are_kept_once(
    client: TestClient, editor: Person, token_for: Callable[[Person], dict[str, str]]
) -> None:
    owner = token_for(editor)
    fields = {"title": "Mask guidance", "topics": "Masks, masks, PPE", "countries": "FR, France, fra"}
    created = client.post(UPLOAD, headers=owner, data=fields, files={"file": ("m.txt", b"Cloth")})
    assert created.status_code == 201, created.text
    assert created.json()["topics"] == ["masks", "ppe"]
    assert created.json()["countries"] == ["FR"]
    url = f"/api/v1/knowledge/documents/{created.json()['id']}"
    changed = client.patch(url, headers=owner, json={"topics": ["PPE", "Gloves", "gloves"], "countries": ["DE", "DEU"]})
    assert changed.status_code == 200, changed.text
    assert sorted(changed.json()["topics"]) == ["gloves", "ppe"]
    assert changed.json()["countries"] == ["DE"]


def test_upload_form_keeps_a_topic_given_twice_in_different_case_once(
    client: TestClient, editor: Person, organisation: int
) -> None:
    csrf = sign_in(client, editor)
    created = client.post(
        "/knowledge/upload",
        data={"csrf_token": csrf, "title": "Lab manual", "topics": "Labs, labs", "countries": "Kenya, KE"},
        files={"file": ("lab.txt", b"Biosafety cabinets.")},
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    doc_url = created.headers["location"]
    form = client.get(f"{doc_url}/edit").text
    assert 'value="labs"' in form
    assert 'value="KE"' in form
    saved = client.post(
        f"{doc_url}/edit",
        data={"csrf_token": csrf, "title": "Lab manual", "language": "en", "topics": "Biosafety, BIOSAFETY, labs"},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    assert 'value="biosafety, labs"' in client.get(f"{doc_url}/edit").text
