"""An upload over the limit gets 413 with a message a person can act on: sizes in MiB, the setting
to raise, and, for a browser posting a page's form, a page instead of raw JSON."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from solidarity.config import Settings, load_settings
from solidarity.web.app import create_app

LIMIT = 3 * 1024 * 1024


@pytest.fixture
def small_client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(load_settings(**{**settings.model_dump(), "max_upload_bytes": LIMIT}))
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


BIG = b"x" * (LIMIT + 2 * 1024 * 1024)  # 5 MiB


def test_an_api_upload_over_the_limit_names_sizes_and_setting(small_client: TestClient) -> None:
    response = small_client.post(
        "/api/v1/genomes/upload",
        files={"fasta": ("big.fasta", BIG, "text/plain")},
        headers={"authorization": "Bearer not-needed-the-body-is-refused-first"},
    )
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "too_large"
    assert "at most 3 MiB" in error["message"]
    assert "SOLIDARITY_MAX_UPLOAD_BYTES" in error["message"]
    assert "Nothing was stored" in error["message"]
    assert error["details"]["limit_bytes"] == LIMIT
    assert error["details"]["setting"] == "SOLIDARITY_MAX_UPLOAD_BYTES"


@pytest.mark.parametrize("path", ["/reporting/import", "/genomes/upload"])
def test_a_page_form_over_the_limit_gets_a_page(small_client: TestClient, path: str) -> None:
    response = small_client.post(
        path,
        files={"file": ("big.csv", BIG, "text/csv")},
        headers={"accept": "text/html,application/xhtml+xml", "referer": "http://testserver/reporting/import"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert 'role="alert"' in response.text
    assert "The file upload is 5.0 MiB; this site accepts at most 3 MiB" in response.text
    assert 'href="http://testserver/reporting/import"' in response.text
