"""The three objectives on hand-checkable problems and on random problems against the closed form."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from scipy import sparse
from scipy.optimize import linprog

from solidarity.allocation import objectives
from solidarity.allocation.lp import Infeasible, Unbounded, solve_lp
from solidarity.allocation.network import Network, build_network
from solidarity.allocation.objectives import (
    Objective,
    beyond_route_capacity,
    binding_capacity_rows,
    capacity_loads,
    cheapest_if_carried,
    cheapest_with_fills,
    item_groups,
    maxmin_fills,
    optimise,
    pair_fills,
    pooled_fills,
)
from solidarity.allocation.problem import parse_problem
from solidarity.allocation.row_generation import ROW_LIMIT, RowGeneration
from solidarity.allocation.solver import solve


def _three(weights: tuple[float, float, float] = (1, 1, 1), stock: int = 100) -> dict[str, Any]:
    return {
        "items": [{"id": "masks", "unit_weight_kg": 0.004}],
        "hubs": [{"id": "GZ", "stock": {"masks": stock}}],
        "destinations": [
            {"id": d, "weight": w, "requests": {"masks": 50}} for d, w in zip(("A", "B", "C"), weights, strict=True)
        ],
    }


def _lines(plan: dict[str, Any]) -> dict[str, tuple[int, float]]:
    return {line["id"]: (line["allocated"], line["fill"]) for line in plan["destinations"]}


def test_maxmin_shares_100_among_three_requests_of_50_as_34_33_33() -> None:
    plan = solve(parse_problem(_three())).as_dict()
    assert sorted(_lines(plan).values()) == [(33, 0.66), (33, 0.66), (34, 0.68)]
    assert plan["metrics"]["delivered"] == 100
    assert plan["metrics"]["min_fill"] == 0.66


def test_maxmin_weights_2_1_1_give_fills_min_1_lambda_w() -> None:
    # 50·min(1, 2λ) + 2·50·λ = 100 → λ = 0.5: A full, B and C at half.
    plan = solve(parse_problem(_three((2, 1, 1)))).as_dict()
    assert _lines(plan) == {"A": (50, 1.0), "B": (25, 0.5), "C": (25, 0.5)}


def test_maxmin_weights_3_1_1_cap_nobody_below_full_at_lambda() -> None:
    # Uncapped, 150λ + 100λ = 100 would give λ = 0.4 and A a fill of 1.2; A is capped at 1, so 50 + 100λ = 100.
    plan = solve(parse_problem(_three((3, 1, 1)))).as_dict()
    assert _lines(plan) == {"A": (50, 1.0), "B": (25, 0.5), "C": (25, 0.5)}


def _random_problem(rng: random.Random, *, routes: bool = False, capacity: bool = False) -> dict[str, Any]:
    items = [f"i{k}" for k in range(rng.randint(1, 4))]
    hubs = [{"id": f"h{k}", "stock": {i: rng.randint(0, 300) for i in items}} for k in range(rng.randint(1, 3))]
    for item in items:
        hubs[0]["stock"][item] = max(1, hubs[0]["stock"][item])
    destinations = [
        {
            "id": f"d{k}",
            "weight": rng.choice([0.5, 1, 1.5, 2, 3]),
            "requests": {i: rng.randint(1, 200) for i in items if rng.random() < 0.8},
        }
        for k in range(rng.randint(1, 8))
    ]
    problem: dict[str, Any] = {
        "items": [{"id": i, "unit_weight_kg": rng.choice([0.5, 1, 2.5, 30])} for i in items],
        "hubs": hubs,
        "destinations": destinations,
    }
    if routes:
        problem["routes"] = [
            {
                "hub": h["id"],
                "destination": d["id"],
                "cost_per_kg": rng.choice([0, 1, 2.5, 4]),
                "capacity_kg": rng.randint(0, 400) if capacity and rng.random() < 0.5 else None,
            }
            for h in hubs
            for d in destinations
        ]
    return problem


def test_without_capacities_delivered_per_item_is_min_of_stock_and_requests_and_fill_is_min_1_lambda_w() -> None:
    rng = random.Random(7)
    for _ in range(60):
        data = _random_problem(rng, routes=rng.random() < 0.5)
        network = build_network(parse_problem(data))
        x = optimise(network, Objective.MAXMIN)
        fills = pair_fills(network, x)
        for k, item in enumerate(data["items"]):
            pairs = network.pair_item == k
            if not pairs.any():
                continue
            stock = sum(h["stock"][item["id"]] for h in data["hubs"])
            requested = network.pair_request[pairs].sum()
            assert x[network.var_item == k].sum() == pytest.approx(min(stock, requested), rel=1e-6, abs=1e-6)
            weights = network.pair_weight[pairs]
            item_fills = fills[pairs]
            if stock >= requested:
                assert item_fills == pytest.approx(1.0, abs=1e-6)
                continue
            uncapped = item_fills < 1 - 1e-7
            lam = (item_fills[uncapped] / weights[uncapped]).mean()
            assert item_fills == pytest.approx(np.minimum(1.0, lam * weights), abs=1e-6)


def test_binding_capacity_limits_the_destination_and_frees_stock_for_the_others() -> None:
    data = _three()
    data["routes"] = [
        {"hub": "GZ", "destination": "A", "cost_per_kg": 1, "capacity_kg": 0.04},  # 10 masks
        {"hub": "GZ", "destination": "B", "cost_per_kg": 1},
        {"hub": "GZ", "destination": "C", "cost_per_kg": 1},
    ]
    plan = solve(parse_problem(data)).as_dict()
    assert _lines(plan) == {"A": (10, 0.2), "B": (45, 0.9), "C": (45, 0.9)}
    assert any("binding capacity on GZ→A" in line for line in plan["explanation"])


def test_maxmin_with_coupled_capacities_never_breaks_a_limit_and_fills_everyone_it_can() -> None:
    rng = random.Random(11)
    for _ in range(25):
        data = _random_problem(rng, routes=True, capacity=True)
        network = build_network(parse_problem(data))
        fills = maxmin_fills(network, capacity=True)
        assert (fills <= 1 + 1e-7).all()
        assert (fills >= -1e-9).all()
        x = optimise(network, Objective.MAXMIN)
        kg = np.bincount(network.var_route, weights=x * network.var_kg, minlength=len(data["routes"]))
        for r, cap in zip(network.capacity_route, network.capacity_kg, strict=True):
            assert kg[r] <= cap + 1e-6


def _coupled_problem(rng: random.Random) -> dict[str, Any]:
    """Items in families stocked at different hubs; some routes' capacities can bind, others cannot."""
    families = rng.randint(1, 3)
    items = [{"id": f"i{k}", "unit_weight_kg": rng.choice([0.5, 1, 2.5, 30])} for k in range(rng.randint(2, 6))]
    family = {item["id"]: rng.randrange(families) for item in items}
    hubs = [
        {"id": f"h{k}", "stock": {i["id"]: rng.randint(20, 400) for i in items if family[i["id"]] == k % families}}
        for k in range(rng.randint(families, 4))
    ]
    hubs = [hub for hub in hubs if hub["stock"]]
    stocked = {code for hub in hubs for code in hub["stock"]}
    destinations = [
        {
            "id": f"d{k}",
            "weight": rng.choice([0.5, 1, 1.5, 2, 3]),
            "requests": {i["id"]: rng.randint(1, 200) for i in items if i["id"] in stocked and rng.random() < 0.8},
        }
        for k in range(rng.randint(2, 7))
    ]
    tight_hubs = {hub["id"] for hub in hubs if rng.random() < 0.5}
    routes = [
        {
            "hub": hub["id"],
            "destination": d["id"],
            "cost_per_kg": rng.choice([0.5, 1, 2.5, 4]),
            "capacity_kg": rng.randint(0, 600) if hub["id"] in tight_hubs else rng.choice([None, 10**7]),
        }
        for hub in hubs
        for d in destinations
        if rng.random() < 0.9
    ]
    return {"items": items, "hubs": hubs, "destinations": destinations, "routes": routes}


