"""Genomes demo: nothing is invented. Real genomes need a real dataset, which the product does not ship.

``load`` registers a pathogen dataset only when given its directory (for example the shared
SARS-CoV-2 example, see docs/genomes.md); a synthetic genome set would mislead, so there is none.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.genomes import datasets


@dataclass
class DemoGenomes:
    created: int


def load(session: Session, actor: Actor, dataset_dir: Path | None = None, store_dir: Path | None = None) -> DemoGenomes:
    """Register ``dataset_dir`` as a pathogen dataset when both directories are given; idempotent."""
    if dataset_dir is None or store_dir is None:
        return DemoGenomes(created=0)
    _, created = datasets.register_dataset(session, actor, dataset_dir, store_dir)
    return DemoGenomes(created=int(created))
