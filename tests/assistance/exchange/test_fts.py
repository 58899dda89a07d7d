"""OCHA FTS flows: the response shape, pages, and FTS's own counting rules."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from solidarity.assistance.exchange.fts import flow_year, parse_fts, read_fts_files, summarise
from solidarity.errors import Invalid
from solidarity.imports import OnError, Problems
from tests.assistance.exchange.conftest import DATA

PAGES = [DATA / "fts_afg_2020_page1.json", DATA / "fts_afg_2020_page2.json"]


def test_totals_from_the_flows_equal_fts_own_incoming_summary() -> None:
    pages = read_fts_files(PAGES, Problems("fts", OnError.ERROR_ALL))
    totals = summarise(pages.flows, location="Afghanistan", year=2020)
    assert pages.incoming is not None
    assert pages.internal is not None
    assert totals.funding_usd == pages.incoming.funding_usd == Decimal(9_500_000)
    assert totals.pledge_usd == pages.incoming.pledge_usd
    assert totals.flow_count == pages.incoming.flow_count == 3
    assert totals.internal_flows == pages.internal.flow_count == 1


def test_a_flow_repeated_on_two_pages_is_read_once() -> None:
    pages = read_fts_files(PAGES, Problems("fts", OnError.ERROR_ALL))
    keys = [f.key for f in pages.flows]
    assert len(keys) == len(set(keys)) == 8
    assert pages.next_link is None


def test_flows_map_objects_status_amounts_and_chain() -> None:
    pages = read_fts_files(PAGES[:1], Problems("fts", OnError.ERROR_ALL))
    by_id = {f.fts_flow_id: f for f in pages.flows}
    german = by_id["201001"]
    assert german.provider is not None
    assert german.provider.name == "Germany, Government of"
    assert german.receiver is not None
    assert german.receiver.name == "World Food Programme"
    assert (german.stage, german.amount, german.currency, german.amount_usd) == (
        "disbursement",
        Decimal(4_500_000),
        "EUR",
        Decimal(5_000_000),
    )
    assert german.appeal_codes == ("Afghanistan Humanitarian Response Plan 2020",)
    assert [s.code for s in german.sectors] == ["Food Security"]
    assert by_id["201003"].stage == "pledge"
    assert by_id["201006"].parent_flow_id == "201004"
    assert by_id["201004"].child_flow_ids == ("201006",)
    assert by_id["201006"].is_new_money is False
    assert pages.next_link is not None
    assert "page=2" in pages.next_link


def test_the_year_is_the_usage_year_and_several_years_make_a_shared_flow() -> None:
    pages = read_fts_files(PAGES[:1], Problems("fts", OnError.ERROR_ALL))
    by_id = {f.fts_flow_id: f for f in pages.flows}
    assert flow_year(by_id["201001"]) == 2020
    assert by_id["201005"].usage_years == (2020, 2021)
    assert flow_year(by_id["201005"]) is None
    assert by_id["201005"].on_boundary == "shared"


def test_a_flow_claiming_single_with_two_locations_is_counted_as_shared() -> None:
    flow = {
        "id": "9",
        "status": "paid",
        "amountUSD": 10,
        "boundary": "incoming",
        "onBoundary": "single",
        "destinationObjects": [
            {"type": "Location", "id": "1", "name": "Afghanistan"},
            {"type": "Location", "id": "165", "name": "Pakistan"},
            {"type": "UsageYear", "id": "41", "name": "2020"},
        ],
    }
    problems = Problems("fts.json", OnError.ERROR_ALL)
    (read,) = parse_fts({"data": {"flows": [flow]}}, problems).flows
    assert read.on_boundary == "shared"
    assert summarise([read], location="Afghanistan", year=2020).funding_usd == 0
    assert problems.warnings[0].field == "data.flows[0](id 9).onBoundary"


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ([1, 2], "the top level is not an object"),
        ({"results": []}, "no 'data' object"),
        ({"data": {"flow": []}}, "no 'data.flows' list"),
    ],
)
def test_json_that_is_not_fts_shaped_gets_a_specific_error(document: object, reason: str) -> None:
    with pytest.raises(Invalid, match=f"not an OCHA FTS flow response: {reason}"):
        parse_fts(document, Problems("other.json"))


def test_a_file_that_is_not_json_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"data":\n {"flows": [,]}}')
    with pytest.raises(Invalid, match=r"broken\.json: not JSON") as caught:
        read_fts_files([path], Problems("broken.json"))
    assert caught.value.details[0]["line"] == 2


def test_bad_flows_are_problems_naming_the_flow() -> None:
    document = {"data": {"flows": [{"id": "5", "status": "promised", "amountUSD": 1}, {"id": "6", "status": "paid"}]}}
    problems = Problems("fts.json", OnError.ERROR_ALL)
    page = parse_fts(document, problems)
    assert page.flows == []
    assert [(p.field, p.reason) for p in problems.errors] == [
        ("data.flows[0](id 5).status", "not pledge, commitment or paid"),
        ("data.flows[1](id 6).amountUSD", "not an amount"),
    ]


def test_fixture_is_valid_json_in_fts_shape() -> None:
    document = json.loads(PAGES[0].read_text())
    assert set(document) == {"status", "data", "meta"}
    assert {"incoming", "outgoing", "internal", "flows"} <= set(document["data"])