def shaped_like_the_benchmark(
    seed: int, *, destinations: int = 40, items: int = 12, stock: int = 2400, low: float = 0.5
) -> dict[str, Any]:
    """10 hubs × 40 destinations × 12 items, every route capacitated, many capacities binding: each
    route carries from ``low`` to all of a tenth of every request's kg (``low`` 0.05 is the
    benchmark's ``--tight``: capacities, not stock alone, set the fills)."""
    rng = random.Random(seed)
    weights = [rng.choice([0.004, 0.05, 0.5, 2.0, 30.0]) for _ in range(items)]
    goods = [{"id": f"i{k}", "unit_weight_kg": kg} for k, kg in enumerate(weights)]
    per_route = sum(1000 * kg for kg in weights) / 10
    hubs = [{"id": f"h{k}", "stock": {i["id"]: rng.randint(100, stock) for i in goods}} for k in range(10)]
    places = [
        {"id": f"d{k}", "weight": rng.choice([0.5, 1, 2]), "requests": {i["id"]: rng.randint(10, 1000) for i in goods}}
        for k in range(destinations)
    ]
    routes = [
        {
            "hub": hub["id"],
            "destination": d["id"],
            "cost_per_kg": round(rng.uniform(0.5, 5.0), 2),
            "capacity_kg": round(per_route * rng.uniform(low, 1.0), 1),
        }
        for hub in hubs
        for d in places
    ]
    return {"items": goods, "hubs": hubs, "destinations": places, "routes": routes}


