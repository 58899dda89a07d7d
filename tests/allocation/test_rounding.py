"""Whole units: totals kept, and never more than stock, requests or capacity, on random problems."""

from __future__ import annotations

import random

import numpy as np

from solidarity.allocation.network import build_network
from solidarity.allocation.objectives import Objective, optimise
from solidarity.allocation.problem import parse_problem
from solidarity.allocation.rounding import round_shipments
from tests.allocation.test_objectives import _random_problem


def test_rounding_never_exceeds_stock_requests_or_capacity_and_keeps_totals_when_units_fit() -> None:
    rng = random.Random(3)
    for trial in range(80):
        data = _random_problem(rng, routes=True, capacity=trial % 2 == 0)
        network = build_network(parse_problem(data))
        objective = rng.choice(list(Objective))
        x = optimise(network, objective)
        q = round_shipments(network, x)
        assert (q == np.floor(q)).all()
        assert (q >= 0).all()
        used = np.bincount(network.var_stock, weights=q, minlength=len(network.stock_amount))
        assert (used <= network.stock_amount + 1e-9).all()
        received = np.bincount(network.var_pair, weights=q, minlength=network.pairs)
        assert (received <= network.pair_request + 1e-9).all()
        kg = np.bincount(network.var_route, weights=q * network.var_kg, minlength=len(data["routes"]))
        for r, cap in zip(network.capacity_route, network.capacity_kg, strict=True):
            assert kg[r] <= cap + 1e-9
        if not len(network.capacity_route):
            for k in np.unique(network.var_item):
                members = network.var_item == k
                assert q[members].sum() == np.floor(x[members].sum() + 1e-3)


def test_rounding_gives_the_leftover_unit_to_the_largest_remainder() -> None:
    data = {
        "items": [{"id": "kits"}],
        "hubs": [{"id": "H", "stock": {"kits": 10}}],
        "destinations": [{"id": "A", "requests": {"kits": 7}}, {"id": "B", "requests": {"kits": 3}}],
    }
    network = build_network(parse_problem(data))
    assert round_shipments(network, np.array([6.4, 2.6])).tolist() == [6.0, 3.0]
    assert round_shipments(network, np.array([6.6, 2.4])).tolist() == [7.0, 2.0]
    # equal remainders: the unit goes to the lower fill (B has 2 of 3, A 5 of 7)
    assert round_shipments(network, np.array([5.5, 2.5])).tolist() == [5.0, 3.0]


def test_rounding_respects_kilogram_capacity_with_heavy_units() -> None:
    data = {
        "items": [{"id": "ventilators", "unit_weight_kg": 30}],
        "hubs": [{"id": "H", "stock": {"ventilators": 10}}],
        "destinations": [{"id": "A", "requests": {"ventilators": 5}}, {"id": "B", "requests": {"ventilators": 5}}],
        "routes": [
            {"hub": "H", "destination": "A", "capacity_kg": 100},
            {"hub": "H", "destination": "B", "capacity_kg": 100},
        ],
    }
    network = build_network(parse_problem(data))
    q = round_shipments(network, optimise(network, Objective.MAXMIN))
    assert q.tolist() == [3.0, 3.0]
