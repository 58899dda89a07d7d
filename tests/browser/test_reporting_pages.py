"""The public reporting pages in a real browser: charts drawn, the map and its legend, milestones, Rt band."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor
from solidarity.db import transaction
from solidarity.demo import load_demo
from solidarity.reporting import service
from tests.browser.conftest import PHONE
from tests.reporting.test_pages import START, epidemic_rows, who_rows

pytestmark = pytest.mark.browser


@pytest.fixture
def epidemic(db: sessionmaker[Session]) -> None:
    """The demo data, plus a synthetic epidemic and a revision of it, published through the service."""
    system = Actor.system("browser-test")
    with transaction(db) as session:
        load_demo(session, system)
    correction = START + dt.timedelta(days=60)
    for name, extra in (("who-1.csv", 0), ("who-2.csv", 7)):
        text = who_rows(*epidemic_rows(correction_on=correction, extra=extra)).encode()
        with transaction(db) as session:
            service.import_file(session, system, io.BytesIO(text), name, source_name="Synthetic WHO")


def _drawn(page: Page, canvas_id: str) -> dict[str, object]:
    """What Chart.js made of a canvas: its type, datasets and whether any pixel is painted."""
    return page.evaluate(
        """id => {
            const canvas = document.getElementById(id);
            const chart = window.Chart.getChart(canvas);
            const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = false;
            for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) { painted = true; break; } }
            return {
                type: chart ? chart.config.type : null,
                datasets: chart ? chart.data.datasets.map(d => d.label) : [],
                points: chart ? chart.data.labels.length : 0,
                painted: painted,
            };
        }""",
        canvas_id,
    )


@pytest.mark.usefixtures("epidemic")
def test_dashboard_draws_curves_map_legend_and_milestones(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/reporting")
    expect(page.locator("[data-testid=headline] .figure")).to_have_count(4)
    for canvas_id in ("chart-cases", "chart-deaths"):
        expect(page.locator(f"#{canvas_id}")).to_have_attribute("data-drawn", "yes")
        drawn = _drawn(page, canvas_id)
        assert drawn["type"] == "bar"
        assert drawn["painted"] is True
        assert drawn["points"] >= 120  # the synthetic epidemic, and whatever the demo adds
        assert "7-day average" in drawn["datasets"]  # type: ignore[operator]
    world = page.locator("[data-testid=world-map] svg.world-map")
    expect(world).to_be_visible()
    assert world.locator("path.country").count() > 170
    expect(world.locator("a[href='/reporting/areas/NA'] path.country")).to_have_count(1)
    assert world.locator("path.country:not(.choro-none)").count() >= 3
    expect(page.locator("ul.legend li .swatch")).to_have_count(8)
    form = page.locator("[data-testid=milestones-form]")
    form.locator("select[name=measure]").select_option("cases")
    form.locator("input[name=step]").fill("1000")
    with page.expect_navigation():
        page.click("[data-testid=milestones-form] button[type=submit]")
    rows = page.locator("table[data-testid=milestones] tbody tr")
    assert rows.count() >= 10
    expect(rows.first.locator("th")).to_have_text("1,000")


@pytest.mark.usefixtures("epidemic")
def test_area_page_draws_the_rt_band_and_lists_revisions(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/reporting")
    with page.expect_navigation():
        page.locator("a[href='/reporting/areas/NA']").first.click()
    expect(page.locator("h1")).to_contain_text("Namibia")
    expect(page.locator("#chart-rt")).to_have_attribute("data-drawn", "yes")
    drawn = _drawn(page, "chart-rt")
    assert drawn["type"] == "line"
    assert drawn["painted"] is True
    assert {"Rt (posterior mean)", "95% credible interval", "Rt = 1"} <= set(drawn["datasets"])  # type: ignore[arg-type]
    band = page.evaluate(
        "() => { const c = window.Chart.getChart(document.getElementById('chart-rt'));"
        " return c.data.datasets.find(d => d.label === '95% credible interval').fill; }"
    )
    assert band == "-1"  # filled down to the lower bound: a band, not a line
    expect(page.locator("table[data-testid=revisions] tbody tr")).to_have_count(2)
    expect(page.locator("[data-testid=quality-flags]")).to_contain_text("new cases -5")


@pytest.mark.usefixtures("epidemic")
def test_cumulative_chart_switches_between_linear_and_log(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/reporting/areas/FR")
    toggle = page.locator("[data-scale-toggle]")
    expect(toggle).to_be_visible()
    scale = "() => window.Chart.getChart(document.getElementById('chart-cumulative')).options.scales.y.type"
    assert page.evaluate(scale) == "linear"
    toggle.click()
    assert page.evaluate(scale) == "logarithmic"
    expect(toggle).to_have_attribute("aria-pressed", "true")


@pytest.mark.usefixtures("epidemic")
def test_as_of_picker_reloads_the_figures_without_javascript(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/reporting/areas/NA")
    page.fill("input[name=as_of]", "2001-01-01")
    with page.expect_navigation():
        page.click("[data-testid=as-of-form] button[type=submit]")
    assert "as_of=2001-01-01" in page.url
    expect(page.locator("[data-testid=no-data]")).to_be_visible()


@pytest.mark.usefixtures("epidemic")
def test_reporting_pages_fit_a_phone(page: Page, live_server: str) -> None:
    page.set_viewport_size(PHONE)
    for path in ("/reporting", "/reporting/areas/NA"):
        page.goto(f"{live_server}{path}")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
        box = page.locator("#chart-cases").bounding_box()
        assert box is not None
        assert 300 <= box["width"] <= PHONE["width"]
        assert box["height"] >= 200
