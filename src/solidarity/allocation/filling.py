"""Progressive filling on one HiGHS model kept between rounds, capacity rows added as they break.

Each round maximises a common level ``t`` with every unfrozen pair receiving at least
``t · w · request``; the pairs the level cannot pass (a non-zero dual on their row) or that reach
their request are frozen at that fill, and the next round raises the rest. The rounds differ only
in those frozen pairs, so one model serves them all (see ``_Filling``): a frozen pair keeps what it
receives, which leaves the last plan feasible, and the primal simplex goes on from the basis it had
(the first round, with no basis yet, is solved by the interior point and crossover). Capacity rows
start out of the model and are added when the plan breaks one, along with those it nearly fills
(each added row stays), so the model holds only the capacities that bind or come near somewhere on
the way (719 of 2,000 on the benchmark's ``--seed 3``).

The answer is the same as solving every round from scratch with every row: every round ends at an
optimum of the whole round program (no capacity of ``rows`` broken), whose duals mark the pairs to
freeze. See docs/allocation.md and the figures in docs/performance.md.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from highspy import kHighsInf
from highspy._core import HighsModelStatus
from scipy import sparse

from solidarity.allocation.lp import FILL_TOLERANCE, RETRY_TOLERANCES, SolverFailed, add_limit_rows, highs_program
from solidarity.allocation.network import FloatArray, IntArray, Network
from solidarity.allocation.row_generation import over_limit

WHAT = "the max-min fill"
SOLVER_TOLERANCE = 1e-9
"""HiGHS's primal and dual feasibility tolerances for the rounds (its default is 1e-7)."""
LEVEL_CHUNK = 500
"""Active pairs per level column (see ``_Filling._level_column``): 500 and 1,000 gave 16.5-17.0 s
on ``--seed 3``, 200 18.3 s, 2,500 20.3 s, one column 20.5 s."""
NEAR_FULL = 0.7
"""A capacity row loaded past this share of its limit joins the model along with the broken ones."""


Progress = Callable[[int, int], None]
"""Told after each round: how many requests have their fill settled, of how many."""


def progressive_filling(
    network: Network,
    variables: np.ndarray,
    *,
    capacity: bool,
    rows: IntArray | None = None,
    progress: Progress | None = None,
) -> FloatArray:
    """Raise a common λ for every unfrozen pair (fill ≥ λ·w) until stock or capacity blocks it.

    ``variables`` (a mask) are the shipments that may be used; pairs none of them reach keep fill 0.
    With ``capacity``, ``rows`` are the capacity rows that may bind (all when None). Each round
    freezes at least one pair, so there are at most as many rounds as pairs, and in practice as many
    as there are distinct fill levels. ``progress`` hears of each round.
    """
    columns = np.flatnonzero(variables)
    if not len(columns):
        return np.zeros(network.pairs)
    return _Filling(network, columns, _capacity_rows(network, capacity, rows)).run(progress)


def _capacity_rows(network: Network, capacity: bool, rows: IntArray | None) -> IntArray:
    if not capacity or not len(network.capacity_route):
        return np.zeros(0, dtype=np.int64)
    return np.arange(len(network.capacity_route), dtype=np.int64) if rows is None else np.asarray(rows)


