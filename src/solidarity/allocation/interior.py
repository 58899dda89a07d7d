"""The least-cost program with fixed fills by an interior point method built for its structure.

The program: shipments ``x ≥ 0`` meeting each pair's target exactly (``P x = t``), within each
hub's stock of each item (``S x ≤ s``) and each route's capacity in kg (``C x ≤ k``), at least cost.
General interior point codes spend their time on the normal equations ``A Θ Aᵀ Δy = r`` (12,491
rows on the benchmark). Here every shipment sits in exactly one pair row, one stock row and at most
one capacity row, and every route of a pair leads to the pair's destination, so:

1. the pair rows do not touch each other: their block is diagonal and is eliminated for free;
2. what is left of the capacity rows falls apart by destination: one small dense block per
   destination (as many rows as hubs), each factored on its own;
3. what is left of the stock rows is one dense matrix, items × hubs square (500 rows on the
   benchmark), factored by Cholesky.

Everything is laid out per pair × hub (a shipment's slot is its hub), so each step is a handful of
array operations and one dense factorisation: about 45 ms an iteration on the benchmark's 100,000
shipments, against 130 ms for HiGHS's interior point there. Mehrotra's predictor–corrector with up to
two Gondzio correctors takes 30-50 iterations to reach the accuracy crossover needs.

An interior point lands inside the optimal face, which is wide here (cost depends only on the kg a
route carries, so items trade routes freely): about 46,000 shipments instead of about 11,000 at a
vertex. HiGHS's crossover then turns it into an optimal vertex (0.7-1 s) and confirms optimality
with its own tolerances. Anything short of that (no convergence, a crossover that does not end
optimal, a layout too large to be worth it) returns ``None`` and the caller solves the program
with HiGHS alone: this path only ever makes a solve faster, never decides what the plan is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.linalg as la
from highspy import kHighsInf
from highspy._core import HighsModelStatus
from scipy import sparse
from scipy.linalg.blas import dsyrk
from threadpoolctl import threadpool_limits

from solidarity.allocation.lp import highs_program
from solidarity.allocation.network import FloatArray, IntArray, Network

MAX_ITERATIONS = 80
FEASIBILITY = 1e-7
"""Largest residual of a row (or reduced cost) relative to the largest bound (cost), to stop. Rounding
in the eliminations keeps residuals from going much below 1e-9 near the end; crossover, which
checks the vertex it returns with HiGHS's own tolerances, cleans up the rest."""
COMPLEMENTARITY = 1e-14
"""Σ x·z relative to the objective, to stop: HiGHS's crossover needed about this little (at 2e-12 it
ended with a basis 1e-8 off optimal on the benchmark, from which simplex needed over 20,000
iterations)."""
STALL = 12
"""Iterations without halving the largest row residual (while still above ``FEASIBILITY``) to give up."""
MAX_STOCK_BLOCK = 1500
"""Items × hubs above this: the dense Cholesky (cubic in it) stops paying."""
MAX_COUPLING = 4_000_000
"""Entries of the dense stock × capacity coupling (destinations × items × hubs²) allowed."""
STEP = 0.9995
CORRECTORS = 2
"""Gondzio's centrality correctors per iteration at most (each one solve with the same factor)."""


@dataclass(frozen=True)
class _Layout:
    """The program laid out per pair × hub; padding slots are masked out."""

    var: IntArray
    pair: IntArray
    hub: IntArray
    pairs: IntArray
    pair_item: IntArray
    pair_destination: IntArray
    mask: FloatArray
    cost: FloatArray
    kg_capacity: FloatArray
    """Per slot: kg per unit when the slot's route has a capacity row, else 0."""
    target: FloatArray
    stock: FloatArray
    stock_mask: FloatArray
    capacity: FloatArray
    capacity_mask: FloatArray
    capacity_row: IntArray
    """Per variable: its row among the capacity ``rows`` given, or -1."""
    by_item: sparse.csr_matrix
    by_destination: sparse.csr_matrix
    full_grid: bool
    """Every destination requests every item (pairs in destination, item order)."""


