"""HXL-tagged CSV: import by hashtag whatever the column order, export listings and the 3W table."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from solidarity.assistance.exchange.fts import read_fts_files
from solidarity.assistance.exchange.hxl import HxlColumn, read_flows, write_3w, write_flows, write_table
from solidarity.errors import Invalid
from solidarity.imports import OnError, Problems
from tests.assistance.exchange.conftest import DATA
from tests.assistance.exchange.test_iati_write import CASH, MASKS


def _read(text: str, mode: OnError = OnError.ERROR_ALL) -> tuple[list, Problems]:  # type: ignore[type-arg]
    problems = Problems("3w.csv", mode)
    return list(read_flows(io.StringIO(text), problems)), problems


def test_flows_round_trip_through_hxl() -> None:
    pages = read_fts_files([DATA / "fts_afg_2020_page1.json"], Problems("fts", OnError.ERROR_ALL))
    flows = [MASKS, CASH, *pages.flows]
    out = io.StringIO()
    assert write_flows(flows, out) == len(flows)
    back, problems = _read(out.getvalue())
    assert not problems.has_errors
    assert [f.without_position() for f in back] == [f.without_position() for f in flows]


def test_import_matches_columns_by_hashtag_whatever_their_order_and_headers() -> None:
    text = (
        "Notes from the field office,,,,,\n"
        "Montant USD,Pays,Statut,Bailleur,Mise en oeuvre,Date\n"
        "#value+usd,#country+code,#status,#org +funder,#org+impl,#date\n"
        "250000,AF,commitment,ECHO,WFP,2020-04-01\n"
        ",,,,,\n"
        "1000,PK,disbursement,DFID,UNICEF,2020-05-02\n"
    )
    flows, problems = _read(text)
    assert not problems.has_errors
    assert [(f.provider.name, f.receiver.name, f.countries[0].code, f.amount_usd, f.stage) for f in flows] == [
        ("ECHO", "WFP", "AF", Decimal(250000), "commitment"),
        ("DFID", "UNICEF", "PK", Decimal(1000), "disbursement"),
    ]
    assert [f.line for f in flows] == [4, 6]


def test_a_column_with_unexpected_attributes_is_not_mistaken_for_another() -> None:
    text = "#status,#value+usd,#value+eur\ncommitment,10,9\n"
    (flow,), _ = _read(text)
    assert flow.amount_usd == Decimal(10)
    assert flow.amount is None


def test_a_file_without_a_hashtag_row_gets_a_specific_error() -> None:
    with pytest.raises(Invalid, match="no HXL hashtag row"):
        _read("Donor,Amount\nECHO,10\n")


def test_a_file_without_a_status_column_names_the_hashtag() -> None:
    with pytest.raises(Invalid, match=r"line 1: no #status column"):
        _read("#org+funder,#value+usd\nECHO,10\n")


def test_bad_values_are_problems_with_line_and_hashtag() -> None:
    text = (
        "#status,#value+usd,#date,#item\n"
        "paid,10,2020-01-01,\ndisbursement,5,2020-13-01,\ncommitment,1,2020-01-01,MASK:-4\n"
    )
    flows, problems = _read(text, OnError.SKIP)
    assert flows == []
    assert [(p.line, p.field) for p in problems.errors] == [(2, "#status"), (3, "#date"), (4, "#item")]


def test_the_3w_table_has_a_human_header_and_a_hashtag_row() -> None:
    out = io.StringIO()
    write_3w([MASKS], out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0][0] == "Who (implementer)"
    assert rows[1][:5] == ["#org+impl", "#org+funder", "#sector", "#activity", "#country+code"]
    # A flow split across two countries is one row per country.
    assert [r[4] for r in rows[2:]] == ["IT", "RS"]
    assert rows[2][5:7] == ["MASK-SURGICAL|VENTILATOR", "2000000|30"]


def test_the_3w_table_reads_back_by_hashtag() -> None:
    out = io.StringIO()
    write_3w([CASH], out)
    (flow,), problems = _read(out.getvalue())
    assert not problems.has_errors
    assert flow.receiver is not None
    assert flow.receiver.name == "World Health Organization"
    assert flow.provider is not None
    assert flow.provider.name == "China, Government of"
    assert flow.amount_usd == Decimal(20_000_000)


def test_any_listing_can_be_written_under_its_hashtags() -> None:
    out = io.StringIO()
    write_table([["WHO", 3]], [HxlColumn("Organisation", "#org"), HxlColumn("Flows", "#meta+count")], out)
    assert out.getvalue() == "Organisation,Flows\n#org,#meta+count\nWHO,3\n"