class _Filling:
    """One model: stock rows, one row per reachable pair (what it receives less its level), capacity
    rows as they break, and one level column per round (in parts above ``LEVEL_CHUNK`` pairs).

    A round's column raises the level of the pairs still active (coefficient ``-w · request`` in
    their rows only); when the round ends its value is fixed and a new column starts the next round.
    A frozen pair's row keeps only the columns of the rounds it took part in, whose values are fixed:
    it must receive what it had. So between rounds the model changes only in bounds, costs and a new
    column, and HiGHS goes on from its basis and factorisation; changing the matrix in place (the
    level's coefficient of a frozen pair set to 0) made it set everything up again, 0.07 s a round.
    """

    def __init__(self, network: Network, columns: IntArray, rows: IntArray) -> None:
        self.network = network
        self.columns = columns
        self.rows = rows
        self.capacity = network.capacity_matrix()[rows][:, columns].tocsr() if len(rows) else None
        self.added = np.zeros(len(rows), dtype=bool)
        pairs = np.zeros(network.pairs, dtype=bool)
        pairs[network.var_pair[columns]] = True
        self.pairs = np.flatnonzero(pairs)
        stocks = np.zeros(len(network.stock_amount), dtype=bool)
        stocks[network.var_stock[columns]] = True
        self.stocks = np.flatnonzero(stocks)
        stock_matrix = network.stock_matrix()[self.stocks][:, columns]
        pair_matrix = network.pair_matrix()[self.pairs][:, columns]
        self.first_pair_row = len(self.stocks)
        matrix = sparse.vstack([stock_matrix, pair_matrix], format="csc")
        # no upper limit on what a pair receives: more never raises the level, and the level stops
        # where the heaviest-weighted active pair reaches its request
        lower = np.concatenate([np.full(len(self.stocks), -kHighsInf), np.zeros(len(self.pairs))])
        upper = np.concatenate([network.stock_amount[self.stocks], np.full(len(self.pairs), kHighsInf)])
        self.highs = highs_program(np.zeros(len(columns)), matrix, lower, upper)
        self.weights = network.pair_weight[self.pairs]
        self.coefficient = self.weights * network.pair_request[self.pairs]
        # the first solve has no basis to start from: the interior point and crossover find one
        # much sooner than the simplex from the slack basis (--seed 3: 1.1-1.5 s against 7.4 s), and
        # one the later rounds go on from in fewer iterations; then the primal simplex, from the
        # last basis, since each round starts from a feasible plan
        self.highs.setOptionValue("solver", "ipm")
        self.highs.setOptionValue("run_crossover", "on")
        self.highs.setOptionValue("simplex_strategy", 4)
        # not steepest edge: faster (--seed 3 from the slack basis: 28.6 s against 40.3 s in all), but
        # this highspy build then prints a debug line on stdout every few iterations, which would
        # corrupt --json output
        # HiGHS's default 1e-7 let a level on a --tight-like problem come out 3e-5 low, and the error
        # carried into every later round (tests/allocation/test_filling.py)
        self.highs.setOptionValue("primal_feasibility_tolerance", SOLVER_TOLERANCE)
        self.highs.setOptionValue("dual_feasibility_tolerance", SOLVER_TOLERANCE)

    def run(self, progress: Progress | None = None) -> FloatArray:
        network = self.network
        fills = np.zeros(network.pairs)
        active = np.ones(len(self.pairs), dtype=bool)
        frozen_amount = np.zeros(len(self.pairs))
        reached = 0.0
        while active.any():
            column = self._level_column(active, 1.0 / float(self.weights[active].max()) - reached)
            raised, duals = self._solve(column, frozen_amount, ~active)
            level = reached + raised
            at_level = np.minimum(1.0, level * self.weights)
            stop = active & ((np.abs(duals) > FILL_TOLERANCE) | (at_level >= 1 - FILL_TOLERANCE))
            if not stop.any():
                stop = active
            done = np.flatnonzero(stop)
            fills[self.pairs[done]] = at_level[done]
            active[done] = False
            frozen_amount[done] = level * self.coefficient[done]
            self._set_floors(done, frozen_amount[done], FILL_TOLERANCE)
            self.highs.changeColBounds(column, raised, raised)
            self.highs.changeColCost(column, 0.0)
            reached = level
            if progress is not None:
                progress(len(self.pairs) - int(np.count_nonzero(active)), len(self.pairs))
        return fills

    def _level_column(self, active: np.ndarray, room: float) -> int:
        """A new column raising the level of the ``active`` pairs by up to ``room``; its index.

        Above ``LEVEL_CHUNK`` active pairs the level is split: one column per chunk of pairs, each
        tied to the round's column by a row (chunk - level = 0). A basic column with 10,000 entries
        made every simplex iteration dear (``--seed 3``: 16.5 s in all against 20.5 s unsplit).
        """
        index = np.flatnonzero(active)
        upper = max(room, 0.0)
        if len(index) <= LEVEL_CHUNK:
            rows = (self.first_pair_row + index).astype(np.int32)
            self.highs.addCol(-1.0, 0.0, upper, len(index), rows, -self.coefficient[index])
            return int(self.highs.getNumCol()) - 1
        parts = [index[k : k + LEVEL_CHUNK] for k in range(0, len(index), LEVEL_CHUNK)]
        first, links = int(self.highs.getNumRow()), len(parts)
        no_int, no_float = np.zeros(links, dtype=np.int32), np.zeros(0)
        self.highs.addRows(links, np.zeros(links), np.zeros(links), 0, no_int, no_int[:0], no_float)
        link_rows = np.arange(first, first + links, dtype=np.int32)
        self.highs.addCol(-1.0, 0.0, upper, links, link_rows, -np.ones(links))
        level = int(self.highs.getNumCol()) - 1
        for link, part in zip(link_rows.tolist(), parts, strict=True):
            rows = np.append(self.first_pair_row + part, link).astype(np.int32)
            self.highs.addCol(0.0, 0.0, kHighsInf, len(rows), rows, np.append(-self.coefficient[part], 1.0))
        return level

    def _solve(self, column: int, frozen_amount: FloatArray, frozen: np.ndarray) -> tuple[float, FloatArray]:
        """Optimum of the round with every capacity of ``rows`` kept: (how far ``column`` raised the
        level, duals of the pair rows). The frozen pairs' floors are lowered only if HiGHS needs it."""
        for tolerance in (FILL_TOLERANCE, *RETRY_TOLERANCES):
            if tolerance > FILL_TOLERANCE:
                index = np.flatnonzero(frozen)
                self._set_floors(index, frozen_amount[index], tolerance)
            while True:
                status = self._run()
                if status != HighsModelStatus.kOptimal:
                    break
                solution = self.highs.getSolution()
                values = np.asarray(solution.col_value, dtype=np.float64)
                if not self._add_broken_rows(np.maximum(values[: len(self.columns)], 0.0)):
                    duals = np.asarray(solution.row_dual, dtype=np.float64)
                    pair_duals = duals[self.first_pair_row : self.first_pair_row + len(self.pairs)]
                    return float(values[column]), pair_duals
            if status not in (HighsModelStatus.kInfeasible, HighsModelStatus.kUnboundedOrInfeasible):
                break
        raise SolverFailed(f"HiGHS could not solve {WHAT}: {self.highs.modelStatusToString(status)}")

    def _run(self) -> HighsModelStatus:
        """Solve from the last basis; if HiGHS ends "Unknown" (it could not reach the tight
        tolerances from there, seen once in 180 small random problems), solve again from scratch."""
        self.highs.run()
        self.highs.setOptionValue("solver", "simplex")
        status = self.highs.getModelStatus()
        if status == HighsModelStatus.kUnknown:
            self.highs.clearSolver()
            self.highs.run()
            status = self.highs.getModelStatus()
        return status

    def _set_floors(self, pairs: IntArray, amounts: FloatArray, tolerance: float) -> None:
        """Frozen ``pairs`` (positions in ``self.pairs``): their rows hold what they receive less
        ``amounts`` (their fixed level columns), which may fall short by ``tolerance``, relative and
        absolute."""
        for k, slack in zip(pairs.tolist(), (amounts * tolerance + tolerance).tolist(), strict=True):
            self.highs.changeRowBounds(self.first_pair_row + k, -slack, kHighsInf)

    def _add_broken_rows(self, x: FloatArray) -> bool:
        """Add the capacity rows ``x`` breaks (not yet in the model); True if there were any. With
        them go those ``x`` loads past ``NEAR_FULL`` of their limit: the next solves would likely
        break them, and each row added late costs a solve (--seed 3: 73 solves against 111)."""
        if self.capacity is None:
            return False
        load = self.capacity @ x
        limit = self.network.capacity_kg[self.rows]
        if not (over_limit(load, limit) & ~self.added).any():
            return False
        broken = np.flatnonzero((load > limit * NEAR_FULL) & ~self.added)
        add_limit_rows(self.highs, self.capacity[broken], limit[broken])
        self.added[broken] = True
        return True