def plain_progressive_filling(network: Network) -> np.ndarray:
    """The reference max-min fills: every round solved from scratch by ``linprog`` with every stock,
    request and capacity row; the pairs with a non-zero dual on their level row, or at their request,
    are frozen at that fill. Dual simplex, so HiGHS's fills from its own answers may overshoot its
    tolerance: the frozen amounts are met a hair looser when it says infeasible."""
    reachable = np.zeros(network.pairs, dtype=bool)
    reachable[network.var_pair] = True
    active, frozen = reachable.copy(), np.zeros(network.pairs, dtype=bool)
    fills = np.zeros(network.pairs)
    blocks = [network.stock_matrix(), network.pair_matrix()]
    limits = [network.stock_amount, network.pair_request]
    if len(network.capacity_route):
        blocks.append(network.capacity_matrix())
        limits.append(network.capacity_kg)
    base = sparse.hstack([sparse.vstack(blocks), sparse.csr_matrix((sum(b.shape[0] for b in blocks), 1))])
    pair_matrix = network.pair_matrix()
    while active.any():
        on, off = np.flatnonzero(active), np.flatnonzero(frozen)
        level = sparse.csr_matrix(
            (network.pair_weight[on] * network.pair_request[on], (np.arange(len(on)), [0] * len(on)))
        )
        a = sparse.vstack(
            [
                base,
                sparse.hstack([-pair_matrix[on], level]),
                sparse.hstack([-pair_matrix[off], sparse.csr_matrix((len(off), 1))]),
            ],
            format="csr",
        )
        c = np.zeros(network.variables + 1)
        c[-1] = -1.0
        for tolerance in (1e-9, 1e-6, 1e-5, 1e-4):
            floors = np.maximum(fills[off] * network.pair_request[off] * (1 - tolerance) - tolerance, 0.0)
            result = linprog(c, A_ub=a, b_ub=np.concatenate([*limits, np.zeros(len(on)), -floors]), method="highs-ds")
            if result.status != 2:
                break
        assert result.status == 0, result.message
        t = float(result.x[-1])
        duals = np.asarray(result.ineqlin.marginals)[base.shape[0] : base.shape[0] + len(on)]
        at_level = np.minimum(1.0, t * network.pair_weight[on])
        stop = (np.abs(duals) > 1e-9) | (at_level >= 1 - 1e-9)
        if not stop.any():
            stop[:] = True
        fills[on[stop]] = at_level[stop]
        active[on[stop]] = False
        frozen[on[stop]] = True
    return fills


