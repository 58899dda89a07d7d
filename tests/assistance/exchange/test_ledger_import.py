"""Exchange files into the ledger: FTS totals match FTS's own summary, IATI chains are recorded once."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor
from solidarity.assistance import exchanging, ledger
from solidarity.assistance.exchange.fts import read_fts_files
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
