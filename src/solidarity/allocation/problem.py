"""The Problem: items, hubs with stock, destinations with requests and weights, and routes.

Parsing checks every number and every reference and names the path of the first problems it finds,
like ``destinations[3].requests.masks``, so a coordinator can fix the file.

>>> problem = parse_problem({
...     "items": [{"id": "masks", "unit_weight_kg": 0.004}],
...     "hubs": [{"id": "GZ", "stock": {"masks": 100}}],
...     "destinations": [{"id": "IRQ", "requests": {"masks": 50}}],
... })
>>> problem.destinations[0].weight, problem.has_routes
(1.0, False)
>>> parse_problem({"items": [{"id": "masks"}], "hubs": [{"id": "GZ", "stock": {"masks": -1}}], "destinations": []})
Traceback (most recent call last):
...
solidarity.errors.Invalid: The allocation problem is invalid: hubs[0].stock.masks: must not be negative (-1)
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solidarity.errors import Invalid, TooLarge

MAX_PROBLEM_BYTES = 10 * 1024 * 1024
"""Problem files larger than this are refused before they are parsed."""


@dataclass(frozen=True)
class Item:
    id: str
    unit_weight_kg: float = 0.0


@dataclass(frozen=True)
class Hub:
    id: str
    stock: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Destination:
    id: str
    weight: float = 1.0
    requests: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    hub: str
    destination: str
    cost_per_kg: float = 0.0
    lead_days: float | None = None
    capacity_kg: float | None = None
    """``None`` means no limit."""


@dataclass(frozen=True)
class Problem:
    items: tuple[Item, ...]
    hubs: tuple[Hub, ...]
    destinations: tuple[Destination, ...]
    routes: tuple[Route, ...] = ()

    @property
    def has_routes(self) -> bool:
        """Without routes every hub serves every destination at no cost and without a limit."""
        return bool(self.routes)

    def as_dict(self) -> dict[str, Any]:
        """The Problem JSON this problem was read from (defaults written out)."""
        return {
            "items": [{"id": i.id, "unit_weight_kg": i.unit_weight_kg} for i in self.items],
            "hubs": [{"id": h.id, "stock": dict(h.stock)} for h in self.hubs],
            "destinations": [{"id": d.id, "weight": d.weight, "requests": dict(d.requests)} for d in self.destinations],
            "routes": [
                {
                    "hub": r.hub,
                    "destination": r.destination,
                    "cost_per_kg": r.cost_per_kg,
                    "lead_days": r.lead_days,
                    "capacity_kg": r.capacity_kg,
                }
                for r in self.routes
            ],
        }


class _Errors:
    """Collects problems with their paths; parsing reports up to ``limit`` of them at once."""

    def __init__(self, limit: int = 20) -> None:
        self.details: list[dict[str, Any]] = []
        self.limit = limit

    def add(self, path: str, value: Any, reason: str) -> None:
        if len(self.details) < self.limit:
            self.details.append({"field": path, "value": value, "reason": reason})

    def raise_if_any(self) -> None:
        if self.details:
            first = self.details[0]
            raise Invalid(
                f"The allocation problem is invalid: {first['field']}: {first['reason']}", details=self.details
            )


def _number(errors: _Errors, path: str, value: Any, *, positive: bool = False) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        errors.add(path, value, "must be a number")
        return None
    try:
        number = float(value)
    except OverflowError:  # an int beyond any float
        number = math.inf
    if math.isnan(number) or math.isinf(number):
        errors.add(
            path,
            value if isinstance(value, float) else f"{str(value)[:40]}...",  # an int too long to show whole
            "must be a finite number",
        )
        return None
    if number < 0:
        errors.add(path, value, f"must not be negative ({value})")
        return None
    if positive and number == 0:
        errors.add(path, value, "must be greater than zero")
        return None
    return number


def _identifier(errors: _Errors, path: str, value: Any, seen: set[str]) -> str | None:
    if not isinstance(value, str) or not value.strip():
        errors.add(path, value, "must be a non-empty string")
        return None
    if value in seen:
        errors.add(path, value, f"duplicate id {value!r}")
        return None
    seen.add(value)
    return value


def _records(errors: _Errors, data: dict[str, Any], key: str, *, required: bool = True) -> list[Any]:
    value = data.get(key)
    if value is None:
        if required:
            errors.add(key, None, "is required (a list)")
        return []
    if not isinstance(value, list):
        errors.add(key, value if isinstance(value, str | int | float) else type(value).__name__, "must be a list")
        return []
    return value


def _quantities(errors: _Errors, path: str, value: Any, items: set[str]) -> dict[str, float]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.add(path, None, "must be an object of item id to quantity")
        return {}
    quantities: dict[str, float] = {}
    for item_id, quantity in value.items():
        if item_id not in items:
            errors.add(f"{path}.{item_id}", item_id, f"unknown item {item_id!r}")
            continue
        number = _number(errors, f"{path}.{item_id}", quantity)
        if number is not None:
            quantities[item_id] = number
    return quantities


def parse_problem(data: Any) -> Problem:
    """Check a decoded Problem JSON and build the ``Problem``.

    Raises ``Invalid`` listing each problem with its path: a missing list, a negative, NaN or
    non-numeric number, an unknown or duplicate id, a route to an unknown hub or destination, a
    destination requesting an item no hub stocks.
    """
    errors = _Errors()
    if not isinstance(data, dict):
        raise Invalid("The allocation problem must be a JSON object with items, hubs and destinations")
    item_ids: set[str] = set()
    items: list[Item] = []
    for index, raw in enumerate(_records(errors, data, "items")):
        path = f"items[{index}]"
        if not isinstance(raw, dict):
            errors.add(path, None, "must be an object")
            continue
        item_id = _identifier(errors, f"{path}.id", raw.get("id"), item_ids)
        weight = _number(errors, f"{path}.unit_weight_kg", raw.get("unit_weight_kg", 0.0))
        if item_id is not None and weight is not None:
            items.append(Item(item_id, weight))
    hub_ids: set[str] = set()
    hubs: list[Hub] = []
    for index, raw in enumerate(_records(errors, data, "hubs")):
        path = f"hubs[{index}]"
        if not isinstance(raw, dict):
            errors.add(path, None, "must be an object")
            continue
        hub_id = _identifier(errors, f"{path}.id", raw.get("id"), hub_ids)
        stock = _quantities(errors, f"{path}.stock", raw.get("stock"), item_ids)
        if hub_id is not None:
            hubs.append(Hub(hub_id, stock))
    stocked = {item for hub in hubs for item, quantity in hub.stock.items() if quantity >= 0}
    destination_ids: set[str] = set()
    destinations: list[Destination] = []
    for index, raw in enumerate(_records(errors, data, "destinations")):
        path = f"destinations[{index}]"
        if not isinstance(raw, dict):
            errors.add(path, None, "must be an object")
            continue
        destination_id = _identifier(errors, f"{path}.id", raw.get("id"), destination_ids)
        weight = _number(errors, f"{path}.weight", raw.get("weight", 1.0), positive=True)
        requests = _quantities(errors, f"{path}.requests", raw.get("requests"), item_ids)
        for item_id, quantity in requests.items():
            if quantity > 0 and item_id not in stocked:
                errors.add(f"{path}.requests.{item_id}", item_id, f"no hub has {item_id!r}")
        if destination_id is not None and weight is not None:
            destinations.append(Destination(destination_id, weight, requests))
    routes: list[Route] = []
    pairs: set[tuple[str, str]] = set()
    for index, raw in enumerate(_records(errors, data, "routes", required=False)):
        path = f"routes[{index}]"
        if not isinstance(raw, dict):
            errors.add(path, None, "must be an object")
            continue
        hub, destination = raw.get("hub"), raw.get("destination")
        if hub not in hub_ids:
            errors.add(f"{path}.hub", hub, f"unknown hub {hub!r}")
        if destination not in destination_ids:
            errors.add(f"{path}.destination", destination, f"unknown destination {destination!r}")
        if (hub, destination) in pairs:
            errors.add(path, f"{hub}->{destination}", "duplicate route")
        cost = _number(errors, f"{path}.cost_per_kg", raw.get("cost_per_kg", 0.0))
        lead = raw.get("lead_days")
        lead_days = None if lead is None else _number(errors, f"{path}.lead_days", lead)
        raw_capacity = raw.get("capacity_kg")
        capacity = None if raw_capacity is None else _number(errors, f"{path}.capacity_kg", raw_capacity)
        if isinstance(hub, str) and isinstance(destination, str) and cost is not None:
            pairs.add((hub, destination))
            routes.append(Route(hub, destination, cost, lead_days, capacity))
    errors.raise_if_any()
    return Problem(tuple(items), tuple(hubs), tuple(destinations), tuple(routes))


def loads_problem(text: str | bytes, *, source: str | None = None) -> Problem:
    """Parse Problem JSON text; refuses more than ``MAX_PROBLEM_BYTES`` and text that is not JSON
    (see ``parse_json``)."""
    if len(text) > MAX_PROBLEM_BYTES:
        raise TooLarge(f"The problem is {len(text) / 1e6:.1f} MB; the limit is {MAX_PROBLEM_BYTES // (1024 * 1024)} MB")
    return parse_problem(parse_json(text, source=source))


def parse_json(text: str | bytes, *, source: str | None = None, what: str = "The problem") -> Any:
    """JSON text as Python values; ``Invalid`` naming the line and column (and ``source``, a file
    name, when given) when it is not JSON, or holds a NaN, an Infinity or a number no float can hold
    (``1e400``), which Python's json would otherwise take as numbers; or nests too deep."""
    where = f"{source}: " if source else ""
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite, parse_int=_finite_int)
    except json.JSONDecodeError as exc:
        detail = {"line": exc.lineno, "column": exc.colno, "value": exc.doc[exc.pos : exc.pos + 20], "reason": exc.msg}
        raise Invalid(f"{where}{what} is not valid JSON: {exc}", details=[_with_file(detail, source)]) from exc
    except UnicodeDecodeError as exc:
        detail = {"byte": exc.start, "reason": "not UTF-8"}
        message = f"{where}{what} is not UTF-8 text (byte {exc.start})"
        raise Invalid(message, details=[_with_file(detail, source)]) from exc
    except RecursionError as exc:
        raise Invalid(f"{where}{what} nests too deep to be read", details=[_with_file({}, source)]) from exc
    except ValueError as exc:
        found = _first_constant(text.decode("utf-8", "replace") if isinstance(text, bytes) else text)
        if found is None:
            raise Invalid(f"{where}{what} is not valid JSON: {exc}", details=[_with_file({}, source)]) from exc
        line, column, name = found
        detail = {"line": line, "column": column, "value": name, "reason": "not a number the allocation accepts"}
        raise Invalid(
            f"{where}{what} is not valid JSON: {name} at line {line} column {column} is not a number the "
            "allocation accepts",
            details=[_with_file(detail, source)],
        ) from exc


