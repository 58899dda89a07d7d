"""Helpers for the genomes tests: the shared SARS-CoV-2 dataset, small real subsets, and a submit helper."""

from __future__ import annotations

import datetime as dt
import gzip
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor
from solidarity.db import transaction
from solidarity.genomes import datasets, submission
from solidarity.genomes.submission import SubmissionResult
from solidarity.imports import OnError
from tests.cli.conftest import cli  # noqa: F401 - the CLI runner fixture

DATASET_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "sars-cov-2"
EXAMPLE_FASTA = DATASET_DIR / "example_sequences.fasta.gz"
EXAMPLE_METADATA = DATASET_DIR / "example_metadata.tsv"
TODAY = dt.date(2026, 1, 15)


def example_records() -> list[tuple[str, str]]:
    """(name, sequence) of the 418 example genomes, in file order."""
    records: list[tuple[str, str]] = []
    with gzip.open(EXAMPLE_FASTA, "rt") as stream:
        name, parts = None, []
        for line in stream:
            if line.startswith(">"):
                if name is not None:
                    records.append((name, "".join(parts)))
                name, parts = line[1:].strip(), []
            else:
                parts.append(line.strip())
        if name is not None:
            records.append((name, "".join(parts)))
    return records


def example_metadata() -> tuple[str, dict[str, str]]:
    """The example metadata's header line and each row's line by strain."""
    lines = EXAMPLE_METADATA.read_text(encoding="utf-8").splitlines()
    return lines[0], {line.split("\t", 1)[0]: line for line in lines[1:]}


@dataclass
class Batch:
    fasta: Path
    metadata: Path


@pytest.fixture
def write_batch(tmp_path: Path) -> Callable[..., Batch]:
    """Write a FASTA and a Nextstrain metadata TSV: ``write_batch([(name, seq)], rows=[...], gz=False)``."""
    counter = iter(range(1000))

    def write(
        records: list[tuple[str, str]], rows: list[str] | None = None, *, gz: bool = False, header: str | None = None
    ) -> Batch:
        n = next(counter)
        fasta_text = "".join(f">{name}\n{sequence}\n" for name, sequence in records)
        fasta = tmp_path / f"batch{n}.fasta{'.gz' if gz else ''}"
        fasta.write_bytes(gzip.compress(fasta_text.encode()) if gz else fasta_text.encode())
        default_header, by_name = example_metadata()
        lines = rows if rows is not None else [by_name[name] for name, _ in records if name in by_name]
        metadata = tmp_path / f"batch{n}.tsv"
        metadata.write_text("\n".join([header or default_header, *lines]) + "\n", encoding="utf-8")
        return Batch(fasta, metadata)

    return write


@pytest.fixture
def small_records() -> list[tuple[str, str]]:
    """Five distinct real genomes: Wuhan/Hu-1 and four Australian ones from the example set."""
    return example_records()[:1] + example_records()[2:6]


@pytest.fixture
def dataset(db: sessionmaker[Session], tmp_path: Path) -> str:
    """The shared SARS-CoV-2 dataset, registered; returns its name."""
    with transaction(db) as session:
        row, _ = datasets.register_dataset(session, Actor.system("test"), DATASET_DIR, tmp_path / "store")
        return row.name


Submitter = Callable[..., SubmissionResult]


@pytest.fixture
def submit(db: sessionmaker[Session], dataset: str) -> Submitter:
    """Submit a ``Batch`` through the service (one worker, TODAY as today) in its own transaction."""

    def run(
        batch: Batch,
        *,
        actor: Actor | None = None,
        on_error: OnError = OnError.SKIP,
        allow_incomplete_attribution: bool = True,
        workers: int = 1,
        **options: object,
    ) -> SubmissionResult:
        with transaction(db) as session, batch.fasta.open("rb") as fasta, batch.metadata.open("rb") as metadata:
            return submission.submit_genomes(
                session,
                actor or Actor.system("test"),
                fasta,
                batch.fasta.name,
                metadata,
                batch.metadata.name,
                on_error=on_error,
                allow_incomplete_attribution=allow_incomplete_attribution,
                workers=workers,
                today=TODAY,
                **options,  # type: ignore[arg-type]
            )

    return run
