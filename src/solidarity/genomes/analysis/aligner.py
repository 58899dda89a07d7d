"""Alignment of a genome to the dataset's reference with minimap2 (``mappy``), read into differences.

The aligner uses minimap2's ``asm20`` preset with N-tolerant scoring ``[1, 4, 6, 2, 26, 1, 0]``
(match 1, mismatch 4, gap open 6 and 26, gap extend 2 and 1, ambiguous base 0), so a run of N in
the query costs nothing and does not split the alignment.

Differences are read from the ``cs`` tag (short form) of the primary hit, in 1-based reference
coordinates: substitutions to A, C, G or T; deletions as ranges; insertions as the reference
position they follow and the inserted bases; missing ranges (N in the query, and the reference ends
the query does not cover); mixed sites (any other IUPAC code: minimap2 sees those as N, so the
query's own character is read back from the query).

Several hits (a split alignment, rare with this scoring): the primary hit is used and the
reference outside it is reported as missing, so a chimeric or rearranged genome loses data rather
than gaining invented mutations. Query bases outside the primary hit (soft-clipped) are ignored.
A genome on the reverse strand is reverse-complemented and aligned again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import mappy

from solidarity.errors import Invalid
from solidarity.genomes.analysis.dataset import PathogenDataset

SCORING = [1, 4, 6, 2, 26, 1, 0]
PRESET = "asm20"
ACGT = frozenset("ACGT")
_CS_TOKEN = re.compile(r"[:*+\-~][^:*+\-~]*")
_COMPLEMENT = str.maketrans("ACGTRYSWKMBDHVN", "TGCAYRSWMKVHDBN")


@dataclass(frozen=True)
class Substitution:
    position: int
    ref: str
    alt: str

    def __str__(self) -> str:
        return f"{self.ref}{self.position}{self.alt}"


@dataclass(frozen=True)
class Span:
    """A 1-based inclusive reference range."""

    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def __str__(self) -> str:
        return f"{self.start}-{self.end}" if self.end != self.start else str(self.start)


@dataclass(frozen=True)
class Insertion:
    """Bases inserted after reference ``position`` (0 = before the first base)."""

    position: int
    bases: str

    def __str__(self) -> str:
        return f"{self.position}:{self.bases}"


@dataclass(frozen=True)
class MixedSite:
    position: int
    character: str

    def __str__(self) -> str:
        return f"{self.character}{self.position}"


@dataclass(frozen=True)
class Alignment:
    reference_length: int
    reference_start: int
    reference_end: int
    query_start: int
    query_end: int
    is_reverse: bool
    other_hits: int
    substitutions: tuple[Substitution, ...]
    deletions: tuple[Span, ...]
    insertions: tuple[Insertion, ...]
    missing: tuple[Span, ...]
    mixed_sites: tuple[MixedSite, ...]

    @property
    def total_missing(self) -> int:
        return sum(span.length for span in self.missing)

    def query_in_reference(self, reference: str) -> bytearray:
        """The query laid on the reference: one byte per reference base, '-' deleted, 'N' missing."""
        frame = bytearray(reference.encode("ascii"))
        for substitution in self.substitutions:
            frame[substitution.position - 1] = ord(substitution.alt)
        for site in self.mixed_sites:
            frame[site.position - 1] = ord(site.character)
        for span in self.deletions:
            frame[span.start - 1 : span.end] = b"-" * span.length
        for span in self.missing:
            frame[span.start - 1 : span.end] = b"N" * span.length
        return frame


def reverse_complement(sequence: str) -> str:
    """The reverse complement, IUPAC codes included.

    >>> reverse_complement("AACGTR")
    'YACGTT'
    """
    return sequence.translate(_COMPLEMENT)[::-1]


class Aligner:
    """One minimap2 index of a dataset's reference; build one per process (mappy objects don't pickle)."""

    def __init__(self, dataset: PathogenDataset) -> None:
        self.dataset = dataset
        self.reference = dataset.reference
        self._index = mappy.Aligner(seq=dataset.reference, preset=PRESET, scoring=SCORING)
        if not self._index:
            raise Invalid(f"dataset {dataset.name}: minimap2 cannot index the reference")

    def hits(self, sequence: str) -> list[mappy.Alignment]:
        """Bare minimap2 hits of a sequence (for benchmarks and diagnostics)."""
        return list(self._index.map(sequence, cs=True))

    def align(self, name: str, sequence: str) -> Alignment:
        """Align a normalised sequence; raises ``Invalid`` when it aligns to nothing in the reference."""
        hits = self.hits(sequence)
        primary = _primary(hits)
        is_reverse = False
        if primary is not None and primary.strand == -1:
            sequence = reverse_complement(sequence)
            hits = self.hits(sequence)
            primary = _primary(hits)
            is_reverse = True
        if primary is None or primary.strand == -1:
            raise Invalid(
                f"{name}: aligns to nothing in the reference {self.dataset.reference_name} "
                f"({self.dataset.name}); a different pathogen, or not a genome",
                details=[{"field": "sequence", "value": name, "reason": "aligns to nothing in the reference"}],
            )
        return _read_hit(primary, sequence, self.reference, is_reverse, len(hits) - 1)


def _primary(hits: list[mappy.Alignment]) -> mappy.Alignment | None:
    primaries = [hit for hit in hits if hit.is_primary]
    candidates = primaries or hits
    if not candidates:
        return None
    return max(candidates, key=lambda hit: hit.mlen)


def _read_hit(hit: mappy.Alignment, query: str, reference: str, is_reverse: bool, other_hits: int) -> Alignment:
    substitutions: list[Substitution] = []
    deletions: list[Span] = []
    insertions: list[Insertion] = []
    mixed: list[MixedSite] = []
    missing: list[Span] = []
    r: int = hit.r_st  # 0-based reference index of the next base
    q: int = hit.q_st
    run_start = -1  # 0-based start of the current run of N, or -1
    for token in _CS_TOKEN.findall(hit.cs):
        op = token[0]
        if op == "*":
            character = query[q]
            if character == "N":
                if run_start < 0:
                    run_start = r
                r += 1
                q += 1
                continue
            if character in ACGT:
                substitutions.append(Substitution(r + 1, reference[r], character))
            else:
                mixed.append(MixedSite(r + 1, character))
        elif op == ":":
            length = int(token[1:])
            if run_start >= 0:
                missing.append(Span(run_start + 1, r))
                run_start = -1
            r += length
            q += length
            continue
        elif op == "-":
            length = len(token) - 1
            if run_start >= 0:
                missing.append(Span(run_start + 1, r))
                run_start = -1
            deletions.append(Span(r + 1, r + length))
            r += length
            continue
        elif op == "+":
            length = len(token) - 1
            insertions.append(Insertion(r, query[q : q + length]))
            q += length
            continue
        else:  # "~" (intron) never appears without a splice preset
            continue
        if run_start >= 0:
            missing.append(Span(run_start + 1, r))
            run_start = -1
        r += 1
        q += 1
    if run_start >= 0:
        missing.append(Span(run_start + 1, r))
    if hit.r_st > 0:
        missing.append(Span(1, hit.r_st))
    if hit.r_en < len(reference):
        missing.append(Span(hit.r_en + 1, len(reference)))
    return Alignment(
        reference_length=len(reference),
        reference_start=hit.r_st + 1,
        reference_end=hit.r_en,
        query_start=hit.q_st + 1,
        query_end=hit.q_en,
        is_reverse=is_reverse,
        other_hits=other_hits,
        substitutions=tuple(substitutions),
        deletions=tuple(deletions),
        insertions=tuple(insertions),
        missing=_merge(missing),
        mixed_sites=tuple(mixed),
    )


def _merge(spans: list[Span]) -> tuple[Span, ...]:
    merged: list[Span] = []
    for span in sorted(spans, key=lambda span: span.start):
        if merged and span.start <= merged[-1].end + 1:
            last = merged.pop()
            merged.append(Span(last.start, max(last.end, span.end)))
        else:
            merged.append(span)
    return tuple(merged)
