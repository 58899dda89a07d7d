"""Bad problems get specific errors that name the path, never a crash or a partial plan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from solidarity.allocation.problem import MAX_PROBLEM_BYTES, loads_problem, parse_problem, read_problem
from solidarity.errors import Invalid, TooLarge


def _problem() -> dict[str, Any]:
    return {
        "items": [{"id": "masks", "unit_weight_kg": 0.004}, {"id": "kits"}],
        "hubs": [{"id": "GZ", "stock": {"masks": 1000, "kits": 10}}],
        "destinations": [
            {"id": "IRQ", "weight": 1.5, "requests": {"masks": 500}},
            {"id": "ITA", "requests": {"masks": 500, "kits": 5}},
        ],
        "routes": [{"hub": "GZ", "destination": "IRQ", "cost_per_kg": 2.5, "lead_days": 4, "capacity_kg": 20000}],
    }


def _reason(data: dict[str, Any]) -> tuple[str, str]:
    with pytest.raises(Invalid) as caught:
        parse_problem(data)
    detail = caught.value.details[0]
    return detail["field"], detail["reason"]


def test_a_valid_problem_reads_with_defaults() -> None:
    problem = parse_problem(_problem())
    assert problem.destinations[1].weight == 1.0
    assert problem.routes[0].capacity_kg == 20000


def test_negative_stock_is_refused_with_its_path() -> None:
    data = _problem()
    data["hubs"][0]["stock"]["masks"] = -5
    assert _reason(data) == ("hubs[0].stock.masks", "must not be negative (-5)")


def test_nan_in_the_json_text_is_refused_with_its_line_and_column(tmp_path: Path) -> None:
    text = json.dumps(_problem(), indent=1).replace('"weight": 1.5', '"weight": NaN')
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "NaN" in row)
    column = text.splitlines()[line - 1].index("NaN") + 1
    with pytest.raises(Invalid, match=f"NaN at line {line} column {column}") as caught:
        loads_problem(text)
    assert caught.value.details == [
        {"line": line, "column": column, "value": "NaN", "reason": "not a number the allocation accepts"}
    ]
    path = tmp_path / "round.json"
    path.write_text(text.replace('"id": "masks"', '"id": "masks", "note": "NaN -Infinity"', 1))  # in a string: fine
    with pytest.raises(Invalid, match=f"^round.json: .*NaN at line {line} column {column}") as caught:
        read_problem(path)
    assert caught.value.details[0]["file"] == "round.json"
    with pytest.raises(Invalid, match="-Infinity at line 1 column 1"):
        loads_problem("-Infinity")


def test_nan_as_a_python_float_is_refused() -> None:
    data = _problem()
    data["routes"][0]["cost_per_kg"] = float("nan")
    assert _reason(data) == ("routes[0].cost_per_kg", "must be a finite number")


def test_unknown_item_in_a_request_is_refused() -> None:
    data = _problem()
    data["destinations"][1]["requests"]["gloves"] = 3
    assert _reason(data) == ("destinations[1].requests.gloves", "unknown item 'gloves'")


def test_route_to_an_unknown_hub_or_destination_is_refused() -> None:
    data = _problem()
    data["routes"].append({"hub": "WUH", "destination": "ATL"})
    with pytest.raises(Invalid) as caught:
        parse_problem(data)
    fields = {d["field"]: d["reason"] for d in caught.value.details}
    assert fields["routes[1].hub"] == "unknown hub 'WUH'"
    assert fields["routes[1].destination"] == "unknown destination 'ATL'"


def test_a_destination_requesting_an_item_no_hub_has_is_refused() -> None:
    data = _problem()
    data["items"].append({"id": "ventilators"})
    data["destinations"][0]["requests"]["ventilators"] = 4
    assert _reason(data) == ("destinations[0].requests.ventilators", "no hub has 'ventilators'")


def test_zero_weight_and_duplicate_ids_are_refused() -> None:
    data = _problem()
    data["destinations"][0]["weight"] = 0
    assert _reason(data) == ("destinations[0].weight", "must be greater than zero")
    data = _problem()
    data["destinations"][1]["id"] = "IRQ"
    assert _reason(data) == ("destinations[1].id", "duplicate id 'IRQ'")


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.truncate(MAX_PROBLEM_BYTES + 1)  # sparse: 10 MB of nothing, never parsed
    with pytest.raises(TooLarge, match="limited to 10 MB"):
        read_problem(path)


def test_text_that_is_not_json_is_refused_with_its_line_and_column() -> None:
    with pytest.raises(Invalid, match="not valid JSON") as caught:
        loads_problem('{"items": [],\n items:')
    assert caught.value.details[0] | {"value": None} == {
        "line": 2,
        "column": 2,
        "value": None,
        "reason": "Expecting property name enclosed in double quotes",
    }