def _plain_lp_path(network: Any) -> tuple[np.ndarray, float]:
    """The reference: progressive filling of all items together with every capacity row, then one LP
    over every variable with every stock and capacity row (no screening, no grouping, no shortcut)."""
    fills = plain_progressive_filling(network)
    target = np.maximum(fills * network.pair_request * (1 - 1e-9), 0.0)
    reachable = np.zeros(network.pairs, dtype=bool)
    reachable[network.var_pair] = True
    blocks = [network.stock_matrix()]
    limits = [network.stock_amount]
    if len(network.capacity_route):
        blocks.append(network.capacity_matrix())
        limits.append(network.capacity_kg)
    result = linprog(
        network.var_cost,
        A_ub=sparse.vstack(blocks, format="csr"),
        b_ub=np.concatenate(limits),
        A_eq=network.pair_matrix()[reachable],
        b_eq=target[reachable],
        method="highs",
    )
    assert result.status == 0, result.message
    return fills, float(result.fun)


def test_fast_path_gives_the_plain_lp_paths_fills_and_cost_on_random_capacity_coupled_problems() -> None:
    rng = random.Random(2026)
    grouped = shortcut = 0
    for _ in range(40):
        data = _coupled_problem(rng)
        network = build_network(parse_problem(data))
        if network.variables == 0:
            continue
        fills, cost = _plain_lp_path(network)
        x = optimise(network, Objective.MAXMIN)
        assert pair_fills(network, x) == pytest.approx(fills, abs=1e-6)
        assert float(network.var_cost @ x) == pytest.approx(cost, rel=1e-6, abs=1e-6)
        assert (capacity_loads(network, x) <= network.capacity_kg + 1e-6).all()
        rows = binding_capacity_rows(network, network.pair_request)
        grouped += len(item_groups(network, rows)) > 1 or 0 < len(rows) < len(network.capacity_route)
        shortcut += len(rows) == 0
    # the generator reaches the reductions the fast path relies on
    assert grouped >= 5
    assert shortcut >= 3


def _networks(make: Callable[[random.Random], dict[str, Any]], *, seed: int, count: int) -> Iterator[Network]:
    """``count`` random problems from ``make`` as networks, leaving out those with nothing to ship."""
    rng = random.Random(seed)
    for _ in range(count):
        network = build_network(parse_problem(make(rng)))
        if network.variables:
            yield network


def whole_program(network: Network, target: np.ndarray) -> Any:
    """The reference least-cost program: one HiGHS solve with every stock and capacity row."""
    reachable = np.zeros(network.pairs, dtype=bool)
    reachable[network.var_pair] = True
    return linprog(
        network.var_cost,
        A_ub=sparse.vstack([network.stock_matrix(), network.capacity_matrix()], format="csr"),
        b_ub=np.concatenate([network.stock_amount, network.capacity_kg]),
        A_eq=network.pair_matrix()[reachable],
        b_eq=target[reachable],
        method="highs",
    )


@pytest.mark.parametrize("row_limit", [0, ROW_LIMIT])
def test_least_cost_pass_gives_the_whole_programs_cost_whether_rows_are_added_or_the_program_solved_whole(
    row_limit: int,
) -> None:
    # row_limit 0: every problem whose capacities break is solved whole (interior point, per group);
    # ROW_LIMIT: the broken capacities are added to the program without them, warm-started.
    grown = 0
    for network in _networks(_coupled_problem, seed=41, count=40):
        fills = maxmin_fills(network, capacity=True)
        target = np.maximum(fills * network.pair_request * (1 - 1e-9), 0.0)
        whole = whole_program(network, target)
        assert whole.status == 0, whole.message
        x = cheapest_with_fills(network, fills, feasible=True, row_limit=row_limit)
        assert float(network.var_cost @ x) == pytest.approx(float(whole.fun), rel=1e-6, abs=1e-6)
        assert pair_fills(network, x) == pytest.approx(fills, abs=1e-6)
        assert (capacity_loads(network, x) <= network.capacity_kg + 1e-6).all()
        used = np.bincount(network.var_stock, weights=x, minlength=len(network.stock_amount))
        assert (used <= network.stock_amount + 1e-6).all()
        program = RowGeneration(network, target)
        if program.grow(binding_capacity_rows(network, target)) and program.added.any():
            grown += 1
    assert grown >= 5  # problems where the program without capacities breaks some, and rows are added


