"""Demo allocation: a clearly labelled problem from Guangzhou and Dubai hubs to twelve countries, stored
as a draft plan, and a demo vaccine round. The figures are invented for the demonstration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.allocation import service
from solidarity.allocation.models import AllocationPlan

DEMO_TITLE = "Demo: masks, ventilators and test kits from Guangzhou and Dubai (invented figures)"

_DESTINATIONS = [
    ("IRQ", 1.6, 60000, 40, 20000),
    ("IRN", 1.8, 90000, 80, 30000),
    ("ITA", 1.4, 120000, 120, 50000),
    ("SRB", 1.0, 30000, 20, 8000),
    ("PAK", 1.3, 80000, 60, 25000),
    ("VEN", 1.2, 40000, 25, 10000),
    ("PHL", 1.1, 50000, 30, 15000),
    ("ETH", 1.5, 45000, 30, 12000),
    ("KHM", 0.9, 20000, 10, 5000),
    ("LAO", 0.9, 15000, 8, 4000),
    ("NGA", 1.4, 70000, 50, 20000),
    ("PER", 1.2, 50000, 35, 15000),
]

DEMO_PROBLEM: dict[str, Any] = {
    "items": [
        {"id": "masks", "unit_weight_kg": 0.004},
        {"id": "ventilators", "unit_weight_kg": 30.0},
        {"id": "test_kits", "unit_weight_kg": 0.05},
    ],
    "hubs": [
        {"id": "Guangzhou", "stock": {"masks": 400000, "ventilators": 250, "test_kits": 120000}},
        {"id": "Dubai", "stock": {"masks": 150000, "ventilators": 80, "test_kits": 40000}},
    ],
    "destinations": [
        {"id": code, "weight": weight, "requests": {"masks": masks, "ventilators": vents, "test_kits": kits}}
        for code, weight, masks, vents, kits in _DESTINATIONS
    ],
    "routes": [
        {
            "hub": hub,
            "destination": code,
            "cost_per_kg": cost,
            "lead_days": days,
            "capacity_kg": 2000 if code in {"VEN", "PER"} and hub == "Guangzhou" else None,
        }
        for hub, cost, days in (("Guangzhou", 3.0, 6), ("Dubai", 2.0, 4))
        for code, *_ in _DESTINATIONS
    ],
}

DEMO_ROUND: dict[str, Any] = {
    "round": "Demo round 1 (invented figures)",
    "doses": 20_000_000,
    "buffer_share": 0.05,
    "participants": [
        {"id": "ETH", "population": 115_000_000, "requested": 30_000_000, "threat_vulnerability": 0.6},
        {"id": "PAK", "population": 220_000_000, "requested": 50_000_000, "threat_vulnerability": 0.7},
        {"id": "PHL", "population": 110_000_000, "requested": 25_000_000, "threat_vulnerability": 0.8},
        {"id": "KHM", "population": 16_700_000, "requested": 4_000_000, "threat_vulnerability": 0.5},
        {"id": "LAO", "population": 7_300_000, "requested": 1_500_000, "has_cold_chain": False},
        {"id": "PER", "population": 33_000_000, "requested": 10_000_000, "threat_vulnerability": 1.0},
    ],
}


@dataclass
class DemoAllocation:
    created: int


def load(session: Session, actor: Actor) -> DemoAllocation:
    """Store the demo problem's max-min plan as a draft, once."""
    if session.scalar(select(AllocationPlan.id).where(AllocationPlan.title == DEMO_TITLE)) is not None:
        return DemoAllocation(0)
    service.create_plan(session, actor, DEMO_PROBLEM, objective="maxmin", title=DEMO_TITLE)
    return DemoAllocation(1)
