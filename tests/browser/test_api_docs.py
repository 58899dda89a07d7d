"""The API documentation page works offline: Swagger UI comes from this server, not a CDN."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Request, expect

pytestmark = pytest.mark.browser


def test_api_docs_render_swagger_ui_from_vendored_assets(page: Page, live_server: str) -> None:
    foreign: list[str] = []

    def note(request: Request) -> None:
        if not request.url.startswith((live_server, "data:")):
            foreign.append(request.url)

    page.on("request", note)
    page.goto(f"{live_server}/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Solidarity API")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/me")).to_be_visible()
    assert not foreign, f"/api/docs loaded assets from elsewhere: {foreign}"
