from __future__ import annotations

import json
from pathlib import Path

import pytest

from solidarity.cli.main import main
from solidarity.config import Settings


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLIDARITY_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SOLIDARITY_ENVIRONMENT", "test")
    monkeypatch.setenv("SOLIDARITY_SECRET_KEY", settings.secret_key.get_secret_value())
    monkeypatch.setenv("SOLIDARITY_DATA_DIR", str(settings.data_dir))


def test_add_and_search_print_the_json_shape(env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "protocol.md"
    doc.write_text("# 防控方案\n密切接触者应集中隔离医学观察。", encoding="utf-8")
    code, out, err = run(["knowledge", "add", str(doc), "--title", "防控方案", "--language", "zh", "--json"], capsys)
    assert code == 0, err
    added = json.loads(out)
    code, out, _ = run(["knowledge", "search", "隔离", "--json"], capsys)
    hits = json.loads(out)
    assert code == 0
    assert [set(h) for h in hits] == [{"id", "title", "language", "score", "snippet"}]
    assert hits[0]["id"] == added["id"]
    assert "<mark>隔离</mark>" in hits[0]["snippet"]
    code, _, err = run(["knowledge", "search", '"*'], capsys)
    assert code == 2
    assert "Nothing to search for" in err


def test_import_folder_names_the_manifest_line_of_a_missing_file(
    env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.txt").write_text("Masks reduce spread", encoding="utf-8")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("file,title,language\na.txt,Masks,en\nmissing.pdf,Gone,en\n", encoding="utf-8")
    code, _, err = run(["knowledge", "import-folder", str(tmp_path), "--manifest", str(manifest)], capsys)
    assert code == 2
    assert "line 3" in err
    assert "missing.pdf" in err
    code, out, _ = run(
        ["knowledge", "import-folder", str(tmp_path), "--manifest", str(manifest), "--on-error", "skip", "--json"],
        capsys,
    )
    report = json.loads(out)
    assert code == 0
    assert report["accepted"] == 1
    assert report["rejected"] == 1


def test_measure_commands_record_and_list(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["knowledge", "add-measure", "CN", "--type", "city_lockdown", "--area", "Wuhan", "--start", "2020-01-23"]
    code, _, err = run([*args, "--source", "Wuhan headquarters notice No. 1", "--json"], capsys)
    assert code == 0, err
    code, out, _ = run(["knowledge", "measures", "--country", "China", "--json"], capsys)
    assert json.loads(out)[0]["area_name"] == "Wuhan"
    code, out, _ = run(["knowledge", "vaccines", "--json"], capsys)
    assert code == 0
    assert json.loads(out) == []


def test_add_keeps_a_topic_given_twice_in_different_case_once(
    env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "masks.txt"
    doc.write_text("Masks reduce spread", encoding="utf-8")
    args = ["knowledge", "add", str(doc), "--title", "Masks", "--topic", "Masks", "--topic", "masks"]
    code, out, err = run([*args, "--country", "FR", "--country", "France", "--json"], capsys)
    assert code == 0, err
    added = json.loads(out)
    assert added["topics"] == ["masks"]
    assert added["countries"] == ["FR"]
