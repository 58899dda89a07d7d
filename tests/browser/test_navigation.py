"""Every page reachable from the top navigation renders for an admin, on a desktop and on a phone."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from solidarity.actor import Role
from tests.browser.conftest import PHONE
from tests.conftest import Person

pytestmark = pytest.mark.browser


def _nav_links(page: Page) -> list[str]:
    hrefs = page.locator("nav.site-nav a[href]").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return list(dict.fromkeys(hrefs))


def test_admin_visits_every_navigation_entry_without_an_error(
    page: Page,
    live_server: str,
    make_person: Callable[..., Person],
    browser_sign_in: Callable[[Page, Person], None],
) -> None:
    admin = make_person(Role.ADMIN)
    browser_sign_in(page, admin)
    expect(page.locator(".flash")).to_contain_text(admin.email)
    links = _nav_links(page)
    assert {"/admin", "/account"} <= set(links), links
    assert len(links) >= 8, links
    for href in links:
        response = page.goto(f"{live_server}{href}")
        assert response is not None, href
        assert response.ok, f"{href} answered {response.status}"
        expect(page.locator("[data-testid=error-page]")).to_have_count(0)
        expect(page.locator("h1").first).to_be_visible()


def test_anonymous_visitor_sees_the_sign_in_link_and_no_admin_entry(page: Page, live_server: str) -> None:
    page.goto(live_server)
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    expect(page.locator("nav.site-nav a[href='/admin']")).to_have_count(0)
    expect(page.locator("[data-testid=demo-banner]")).to_have_count(0)


@pytest.mark.browser_context_args(viewport=PHONE, is_mobile=True, has_touch=True)
def test_phone_layout_hides_the_navigation_behind_the_menu_toggle(page: Page, live_server: str) -> None:
    page.goto(live_server)
    nav = page.locator("nav.site-nav")
    expect(nav).to_be_hidden()
    toggle = page.locator(".nav-toggle-label")
    expect(toggle).to_be_visible()
    toggle.tap()
    expect(nav).to_be_visible()
    expect(nav.get_by_role("link", name="Reporting")).to_be_visible()
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()
    toggle.tap()
    expect(nav).to_be_hidden()


@pytest.mark.browser_context_args(viewport=PHONE, is_mobile=True, has_touch=True)
def test_phone_layout_never_scrolls_sideways(
    page: Page,
    live_server: str,
    make_person: Callable[..., Person],
    browser_sign_in: Callable[[Page, Person], None],
) -> None:
    wide = []
    for path in ("/", "/login", "/reporting"):
        page.goto(f"{live_server}{path}")
        wide += _overflow(page, path)
    browser_sign_in(page, make_person(Role.ADMIN))
    for path in ("/account", "/admin/audit", "/admin/users"):
        page.goto(f"{live_server}{path}")
        wide += _overflow(page, path)
    assert not wide, f"pages wider than a 375px phone: {wide}"


def _overflow(page: Page, path: str) -> list[str]:
    extra = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    return [f"{path} by {extra}px"] if extra > 0 else []
