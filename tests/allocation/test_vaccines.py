"""COVAX-style rules on a hand-made round."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from solidarity.allocation.vaccines import allocate, parse_round, read_round
from solidarity.errors import Invalid


def _round(doses: int, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "round": "R1",
        "doses": doses,
        "participants": [
            {"id": "A", "population": 1_000_000, "requested": 1_000_000, "threat_vulnerability": 1.0},
            {"id": "B", "population": 3_000_000, "requested": 3_000_000, "threat_vulnerability": 3.0},
            {"id": "C", "population": 500_000, "requested": 10_000},
            {"id": "D", "population": 2_000_000, "requested": 2_000_000, "has_cold_chain": False},
        ],
    }
    data.update(overrides)
    return data


def _by_id(doses: int, **overrides: Any) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    result = allocate(parse_round(_round(doses, **overrides))).as_dict()
    return result, {p["id"]: p for p in result["participants"]}


def test_first_tranche_is_proportional_to_population_when_doses_are_short() -> None:
    # 100,000 doses; 5% buffer leaves 95,000; C's request (10,000) is above its 1.9% share.
    result, people = _by_id(100_000)
    assert result["buffer"] == 5_000
    assert people["A"]["allocated"] * 3 == pytest.approx(people["B"]["allocated"], abs=3)
    assert sum(p["allocated"] for p in people.values()) == 95_000
    assert people["D"]["allocated"] == 0


def test_phase_one_stops_at_20_percent_and_never_above_the_request() -> None:
    # 1,000,000 doses: 950,000 after the buffer; 20% of A and B is 800,000, C asks only 10,000.
    result, people = _by_id(1_000_000, participants=[*_round(0)["participants"][:3]])
    assert people["C"]["allocated"] == 10_000
    assert people["A"]["phase1"] == 200_000
    assert people["B"]["phase1"] == 600_000
    # phase 2 shares 140,000 by population × score: A 1·1M, B 3·3M → 1:9
    assert people["A"]["phase2"] == 14_000
    assert people["B"]["phase2"] == 126_000
    assert result["unallocated"] == 0


def test_a_participant_without_cold_chain_is_passed_over_and_explained() -> None:
    _, people = _by_id(1_000_000)
    assert people["D"]["allocated"] == 0
    assert people["D"]["explanation"] == ["Passed over: not ready (no cold chain); its share went to the others."]
    assert any(line.startswith("First tranche") for line in people["A"]["explanation"])


def test_doses_no_one_can_take_are_unallocated_not_invented() -> None:
    result, people = _by_id(10_000_000)
    assert people["C"]["allocated"] == 10_000
    assert result["allocated"] + result["buffer"] + result["unallocated"] == 10_000_000
    assert people["A"]["allocated"] == 1_000_000


def test_buffer_share_is_configurable() -> None:
    result, _ = _by_id(100_000, buffer_share=0.1)
    assert result["buffer"] == 10_000


def test_bad_round_is_refused_with_the_field() -> None:
    with pytest.raises(Invalid, match=r"participants\[0\].population"):
        parse_round(_round(100, participants=[{"id": "A", "population": -1, "requested": 4}]))
    with pytest.raises(Invalid, match="buffer_share"):
        parse_round(_round(100, buffer_share=1.5))


def test_a_round_file_with_nan_or_broken_json_is_refused_with_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "ROUND.json"
    path.write_text(json.dumps(_round(100), indent=1).replace('"doses": 100', '"doses": NaN'))
    with pytest.raises(Invalid, match=r"^ROUND.json: The round is not valid JSON: NaN at line 3 column 11") as caught:
        read_round(path)
    assert caught.value.details == [
        {"file": "ROUND.json", "line": 3, "column": 11, "value": "NaN", "reason": "not a number the allocation accepts"}
    ]
    path.write_text('{"round": "R1",\n "doses": 100,,}')
    with pytest.raises(Invalid, match="line 2 column 15"):
        read_round(path)