@dataclass(frozen=True)
class _Factor:
    d_pair: FloatArray
    theta: FloatArray
    kg_theta: FloatArray
    coupling: FloatArray
    """Stock × capacity block after eliminating the pairs, per destination: (items·hubs) × hubs."""
    capacity_inverse: FloatArray
    """Per destination, the inverse Cholesky factor of its capacity block."""
    stock_cholesky: tuple[FloatArray, bool]


def least_cost_vertex(
    network: Network, target: FloatArray, variables: np.ndarray, rows: IntArray, *, then: FloatArray | None = None
) -> FloatArray | None:
    """An optimal vertex of the least-cost program on ``variables`` (others 0), or ``None``.

    ``target`` is what each pair must receive, ``rows`` the capacity rows (indices into
    ``network.capacity_route``) to keep. ``None`` when this path cannot vouch for an answer; the
    caller must then solve the program another way (it may be infeasible: only HiGHS says so).
    ``then``: targets a hair above ``target`` (zero where it is), to which the vertex is moved by
    HiGHS's dual simplex from its basis; for programs with next to no interior at ``then``.
    """
    layout = _layout(network, target, variables, rows)
    if layout is None:
        return None
    with threadpool_limits(1):  # BLAS threads that spin against other processes cost 10x here
        try:
            found = _interior_point(layout)
        except np.linalg.LinAlgError:  # numerically singular even regularised: leave it to HiGHS
            return None
    if found is None:
        return None
    x, duals = found
    return _crossover(network, target, layout, rows, x, duals, then)


def _layout(network: Network, target: FloatArray, variables: np.ndarray, rows: IntArray) -> _Layout | None:
    var = np.flatnonzero(variables & (target[network.var_pair] > 0))
    if not len(var):
        return None
    pairs, pair = np.unique(network.var_pair[var], return_inverse=True)
    hubs, hub = np.unique(network.var_hub[var], return_inverse=True)
    items, pair_item = np.unique(network.pair_item[pairs], return_inverse=True)
    destinations, pair_destination = np.unique(network.pair_destination[pairs], return_inverse=True)
    m, h, i, d = len(pairs), len(hubs), len(items), len(destinations)
    if i * h > MAX_STOCK_BLOCK or d * i * h * h > MAX_COUPLING or m * h * h > MAX_COUPLING:
        return None
    mask = np.zeros((m, h))
    mask[pair, hub] = 1.0
    cost = np.zeros((m, h))
    cost[pair, hub] = network.var_cost[var]
    row_of_route = np.full(len(network.problem.routes) + 1, -1, dtype=np.int64)
    row_of_route[network.capacity_route[rows]] = np.arange(len(rows))
    capacity_row = row_of_route[network.var_route[var]]
    capped = capacity_row >= 0
    kg_capacity = np.zeros((m, h))
    kg_capacity[pair[capped], hub[capped]] = network.var_kg[var][capped]
    stock = np.zeros((i, h))
    stock_mask = np.zeros((i, h))
    stock[pair_item[pair], hub] = network.stock_amount[network.var_stock[var]]
    stock_mask[pair_item[pair], hub] = 1.0
    capacity = np.zeros((d, h))
    capacity_mask = np.zeros((d, h))
    at = (pair_destination[pair[capped]], hub[capped])
    capacity[at] = network.capacity_kg[rows][capacity_row[capped]]
    capacity_mask[at] = 1.0
    ones = np.ones(m)
    return _Layout(
        var=var,
        pair=pair,
        hub=hub,
        pairs=pairs,
        pair_item=pair_item,
        pair_destination=pair_destination,
        mask=mask,
        cost=cost,
        kg_capacity=kg_capacity,
        target=target[pairs],
        stock=stock,
        stock_mask=stock_mask,
        capacity=capacity,
        capacity_mask=capacity_mask,
        capacity_row=capacity_row,
        by_item=sparse.csr_matrix((ones, (pair_item, np.arange(m))), shape=(i, m)),
        by_destination=sparse.csr_matrix((ones, (pair_destination, np.arange(m))), shape=(d, m)),
        full_grid=bool(m == d * i and (pair_destination * i + pair_item == np.arange(m)).all()),
    )


