"""The import, export and totals API: upload an FTS page, read FTS-style totals, download and upload every format."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from fastapi.testclient import TestClient
from lxml import etree

from tests.assistance.exchange.conftest import DATA
from tests.conftest import Person

PAGE = DATA / "fts_afg_2020_page1.json"


def test_upload_then_totals_and_exports(
    client: TestClient, admin: Person, token_for: Callable[[Person], dict[str, str]], iati_schema: etree.XMLSchema
) -> None:
    headers = token_for(admin)
    response = client.post(
        "/api/v1/assistance/imports", files={"file": (PAGE.name, PAGE.read_bytes())}, headers=headers
    )
    assert response.status_code == 201, response.text
    report = response.json()
    assert (report["format"], report["accepted"], report["rejected"]) == ("fts", 7, 0)

    totals = client.get("/api/v1/assistance/totals", params={"recipient": "AFG", "year": 2020}).json()
    # Page 1 alone: Germany to WFP and the United States to UNICEF; the pooled fund's allocation is internal.
    assert Decimal(totals["incoming_usd"]) == Decimal(8_000_000)
    assert (totals["incoming_flows"], totals["internal_flows"]) == (2, 1)

    iati = client.get("/api/v1/assistance/export", params={"format": "iati"})
    assert iati.headers["content-type"].startswith("application/xml")
    assert iati_schema.validate(etree.fromstring(iati.content)), iati_schema.error_log
    hxl = client.get("/api/v1/assistance/export", params={"format": "3w", "recipient": "AFG"})
    assert hxl.text.splitlines()[1].startswith("#org+impl")


def test_a_json_upload_that_is_not_fts_is_a_422_naming_the_problem(
    client: TestClient, admin: Person, token_for: Callable[[Person], dict[str, str]]
) -> None:
    response = client.post(
        "/api/v1/assistance/imports",
        files={"file": ("other.json", b'{"results": []}')},
        headers=token_for(admin),
    )
    assert response.status_code == 422
    assert "not an OCHA FTS flow response: no 'data' object" in response.json()["error"]["message"]


def test_anonymous_uploads_are_refused(client: TestClient) -> None:
    response = client.post("/api/v1/assistance/imports", files={"file": (PAGE.name, PAGE.read_bytes())})
    assert response.status_code in (401, 403)


def test_one_import_endpoint_reads_the_ledger_csv_and_every_exchange_format(
    client: TestClient, admin: Person, token_for: Callable[[Person], dict[str, str]]
) -> None:
    headers = token_for(admin)
    assert client.post("/api/v1/assistance/imports", files={"file": (PAGE.name, PAGE.read_bytes())}, headers=headers)
    for fmt, name in (("csv", "ledger.csv"), ("iati", "ledger.xml"), ("hxl", "ledger-hxl.csv")):
        exported = client.get("/api/v1/assistance/export", params={"format": fmt})
        assert exported.status_code == 200, exported.text
        response = client.post("/api/v1/assistance/imports", files={"file": (name, exported.content)}, headers=headers)
        assert response.status_code == 201, response.text
        report = response.json()
        assert (report["format"], report["accepted"], report["unchanged"], report["rejected"]) == (fmt, 0, 7, 0)
