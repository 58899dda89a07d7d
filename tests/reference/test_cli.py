import json
from collections.abc import Callable
from pathlib import Path

import pytest

from solidarity.cli.main import main
from solidarity.config import Settings
from tests.conftest import TEST_SECRET

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    monkeypatch.setenv("SOLIDARITY_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SOLIDARITY_ENVIRONMENT", "test")
    monkeypatch.setenv("SOLIDARITY_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("SOLIDARITY_DATA_DIR", str(settings.data_dir))

    def invoke(*args: str) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as exit_info:
            main(["reference", *args])
        out, err = capsys.readouterr()
        return int(exit_info.value.code or 0), out, err

    return invoke


def test_country_lookup_prints_codes_region_and_population(run: Run) -> None:
    code, out, _ = run("country", "NA")
    assert code == 0
    assert "NAM" in out
    assert "Namibia" in out
    assert "AFRO" in out
    assert "2,494,530" in out


def test_unknown_country_exits_2_with_a_helpful_error(run: Run) -> None:
    code, _, err = run("country", "Nambia")
    assert code == 2
    assert err.startswith("Error: Unknown country 'Nambia'; did you mean Namibia")


def test_countries_json_filters_by_region(run: Run) -> None:
    code, out, _ = run("countries", "--who-region", "SEARO", "--json")
    assert code == 0
    assert len(json.loads(out)) == 11


def test_convert_prints_rate_date_and_source(run: Run) -> None:
    code, out, _ = run("convert", "1000", "EUR", "--date", "2020-03-16", "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["amount_usd"], data["rate_to_usd"], data["rate_date"]) == ("1115.70", "1.1157", "2020-03-16")
    code, out, _ = run("convert", "1000", "EUR", "--date", "2020-03-14")
    assert code == 0
    assert "1,110.40 USD" in out
    assert "2020-03-13" in out
    code, _, err = run("convert", "1000", "XOF", "--date", "2020-03-16")
    assert code == 2
    assert "XOF" in err
    assert "2020-03-16" in err
    code, _, err = run("convert", "1000", "EUR", "--date", "16/03/2020")
    assert code == 2
    assert "Error: date '16/03/2020'" in err


def test_rates_import_is_idempotent_and_reports_bad_lines(run: Run, tmp_path: Path) -> None:
    good = tmp_path / "un.csv"
    good.write_text("currency,date,units_per_usd\nXOF,2021-01-01,540\n", encoding="utf-8")
    code, out, _ = run("rates", "import", str(good), "--name", "UN", "--source", "UN treasury", "--json")
    assert code == 0
    assert json.loads(out)["accepted"] == 1
    code, out, _ = run("rates", "import", str(good), "--name", "UN", "--source", "UN treasury")
    assert code == 0
    assert "nothing changed" in out
    code, out, _ = run("convert", "5400", "XOF", "--date", "2021-01-04", "--json")
    assert json.loads(out)["amount_usd"] == "10.00"
    assert json.loads(out)["source"] == "UN treasury"
    bad = tmp_path / "bad.csv"
    bad.write_text("currency,date,units_per_usd\nXOF,2021-01-01,540\nXOF,yesterday,541\n", encoding="utf-8")
    code, _, err = run("rates", "import", str(bad), "--name", "bad", "--source", "x")
    assert code == 2
    assert "Error: bad.csv: 1 problem; first: line 3, field date, value 'yesterday'" in err
    assert "file=bad.csv, line=3, field=date, value=yesterday" in err


def test_population_override_and_items(run: Run) -> None:
    code, out, _ = run("population", "Namibia", "--set", "2600000", "--year", "2021", "--source", "NSA", "--json")
    assert code == 0
    assert json.loads(out)["population"] == 2600000
    code, _, err = run("population", "NA", "--set", "1")
    assert code == 2
    assert "--year" in err
    code, out, _ = run("items", "--category", "vaccines", "--json")
    assert code == 0
    assert [i["code"] for i in json.loads(out)] == ["VACC-COVID"]
