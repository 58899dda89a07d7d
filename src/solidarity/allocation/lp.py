"""One door to HiGHS: build the linear program, solve it, and turn a failure into a specific error."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import OptimizeResult, linprog

from solidarity.errors import Invalid


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
