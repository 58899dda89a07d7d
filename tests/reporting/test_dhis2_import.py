"""DHIS2 dataValueSets imported end to end through the stored mapping: CLI, service and API upload."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Role
from solidarity.db import transaction
from solidarity.reporting.models import ReportVersion
from tests.conftest import Person
from tests.reporting.conftest import DATA, assert_derived_tables_agree

Cli = Callable[..., tuple[int, str, str]]

CASES = "f7n9E0hX8qk"
"""Fixture data element mapped to new cases (the weekly file splits it over two category option combos)."""
DEATHS = "eY5ehpbEsB7"
CUMULATIVE_CASES = "vq2qO3eTrNi"
UNMAPPED_ELEMENT = "Ix2HsbDMLea"
SIERRA_LEONE = "DiszpKrYNg8"
UNMAPPED_UNIT = "FNnj3jKGS7i"


def _copy(tmp_path: Path, name: str, target: str | None = None) -> Path:
    path = tmp_path / (target or name)
    shutil.copyfile(DATA / "dhis2" / name, path)
    return path


def _map(cli: Cli, *, cumulative: bool = True) -> None:
    assert cli("reporting", "dhis2-map", "org-unit", SIERRA_LEONE, "SL")[0] == 0
    assert cli("reporting", "dhis2-map", "element", CASES, "--measure", "cases")[0] == 0
    assert cli("reporting", "dhis2-map", "element", DEATHS, "--measure", "deaths", "--value-kind", "new")[0] == 0
    if cumulative:
        args = ("element", CUMULATIVE_CASES, "--measure", "cases", "--value-kind", "cumulative")
        assert cli("reporting", "dhis2-map", *args)[0] == 0


def _series(cli: Cli, *args: str) -> list[dict[str, object]]:
    code, out, err = cli("reporting", "series", "SL", *args, "--json")
    assert code == 0, err
    data: list[dict[str, object]] = json.loads(out)["data"]
    return data


def _versions(db: sessionmaker[Session]) -> int:
    with transaction(db) as session:
        return session.scalar(select(func.count()).select_from(ReportVersion)) or 0


def test_cli_import_reads_a_daily_file_through_the_stored_mapping(
    cli: Cli, tmp_path: Path, db: sessionmaker[Session]
) -> None:
    _map(cli)
    code, out, err = cli("reporting", "import", str(_copy(tmp_path, "dataValueSets-daily.json")), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert (report["accepted"], report["rejected"], report["version"]) == (3, 0, 1)
    assert [(p["severity"], p["field"], p["value"]) for p in report["problems"] if p["field"] == "dataElement"] == [
        ("warning", "dataElement", UNMAPPED_ELEMENT)
    ]
    cases = _series(cli)
    assert [(row["date"], row["new"]) for row in cases] == [("2020-03-14", 12), ("2020-03-15", 14)]
    deaths = _series(cli, "--measure", "deaths")
    assert [(row["date"], row["new"]) for row in deaths] == [("2020-03-15", 3)]
    code, out, _ = cli("reporting", "revisions", "SL", "--json")
    assert json.loads(out)[0]["version"] == 1
    with transaction(db) as session:
        assert_derived_tables_agree(session)


def test_explicit_format_and_detection_read_the_same_file(cli: Cli, tmp_path: Path) -> None:
    _map(cli)
    # A name that does not say JSON: detection goes by the first bytes.
    path = _copy(tmp_path, "dataValueSets-daily.json", "export.txt")
    code, out, err = cli("reporting", "import", str(path), "--format", "dhis2", "--json")
    assert code == 0, err
    assert json.loads(out)["version"] == 1
    detected = tmp_path / "again.txt"
    detected.write_text(path.read_text(encoding="utf-8").replace('"12"', '"13"'), encoding="utf-8")
    code, out, err = cli("reporting", "import", str(detected), "--json")
    assert code == 0, err
    assert json.loads(out)["accepted"] == 1
    assert (_series(cli)[0]["date"], _series(cli)[0]["new"]) == ("2020-03-14", 13)


def test_unmapped_org_unit_is_a_problem_naming_it_and_nothing_is_written(
    cli: Cli, tmp_path: Path, db: sessionmaker[Session]
) -> None:
    _map(cli)
    path = _copy(tmp_path, "dataValueSets-weekly.json")
    code, _out, err = cli("reporting", "import", str(path))
    assert code == 2
    assert UNMAPPED_UNIT in err
    assert "orgUnit" in err
    assert _versions(db) == 0
    code, out, err = cli("reporting", "import", str(path), "--on-error", "skip", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["accepted"] == 1
    assert [(p["line"], p["field"], p["value"]) for p in report["problems"] if p["severity"] == "error"] == [
        (4, "orgUnit", UNMAPPED_UNIT)
    ]


def test_weekly_periods_are_dated_on_sunday_and_combos_are_summed(cli: Cli, tmp_path: Path) -> None:
    _map(cli)
    path = _copy(tmp_path, "dataValueSets-weekly.json")
    code, out, err = cli("reporting", "import", str(path), "--on-error", "skip", "--json")
    assert code == 0, err
    assert json.loads(out)["accepted"] == 1
    weekly = _series(cli, "--frequency", "weekly")
    # 2020W11 runs Monday 9 to Sunday 15 March 2020; 7 + 5 over two category option combos.
    assert [(row["date"], row["new"], row["cumulative"]) for row in weekly] == [("2020-03-15", 12, 40)]
    assert _series(cli) == []


def test_reimporting_the_same_or_an_equal_file_changes_nothing(
    cli: Cli, tmp_path: Path, db: sessionmaker[Session]
) -> None:
    _map(cli)
    path = _copy(tmp_path, "dataValueSets-daily.json")
    assert cli("reporting", "import", str(path))[0] == 0
    code, out, _ = cli("reporting", "import", str(path), "--json")
    assert code == 0
    assert json.loads(out)["version"] == 1
    # The same values in another file (other bytes): read again, nothing changed, no new version.
    reformatted = tmp_path / "reformatted.json"
    reformatted.write_text(json.dumps(json.loads(path.read_text(encoding="utf-8"))), encoding="utf-8")
    code, out, _ = cli("reporting", "import", str(reformatted), "--json")
    assert code == 0
    report = json.loads(out)
    assert (report["version"], report["accepted"], report["unchanged"]) == (None, 0, 3)
    assert _versions(db) == 1


def test_without_a_stored_mapping_the_import_says_to_map_first(cli: Cli, tmp_path: Path) -> None:
    code, _out, err = cli("reporting", "import", str(_copy(tmp_path, "dataValueSets-daily.json")))
    assert code == 2
    assert "mapping" in err


def test_api_upload_of_a_dhis2_file_uses_the_stored_mapping(
    client: TestClient,
    make_person: Callable[..., Person],
    token_for: Callable[[Person], dict[str, str]],
    db: sessionmaker[Session],
) -> None:
    coordinator = make_person(Role.COORDINATOR, modules=["reporting"])
    headers = token_for(coordinator)
    mapping = [
        {"kind": "org_unit", "dhis2_id": SIERRA_LEONE, "area_code": "SL"},
        {"kind": "data_element", "dhis2_id": CASES, "measure": "cases", "value_kind": "new"},
        {"kind": "data_element", "dhis2_id": CUMULATIVE_CASES, "measure": "cases", "value_kind": "cumulative"},
    ]
    for row in mapping:
        response = client.put("/api/v1/reporting/dhis2-mapping", json=row, headers=headers)
        assert response.status_code == 200, response.text
    content = (DATA / "dhis2" / "dataValueSets-weekly.json").read_bytes()
    files = {"file": ("dataValueSets.json", content, "application/json")}
    refused = client.post("/api/v1/reporting/imports", files=files, headers=headers)
    assert refused.status_code == 422
    assert any(d.get("value") == UNMAPPED_UNIT for d in refused.json()["error"]["details"])
    response = client.post("/api/v1/reporting/imports", files=files, data={"on_error": "skip"}, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["accepted"] == 1
    assert [p["value"] for p in response.json()["problems"] if p["severity"] == "error"] == [UNMAPPED_UNIT]
    series = client.get("/api/v1/reporting/series", params={"area": "SL", "frequency": "weekly"}).json()
    assert [(p["date"], p["new"], p["cumulative"]) for p in series["data"]] == [("2020-03-15", 12, 40)]
    again = client.post("/api/v1/reporting/imports", files=files, data={"on_error": "skip"}, headers=headers)
    assert again.json()["version"] == response.json()["version"]
    assert _versions(db) == 1