def test_maxmin_solves_random_capacity_coupled_problems_where_highs_tolerance_once_said_infeasible() -> None:
    # With seed 3, problems 95 and 99 once failed: fills from HiGHS's own answers overshot by its
    # feasibility tolerance and the next program was "infeasible". Now they are met a hair looser.
    rng = random.Random(3)
    for n in range(100):
        data = _coupled_problem(rng) if n % 2 else _random_problem(rng, routes=True, capacity=True)
        network = build_network(parse_problem(data))
        if network.variables == 0:
            continue
        x = optimise(network, Objective.MAXMIN)
        assert (capacity_loads(network, x) <= network.capacity_kg * (1 + 1e-9) + 1e-6).all()
        assert (pair_fills(network, x) <= 1 + 1e-7).all()


def test_capacities_that_cannot_bind_are_screened_and_items_grouped_through_those_that_can() -> None:
    data = {
        "items": [{"id": "a", "unit_weight_kg": 1}, {"id": "b", "unit_weight_kg": 1}, {"id": "c", "unit_weight_kg": 1}],
        "hubs": [{"id": "H", "stock": {"a": 100, "b": 100}}, {"id": "K", "stock": {"c": 100}}],
        "destinations": [{"id": "D", "requests": {"a": 50, "b": 50, "c": 50}}],
        "routes": [
            {"hub": "H", "destination": "D", "capacity_kg": 60},  # a and b together could carry 100 kg: binds
            {"hub": "K", "destination": "D", "capacity_kg": 50},  # c alone carries at most 50 kg: cannot bind
        ],
    }
    network = build_network(parse_problem(data))
    rows = binding_capacity_rows(network, network.pair_request)
    assert rows.tolist() == [0]
    [(items, group_rows)] = item_groups(network, rows)
    assert items.tolist() == [0, 1]
    assert group_rows.tolist() == [0]
    fills = pair_fills(network, optimise(network, Objective.MAXMIN))
    assert fills.tolist() == pytest.approx([0.6, 0.6, 1.0])


def test_among_equally_fair_plans_maxmin_picks_the_cheapest_hub() -> None:
    data = _three(stock=60)
    data["hubs"].append({"id": "DXB", "stock": {"masks": 60}})
    data["routes"] = [
        {"hub": hub, "destination": d, "cost_per_kg": cost}
        for hub, cost in (("GZ", 5.0), ("DXB", 1.0))
        for d in ("A", "B", "C")
    ]
    plan = solve(parse_problem(data)).as_dict()
    from_dxb = sum(a["quantity"] for a in plan["allocations"] if a["hub"] == "DXB")
    assert from_dxb == 60
    assert plan["metrics"]["delivered"] == 120
    assert plan["metrics"]["cost"] == pytest.approx(60 * 0.004 * 1 + 60 * 0.004 * 5)


def test_proportional_gives_weighted_log_optimum_shares_within_the_documented_accuracy() -> None:
    # max Σ w log f subject to Σ 50 f = 100: f proportional to w, so 2:1:1 gives 1, 0.5, 0.5.
    plan = solve(parse_problem(_three((2, 1, 1))), "proportional").as_dict()
    fills = {d: fill for d, (_, fill) in _lines(plan).items()}
    assert fills["A"] == pytest.approx(1.0, abs=0.05)
    assert fills["B"] == pytest.approx(0.5, abs=0.05)
    assert plan["metrics"]["delivered"] == 100


def test_efficiency_delivers_everything_it_can_to_the_heaviest_weight_first_then_cheapest() -> None:
    data = _three((1, 3, 1), stock=80)
    plan = solve(parse_problem(data), "efficiency").as_dict()
    assert _lines(plan)["B"] == (50, 1.0)
    assert plan["metrics"]["delivered"] == 80


def test_unknown_objective_is_refused() -> None:
    with pytest.raises(Exception, match="Unknown objective"):
        solve(parse_problem(_three()), "utopia")


def test_infeasible_and_unbounded_programs_raise_specific_errors() -> None:
    with pytest.raises(Infeasible, match="infeasible"):
        solve_lp([1.0], np.array([[1.0]]), [-1.0])
    with pytest.raises(Unbounded, match="unbounded"):
        solve_lp([-1.0], None, None)


