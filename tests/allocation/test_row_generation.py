"""The least-cost program that gets its capacity rows only as the plan breaks them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from solidarity.allocation.lp import Infeasible
from solidarity.allocation.network import build_network
from solidarity.allocation.objectives import binding_capacity_rows, cheapest_with_fills
from solidarity.allocation.problem import parse_problem
from solidarity.allocation.row_generation import RowGeneration


def _two_hubs(cheap_capacity_kg: float, dear_stock: int = 100) -> dict[str, Any]:
    """One item of 1 kg, a cheap hub H and a dear hub K, one destination D requesting 100."""
    return {
        "items": [{"id": "masks", "unit_weight_kg": 1.0}],
        "hubs": [{"id": "H", "stock": {"masks": 100}}, {"id": "K", "stock": {"masks": dear_stock}}],
        "destinations": [{"id": "D", "requests": {"masks": 100}}],
        "routes": [
            {"hub": "H", "destination": "D", "cost_per_kg": 1.0, "capacity_kg": cheap_capacity_kg},
            {"hub": "K", "destination": "D", "cost_per_kg": 3.0, "capacity_kg": 1000},
        ],
    }


def _program(data: dict[str, Any]) -> tuple[RowGeneration, np.ndarray]:
    network = build_network(parse_problem(data))
    target = network.pair_request.copy()
    return RowGeneration(network, target), binding_capacity_rows(network, target)


def test_the_broken_capacity_is_added_and_the_dear_hub_carries_the_rest() -> None:
    program, rows = _program(_two_hubs(60))
    assert program.x.tolist() == pytest.approx([100, 0])  # without capacities: all from the cheap hub
    assert program.grow(rows)
    assert program.x.tolist() == pytest.approx([60, 40])
    assert program.added.tolist() == [True, False]  # the dear route's capacity was never needed


def test_a_capacity_the_plan_keeps_is_never_added() -> None:
    program, rows = _program(_two_hubs(150))
    assert program.grow(rows)
    assert not program.added.any()
    assert program.x.tolist() == pytest.approx([100, 0])


def test_more_broken_capacities_than_the_limit_hand_back_the_optimum_without_them() -> None:
    program, rows = _program(_two_hubs(60))
    assert not program.grow(rows, row_limit=0)
    assert program.x.tolist() == pytest.approx([100, 0])
    assert not program.added.any()


def test_an_iteration_budget_used_up_hands_back_the_last_optimum() -> None:
    program, rows = _program(_two_hubs(60))
    assert not program.grow(rows, iteration_limit=0)
    assert program.x.tolist() == pytest.approx([100, 0])


def test_capacities_that_leave_no_plan_raise_infeasible() -> None:
    data = _two_hubs(60, dear_stock=30)  # 60 + 30 < 100
    program, rows = _program(data)
    with pytest.raises(Infeasible, match="infeasible"):
        program.grow(rows)
    network = build_network(parse_problem(data))
    with pytest.raises(Infeasible):
        cheapest_with_fills(network, np.ones(network.pairs))


def test_fills_beyond_the_stock_raise_infeasible_before_any_capacity() -> None:
    network = build_network(parse_problem(_two_hubs(60, dear_stock=0)))
    with pytest.raises(Infeasible, match="infeasible"):
        RowGeneration(network, network.pair_request * 1.5)  # 150 wanted, 100 in stock
