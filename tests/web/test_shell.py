"""The web shell: error shapes, CSRF, request size limits, health, sessions and tokens over HTTP."""

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor, Role
from solidarity.config import load_settings
from solidarity.db import transaction
from solidarity.demo import load_demo
from solidarity.web.app import DemoFlag, create_app
from tests.conftest import Person, csrf_from, sign_in


def test_api_errors_have_one_json_shape(client: TestClient) -> None:
    response = client.get("/api/v1/audit")
    assert response.status_code == 403
    assert response.json() == {
        "error": {"code": "forbidden", "message": "Only administrators may do this", "details": []}
    }


def test_unknown_api_path_answers_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_unknown_page_renders_the_error_page(client: TestClient) -> None:
    response = client.get("/nothing-here", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert 'data-testid="error-page"' in response.text
    assert "Traceback" not in response.text


def test_invalid_api_body_names_the_field(
    client: TestClient, admin: Person, token_for: Callable[[Person], dict[str, str]]
) -> None:
    response = client.post("/api/v1/tokens", json={"name": "", "days": 99999}, headers=token_for(admin))
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert fields == {"name", "days"}


def test_malformed_json_is_a_4xx_not_a_500(
    client: TestClient, admin: Person, token_for: Callable[[Person], dict[str, str]]
) -> None:
    headers = token_for(admin) | {"content-type": "application/json"}
    response = client.post("/api/v1/tokens", content=b"{not json", headers=headers)
    assert response.status_code == 422


def test_form_without_csrf_token_is_refused_and_changes_nothing(client: TestClient, admin: Person) -> None:
    sign_in(client, admin)
    response = client.post("/account/tokens", data={"name": "sneaky"}, headers={"accept": "text/html"})
    assert response.status_code == 403
    assert "security token" in response.text
    assert "sneaky" not in client.get("/account").text


def test_form_with_a_stale_csrf_token_is_refused(client: TestClient, admin: Person) -> None:
    stale = csrf_from(client.get("/login").text)
    sign_in(client, admin)  # a login starts a new session with a new token
    response = client.post("/account/tokens", data={"name": "x", "csrf_token": stale})
    assert response.status_code == 403


def test_cookie_authenticated_api_write_needs_the_csrf_header(client: TestClient, admin: Person) -> None:
    token = sign_in(client, admin)
    assert client.post("/api/v1/tokens", json={"name": "no header"}).status_code == 403
    created = client.post("/api/v1/tokens", json={"name": "with header"}, headers={"x-csrf-token": token})
    assert created.status_code == 201


def test_oversized_request_is_refused_with_413(client: TestClient, settings_limit: int) -> None:
    response = client.post(
        "/api/v1/tokens", content=b"x" * (settings_limit + 1), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


@pytest.fixture
def settings_limit(app) -> int:  # type: ignore[no-untyped-def]
    return int(app.state.settings.max_request_bytes)


def test_streamed_oversized_body_without_length_is_refused(client: TestClient, settings_limit: int) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(settings_limit // 65536 + 2):
            yield b"y" * 65536

    response = client.post("/api/v1/tokens", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_healthz_reports_the_database(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["revision"] == body["head"]


def test_healthz_answers_503_when_the_database_is_unreachable() -> None:
    settings = load_settings(
        environment="test", secret_key="k" * 40, database_url="postgresql+psycopg://u@127.0.0.1:1/x"
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"


def test_pages_answer_503_not_500_when_the_database_is_unreachable() -> None:
    settings = load_settings(
        environment="test", secret_key="k" * 40, database_url="postgresql+psycopg://u@127.0.0.1:1/x"
    )
    with TestClient(create_app(settings)) as client:
        page = client.get("/login")
        form = {"email": "a@b.org", "password": "x", "csrf_token": csrf_from(page.text)}
        response = client.post("/login", data=form, headers={"accept": "text/html"})
    assert response.status_code == 503
    assert "Cannot reach the database" in response.text or "failed" in response.text


def test_wrong_password_rerenders_the_form_with_401(client: TestClient, admin: Person) -> None:
    page = client.get("/login")
    response = client.post(
        "/login", data={"email": admin.email, "password": "wrong", "csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 401
    assert "Wrong e-mail or password" in response.text


def test_login_refuses_to_redirect_off_site(client: TestClient, admin: Person) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "email": admin.email,
            "password": admin.password,
            "csrf_token": csrf_from(page.text),
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_bearer_token_authenticates_api_calls(
    client: TestClient, admin: Person, token_for: Callable[[Person], dict[str, str]]
) -> None:
    me = client.get("/api/v1/me", headers=token_for(admin)).json()
    assert (me["user_id"], me["role"]) == (admin.id, "admin")


@pytest.mark.parametrize("header", ["Bearer sol_unknown", "Basic YWJjOmRlZg==", "Bearer "])
def test_bad_authorization_header_is_401(client: TestClient, header: str) -> None:
    response = client.get("/api/v1/me", headers={"authorization": header})
    assert response.status_code == 401


def test_revoked_token_stops_working_over_http(
    client: TestClient, admin: Person, token_for: Callable[[Person], dict[str, str]]
) -> None:
    headers = token_for(admin)
    token_id = client.get("/api/v1/tokens", headers=headers).json()["data"][0]["id"]
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=headers).status_code == 200
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["message"]


def test_token_clear_text_is_shown_once_on_the_account_page(client: TestClient, admin: Person) -> None:
    csrf = sign_in(client, admin)
    created = client.post("/account/tokens", data={"name": "nightly", "days": "30", "csrf_token": csrf})
    assert 'data-testid="new-token"' in created.text
    assert 'data-testid="new-token"' not in client.get("/account").text


def test_admin_pages_are_forbidden_to_editors(client: TestClient, make_person: Callable[..., Person]) -> None:
    sign_in(client, make_person(Role.EDITOR))
    assert client.get("/admin/audit", headers={"accept": "text/html"}).status_code == 403


def test_anonymous_visitor_of_a_private_page_is_sent_to_login(client: TestClient) -> None:
    response = client.get("/account", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_admin_creates_a_user_through_the_form_and_duplicates_are_refused(client: TestClient, admin: Person) -> None:
    csrf = sign_in(client, admin)
    form = {
        "email": "new.officer@example.org",
        "name": "New officer",
        "password": "long enough pw",
        "organisation_id": str(admin.organisation_id),
        "role": "editor",
        "csrf_token": csrf,
    }
    assert client.post("/admin/users", data=form, follow_redirects=False).status_code == 303
    again = client.post("/admin/users", data=form)
    assert again.status_code == 409
    assert "exists already" in again.text


def test_security_headers_forbid_framing_and_foreign_scripts(client: TestClient) -> None:
    headers = client.get("/").headers
    assert headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in headers["content-security-policy"]


def test_api_docs_load_their_assets_from_this_server(client: TestClient) -> None:
    html = client.get("/api/docs").text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_audit_listing_downloads_as_csv(
    client: TestClient, admin: Person, token_for: Callable[[Person], dict[str, str]]
) -> None:
    response = client.get("/api/v1/audit?format=csv", headers=token_for(admin))
    assert response.headers["content-type"].startswith("text/csv")
    header, *rows = response.text.strip().splitlines()
    assert header.startswith("id,at,actor_user_id")
    assert any("create_user" in row for row in rows)


def test_demo_banner_shows_only_when_the_instance_holds_demo_data(app: FastAPI, db: sessionmaker[Session]) -> None:
    with TestClient(app) as plain:
        assert 'data-testid="demo-banner"' not in plain.get("/").text
    with transaction(db) as session:
        load_demo(session, Actor.system("test"))
    app.state.demo_flag = DemoFlag(app.state.sessionmaker)
    with TestClient(app) as demo:
        assert 'data-testid="demo-banner"' in demo.get("/").text
        assert 'data-testid="demo-banner"' in demo.get("/reporting").text


def test_every_page_header_shows_the_signed_in_user(client: TestClient, admin: Person) -> None:
    sign_in(client, admin)
    # The genomes landing page's handler does not ask for the actor itself.
    assert admin.email in client.get("/genomes").text
    assert admin.email in client.get("/knowledge/vaccines").text