Triple = tuple[FloatArray, FloatArray, FloatArray]
"""A primal or dual quantity in three parts: (shipments or pair rows, stock, capacity)."""
Triples = tuple[Triple, Triple, Triple]


def _interior_point(lay: _Layout) -> tuple[FloatArray, Triple] | None:
    """Mehrotra's predictor–corrector on the layout; shipments per slot and row duals, or ``None``."""
    masks: Triple = (lay.mask, lay.stock_mask, lay.capacity_mask)
    padding = _each(lambda mk: 1.0 - mk, masks)
    b: Triple = (lay.target, lay.stock, lay.capacity)
    c: Triple = (lay.cost, np.zeros_like(lay.stock), np.zeros_like(lay.capacity))
    count = float(sum(mk.sum() for mk in masks))

    def a_mul(z: Triple) -> Triple:
        x, u, v = z
        return x.sum(axis=1), lay.by_item @ x + u, lay.by_destination @ (lay.kg_capacity * x) + v

    def a_t_mul(y: Triple) -> Triple:
        yp, ys, yc = y
        x = (yp[:, None] + ys[lay.pair_item] + lay.kg_capacity * yc[lay.pair_destination]) * lay.mask
        return x, ys * lay.stock_mask, yc * lay.capacity_mask

    def direction(r_xw: Triple, factor: _Factor, theta: Triple, w: Triple, r_b: Triple, r_c: Triple) -> Triples:
        """Newton direction (dz, dy, dw) for the residuals and the complementarity right-hand side ``r_xw``."""
        q = _each(lambda ri, wi, pi, ti, rc: ri / (wi + pi) - ti * rc, r_xw, w, padding, theta, r_c)
        dy = _normal_solve(lay, factor, _each(np.subtract, r_b, a_mul(q)))
        a_t_dy = a_t_mul(dy)
        return _each(lambda qi, ti, ai: qi + ti * ai, q, theta, a_t_dy), dy, _each(np.subtract, r_c, a_t_dy)

    # Mehrotra's starting point: least-norm primal and dual solutions, shifted inside the orthant
    factor = _factor(lay, masks)
    z = a_t_mul(_normal_solve(lay, factor, b))
    y = _normal_solve(lay, factor, a_mul(c))
    w = _each(np.subtract, c, a_t_mul(y))
    shift_z = max(-1.5 * min(float(zi[mk > 0].min(initial=np.inf)) for zi, mk in zip(z, masks, strict=True)), 0.0)
    shift_w = max(-1.5 * min(float(wi[mk > 0].min(initial=np.inf)) for wi, mk in zip(w, masks, strict=True)), 0.0)
    z = _each(lambda zi, mk: (zi + shift_z) * mk, z, masks)
    w = _each(lambda wi, mk: (wi + shift_w) * mk, w, masks)
    zw = _dot(z, w)
    z_more, w_more = 0.5 * zw / sum(float(wi.sum()) for wi in w), 0.5 * zw / sum(float(zi.sum()) for zi in z)
    z = _each(lambda zi, mk: (zi + z_more) * mk, z, masks)
    w = _each(lambda wi, mk: (wi + w_more) * mk, w, masks)
    b_norm = 1.0 + max(float(np.abs(bi).max(initial=0.0)) for bi in b)
    c_norm = 1.0 + float(np.abs(lay.cost).max())
    best_primal, since_best = np.inf, 0
    zero_b = _each(np.zeros_like, b)
    zero_c = _each(np.zeros_like, c)
    for _ in range(MAX_ITERATIONS):
        r_b = _each(np.subtract, b, a_mul(z))
        r_c = _each(lambda ci, ai, wi: ci - ai - wi, c, a_t_mul(y), w)
        objective = _dot(c, z)
        primal = max(float(np.abs(r).max(initial=0.0)) for r in r_b) / b_norm
        dual = max(float(np.abs(r).max(initial=0.0)) for r in r_c) / c_norm
        if not (np.isfinite(objective) and np.isfinite(primal) and np.isfinite(dual)):
            return None
        if primal < FEASIBILITY and dual < FEASIBILITY and _dot(z, w) / (1.0 + abs(objective)) < COMPLEMENTARITY:
            return z[0], y
        if primal < 0.5 * best_primal:
            best_primal, since_best = primal, 0
        elif primal > FEASIBILITY:
            since_best += 1
            if since_best > STALL:  # most likely no plan meets every limit: HiGHS will say so
                return None
        mu = _dot(z, w) / count
        theta = _each(lambda zi, wi, pi: zi / (wi + pi), z, w, padding)
        factor = _factor(lay, theta)

        dz, _, dw = direction(_each(lambda zi, wi: -zi * wi, z, w), factor, theta, w, r_b, r_c)
        step_z, step_w = _step(z, dz), _step(w, dw)
        mu_affine = _dot(_axpy(z, step_z, dz), _axpy(w, step_w, dw)) / count
        sigma = (mu_affine / mu) ** 3
        target_xw = sigma * mu
        corrector = _each(lambda zi, wi, a, e, mk: (target_xw - zi * wi - a * e) * mk, z, w, dz, dw, masks)  # noqa: B023 (called at once)
        dz, dy, dw = direction(corrector, factor, theta, w, r_b, r_c)
        step_z, step_w = _step(z, dz), _step(w, dw)
        # Gondzio's centrality correctors: aim a longer step at a point whose products x·z are
        # pulled into [0.1, 10]·target, with the same factor (one solve each)
        for _ in range(CORRECTORS):
            trial_z, trial_w = min(1.0, step_z + 0.2), min(1.0, step_w + 0.2)
            products = _each(np.multiply, _axpy(z, trial_z, dz), _axpy(w, trial_w, dw))
            low, high = 0.1 * target_xw, 10.0 * target_xw
            pull = _each(
                lambda v, mk: (np.maximum(np.clip(v, low, high) - v, -high)) * mk,  # noqa: B023 (called at once)
                products,
                masks,
            )
            cz, cy, cw = direction(pull, factor, theta, w, zero_b, zero_c)
            more_z, more_w = _axpy(dz, 1.0, cz), _axpy(dw, 1.0, cw)
            longer_z, longer_w = _step(z, more_z), _step(w, more_w)
            if min(longer_z, longer_w) < 1.01 * min(step_z, step_w):
                break
            dz, dy, dw = more_z, _axpy(dy, 1.0, cy), more_w
            step_z, step_w = longer_z, longer_w
        step_z, step_w = min(1.0, STEP * step_z), min(1.0, STEP * step_w)
        z, w, y = _axpy(z, step_z, dz), _axpy(w, step_w, dw), _axpy(y, step_w, dy)
    return None


