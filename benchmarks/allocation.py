"""Allocation benchmark: 10 hubs × 200 destinations × 50 items (100,000 shipment variables) with route capacities.

Run: ``.venv/bin/python benchmarks/allocation.py [--seed N] [--tight] [--capacity-scale X]``. Prints the
time of each pass of the max-min objective (fills, then least cost with the fills fixed), what the
least-cost pass could leave out (capacities that cannot bind, items in separate groups, how many
capacities the uncoupled optimum breaks and whether adding just those rows finished it), the
rounding, a raw HiGHS solve of the same least-cost program built directly with numpy/scipy, the
same program without the route capacities (50 uncoupled transportation problems), and the fairness
of the plan beside both baselines. ``--tight`` makes capacities bind the fills, which forces the
capacity-coupled progressive filling (slower; see docs/performance.md). ``--capacity-scale``
multiplies every route capacity (3, 5 or 10: capacities that bind on fewer routes).
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from solidarity.allocation.metrics import measure
from solidarity.allocation.network import build_network
from solidarity.allocation.objectives import (
    DIRECT_ROWS,
    PER_ITEM,
    binding_capacity_rows,
    capacity_loads,
    item_groups,
    maxmin_plan,
    structured_vertex,
)
from solidarity.allocation.problem import parse_problem
from solidarity.allocation.rounding import round_shipments
from solidarity.allocation.row_generation import ROW_LIMIT, RowGeneration
from solidarity.allocation.solver import BASELINES

HUBS, DESTINATIONS, ITEMS = 10, 200, 50


def problem_data(seed: int, *, tight: bool, scale: float = 1.0) -> dict[str, Any]:
    rng = random.Random(seed)
    items = [{"id": f"item{k}", "unit_weight_kg": rng.choice([0.004, 0.05, 0.5, 2.0, 30.0])} for k in range(ITEMS)]
    destinations = [
        {
            "id": f"D{k:03d}",
            "weight": rng.choice([0.5, 1.0, 1.0, 1.5, 2.0]),
            "requests": {item["id"]: rng.randint(10, 1000) for item in items},
        }
        for k in range(DESTINATIONS)
    ]
    hubs = [{"id": f"H{k}", "stock": {item["id"]: rng.randint(100, 12000) for item in items}} for k in range(HUBS)]
    per_route_kg = sum(1000 * item["unit_weight_kg"] for item in items) / 10  # enough for a tenth of every request
    routes = [
        {
            "hub": hub["id"],
            "destination": d["id"],
            "cost_per_kg": round(rng.uniform(0.5, 5.0), 2),
            "capacity_kg": round(scale * per_route_kg * rng.uniform(0.05 if tight else 0.5, 1.0), 1),
        }
        for hub in hubs
        for d in destinations
    ]
    return {"items": items, "hubs": hubs, "destinations": destinations, "routes": routes}


def raw_least_cost(
    data: dict[str, Any], fills: np.ndarray, *, capacities: bool = True, method: str = "highs-ipm"
) -> float:
    """The least-cost program with the same fills, built straight from the JSON with numpy: seconds to solve.

    Without ``capacities`` it falls apart into 50 independent transportation problems (one per item);
    the route capacities in kg are what couple the items.
    """
    start = time.perf_counter()
    h, d, i = np.meshgrid(np.arange(HUBS), np.arange(DESTINATIONS), np.arange(ITEMS), indexing="ij")
    h, d, i = h.ravel(), d.ravel(), i.ravel()
    n = len(h)
    kg = np.array([item["unit_weight_kg"] for item in data["items"]])[i]
    cost = np.array([r["cost_per_kg"] for r in data["routes"]]).reshape(HUBS, DESTINATIONS)[h, d] * kg
    stock = np.array([[hub["stock"][item["id"]] for item in data["items"]] for hub in data["hubs"]])
    request = np.array([[dest["requests"][item["id"]] for item in data["items"]] for dest in data["destinations"]])
    capacity = np.array([r["capacity_kg"] for r in data["routes"]])
    cols = np.arange(n)
    blocks = [sparse.csr_matrix((np.ones(n), (h * ITEMS + i, cols)), shape=(HUBS * ITEMS, n))]
    limits = [stock.ravel()]
    if capacities:
        blocks.append(sparse.csr_matrix((kg, (h * DESTINATIONS + d, cols)), shape=(HUBS * DESTINATIONS, n)))
        limits.append(capacity)
    a_ub = sparse.vstack(blocks, format="csr")
    a_eq = sparse.csr_matrix((np.ones(n), (d * ITEMS + i, cols)), shape=(DESTINATIONS * ITEMS, n))
    b_ub = np.concatenate(limits)
    b_eq = np.maximum(fills * request.ravel() * (1 - 1e-9), 0)
    result = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method=method)
    assert result.status == 0, result.message
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tight", action="store_true")
    parser.add_argument("--capacity-scale", type=float, default=1.0)
    args = parser.parse_args()
    data = problem_data(args.seed, tight=args.tight, scale=args.capacity_scale)

    start = time.perf_counter()
    network = build_network(parse_problem(data))
    built = time.perf_counter() - start
    # the product's maxmin, told of each least-cost attempt: pass 1 runs until the last one starts
    # (so it holds any attempt with fills no plan gives), pass 2 is that last attempt
    tried: list[tuple[float, str, np.ndarray]] = []
    start = time.perf_counter()
    x = maxmin_plan(network, attempt=lambda path, fills: tried.append((time.perf_counter(), path, fills)))
    filled, path, fills = tried[-1][0] - start, tried[-1][1], tried[-1][2]
    solved = time.perf_counter() - start
    target = np.maximum(fills * network.pair_request * (1 - 1e-9), 0.0)
    rows = binding_capacity_rows(network, target)
    groups = item_groups(network, rows)
    coupled = sum(len(items) for items, _ in groups)
    program = RowGeneration(network, target)  # again, untimed, to say which way pass 2 went
    broken = int(np.count_nonzero(capacity_loads(network, program.x)[rows] > network.capacity_kg[rows] * (1 + 1e-9)))
    if len(rows) > DIRECT_ROWS:
        found = structured_vertex(network, fills, tight=path != PER_ITEM)
        answered = found is not None
        went = f"more than {DIRECT_ROWS} can bind: structured interior point + crossover" + (
            ", optimal vertex" if answered else " could not vouch: HiGHS on the whole program"
        )
    elif program.grow(rows):
        went = f"rows added warm-started: {int(program.added.sum())}, optimal"
    else:
        went = f"more than {ROW_LIMIT} (or the iteration budget): structured interior point per group"
    start = time.perf_counter()
    quantity = round_shipments(network, x)
    rounded = time.perf_counter() - start
    raw = raw_least_cost(data, fills)
    uncoupled = raw_least_cost(data, fills, capacities=False, method="highs-ds")

    print(f"{network.variables} variables, {network.pairs} requests, {len(network.capacity_route)} capacities")
    print(f"parse + index          {built:6.2f} s")
    print(f"max-min, both passes   {solved:6.2f} s   ({path})")
    print(f"  pass 1: fair fills   {filled:6.2f} s")
    print(f"  pass 2: least cost   {solved - filled:6.2f} s")
    print(
        f"    capacities that can bind: {len(rows)} of {len(network.capacity_route)}; "
        f"{len(groups)} coupled group(s) of {coupled} items; {ITEMS - coupled} items uncoupled"
    )
    print(f"    uncoupled optimum breaks {broken} of them; {went}")
    print(f"rounding               {rounded:6.2f} s")
    print(f"raw HiGHS least-cost   {raw:6.2f} s   (same program built directly)")
    print(f"raw, no capacities     {uncoupled:6.2f} s   (50 uncoupled transportation problems, dual simplex)")
    print(f"ratio                  {solved / raw:6.2f}     (both passes ÷ raw HiGHS on the same least-cost program)")
    print(f"{'plan':26} {'delivered':>10} {'min fill':>9} {'Gini':>7} {'cost':>12}")
    rows = [("maxmin", quantity)] + [(name, rule(network)) for name, rule in BASELINES.items()]
    for name, q in rows:
        m = measure(network, q)
        print(f"{name:26} {m['delivered']:>10} {m['min_fill']:>9.3f} {m['gini_fill']:>7.3f} {m['cost']:>12.0f}")


if __name__ == "__main__":
    main()
