"""Genomes: ingest throughput through the submission service, and nearest-neighbour query time.

Run: ``.venv/bin/python benchmarks/genomes.py [--genomes 20000] [--workers 2] [--neighbours 100000,1000000]``

1. Ingest: the 418 example SARS-CoV-2 genomes of ``../shared/data/sars-cov-2``, repeated up to
   ``--genomes`` (each copy after the first gets 1 to 3 random substitutions so its hash is new, and a
   new name), submitted with their metadata through ``submission.submit_genomes`` (checks, analysis in
   ``--workers`` processes, accessions, index, one set) into a fresh migrated SQLite database (or
   ``SOLIDARITY_BENCH_DATABASE_URL``, a PostgreSQL database that may be emptied). Beside it, in the same
   run, bare ``mappy`` alignment (``map(seq, cs=True)``) of the same genomes in one process.
2. Neighbours: synthetic genomes (a tree of 200 clades of 5-15 mutations each under a root of 10, plus
   0-6 private substitutions per genome; 30 % carry the usual terminal missing ranges and 10 % an
   internal run of N). At ``--database-size`` genomes the database path (``neighbours.nearest`` on
   SQLite, index rows written directly) is timed; at every size the in-memory ``index.MutationIndex``
   (built directly, not from the database) and a brute-force scan over all genomes (3 queries, 1 past
   100,000 genomes), each answer checked against the brute force.
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import random
import resource
import statistics
import tempfile
import time
import zlib
from pathlib import Path

import mappy
import numpy as np
from sqlalchemy import create_engine, insert, text
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor
from solidarity.config import load_settings
from solidarity.db import make_engine, make_sessionmaker, transaction
from solidarity.db.migrate import upgrade
from solidarity.genomes import datasets, submission
from solidarity.genomes import neighbours as nearest
from solidarity.genomes.analysis.aligner import PRESET, SCORING
from solidarity.genomes.analysis.sequences import FastaRecord, read_fasta
from solidarity.genomes.distance import Profile
from solidarity.genomes.index import ALLELES, STRIDE, MutationIndex, brute_force, encode, pack, token_site
from solidarity.genomes.models import Genome, GenomeMissingRange, GenomeMutation, GenomeResult, GenomeSet
from solidarity.imports import OnError

DATASET = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "sars-cov-2"
LENGTH = 29903


def fresh_database(directory: Path) -> str:
    url = os.environ.get("SOLIDARITY_BENCH_DATABASE_URL")
    if url is None:
        return f"sqlite:///{directory / 'bench.db'}"
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return url


def repeated_batch(directory: Path, count: int) -> tuple[Path, Path, list[str]]:
    """The example genomes repeated to ``count``, each copy made distinct; returns FASTA, metadata, sequences."""
    records = [r for r in read_fasta(DATASET / "example_sequences.fasta.gz") if isinstance(r, FastaRecord)]
    lines = (DATASET / "example_metadata.tsv").read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], {line.split("\t", 1)[0]: line for line in lines[1:]}
    rng = random.Random(11)
    sequences, fasta, metadata = [], io.StringIO(), [header]
    for n in range(count):
        record = records[n % len(records)]
        name, sequence = record.name, record.sequence
        if n >= len(records):
            name = f"{record.name}/copy{n // len(records)}"
            chars = list(sequence)
            for _ in range(rng.randint(1, 3)):
                i = rng.randrange(300, len(chars) - 300)
                if chars[i] in "ACGT":
                    chars[i] = rng.choice([b for b in "ACGT" if b != chars[i]])
            sequence = "".join(chars)
        fasta.write(f">{name}\n{sequence}\n")
        metadata.append(rows[record.name].replace(record.name, name, 1))
        sequences.append(sequence)
    fasta_path, metadata_path = directory / "batch.fasta.gz", directory / "batch.tsv"
    fasta_path.write_bytes(gzip.compress(fasta.getvalue().encode(), 6))
    metadata_path.write_text("\n".join(metadata) + "\n", encoding="utf-8")
    return fasta_path, metadata_path, sequences


def ingest(count: int, workers: int) -> None:
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        fasta, metadata, sequences = repeated_batch(directory, count)
        settings = load_settings(database_url=fresh_database(directory), data_dir=directory)
        engine = make_engine(settings)
        upgrade(engine)
        factory = make_sessionmaker(engine)
        actor = Actor.system("benchmark")
        with transaction(factory) as session:
            datasets.register_dataset(session, actor, DATASET, directory)
        load_before = os.getloadavg()[0]
        usage_before = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        with transaction(factory) as session, fasta.open("rb") as f, metadata.open("rb") as m:
            result = submission.submit_genomes(
                session,
                actor,
                f,
                fasta.name,
                m,
                metadata.name,
                allow_incomplete_attribution=True,
                on_error=OnError.SKIP,
                workers=workers,
            )
        seconds = time.perf_counter() - started
        parent = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the pool's workers, reaped when it closed
        parent_cpu = parent.ru_utime + parent.ru_stime - usage_before[0].ru_utime - usage_before[0].ru_stime
        workers_cpu = children.ru_utime + children.ru_stime - usage_before[1].ru_utime - usage_before[1].ru_stime
        load_after = os.getloadavg()[0]
        first, warm = stored_neighbours(factory, result.accepted)
        engine.dispose()
        reference = next(r for r in read_fasta(DATASET / "reference.fasta") if isinstance(r, FastaRecord)).sequence
        index = mappy.Aligner(seq=reference, preset=PRESET, scoring=SCORING)
        started = time.perf_counter()
        for sequence in sequences:
            list(index.map(sequence, cs=True))
        mappy_seconds = time.perf_counter() - started
    engine_name = "PostgreSQL" if os.environ.get("SOLIDARITY_BENCH_DATABASE_URL") else "SQLite"
    print(
        f"ingest: {count:,} genomes ({len(result.accepted):,} accepted, {len(result.duplicates):,} duplicates, "
        f"{len(result.rejected):,} rejected), {workers} workers, {engine_name}"
    )
    print(f"  submit_genomes (check, analyse, store, index): {seconds:8.1f} s {count / seconds:8.1f} genomes/s")
    print(
        f"  bare mappy map(cs=True), one process:          {mappy_seconds:8.1f} s "
        f"{count / mappy_seconds:8.1f} genomes/s"
    )
    print(
        f"  CPU during submit: parent {parent_cpu:.1f} s ({parent_cpu / count * 1000:.2f} ms/genome), "
        f"workers {workers_cpu:.1f} s ({workers_cpu / count * 1000:.2f} ms/genome); "
        f"load average {load_before:.2f} before, {load_after:.2f} after"
    )
    print(
        f"  neighbours of a stored genome, k=10, {len(result.accepted):,} stored: first query {first * 1000:.0f} ms "
        f"(loads the index), then median {statistics.median(warm) * 1000:.1f} ms ({len(warm)} queries)"
    )


def stored_neighbours(factory: sessionmaker[Session], accepted: list[dict[str, str]]) -> tuple[float, list[float]]:
    """The first neighbour query of a fresh process (index loaded from the database), then warm ones."""
    nearest._snapshots.clear()
    rng = random.Random(5)
    picks = [item["accession"] for item in rng.sample(accepted, min(11, len(accepted)))]
    times = []
    for accession in picks:
        with transaction(factory) as session:
            started = time.perf_counter()
            nearest.neighbours_of(session, accession, 10)
            times.append(time.perf_counter() - started)
    return times[0], times[1:]


def synthetic(count: int, seed: int = 3) -> tuple[list[list[int]], list[list[tuple[int, int]]]]:
    rng = random.Random(seed)

    def mutation() -> int:
        return encode(rng.randrange(60, LENGTH - 80), rng.choice("ACGT") if rng.random() < 0.93 else "-")

    clades: list[list[int]] = [[mutation() for _ in range(10)]]
    for _ in range(199):
        parent = rng.choice(clades)
        clades.append(sorted(set(parent) | {mutation() for _ in range(rng.randint(5, 15))}))
    genomes, missing = [], []
    for _ in range(count):
        tokens = set(rng.choice(clades)) | {
            encode(rng.randrange(60, LENGTH - 80), rng.choice("ACGT")) for _ in range(rng.randint(0, 6))
        }
        ranges: list[tuple[int, int]] = []
        if rng.random() < 0.3:
            ranges += [(1, 54), (29836, LENGTH)]
        if rng.random() < 0.1:
            start = rng.randrange(100, LENGTH - 1000)
            ranges.append((start, start + rng.randrange(20, 600)))
        tokens = {t for t in tokens if not any(a <= token_site(t) <= b for a, b in ranges)}
        genomes.append(sorted(tokens))
        missing.append(sorted(ranges))
    return genomes, missing


def token_text(token: int) -> str:
    site, allele = divmod(token, STRIDE)
    return f"del:{site}" if allele == ALLELES["-"] else f"N{site}{'ACGT'[allele]}"


def database_neighbours(genomes: list[list[int]], missing: list[list[tuple[int, int]]], queries_: list[int]) -> None:
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        settings = load_settings(database_url=fresh_database(directory), data_dir=directory)
        engine = make_engine(settings)
        upgrade(engine)
        factory = make_sessionmaker(engine)
        actor = Actor.system("benchmark")
        with transaction(factory) as session:
            row, _ = datasets.register_dataset(session, actor, DATASET, directory)
            genome_set = GenomeSet(dataset_id=row.id, submitted_by="benchmark", genome_count=len(genomes))
            session.add(genome_set)
            session.flush()
            set_id, dataset_id = genome_set.id, row.id
        started = time.perf_counter()
        blob = zlib.compress(b"N")
        for offset in range(0, len(genomes), 5000):
            part = range(offset, min(offset + 5000, len(genomes)))
            with transaction(factory) as session:
                session.execute(
                    insert(Genome),
                    [
                        {
                            "id": g + 1,
                            "accession": f"SOL-G-{g + 1:07d}",
                            "set_id": set_id,
                            "dataset_id": dataset_id,
                            "virus_name": f"synthetic/{g}",
                            "sequence_sha256": f"{g:064d}",
                            "sequence_zlib": blob,
                            "length": LENGTH,
                        }
                        for g in part
                    ],
                )
                session.execute(
                    insert(GenomeResult),
                    [
                        {
                            "genome_id": g + 1,
                            "analysis": {},
                            "mutation_count": len(genomes[g]),
                            "index_tokens": pack(genomes[g]),
                            "index_missing": pack([v for pair in missing[g] for v in pair]),
                        }
                        for g in part
                    ],
                )
                session.execute(
                    insert(GenomeMutation),
                    [
                        {
                            "mutation": token_text(t),
                            "genome_id": g + 1,
                            "kind": "site" if t % STRIDE == ALLELES["-"] else "nuc",
                            "site": token_site(t),
                        }
                        for g in part
                        for t in genomes[g]
                    ],
                )
                ranges = [{"genome_id": g + 1, "start": a, "end": b} for g in part for a, b in missing[g]]
                if ranges:
                    session.execute(insert(GenomeMissingRange), ranges)
        print(f"  database rows written in {time.perf_counter() - started:.1f} s")
        nearest._snapshots.clear()
        with transaction(factory) as session:
            started = time.perf_counter()
            nearest.nearest(session, dataset_id, Profile(frozenset(), ()), 1)
            print(f"  index loaded from the database in {time.perf_counter() - started:.1f} s (first query)")
        times = []
        for q in queries_:
            profile = Profile(frozenset(token_text(t) for t in genomes[q]), tuple(missing[q]))
            with transaction(factory) as session:
                started = time.perf_counter()
                found = nearest.nearest(session, dataset_id, profile, 10, exclude=q + 1)
                times.append(time.perf_counter() - started)
            expected = brute_force(
                [frozenset(g) for g in genomes], missing, frozenset(genomes[q]), missing[q], 10, exclude=q
            )
            assert [n.distance for n in found] == [d for d, _ in expected], (q, found, expected)
        engine.dispose()
        print(
            f"  neighbours.nearest on SQLite, k=10: median {statistics.median(times) * 1000:8.1f} ms "
            f"(max {max(times) * 1000:.1f} ms, {len(times)} queries)"
        )


def neighbours(count: int, with_database: bool) -> None:
    started = time.perf_counter()
    genomes, missing = synthetic(count)
    print(
        f"neighbours: {count:,} synthetic genomes, mean {sum(map(len, genomes)) / count:.1f} mutations "
        f"(generated in {time.perf_counter() - started:.1f} s)"
    )
    rng = random.Random(9)
    picks = [rng.randrange(count) for _ in range(20)]
    started = time.perf_counter()
    index = MutationIndex.build(genomes, missing)
    print(f"  in-memory index built in {time.perf_counter() - started:.1f} s")
    cut = count - min(1000, count // 10)
    partial = MutationIndex.build(genomes[:cut], missing[:cut])
    started = time.perf_counter()
    flat = np.array([t for g in genomes[cut:] for t in g], dtype=np.int64)
    grown = partial.extended(flat, np.array([len(g) for g in genomes[cut:]], dtype=np.int64), missing[cut:])
    print(f"  {count - cut:,} new genomes added to the index in {(time.perf_counter() - started) * 1000:.0f} ms")
    sets = [frozenset(g) for g in genomes]
    times, brute_times = [], []
    for n, q in enumerate(picks):
        started = time.perf_counter()
        found = index.nearest(genomes[q], missing[q], k=10, exclude=q)
        times.append(time.perf_counter() - started)
        assert grown.nearest(genomes[q], missing[q], k=10, exclude=q) == found
        if n < (3 if count <= 100_000 else 1):
            started = time.perf_counter()
            expected = brute_force(sets, missing, sets[q], missing[q], k=10, exclude=q)
            brute_times.append(time.perf_counter() - started)
            assert found == expected, (q, found, expected)
    median = statistics.median(times)
    brute = statistics.median(brute_times)
    print(
        f"  MutationIndex.nearest, k=10:       median {median * 1000:8.1f} ms (max {max(times) * 1000:.1f} ms, "
        f"{len(times)} queries)"
    )
    print(
        f"  brute-force scan, k=10:            median {brute * 1000:8.1f} ms ({len(brute_times)} queries, "
        f"answers equal)"
    )
    print(f"  ratio brute force / index:         {brute / median:8.1f}x")
    if with_database:
        database_neighbours(genomes, missing, picks[:5])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--genomes", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--neighbours", default="100000,1000000", help="synthetic set sizes, comma-separated")
    parser.add_argument("--database-size", type=int, default=20_000, help="synthetic size timed in the database")
    parser.add_argument("--skip-ingest", action="store_true")
    args = parser.parse_args()
    if not args.skip_ingest:
        ingest(args.genomes, args.workers)
    if args.database_size:
        neighbours(args.database_size, with_database=True)
    for size in (int(s) for s in args.neighbours.split(",") if s):
        neighbours(size, with_database=False)


if __name__ == "__main__":
    main()
