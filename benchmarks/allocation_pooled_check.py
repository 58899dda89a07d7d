"""Pooled fills against the capacity-coupled progressive filling on the benchmark's capacity-set cases.

Run: ``.venv/bin/python benchmarks/allocation_pooled_check.py``. For ``--seed 3``, ``--seed 8`` and
``--tight`` (seeds 1 and 2) of ``benchmarks/allocation.py``, prints the time of the pooled fills
(``objectives.pooled_fills``, closed form), the time and the number of fill levels of the
capacity-coupled progressive filling (one LP per level, the baseline), their ratio, and the largest
difference between the two sets of fills. Takes about two minutes.
"""

from __future__ import annotations

import time

import numpy as np

from allocation import problem_data
from solidarity.allocation.network import build_network
from solidarity.allocation.objectives import maxmin_fills, pooled_fills
from solidarity.allocation.problem import parse_problem

CASES = [(3, False), (8, False), (1, True), (2, True)]


def main() -> None:
    print(f"{'case':18} {'pooled':>9} {'coupled':>9} {'ratio':>8} {'levels':>7} {'largest difference':>19}")
    for seed, tight in CASES:
        network = build_network(parse_problem(problem_data(seed, tight=tight)))
        start = time.perf_counter()
        pooled = pooled_fills(network)
        pooled_time = time.perf_counter() - start
        start = time.perf_counter()
        coupled = maxmin_fills(network, capacity=True)
        coupled_time = time.perf_counter() - start
        levels = len(np.unique(np.round(coupled / network.pair_weight, 9)[coupled < 1 - 1e-9]))
        case = f"--seed {seed}" + (" --tight" if tight else "")
        print(
            f"{case:18} {pooled_time:8.3f}s {coupled_time:8.1f}s {pooled_time / coupled_time:8.1e} {levels:>7}"
            f" {np.abs(pooled - coupled).max():>19.1e}"
        )


if __name__ == "__main__":
    main()
