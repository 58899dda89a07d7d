"""One door to HiGHS: build the linear program, solve it, and turn a failure into a specific error."""

from __future__ import annotations

from typing import Any

import numpy as np
from highspy import kHighsInf
from highspy._core import _Highs
from scipy import sparse
from scipy.optimize import OptimizeResult, linprog

from solidarity.errors import Invalid

FILL_TOLERANCE = 1e-9
"""Fills are met less this, relative and absolute: HiGHS's answers are exact only within its tolerances."""
RETRY_TOLERANCES = (1e-6, 1e-5, 1e-4)
"""When HiGHS finds fills from its own earlier answers "infeasible" (they overshoot by its feasibility
tolerance, seen on about 2% of small random capacity-coupled problems), they are met less these
relative amounts, the smallest that works."""


class Infeasible(Invalid):
    """No plan satisfies every constraint (stock, requests, capacities and any fixed lines)."""

    code = "infeasible"


class Unbounded(Invalid):
    """The objective can grow without limit: a quantity has no stock or request to bound it."""

    code = "unbounded"


class SolverFailed(Invalid):
    code = "solver_failed"


def solve_lp(
    c: Any,
    a_ub: sparse.spmatrix | sparse.sparray | None,
    b_ub: Any,
    bounds: Any = (0, None),
    *,
    a_eq: sparse.spmatrix | sparse.sparray | None = None,
    b_eq: Any = None,
    method: str = "highs-ds",
    what: str = "the allocation",
) -> OptimizeResult:
    """Minimise ``c @ x`` subject to ``a_ub @ x <= b_ub``, ``a_eq @ x == b_eq`` and ``bounds`` with HiGHS.

    ``method`` is dual simplex by default (its duals mark the bottlenecks of progressive filling);
    ``highs-ipm`` (interior point with crossover) is faster on the large least-cost programs.

    Raises ``Infeasible``, ``Unbounded`` or ``SolverFailed`` naming ``what`` was being solved; never
    returns a partial answer.
    """
    result = linprog(
        np.asarray(c, dtype=np.float64),
        A_ub=None if a_ub is None else sparse.csr_matrix(a_ub),
        b_ub=None if a_ub is None else np.asarray(b_ub, dtype=np.float64),
        A_eq=None if a_eq is None else sparse.csr_matrix(a_eq),
        b_eq=None if a_eq is None else np.asarray(b_eq, dtype=np.float64),
        bounds=bounds,
        method=method,
    )
    if result.status == 2:
        raise Infeasible(f"{what} is infeasible: no plan meets every stock, request and capacity limit")
    if result.status == 3:
        raise Unbounded(f"{what} is unbounded: some quantity has no stock or request to limit it")
    if result.status != 0:
        raise SolverFailed(f"HiGHS could not solve {what}: {result.message}")
    return result


def highs_program(cost: Any, matrix: sparse.csc_matrix, row_lower: Any, row_upper: Any) -> _Highs:
    """A silent HiGHS model: minimise ``cost @ x`` with ``row_lower ≤ matrix @ x ≤ row_upper``, ``x ≥ 0``.

    For the solves that need more than ``linprog`` gives (a basis kept between solves, crossover).
    highspy's public ``Highs`` prints a banner on stdout when built, which would corrupt ``--json``
    output, hence the private class.
    """
    highs = _Highs()
    highs.setOptionValue("output_flag", False)
    rows, n = matrix.shape
    no_int, no_float = np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float64)
    highs.addRows(rows, row_lower, row_upper, 0, np.zeros(rows, dtype=np.int32), no_int, no_float)
    highs.addCols(
        n,
        np.asarray(cost, dtype=np.float64),
        np.zeros(n),
        np.full(n, kHighsInf),
        matrix.nnz,
        matrix.indptr[:-1].astype(np.int32),
        matrix.indices.astype(np.int32),
        matrix.data,
    )
    return highs


def add_limit_rows(highs: _Highs, block: sparse.csr_matrix, limit: Any) -> None:
    """Append the rows ``block @ x <= limit`` to a HiGHS model (capacity rows added as plans break them)."""
    highs.addRows(
        block.shape[0],
        np.full(block.shape[0], -kHighsInf),
        np.asarray(limit, dtype=np.float64),
        block.nnz,
        block.indptr[:-1].astype(np.int32),
        block.indices.astype(np.int32),
        block.data,
    )
