"""Signing in and out, failed logins, and API tokens on the account page, in a real browser."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from solidarity.actor import Role
from tests.browser.conftest import PageErrors
from tests.conftest import Person

pytestmark = pytest.mark.browser


def test_wrong_password_shows_the_error_and_keeps_the_visitor_signed_out(
    page: Page, page_errors: PageErrors, live_server: str, make_person: Callable[..., Person]
) -> None:
    person = make_person(Role.EDITOR)
    # The refused login answers 401, which Chromium logs as a failed resource load.
    page_errors.expect(r"status of 401")
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", person.email)
    page.fill("input[name=password]", "not the password")
    page.click("form[action='/login'] button[type=submit]")
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("input[name=email]")).to_have_value(person.email)
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()


def test_signed_in_user_signs_out(
    page: Page, live_server: str, make_person: Callable[..., Person], browser_sign_in: Callable[[Page, Person], None]
) -> None:
    person = make_person(Role.VIEWER)
    browser_sign_in(page, person)
    expect(page.locator("nav.site-nav .who")).to_have_text(person.email)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()


def test_api_token_created_on_the_account_page_is_shown_once(
    page: Page, live_server: str, make_person: Callable[..., Person], browser_sign_in: Callable[[Page, Person], None]
) -> None:
    person = make_person(Role.EDITOR)
    browser_sign_in(page, person)
    page.goto(f"{live_server}/account")
    page.fill("input[name=name]", "nightly import")
    page.get_by_role("button", name="Create token").click()
    shown = page.locator("[data-testid=new-token] code.token")
    expect(shown).to_be_visible()
    token = shown.inner_text().strip()
    assert len(token) >= 32
    expect(page.get_by_role("cell", name="nightly import")).to_be_visible()

    page.goto(f"{live_server}/account")
    expect(page.locator("[data-testid=new-token]")).to_have_count(0)
    expect(page.get_by_role("cell", name="nightly import")).to_be_visible()
    assert token not in page.content()
