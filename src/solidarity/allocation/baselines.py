"""The two rules coordinators used before an optimiser, shown beside every plan.

``first_come_first_served``: destinations in the order given, each served in full while stock
lasts. ``proportional_to_request``: every destination gets the same share of its request per
item, the item's stock divided by its total request (capped at 1). Both ship from the cheapest
route first and respect stock, requests and route capacities, in whole units.
"""

from __future__ import annotations

import math

import numpy as np

from solidarity.allocation.network import FloatArray, Network


def first_come_first_served(network: Network) -> FloatArray:
    return _ship(network, np.floor(network.pair_request))


def proportional_to_request(network: Network) -> FloatArray:
    total_request = np.bincount(network.pair_item, weights=network.pair_request, minlength=len(network.problem.items))
    total_stock = np.bincount(network.stock_item, weights=network.stock_amount, minlength=len(network.problem.items))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total_request > 0, np.minimum(1.0, total_stock / total_request), 0.0)
    return _ship(network, np.floor(network.pair_request * share[network.pair_item] + 1e-9))


def _ship(network: Network, targets: FloatArray) -> FloatArray:
    """Ship each pair's target in pair order, cheapest route first, within every limit."""
    quantity = np.zeros(network.variables)
    stock_left = np.floor(network.stock_amount).tolist()
    capacity_left = {int(r): float(kg) for r, kg in zip(network.capacity_route, network.capacity_kg, strict=True)}
    order = np.lexsort((network.var_cost, network.var_pair))
    var_pair = network.var_pair.tolist()
    var_stock = network.var_stock.tolist()
    var_route = network.var_route.tolist()
    var_kg = network.var_kg.tolist()
    wanted = targets.tolist()
    for v in order.tolist():
        p = var_pair[v]
        if wanted[p] <= 0:
            continue
        amount = min(wanted[p], stock_left[var_stock[v]])
        route = var_route[v]
        if route in capacity_left and var_kg[v] > 0:
            amount = min(amount, math.floor(capacity_left[route] / var_kg[v] + 1e-9))
        if amount <= 0:
            continue
        quantity[v] = amount
        wanted[p] -= amount
        stock_left[var_stock[v]] -= amount
        if route in capacity_left:
            capacity_left[route] -= amount * var_kg[v]
    return quantity
