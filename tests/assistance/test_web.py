"""Assistance API and pages: JSON shapes, organisation-scoped writes, Table 1 page with sources, print view."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from solidarity.actor import Role
from tests.conftest import Person, csrf_from, sign_in


def _body(provider: int, **changes: Any) -> dict[str, Any]:
    body = {
        "provider": str(provider),
        "channel": "bilateral",
        "modality": "financial",
        "stage": "disbursement",
        "flow_date": "2020-05-04",
        "amount": "1000",
        "currency": "USD",
        "description": "API flow",
        "sources": [{"citation": "API source"}],
    }
    return body | changes


def test_api_writes_are_scoped_to_the_editors_organisation(
    client: TestClient,
    demo: dict[str, int],
    make_person: Callable[..., Person],
    token_for: Callable[[Person], dict[str, str]],
) -> None:
    editor = make_person(Role.EDITOR, organisation_id=demo["IT"])
    headers = token_for(editor)
    created = client.post("/api/v1/assistance/flows", json=_body(demo["IT"]), headers=headers)
    assert created.status_code == 201, created.text
    flow = created.json()
    assert (flow["version"], flow["amount_usd"], flow["usd_rate_source"]) == (1, "1000.00", "identity")
    refused = client.post("/api/v1/assistance/flows", json=_body(demo["CN"], reporter=str(demo["CN"])), headers=headers)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    revised = client.put(
        f"/api/v1/assistance/flows/{flow['id']}",
        json={"flow": _body(demo["IT"], amount="1100"), "reason": "Final figure"},
        headers=headers,
    )
    assert revised.status_code == 200
    assert revised.json()["version"] == 2
    versions = client.get(f"/api/v1/assistance/flows/{flow['id']}/versions").json()
    assert [v["amount"] for v in versions] == ["1000.00", "1100.00"]
    assert client.get(f"/api/v1/assistance/flows/{flow['id']}?version=1").json()["amount"] == "1000.00"


def test_api_bad_percentages_answer_422_naming_the_field(
    client: TestClient, demo: dict[str, int], admin: Person, token_for: Callable[[Person], dict[str, str]]
) -> None:
    body = _body(demo["CN"], recipients=[{"country": "IT", "percentage": "70"}, {"country": "RS", "percentage": "20"}])
    response = client.post("/api/v1/assistance/flows", json=body, headers=token_for(admin))
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "recipients.percentage"


def test_api_reports_table1_listing_and_csv(client: TestClient, demo: dict[str, int]) -> None:
    table = client.get("/api/v1/assistance/reports/table1").json()
    assert [r["category"] for r in table["rows"]] == ["Material supplying", "Cash support", "Capacity building"]
    listing = client.get("/api/v1/assistance/flows", params={"stage": "pledge"}).json()
    assert listing["count"] == 1
    assert listing["data"][0]["amount_usd"] == "2000000000.00"
    csv = client.get("/api/v1/assistance/flows", params={"format": "csv"})
    assert csv.status_code == 200
    assert csv.text.count("\n") == 17
    assert csv.text.splitlines()[0].endswith(",description,is_illustrative")
    assert sum(1 for line in csv.text.splitlines() if line.endswith(",True")) == 7, "4 for the pledge, 3 CNIE parts"
    by_recipient = client.get("/api/v1/assistance/reports/recipient").json()
    assert by_recipient["by"] == "recipient"
    items = client.get("/api/v1/assistance/reports/items").json()["rows"]
    assert {r["item"] for r in items} >= {"MASK-ANY", "THERMO-IR"}
    pledge_id = listing["data"][0]["id"]
    progress = client.get(f"/api/v1/assistance/pledges/{pledge_id}", params={"on": "2021-01-01"}).json()
    # the demo's illustrative payment of 2020-12-15 (US$150 million) has been made by then
    assert (progress["percent"], progress["remainder_usd"]) == ("7.5", "1850000000.00")


def test_table1_page_shows_the_rows_with_sources_and_the_flag(client: TestClient, demo: dict[str, int]) -> None:
    page = client.get("/assistance/reports/table1")
    assert page.status_code == 200
    html = page.text
    for text in (
        "Material supplying",
        "Cash support",
        "Capacity building",
        "70,600,000,000",
        "US$50,000,000",
        "29 teams",
        "400 sessions",
        "Fighting COVID-19: China in Action",
        "73rd World Health Assembly",
        "Discrepancy",
        "US$55 million",
    ):
        assert text in html, text
    assert 'href="/assistance/flows/' in html
    printable = client.get("/assistance/reports/table1?print=1")
    assert printable.status_code == 200
    assert "print-view" in printable.text
    assert "Printable version" not in printable.text


def test_pages_render(client: TestClient, demo: dict[str, int]) -> None:
    for path in (
        "/assistance",
        "/assistance/flows",
        "/assistance/flows?stage=pledge",
        "/assistance/reports/provider",
        "/assistance/reports/recipient",
        "/assistance/reports/channel",
        "/assistance/reports/modality",
        "/assistance/reports/items",
        "/assistance/flows/1",
        "/assistance/flows/6",
    ):
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:500])
    assert "world-map" in client.get("/assistance/reports/recipient").text
    pledge = client.get("/assistance/flows", params={"stage": "pledge"})
    assert "/assistance/flows/6" in pledge.text
    assert client.get("/assistance/pledges/6").status_code == 200
    assert client.get("/assistance/reports/nonsense").status_code == 404


def test_new_flow_form_records_a_flow_and_shows_errors(
    client: TestClient, demo: dict[str, int], make_person: Callable[..., Person]
) -> None:
    editor = make_person(Role.EDITOR, organisation_id=demo["IT"])
    sign_in(client, editor)
    form = client.get("/assistance/flows/new")
    token = csrf_from(form.text)
    fields = {
        "csrf_token": token,
        "provider": str(demo["IT"]),
        "channel": "bilateral",
        "modality": "in-kind",
        "terms": "grant",
        "stage": "delivery",
        "boundary": "single",
        "flow_date": "2020-04-01",
        "recipients": "RS:100",
        "items": "MASK-SURG:5000",
        "description": "Masks to Serbia",
        "sources": "Press release of 1 April 2020",
    }
    done = client.post("/assistance/flows/new", data=fields, follow_redirects=False)
    assert done.status_code == 303, done.text
    shown = client.get(done.headers["location"]).text
    assert "Masks to Serbia" in shown
    assert "Press release of 1 April 2020" in shown
    bad = client.post("/assistance/flows/new", data=fields | {"recipients": "RS:50"})
    assert bad.status_code == 422
    assert "recipients.percentage" in bad.text


def test_reports_download_as_csv_with_the_page_filters(client: TestClient, demo: dict[str, int]) -> None:
    page = client.get("/assistance/reports/provider", params={"emergency": "COVID-19", "illustrative": "no"}).text
    assert 'href="/api/v1/assistance/reports/provider?emergency=COVID-19&amp;illustrative=no&amp;format=csv"' in page
    sourced = {"format": "csv", "emergency": "COVID-19", "illustrative": "false"}
    with_illustrative = client.get("/api/v1/assistance/reports/provider", params=sourced | {"illustrative": "true"})
    assert f"{demo['CN']},Government of the People's Republic of China,disbursement,370000000.00,,,3" in (
        with_illustrative.text.splitlines()
    ), "only the illustrative payments of the pledge"
    by_provider = client.get("/api/v1/assistance/reports/provider", params=sourced)
    assert by_provider.status_code == 200
    assert by_provider.headers["content-type"].startswith("text/csv")
    lines = by_provider.text.splitlines()
    assert lines[0] == "key,label,stage,usd,currency,amount,flows"
    assert f"{demo['CN']},Government of the People's Republic of China,disbursement,50000000.00,,,1" in lines
    assert f"{demo['CN']},Government of the People's Republic of China,disbursement,,USD,50000000.00,1" in lines
    items = client.get("/api/v1/assistance/reports/items", params={"format": "csv"}).text.splitlines()
    assert items[0] == "item,name,unit,stage,quantity,is_lower_bound,value_currency,value,flows"
    # the exports' 70.6 billion and a CNIE member's 2 million for Pakistan: the joint action it passes on
    # is recorded in USD only, with no mask line, so it is not a counted parent in the masks' total
    assert 'MASK-ANY,"Face masks, all types",each,delivery,70602000000,True,,,2' in items
    table1 = client.get("/api/v1/assistance/reports/table1", params={"format": "csv"}).text.splitlines()
    assert table1[0] == "category,text,item,quantity,unit,usd,stage,is_lower_bound,flow_id,sources"
    assert sum(1 for line in table1 if line.startswith("Cash support,")) == 3
    assert client.get("/api/v1/assistance/reports/capacity", params={"format": "csv"}).status_code == 422
    assert client.get("/api/v1/assistance/reports/nonsense", params={"format": "csv"}).status_code == 422


def test_overview_figures_link_to_what_they_count_and_the_print_view_says_what_it_covers(
    client: TestClient, demo: dict[str, int]
) -> None:
    overview = client.get("/assistance").text
    # the headline figures are the sources': the illustrative records are left out, said so and linked
    assert '<a href="/assistance/reports/channel?illustrative=no">50,000,000</a>' in overview
    assert '<a href="/assistance/reports/channel?illustrative=no#joint-actions">25,000,000</a>' in overview
    assert 'href="/assistance/flows?illustrative=yes">7 illustrative records</a>' in overview
    assert '29</a></span>\n    <span class="label">medical expert teams in 27 countries' in overview
    assert "/static/reporting.css" in overview
    printable = client.get("/assistance/reports/table1", params={"print": 1, "emergency": "COVID-19"}).text
    assert "Generated from the ledger on" in printable
    assert "filters: emergency COVID-19" in printable
    # the joint action is on a shared boundary, so its members' parts for Pakistan and Ethiopia count per country
    by_recipient = client.get("/assistance/reports/recipient").text
    assert "Pakistan" in by_recipient
    assert "Ethiopia" in by_recipient
    empty = client.get("/assistance/reports/recipient", params={"emergency": "EBOLA"}).text
    assert "names a recipient country on a single boundary" in empty


def test_pledge_page_lists_the_records_behind_its_figures_and_runs_to_the_date_shown(
    client: TestClient,
    demo: dict[str, int],
    make_person: Callable[..., Person],
    token_for: Callable[[Person], dict[str, str]],
) -> None:
    pledge_id = client.get("/api/v1/assistance/flows", params={"stage": "pledge"}).json()["data"][0]["id"]
    headers = token_for(make_person(Role.EDITOR, organisation_id=demo["CN"]))
    body = _body(demo["CN"], stage="commitment", amount="300000000", flow_date="2020-09-01", description="Tranche")
    commitment = client.post(
        "/api/v1/assistance/flows", json=body | {"fulfils_flow_id": pledge_id}, headers=headers
    ).json()["id"]
    paid = _body(demo["CN"], amount="120000000", flow_date="2021-02-01", recipients=[{"country": "PK"}])
    payment = client.post("/api/v1/assistance/flows", json=paid | {"fulfils_flow_id": commitment}, headers=headers)
    assert payment.status_code == 201, payment.text
    page = client.get(f"/assistance/pledges/{pledge_id}", params={"on": "2021-06-30"}).text
    # with the demo's illustrative commitment (500M, 2020-09-15) and payments (150M 2020-12-15, 120M 2021-06-30)
    assert '<a href="#payments">390,000,000</a>' in page
    assert '<a href="#commitments">800,000,000</a>' in page
    assert f'<a href="/assistance/flows/{commitment}">{commitment}</a>' in page
    assert f"(pays commitment {commitment})" in page
    assert "19.5%" in page
    assert "3 of the records below are illustrative, not from any source" in page
    assert page.count('data-testid="illustrative"') == 3
    chart = client.get(f"/api/v1/assistance/pledges/{pledge_id}", params={"on": "2021-06-30"}).json()["chart"]
    assert chart["dates"] == ["2020-05-18", "2020-09-01", "2020-09-15", "2020-12-15", "2021-02-01", "2021-06-30"]
    assert chart["events"] == ["pledge", "", "", "", "", "on"]
    assert chart["paid"] == [0.0, 0.0, 0.0, 150000000.0, 270000000.0, 390000000.0]
    later = client.get(f"/api/v1/assistance/pledges/{pledge_id}", params={"on": "2023-01-01"}).json()["chart"]
    assert later["dates"][-2:] == ["2022-05-18", "2023-01-01"]
    assert later["events"][-2:] == ["horizon", "on"]


def test_unknown_filter_values_are_refused_naming_the_field(client: TestClient, demo: dict[str, int]) -> None:
    for path in ("/api/v1/assistance/flows", "/assistance/flows", "/api/v1/assistance/reports/channel"):
        for field in ("stage", "channel", "modality"):
            response = client.get(path, params={field: "bogus"})
            assert response.status_code == 422, (path, field)
            assert f"{field}: 'bogus' is not one of" in response.text.replace("&#39;", "'")
    assert client.get("/assistance/reports/provider", params={"provider": "Nobody at all"}).status_code == 404
    assert client.get("/assistance/reports/recipient", params={"recipient": "Atlantis"}).status_code == 422
    assert client.get("/assistance/reports/table1", params={"start": "2020-99-01"}).status_code == 422


def test_flows_page_filters_by_stage_channel_and_modality_and_reports_keep_them(
    client: TestClient, demo: dict[str, int]
) -> None:
    page = client.get("/assistance/flows", params={"stage": "pledge", "channel": "bilateral"}).text
    assert '<option value="pledge" selected>pledge</option>' in page
    assert '<option value="bilateral" selected>bilateral</option>' in page
    assert "1 flows" in page
    report = client.get("/assistance/reports/provider", params={"stage": "disbursement"}).text
    assert '<input type="hidden" name="stage" value="disbursement">' in report


def test_illustrative_records_stay_out_of_table1_and_are_marked_and_filterable(
    client: TestClient, demo: dict[str, int]
) -> None:
    table1 = client.get("/assistance/reports/table1").text
    assert 'data-testid="illustrative-left-out"' in table1
    assert "4 illustrative records (not from any source) left out of this table" in table1
    assert 'href="/assistance/flows?illustrative=yes"' in table1
    entries = client.get("/api/v1/assistance/reports/table1").json()["rows"]
    assert not [e for r in entries for e in r["entries"] if "illustrative" in e["text"]]
    only = client.get("/api/v1/assistance/flows", params={"illustrative": "true"}).json()
    assert only["count"] == 7
    assert all(row["is_illustrative"] for row in only["data"])
    none = client.get("/api/v1/assistance/flows", params={"illustrative": "false"}).json()
    assert none["count"] == 9
    assert not any(row["is_illustrative"] for row in none["data"])
    listed = client.get("/assistance/flows", params={"illustrative": "yes"}).text
    assert "7 flows" in listed
    assert listed.count('data-testid="illustrative"') == 7
    assert client.get("/assistance/flows").text.count('data-testid="illustrative"') == 7
    flow_id = only["data"][0]["id"]
    page = client.get(f"/assistance/flows/{flow_id}").text
    assert 'data-testid="illustrative-notice"' in page
    report = client.get("/assistance/reports/channel").text
    assert 'href="/assistance/flows?illustrative=yes">7 records under these filters are illustrative</a>' in report
    assert 'href="?illustrative=no">The same without illustrative records</a>' in report
    assert (
        'data-testid="illustrative-note"'
        not in client.get("/assistance/reports/channel", params={"illustrative": "no"}).text
    )
    bad = client.get("/assistance/flows", params={"illustrative": "maybe"})
    assert bad.status_code == 422
    assert "illustrative: 'maybe' is not yes or no" in bad.text.replace("&#39;", "'")


def test_by_item_numbers_link_to_the_flows_with_that_item_at_that_stage(
    client: TestClient, demo: dict[str, int]
) -> None:
    items = client.get("/assistance/reports/items").text
    assert 'href="/assistance/flows?stage=delivery&amp;item=SUIT-PROT"' in items
    assert "modality=in-kind" not in items, "a quantity links to its item's flows, not to every in-kind flow"
    with_suits = client.get("/api/v1/assistance/flows", params={"item": "suit-prot", "stage": "delivery"}).json()
    # the exports of 340 million suits and the CFRD members' 50,000 for Ethiopia: no other in-kind flow
    assert with_suits["count"] == 2
    every_in_kind = client.get("/api/v1/assistance/flows", params={"modality": "in-kind", "stage": "delivery"}).json()
    assert every_in_kind["count"] > with_suits["count"]
    listed = client.get("/assistance/flows", params={"item": "SUIT-PROT", "stage": "delivery"}).text
    assert "2 flows" in listed
    assert "Only flows with an item line of <strong>SUIT-PROT</strong>" in listed
    for row in client.get("/api/v1/assistance/reports/items").json()["rows"]:
        behind = client.get("/api/v1/assistance/flows", params={"item": row["item"], "stage": row["stage"]}).json()
        assert behind["count"] == row["flows"], row
    rows = client.get("/api/v1/assistance/reports/items", params={"item": "SUIT-PROT"}).json()["rows"]
    assert {r["item"] for r in rows} == {"SUIT-PROT"}
    by_provider = client.get("/api/v1/assistance/reports/provider", params={"item": "SUIT-PROT"})
    assert by_provider.status_code == 200
    for path in ("/api/v1/assistance/flows", "/assistance/flows", "/assistance/reports/items"):
        refused = client.get(path, params={"item": "NO-SUCH-THING"})
        assert refused.status_code == 422, path
        assert "item: 'NO-SUCH-THING' is not in the catalogue" in refused.text.replace("&#39;", "'")
