"""The genome pages in a real browser: the clade-frequency chart has room to be read, the genome map
stays legible on a phone, and the submission form's attribution checkbox sits beside its words."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from solidarity.actor import Role
from tests.browser.conftest import PHONE
from tests.conftest import Person
from tests.genomes.conftest import (  # noqa: F401  (pytest fixtures used by name)
    Batch,
    Submitter,
    dataset,
    small_records,
    submit,
    write_batch,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def genomes(submit: Submitter, write_batch: Callable[..., Batch], small_records: list[tuple[str, str]]) -> list[str]:  # noqa: F811
    """Five real genomes submitted through the service; returns their accessions."""
    return [item["accession"] for item in submit(write_batch(small_records)).accepted]


def _box(page: Page, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_the_clade_frequency_chart_is_drawn_tall_enough_to_read(
    page: Page, live_server: str, genomes: list[str], viewport: dict[str, int] | None
) -> None:
    if viewport:
        page.set_viewport_size(viewport)
    page.goto(f"{live_server}/genomes")
    canvas = page.locator("#clade-frequencies")
    expect(canvas).to_have_attribute("data-drawn", "yes")
    assert _box(page, "#clade-frequencies")["height"] >= 200  # was 150: no chart box height on this page
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]  # type: ignore[index]


def test_the_genome_map_scrolls_sideways_on_a_phone_instead_of_shrinking(
    page: Page, live_server: str, genomes: list[str]
) -> None:
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/genomes/{genomes[1]}")
    expect(page.locator("svg.genome-map")).to_be_visible()
    assert _box(page, "svg.genome-map")["width"] >= 600
    assert _box(page, ".genome-map-figure")["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # the mutation lists use the phone's width: each list under its name, not in a narrow column
    assert _box(page, "dl.mutations dd")["width"] >= PHONE["width"] * 0.8


def test_the_nearest_neighbours_say_whose_neighbours_they_are(page: Page, live_server: str, genomes: list[str]) -> None:
    page.goto(f"{live_server}/genomes/search?neighbours_of={genomes[0]}&k=3")
    caption = page.locator("[data-testid=neighbours-caption]")
    expect(caption).to_contain_text(f"The 3 genomes nearest to {genomes[0]}")
    expect(page.locator("[data-testid=neighbours-table] tbody tr")).to_have_count(3)


def test_the_attribution_checkbox_sits_on_the_line_of_its_label(
    page: Page,
    live_server: str,
    dataset: str,  # noqa: F811
    make_person: Callable[..., Person],
    browser_sign_in: Callable[[Page, Person], None],
) -> None:
    browser_sign_in(page, make_person(Role.EDITOR))
    page.goto(f"{live_server}/genomes/submit")
    checkbox = _box(page, "input[name=allow_incomplete_attribution]")
    label = _box(page, "label:has(input[name=allow_incomplete_attribution])")
    # beside its words at the label's left edge, not stretched across a line of its own (Chromium
    # then draws the box in the middle of that line, above the words)
    assert checkbox["width"] < 40
    assert checkbox["x"] - label["x"] < 5
    assert checkbox["y"] - label["y"] < label["height"] / 2