@pytest.mark.parametrize(
    ("far_stock", "far_capacity", "attempts", "kg"),
    [
        (100, 10, [False], 60),  # D's 60 kg split between its routes: the pooled fills are the answer
        # K holds 10 kg of a for D's 30 kg route (pooled 80 kg), and E, lower, takes them: D gets 50
        (5, 30, [False, True], 50),
    ],
)
def test_fills_a_destinations_routes_cannot_carry_go_to_the_pooled_fills_then_if_need_be_the_coupled_filling(
    monkeypatch: pytest.MonkeyPatch, far_stock: int, far_capacity: int, attempts: list[bool], kg: float
) -> None:
    data = {
        "items": [{"id": "a", "unit_weight_kg": 2}, {"id": "b", "unit_weight_kg": 1}],
        "hubs": [{"id": "H", "stock": {"a": 100, "b": 100}}, {"id": "K", "stock": {"a": far_stock}}],
        "destinations": [{"id": "D", "requests": {"a": 40, "b": 40}}, {"id": "E", "requests": {"a": 40}}],
        "routes": [
            {"hub": "H", "destination": "D", "capacity_kg": 50},
            {"hub": "K", "destination": "D", "capacity_kg": far_capacity},  # D needs 120 kg
            {"hub": "H", "destination": "E", "capacity_kg": 1},
            {"hub": "K", "destination": "E"},  # E has a route without a capacity: never judged
        ],
    }
    network = build_network(parse_problem(data))
    every = np.ones(network.pairs)
    assert beyond_route_capacity(network, every)
    assert not beyond_route_capacity(network, np.where(network.pair_destination == 0, 0.5, 0.1))
    pooled = pooled_fills(network)
    # K's route brings at most its capacity and what K holds of a (10 kg in the second case)
    assert pooled[network.pair_destination == 0] @ [2 * 40, 40] == pytest.approx(60)
    calls: list[tuple[bool, np.ndarray]] = []

    def counted(network: Network, fills: np.ndarray, *, feasible: bool = False) -> np.ndarray:
        calls.append((feasible, fills))
        return cheapest_with_fills(network, fills, feasible=feasible)

    monkeypatch.setattr(objectives, "cheapest_with_fills", counted)
    fills = pair_fills(network, optimise(network, Objective.MAXMIN))
    assert [feasible for feasible, _ in calls] == attempts  # never the per-item fills
    assert calls[0][1] == pytest.approx(pooled)
    assert fills == pytest.approx(plain_progressive_filling(network), abs=1e-6)
    assert fills[network.pair_destination == 0] @ [2 * 40, 40] == pytest.approx(kg)


def test_beyond_route_capacity_judges_a_destinations_routes_together() -> None:
    data = {
        "items": [{"id": "a", "unit_weight_kg": 2}, {"id": "b", "unit_weight_kg": 1}],
        "hubs": [{"id": "H", "stock": {"a": 100, "b": 100}}, {"id": "K", "stock": {"a": 100}}],
        "destinations": [{"id": "D", "requests": {"a": 40, "b": 40}}],
        "routes": [
            {"hub": "H", "destination": "D", "capacity_kg": 50},
            {"hub": "K", "destination": "D", "capacity_kg": 70},  # 120 kg fit 50 + 70 in total
        ],
    }
    every = np.ones(2)
    assert not beyond_route_capacity(build_network(parse_problem(data)), every)  # per route: left to the LP
    data["routes"][1]["capacity_kg"] = 69
    assert beyond_route_capacity(build_network(parse_problem(data)), every)


