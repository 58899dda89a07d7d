"""Genome analysis benchmark: the full per-genome analysis in a pool beside bare minimap2 alignment.

Run: ``.venv/bin/python benchmarks/genomes_analysis.py [--repeat N] [--workers N]``. Reads the 418
example SARS-CoV-2 genomes of ``../shared/data/sars-cov-2`` (repeated ``N`` times), then times:

- ``analyse_many`` with ``--workers`` processes (alignment, mutations, translation, clade, QC),
  pool start-up included;
- ``analyse`` in this one process (the same work without a pool);
- bare ``mappy`` alignment (``map(seq, cs=True)``, nothing read from the hits) in this one process.

and prints genomes per second for each and the ratios.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import mappy

from solidarity.genomes.analysis.aligner import PRESET, SCORING, Aligner
from solidarity.genomes.analysis.dataset import load_dataset
from solidarity.genomes.analysis.pipeline import GenomeAnalysis, analyse, analyse_many
from solidarity.genomes.analysis.sequences import FastaRecord, read_fasta

DATASET = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "sars-cov-2"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dataset", type=Path, default=DATASET)
    args = parser.parse_args()

    dataset = load_dataset(args.dataset)
    records = [r for r in read_fasta(args.dataset / "example_sequences.fasta.gz") if isinstance(r, FastaRecord)]
    records = records * args.repeat
    count = len(records)
    print(f"genomes: {count:,} ({len(records) // args.repeat} distinct), workers: {args.workers}")

    started = time.perf_counter()
    results = list(analyse_many(dataset, records, workers=args.workers))
    pool_seconds = time.perf_counter() - started
    analysed = sum(isinstance(result, GenomeAnalysis) for result in results)

    index = mappy.Aligner(seq=dataset.reference, preset=PRESET, scoring=SCORING)
    started = time.perf_counter()
    for record in records:
        list(index.map(record.sequence, cs=True))
    mappy_seconds = time.perf_counter() - started

    aligner = Aligner(dataset)
    started = time.perf_counter()
    for record in records:
        analyse(aligner, record.name, record.sequence)
    serial_seconds = time.perf_counter() - started

    def line(label: str, seconds: float) -> None:
        print(f"{label:<44}{seconds:8.2f} s  {count / seconds:8.1f} genomes/s")

    line(f"analyse_many, {args.workers} workers (pool start included):", pool_seconds)
    line("analyse, one process:", serial_seconds)
    line("bare mappy map(cs=True), one process:", mappy_seconds)
    print(f"analysed without error: {analysed:,}/{count:,}")
    print(f"ratio (analyse, one process / bare mappy):    {serial_seconds / mappy_seconds:6.2f}x the time")
    speed = mappy_seconds / pool_seconds
    print(f"ratio (analyse_many {args.workers} workers / bare mappy, genomes/s): {speed:6.2f}x")


if __name__ == "__main__":
    main()
