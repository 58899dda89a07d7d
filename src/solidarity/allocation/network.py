"""The problem as arrays: one shipment variable per (hub, destination, item) that can carry something.

A variable exists when the hub stocks the item, the destination requests it and a route joins them
(every hub–destination pair when the problem has no routes). Constraint matrices are sparse:
stock per (hub, item), request per (destination, item) "pair", capacity in kg per route.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

from solidarity.allocation.problem import Problem

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Network:
    problem: Problem
    pair_destination: IntArray
    """Per pair (a destination's request for an item): the destination index."""
    pair_item: IntArray
    pair_request: FloatArray
    pair_weight: FloatArray
    var_hub: IntArray
    var_destination: IntArray
    var_item: IntArray
    var_pair: IntArray
    var_route: IntArray
    """Index into ``problem.routes``, or -1 when the problem has no routes."""
    var_cost: FloatArray
    """Cost of one unit: the route's cost per kg times the item's unit weight."""
    var_kg: FloatArray
    stock_hub: IntArray
    stock_item: IntArray
    stock_amount: FloatArray
    var_stock: IntArray
    """Per variable: the (hub, item) stock row it draws on."""
    capacity_route: IntArray
    capacity_kg: FloatArray

    @property
    def variables(self) -> int:
        return len(self.var_hub)

    @property
    def pairs(self) -> int:
        return len(self.pair_item)

    def pair_matrix(self) -> sparse.csr_matrix:
        """Rows: pairs; ``pair_matrix() @ x`` is what each pair receives."""
        n = self.variables
        return sparse.csr_matrix((np.ones(n), (self.var_pair, np.arange(n))), shape=(self.pairs, n))

    def stock_matrix(self) -> sparse.csr_matrix:
        n = self.variables
        return sparse.csr_matrix((np.ones(n), (self.var_stock, np.arange(n))), shape=(len(self.stock_amount), n))

    def capacity_matrix(self) -> sparse.csr_matrix:
        """Rows: routes with a capacity; entries are kg per unit."""
        row_of_route = np.full(len(self.problem.routes) + 1, -1, dtype=np.int64)
        row_of_route[self.capacity_route] = np.arange(len(self.capacity_route))
        rows = row_of_route[self.var_route]
        keep = (self.var_route >= 0) & (rows >= 0)
        columns = np.arange(self.variables)[keep]
        return sparse.csr_matrix(
            (self.var_kg[keep], (rows[keep], columns)), shape=(len(self.capacity_route), self.variables)
        )


def build_network(problem: Problem) -> Network:
    """Index the problem; pairs and variables come out in a stable order (destinations, items, hubs)."""
    item_index = {item.id: k for k, item in enumerate(problem.items)}
    hub_index = {hub.id: k for k, hub in enumerate(problem.hubs)}
    destination_index = {d.id: k for k, d in enumerate(problem.destinations)}
    unit_kg = np.array([item.unit_weight_kg for item in problem.items], dtype=np.float64)

    stock_rows: dict[tuple[int, int], int] = {}
    stock_hub: list[int] = []
    stock_item: list[int] = []
    stock_amount: list[float] = []
    for h, hub in enumerate(problem.hubs):
        for item_id, amount in hub.stock.items():
            if amount > 0:
                stock_rows[(h, item_index[item_id])] = len(stock_amount)
                stock_hub.append(h)
                stock_item.append(item_index[item_id])
                stock_amount.append(amount)

    route_of: dict[tuple[int, int], int] = {}
    for r, link in enumerate(problem.routes):
        route_of[(hub_index[link.hub], destination_index[link.destination])] = r
    hubs_of_item: dict[int, list[int]] = {}
    for h, i in stock_rows:
        hubs_of_item.setdefault(i, []).append(h)

    pair_destination: list[int] = []
    pair_item: list[int] = []
    pair_request: list[float] = []
    pair_weight: list[float] = []
    var_hub: list[int] = []
    var_destination: list[int] = []
    var_item: list[int] = []
    var_pair: list[int] = []
    var_route: list[int] = []
    var_stock: list[int] = []
    for d, destination in enumerate(problem.destinations):
        for item_id, amount in destination.requests.items():
            if amount <= 0:
                continue
            i = item_index[item_id]
            p = len(pair_item)
            pair_destination.append(d)
            pair_item.append(i)
            pair_request.append(amount)
            pair_weight.append(destination.weight)
            for h in sorted(hubs_of_item.get(i, [])):
                route = route_of.get((h, d), -1)
                if problem.has_routes and route < 0:
                    continue
                var_hub.append(h)
                var_destination.append(d)
                var_item.append(i)
                var_pair.append(p)
                var_route.append(route)
                var_stock.append(stock_rows[(h, i)])

    hubs_arr = np.array(var_hub, dtype=np.int64)
    items_arr = np.array(var_item, dtype=np.int64)
    routes_arr = np.array(var_route, dtype=np.int64)
    cost_per_kg = np.array([route.cost_per_kg for route in problem.routes] + [0.0], dtype=np.float64)
    var_kg = unit_kg[items_arr] if len(items_arr) else np.zeros(0)
    capacity_route = [r for r, route in enumerate(problem.routes) if route.capacity_kg is not None]
    return Network(
        problem=problem,
        pair_destination=np.array(pair_destination, dtype=np.int64),
        pair_item=np.array(pair_item, dtype=np.int64),
        pair_request=np.array(pair_request, dtype=np.float64),
        pair_weight=np.array(pair_weight, dtype=np.float64),
        var_hub=hubs_arr,
        var_destination=np.array(var_destination, dtype=np.int64),
        var_item=items_arr,
        var_pair=np.array(var_pair, dtype=np.int64),
        var_route=routes_arr,
        var_cost=cost_per_kg[routes_arr] * var_kg if len(routes_arr) else np.zeros(0),
        var_kg=var_kg,
        stock_hub=np.array(stock_hub, dtype=np.int64),
        stock_item=np.array(stock_item, dtype=np.int64),
        stock_amount=np.array(stock_amount, dtype=np.float64),
        var_stock=np.array(var_stock, dtype=np.int64),
        capacity_route=np.array(capacity_route, dtype=np.int64),
        capacity_kg=np.array([problem.routes[r].capacity_kg for r in capacity_route], dtype=np.float64),
    )
