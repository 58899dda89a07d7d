"""The banner that tells visitors an instance holds demonstration data."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor
from solidarity.config import Settings
from solidarity.db import transaction
from solidarity.demo import load_demo
from tests.browser.conftest import serve

pytestmark = pytest.mark.browser


def test_demo_banner_appears_when_demo_data_is_loaded(
    page: Page, db: sessionmaker[Session], settings: Settings
) -> None:
    with transaction(db) as session:
        load_demo(session, Actor.system())
    # The app learns at start-up whether it holds demo data, so the server starts after loading it.
    with serve(settings) as url:
        page.goto(url)
        expect(page.locator("[data-testid=demo-banner]")).to_be_visible()
        expect(page.locator("[data-testid=demo-banner]")).to_contain_text("Demo")