def test_pooled_fills_hold_a_destination_at_what_its_routes_carry_and_share_the_rest_out() -> None:
    data = {
        "items": [{"id": "a", "unit_weight_kg": 1}, {"id": "b", "unit_weight_kg": 1}],
        "hubs": [{"id": "H", "stock": {"a": 100, "b": 100}}],
        "destinations": [{"id": d, "requests": {"a": 50, "b": 50}} for d in ("D", "E", "F")],
        "routes": [
            {"hub": "H", "destination": "D", "capacity_kg": 30},
            {"hub": "H", "destination": "E"},
            {"hub": "H", "destination": "F"},
        ],
    }
    network = build_network(parse_problem(data))
    pooled = pooled_fills(network)
    # per item 100 of 150 requested: 2/3 each, 66.7 kg for D; D's 30 kg give it 0.3 of both items,
    # and the 70 left of each item go to E and F: 0.85 each
    assert pooled.round(9).tolist() == [0.3, 0.3, 0.85, 0.85, 0.85, 0.85]
    plan = solve(parse_problem(data)).as_dict()
    allocated = {(line["id"], line["item"]): line["allocated"] for line in plan["destinations"]}
    assert allocated[("D", "a")] == allocated[("D", "b")] == 15
    for item in ("a", "b"):  # 85 left for E and F: whole units, 42 and 43
        assert sorted([allocated[("E", item)], allocated[("F", item)]]) == [42, 43]
    assert any("binding capacity on H→D" in line for line in plan["explanation"])
    data["hubs"].append({"id": "K", "stock": {"a": 10}})  # K reaches no one: its stock is no help
    assert pooled_fills(build_network(parse_problem(data))).round(9).tolist() == [0.3, 0.3, 0.85, 0.85, 0.85, 0.85]
    # a route without a capacity brings at most what its hub holds: 10 kg of a; D's 40 kg give it
    # 0.4 of both, and a's 110 less D's 20 give E and F 0.9, b's 100 less 20 give them 0.8
    data["routes"].append({"hub": "K", "destination": "D", "cost_per_kg": 1})
    network = build_network(parse_problem(data))
    assert beyond_route_capacity(network, np.ones(network.pairs))  # 100 kg asked, 40 can come
    assert pooled_fills(network).round(9).tolist() == [0.4, 0.4, 0.9, 0.8, 0.9, 0.8]
    fills = pair_fills(network, optimise(network, Objective.MAXMIN))
    assert fills == pytest.approx(plain_progressive_filling(network), abs=1e-6)
    assert fills == pytest.approx([0.4, 0.4, 0.9, 0.8, 0.9, 0.8], abs=1e-6)


def test_pooled_fills_keep_raising_a_request_for_an_item_of_no_weight_when_its_routes_are_full() -> None:
    # found by review: leaflets (no unit weight, the default) were frozen with the rice when D's
    # 5 kg ran out, though they take none of it; those fills fit the route, so they were accepted
    data = {
        "items": [{"id": "leaflets"}, {"id": "rice", "unit_weight_kg": 1}],
        "hubs": [{"id": "H", "stock": {"leaflets": 10, "rice": 10}}],
        "destinations": [{"id": "D", "requests": {"leaflets": 10, "rice": 10}}],
        "routes": [{"hub": "H", "destination": "D", "capacity_kg": 5}],
    }
    network = build_network(parse_problem(data))
    assert pooled_fills(network).tolist() == [1.0, 0.5]
    fills = pair_fills(network, optimise(network, Objective.MAXMIN))
    assert fills == pytest.approx([1.0, 0.5], abs=1e-6)
    assert fills == pytest.approx(plain_progressive_filling(network), abs=1e-6)