def _factor(lay: _Layout, theta: Triple) -> _Factor:
    """Factor ``A Θ Aᵀ`` by eliminating pair rows (diagonal), then capacity rows (a block per
    destination), leaving a dense stock matrix for Cholesky. Padding rows get a unit diagonal."""
    th, th_stock, th_capacity = theta
    m, h = th.shape
    i, d = lay.stock.shape[0], lay.capacity.shape[0]
    diagonal = np.arange(h)
    d_pair = th.sum(axis=1)
    kg_th = lay.kg_capacity * th
    scaled = th / d_pair[:, None]
    kg_scaled = kg_th / d_pair[:, None]
    stock_blocks = -(lay.by_item @ (th[:, :, None] * scaled[:, None, :]).reshape(m, h * h)).reshape(i, h, h)
    stock_blocks[:, diagonal, diagonal] += lay.by_item @ th + th_stock + (1.0 - lay.stock_mask)
    capacity_blocks = -(lay.by_destination @ (kg_th[:, :, None] * kg_scaled[:, None, :]).reshape(m, h * h))
    capacity_blocks = capacity_blocks.reshape(d, h, h)
    capacity_blocks[:, diagonal, diagonal] += (
        lay.by_destination @ (lay.kg_capacity * kg_th) + th_capacity + (1.0 - lay.capacity_mask)
    )
    per_pair = -th[:, :, None] * kg_scaled[:, None, :]
    per_pair[:, diagonal, diagonal] += kg_th
    if lay.full_grid:  # pairs are every (destination, item), in that order: no scatter needed
        coupling = per_pair.reshape(d, i * h, h)
    else:
        cells = np.zeros((d * i, h, h))
        cells[lay.pair_destination * i + lay.pair_item] = per_pair
        coupling = cells.reshape(d, i * h, h)
    capacity_inverse = np.asarray(np.linalg.inv(_cholesky(capacity_blocks)), dtype=np.float64)
    # per destination L⁻¹·couplingᵀ, stacked: (destinations·hubs) × (items·hubs), C-ordered, whose
    # transpose is the Fortran-ordered matrix BLAS wants: Σ couplingᵀ·(LLᵀ)⁻¹·coupling without a copy
    reduced = np.matmul(capacity_inverse, coupling.transpose(0, 2, 1)).reshape(d * h, i * h)
    stock_matrix = dsyrk(-1.0, reduced.T, lower=1)
    blocks = stock_matrix.reshape(i, h, i, h)
    blocks[np.arange(i), :, np.arange(i), :] += stock_blocks
    return _Factor(
        d_pair=d_pair,
        theta=th,
        kg_theta=kg_th,
        coupling=coupling,
        capacity_inverse=capacity_inverse,
        stock_cholesky=(_cholesky(stock_matrix), True),
    )


