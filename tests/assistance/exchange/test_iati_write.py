"""Writing IATI 2.03: the output validates against the official schema and reads back unchanged."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

from lxml import etree

from solidarity.assistance.exchange.fts import read_fts_files
from solidarity.assistance.exchange.iati_read import read_iati
from solidarity.assistance.exchange.iati_write import write_iati
from solidarity.assistance.exchange.records import ExchangeFlow, ItemLine, Party, Share
from solidarity.imports import OnError, Problems
from tests.assistance.exchange.conftest import DATA

MASKS = ExchangeFlow(
    source="ledger",
    key="ledger:17",
    stage="delivery",
    reporting_org=Party("Ministry of Commerce", "CN-MOFCOM", "10"),
    provider=Party("China, Government of", "CN-GOV", "10"),
    receiver=Party("World Health Organization", "XM-DAC-928", "40"),
    countries=(Share("IT", Decimal(50)), Share("RS", Decimal(50))),
    on_boundary="shared",
    sectors=(Share("12264", Decimal(100), "1"),),
    amount=None,
    currency=None,
    value_date=dt.date(2020, 3, 12),
    transaction_date=dt.date(2020, 3, 12),
    is_humanitarian=True,
    emergency_codes=("EP-2020-000012-001",),
    items=(
        ItemLine("MASK-SURGICAL", 2_000_000, "piece", Decimal("0.35"), "USD"),
        ItemLine("VENTILATOR", 30, "piece"),
    ),
    is_new_money=True,
    description="Masks and ventilators for the COVID-19 response",
)

CASH = ExchangeFlow(
    source="ledger",
    key="ledger:18",
    stage="disbursement",
    provider=Party("China, Government of", "CN-GOV"),
    receiver=Party("World Health Organization", "XM-DAC-928"),
    amount=Decimal("20000000"),
    currency="USD",
    amount_usd=Decimal("20000000"),
    usd_rate=Decimal(1),
    value_date=dt.date(2020, 3, 11),
    parent_flow_id="ledger:16",
    usage_years=(2020,),
    description="First batch of cash support to WHO",
)


def _export(flows: list[ExchangeFlow]) -> bytes:
    stream = io.BytesIO()
    write_iati(flows, stream, generated=dt.datetime(2020, 6, 1, tzinfo=dt.UTC))
    return stream.getvalue()


def _read(data: bytes) -> list[ExchangeFlow]:
    problems = Problems("export.xml", OnError.ERROR_ALL)
    flows = list(read_iati(io.BytesIO(data), problems))
    assert not problems.has_errors, problems.listed()
    return flows


def test_export_validates_against_the_iati_203_schema(iati_schema: etree.XMLSchema) -> None:
    data = _export([MASKS, CASH])
    assert iati_schema.validate(etree.fromstring(data)), iati_schema.error_log


def test_in_kind_quantities_travel_in_extension_elements_and_a_readable_description() -> None:
    root = etree.fromstring(_export([MASKS]))
    ns = {"sol": "https://solidarity.example/iati-extension/1"}
    items = root.findall(".//sol:item", ns)
    assert [(i.get("code"), i.get("quantity")) for i in items] == [("MASK-SURGICAL", "2000000"), ("VENTILATOR", "30")]
    readable = root.findtext("iati-activity/description[@type='4']/narrative")
    assert readable == "In kind: 2,000,000 piece of MASK-SURGICAL at 0.35 USD each; 30 piece of VENTILATOR."


def test_ledger_flows_round_trip_through_iati() -> None:
    back = _read(_export([MASKS, CASH]))
    assert [f.without_position() for f in back] == [MASKS, CASH]


def test_the_annotated_example_round_trips_through_export(
    annotated_example: Path, iati_schema: etree.XMLSchema
) -> None:
    problems = Problems("example.xml", OnError.ERROR_ALL)
    with annotated_example.open("rb") as stream:
        flows = list(read_iati(stream, problems))
    data = _export(flows)
    assert iati_schema.validate(etree.fromstring(data)), iati_schema.error_log
    assert [f.without_position() for f in _read(data)] == [f.without_position() for f in flows]


def test_fts_flows_round_trip_through_iati(iati_schema: etree.XMLSchema) -> None:
    pages = read_fts_files([DATA / "fts_afg_2020_page1.json"], Problems("fts.json", OnError.ERROR_ALL))
    data = _export(pages.flows)
    assert iati_schema.validate(etree.fromstring(data)), iati_schema.error_log
    assert [f.without_position() for f in _read(data)] == [f.without_position() for f in pages.flows]


def test_several_transactions_of_one_activity_stay_one_activity(iati_schema: etree.XMLSchema) -> None:
    first = ExchangeFlow(
        source="iati",
        key="GB-1-1#a",
        stage="commitment",
        iati_identifier="GB-1-1",
        transaction_ref="a",
        transaction_type="2",
        amount=Decimal(10),
        currency="GBP",
        value_date=dt.date(2020, 1, 1),
        countries=(Share("AF"),),
    )
    second = ExchangeFlow(
        source="iati",
        key="GB-1-1#b",
        stage="disbursement",
        iati_identifier="GB-1-1",
        transaction_ref="b",
        transaction_type="3",
        amount=Decimal(5),
        currency="GBP",
        value_date=dt.date(2020, 2, 1),
        countries=(Share("PK"),),
    )
    root = etree.fromstring(_export([first, second]))
    assert len(root.findall("iati-activity")) == 1
    assert [t.get("code") for t in root.iterfind(".//transaction-type")] == ["2", "3"]
    # Different recipients per transaction are written on the transactions, as IATI requires.
    assert [c.get("code") for c in root.iterfind("iati-activity/transaction/recipient-country")] == ["AF", "PK"]
    assert iati_schema.validate(root), iati_schema.error_log
