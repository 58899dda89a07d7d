"""Clade assignment from clade definitions (Nextstrain's ``clades.tsv``), without a reference tree.

A clade holds for a genome when every one of its defining sites (its own and those it inherits from
its parents, its own overriding at the same site) holds: the genome's base at a nucleotide site, or
its amino acid at a codon, equals the clade's. The genome gets the deepest clade that holds; on a
tie, the one with more defining sites, then the first in the file.

Missing data: a defining site that is missing in the genome (N, an uncovered end, a mixed base, a
codon that cannot be translated) does not contradict the clade, but at least one of the clade's
*own* sites must be observed to hold. So a genome missing a few sites still gets its clade, and a
genome with no data at a clade's own sites does not get that clade. Nextclade instead places the
genome on a reference tree; with the definitions alone this is the closest rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from solidarity.genomes.analysis.dataset import NUCLEOTIDE, CladeDefinition, CladeSite, PathogenDataset
from solidarity.genomes.analysis.translate import Translator

ACGT_GAP = frozenset(b"ACGT-")
_Observer = Callable[[CladeSite], "bool | None"]


@dataclass(frozen=True)
class CladeCall:
    clade: str | None
    definitions_version: str


class CladeAssigner:
    """Clade definitions of one dataset, ready to test genomes against."""

    def __init__(self, dataset: PathogenDataset, translator: Translator) -> None:
        self.dataset = dataset
        self.translator = translator
        self._genes = {gene.name: gene for gene in dataset.genes}
        self._by_name = {definition.clade: definition for definition in dataset.clades}
        # Labels: every (position, alt) some clade defines, for the private-mutation QC rule.
        self.labelled_sites = frozenset(
            (site.site, site.alt)
            for definition in dataset.clades
            for site in definition.own_sites
            if site.gene == NUCLEOTIDE
        )

    def assign(self, frame: bytearray) -> CladeCall:
        """The deepest clade whose defining sites all hold in ``frame`` (the query on the reference)."""
        cache: dict[CladeSite, bool | None] = {}

        def observed(site: CladeSite) -> bool | None:
            if site not in cache:
                cache[site] = self._observe(site, frame)
            return cache[site]

        best: CladeDefinition | None = None
        for definition in self.dataset.clades:
            if best is not None and (definition.depth, len(definition.sites)) <= (best.depth, len(best.sites)):
                continue
            if self._holds(definition, observed):
                best = definition
        return CladeCall(best.clade if best else None, self.dataset.clades_version)

    def defining_sites(self, clade: str | None) -> frozenset[tuple[int, str]]:
        """Nucleotide (position, alt) pairs the clade and its ancestors define."""
        if clade is None or clade not in self._by_name:
            return frozenset()
        return frozenset((site.site, site.alt) for site in self._by_name[clade].sites if site.gene == NUCLEOTIDE)

    def _holds(self, definition: CladeDefinition, observed: _Observer) -> bool:
        for site in definition.sites:
            if observed(site) is False:
                return False
        return not definition.own_sites or any(observed(site) for site in definition.own_sites)

    def _observe(self, site: CladeSite, frame: bytearray) -> bool | None:
        if site.gene == NUCLEOTIDE:
            base = frame[site.site - 1]
            if base not in ACGT_GAP:
                return None
            return chr(base) == site.alt
        amino_acid = self.translator.query_amino_acid(frame, self._genes[site.gene], site.site)
        if amino_acid is None:
            return None
        return amino_acid == site.alt