def _cholesky(matrix: FloatArray) -> FloatArray:
    """Lower Cholesky factor of ``matrix`` (or of each matrix along its first axis), with the smallest
    diagonal regularisation that works: eliminating a pair's rows leaves differences that rounding
    can push just below zero as the interior point nears the boundary."""
    size = matrix.shape[-1]
    diagonal = np.arange(size)
    largest = np.abs(matrix[..., diagonal, diagonal]).max(axis=-1, keepdims=True)
    for regularisation in (0.0, 1e-12, 1e-10, 1e-8, 1e-6):
        attempt = matrix
        if regularisation:
            attempt = matrix.copy()
            attempt[..., diagonal, diagonal] += regularisation * largest
        try:
            return np.asarray(np.linalg.cholesky(attempt), dtype=np.float64)
        except np.linalg.LinAlgError:
            continue
    raise np.linalg.LinAlgError("the reduced normal equations are not positive definite")


def _normal_solve(lay: _Layout, f: _Factor, r: Triple) -> Triple:
    """Solve ``A Θ Aᵀ y = r`` with the factor: pairs, then capacity, then stock, and back."""
    r_pair, r_stock, r_capacity = r
    g = r_pair / f.d_pair
    r_stock = r_stock - lay.by_item @ (f.theta * g[:, None])
    r_capacity = r_capacity - lay.by_destination @ (f.kg_theta * g[:, None])
    into_stock = np.matmul(f.coupling, _capacity_solve(f, r_capacity)[:, :, None]).sum(axis=0)[:, 0]
    y_stock = la.cho_solve(f.stock_cholesky, r_stock.ravel() - into_stock, check_finite=False).reshape(r_stock.shape)
    y_capacity = _capacity_solve(f, r_capacity - np.matmul(y_stock.ravel(), f.coupling))
    y_pair = r_pair - (f.theta * y_stock[lay.pair_item]).sum(axis=1)
    y_pair = (y_pair - (f.kg_theta * y_capacity[lay.pair_destination]).sum(axis=1)) / f.d_pair
    return y_pair, y_stock * lay.stock_mask, y_capacity * lay.capacity_mask


def _capacity_solve(f: _Factor, r: FloatArray) -> FloatArray:
    inverse = f.capacity_inverse
    return np.asarray(np.einsum("dkh,dk->dh", inverse, np.einsum("dkh,dh->dk", inverse, r)), dtype=np.float64)