def _varied_problem(rng: random.Random) -> dict[str, Any]:
    """Small problems of every shape: items of no weight, hubs holding some items, routes missing,
    with and without capacities (some 0), or no routes at all."""
    items = [
        {"id": f"i{k}", "unit_weight_kg": rng.choice([0, 0, 0.5, 1, 2, 3, 0.004, 30])} for k in range(rng.randint(1, 4))
    ]
    hubs = [
        {
            "id": f"h{k}",
            "stock": {
                i["id"]: rng.choice([0, rng.randint(1, 50), rng.randint(1, 300)]) for i in items if rng.random() < 0.7
            },
        }
        for k in range(rng.randint(1, 4))
    ]
    hubs[0]["stock"][items[0]["id"]] = hubs[0]["stock"].get(items[0]["id"]) or 10
    stocked = {i for hub in hubs for i, amount in hub["stock"].items() if amount > 0}
    destinations = [
        {
            "id": f"d{k}",
            "weight": rng.choice([0.5, 1, 1, 1.5, 2, 3, round(rng.uniform(0.5, 3), 2)]),
            "requests": {i["id"]: rng.randint(1, 200) for i in items if i["id"] in stocked and rng.random() < 0.75},
        }
        for k in range(rng.randint(1, 5))
    ]
    data: dict[str, Any] = {"items": items, "hubs": hubs, "destinations": destinations}
    if rng.random() < 0.15:
        return data
    reach, capped = rng.choice([0.5, 0.8, 1.0]), rng.choice([0.3, 0.7, 1.0])
    routes: list[dict[str, Any]] = []
    for hub in hubs:
        for d in destinations:
            if rng.random() < reach:
                route: dict[str, Any] = {
                    "hub": hub["id"],
                    "destination": d["id"],
                    "cost_per_kg": rng.choice([0, 1, 2.5]),
                }
                if rng.random() < capped:
                    route["capacity_kg"] = rng.choice([0, rng.randint(1, 30), rng.randint(1, 150), rng.randint(1, 600)])
                routes.append(route)
    data["routes"] = routes or [{"hub": "h0", "destination": "d0", "capacity_kg": 5}]
    return data


def test_maxmin_gives_the_reference_fills_on_small_problems_of_every_shape() -> None:
    # the review's fuzzing of the pooled fills (1,000 problems of this shape): 79 mismatches, all
    # requests for items of no weight, before the fix; here 150 of them
    pooled_taken = 0
    for network in _networks(_varied_problem, seed=389, count=150):
        reference = plain_progressive_filling(network)
        x = optimise(network, Objective.MAXMIN)
        # 2e-6: a plan after the capacity-coupled filling may meet its fills 1e-6 looser (RETRY_TOLERANCES)
        assert pair_fills(network, x) == pytest.approx(reference, abs=2e-6)
        assert (capacity_loads(network, x) <= network.capacity_kg * (1 + 1e-9) + 1e-6).all()
        pooled = pooled_fills(network)
        relaxed = maxmin_fills(network, capacity=False)
        if np.abs(pooled - relaxed).max(initial=0.0) > 1e-9 and np.allclose(pooled, reference, atol=1e-6):
            pooled_taken += 1
    assert pooled_taken >= 15  # problems the pooled fills settle (fills apart from the per-item ones)


@pytest.mark.parametrize("low", [0.05, 0.2, 0.5])
def test_pooled_fills_when_carried_are_the_capacity_coupled_fills_and_the_same_least_cost(low: float) -> None:
    pooled_taken = refilled = 0
    for seed in range(6):
        data = shaped_like_the_benchmark(seed, destinations=12, items=5, stock=900, low=low)
        network = build_network(parse_problem(data))
        pooled = pooled_fills(network)
        carried = cheapest_if_carried(network, pooled)
        reference = plain_progressive_filling(network)
        if carried is None:
            refilled += 1
            assert not np.allclose(pooled, reference, atol=1e-6)  # not carried: not the answer either
        else:
            pooled_taken += 1
            assert pooled == pytest.approx(reference, abs=1e-6)
            assert pair_fills(network, carried) == pytest.approx(reference, abs=1e-6)
            assert (capacity_loads(network, carried) <= network.capacity_kg * (1 + 1e-9) + 1e-6).all()
        x = optimise(network, Objective.MAXMIN)
        # when refilled, the capacity-coupled filling's own fills (tested against the reference in
        # test_filling.py), which on one of these problems (low 0.05, seed 5) differ from the
        # reference's by 2.6e-5); its least-cost plan may meet them 1e-6 looser (RETRY_TOLERANCES)
        expected = reference if carried is not None else maxmin_fills(network, capacity=True)
        assert pair_fills(network, x) == pytest.approx(expected, abs=1e-6 if carried is not None else 2e-6)
        whole = whole_program(network, pair_fills(network, x) * network.pair_request * (1 - 1e-7))
        assert whole.status == 0, whole.message
        assert float(network.var_cost @ x) == pytest.approx(float(whole.fun), rel=1e-6, abs=1e-6)
    assert pooled_taken + refilled == 6
