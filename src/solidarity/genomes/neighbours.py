"""Nearest neighbours of a stored or uploaded genome, by exact mutation distance.

The distance is ``distance.distance``: substitution and deleted-site tokens in one genome and not
the other, ignoring sites missing (N) in either genome; ties go to the older accession. Queries run
on an in-memory ``index.MutationIndex`` per dataset, loaded from the inverted index in the database
(``genome_mutations``, ``genome_missing_ranges``) the first time and refreshed when genomes were
added since, by loading only the new ones. Each process (web worker, CLI) keeps its own, so several
workers on one PostgreSQL stay consistent with the database: every query first compares the
dataset's genome count and highest id with what its index holds.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from solidarity.errors import Invalid
from solidarity.genomes import datasets
from solidarity.genomes.analysis import pipeline
from solidarity.genomes.distance import Profile, site_of
from solidarity.genomes.index import MutationIndex, encode
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
    ids: list[int]
    tokens: list[list[int]]
    missing: list[list[tuple[int, int]]]
    index: MutationIndex

    def position(self, genome_id: int) -> int | None:
        low, high = 0, len(self.ids)
        while low < high:
            middle = (low + high) // 2
            if self.ids[middle] < genome_id:
                low = middle + 1
            else:
                high = middle
        return low if low < len(self.ids) and self.ids[low] == genome_id else None


_lock = threading.Lock()
_snapshots: weakref.WeakKeyDictionary[Any, dict[int, _Snapshot]] = weakref.WeakKeyDictionary()


def token_code(token: str) -> int:
    """The integer ``MutationIndex`` token of a substitution (``C241T``) or deleted site (``del:241``).

    >>> token_code("del:241") == encode(241, "-"), token_code("C241T") == encode(241, "T")
    (True, True)
    """
    if token.startswith("del:"):
        return encode(int(token[4:]), "-")
    return encode(site_of(token), token[-1])


def _load(
    session: Session, dataset_id: int, after: int
) -> tuple[list[int], list[list[int]], list[list[tuple[int, int]]]]:
    ids = list(
        session.scalars(select(Genome.id).where(Genome.dataset_id == dataset_id, Genome.id > after).order_by(Genome.id))
    )
    tokens: dict[int, list[int]] = defaultdict(list)
    rows = session.execute(
        select(GenomeMutation.genome_id, GenomeMutation.mutation)
        .join(Genome, Genome.id == GenomeMutation.genome_id)
        .where(Genome.dataset_id == dataset_id, Genome.id > after, GenomeMutation.kind.in_(("nuc", "site")))
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
        .where(Genome.dataset_id == dataset_id, Genome.id > after)
    )
    for genome_id, start, end in ranges:
        missing[genome_id].append((start, end))
    return ids, [tokens.get(i, []) for i in ids], [sorted(missing.get(i, [])) for i in ids]


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
        grows = current is not None and max_id > current.max_id and count > current.count
        base = current if grows and current is not None else None
        ids, tokens, missing = _load(session, dataset_id, base.max_id if base else 0)
        if base is not None:
            ids, tokens, missing = base.ids + ids, base.tokens + tokens, base.missing + missing
        if len(ids) != count:  # genomes went away or ids were reused: start again from the database
            ids, tokens, missing = _load(session, dataset_id, 0)
        snapshot = _Snapshot(
            len(ids), ids[-1] if ids else 0, ids, tokens, missing, MutationIndex.build(tokens, missing)
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
    if not snapshot.ids:
        return []
    position = snapshot.position(exclude) if exclude is not None else None
    found = snapshot.index.nearest(
        [token_code(token) for token in query.tokens], list(query.missing), k, exclude=position
    )
    found = [(d, p) for d, p in found if p != position]
    wanted = [snapshot.ids[p] for _, p in found]
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
