"""The assistance pages in a real browser: revising a flow writes a new version and keeps the history."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor, Role
from solidarity.assistance import demo as assistance_demo
from solidarity.assistance.models import Flow
from solidarity.db import transaction
from solidarity.partners import demo as partners_demo
from tests.browser.conftest import PageErrors
from tests.conftest import Person

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_ids(db: sessionmaker[Session]) -> dict[str, int]:
    """The partners and assistance demo; organisation ids by key, and flow ids by ref."""
    system = Actor.system("browser-test")
    with transaction(db) as session:
        ids = partners_demo.load(session, system).ids
        assistance_demo.load(session, system)
        flows = {ref: flow_id for flow_id, ref in session.execute(select(Flow.id, Flow.ref)) if ref}
    return ids | flows


def test_an_editor_revises_a_flow_and_sees_the_new_version_and_the_history(
    page: Page,
    live_server: str,
    demo_ids: dict[str, int],
    make_person: Callable[..., Person],
    browser_sign_in: Callable[[Page, Person], None],
    page_errors: PageErrors,
) -> None:
    editor = make_person(Role.EDITOR, organisation_id=demo_ids["CN"])
    browser_sign_in(page, editor)
    flow_id = demo_ids["demo-cn-who-cash-2020"]
    page.goto(f"{live_server}/assistance/flows/{flow_id}")
    page.click("[data-testid=revise-link]")
    expect(page.locator("h1")).to_contain_text(f"Revise flow {flow_id}")
    expect(page.locator("input[name=amount]")).to_have_value("50000000.00")
    page.fill("input[name=sector_dac]", "12263")
    page.fill("textarea[name=reason]", "Sector: infectious disease control")
    with page.expect_navigation():
        page.click("[data-testid=flow-form] button[type=submit]")
    assert page.url.endswith(f"/assistance/flows/{flow_id}")
    expect(page.locator("body")).to_contain_text("version 2 recorded")
    expect(page.locator("dl.facts")).to_contain_text("12263")
    rows = page.locator("[data-testid=versions] tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("(current)")
    expect(rows.nth(1)).to_contain_text("Sector: infectious disease control")
    expect(rows.nth(1)).to_contain_text(editor.email)
    rows.nth(0).locator("a").click()
    expect(page.locator(".notice")).to_contain_text("version 1, not the current one")
    expect(page.locator("dl.facts")).to_contain_text("12264")

    page.goto(f"{live_server}/assistance/flows/{flow_id}/revise")
    page_errors.expect(r"status of 422 .*/revise")  # the refused form comes back with its 422, as it should
    page.fill("textarea[name=reason]", "Split between two recipients")
    page.fill("input[name=recipients]", "CN:60; RS:30")
    page.click("[data-testid=flow-form] button[type=submit]")
    expect(page.locator("[data-testid=form-error]")).to_contain_text("sum to 90, not 100")
    expect(page.locator("input[name=recipients]")).to_have_value("CN:60; RS:30")
