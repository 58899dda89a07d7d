"""The interior point built for the least-cost program, and HiGHS's crossover to a vertex after it."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from solidarity.allocation import interior, objectives
from solidarity.allocation.interior import least_cost_vertex
from solidarity.allocation.lp import Infeasible
from solidarity.allocation.network import Network, build_network
from solidarity.allocation.objectives import (
    binding_capacity_rows,
    capacity_loads,
    cheapest_with_fills,
    maxmin_fills,
    pair_fills,
)
from solidarity.allocation.problem import parse_problem
from tests.allocation.test_objectives import _coupled_problem, shaped_like_the_benchmark, whole_program


def _coupled_networks(seed: int, count: int) -> list[tuple[Network, np.ndarray, np.ndarray]]:
    """Random capacity-coupled problems with their max-min targets and the capacity rows that can bind."""
    rng = random.Random(seed)
    found = []
    for _ in range(count):
        network = build_network(parse_problem(_coupled_problem(rng)))
        if network.variables == 0 or not len(network.capacity_route):
            continue
        fills = maxmin_fills(network, capacity=True)
        target = np.maximum(fills * network.pair_request * (1 - 1e-9), 0.0)
        rows = binding_capacity_rows(network, target)
        if len(rows):
            found.append((network, target, rows))
    return found


def _check_vertex(network: Network, target: np.ndarray, rows: np.ndarray, x: np.ndarray) -> None:
    whole = whole_program(network, target)
    assert whole.status == 0, whole.message
    assert float(network.var_cost @ x) == pytest.approx(float(whole.fun), rel=1e-7, abs=1e-6)
    received = np.bincount(network.var_pair, weights=x, minlength=network.pairs)
    assert received == pytest.approx(target, abs=1e-6)
    assert (capacity_loads(network, x) <= network.capacity_kg + 1e-6).all()
    used = np.bincount(network.var_stock, weights=x, minlength=len(network.stock_amount))
    assert (used <= network.stock_amount + 1e-6).all()
    # a vertex: no more shipments than rows (pairs served, stock rows and capacity rows)
    served = np.count_nonzero(target[np.unique(network.var_pair)] > 0)
    assert np.count_nonzero(x > 1e-9) <= served + len(network.stock_amount) + len(rows)


def test_the_vertex_has_the_whole_programs_cost_keeps_every_limit_and_is_basic() -> None:
    problems = _coupled_networks(41, 60)
    assert len(problems) >= 20
    answered = 0
    for network, target, rows in problems:
        x = least_cost_vertex(network, target, np.ones(network.variables, dtype=bool), rows)
        if x is not None:
            _check_vertex(network, target, rows, x)
            answered += 1
    # fills from the capacity-coupled filling leave no interior to some of these small programs (the
    # capacities that set the fills are tight in every plan): those few are left to HiGHS
    assert answered >= 0.8 * len(problems)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_programs_shaped_like_the_benchmark_are_answered_with_an_optimal_vertex(seed: int) -> None:
    network = build_network(parse_problem(shaped_like_the_benchmark(seed)))
    fills = maxmin_fills(network, capacity=False)
    target = np.maximum(fills * network.pair_request * (1 - 1e-9), 0.0)
    rows = binding_capacity_rows(network, target)
    assert len(rows) > 100
    x = least_cost_vertex(network, target, np.ones(network.variables, dtype=bool), rows)
    assert x is not None
    _check_vertex(network, target, rows, x)


def test_a_program_with_no_plan_gets_none_and_the_least_cost_pass_still_says_infeasible() -> None:
    data = {
        "items": [{"id": "masks", "unit_weight_kg": 1.0}],
        "hubs": [{"id": "H", "stock": {"masks": 100}}, {"id": "K", "stock": {"masks": 100}}],
        "destinations": [{"id": "D", "requests": {"masks": 150}}],
        "routes": [
            {"hub": "H", "destination": "D", "cost_per_kg": 1.0, "capacity_kg": 50},
            {"hub": "K", "destination": "D", "cost_per_kg": 3.0, "capacity_kg": 60},
        ],
    }
    network = build_network(parse_problem(data))
    target = network.pair_request.copy()
    rows = binding_capacity_rows(network, target)
    assert least_cost_vertex(network, target, np.ones(network.variables, dtype=bool), rows) is None
    with pytest.raises(Infeasible):
        cheapest_with_fills(network, np.ones(network.pairs))


def test_the_least_cost_pass_goes_straight_to_the_interior_point_when_many_capacities_can_bind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        found = least_cost_vertex(*args, **kwargs)
        calls.append(found is not None)
        return found

    monkeypatch.setattr(objectives, "DIRECT_ROWS", 0)
    monkeypatch.setattr(objectives, "least_cost_vertex", counted)
    for network, target, _ in _coupled_networks(7, 30):
        fills = maxmin_fills(network, capacity=True)
        whole = whole_program(network, target)
        x = cheapest_with_fills(network, fills, feasible=True)
        assert float(network.var_cost @ x) == pytest.approx(float(whole.fun), rel=1e-7, abs=1e-6)
        assert pair_fills(network, x) == pytest.approx(fills, abs=1e-6)
    assert len(calls) >= 10
    assert sum(calls) >= 0.8 * len(calls)  # the rest went to HiGHS, with the same cost


def test_a_layout_too_large_for_the_dense_factor_is_left_to_highs(monkeypatch: pytest.MonkeyPatch) -> None:
    network, target, rows = _coupled_networks(41, 10)[0]
    monkeypatch.setattr(interior, "MAX_STOCK_BLOCK", 0)
    assert least_cost_vertex(network, target, np.ones(network.variables, dtype=bool), rows) is None
    monkeypatch.setattr(objectives, "DIRECT_ROWS", 0)
    fills = maxmin_fills(network, capacity=True)
    x = cheapest_with_fills(network, fills, feasible=True)
    assert float(network.var_cost @ x) == pytest.approx(float(whole_program(network, target).fun), rel=1e-7, abs=1e-6)
