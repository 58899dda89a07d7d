"""An in-memory inverted index for nearest-neighbour queries over very many genomes (numpy).

Pure: no database. It computes the same exact distance as ``distance.distance`` and
``queries.nearest`` (tokens in one genome and not the other, ignoring sites missing in either),
with the same decomposition ``|Q| + |G| - 2·shared - masked_by_query - masked_by_genome``, but every
term is a ``numpy.bincount`` over posting lists, so one query over a million genomes costs a few
passes over the postings it touches. Tokens are integers ``site * STRIDE + allele`` (allele 0-3 for
A, C, G, T, 4 for a deleted site, then the other IUPAC codes). ``queries.nearest`` keeps one per
dataset, loaded from the database; the benchmark also builds it directly from generated genomes.

>>> index = MutationIndex.build(
...     [[encode(241, "T"), encode(3037, "T")], [encode(241, "T")], []],
...     [[], [(3000, 3100)], []],
... )
>>> index.nearest([encode(241, "T"), encode(3037, "T")], [], k=3)
[(0, 0), (0, 1), (2, 2)]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from solidarity.genomes.distance import deleted_sites, parse_range, site_of

ALLELES = {allele: code for code, allele in enumerate("ACGT-RYSWKMBDHVN")}
STRIDE = 16
BLOCK = 256
IntArray = npt.NDArray[np.int64]


def encode(site: int, allele: str) -> int:
    """The integer token of an allele at a site (``-`` for a deleted site)."""
    return site * STRIDE + ALLELES[allele]


def token_site(token: int) -> int:
    return token // STRIDE


def pack(values: Sequence[int]) -> bytes:
    """Integers as int32 little-endian bytes: how a genome's tokens and missing ranges are stored.

    >>> unpack(pack([encode(241, "T"), 7])).tolist() == [encode(241, "T"), 7]
    True
    """
    return np.asarray(values, dtype="<i4").tobytes()


def unpack(blob: bytes) -> IntArray:
    return np.frombuffer(blob, dtype="<i4").astype(np.int64)


def token_code(token: str) -> int:
    """The integer ``MutationIndex`` token of a substitution (``C241T``) or deleted site (``del:241``).

    >>> token_code("del:241") == encode(241, "-"), token_code("C241T") == encode(241, "T")
    (True, True)
    """
    if token.startswith("del:"):
        return encode(int(token[4:]), "-")
    return encode(site_of(token), token[-1])


def index_profile(analysis: dict[str, Any]) -> tuple[bytes, bytes]:
    """What ``GenomeResult.index_tokens`` and ``index_missing`` hold for an analysis: packed int32.

    >>> tokens, missing = index_profile({"substitutions": ["C241T"], "deletions": ["5-6"], "missing": ["1-54"]})
    >>> unpack(tokens).tolist() == sorted([encode(241, "T"), encode(5, "-"), encode(6, "-")])
    True
    >>> unpack(missing).tolist()
    [1, 54]
    """
    tokens = {token_code(token) for token in analysis.get("substitutions", [])}
    tokens.update(encode(site, "-") for site in deleted_sites(analysis.get("deletions", [])))
    ranges = [value for item in analysis.get("missing", []) for value in parse_range(item)]
    return pack(sorted(tokens)), pack(ranges)


class MutationIndex:
    """Posting lists per token, genome sizes and a block index of missing ranges."""

    def __init__(
        self,
        postings: dict[int, IntArray],
        complements: dict[int, IntArray],
        sizes: IntArray,
        token_sites: IntArray,
        token_ids: IntArray,
        missing_blocks: dict[int, tuple[IntArray, IntArray, IntArray]],
    ) -> None:
        self.postings = postings
        self.complements = complements  # tokens most genomes carry: the genomes *without* them
        self.sizes = sizes
        self.token_sites = token_sites  # sorted sites of the tokens in ``token_ids`` order
        self.token_ids = token_ids
        self.missing_blocks = missing_blocks

    @property
    def genome_count(self) -> int:
        return int(self.sizes.shape[0])

    @classmethod
    def build(cls, genomes: Sequence[Sequence[int]], missing: Sequence[Sequence[tuple[int, int]]]) -> MutationIndex:
        """Index ``genomes`` (token lists) with their missing ranges (1-based inclusive), genome i at id i."""
        sizes = np.fromiter((len(tokens) for tokens in genomes), dtype=np.int64, count=len(genomes))
        flat = np.fromiter((t for tokens in genomes for t in tokens), dtype=np.int64, count=int(sizes.sum()))
        return cls.from_flat(flat, sizes, missing)

    @classmethod
    def from_flat(cls, flat: IntArray, sizes: IntArray, missing: Sequence[Sequence[tuple[int, int]]]) -> MutationIndex:
        """The same from every genome's tokens end to end (``flat``) and each genome's count (``sizes``)."""
        genomes = range(sizes.shape[0])
        owners = np.repeat(np.arange(len(genomes), dtype=np.int64), sizes)
        order = np.argsort(flat, kind="stable")
        flat, owners = flat[order], owners[order]
        unique, starts = np.unique(flat, return_index=True)
        bounds = [*starts.tolist(), len(flat)]
        postings = {int(token): owners[bounds[i] : bounds[i + 1]] for i, token in enumerate(unique)}
        everyone = np.arange(len(genomes), dtype=np.int64)
        complements = {
            token: np.setdiff1d(everyone, genome_ids, assume_unique=True)
            for token, genome_ids in postings.items()
            if genome_ids.size * 2 > len(genomes)
        }
        for token in complements:
            del postings[token]
        sites = unique // STRIDE
        site_order = np.argsort(sites, kind="stable")
        blocks: dict[int, list[tuple[int, int, int]]] = {}
        for genome, ranges in enumerate(missing):
            for start, end in ranges:
                for block in range(start // BLOCK, end // BLOCK + 1):
                    blocks.setdefault(block, []).append((genome, start, end))
        missing_blocks = {
            block: (
                np.array([r[0] for r in rows], dtype=np.int64),
                np.array([r[1] for r in rows], dtype=np.int64),
                np.array([r[2] for r in rows], dtype=np.int64),
            )
            for block, rows in blocks.items()
        }
        return cls(postings, complements, sizes, sites[site_order], unique[site_order], missing_blocks)

    def extended(self, flat: IntArray, sizes: IntArray, missing: Sequence[Sequence[tuple[int, int]]]) -> MutationIndex:
        """A new index with more genomes (ids from ``genome_count`` on), sharing what did not change.

        The same answers as building everything again, for the cost of the new genomes' postings (a
        rebuild takes seconds at a million genomes). Tokens stay rare or common as first classified.
        """
        base, added = self.genome_count, int(sizes.shape[0])
        if added == 0:
            return self
        new_ids = np.arange(base, base + added, dtype=np.int64)
        owners = np.repeat(new_ids, sizes)
        order = np.argsort(flat, kind="stable")
        flat, owners = flat[order], owners[order]
        unique, starts = np.unique(flat, return_index=True)
        bounds = [*starts.tolist(), len(flat)]
        carried = {int(token): owners[bounds[i] : bounds[i + 1]] for i, token in enumerate(unique)}
        complements = {}
        for token, without in self.complements.items():
            lacking = np.setdiff1d(new_ids, carried.get(token, owners[:0]), assume_unique=True)
            complements[token] = np.concatenate([without, lacking])
        postings = dict(self.postings)
        fresh = []
        for token, genome_ids in carried.items():
            if token in complements:
                continue
            existing = postings.get(token)
            if existing is None:
                fresh.append(token)
                postings[token] = genome_ids
            else:
                postings[token] = np.concatenate([existing, genome_ids])
        token_ids = self.token_ids
        if fresh:  # a token's site is token // STRIDE, so sorting by token sorts by site
            token_ids = np.sort(np.concatenate([token_ids, np.asarray(fresh, dtype=np.int64)]))
        missing_blocks = dict(self.missing_blocks)
        rows: dict[int, list[tuple[int, int, int]]] = {}
        for offset, ranges in enumerate(missing):
            for start, end in ranges:
                for block in range(start // BLOCK, end // BLOCK + 1):
                    rows.setdefault(block, []).append((base + offset, start, end))
        for block, items in rows.items():
            more = tuple(np.array([item[i] for item in items], dtype=np.int64) for i in range(3))
            old = missing_blocks.get(block)
            missing_blocks[block] = (
                (more[0], more[1], more[2])
                if old is None
                else (
                    np.concatenate([old[0], more[0]]),
                    np.concatenate([old[1], more[1]]),
                    np.concatenate([old[2], more[2]]),
                )
            )
        return MutationIndex(
            postings,
            complements,
            np.concatenate([self.sizes, sizes.astype(np.int64)]),
            token_ids // STRIDE,
            token_ids,
            missing_blocks,
        )

    def carriers(self, tokens: Sequence[int]) -> IntArray:
        """Per genome, how many of ``tokens`` it carries: one bincount over the shorter lists.

        A token most genomes carry (a clade's root mutations) is counted through the genomes that
        lack it, so no query walks a posting list of nearly every genome.
        """
        n = self.genome_count
        rare = [self.postings[t] for t in tokens if t in self.postings]
        common = [self.complements[t] for t in tokens if t in self.complements]
        counts = np.bincount(np.concatenate(rare), minlength=n) if rare else np.zeros(n, dtype=np.int64)
        if common:
            counts += len(common)
            counts -= np.bincount(np.concatenate(common), minlength=n)
        return counts

    def nearest(
        self, query: Sequence[int], query_missing: Sequence[tuple[int, int]], k: int = 10, exclude: int | None = None
    ) -> list[tuple[int, int]]:
        """The ``k`` nearest genomes as ``(distance, genome id)``, ties by id."""
        n = self.genome_count
        tokens = sorted(set(query))
        shared = self.carriers(tokens)
        # One pass over genome-sized arrays per term, not one per range or token (a million genomes
        # make each such pass a few milliseconds).
        in_query_gaps: list[int] = []
        for start, end in query_missing:
            lo = np.searchsorted(self.token_sites, start, side="left")
            hi = np.searchsorted(self.token_sites, end, side="right")
            in_query_gaps.extend(int(t) for t in self.token_ids[lo:hi])
        masked_by_query = self.carriers(in_query_gaps) if in_query_gaps else 0
        hits: list[IntArray] = []
        for token in tokens:
            site = token_site(token)
            block = self.missing_blocks.get(site // BLOCK)
            if block is None:
                continue
            genomes, starts, ends = block
            hits.append(genomes[(starts <= site) & (ends >= site)])
        masked_by_genome = np.bincount(np.concatenate(hits), minlength=n) if hits else 0
        distance = len(tokens) + self.sizes - 2 * shared - masked_by_query - masked_by_genome
        if exclude is not None:
            distance[exclude] = np.iinfo(np.int64).max
        take = min(k, n)
        part = np.argpartition(distance, take - 1)[:take] if take < n else np.arange(n)
        # argpartition breaks ties arbitrarily: keep everything below the k-th distance, then the lowest ids at it.
        cutoff = distance[part].max()
        below = np.flatnonzero(distance < cutoff)
        at = np.flatnonzero(distance == cutoff)[: take - below.size]
        below = below[np.lexsort((below, distance[below]))]
        ranked = [*zip(distance[below].tolist(), below.tolist(), strict=True), *((int(cutoff), int(g)) for g in at)]
        return [(int(d), int(g)) for d, g in ranked[:take]]


def brute_force(
    genomes: Sequence[frozenset[int]],
    missing: Sequence[Sequence[tuple[int, int]]],
    query: frozenset[int],
    query_missing: Sequence[tuple[int, int]],
    k: int = 10,
    exclude: int | None = None,
) -> list[tuple[int, int]]:
    """The same answer by scanning every genome: the baseline and the check."""

    def is_missing(ranges: Sequence[tuple[int, int]], site: int) -> bool:
        return any(start <= site <= end for start, end in ranges)

    scored = []
    for genome, tokens in enumerate(genomes):
        if genome == exclude:
            continue
        difference = tokens ^ query
        if missing[genome] or query_missing:
            d = sum(
                1
                for t in difference
                if not is_missing(missing[genome], t // STRIDE) and not is_missing(query_missing, t // STRIDE)
            )
        else:
            d = len(difference)
        scored.append((d, genome))
    scored.sort()
    return scored[:k]
