"""Amino-acid consequences of an alignment, gene by gene: substitutions, deletions, frame shifts, stops.

Each gene of the annotation is translated as its own coding sequence (as Nextclade does with
Nextstrain's annotation, where ORF1a and ORF1b are separate). Rules, after Nextclade's:

- a codon with N, a mixed base or a partial deletion is not called; a fully deleted codon is an
  amino-acid deletion (``ORF1a:S3675-``);
- an in-frame deletion that does not start on a codon boundary joins what is left of its first and
  last codon into one codon, called at the first codon, and deletes the codons after it (the S
  gene's 21765-21770 gives ``S:H69-`` and ``S:V70-``);
- insertions and deletions whose net length within a gene is not a multiple of 3 shift the frame,
  from the codon of the first such indel until an indel restores the frame or the gene ends; codons
  in a shifted range are not called, and the shift is reported as ``gene:first-last`` (1-based
  codons, inclusive);
- a stop codon before a gene's last codon is premature (``ORF8:27``) and is also an amino-acid
  substitution (``ORF8:Q27*``). Stops the reference itself has are not reported.

>>> translate_codon("ATG"), translate_codon("TAA"), translate_codon("ANG")
('M', '*', None)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from solidarity.genomes.analysis.aligner import Alignment, reverse_complement
from solidarity.genomes.analysis.dataset import Gene, PathogenDataset

_BASES = "TCAG"
_AMINO_ACIDS = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG"
CODON_TABLE = {
    "".join(codon): amino_acid
    for codon, amino_acid in zip(itertools.product(_BASES, repeat=3), _AMINO_ACIDS, strict=True)
}


@dataclass(frozen=True)
class AminoAcidSubstitution:
    gene: str
    codon: int
    ref: str
    alt: str

    def __str__(self) -> str:
        return f"{self.gene}:{self.ref}{self.codon}{self.alt}"


@dataclass(frozen=True)
class AminoAcidDeletion:
    gene: str
    codon: int
    ref: str

    def __str__(self) -> str:
        return f"{self.gene}:{self.ref}{self.codon}-"


@dataclass(frozen=True)
class FrameShift:
    gene: str
    codon_start: int
    codon_end: int

    def __str__(self) -> str:
        return f"{self.gene}:{self.codon_start}-{self.codon_end}"


@dataclass(frozen=True)
class StopCodon:
    gene: str
    codon: int

    def __str__(self) -> str:
        return f"{self.gene}:{self.codon}"


@dataclass(frozen=True)
class Translation:
    aa_substitutions: tuple[AminoAcidSubstitution, ...]
    aa_deletions: tuple[AminoAcidDeletion, ...]
    frame_shifts: tuple[FrameShift, ...]
    stop_codons: tuple[StopCodon, ...]


def translate_codon(codon: str) -> str | None:
    """The amino acid of a codon of A, C, G, T; ``None`` for anything else."""
    return CODON_TABLE.get(codon)


class Translator:
    """The reference's peptides, computed once per dataset, and the translation of each genome."""

    def __init__(self, dataset: PathogenDataset) -> None:
        self.dataset = dataset
        self.genes = dataset.genes
        self._ref_sequences = {gene.name: _gene_slice(dataset.reference, gene) for gene in dataset.genes}
        self._ref_peptides = {
            name: [translate_codon(sequence[i : i + 3]) or "X" for i in range(0, len(sequence) - 2, 3)]
            for name, sequence in self._ref_sequences.items()
        }

    def reference_amino_acid(self, gene: str, codon: int) -> str:
        return self._ref_peptides[gene][codon - 1]

    def query_amino_acid(self, frame: bytearray, gene: Gene, codon: int) -> str | None:
        """The query's amino acid at a 1-based codon: '-' if deleted, None if it cannot be called."""
        if not 1 <= codon <= gene.codon_count:
            return None
        offset = (codon - 1) * 3
        if gene.strand == "-":
            sequence = reverse_complement(frame[gene.end - offset - 3 : gene.end - offset].decode("ascii"))
        else:
            sequence = frame[gene.start - 1 + offset : gene.start + offset + 2].decode("ascii")
        if sequence == "---":
            return "-"
        return translate_codon(sequence)

    def translate(self, alignment: Alignment, frame: bytearray) -> Translation:
        substitutions: list[AminoAcidSubstitution] = []
        deletions: list[AminoAcidDeletion] = []
        shifts: list[FrameShift] = []
        stops: list[StopCodon] = []
        for gene in self.genes:
            self._translate_gene(gene, alignment, frame, substitutions, deletions, shifts, stops)
        return Translation(tuple(substitutions), tuple(deletions), tuple(shifts), tuple(stops))

    def _translate_gene(
        self,
        gene: Gene,
        alignment: Alignment,
        frame: bytearray,
        substitutions: list[AminoAcidSubstitution],
        deletions: list[AminoAcidDeletion],
        shifts: list[FrameShift],
        stops: list[StopCodon],
    ) -> None:
        def offset(position: int) -> int:
            return gene.end - position if gene.strand == "-" else position - gene.start

        # Indels as (first gene offset, last gene offset, net length change), in gene orientation.
        indels: list[tuple[int, int, int]] = []
        for span in alignment.deletions:
            start, end = max(span.start, gene.start), min(span.end, gene.end)
            if start <= end:
                first, last = sorted((offset(start), offset(end)))
                indels.append((first, last, -(end - start + 1)))
        for insertion in alignment.insertions:
            if gene.start <= insertion.position < gene.end:
                after = offset(insertion.position + 1) if gene.strand == "+" else offset(insertion.position)
                indels.append((after, after - 1, len(insertion.bases)))
        if not indels and not alignment.substitutions:
            return
        indels.sort()
        codon_count = gene.codon_count
        blocked: set[int] = set()  # 0-based codons not to call
        merged: dict[int, tuple[int, int, int]] = {}  # first codon of an unaligned in-frame deletion
        shift_from = -1
        net = 0
        for first, last, change in indels:
            was_in_frame = net % 3 == 0
            net += change
            if was_in_frame and net % 3 != 0:
                shift_from = first
            elif not was_in_frame and net % 3 == 0:
                restored = last + 1
                self._add_shift(gene, shift_from, restored, codon_count, shifts, blocked)
                shift_from = -1
            elif was_in_frame and change < 0:
                self._in_frame_deletion(gene, first, last, codon_count, deletions, blocked, merged)
        if shift_from >= 0:
            self._add_shift(gene, shift_from, codon_count * 3, codon_count, shifts, blocked)

        gene_query: str | None = None
        codons = {offset(s.position) // 3 for s in alignment.substitutions if gene.start <= s.position <= gene.end}
        codons.update(merged)
        for codon in sorted(codons):
            if codon >= codon_count or (codon in blocked and codon not in merged):
                continue
            if gene_query is None:
                gene_query = _gene_slice(frame.decode("ascii"), gene)
            if codon in merged:
                first, last, _ = merged[codon]
                keep = first - codon * 3
                sequence = gene_query[codon * 3 : first] + gene_query[last + 1 : last + 1 + 3 - keep]
            else:
                sequence = gene_query[codon * 3 : codon * 3 + 3]
            amino_acid = translate_codon(sequence)
            reference = self._ref_peptides[gene.name][codon]
            if amino_acid is None or amino_acid == reference:
                continue
            substitutions.append(AminoAcidSubstitution(gene.name, codon + 1, reference, amino_acid))
            if amino_acid == "*" and codon < codon_count - 1:
                stops.append(StopCodon(gene.name, codon + 1))

    def _add_shift(
        self, gene: Gene, start: int, end: int, codon_count: int, shifts: list[FrameShift], blocked: set[int]
    ) -> None:
        first_codon = start // 3
        last_codon = min(max(end - 1, start) // 3, codon_count - 1)
        shifts.append(FrameShift(gene.name, first_codon + 1, last_codon + 1))
        blocked.update(range(first_codon, last_codon + 1))

    def _in_frame_deletion(
        self,
        gene: Gene,
        first: int,
        last: int,
        codon_count: int,
        deletions: list[AminoAcidDeletion],
        blocked: set[int],
        merged: dict[int, tuple[int, int, int]],
    ) -> None:
        peptide = self._ref_peptides[gene.name]
        length = last - first + 1
        if first % 3 == 0:
            deleted = range(first // 3, first // 3 + length // 3)
        else:
            joined = first // 3
            merged[joined] = (first, last, length)
            deleted = range(joined + 1, joined + 1 + length // 3)
        for codon in deleted:
            if codon < codon_count:
                deletions.append(AminoAcidDeletion(gene.name, codon + 1, peptide[codon]))
                blocked.add(codon)


def _gene_slice(sequence: str, gene: Gene) -> str:
    part = sequence[gene.start - 1 : gene.end]
    return reverse_complement(part) if gene.strand == "-" else part
