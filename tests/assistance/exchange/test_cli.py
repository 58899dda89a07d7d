"""`solidarity assistance import-exchange` and `totals`, end to end through the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.assistance.exchange.conftest import DATA

PAGES = [str(DATA / "fts_afg_2020_page1.json"), str(DATA / "fts_afg_2020_page2.json")]
Cli = Callable[..., tuple[int, str, str]]


def test_fts_pages_import_and_totals_match_fts_summary(cli: Cli) -> None:
    code, out, err = cli("assistance", "import-exchange", *PAGES, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert set(report) >= {"read", "accepted", "rejected", "flagged", "problems"}
    assert (report["accepted"], report["unchanged"], report["rejected"]) == (8, 1, 0)
    code, out, err = cli("assistance", "totals", "--recipient", "AFG", "--year", "2020", "--json")
    assert code == 0, err
    totals = json.loads(out)
    summary = json.loads(Path(PAGES[0]).read_text())["data"]
    assert float(totals["incoming_usd"]) == summary["incoming"]["fundingTotal"]
    assert totals["incoming_flows"] == summary["incoming"]["flowCount"]
    assert totals["internal_flows"] == summary["internal"]["flowCount"]


def test_hxl_without_a_hashtag_row_is_an_error_naming_the_file(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "3w.csv"
    path.write_text("Donor,Amount\nECHO,10\n")
    code, _, err = cli("assistance", "import-exchange", str(path), "--format", "hxl")
    assert code == 2
    assert "3w.csv: no HXL hashtag row" in err


def test_a_bad_iati_file_imports_nothing(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(
        '<iati-activities version="2.03"><iati-activity default-currency="USD">'
        "<iati-identifier>GB-1-1</iati-identifier>"
        '<reporting-org ref="GB-1"><narrative>Donor</narrative></reporting-org>'
        '<transaction><transaction-type code="3"/><transaction-date iso-date="2020-01-01"/>'
        '<value value-date="2020-01-01">10</value></transaction>'
        '<transaction><transaction-type code="3"/><transaction-date iso-date="2020-01-01"/>'
        "<value>10</value></transaction></iati-activity></iati-activities>"
    )
    code, _, err = cli("assistance", "import-exchange", str(path), "--on-error", "error-all")
    assert code == 2
    assert "transaction[2]/value/@value-date" in err
    code, out, _ = cli("assistance", "totals", "--json")
    assert json.loads(out)["incoming_flows"] == 0


def test_export_exchange_writes_iati_that_imports_back_unchanged(cli: Cli, tmp_path: Path) -> None:
    assert cli("assistance", "import-exchange", PAGES[0])[0] == 0
    out_file = tmp_path / "ledger.xml"
    code, out, err = cli("assistance", "export-exchange", "--format", "iati", "-o", str(out_file), "--json")
    assert code == 0, err
    assert json.loads(out)["flows"] == 7
    code, out, err = cli("assistance", "import-exchange", str(out_file), "--json")
    assert code == 0, err
    assert (json.loads(out)["accepted"], json.loads(out)["unchanged"]) == (0, 7)


def test_export_exchange_refuses_an_unknown_format(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli("assistance", "export-exchange", "--format", "pdf", "-o", str(tmp_path / "x"))
    assert code == 2
    assert "Format 'pdf': use one of iati, hxl, 3w" in err
