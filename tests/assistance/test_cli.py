"""`solidarity assistance ...`: the Table 1 JSON shape, CSV export and import with exit codes and modes."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

Cli = Callable[..., tuple[int, str, str]]


def test_report_table1_json_is_the_issue_shape(cli: Cli, demo: dict[str, int]) -> None:
    code, out, _ = cli("assistance", "report", "table1", "--json")
    assert code == 0
    data = json.loads(out)
    assert [row["category"] for row in data["rows"]] == ["Material supplying", "Cash support", "Capacity building"]
    entry = data["rows"][1]["entries"][0]
    assert set(entry) == {"text", "item", "quantity", "unit", "usd", "sources"}
    masks = next(e for e in data["rows"][0]["entries"] if e["item"] == "MASK-ANY")
    assert (masks["quantity"], masks["unit"], masks["usd"]) == (70_600_000_000, "each", None)


def test_export_then_import_changes_nothing_and_reports_json(cli: Cli, demo: dict[str, int], tmp_path: Path) -> None:
    target = tmp_path / "flows.csv"
    code, out, _ = cli("assistance", "export", "--format", "csv", "-o", str(target))
    assert code == 0
    assert "Wrote 16 flows" in out
    code, out, _ = cli("assistance", "import", str(target), "--json")
    assert code == 0
    report = json.loads(out)
    assert (report["read"], report["accepted"], report["unchanged"], report["rejected"]) == (16, 0, 16, 0)


def test_import_of_a_bad_file_exits_2_naming_line_and_field(cli: Cli, orgs: dict[str, int], tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "ref,provider,channel,modality,stage,flow_date,amount,currency,description,recipients\n"
        f"x-1,{orgs['CN']},bilateral,financial,disbursement,2020-05-04,10,USD,Split badly,IT:50; RS:20\n",
        encoding="utf-8",
    )
    code, _, err = cli("assistance", "import", str(bad))
    assert code == 2
    assert err.startswith("Error: ")
    assert "line 2" in err
    assert "recipients.percentage" in err
    code, out, _ = cli("assistance", "import", str(bad), "--on-error", "skip", "--json")
    assert code == 0
    assert json.loads(out)["rejected"] == 1


def test_report_totals_by_channel_json(cli: Cli, demo: dict[str, int]) -> None:
    code, out, _ = cli("assistance", "report", "totals", "channel", "--json")
    assert code == 0
    rows = {r["key"]: r for r in json.loads(out)["rows"]}
    assert rows["public-private"]["paid_usd"] == "25000000.00"
    assert rows["multilateral"]["paid_usd"] == "50000000.00"


def _refs(path: Path) -> set[str]:
    with path.open(encoding="utf-8") as stream:
        return {row["ref"] for row in csv.DictReader(stream)}


def test_export_and_reports_take_the_item_and_illustrative_filters(
    cli: Cli, demo: dict[str, int], tmp_path: Path, client: TestClient
) -> None:
    def api_count(**params: str) -> int:
        return int(client.get("/api/v1/assistance/flows", params=params).json()["count"])

    for option, value, param in (
        ("--illustrative", "yes", {"illustrative": "true"}),
        ("--illustrative", "no", {"illustrative": "false"}),
        ("--item", "MASK-ANY", {"item": "MASK-ANY"}),
    ):
        target = tmp_path / f"{value}.csv"
        code, _, err = cli("assistance", "export", "-o", str(target), option, value)
        assert code == 0, err
        assert len(_refs(target)) == api_count(**param) > 0, option
    assert len(_refs(tmp_path / "yes.csv")) == 7
    assert _refs(tmp_path / "yes.csv").isdisjoint(_refs(tmp_path / "no.csv"))
    assert len(_refs(tmp_path / "yes.csv") | _refs(tmp_path / "no.csv")) == 16

    code, out, _ = cli("assistance", "report", "table1", "--illustrative", "no", "--json")
    assert code == 0
    assert json.loads(out) == client.get("/api/v1/assistance/reports/table1", params={"illustrative": "false"}).json()
    code, out, _ = cli("assistance", "report", "totals", "channel", "--illustrative", "no", "--json")
    assert code == 0
    without = {r["key"]: r["paid_usd"] for r in json.loads(out)["rows"]}
    code, out, _ = cli("assistance", "report", "totals", "channel", "--json")
    assert without != {r["key"]: r["paid_usd"] for r in json.loads(out)["rows"]}
    code, out, _ = cli("assistance", "report", "table1", "--item", "MASK-ANY", "--json")
    assert code == 0
    assert json.loads(out) == client.get("/api/v1/assistance/reports/table1", params={"item": "MASK-ANY"}).json()

    code, _, err = cli("assistance", "export", "-o", str(tmp_path / "x.csv"), "--illustrative", "maybe")
    assert code == 2
    assert "maybe" in err
    code, _, err = cli("assistance", "report", "table1", "--item", "NO-SUCH-ITEM")
    assert code == 2
    assert "NO-SUCH-ITEM" in err
