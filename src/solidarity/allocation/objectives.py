"""The three objectives, each giving continuous shipments ``x`` (one per network variable).

``maxmin``: weighted lexicographic max-min fill by progressive filling, then the cheapest plan
with those fills. ``proportional``: max Σ w·log(fill) by tangent cuts, then the cheapest plan with
those fills. ``efficiency``: the most weighted quantity, then the least cost.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable

import numpy as np
from scipy import sparse

from solidarity.allocation.filling import Progress, progressive_filling
from solidarity.allocation.interior import least_cost_vertex
from solidarity.allocation.lp import FILL_TOLERANCE, RETRY_TOLERANCES, Infeasible, SolverFailed, solve_lp
from solidarity.allocation.network import FloatArray, Network
from solidarity.allocation.row_generation import ROW_LIMIT, RowGeneration

DIRECT_ROWS = 20 * ROW_LIMIT
"""More capacities that can bind than this: skip the row generation (its first, uncapacitated solve
takes about a second on the benchmark and many rows break there) and go straight to the interior
point built for the program (``interior``)."""
LOG_BREAKPOINTS = 24
LOG_FLOOR = 1e-3
"""Tangent cuts of log(fill) at 24 geometric points from 0.001 to 1 (ratio about 1.35)."""


class Objective(enum.StrEnum):
    MAXMIN = "maxmin"
    PROPORTIONAL = "proportional"
    EFFICIENCY = "efficiency"


def optimise(network: Network, objective: Objective, *, progress: Progress | None = None) -> FloatArray:
    """Continuous shipments for ``objective``; raises ``Infeasible``/``Unbounded`` if HiGHS says so.

    ``progress`` hears how many requests have their fill settled, of how many, after each round of
    the capacity-coupled progressive filling (the one part that can take long: see ``filling``).
    """
    if network.variables == 0:
        return np.zeros(0)
    if objective is Objective.MAXMIN:
        return maxmin_plan(network, progress)
    if objective is Objective.PROPORTIONAL:
        return cheapest_with_fills(network, proportional_fills(network), feasible=True)
    return efficient(network)


def pair_fills(network: Network, x: FloatArray) -> FloatArray:
    received = np.bincount(network.var_pair, weights=x, minlength=network.pairs)
    return np.asarray(received / network.pair_request, dtype=np.float64)


def _base_rows(
    network: Network, *, capacity: bool = True, rows: np.ndarray | None = None
) -> tuple[sparse.csr_matrix, FloatArray]:
    """Stock, request and (optionally) capacity limits as ``A x <= b``; ``rows`` picks capacity rows."""
    blocks = [network.stock_matrix(), network.pair_matrix()]
    limits = [network.stock_amount, network.pair_request]
    if capacity and len(network.capacity_route):
        chosen = np.arange(len(network.capacity_route)) if rows is None else rows
        blocks.append(network.capacity_matrix()[chosen])
        limits.append(network.capacity_kg[chosen])
    return sparse.vstack(blocks, format="csr"), np.concatenate(limits)


def cheapest_with_fills(
    network: Network, fills: FloatArray, *, feasible: bool = False, row_limit: int = ROW_LIMIT
) -> FloatArray:
    """The least-cost shipments that give every pair exactly ``fills`` (less a relative 1e-9).

    Exact, by three reductions before the one capacity-coupled program:

    1. A route whose capacity cannot bind is left out: no shipment can exceed its pair's target or
       its hub's stock, so if ``Σ kg · min(target, stock)`` over the route's variables fits the
       capacity, every plan meeting the fills keeps to it.
    2. All items are solved together without capacity rows (independent transportation problems,
       dual simplex). If that optimum keeps every remaining capacity, it is optimal (it is optimal
       for a larger set of plans). If it breaks a few, only those rows are added and the dual
       simplex goes on from its basis, until no capacity that can bind is broken (see
       ``row_generation``): optimal again, for the same reason.
    3. When more than ``row_limit`` capacities break in one round, the items joined through
       capacities that can bind (a connected group of items, each group separately) are solved
       again with all their capacity rows by interior point with crossover, several times faster
       than dual simplex there.

    Raises ``Infeasible`` when no plan with these fills keeps every limit. With ``feasible`` (the
    fills came from the capacity-coupled progressive filling, so a plan exists), an "infeasible" on
    a program feasible only within tolerances is checked again by dual simplex, a hair looser, and
    the interior point built for the program (``interior``) starts from the fills less 1e-6.
    """
    target = np.maximum(fills * network.pair_request * (1 - FILL_TOLERANCE), 0.0)
    rows = binding_capacity_rows(network, target)
    if len(rows) > DIRECT_ROWS:
        direct = structured_vertex(network, fills, tight=feasible)
        if direct is not None:
            return direct
    program = RowGeneration(network, target)
    try:
        if program.grow(rows, row_limit=row_limit):
            return program.x
    except Infeasible:
        if not feasible:
            raise
    x = program.x
    for items, group_rows in item_groups(network, rows):
        variables = np.isin(network.var_item, items)
        vertex = least_cost_vertex(network, target, variables, group_rows)
        if vertex is not None:
            x[variables] = vertex[variables]
            continue
        try:
            found = _least_cost(network, target, variables, rows=group_rows)
        except Infeasible:
            if not feasible:
                raise
            found = None
            for tolerance in (FILL_TOLERANCE, *RETRY_TOLERANCES):
                looser = np.maximum(fills * network.pair_request * (1 - tolerance), 0.0)
                try:
                    found = _least_cost(network, looser, variables, rows=group_rows, method="highs-ds")
                    break
                except Infeasible:
                    if tolerance == RETRY_TOLERANCES[-1]:
                        raise
        assert found is not None
        x[variables] = found[variables]
    return x


def structured_vertex(network: Network, fills: FloatArray, *, tight: bool) -> FloatArray | None:
    """The least-cost vertex with ``fills`` (less 1e-9) by the interior point built for the program
    (``interior``), or ``None`` when that path cannot vouch for one (nor when no plan gives them).

    ``tight`` fills (from the capacity-coupled filling, or pooled) are tight in every plan somewhere,
    so at 1e-9 the program has next to no interior: the interior point stalls or its crossover fails
    (--seed 8, --tight) and HiGHS then takes 9 s. So the interior point gets them 1e-6 looser and the
    dual simplex takes its vertex the last hair to the fills (2-2.5 s in all); when no plan gives
    them, that dual simplex says so and the answer is ``None``.
    """
    target = np.maximum(fills * network.pair_request * (1 - FILL_TOLERANCE), 0.0)
    every = np.ones(network.variables, dtype=bool)
    if not tight:
        return least_cost_vertex(network, target, every, binding_capacity_rows(network, target))
    looser = np.maximum(fills * network.pair_request * (1 - RETRY_TOLERANCES[0]), 0.0)
    return least_cost_vertex(network, looser, every, binding_capacity_rows(network, looser), then=target)


def capacity_loads(network: Network, x: FloatArray) -> FloatArray:
    """Kg on each capacity row (``network.capacity_route`` order) under shipments ``x``."""
    return np.asarray(network.capacity_matrix() @ x, dtype=np.float64)


def binding_capacity_rows(network: Network, target: FloatArray) -> np.ndarray:
    """Capacity rows some plan within ``target`` per pair and the hubs' stock could exceed."""
    if not len(network.capacity_route):
        return np.zeros(0, dtype=np.int64)
    most = np.minimum(target[network.var_pair], network.stock_amount[network.var_stock])
    return np.flatnonzero(capacity_loads(network, most) > network.capacity_kg)


