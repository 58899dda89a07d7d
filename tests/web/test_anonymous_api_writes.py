"""An anonymous script's write gets the answer that concerns it (401: sign in or send a token), not
a complaint about a form's security token it never had; a signed-in browser still needs the token."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from solidarity.actor import Role
from tests.conftest import Person, sign_in


def test_anonymous_api_writes_get_401_not_a_csrf_error(client: TestClient) -> None:
    response = client.post("/api/v1/reporting/submissions", json={"area": "NA", "date": "2020-03-03", "new": 1})
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] != "csrf_failed"
    upload = client.post("/api/v1/reporting/imports", files={"file": ("who.csv", b"Date_reported\n", "text/csv")})
    assert upload.status_code == 401, upload.text


def test_a_signed_in_session_still_needs_the_csrf_token_for_api_writes(
    client: TestClient, make_person: Callable[..., Person]
) -> None:
    token = sign_in(client, make_person(Role.COORDINATOR, modules=["reporting"]))
    record = {"area": "NA", "date": "2020-03-03", "new": 1}
    refused = client.post("/api/v1/reporting/submissions", json=record)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    accepted = client.post("/api/v1/reporting/submissions", json=record, headers={"x-csrf-token": token})
    assert accepted.status_code == 201, accepted.text
    # pages keep their form token too
    assert client.post("/reporting/submit", data={"area": "NA", "date": "2020-03-04"}).status_code == 403
