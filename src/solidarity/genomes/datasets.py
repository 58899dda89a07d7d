"""Registering pathogen datasets, and finding the one a submission or search means.

A registered dataset's four files are copied under ``<data_dir>/genomes/datasets/<name>/<version>``,
so the platform never depends on the directory it was registered from. Several pathogens and
several versions of each coexist; "the" dataset of a name is its latest registration.
"""

from __future__ import annotations

import functools
import hashlib
import shutil
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.audit import service as audit
from solidarity.errors import Conflict, Forbidden, Invalid, NotFound
from solidarity.genomes.analysis.dataset import DATASET_FILES, PathogenDataset, load_dataset
from solidarity.genomes.models import PathogenDatasetRow

MODULE = "genomes"


def register_dataset(
    session: Session, actor: Actor, directory: Path, store_dir: Path, *, name: str | None = None
) -> tuple[PathogenDatasetRow, bool]:
    """Register a dataset directory; return the row and whether it is new.

    The same files under the same name register once (a second call returns the first row).
    Raises ``Invalid`` naming the file and line when a file is malformed, ``Conflict`` when the
    name and version exist with other files, ``Forbidden`` unless the actor coordinates genomes.
    """
    actor.require_authenticated()
    if not actor.coordinates(MODULE):
        raise Forbidden(f"{actor.label} may not register pathogen datasets: genomes coordinators and admins do")
    dataset = load_dataset(directory, name=name.strip() if name else None)
    hashes = {file: hashlib.sha256((directory / file).read_bytes()).hexdigest() for file in DATASET_FILES}
    existing = session.scalar(
        select(PathogenDatasetRow).where(
            PathogenDatasetRow.name == dataset.name, PathogenDatasetRow.version == dataset.version
        )
    )
    if existing is not None:
        if existing.files_sha256 != hashes:
            raise Conflict(
                f"Dataset {dataset.name} version {dataset.version} exists with other files",
                details={"existing_id": existing.id},
            )
        return existing, False
    target = store_dir / "genomes" / "datasets" / _safe(dataset.name) / _safe(dataset.version)
    target.mkdir(parents=True, exist_ok=True)
    for file in DATASET_FILES:
        shutil.copyfile(directory / file, target / file)
    row = PathogenDatasetRow(
        name=dataset.name,
        version=dataset.version,
        directory=str(target.resolve()),
        files_sha256=hashes,
        reference_length=len(dataset.reference),
        registered_by=actor.label,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        module=MODULE,
        action="register_dataset",
        entity_type="genome_dataset",
        entity_id=row.id,
        after=audit.snapshot(row),
    )
    return row, True


def _safe(text: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in text).strip(".")
    if not cleaned:
        raise Invalid(f"Dataset name {text!r} has no usable characters", details=[{"field": "name", "value": text}])
    return cleaned


def list_datasets(session: Session) -> list[PathogenDatasetRow]:
    return list(session.scalars(select(PathogenDatasetRow).order_by(PathogenDatasetRow.name, PathogenDatasetRow.id)))


def find_dataset(session: Session, name: str | None) -> PathogenDatasetRow:
    """The latest registration of ``name`` (or, without a name, the only pathogen registered).

    Raises ``NotFound`` when there is none, ``Invalid`` when no name is given and several exist.
    """
    query = select(PathogenDatasetRow).order_by(PathogenDatasetRow.id.desc())
    if name:
        row = session.scalar(query.where(PathogenDatasetRow.name == name).limit(1))
        if row is None:
            raise NotFound(f"No pathogen dataset named {name!r}; register one with 'solidarity genomes dataset add'")
        return row
    rows = list(session.scalars(query))
    if not rows:
        raise NotFound("No pathogen dataset is registered; register one with 'solidarity genomes dataset add'")
    if len({row.name for row in rows}) > 1:
        names = ", ".join(sorted({row.name for row in rows}))
        raise Invalid(f"Several pathogens are registered ({names}): name the dataset", details=[{"field": "dataset"}])
    return rows[0]


def load_registered(row: PathogenDatasetRow) -> PathogenDataset:
    """The analysis dataset of a registered row (read once per process and version)."""
    return _load(row.directory, row.name, row.version)


@functools.lru_cache(maxsize=8)
def _load(directory: str, name: str, version: str) -> PathogenDataset:
    return load_dataset(Path(directory), name=name, version=version)
