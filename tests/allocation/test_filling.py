"""The warm-started progressive filling against rounds solved from scratch with every row."""

from __future__ import annotations

import random

import numpy as np
import pytest

from solidarity.allocation import filling as filling_module
from solidarity.allocation.filling import _Filling, progressive_filling
from solidarity.allocation.network import build_network
from solidarity.allocation.objectives import binding_capacity_rows, capacity_loads, cheapest_with_fills
from solidarity.allocation.problem import parse_problem
from solidarity.allocation.solver import solve
from tests.allocation.test_objectives import (
    _coupled_problem,
    _random_problem,
    plain_progressive_filling,
    shaped_like_the_benchmark,
)


def test_fills_are_the_plain_rounds_fills_on_random_capacity_coupled_problems() -> None:
    rng = random.Random(5)
    compared = levels = 0
    for n in range(60):
        data = _coupled_problem(rng) if n % 2 else _random_problem(rng, routes=True, capacity=True)
        network = build_network(parse_problem(data))
        if network.variables == 0:
            continue
        every = np.ones(network.variables, dtype=bool)
        fills = progressive_filling(network, every, capacity=True)
        assert fills == pytest.approx(plain_progressive_filling(network), abs=1e-6)
        compared += 1
        below = fills < 1 - 1e-7
        levels += len(np.unique(np.round(fills[below] / network.pair_weight[below], 6))) > 1
    assert compared >= 50
    assert levels >= 10  # problems with more than one level below the requests, so several rounds


@pytest.mark.parametrize("seed", [1, 2])
def test_capacity_rows_are_added_as_they_break_and_the_fills_match_the_plain_rounds(seed: int) -> None:
    network = build_network(
        parse_problem(shaped_like_the_benchmark(seed, destinations=30, items=8, stock=3000, low=0.05))
    )
    rows = binding_capacity_rows(network, network.pair_request)
    filling = _Filling(network, np.arange(network.variables), rows)
    fills = filling.run()
    assert fills == pytest.approx(plain_progressive_filling(network), abs=1e-6)
    below = fills < 1 - 1e-7
    assert len(np.unique(np.round(fills[below] / network.pair_weight[below], 6))) >= 5
    assert 0 < filling.added.sum() < len(rows)  # only the capacities that bound somewhere joined the model
    x = cheapest_with_fills(network, fills, feasible=True)  # a plan with these fills keeps every limit
    assert (capacity_loads(network, x) <= network.capacity_kg * (1 + 1e-9) + 1e-6).all()


def test_pairs_no_variable_reaches_keep_fill_zero_and_an_empty_selection_gives_zeros() -> None:
    data = {
        "items": [{"id": "a", "unit_weight_kg": 1}],
        "hubs": [{"id": "H", "stock": {"a": 30}}],
        "destinations": [{"id": "D", "requests": {"a": 20}}, {"id": "E", "requests": {"a": 20}}],
        "routes": [{"hub": "H", "destination": "D", "capacity_kg": 10}, {"hub": "H", "destination": "E"}],
    }
    network = build_network(parse_problem(data))
    assert progressive_filling(network, np.ones(network.variables, dtype=bool), capacity=True).tolist() == (
        pytest.approx([0.5, 1.0])
    )
    only_d = network.var_destination == 0
    assert progressive_filling(network, only_d, capacity=True).tolist() == pytest.approx([0.5, 0.0])
    assert progressive_filling(network, only_d, capacity=False).tolist() == pytest.approx([1.0, 0.0])
    assert progressive_filling(network, np.zeros(network.variables, dtype=bool), capacity=True).tolist() == [0, 0]


def test_capacity_rows_near_full_join_the_model_only_along_with_a_broken_row() -> None:
    data = {
        "items": [{"id": "a", "unit_weight_kg": 1}],
        "hubs": [{"id": "H", "stock": {"a": 100}}],
        "destinations": [{"id": d, "requests": {"a": 50}} for d in "DEF"],
        "routes": [{"hub": "H", "destination": d, "capacity_kg": 10} for d in "DEF"],
    }
    network = build_network(parse_problem(data))
    filling = _Filling(network, np.arange(network.variables), np.arange(3))
    assert network.capacity_route.tolist() == [0, 1, 2]  # capacity row r is route r
    near, far, broken = (np.flatnonzero(network.var_route == r)[0] for r in range(3))
    x = np.zeros(network.variables)
    x[near], x[far] = 9.0, 1.0
    assert not filling._add_broken_rows(x)  # 90% full, nothing broken: nothing added
    assert not filling.added.any()
    x[broken] = 11.0
    assert filling._add_broken_rows(x)
    assert filling.added.tolist() == [True, False, True]  # the broken row and the one 90% full
    assert filling.highs.getNumRow() == filling.first_pair_row + len(filling.pairs) + 2


def test_progress_hears_every_round_and_ends_with_every_request_settled() -> None:
    # capacities set the fills, and the routes cannot carry the pooled fills (objectives.pooled_fills)
    data = shaped_like_the_benchmark(0, destinations=12, items=5, stock=900, low=0.05)
    heard: list[tuple[int, int]] = []
    plan = solve(parse_problem(data), progress=lambda done, total: heard.append((done, total)))
    network = build_network(parse_problem(data))
    assert len(heard) >= 5  # capacities set the fills here: one report a round
    assert [total for _, total in heard] == [network.pairs] * len(heard)
    settled = [done for done, _ in heard]
    assert settled == sorted(set(settled))  # each round settles some
    assert settled[-1] == network.pairs
    assert plan.as_dict()["metrics"]["min_fill"] > 0


@pytest.mark.parametrize("chunk", [7, 40])
def test_a_level_split_into_chunks_of_pairs_gives_the_same_fills(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    monkeypatch.setattr(filling_module, "LEVEL_CHUNK", chunk)
    data = shaped_like_the_benchmark(2, destinations=30, items=8, stock=3000, low=0.05)
    network = build_network(parse_problem(data))
    filling = _Filling(network, np.arange(network.variables), binding_capacity_rows(network, network.pair_request))
    fills = filling.run()
    assert fills == pytest.approx(plain_progressive_filling(network), abs=1e-6)
    capacity_rows = int(filling.added.sum())
    link_rows = filling.highs.getNumRow() - filling.first_pair_row - len(filling.pairs) - capacity_rows
    assert link_rows >= len(filling.pairs) // chunk  # round 1 alone splits the level this many ways
