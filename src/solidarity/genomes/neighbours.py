"""Nearest neighbours of a stored or uploaded genome, by exact mutation distance.

The distance is ``distance.distance``: substitution and deleted-site tokens in one genome and not
the other, ignoring sites missing (N) in either genome; ties go to the older accession. Queries run
on an in-memory ``index.MutationIndex`` per dataset, loaded the first time from each genome's packed
profile (``GenomeResult.index_tokens`` and ``index_missing``, one row per genome; rows stored before
migration 0012 from ``genome_mutations`` and ``genome_missing_ranges``) and refreshed when genomes
were added since, by loading only the new ones and extending it (no rebuild). Each process (web
worker, CLI) keeps its own, so several workers on one PostgreSQL stay consistent with the database:
every query first compares the dataset's genome count and highest id with what its index holds.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from solidarity.errors import Invalid
from solidarity.genomes import datasets
from solidarity.genomes.analysis import pipeline
from solidarity.genomes.distance import Profile
from solidarity.genomes.index import IntArray, MutationIndex, token_code, unpack
from solidarity.genomes.models import Genome, GenomeMissingRange, GenomeMutation, GenomeResult
from solidarity.genomes.queries import get_genome

DEFAULT_K = 10
MAX_K = 1000


@dataclass(frozen=True)
class Neighbour:
    accession: str
    virus_name: str
    distance: int
    clade: str | None
    country: str | None
    collection_date: dt.date | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "accession": self.accession,
            "virus_name": self.virus_name,
            "distance": self.distance,
            "clade": self.clade,
            "country": self.country,
            "collection_date": self.collection_date.isoformat() if self.collection_date else None,
        }


@dataclass(frozen=True)
class _Snapshot:
    count: int
    max_id: int
    ids: IntArray
    index: MutationIndex

    def position(self, genome_id: int) -> int | None:
        at = int(np.searchsorted(self.ids, genome_id))
        return at if at < self.ids.shape[0] and int(self.ids[at]) == genome_id else None


_lock = threading.Lock()
_snapshots: weakref.WeakKeyDictionary[Any, dict[int, _Snapshot]] = weakref.WeakKeyDictionary()
_EMPTY = np.zeros(0, dtype=np.int64)


def _load_from_rows(
    session: Session, dataset_id: int, after: int
) -> tuple[dict[int, list[int]], dict[int, list[tuple[int, int]]]]:
    """Tokens and missing ranges from ``genome_mutations`` and ``genome_missing_ranges``: rows stored before 0012."""
    tokens: dict[int, list[int]] = defaultdict(list)
    rows = session.execute(
        select(GenomeMutation.genome_id, GenomeMutation.mutation)
        .join(Genome, Genome.id == GenomeMutation.genome_id)
        .join(GenomeResult, GenomeResult.genome_id == Genome.id)
        .where(
            Genome.dataset_id == dataset_id,
            Genome.id > after,
            GenomeMutation.kind.in_(("nuc", "site")),
            GenomeResult.index_tokens.is_(None),
        )
    )
    codes: dict[str, int] = {}  # a few thousand distinct mutations across a million rows
    for genome_id, mutation in rows:
        code = codes.get(mutation)
        if code is None:
            code = codes[mutation] = token_code(mutation)
        tokens[genome_id].append(code)
    missing: dict[int, list[tuple[int, int]]] = defaultdict(list)
    ranges = session.execute(
        select(GenomeMissingRange.genome_id, GenomeMissingRange.start, GenomeMissingRange.end)
        .join(Genome, Genome.id == GenomeMissingRange.genome_id)
        .join(GenomeResult, GenomeResult.genome_id == Genome.id)
        .where(Genome.dataset_id == dataset_id, Genome.id > after, GenomeResult.index_tokens.is_(None))
    )
    for genome_id, start, end in ranges:
        missing[genome_id].append((start, end))
    return tokens, missing


def _load(
    session: Session, dataset_id: int, after: int
) -> tuple[IntArray, IntArray, IntArray, list[list[tuple[int, int]]]]:
    """Ids, tokens end to end, token counts and missing ranges of the dataset's genomes past id ``after``.

    One row per genome: the packed profile on ``genome_results`` (a million index rows at 20,000
    genomes would take seconds to read and parse).
    """
    rows = session.execute(
        select(Genome.id, GenomeResult.index_tokens, GenomeResult.index_missing)
        .outerjoin(GenomeResult, GenomeResult.genome_id == Genome.id)
        .where(Genome.dataset_id == dataset_id, Genome.id > after)
        .order_by(Genome.id)
    ).all()
    legacy: tuple[dict[int, list[int]], dict[int, list[tuple[int, int]]]] | None = None
    ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    parts: list[IntArray] = []
    missing: list[list[tuple[int, int]]] = []
    for genome_id, tokens_blob, missing_blob in rows:
        if tokens_blob is None:
            if legacy is None:
                legacy = _load_from_rows(session, dataset_id, after)
            parts.append(np.asarray(sorted(set(legacy[0].get(genome_id, []))), dtype=np.int64))
            missing.append(sorted(legacy[1].get(genome_id, [])))
        else:
            parts.append(unpack(tokens_blob))
            pairs = unpack(missing_blob or b"").tolist()
            missing.append(list(zip(pairs[0::2], pairs[1::2], strict=True)))
    sizes = np.fromiter((part.shape[0] for part in parts), dtype=np.int64, count=len(parts))
    flat = np.concatenate(parts) if parts else _EMPTY
    return ids, flat, sizes, missing


def _snapshot(session: Session, dataset_id: int) -> _Snapshot:
    count, max_id = session.execute(
        select(func.count(Genome.id), func.max(Genome.id)).where(Genome.dataset_id == dataset_id)
    ).one()
    max_id = max_id or 0
    bind = session.get_bind()
    with _lock:
        per_bind = _snapshots.setdefault(bind, {})
        current = per_bind.get(dataset_id)
        if current is not None and (current.count, current.max_id) == (count, max_id):
            return current
        snapshot = None
        if current is not None and max_id > current.max_id and count > current.count:
            ids, flat, sizes, missing = _load(session, dataset_id, current.max_id)
            if current.count + ids.shape[0] == count:  # only new genomes: extend the index, no rebuild
                snapshot = _Snapshot(
                    count, max_id, np.concatenate([current.ids, ids]), current.index.extended(flat, sizes, missing)
                )
        if snapshot is None:  # first query, or genomes went away or ids were reused: from the database
            ids, flat, sizes, missing = _load(session, dataset_id, 0)
            snapshot = _Snapshot(
                int(ids.shape[0]),
                int(ids[-1]) if ids.shape[0] else 0,
                ids,
                MutationIndex.from_flat(flat, sizes, missing),
            )
        per_bind[dataset_id] = snapshot
        return snapshot


def nearest(
    session: Session, dataset_id: int, query: Profile, k: int = DEFAULT_K, *, exclude: int | None = None
) -> list[Neighbour]:
    """The ``k`` genomes of a dataset nearest ``query`` (genome ``exclude`` left out), nearest first.

    Raises ``Invalid`` when ``k`` is outside 1 to ``MAX_K``.
    """
    if not 1 <= k <= MAX_K:
        raise Invalid(f"k must be between 1 and {MAX_K}", details=[{"field": "k", "value": k}])
    snapshot = _snapshot(session, dataset_id)
    if not snapshot.count:
        return []
    position = snapshot.position(exclude) if exclude is not None else None
    found = snapshot.index.nearest(
        [token_code(token) for token in query.tokens], list(query.missing), k, exclude=position
    )
    found = [(d, p) for d, p in found if p != position]
    wanted = [int(snapshot.ids[p]) for _, p in found]
    details = {
        genome.id: (genome, result)
        for genome, result in session.execute(
            select(Genome, GenomeResult)
            .join(GenomeResult, GenomeResult.genome_id == Genome.id)
            .where(Genome.id.in_(wanted))
        )
    }
    neighbours = []
    for (d, _), genome_id in zip(found, wanted, strict=True):
        genome, result = details[genome_id]
        neighbours.append(
            Neighbour(
                genome.accession or "", genome.virus_name, d, result.clade, genome.country_code, genome.collection_date
            )
        )
    return neighbours


def neighbours_of(session: Session, accession: str, k: int = DEFAULT_K) -> list[Neighbour]:
    """The ``k`` stored genomes nearest to a stored one (itself excluded); raises ``NotFound``."""
    row = get_genome(session, accession)
    profile = Profile.from_analysis(row.result.analysis)
    return nearest(session, row.genome.dataset_id, profile, k, exclude=row.genome.id)


def neighbours_of_sequence(
    session: Session, sequence: str, *, dataset: str | None = None, k: int = DEFAULT_K
) -> list[Neighbour]:
    """The ``k`` stored genomes nearest to an uploaded sequence (analysed, not stored).

    Raises ``Invalid`` when the sequence cannot be analysed (empty, not IUPAC, aligns to nothing).
    """
    dataset_row = datasets.find_dataset(session, dataset)
    analysis = pipeline.analyse(datasets.load_registered(dataset_row), "query", sequence)
    return nearest(session, dataset_row.id, Profile.from_analysis(analysis.as_dict()), k)
