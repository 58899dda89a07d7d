"""The need index: a destination's weight from its epidemic, its size, its health capacity and urgency.

``need = 0.4·incidence + 0.2·population + 0.2·(1 − capacity) + 0.2·urgency``, each term scaled to
[0, 1] across the destinations of one problem: incidence per 100,000 (last 14 days) and population
divided by the largest among them, the health-capacity proxy (0 weakest, 1 strongest, for example
hospital beds per 1,000 over the highest) as given, urgency 0 (routine) to 1 (critical) as the
request says. The weight is ``0.5 + need`` so no requesting destination gets a weight of zero and
the most needy gets at most three times the least needy. Missing data counts as the median of the
others (a destination is not punished for missing reports).

>>> weights = need_weights([
...     NeedInputs("A", incidence_per_100k=200, population=1e6, health_capacity=0.2, urgency=1.0),
...     NeedInputs("B", incidence_per_100k=20, population=1e7, health_capacity=0.9, urgency=0.0),
... ])
>>> {k: round(v, 3) for k, v in weights.items()}
{'A': 1.28, 'B': 0.76}
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

WEIGHTS = {"incidence": 0.4, "population": 0.2, "capacity_gap": 0.2, "urgency": 0.2}
"""Terms of the need index; they sum to 1."""

BASE_WEIGHT = 0.5


@dataclass(frozen=True)
class NeedInputs:
    destination: str
    incidence_per_100k: float | None = None
    population: float | None = None
    health_capacity: float | None = None
    urgency: float = 0.0


def need_weights(inputs: list[NeedInputs]) -> dict[str, float]:
    """Weight per destination: ``BASE_WEIGHT + need index`` (see the module docstring)."""
    incidence = _scaled([i.incidence_per_100k for i in inputs])
    population = _scaled([i.population for i in inputs])
    capacity = _filled([_clip(i.health_capacity) for i in inputs])
    weights: dict[str, float] = {}
    for k, entry in enumerate(inputs):
        need = (
            WEIGHTS["incidence"] * incidence[k]
            + WEIGHTS["population"] * population[k]
            + WEIGHTS["capacity_gap"] * (1.0 - capacity[k])
            + WEIGHTS["urgency"] * (_clip(entry.urgency) or 0.0)
        )
        weights[entry.destination] = BASE_WEIGHT + need
    return weights


def _clip(value: float | None) -> float | None:
    return None if value is None else min(1.0, max(0.0, value))


def _filled(values: list[float | None]) -> list[float]:
    known = [v for v in values if v is not None]
    middle = statistics.median(known) if known else 0.0
    return [middle if v is None else v for v in values]


def _scaled(values: list[float | None]) -> list[float]:
    filled = _filled([None if v is None else max(0.0, v) for v in values])
    top = max(filled, default=0.0)
    return [v / top if top > 0 else 0.0 for v in filled]
