"""`solidarity reporting ...`: exit codes and the JSON keys scripts read."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from tests.reporting.conftest import DATA

Cli = Callable[..., tuple[int, str, str]]


def _who_file(tmp_path: Path) -> Path:
    target = tmp_path / "WHO-COVID-19-global-data.csv"
    shutil.copyfile(DATA / "who" / "WHO-COVID-19-global-daily-data.csv", target)
    return target


def test_import_prints_the_summary_keys_as_json(cli: Cli, tmp_path: Path) -> None:
    code, out, _ = cli("reporting", "import", str(_who_file(tmp_path)), "--on-error", "warn", "--json")
    assert code == 0
    report = json.loads(out)
    assert {"rows_read", "accepted", "flagged", "rejected", "version", "problems"} <= set(report)
    assert report["version"] == 1
    assert report["flagged"] >= 1


def test_import_of_a_bad_file_exits_2_naming_line_and_field(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Date_reported,Country_code,Country,WHO_region,New_cases,Cumulative_cases,New_deaths,Cumulative_deaths\n"
        "2020-03-03,QQ,Atlantis,EURO,1,1,0,0\n2020-03-04,QQ,Atlantis,EURO,1,2,0,0\n",
        encoding="utf-8",
    )
    code, _out, err = cli("reporting", "import", str(bad))
    assert code == 2
    assert err.startswith("Error: ")
    assert "line 2" in err
    assert "Country_code" in err


def test_milestones_json_has_the_documented_keys(cli: Cli, tmp_path: Path) -> None:
    cli("reporting", "import", str(_who_file(tmp_path)), "--on-error", "warn")
    code, out, _ = cli("reporting", "milestones", "--step", "100", "--json")
    assert code == 0
    rows = json.loads(out)
    assert rows
    assert set(rows[0]) == {
        "milestone",
        "date",
        "cumulative",
        "days_since_previous",
        "days_since_origin",
        "source",
        "version",
    }


def test_series_rt_revisions_and_areas_commands(cli: Cli, tmp_path: Path) -> None:
    cli("reporting", "import", str(_who_file(tmp_path)), "--on-error", "warn")
    code, out, _ = cli("reporting", "series", "NA", "--json")
    assert code == 0
    assert json.loads(out)["data"][-1]["new"] == -1
    code, out, _ = cli("reporting", "rt", "JP", "--window", "2", "--json")
    assert code == 0
    assert json.loads(out)["area"] == "JP"
    code, out, _ = cli("reporting", "revisions", "NA", "--json")
    assert json.loads(out)[0]["version"] == 1
    code, out, _ = cli("reporting", "areas", "--json")
    assert "XX" in {a["code"] for a in json.loads(out)}
    code, _, _err = cli("reporting", "series", "Atlantis")
    assert code == 2


def test_dhis2_mapping_commands_then_import(cli: Cli, tmp_path: Path) -> None:
    assert cli("reporting", "dhis2-map", "org-unit", "DiszpKrYNg8", "SL")[0] == 0
    assert cli("reporting", "dhis2-map", "element", "fbfJHSPpUQD", "--measure", "cases", "--value-kind", "new")[0] == 0
    _code, out, _ = cli("reporting", "dhis2-map", "list", "--json")
    assert {row["dhis2_id"] for row in json.loads(out)} == {"DiszpKrYNg8", "fbfJHSPpUQD"}
    assert cli("reporting", "dhis2-map", "remove", "org_unit", "DiszpKrYNg8")[0] == 0
