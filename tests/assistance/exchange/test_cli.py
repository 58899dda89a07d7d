"""`solidarity assistance import`, `export` and `totals` with the exchange formats, end to end through the CLI."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.db import transaction
from solidarity.partners import service as partners
from solidarity.partners.models import Organisation
from solidarity.partners.schemas import OrganisationCreate
from tests.assistance.conftest import SYSTEM
from tests.assistance.exchange.conftest import DATA

PAGES = [str(DATA / "fts_afg_2020_page1.json"), str(DATA / "fts_afg_2020_page2.json")]
Cli = Callable[..., tuple[int, str, str]]


def test_fts_pages_import_and_totals_match_fts_summary(cli: Cli) -> None:
    code, out, err = cli("assistance", "import", *PAGES, "--json")
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
    code, _, err = cli("assistance", "import", str(path), "--format", "hxl")
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
    code, _, err = cli("assistance", "import", str(path), "--on-error", "error-all")
    assert code == 2
    assert "transaction[2]/value/@value-date" in err
    code, out, _ = cli("assistance", "totals", "--json")
    assert json.loads(out)["incoming_flows"] == 0


def test_export_as_iati_imports_back_unchanged(cli: Cli, tmp_path: Path) -> None:
    assert cli("assistance", "import", PAGES[0])[0] == 0
    out_file = tmp_path / "ledger.xml"
    code, out, err = cli("assistance", "export", "--format", "iati", "-o", str(out_file), "--json")
    assert code == 0, err
    assert json.loads(out)["flows"] == 7
    code, out, err = cli("assistance", "import", str(out_file), "--json")
    assert code == 0, err
    assert (json.loads(out)["accepted"], json.loads(out)["unchanged"]) == (0, 7)


def test_export_refuses_an_unknown_format(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli("assistance", "export", "--format", "pdf", "-o", str(tmp_path / "x"))
    assert code == 2
    assert "Format 'pdf': use one of csv, iati, hxl, 3w" in err


def test_import_refuses_an_unknown_format(cli: Cli) -> None:
    code, _, err = cli("assistance", "import", PAGES[0], "--format", "xls")
    assert code == 2
    assert "Format 'xls': use one of auto, csv, iati, fts, hxl" in err


def test_auto_detects_each_format_and_imports_several_files_in_one_command(cli: Cli, tmp_path: Path) -> None:
    assert cli("assistance", "import", PAGES[0])[0] == 0
    exports = {fmt: tmp_path / f"ledger-{fmt}.{'xml' if fmt == 'iati' else 'csv'}" for fmt in ("csv", "iati", "hxl")}
    for fmt, path in exports.items():
        assert cli("assistance", "export", "--format", fmt, "-o", str(path))[0] == 0
    code, out, err = cli("assistance", "import", PAGES[1], *map(str, exports.values()), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert [f["format"] for f in report["files"]] == ["fts", "csv", "iati", "hxl"]
    assert report["rejected"] == 0
    assert report["accepted"] == report["files"][0]["accepted"]


def test_a_bad_file_among_several_imports_nothing(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "3w.csv"
    bad.write_text("Donor,Amount\n#org+funder,#value+usd\nECHO,ten\n")
    code, _, err = cli("assistance", "import", *PAGES, str(bad))
    assert code == 2
    assert "3w.csv" in err
    code, out, _ = cli("assistance", "totals", "--json")
    assert json.loads(out)["incoming_flows"] == 0


def _ledger(cli: Cli) -> dict[str, Any]:
    code, out, err = cli("assistance", "totals", "--json")
    assert code == 0, err
    code, by_provider, err = cli("assistance", "report", "totals", "provider", "--json")
    assert code == 0, err
    # Providers by name: an empty ledger registers the organisations in its own order.
    rows = {r.pop("label"): r | {"key": None} for r in json.loads(by_provider)["rows"]}
    return {"totals": json.loads(out), "by_provider": rows}


@pytest.mark.parametrize("fmt", ["csv", "iati", "hxl"])
def test_export_then_import_into_an_empty_ledger_gives_back_the_same_ledger(
    fmt: str,
    cli: Cli,
    db: sessionmaker[Session],
    databases: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    assert cli("assistance", "import", *PAGES)[0] == 0
    before = _ledger(cli)
    first = tmp_path / f"first-{fmt}.{'xml' if fmt == 'iati' else 'csv'}"
    code, out, err = cli("assistance", "export", "--format", fmt, "-o", str(first), "--json")
    assert code == 0, err
    flows = json.loads(out)["flows"]
    assert flows == 8
    code, out, err = cli("assistance", "import", str(first), "--json")
    assert code == 0, err
    assert (json.loads(out)["accepted"], json.loads(out)["unchanged"]) == (0, flows)

    (tmp_path / "empty").mkdir()
    url = databases.fresh(tmp_path / "empty")
    monkeypatch.setenv("SOLIDARITY_DATABASE_URL", url)
    try:
        if fmt == "csv":
            _copy_registry(db, url)  # the ledger CSV names organisations by registry id
        code, out, err = cli("assistance", "import", str(first), "--format", fmt, "--json")
        assert code == 0, err
        report = json.loads(out)
        assert (report["accepted"], report["rejected"]) == (flows, 0), report["problems"]
        after = _ledger(cli)
        before_text, after_text = (json.dumps(x, indent=1).splitlines() for x in (before, after))
        assert after == before, "\n".join(difflib.unified_diff(before_text, after_text, lineterm=""))
        second = tmp_path / f"second-{fmt}.{'xml' if fmt == 'iati' else 'csv'}"
        assert cli("assistance", "export", "--format", fmt, "-o", str(second))[0] == 0
        assert _comparable(second, fmt) == _comparable(first, fmt)
    finally:
        databases.release(url)


def _copy_registry(source: sessionmaker[Session], url: str) -> None:
    """Register the source database's organisations in the empty one, with the same ids."""
    engine = create_engine(url)
    try:
        with transaction(source) as session:
            orgs = [(o.id, o.name, o.type) for o in session.scalars(select(Organisation).order_by(Organisation.id))]
        with transaction(sessionmaker(engine)) as session:
            for org_id, name, kind in orgs:
                created = partners.create_organisation(session, SYSTEM, OrganisationCreate(name=name, type=kind))
                assert created.id == org_id
    finally:
        engine.dispose()


def _comparable(path: Path, fmt: str) -> list[str]:
    """The export's records in a stable order, without the time it was written."""
    text = path.read_text(encoding="utf-8")
    if fmt == "iati":
        text = re.sub(r' generated-datetime="[^"]*"', "", text)
        text = text.replace("</iati-activities>", "")
        return sorted(part.strip() for part in re.split(r"(?=<iati-activity[ >])", text))
    lines = text.splitlines()
    return lines[:2] + sorted(lines[2:])
