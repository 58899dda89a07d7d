import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Role
from solidarity.partners.models import OrganisationType
from tests.conftest import Person, csrf_from, sign_in
from tests.partners.conftest import counts

Register = Callable[..., int]


def test_coordinator_registers_through_the_form_and_sees_the_detail_page(
    client: TestClient, coordinator: Person, register: Register
) -> None:
    parent = register("Government of the People's Republic of China", OrganisationType.GOVERNMENT, country="CN")
    token = sign_in(client, coordinator)
    form = client.get("/partners/new")
    assert form.status_code == 200
    assert 'name="csrf_token"' in form.text
    response = client.post(
        "/partners/new",
        data={
            "csrf_token": token,
            "name": "National Health Commission of China",
            "acronym": "NHC",
            "type": "government_agency",
            "country": "China",
            "parent_id": str(parent),
            "website": "",
            "aliases": "National Health Commission of the PRC\n\nNHC China\n",
            "description": "",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    page = client.get(response.headers["location"])
    assert "National Health Commission of the PRC; NHC China" in page.text
    assert f'href="/partners/{parent}"' in page.text
    assert "China (CN)" in page.text
    parent_page = client.get(f"/partners/{parent}")
    assert "National Health Commission of China" in parent_page.text  # listed among its parts


def test_a_duplicate_in_the_form_is_shown_again_with_the_message_and_the_values(
    client: TestClient, db: sessionmaker[Session], coordinator: Person, register: Register
) -> None:
    who = register("World Health Organization", OrganisationType.UN_AGENCY, aliases=["OMS"])
    token = sign_in(client, coordinator)
    before = counts(db)
    response = client.post(
        "/partners/new",
        data={"csrf_token": token, "name": "Some Health Body", "type": "un_agency", "aliases": "oms", "acronym": "SHB"},
    )
    assert response.status_code == 409
    assert f"exists already (id {who})" in response.text
    assert 'value="Some Health Body"' in response.text
    assert 'value="SHB"' in response.text
    assert re.search(r'<option value="un_agency" selected>', response.text)
    assert counts(db) == before


def test_invalid_form_input_is_a_422_with_the_field_named(client: TestClient, coordinator: Person) -> None:
    token = sign_in(client, coordinator)
    response = client.post(
        "/partners/new", data={"csrf_token": token, "name": "Somewhere Aid", "type": "ngo", "country": "Atlantis"}
    )
    assert response.status_code == 422
    assert "Unknown country &#39;Atlantis&#39;" in response.text
    no_type = client.post("/partners/new", data={"csrf_token": token, "name": "Typeless Aid", "type": ""})
    assert no_type.status_code == 422
    assert "type" in no_type.text


def test_editor_edits_their_own_organisation_page_but_gets_403_on_another(
    client: TestClient, register: Register, make_person: Callable[..., Person]
) -> None:
    own = register("Amity Foundation", country="CN")
    other = register("Other Foundation", country="CN")
    editor = make_person(Role.EDITOR, organisation_id=own)
    token = sign_in(client, editor)
    assert f'href="/partners/{own}/edit"' in client.get(f"/partners/{own}").text
    assert f'href="/partners/{other}/edit"' not in client.get(f"/partners/{other}").text
    edit = client.get(f"/partners/{own}/edit")
    assert edit.status_code == 200
    assert 'value="Amity Foundation"' in edit.text
    saved = client.post(
        f"/partners/{own}/edit",
        data={"csrf_token": token, "name": "Amity Foundation", "type": "ngo", "country": "CN", "aliases": "爱德基金会"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert "爱德基金会" in client.get(f"/partners/{own}").text
    assert client.get(f"/partners/{other}/edit").status_code == 403
    refused = client.post(f"/partners/{other}/edit", data={"csrf_token": token, "name": "Mine now", "type": "ngo"})
    assert refused.status_code == 403


def test_an_edit_to_a_taken_name_is_refused_and_shown_again(
    client: TestClient, coordinator: Person, register: Register
) -> None:
    taken = register("World Food Programme")
    org = register("Food Bank")
    token = sign_in(client, coordinator)
    response = client.post(
        f"/partners/{org}/edit",
        data={"csrf_token": token, "name": "World food programme", "type": "ngo", "aliases": ""},
    )
    assert response.status_code == 409
    assert f"exists already (id {taken})" in response.text
    assert 'value="World food programme"' in response.text
    assert "Food Bank" in client.get(f"/partners/{org}").text


def test_list_page_searches_filters_and_links_the_csv(client: TestClient, register: Register) -> None:
    register("Government of Serbia", OrganisationType.GOVERNMENT, country="RS")
    register("Government of Italy", OrganisationType.GOVERNMENT, country="IT")
    register("Serbian Red Cross", country="RS")
    page = client.get("/partners", params={"q": "serbia", "type": "government"})
    assert page.status_code == 200
    assert "Government of Serbia" in page.text
    assert "Serbian Red Cross" not in page.text
    assert "Government of Italy" not in page.text
    assert "/api/v1/organisations?q=serbia&amp;type=government&amp;format=csv" in page.text
    by_country = client.get("/partners", params={"country": "IT"})
    assert "Government of Italy" in by_country.text
    assert "Serbia" not in by_country.text.split("<table>")[1]
    assert 'href="/partners/new"' not in page.text  # anonymous visitors read only
    assert client.get("/partners/new", follow_redirects=False).status_code == 303  # to the login page


def test_member_editor_records_a_joint_action_on_the_network_page(
    client: TestClient, register: Register, admin: Person, make_person: Callable[..., Person]
) -> None:
    network = register("China NGO Network for International Exchanges", OrganisationType.NETWORK, acronym="CNIE")
    member = register("China Foundation for Peace and Development", acronym="CFPD")
    token = sign_in(client, admin)
    added = client.post(
        f"/partners/{network}/members",
        data={"csrf_token": token, "member": "CFPD", "role": "member"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    duplicate = client.post(f"/partners/{network}/members", data={"csrf_token": token, "member": "cfpd"})
    assert duplicate.status_code == 409
    assert "already" in duplicate.text
    client.post("/logout", data={"csrf_token": token})

    token = sign_in(client, make_person(Role.EDITOR, organisation_id=member))
    page = client.get(f"/partners/{network}").text
    assert "New joint action" in page
    assert "China Foundation for Peace and Development" in page
    bad = client.post(
        f"/partners/{network}/joint-actions",
        data={
            "csrf_token": csrf_from(page),
            "title": "Masks",
            "countries": "PK, Narnia",
            "participant_ids": str(member),
        },
    )
    assert bad.status_code == 422
    assert "Unknown country &#39;Narnia&#39;" in bad.text
    assert 'value="Masks"' in bad.text
    assert re.search(rf'value="{member}" checked', bad.text)
    done = client.post(
        f"/partners/{network}/joint-actions",
        data={
            "csrf_token": token,
            "title": "COVID-19 supplies to partner countries",
            "countries": "PK; Ethiopia, IRQ",
            "participant_ids": str(member),
            "status": "completed",
            "start_date": "2020-03-01",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    page = client.get(f"/partners/{network}").text
    assert "COVID-19 supplies to partner countries" in page
    assert "Pakistan" in page
    assert "Ethiopia" in page
    member_page = client.get(f"/partners/{member}").text
    assert "COVID-19 supplies to partner countries" in member_page  # shown where it takes part
    assert f'href="/partners/{network}"' in member_page  # and its network


def test_unknown_organisation_page_is_a_404(client: TestClient) -> None:
    response = client.get("/partners/999999")
    assert response.status_code == 404
    assert "Organisation 999999 does not exist" in response.text