def item_groups(network: Network, rows: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Items joined through the capacity ``rows`` (two items are joined when both can use one of the
    routes): ``(items, rows)`` per connected group that has at least one row."""
    matrix = network.capacity_matrix()[rows].tocoo()
    items = network.var_item[matrix.col]
    parent = {int(i): int(i) for i in np.unique(items)}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_item: dict[int, int] = {}
    for row, item in zip(matrix.row.tolist(), items.tolist(), strict=True):
        if row in first_item:
            a, b = root(first_item[row]), root(item)
            if a != b:
                parent[max(a, b)] = min(a, b)
        else:
            first_item[row] = item
    groups: dict[int, list[int]] = {}
    for item in parent:
        groups.setdefault(root(item), []).append(item)
    row_group = {row: root(item) for row, item in first_item.items()}
    return [
        (
            np.array(sorted(members), dtype=np.int64),
            rows[[r for r in range(len(rows)) if row_group.get(r) == key]],
        )
        for key, members in sorted(groups.items())
    ]


def _least_cost(
    network: Network, target: FloatArray, variables: np.ndarray, *, rows: np.ndarray, method: str = "highs-ipm"
) -> FloatArray:
    """The cheapest shipments on ``variables`` meeting ``target`` for their pairs within stock and the
    capacity ``rows``. Other variables come out 0. Interior point with crossover unless ``method``
    says otherwise."""
    columns = np.flatnonzero(variables)
    pairs = np.zeros(network.pairs, dtype=bool)
    pairs[network.var_pair[columns]] = True
    limits = [network.stock_matrix()[:, columns]]
    bounds_ = [network.stock_amount]
    if len(rows):
        limits.append(network.capacity_matrix()[rows][:, columns])
        bounds_.append(network.capacity_kg[rows])
    problem = (
        network.var_cost[columns],
        sparse.vstack(limits, format="csr"),
        np.concatenate(bounds_),
    )
    equal = network.pair_matrix()[pairs][:, columns], target[pairs]
    what = "the least-cost plan with the fair fills"
    try:
        result = solve_lp(*problem, a_eq=equal[0], b_eq=equal[1], method=method, what=what)
    except SolverFailed:
        if method == "highs-ds":
            raise
        # HiGHS's interior point can give up ("Solve error": a 12-destination --tight-like problem,
        # tests/allocation/test_objectives.py); its dual simplex then solves the same program
        result = solve_lp(*problem, a_eq=equal[0], b_eq=equal[1], method="highs-ds", what=what)
    x = np.zeros(network.variables)
    x[columns] = np.maximum(np.asarray(result.x, dtype=np.float64), 0.0)
    return x


Attempt = Callable[[str, FloatArray], None]
"""Told before each least-cost attempt: which fills (by the path that found them) are tried."""


def maxmin_plan(network: Network, progress: Progress | None = None, attempt: Attempt | None = None) -> FloatArray:
    """Max-min fills: the fills of a larger set of plans are optimal whenever a real plan gives them.

    Lexicographic max-min over a larger set that lands inside the smaller set is optimal there too.
    The larger sets, loosest first: no capacities (the per-item fills); then each item's stock and
    each destination's routes pooled (``pooled_fills``), when those fills differ. Only if the
    capacities carry neither does the capacity-coupled progressive filling run. ``attempt`` hears
    of each set of fills before its least-cost plan is sought (the benchmark times the passes so).
    """
    tell: Attempt = attempt or (lambda path, fills: None)
    relaxed = maxmin_fills(network, capacity=False)
    if not beyond_route_capacity(network, relaxed):
        tell(PER_ITEM, relaxed)
        try:
            return cheapest_with_fills(network, relaxed)
        except Infeasible:
            if not len(network.capacity_route):
                raise
    pooled = pooled_fills(network)
    if np.abs(pooled - relaxed).max(initial=0.0) > FILL_TOLERANCE:
        tell(POOLED, pooled)
        found = cheapest_if_carried(network, pooled)
        if found is not None:
            return found
    coupled = maxmin_fills(network, capacity=True, progress=progress)
    tell(COUPLED, coupled)
    return cheapest_with_fills(network, coupled, feasible=True)


PER_ITEM = "per-item fills fit the capacities"
POOLED = "capacities set the fills; the routes carry the pooled fills"
COUPLED = "capacity-coupled progressive filling"


def cheapest_if_carried(network: Network, fills: FloatArray) -> FloatArray | None:
    """The least-cost plan with the pooled ``fills``, or ``None`` when the routes cannot carry them
    (or the interior point built for the program cannot vouch for a plan). Those fills fill some
    destination's routes to the brim in every plan, so the program has next to no interior: the
    structured path takes them 1e-6 looser first (``structured_vertex`` with ``tight``)."""
    target = np.maximum(fills * network.pair_request * (1 - FILL_TOLERANCE), 0.0)
    if len(binding_capacity_rows(network, target)) > DIRECT_ROWS:
        return structured_vertex(network, fills, tight=True)
    try:
        return cheapest_with_fills(network, fills)
    except (Infeasible, SolverFailed):  # the capacity-coupled filling is still there
        return None


def beyond_route_capacity(network: Network, fills: FloatArray) -> bool:
    """True when some destination needs more kg at ``fills`` than all its routes together can bring
    (see ``_carried_kg``): then no plan gives these fills, and proving it by solving the least-cost
    program (about 5 s on the benchmark's ``--seed 3``) can be skipped."""
    if not len(network.capacity_route):
        return False
    kg = np.bincount(
        network.pair_destination,
        weights=fills * network.pair_request * _unit_kg(network)[network.pair_item],
        minlength=len(network.problem.destinations),
    )
    return bool(np.any(kg > _carried_kg(network) * (1 + FILL_TOLERANCE) + FILL_TOLERANCE))


def _unit_kg(network: Network) -> FloatArray:
    return np.array([item.unit_weight_kg for item in network.problem.items], dtype=np.float64)


def pooled_fills(network: Network) -> FloatArray:
    """The max-min fills when each item's stock is pooled over its hubs and each destination's kg
    over its routes.

    The pools hold every plan: an item delivers at most what its hubs hold of it (each hub at most
    what the requests it reaches ask), and a destination receives at most what its routes carry
    (each at most its capacity and the kg its hub holds of what the destination asks). So their
    lexicographic max-min, if some plan gives it, is the max-min of the real network too (as with
    the per-item fills). It is progressive filling on a problem where every request draws on just
    two limits, its item's pool and its destination's, so each round is closed-form: raise λ until a
    pool runs dry or a request reaches 1; freeze the requests drawing on it; go on. When the
    capacities set the fills but the routes can share each destination's kg out between them (the
    benchmark's ``--seed 3``, ``--seed 8``, ``--tight``) these are the fills, found in about 0.01 s
    against 17-28 s for the capacity-coupled progressive filling.
    """
    items, destinations = len(network.problem.items), len(network.problem.destinations)
    item, destination = network.pair_item, network.pair_destination
    request, weight = network.pair_request, network.pair_weight
    unit_kg = _unit_kg(network)[item]
    reached = np.bincount(network.var_stock, weights=request[network.var_pair], minlength=len(network.stock_amount))
    stock_left = np.bincount(
        network.stock_item, weights=np.minimum(network.stock_amount, reached), minlength=items
    ).astype(np.float64)
    kg_left = _carried_kg(network)
    fills = np.zeros(network.pairs)
    active = np.zeros(network.pairs, dtype=bool)
    active[network.var_pair] = True
    level = 0.0
    while active.any():
        on = np.flatnonzero(active)
        rate = weight[on] * request[on]  # units per unit of λ
        item_rate = np.bincount(item[on], weights=rate, minlength=items)
        kg_rate = np.bincount(destination[on], weights=rate * unit_kg[on], minlength=destinations)
        with np.errstate(divide="ignore", invalid="ignore"):
            item_room = np.where(item_rate > 0, np.maximum(stock_left, 0.0) / item_rate, np.inf)
            kg_room = np.where(kg_rate > 0, np.maximum(kg_left, 0.0) / kg_rate, np.inf)
        to_full = 1.0 / weight[on] - level
        step = max(min(float(item_room.min()), float(kg_room.min()), float(to_full.min())), 0.0)
        near = step + 1e-12 * max(level + step, 1.0)
        # a request for an item of no weight takes nothing from its destination's kg: not frozen by it
        out_of_kg = (unit_kg[on] > 0) & (kg_room[destination[on]] <= near)
        stop = (item_room[item[on]] <= near) | out_of_kg | (to_full <= near)
        stock_left = stock_left - item_rate * step
        kg_left = kg_left - kg_rate * step
        level += step
        done = on[stop]
        fills[done] = np.minimum(1.0, level * weight[done])
        active[done] = False
    return fills


def _carried_kg(network: Network) -> FloatArray:
    """Per destination, the most kg its routes can bring: each route at most its capacity, and each
    shipment at most its request or its hub's stock (routes without a capacity count that alone)."""
    kg_most = network.var_kg * np.minimum(
        network.stock_amount[network.var_stock], network.pair_request[network.var_pair]
    )
    destinations = len(network.problem.destinations)
    row_of_route = np.full(len(network.problem.routes) + 1, -1, dtype=np.int64)  # index -1: no routes at all
    row_of_route[network.capacity_route] = np.arange(len(network.capacity_route))
    row = row_of_route[network.var_route]
    capped = row >= 0
    per_row = np.bincount(row[capped], weights=kg_most[capped], minlength=len(network.capacity_route))
    row_destination = np.zeros(len(network.capacity_route), dtype=np.int64)
    row_destination[row[capped]] = network.var_destination[capped]
    return np.asarray(
        np.bincount(row_destination, weights=np.minimum(per_row, network.capacity_kg), minlength=destinations)
        + np.bincount(network.var_destination[~capped], weights=kg_most[~capped], minlength=destinations),
        dtype=np.float64,
    )


def maxmin_fills(network: Network, *, capacity: bool = True, progress: Progress | None = None) -> FloatArray:
    """Weighted lexicographic max-min fill per pair: fill = min(1, λ·w), λ raised until blocked.

    Items not joined through a capacity that can bind (see ``binding_capacity_rows`` with the
    requests as targets) are independent: an item whose hubs all reach all its destinations is
    water-filled in closed form; otherwise by progressive filling on its own variables. Each group
    of items joined through capacities that can bind is filled together, group by group (the
    lexicographic optimum of independent groups is each group's own).
    """
    fills = np.zeros(network.pairs)
    coupled: set[int] = set()
    if capacity and len(network.capacity_route):
        rows = binding_capacity_rows(network, network.pair_request)
        groups = item_groups(network, rows)
        sizes = [len(np.unique(network.var_pair[np.isin(network.var_item, items)])) for items, _ in groups]
        for (items, group_rows), before in zip(groups, np.cumsum([0, *sizes])[:-1].tolist(), strict=True):
            group_pairs = np.isin(network.pair_item, items)
            group_fills = progressive_filling(
                network,
                np.isin(network.var_item, items),
                capacity=True,
                rows=group_rows,
                progress=None if progress is None else _offset(progress, before, sum(sizes)),
            )
            fills[group_pairs] = group_fills[group_pairs]
            coupled.update(int(i) for i in items)
    for item in np.unique(network.pair_item):
        if int(item) in coupled:
            continue
        pairs = np.flatnonzero(network.pair_item == item)
        variables = network.var_item == item
        stock_rows = network.stock_item == item
        hubs = int(np.count_nonzero(stock_rows))
        if int(np.count_nonzero(variables)) == hubs * len(pairs):
            supply = float(network.stock_amount[stock_rows].sum())
            fills[pairs] = water_fill(network.pair_request[pairs], network.pair_weight[pairs], supply)
        else:
            item_fills = progressive_filling(network, variables, capacity=False)
            fills[pairs] = item_fills[pairs]
    return fills


def _offset(progress: Progress, before: int, total: int) -> Progress:
    """A group's progress as part of all groups': ``before`` requests settled in earlier groups."""
    return lambda settled, _: progress(before + settled, total)


def water_fill(requests: FloatArray, weights: FloatArray, supply: float) -> FloatArray:
    """Fills ``min(1, λ·w)`` with the largest λ whose total ``Σ r·min(1, λ·w)`` fits ``supply``.

    >>> water_fill(np.array([50.0, 50, 50]), np.array([1.0, 1, 1]), 100).round(4).tolist()
    [0.6667, 0.6667, 0.6667]
    >>> water_fill(np.array([50.0, 50, 50]), np.array([4.0, 1, 1]), 100).round(4).tolist()
    [1.0, 0.5, 0.5]
    """
    total = float(requests.sum())
    if supply >= total:
        return np.ones(len(requests))
    order = np.argsort(-weights, kind="stable")
    capped = 0.0
    remaining_rw = float((requests * weights).sum())
    lam = 0.0
    for position, k in enumerate(order):
        lam = (supply - capped) / remaining_rw if remaining_rw > 0 else 0.0
        if lam * weights[k] < 1:
            break
        capped += float(requests[k])
        remaining_rw -= float(requests[k] * weights[k])
        if position == len(order) - 1:
            lam = math.inf
    return np.asarray(np.minimum(1.0, lam * weights), dtype=np.float64)


def proportional_fills(network: Network) -> FloatArray:
    """Fills maximising Σ w·log(fill) over reachable pairs, log replaced by its tangents.

    The tangents at ``LOG_BREAKPOINTS`` geometric points between ``LOG_FLOOR`` and 1 over-estimate
    log(fill) by at most about 0.011 between breakpoints (exact at them); see docs/allocation.md.
    """
    reachable = np.zeros(network.pairs, dtype=bool)
    reachable[network.var_pair] = True
    rows = np.flatnonzero(reachable)
    m, n = len(rows), network.variables
    row_of_pair = np.full(network.pairs, -1, dtype=np.int64)
    row_of_pair[rows] = np.arange(m)
    points = np.geomspace(LOG_FLOOR, 1.0, LOG_BREAKPOINTS)
    # fill_p = (P x)_p / r_p ; cut k: z_p - fill_p / a_k <= log(a_k) - 1
    share = sparse.csr_matrix(
        (1.0 / network.pair_request[network.var_pair], (row_of_pair[network.var_pair], np.arange(n))), shape=(m, n)
    )
    cut_x = sparse.vstack([-share / a for a in points], format="csr")
    cut_z = sparse.vstack([sparse.identity(m, format="csr")] * len(points), format="csr")
    cut_b = np.concatenate([np.full(m, math.log(a) - 1.0) for a in points])
    base, limits = _base_rows(network)
    a_ub = sparse.vstack(
        [sparse.hstack([base, sparse.csr_matrix((base.shape[0], m))]), sparse.hstack([cut_x, cut_z])], format="csr"
    )
    b_ub = np.concatenate([limits, cut_b])
    c = np.concatenate([np.zeros(n), -network.pair_weight[rows]])
    bounds = [(0, None)] * n + [(None, 0)] * m
    result = solve_lp(c, a_ub, b_ub, bounds, what="the proportional-fairness plan")
    return np.minimum(1.0, pair_fills(network, np.asarray(result.x[:n])))


def efficient(network: Network) -> FloatArray:
    """Most weighted quantity Σ w·x first; then, keeping that total, the least cost (two programs)."""
    a, b = _base_rows(network)
    value = network.pair_weight[network.var_pair]
    first = solve_lp(-value, a, b, what="the most-delivery plan")
    best = -float(first.fun)
    a = sparse.vstack([a, -sparse.csr_matrix(value)], format="csr")
    b = np.concatenate([b, [-(best * (1 - FILL_TOLERANCE))]])
    second = solve_lp(network.var_cost, a, b, what="the least-cost most-delivery plan")
    return np.maximum(np.asarray(second.x, dtype=np.float64), 0.0)
