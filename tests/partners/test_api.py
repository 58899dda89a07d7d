import csv
import io
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Role
from solidarity.partners.models import OrganisationType
from tests.conftest import Person
from tests.partners.conftest import counts

Register = Callable[..., int]
Tokens = Callable[[Person], dict[str, str]]


def test_create_answers_201_and_a_duplicate_409_with_the_existing_id(
    client: TestClient, db: sessionmaker[Session], coordinator: Person, token_for: Tokens
) -> None:
    headers = token_for(coordinator)
    created = client.post(
        "/api/v1/organisations",
        json={
            "name": "World Food Programme",
            "acronym": "WFP",
            "type": "un_agency",
            "aliases": ["UN World Food Programme"],
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["aliases"] == ["UN World Food Programme"]
    assert body["country_code"] is None
    before = counts(db)
    for name in ("world-food programme", "U.N. World Food Programme"):
        refused = client.post("/api/v1/organisations", json={"name": name, "type": "ngo"}, headers=headers)
        assert refused.status_code == 409
        error = refused.json()["error"]
        assert error["code"] == "conflict"
        assert error["details"]["existing_id"] == body["id"]
        assert f"exists already (id {body['id']})" in error["message"]
    assert counts(db) == before


def test_get_and_patch_answer_404_for_an_unknown_organisation(
    client: TestClient, admin: Person, token_for: Tokens
) -> None:
    assert client.get("/api/v1/organisations/999999").json()["error"]["code"] == "not_found"
    response = client.patch("/api/v1/organisations/999999", json={"description": "x"}, headers=token_for(admin))
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Organisation 999999 does not exist"


def test_bad_input_answers_422_naming_the_field(client: TestClient, admin: Person, token_for: Tokens) -> None:
    headers = token_for(admin)
    unknown_country = client.post(
        "/api/v1/organisations", json={"name": "Atlantis Aid", "type": "ngo", "country": "Atlantis"}, headers=headers
    )
    assert unknown_country.status_code == 422
    assert unknown_country.json()["error"]["details"][0]["field"] == "country"
    bad_type = client.post("/api/v1/organisations", json={"name": "Typeless", "type": "club"}, headers=headers)
    assert bad_type.status_code == 422
    assert bad_type.json()["error"]["details"][0]["field"] == "type"
    bad_site = client.post(
        "/api/v1/organisations",
        json={"name": "Siteless", "type": "ngo", "website": "javascript:alert(1)"},
        headers=headers,
    )
    assert bad_site.status_code == 422


def test_editor_patches_their_own_organisation_and_gets_403_for_another(
    client: TestClient, register: Register, make_person: Callable[..., Person], token_for: Tokens
) -> None:
    own = register("Own Hospital", OrganisationType.HOSPITAL, country="IT")
    other = register("Other Hospital", OrganisationType.HOSPITAL, country="IT")
    headers = token_for(make_person(Role.EDITOR, organisation_id=own))
    ok = client.patch(
        f"/api/v1/organisations/{own}", json={"aliases": ["Own General Hospital"], "country": "ITA"}, headers=headers
    )
    assert ok.status_code == 200
    assert ok.json()["aliases"] == ["Own General Hospital"]
    refused = client.patch(f"/api/v1/organisations/{other}", json={"description": "x"}, headers=headers)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"


def test_anyone_reads_the_list_with_filters_and_csv_but_anonymous_cannot_write(
    client: TestClient, register: Register
) -> None:
    register("Government of Pakistan", OrganisationType.GOVERNMENT, country="PK", aliases=["Pakistan Government"])
    register("Government of Serbia", OrganisationType.GOVERNMENT, country="RS")
    register("Serbian Red Cross", country="RS")
    listing = client.get("/api/v1/organisations", params={"type": "government", "country": "Serbia"}).json()
    assert listing["count"] == 1
    assert listing["data"][0]["name"] == "Government of Serbia"
    ranked = client.get("/api/v1/organisations", params={"q": "government"}).json()
    assert [o["name"] for o in ranked["data"]] == ["Government of Pakistan", "Government of Serbia"]
    response = client.get("/api/v1/organisations", params={"format": "csv", "country": "PK"})
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["name"], r["aliases"]) for r in rows] == [("Government of Pakistan", "Pakistan Government")]
    anonymous = client.post("/api/v1/organisations", json={"name": "Anon", "type": "ngo"})
    assert anonymous.status_code in (401, 403)


def test_search_endpoint_says_what_matched(client: TestClient, register: Register) -> None:
    register("China NGO Network for International Exchanges", OrganisationType.NETWORK, acronym="CNIE")
    hits = client.get("/api/v1/organisations/search", params={"q": "cnie"}).json()
    assert [(h["organisation"]["acronym"], h["matched_kind"], h["rank"]) for h in hits] == [("CNIE", "acronym", 0)]


def test_network_members_and_joint_actions_over_the_api(
    client: TestClient, register: Register, admin: Person, token_for: Tokens
) -> None:
    headers = token_for(admin)
    network = register("Health NGO Network", OrganisationType.NETWORK)
    member = register("Clinic Foundation")
    added = client.post(
        f"/api/v1/networks/{network}/members", json={"member_id": member, "role": "founder"}, headers=headers
    )
    assert added.status_code == 201
    assert added.json()["member_name"] == "Clinic Foundation"
    again = client.post(f"/api/v1/networks/{network}/members", json={"member_id": member}, headers=headers)
    assert again.status_code == 409
    assert again.json()["error"]["details"]["existing_id"]
    members = client.get(f"/api/v1/networks/{network}/members").json()
    assert members["count"] == 1
    assert members["data"][0]["role"] == "founder"
    assert client.get(f"/api/v1/networks/{member}/members").status_code == 422

    created = client.post(
        "/api/v1/joint-actions",
        json={
            "network_id": network,
            "title": "Oxygen concentrators",
            "participant_ids": [member],
            "countries": ["Iraq", "SRB"],
            "start_date": "2020-04-01",
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    action = created.json()
    assert action["countries"] == ["IQ", "RS"]
    assert action["participants"] == [{"id": member, "name": "Clinic Foundation"}]
    patched = client.patch(f"/api/v1/joint-actions/{action['id']}", json={"status": "completed"}, headers=headers)
    assert patched.json()["status"] == "completed"
    listed = client.get("/api/v1/joint-actions", params={"country": "IQ"}).json()
    assert [a["id"] for a in listed["data"]] == [action["id"]]
    csv_text = client.get("/api/v1/joint-actions", params={"format": "csv"}).text
    assert "Oxygen concentrators" in csv_text
    assert "IQ; RS" in csv_text
    assert client.get("/api/v1/joint-actions/999999").status_code == 404
    assert client.delete(f"/api/v1/networks/{network}/members/{member}", headers=headers).status_code == 204