def _crossover(
    network: Network,
    target: FloatArray,
    lay: _Layout,
    rows: IntArray,
    slots: FloatArray,
    duals: Triple,
    then: FloatArray | None = None,
) -> FloatArray | None:
    """HiGHS's crossover from the interior solution to an optimal vertex, or ``None`` if it does not
    end optimal. The program given to HiGHS has only the layout's variables and rows. With ``then``,
    the pair rows are then set to those targets and the dual simplex goes on from the vertex's basis
    (still dual feasible: only right-hand sides change)."""
    stock_rows = np.unique(network.var_stock[lay.var])
    pair_matrix = network.pair_matrix()[lay.pairs][:, lay.var]
    stock_matrix = network.stock_matrix()[stock_rows][:, lay.var]
    capacity_matrix = network.capacity_matrix()[rows][:, lay.var]
    matrix = sparse.vstack([pair_matrix, stock_matrix, capacity_matrix], format="csc")
    lower = np.concatenate([lay.target, np.full(len(stock_rows) + len(rows), -kHighsInf)])
    upper = np.concatenate([lay.target, network.stock_amount[stock_rows], network.capacity_kg[rows]])
    cost = network.var_cost[lay.var]
    highs = highs_program(cost, matrix, lower, upper)
    # crossover() reads state that only a run sets up (a bare model crashes it): a run stopped at once
    highs.setOptionValue("presolve", "off")
    highs.setOptionValue("solver", "simplex")
    highs.setOptionValue("simplex_iteration_limit", 0)
    highs.run()
    solution = highs.getSolution()
    x = np.maximum(slots[lay.pair, lay.hub], 0.0)
    y_pair, y_stock, y_capacity = duals
    stock_of_var = network.var_stock[lay.var]
    y_stock_rows = np.zeros(len(network.stock_amount))
    y_stock_rows[stock_of_var] = y_stock[lay.pair_item[lay.pair], lay.hub]
    y_capacity_rows = np.zeros(len(rows))
    capped = lay.capacity_row >= 0
    y_capacity_rows[lay.capacity_row[capped]] = y_capacity[lay.pair_destination[lay.pair[capped]], lay.hub[capped]]
    row_dual = np.concatenate([y_pair, y_stock_rows[stock_rows], y_capacity_rows])
    solution.col_value = x
    solution.row_value = matrix @ x
    solution.row_dual = row_dual
    solution.col_dual = cost - matrix.T @ row_dual
    solution.value_valid = True
    solution.dual_valid = True
    highs.clearSolver()
    highs.crossover(solution)
    if highs.getModelStatus() != HighsModelStatus.kOptimal:
        return None
    if then is not None:
        highs.setOptionValue("simplex_iteration_limit", 2**31 - 1)
        highs.setOptionValue("simplex_strategy", 1)
        for row, value in enumerate(then[lay.pairs].tolist()):
            highs.changeRowBounds(row, value, value)
        highs.run()
        if highs.getModelStatus() != HighsModelStatus.kOptimal:
            return None
    vertex = np.zeros(network.variables)
    vertex[lay.var] = np.maximum(np.asarray(highs.getSolution().col_value, dtype=np.float64), 0.0)
    return vertex


def _each(function: Callable[..., FloatArray], *parts: Triple) -> Triple:
    """``function`` applied part by part: to the first parts of each, then the second, then the third."""
    return function(*(p[0] for p in parts)), function(*(p[1] for p in parts)), function(*(p[2] for p in parts))


def _axpy(a: Triple, step: float, b: Triple) -> Triple:
    return a[0] + step * b[0], a[1] + step * b[1], a[2] + step * b[2]


def _dot(a: Triple, b: Triple) -> float:
    return float((a[0] * b[0]).sum() + (a[1] * b[1]).sum() + (a[2] * b[2]).sum())


def _step(v: Triple, dv: Triple) -> float:
    """The longest step in ``[0, 1]`` keeping ``v + step·dv ≥ 0``."""
    step = 1.0
    for vi, di in zip(v, dv, strict=True):
        falling = di < 0
        if falling.any():
            step = min(step, float((-vi[falling] / di[falling]).min()))
    return step
