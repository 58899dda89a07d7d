"""`solidarity allocation solve` and `vaccines`: exact JSON, and exit 2 with the reason on bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from solidarity.cli.main import main
from solidarity.config import Settings

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Run:
    # solve and vaccines never open the database; the settings still have to load.
    monkeypatch.setenv("SOLIDARITY_DATABASE_URL", f"sqlite:///{tmp_path / 'unused.db'}")
    monkeypatch.setenv("SOLIDARITY_ENVIRONMENT", "test")
    monkeypatch.setenv("SOLIDARITY_SECRET_KEY", "test-secret-key-that-is-long-enough-0123456789")
    monkeypatch.setenv("SOLIDARITY_DATA_DIR", str(tmp_path / "data"))

    def invoke(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main(list(args))
        out, err = capsys.readouterr()
        code = exited.value.code
        return (code if isinstance(code, int) else 1), out, err

    return invoke


@pytest.fixture
def cli_db(settings: Settings, monkeypatch: pytest.MonkeyPatch, run: Run) -> Run:
    monkeypatch.setenv("SOLIDARITY_DATABASE_URL", settings.effective_database_url)
    return run


def _write(tmp_path: Path, data: dict[str, Any], name: str = "problem.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


PROBLEM = {
    "items": [{"id": "masks", "unit_weight_kg": 0.004}],
    "hubs": [{"id": "GZ", "stock": {"masks": 100}}],
    "destinations": [{"id": d, "requests": {"masks": 50}} for d in ("IRQ", "ITA", "IRN")],
    "routes": [{"hub": "GZ", "destination": d, "cost_per_kg": 2.5, "lead_days": 4} for d in ("IRQ", "ITA", "IRN")],
}


def test_solve_json_prints_the_plan_in_the_documented_shape(run: Run, tmp_path: Path) -> None:
    code, out, _ = run("allocation", "solve", _write(tmp_path, PROBLEM), "--json")
    assert code == 0
    plan = json.loads(out)
    assert list(plan) == ["allocations", "destinations", "metrics", "explanation"]
    assert plan["allocations"] == [
        {"hub": "GZ", "destination": "IRQ", "item": "masks", "quantity": 34},
        {"hub": "GZ", "destination": "ITA", "item": "masks", "quantity": 33},
        {"hub": "GZ", "destination": "IRN", "item": "masks", "quantity": 33},
    ]
    assert plan["destinations"][0] == {"id": "IRQ", "item": "masks", "requested": 50, "allocated": 34, "fill": 0.68}
    assert plan["metrics"] == {
        "delivered": 100,
        "cost": 1.0,
        "min_fill": 0.66,
        "min_fill_per_weight": 0.66,
        "gini_fill": 0.0067,
        "per_item": {"masks": {"delivered": 100, "min_fill": 0.66}},
    }
    assert (
        plan["explanation"][1]
        == "ITA masks: 33 of 50 requested (66%), weight 1; binding stock: masks is used up at GZ."
    )


def test_solve_table_shows_the_plan_beside_both_baselines(run: Run, tmp_path: Path) -> None:
    code, out, _ = run("allocation", "solve", _write(tmp_path, PROBLEM), "--objective", "efficiency")
    assert code == 0
    assert "first_come_first_served" in out
    assert "proportional_to_request" in out


def test_solve_exits_2_with_the_reason_for_an_invalid_problem(run: Run, tmp_path: Path) -> None:
    bad = json.loads(json.dumps(PROBLEM))
    bad["hubs"][0]["stock"]["masks"] = -1
    code, _, err = run("allocation", "solve", _write(tmp_path, bad))
    assert code == 2
    assert "hubs[0].stock.masks: must not be negative (-1)" in err
    bad = json.loads(json.dumps(PROBLEM))
    bad["routes"][0]["hub"] = "WUH"
    code, _, err = run("allocation", "solve", _write(tmp_path, bad))
    assert code == 2
    assert "unknown hub 'WUH'" in err


def test_solve_refuses_an_unknown_objective_with_exit_2(run: Run, tmp_path: Path) -> None:
    code, _, _ = run("allocation", "solve", _write(tmp_path, PROBLEM), "--objective", "utopia")
    assert code == 2


def test_vaccines_json_explains_each_participant(run: Run, tmp_path: Path) -> None:
    data = {
        "doses": 1000,
        "participants": [
            {"id": "A", "population": 10000, "requested": 5000},
            {"id": "B", "population": 10000, "requested": 5000, "has_plan": False},
        ],
    }
    code, out, _ = run("allocation", "vaccines", _write(tmp_path, data, "round.json"), "--json")
    assert code == 0
    result = json.loads(out)
    assert (result["buffer"], result["allocated"], result["unallocated"]) == (50, 950, 0)
    assert result["participants"][1]["explanation"][0].startswith("Passed over: not ready (no deployment plan)")


def test_save_plans_and_approve_work_on_the_database(cli_db: Run, tmp_path: Path) -> None:
    code, out, _ = cli_db("allocation", "save", _write(tmp_path, PROBLEM), "--title", "Masks", "--json")
    assert code == 0
    plan_id = json.loads(out)["id"]
    code, out, _ = cli_db("allocation", "approve", str(plan_id))
    assert code == 0
    code, out, _ = cli_db("allocation", "plans", "--json")
    assert [(p["id"], p["status"]) for p in json.loads(out)] == [(plan_id, "approved")]
    code, _, err = cli_db("allocation", "approve", str(plan_id))
    assert code == 2
    assert "approved already" in err
