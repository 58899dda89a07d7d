"""Whole units from continuous shipments by largest remainder, within every limit.

Each shipment is rounded down; each item's total is then brought back to the continuous total
(rounded down) by adding one unit at a time to the shipments with the largest remainders (ties:
the destination with the lowest fill so far, then the earlier one). A unit is added only if the
hub's stock, the destination's request and the route's capacity in kg still allow it, so the
total is kept whenever whole units can keep it and never bought by breaking a limit.
"""

from __future__ import annotations

import math

import numpy as np

from solidarity.allocation.network import FloatArray, Network

_EPSILON = 1e-6
_TOTAL_SLACK = 1e-3
"""A continuous total within a thousandth of a unit of the next whole number counts as that number."""


def round_shipments(network: Network, x: FloatArray) -> FloatArray:
    """Integer shipments (as floats) from continuous ``x``; see the module docstring for the rule."""
    quantity = np.floor(np.maximum(x, 0.0) + _EPSILON)
    stock_left = np.floor(network.stock_amount + _EPSILON)
    request_left = np.floor(network.pair_request + _EPSILON)
    np.subtract.at(stock_left, network.var_stock, quantity)
    np.subtract.at(request_left, network.var_pair, quantity)
    capacity_left = _capacity_left(network, quantity)
    _repair(network, quantity, stock_left, request_left, capacity_left)
    remainder = x - quantity
    received = np.bincount(network.var_pair, weights=quantity, minlength=network.pairs).astype(np.float64)
    for item in np.unique(network.var_item):
        members = np.flatnonzero(network.var_item == item)
        deficit = int(math.floor(float(x[members].sum()) + _TOTAL_SLACK) - quantity[members].sum())
        if deficit <= 0:
            continue
        fills = received[network.var_pair[members]] / network.pair_request[network.var_pair[members]]
        order = members[np.lexsort((members, fills, -np.round(remainder[members], 9)))]
        for v in order:
            if deficit == 0 or remainder[v] <= _EPSILON:
                break
            if _fits(network, v, stock_left, request_left, capacity_left):
                _add(network, v, quantity, stock_left, request_left, capacity_left, received)
                deficit -= 1
    return quantity


def _capacity_left(network: Network, quantity: FloatArray) -> dict[int, float]:
    """Kg left per route that has a capacity, after ``quantity``."""
    on_route = network.var_route >= 0
    used = np.bincount(
        network.var_route[on_route],
        weights=(quantity * network.var_kg)[on_route],
        minlength=len(network.problem.routes),
    )
    return {int(r): float(kg - used[r]) for r, kg in zip(network.capacity_route, network.capacity_kg, strict=True)}


def _fits(
    network: Network,
    v: int,
    stock_left: FloatArray,
    request_left: FloatArray,
    capacity_left: dict[int, float],
) -> bool:
    route = int(network.var_route[v])
    return bool(
        stock_left[network.var_stock[v]] >= 1
        and request_left[network.var_pair[v]] >= 1
        and (route not in capacity_left or capacity_left[route] + 1e-9 >= network.var_kg[v])
    )


def _add(
    network: Network,
    v: int,
    quantity: FloatArray,
    stock_left: FloatArray,
    request_left: FloatArray,
    capacity_left: dict[int, float],
    received: FloatArray,
) -> None:
    quantity[v] += 1
    stock_left[network.var_stock[v]] -= 1
    request_left[network.var_pair[v]] -= 1
    received[network.var_pair[v]] += 1
    route = int(network.var_route[v])
    if route in capacity_left:
        capacity_left[route] -= network.var_kg[v]


def _repair(
    network: Network,
    quantity: FloatArray,
    stock_left: FloatArray,
    request_left: FloatArray,
    capacity_left: dict[int, float],
) -> None:
    """Take back units where the solver's tolerance let a rounded-down total pass a limit."""
    for route, left in list(capacity_left.items()):
        while left < -1e-9:
            on_route = np.flatnonzero((network.var_route == route) & (quantity > 0))
            v = int(on_route[np.argmax(network.var_kg[on_route])])
            quantity[v] -= 1
            stock_left[network.var_stock[v]] += 1
            request_left[network.var_pair[v]] += 1
            left += network.var_kg[v]
        capacity_left[route] = left
    for row in np.flatnonzero(stock_left < 0):
        while stock_left[row] < 0:
            v = int(np.flatnonzero((network.var_stock == row) & (quantity > 0))[0])
            quantity[v] -= 1
            stock_left[row] += 1
            request_left[network.var_pair[v]] += 1
            _release(network, v, capacity_left)
    for pair in np.flatnonzero(request_left < 0):
        while request_left[pair] < 0:
            v = int(np.flatnonzero((network.var_pair == pair) & (quantity > 0))[0])
            quantity[v] -= 1
            request_left[pair] += 1
            stock_left[network.var_stock[v]] += 1
            _release(network, v, capacity_left)


def _release(network: Network, v: int, capacity_left: dict[int, float]) -> None:
    route = int(network.var_route[v])
    if route in capacity_left:
        capacity_left[route] += network.var_kg[v]
