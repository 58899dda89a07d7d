"""Exchange files into the ledger: FTS totals match FTS's own summary, IATI chains are recorded once."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor
from solidarity.assistance import exchanging, ledger
from solidarity.assistance.exchange import hxl
from solidarity.assistance.exchange.fts import read_fts_files
from solidarity.assistance.exchange.iati_read import read_iati
from solidarity.assistance.exchange.records import ExchangeFlow
from solidarity.db import transaction
from solidarity.imports import OnError, Problems
from tests.assistance.exchange.conftest import DATA
from tests.assistance.exchange.iati_docs import document
from tests.assistance.exchange.test_chains import AGENCY, DONOR

SYSTEM = Actor.system("test")
PAGES = [DATA / "fts_afg_2020_page1.json", DATA / "fts_afg_2020_page2.json"]


def _import(db: sessionmaker[Session], path: Path, fmt: str) -> exchanging.ImportReport:
    with transaction(db) as session:
        return exchanging.import_exchange(session, SYSTEM, path, fmt, on_error=OnError.ERROR_ALL)


def test_fts_pages_in_the_ledger_give_fts_own_incoming_totals(db: sessionmaker[Session]) -> None:
    for page in PAGES:
        _import(db, page, "fts")
    expected = read_fts_files(PAGES, Problems("fts")).incoming
    assert expected is not None
    with transaction(db) as session:
        totals = exchanging.totals(session, recipient="AFG", year=2020)
    assert totals.incoming_usd == expected.funding_usd == Decimal(9_500_000)
    assert totals.incoming_flows == expected.flow_count
    assert totals.internal_flows == 1
    assert totals.pledged_usd == Decimal(1_000_000)


def test_importing_the_same_fts_file_twice_changes_nothing(db: sessionmaker[Session]) -> None:
    first = _import(db, PAGES[0], "fts")
    second = _import(db, PAGES[0], "fts")
    assert (first.accepted, second.accepted, second.unchanged) == (7, 0, 7)


def test_fts_parent_flow_becomes_the_ledger_parent(db: sessionmaker[Session]) -> None:
    _import(db, PAGES[0], "fts")
    with transaction(db) as session:
        flows, _ = ledger.list_flows(session, ledger.make_filters(session), limit=100)
        child = next(f for f in flows if f.is_internal)
        assert child.parent_flow_id is not None
        parent = ledger.current_version(session, child.parent_flow_id)
        assert parent.boundary.value == "shared"


def test_an_iati_transfer_reported_at_both_ends_is_recorded_once_with_its_pass_through(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "chain.xml"
    path.write_text(document(DONOR, AGENCY))
    report = _import(db, path, "iati")
    assert (report.rows_read, report.accepted, report.unchanged) == (2, 2, 1)
    with transaction(db) as session:
        flows, count = ledger.list_flows(session, ledger.make_filters(session), limit=10)
        assert count == 2
        child = next(f for f in flows if f.parent_flow_id is not None)
        assert child.amount == Decimal(400_000)


def _export(db: sessionmaker[Session], fmt: str) -> bytes:
    stream = io.BytesIO()
    with transaction(db) as session:
        exchanging.export_flows(session, ledger.make_filters(session), fmt, stream)
    return stream.getvalue()


def _ledger_flows(db: sessionmaker[Session]) -> list[ExchangeFlow]:
    with transaction(db) as session:
        return exchanging.exchange_flows(session, ledger.make_filters(session))


@pytest.mark.parametrize("fmt", ["iati", "hxl"])
def test_ledger_export_reads_back_as_the_same_flows_and_reimports_as_unchanged(
    db: sessionmaker[Session], tmp_path: Path, fmt: str, iati_schema: etree.XMLSchema
) -> None:
    _import(db, PAGES[0], "fts")
    before = _ledger_flows(db)
    data = _export(db, fmt)
    problems = Problems(f"export.{fmt}", OnError.ERROR_ALL)
    if fmt == "iati":
        assert iati_schema.validate(etree.fromstring(data)), iati_schema.error_log
        back = list(read_iati(io.BytesIO(data), problems))
    else:
        back = list(hxl.read_flows(io.StringIO(data.decode()), problems))
    assert not problems.has_errors
    assert [f.without_position() for f in back] == before
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(data)
    report = _import(db, path, fmt)
    assert (report.accepted, report.unchanged) == (0, len(before))
    assert _ledger_flows(db) == before


def test_the_3w_export_has_one_row_per_country(db: sessionmaker[Session]) -> None:
    _import(db, PAGES[0], "fts")
    rows = _export(db, "3w").decode().splitlines()
    assert rows[1].startswith("#org+impl,#org+funder,#sector")
    assert len(rows) == 2 + 8  # seven flows, one of them split between Afghanistan and Pakistan