_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*(?:"|$)|(-?Infinity|NaN|-?\d[\d.eE+-]*)')
"""A string (to the end when it never closes: one pass, however broken the text) or, outside
strings, a constant or a number."""


def _first_constant(text: str) -> tuple[int, int, str] | None:
    """Line, column and text of the first NaN, Infinity or out-of-range number outside a string."""
    for match in _TOKENS.finditer(text):
        token = match.group(1)
        if token and (token.lstrip("-") in ("Infinity", "NaN") or not _in_range(token)):
            line = text.count("\n", 0, match.start()) + 1
            column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
            return line, column, token[:40]
    return None


def _in_range(token: str) -> bool:
    if len(token) > 330:
        return False
    try:
        return math.isfinite(float(token))
    except ValueError:
        return True  # not a number after all (a stray "1-2"): json says what is wrong with it


def _finite(token: str) -> float:
    number = float(token)
    if not math.isfinite(number):
        raise ValueError(f"{token[:40]} is out of range")
    return number


def _finite_int(token: str) -> int:
    if len(token.lstrip("-")) > 300:  # beyond any float (and Python reads at most 4,300 digits)
        raise ValueError(f"{token[:40]}... is out of range")
    return int(token)


def _with_file(detail: dict[str, Any], source: str | None) -> dict[str, Any]:
    return {"file": source, **detail} if source else detail


def read_problem(path: Path) -> Problem:
    """Read a Problem JSON file, refusing one over the size limit before reading it."""
    size = path.stat().st_size
    if size > MAX_PROBLEM_BYTES:
        raise TooLarge(
            f"{path.name} is {size / 1e6:.1f} MB; allocation problems are limited to "
            f"{MAX_PROBLEM_BYTES // (1024 * 1024)} MB"
        )
    return loads_problem(path.read_bytes(), source=path.name)


def _refuse_constant(name: str) -> float:
    # json accepts NaN and Infinity by default; a plan built on them would be silently wrong.
    raise ValueError(f"{name} is not a number the allocation accepts")
