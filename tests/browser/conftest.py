"""Browser fixtures: the app served by uvicorn on a free port, and Debian's headless Chromium driving it.

The server runs ``create_app(settings)`` on the per-test database of the ``settings`` fixture, so
what a test writes through services is what the browser sees. The browser is always
``/usr/bin/chromium``; Playwright never downloads one. Every page reports its console errors and
uncaught exceptions, and a test with any of them fails at teardown.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import ConsoleMessage, Error, Page

from solidarity.config import Settings
from solidarity.web.app import create_app
from tests.conftest import Person

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@contextmanager
def serve(settings: Settings) -> Iterator[str]:
    """Serve ``create_app(settings)`` on a free 127.0.0.1 port in a thread; yields the base URL.

    The socket is bound before the server starts, so no other process can take the port in between.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(settings)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"live-server-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError(f"the live server on port {port} did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
        app.state.engine.dispose()
        if thread.is_alive():
            raise RuntimeError(f"the live server on port {port} did not stop")


@pytest.fixture
def live_server(settings: Settings) -> Iterator[str]:
    """Base URL of the app serving this test's database."""
    with serve(settings) as url:
        yield url


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    """Debian's Chromium, headless; overrides pytest-playwright's so no browser is ever downloaded."""
    return {"executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url() -> str | None:
    """Replaces pytest-playwright's own, whose definition pytest 9 deprecates (warnings are errors here).

    Tests build addresses from ``live_server`` instead, since each test has its own server.
    """
    return None


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": DESKTOP, "locale": "en-GB"}


class PageErrors:
    """Console errors and uncaught exceptions of one page; ``expect(pattern)`` allows a known one."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self._expected: list[re.Pattern[str]] = []

    def expect(self, pattern: str) -> None:
        self._expected.append(re.compile(pattern))

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url", "") if message.location else ""
            self.messages.append(f"console error: {message.text} ({where})")

    def on_page_error(self, error: Error) -> None:
        self.messages.append(f"page error: {error.message}")

    def unexpected(self) -> list[str]:
        return [m for m in self.messages if not any(p.search(m) for p in self._expected)]


@pytest.fixture
def page_errors() -> PageErrors:
    return PageErrors()


@pytest.fixture
def page(page: Page, page_errors: PageErrors) -> Iterator[Page]:
    """pytest-playwright's page, failing the test at teardown on any console error or page error."""
    page.on("console", page_errors.on_console)
    page.on("pageerror", page_errors.on_page_error)
    page.set_default_timeout(10_000)
    yield page
    problems = page_errors.unexpected()
    if problems:
        pytest.fail("the browser reported errors:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def browser_sign_in(live_server: str) -> Callable[[Page, Person], None]:
    """Sign a person in through the login form, in the browser."""

    def sign_in(page: Page, person: Person) -> None:
        page.goto(f"{live_server}/login")
        page.fill("input[name=email]", person.email)
        page.fill("input[name=password]", person.password)
        with page.expect_navigation():
            page.click("form[action='/login'] button[type=submit]")
        assert "/login" not in page.url, f"sign-in failed: still on {page.url}"

    return sign_in
