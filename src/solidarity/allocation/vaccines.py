"""Vaccine rounds by COVAX-style rules: a public, explainable allocation without an optimiser.

One round, in order:

1. A humanitarian buffer (default 5% of the doses, rounded down) is held back.
2. Participants not ready (no deployment plan or no cold chain) are passed over; their share goes
   to the others because every step below divides only among the ready ones.
3. Phase 1, first tranche: doses in proportion to population until each ready participant covers
   3% of its population (health and care workers), never above what it requested.
4. Phase 1, rest: again in proportion to population until each covers 20%.
5. Phase 2: what remains, in proportion to population × threat-and-vulnerability score, never
   above what was requested. Doses no one can take are reported as unallocated.

Doses already received in earlier rounds count toward the 3% and 20% and against the request.
Each step is water-filling (``min(cap, μ·population)`` with the largest μ the doses allow) and
whole doses by largest remainder.

>>> result = allocate(parse_round({"doses": 1000, "participants": [
...     {"id": "A", "population": 10000, "requested": 5000},
...     {"id": "B", "population": 10000, "requested": 5000, "has_cold_chain": False}]}))
>>> [(p["id"], p["allocated"]) for p in result.as_dict()["participants"]], result.buffer
([('A', 950), ('B', 0)], 50)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from solidarity.allocation.objectives import water_fill
from solidarity.allocation.problem import MAX_PROBLEM_BYTES, parse_json
from solidarity.errors import Invalid, TooLarge


@dataclass(frozen=True)
class Participant:
    id: str
    population: float
    requested: float
    has_plan: bool = True
    has_cold_chain: bool = True
    threat_vulnerability: float = 1.0
    received: float = 0.0

    @property
    def is_ready(self) -> bool:
        return self.has_plan and self.has_cold_chain


@dataclass(frozen=True)
class Round:
    doses: int
    participants: tuple[Participant, ...]
    name: str = ""
    buffer_share: float = 0.05
    first_tranche_share: float = 0.03
    phase1_share: float = 0.20


@dataclass
class RoundResult:
    round: Round
    buffer: int
    tranche: list[int]
    phase1: list[int]
    phase2: list[int]
    explanation: list[list[str]] = field(default_factory=list)

    @property
    def unallocated(self) -> int:
        given = sum(self.tranche) + sum(self.phase1) + sum(self.phase2)
        return self.round.doses - self.buffer - given

    def as_dict(self) -> dict[str, Any]:
        participants = []
        for k, p in enumerate(self.round.participants):
            total = self.tranche[k] + self.phase1[k] + self.phase2[k]
            participants.append(
                {
                    "id": p.id,
                    "population": _whole(p.population),
                    "requested": _whole(p.requested),
                    "ready": p.is_ready,
                    "first_tranche": self.tranche[k],
                    "phase1": self.tranche[k] + self.phase1[k],
                    "phase2": self.phase2[k],
                    "allocated": total,
                    "coverage": round((p.received + total) / p.population, 6) if p.population else 0.0,
                    "explanation": self.explanation[k],
                }
            )
        return {
            "round": self.round.name,
            "doses": self.round.doses,
            "buffer": self.buffer,
            "allocated": sum(p["allocated"] for p in participants),
            "unallocated": self.unallocated,
            "participants": participants,
        }


def allocate(round_: Round) -> RoundResult:
    """Allocate one round; see the module docstring for the rules."""
    people = round_.participants
    n = len(people)
    buffer = math.floor(round_.doses * round_.buffer_share + 1e-9)
    available = round_.doses - buffer
    ready = np.array([p.is_ready for p in people], dtype=bool)
    population = np.array([p.population for p in people], dtype=np.float64)
    room = np.array([max(0.0, p.requested - p.received) for p in people])
    received = np.array([p.received for p in people])

    tranche_cap = np.where(
        ready, np.minimum(room, np.maximum(0.0, round_.first_tranche_share * population - received)), 0.0
    )
    tranche = _share(tranche_cap, population, available)
    available -= int(tranche.sum())
    phase1_cap = np.where(
        ready, np.minimum(room - tranche, np.maximum(0.0, round_.phase1_share * population - received - tranche)), 0.0
    )
    phase1 = _share(np.maximum(phase1_cap, 0.0), population, available)
    available -= int(phase1.sum())
    scores = np.array([max(0.0, p.threat_vulnerability) for p in people])
    phase2_cap = np.where(ready & (scores > 0), np.maximum(room - tranche - phase1, 0.0), 0.0)
    phase2 = _share(phase2_cap, population * scores, available)

    result = RoundResult(round_, buffer, tranche.astype(int).tolist(), phase1.astype(int).tolist(), [])
    result.phase2 = phase2.astype(int).tolist()
    for k in range(n):
        result.explanation.append(_explain(round_, people[k], tranche[k], phase1[k], phase2[k], tranche_cap[k]))
    return result


def _share(caps: np.ndarray, weights: np.ndarray, doses: int) -> np.ndarray:
    """Whole doses ``min(cap, μ·weight)`` with the largest μ that fits ``doses``, by largest remainder."""
    caps = np.floor(caps + 1e-9)
    eligible = (caps > 0) & (weights > 0)
    give = np.zeros(len(caps))
    if not eligible.any() or doses <= 0:
        return give
    fills = water_fill(caps[eligible], weights[eligible] / caps[eligible], float(doses))
    exact = caps[eligible] * fills
    whole = np.floor(exact + 1e-9)
    short = int(min(doses, math.floor(exact.sum() + 1e-9)) - whole.sum())
    order = np.argsort(-(exact - whole), kind="stable")
    for k in order[: max(short, 0)]:
        if whole[k] < caps[eligible][k]:
            whole[k] += 1
    give[eligible] = whole
    return give


def _explain(
    round_: Round, p: Participant, tranche: float, phase1: float, phase2: float, tranche_cap: float
) -> list[str]:
    if not p.is_ready:
        missing = [name for name, ok in (("deployment plan", p.has_plan), ("cold chain", p.has_cold_chain)) if not ok]
        return [f"Passed over: not ready (no {' and no '.join(missing)}); its share went to the others."]
    lines = []
    coverage = (p.received + tranche) / p.population if p.population else 0.0
    reason = "its full first tranche" if tranche >= tranche_cap - 1e-9 else "less than 3%: the doses ran out"
    lines.append(
        f"First tranche for health and care workers ({round_.first_tranche_share:.0%}): {int(tranche):,} doses, "
        f"{reason}; coverage {coverage:.2%}."
    )
    total1 = p.received + tranche + phase1
    target = round_.phase1_share * p.population
    if p.received + tranche + phase1 >= p.requested - 1e-9:
        why = "capped at its request"
    elif total1 >= target - 1:
        why = f"reached {round_.phase1_share:.0%} of its population"
    else:
        why = "the doses ran out before every participant reached the target"
    lines.append(
        f"Phase 1 to {round_.phase1_share:.0%}: {int(phase1):,} more doses; {why}; "
        f"coverage {total1 / p.population:.2%}."
    )
    if phase2 > 0 or p.threat_vulnerability > 0:
        lines.append(
            f"Phase 2 by threat and vulnerability (score {p.threat_vulnerability:g}): {int(phase2):,} doses; "
            f"coverage {(total1 + phase2) / p.population:.2%}."
        )
    return lines


def parse_round(data: Any) -> Round:
    """Check a ROUND.json object (shape in docs/allocation.md); raises ``Invalid`` naming the field."""
    if not isinstance(data, dict):
        raise Invalid("A vaccine round must be a JSON object with doses and participants")
    details: list[dict[str, Any]] = []

    def number(path: str, value: Any, *, upper: float | None = None) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            details.append({"field": path, "value": value, "reason": "must be a finite number ≥ 0"})
            return 0.0
        if upper is not None and value > upper:
            details.append({"field": path, "value": value, "reason": f"must be at most {upper}"})
        return float(value)

    doses = number("doses", data.get("doses"))
    shares = {
        key: number(key, data.get(key, default), upper=1.0)
        for key, default in (("buffer_share", 0.05), ("first_tranche_share", 0.03), ("phase1_share", 0.20))
    }
    raw_participants = data.get("participants")
    if not isinstance(raw_participants, list):
        raise Invalid("participants: must be a list", details=[{"field": "participants", "reason": "must be a list"}])
    participants: list[Participant] = []
    seen: set[str] = set()
    for k, raw in enumerate(raw_participants):
        path = f"participants[{k}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or raw["id"] in seen:
            details.append({"field": f"{path}.id", "value": None, "reason": "a unique string id is required"})
            continue
        seen.add(raw["id"])
        population = number(f"{path}.population", raw.get("population"))
        if population == 0:
            details.append({"field": f"{path}.population", "value": 0, "reason": "must be greater than zero"})
        participants.append(
            Participant(
                id=raw["id"],
                population=population,
                requested=number(f"{path}.requested", raw.get("requested")),
                has_plan=bool(raw.get("has_plan", True)),
                has_cold_chain=bool(raw.get("has_cold_chain", True)),
                threat_vulnerability=number(f"{path}.threat_vulnerability", raw.get("threat_vulnerability", 1.0)),
                received=number(f"{path}.received", raw.get("received", 0)),
            )
        )
    if details:
        raise Invalid(f"The vaccine round is invalid: {details[0]['field']}: {details[0]['reason']}", details=details)
    return Round(
        doses=int(doses),
        participants=tuple(participants),
        name=str(data.get("round", "")),
        buffer_share=shares["buffer_share"],
        first_tranche_share=shares["first_tranche_share"],
        phase1_share=shares["phase1_share"],
    )


def read_round(path: Path) -> Round:
    """Read ROUND.json, refusing a file over the problem size limit before reading it."""
    if path.stat().st_size > MAX_PROBLEM_BYTES:
        raise TooLarge(f"{path.name} is larger than {MAX_PROBLEM_BYTES // (1024 * 1024)} MB")
    return parse_round(parse_json(path.read_bytes(), source=path.name, what="The round"))


def _whole(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
