"""The knowledge pages in a real browser: the landscape chart, measures on an area's curve, phone width."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor, Role
from solidarity.config import Settings
from solidarity.db import transaction
from solidarity.knowledge import demo, measures
from solidarity.knowledge import service as knowledge_service
from solidarity.knowledge.models import MeasureType
from solidarity.knowledge.schemas import DocumentCreate, MeasureCreate
from solidarity.reporting import service
from tests.browser.conftest import PHONE
from tests.conftest import Person
from tests.reporting.test_pages import epidemic_rows, who_rows

pytestmark = pytest.mark.browser


@pytest.fixture
def knowledge(db: sessionmaker[Session]) -> None:
    system = Actor.system("browser-test")
    with transaction(db) as session:
        demo.load(session, system)
        data = MeasureCreate(
            country="FR", measure_type=MeasureType.STAY_AT_HOME, start_date=dt.date(2020, 3, 17), source="Test"
        )
        measures.record_measure(session, system, data)
    with transaction(db) as session:
        text = who_rows(*epidemic_rows()).encode()
        service.import_file(session, system, io.BytesIO(text), "who.csv", source_name="Synthetic WHO")


@pytest.mark.usefixtures("knowledge")
def test_landscape_chart_is_drawn_and_the_timeline_fits_a_phone(page: Page, live_server: str) -> None:
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/knowledge/vaccines")
    expect(page.locator("#chart-landscape")).to_have_attribute("data-drawn", "yes")
    expect(page.locator(".timeline li").first).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1


@pytest.mark.usefixtures("knowledge")
def test_area_curve_draws_with_measure_markers(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/reporting/areas/FR")
    expect(page.locator("#chart-cases")).to_have_attribute("data-drawn", "yes")
    expect(page.locator("[data-testid=area-measures]")).to_contain_text("Stay at home")
    plugins = page.evaluate("window.Chart.getChart(document.getElementById('chart-cases')).config.plugins.length")
    assert plugins == 1


@pytest.mark.usefixtures("knowledge")
def test_search_page_highlights_chinese_and_english_matches(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/knowledge?q=隔离")
    expect(page.locator(".snippet mark").first).to_have_text("隔离")
    page.goto(f"{live_server}/knowledge?q=quarantine")
    expect(page.locator(".snippet mark").first).to_have_text("quarantine")


def test_editor_edits_a_document_and_search_finds_the_new_title(
    page: Page,
    live_server: str,
    db: sessionmaker[Session],
    settings: Settings,
    make_person: Callable[..., Person],
    browser_sign_in: Callable[[Page, Person], None],
) -> None:
    editor = make_person(Role.EDITOR)
    with transaction(db) as session:
        data = DocumentCreate(title="Ward rounds", summary="Morning ward rounds.", language="en")
        doc = knowledge_service.add_document(
            session, editor.actor, data, storage_dir=settings.data_dir, max_bytes=settings.max_upload_bytes
        )
        doc_id = doc.id
    browser_sign_in(page, editor)
    page.goto(f"{live_server}/knowledge/documents/{doc_id}")
    page.click("text=Edit this document")
    page.fill("input[name=title]", "Night shift handover")
    with page.expect_navigation():
        page.click("button:has-text('Save')")
    expect(page.locator("h1[lang]")).to_have_text("Night shift handover")
    page.goto(f"{live_server}/knowledge?q=handover")
    expect(page.locator("[data-testid=result-count]")).to_have_text("1 document")
