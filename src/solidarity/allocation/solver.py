"""Problem → Plan: optimise, round to whole units, measure, explain; and the baselines beside it.

>>> from solidarity.allocation.problem import parse_problem
>>> plan = solve(parse_problem({
...     "items": [{"id": "masks"}],
...     "hubs": [{"id": "GZ", "stock": {"masks": 100}}],
...     "destinations": [{"id": d, "requests": {"masks": 50}} for d in ("A", "B", "C")],
... }))
>>> [(line["id"], line["allocated"], line["fill"]) for line in plan.as_dict()["destinations"]]
[('A', 34, 0.68), ('B', 33, 0.66), ('C', 33, 0.66)]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from solidarity.allocation import baselines
from solidarity.allocation.filling import Progress
from solidarity.allocation.metrics import fills, measure
from solidarity.allocation.network import FloatArray, Network, build_network
from solidarity.allocation.objectives import Objective, optimise
from solidarity.allocation.problem import Problem
from solidarity.allocation.rounding import round_shipments
from solidarity.errors import Invalid

BASELINES = {
    "first_come_first_served": baselines.first_come_first_served,
    "proportional_to_request": baselines.proportional_to_request,
}


@dataclass(frozen=True)
class Plan:
    network: Network
    objective: str
    quantity: FloatArray
    """Whole units per network variable."""

    @property
    def problem(self) -> Problem:
        return self.network.problem

    def as_dict(self) -> dict[str, Any]:
        """The Plan JSON: allocations, destinations (per item), metrics and explanation."""
        net, problem = self.network, self.network.problem
        allocations = [
            {
                "hub": problem.hubs[net.var_hub[v]].id,
                "destination": problem.destinations[net.var_destination[v]].id,
                "item": problem.items[net.var_item[v]].id,
                "quantity": int(self.quantity[v]),
            }
            for v in np.flatnonzero(self.quantity > 0)
        ]
        received = np.bincount(net.var_pair, weights=self.quantity, minlength=net.pairs)
        destinations = [
            {
                "id": problem.destinations[net.pair_destination[p]].id,
                "item": problem.items[net.pair_item[p]].id,
                "requested": _number(net.pair_request[p]),
                "allocated": int(received[p]),
                "fill": round(float(received[p] / net.pair_request[p]), 4),
            }
            for p in range(net.pairs)
        ]
        return {
            "allocations": allocations,
            "destinations": destinations,
            "metrics": measure(net, self.quantity),
            "explanation": explain(self),
        }


def solve(problem: Problem, objective: Objective | str = Objective.MAXMIN, *, progress: Progress | None = None) -> Plan:
    """The plan for ``problem`` under ``objective`` in whole units.

    Raises ``Invalid`` for an unknown objective and ``Infeasible``/``Unbounded`` when HiGHS finds
    the program so; a plan is never partial. ``progress``: see ``objectives.optimise``.
    """
    try:
        chosen = Objective(objective)
    except ValueError:
        raise Invalid(
            f"Unknown objective {objective!r}: use maxmin, proportional or efficiency", details=[{"field": "objective"}]
        ) from None
    network = build_network(problem)
    continuous = optimise(network, chosen, progress=progress)
    return Plan(network, chosen.value, round_shipments(network, continuous))


def baseline_plans(problem: Problem) -> dict[str, Plan]:
    """First-come-first-served and proportional-to-request plans of the same problem."""
    network = build_network(problem)
    return {name: Plan(network, name, rule(network)) for name, rule in BASELINES.items()}


def plan_from_allocations(problem: Problem, objective: str, allocations: list[dict[str, Any]]) -> Plan:
    """A plan from edited allocation lines; raises ``Invalid`` naming the line that breaks a limit.

    Every line must join a hub and destination the network links for that item, and the totals
    must stay within stock, requests and route capacities.
    """
    network = build_network(problem)
    index = {
        (
            problem.hubs[network.var_hub[v]].id,
            problem.destinations[network.var_destination[v]].id,
            problem.items[network.var_item[v]].id,
        ): v
        for v in range(network.variables)
    }
    quantity = np.zeros(network.variables)
    details: list[dict[str, Any]] = []
    for n, line in enumerate(allocations):
        key = (line.get("hub"), line.get("destination"), line.get("item"))
        amount = line.get("quantity")
        if key not in index:
            details.append({"field": f"allocations[{n}]", "value": "/".join(map(str, key)), "reason": "no such route"})
        elif isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            details.append({"field": f"allocations[{n}].quantity", "value": amount, "reason": "a whole number ≥ 0"})
        else:
            quantity[index[key]] += amount
    details.extend(_limit_breaches(network, quantity))
    if details:
        raise Invalid(f"The edited plan breaks a limit: {details[0]['field']}: {details[0]['reason']}", details=details)
    return Plan(network, objective, quantity)


def _limit_breaches(network: Network, quantity: FloatArray) -> list[dict[str, Any]]:
    problem = network.problem
    found: list[dict[str, Any]] = []
    used = np.bincount(network.var_stock, weights=quantity, minlength=len(network.stock_amount))
    for row in np.flatnonzero(used > network.stock_amount + 1e-9):
        hub, item = problem.hubs[network.stock_hub[row]].id, problem.items[network.stock_item[row]].id
        found.append({"field": f"{hub}.{item}", "value": int(used[row]), "reason": "more than the hub's stock"})
    received = np.bincount(network.var_pair, weights=quantity, minlength=network.pairs)
    for p in np.flatnonzero(received > network.pair_request + 1e-9):
        d, item = problem.destinations[network.pair_destination[p]].id, problem.items[network.pair_item[p]].id
        found.append({"field": f"{d}.{item}", "value": int(received[p]), "reason": "more than requested"})
    on_route = network.var_route >= 0
    kg = np.bincount(
        network.var_route[on_route], weights=(quantity * network.var_kg)[on_route], minlength=len(problem.routes)
    )
    for r, cap in zip(network.capacity_route, network.capacity_kg, strict=True):
        if kg[r] > cap + 1e-6:
            route = problem.routes[r]
            found.append(
                {
                    "field": f"{route.hub}->{route.destination}",
                    "value": round(float(kg[r]), 3),
                    "reason": "over capacity",
                }
            )
    return found


def explain(plan: Plan) -> list[str]:
    """One sentence per (destination, item): what it got and what stopped it getting more."""
    net, problem, quantity = plan.network, plan.problem, plan.quantity
    pair_fill = fills(net, quantity)
    stock_left = net.stock_amount - np.bincount(net.var_stock, weights=quantity, minlength=len(net.stock_amount))
    on_route = net.var_route >= 0
    kg = np.bincount(net.var_route[on_route], weights=(quantity * net.var_kg)[on_route], minlength=len(problem.routes))
    capacity = {int(r): float(c) for r, c in zip(net.capacity_route, net.capacity_kg, strict=True)}
    variables_of_pair: dict[int, list[int]] = {}
    for v, p in enumerate(net.var_pair.tolist()):
        variables_of_pair.setdefault(p, []).append(v)
    lines: list[str] = []
    for p in range(net.pairs):
        destination = problem.destinations[net.pair_destination[p]]
        item = problem.items[net.pair_item[p]].id
        got = round(pair_fill[p] * net.pair_request[p])
        head = f"{destination.id} {item}: {got} of {_number(net.pair_request[p])} requested ({pair_fill[p]:.0%})"
        variables = variables_of_pair.get(p, [])
        if pair_fill[p] >= 1 - 1e-9:
            lines.append(f"{head}; capped at its request.")
            continue
        if not variables:
            lines.append(f"{head}; no route from a hub that stocks {item}.")
            continue
        reasons: list[str] = []
        empty = sorted({problem.hubs[net.var_hub[v]].id for v in variables if stock_left[net.var_stock[v]] < 1})
        full = sorted(
            {
                f"{problem.routes[net.var_route[v]].hub}→{destination.id}"
                for v in variables
                if int(net.var_route[v]) in capacity
                and capacity[int(net.var_route[v])] - kg[net.var_route[v]] < max(net.var_kg[v], 1e-9)
            }
        )
        if len(empty) == len({net.var_hub[v] for v in variables}):
            reasons.append(f"binding stock: {item} is used up at {', '.join(empty)}")
        elif empty:
            reasons.append(f"stock used up at {', '.join(empty)}")
        if full:
            reasons.append(f"binding capacity on {', '.join(full)}")
        if not reasons:
            reasons.append("its fair share under the objective")
        lines.append(f"{head}, weight {destination.weight:g}; {'; '.join(reasons)}.")
    return lines


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)
