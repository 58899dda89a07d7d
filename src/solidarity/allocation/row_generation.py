"""The least-cost program with fixed fills, given its capacity rows only as the plan breaks them.

The program without capacities is solved first (dual simplex, HiGHS through ``highspy``, which
keeps the model and its optimal basis between solves). If its optimum breaks a few capacities, only
those rows are added and the dual simplex goes on from the basis it had, round after round, until
the plan keeps every capacity that can bind. That plan is then optimal for the whole program: it is
optimal over a larger set of plans (fewer rows) and lies in the smaller one. Exact, like one solve
of the whole program, within HiGHS's tolerances.

Warm starts pay only while few rows break: one broken capacity took 41 dual simplex iterations
(0.05 s) on the 100,000-variable benchmark, 83 took 7,598 (10.9 s, slower than interior point on the
whole program). So when more than ``ROW_LIMIT`` capacities break in one round, or the rounds use up
``ITERATION_LIMIT`` iterations, the caller is told to solve the program whole.
"""

from __future__ import annotations

import numpy as np
from highspy import kHighsInf
from highspy._core import HighsModelStatus
from scipy import sparse

from solidarity.allocation.lp import Infeasible, SolverFailed, add_limit_rows, highs_program
from solidarity.allocation.network import FloatArray, IntArray, Network

ROW_LIMIT = 50
"""More capacities broken in one round than this: solve the whole program instead."""
ITERATION_LIMIT = 3000
"""Dual simplex iterations, all rounds after the first together, before giving up on warm starts."""
LOAD_TOLERANCE = 1e-9
"""A capacity counts as broken when its load passes it by more than this, relative and absolute."""


def over_limit(load: FloatArray, limit: FloatArray) -> np.ndarray:
    """Which loads break their limits (by more than ``LOAD_TOLERANCE``, relative and absolute)."""
    return np.asarray(load > limit * (1 + LOAD_TOLERANCE) + LOAD_TOLERANCE)


WHAT = "the least-cost plan with the fair fills"


class RowGeneration:
    """The least-cost shipments meeting ``target`` per pair within stock; capacity rows on demand.

    Construction solves the program without capacities (``Infeasible`` if even that has no plan);
    ``x`` is always the optimum of the rows given so far.
    """

    def __init__(self, network: Network, target: FloatArray) -> None:
        self.network = network
        pairs = np.zeros(network.pairs, dtype=bool)
        pairs[network.var_pair] = True
        matrix = sparse.vstack([network.stock_matrix(), network.pair_matrix()[pairs]], format="csc")
        stock = len(network.stock_amount)
        lower = np.concatenate([np.full(stock, -kHighsInf), target[pairs]])
        upper = np.concatenate([network.stock_amount, target[pairs]])
        self._highs = highs_program(network.var_cost, matrix, lower, upper)
        self._highs.setOptionValue("solver", "simplex")
        self._highs.setOptionValue("simplex_strategy", 1)  # dual: it keeps optimality while rows are added
        self.added = np.zeros(len(network.capacity_route), dtype=bool)
        self.iterations = 0
        self.x = np.zeros(network.variables)
        self._solve(iteration_limit=None)

    def grow(self, rows: IntArray, *, row_limit: int = ROW_LIMIT, iteration_limit: int = ITERATION_LIMIT) -> bool:
        """Add the capacity ``rows`` the plan breaks, round after round, and solve again.

        True when ``x`` keeps every one of ``rows``: it is then optimal with all of them. False when
        a round breaks more than ``row_limit`` of them or the rounds need more than
        ``iteration_limit`` dual simplex iterations (``x`` stays the last optimum, of fewer rows).
        Raises ``Infeasible`` when the rows added so far already leave no plan: then the whole
        program has none either (within HiGHS's tolerances).
        """
        capacity = self.network.capacity_matrix()
        while True:
            load = capacity @ self.x
            broken = rows[over_limit(load[rows], self.network.capacity_kg[rows]) & ~self.added[rows]]
            if not len(broken):
                return True
            if len(broken) > row_limit or self.iterations >= iteration_limit:
                return False
            add_limit_rows(self._highs, capacity[broken].tocsr(), self.network.capacity_kg[broken])
            self.added[broken] = True
            if not self._solve(iteration_limit=iteration_limit - self.iterations):
                return False

    def _solve(self, *, iteration_limit: int | None) -> bool:
        """Solve from the current basis; False if the iteration limit stopped it (``x`` unchanged)."""
        if iteration_limit is not None:
            self._highs.setOptionValue("simplex_iteration_limit", max(iteration_limit, 0))
        self._highs.run()
        status = self._highs.getModelStatus()
        if iteration_limit is not None:
            self.iterations += int(self._highs.getInfo().simplex_iteration_count)
        if status == HighsModelStatus.kIterationLimit:
            return False
        if status in (HighsModelStatus.kInfeasible, HighsModelStatus.kUnboundedOrInfeasible):
            raise Infeasible(f"{WHAT} is infeasible: no plan meets every stock, request and capacity limit")
        if status != HighsModelStatus.kOptimal:
            raise SolverFailed(f"HiGHS could not solve {WHAT}: {self._highs.modelStatusToString(status)}")
        self.x = np.maximum(np.asarray(self._highs.getSolution().col_value, dtype=np.float64), 0.0)
        return True
