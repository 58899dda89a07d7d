"""How fair and how costly a plan is: delivered units, cost, minimum fill, the lowest fill per unit of
need weight and the Gini of fills.

>>> gini([1.0, 1.0, 1.0]), gini([0.0, 0.0, 1.0])
(0.0, 0.6667)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from solidarity.allocation.network import FloatArray, Network


def gini(values: Any) -> float:
    """Gini coefficient of non-negative values (0 = all equal), rounded to 4 places; 0 for none or all zero."""
    array = np.sort(np.asarray(values, dtype=np.float64))
    n = len(array)
    if n == 0 or array.sum() <= 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    value = float((2 * ranks - n - 1) @ array / (n * array.sum()))
    return round(value, 4)


def fills(network: Network, quantity: FloatArray) -> FloatArray:
    """Allocated ÷ requested for every (destination, item) pair that requested something."""
    received = np.bincount(network.var_pair, weights=quantity, minlength=network.pairs)
    return np.asarray(received / network.pair_request, dtype=np.float64)


def measure(network: Network, quantity: FloatArray) -> dict[str, Any]:
    """The ``metrics`` object of the Plan JSON for whole-unit ``quantity`` per network variable."""
    pair_fill = fills(network, quantity)
    per_item: dict[str, dict[str, Any]] = {}
    for k, item in enumerate(network.problem.items):
        pairs = network.pair_item == k
        if not pairs.any():
            continue
        per_item[item.id] = {
            "delivered": round(float(quantity[network.var_item == k].sum())),
            "min_fill": round(float(pair_fill[pairs].min()), 4),
        }
    return {
        "delivered": round(float(quantity.sum())),
        "cost": round(float(quantity @ network.var_cost), 2),
        "min_fill": round(float(pair_fill.min()), 4) if len(pair_fill) else 1.0,
        "min_fill_per_weight": lowest_fill_per_weight(network, pair_fill),
        "gini_fill": gini(pair_fill),
        "per_item": per_item,
    }


def lowest_fill_per_weight(network: Network, pair_fill: FloatArray) -> float | None:
    """The lowest fill ÷ need weight among requests not filled in full (None when all are): what
    ``maxmin`` makes as high as it can. Its plain minimum fill can be lower than a plan's that ignores
    the weights: a destination of low weight is filled later, in step with its weight."""
    short = pair_fill < 1 - 1e-9
    if not short.any():
        return None
    return round(float((pair_fill[short] / network.pair_weight[short]).min()), 4)
