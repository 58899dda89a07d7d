"""Search and neighbours: mutation search and k nearest genomes agree with brute force on the 418 real genomes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from solidarity.db import transaction
from solidarity.errors import Invalid
from solidarity.genomes import neighbours, queries
from solidarity.genomes.distance import Profile, distance
from solidarity.genomes.index import token_code, unpack
from solidarity.genomes.models import Genome, GenomeResult
from tests.genomes.conftest import EXAMPLE_FASTA, EXAMPLE_METADATA, Batch, Submitter


def test_the_418_example_genomes_search_and_neighbours_agree_with_brute_force(
    db: sessionmaker[Session], submit: Submitter
) -> None:
    result = submit(Batch(EXAMPLE_FASTA, EXAMPLE_METADATA), workers=2)
    assert len(result.accepted) + len(result.duplicates) == 418
    assert result.rejected == []
    assert len(result.duplicates) == 9  # identical sequences under other names in the example set
    with transaction(db) as session:
        stored = session.execute(select(Genome.id, Genome.accession, GenomeResult.analysis).join(GenomeResult)).all()
        profiles = {accession: Profile.from_analysis(analysis) for _, accession, analysis in stored}
        aa = {accession: set(analysis["aa_substitutions"]) for _, accession, analysis in stored}
        nuc = {accession: set(analysis["substitutions"]) for _, accession, analysis in stored}

        for mutations in (["S:D614G"], ["C14408T"], ["S:D614G", "C14408T", "C3037T"], ["ORF8:L84S"]):
            rows, count = queries.search(session, queries.GenomeFilter(mutations=mutations), limit=1000)
            expected = {
                accession for accession in profiles if all(m in aa[accession] or m in nuc[accession] for m in mutations)
            }
            assert {row.genome.accession for row in rows} == expected
            assert count == len(expected)
            assert expected, mutations

        def check_neighbours() -> None:
            for accession in list(profiles)[::23]:
                found = [(n.distance, n.accession) for n in neighbours.neighbours_of(session, accession, 10)]
                brute = sorted(
                    (distance(profiles[accession], p), other) for other, p in profiles.items() if other != accession
                )
                assert found == brute[:10], accession

        check_neighbours()
        # every stored profile is the analysis' tokens, packed
        for genome_id, accession, _ in stored[::37]:
            packed = session.get_one(GenomeResult, genome_id).index_tokens
            assert packed is not None
            assert sorted(unpack(packed).tolist()) == sorted(token_code(t) for t in profiles[accession].tokens)
        # rows stored before migration 0012 have no packed profile: read from the index rows, same answers
        session.execute(
            update(GenomeResult)
            .where(GenomeResult.genome_id.in_([genome_id for genome_id, _, _ in stored[::2]]))
            .values(index_tokens=None, index_missing=None)
        )
        neighbours._snapshots.clear()
        check_neighbours()


def test_metadata_filters_combine(
    db: sessionmaker[Session],
    submit: Submitter,
    write_batch: Callable[..., Batch],
    small_records: list[tuple[str, str]],
) -> None:
    submit(write_batch(small_records))
    with transaction(db) as session:

        def names(**filters: object) -> set[str]:
            rows, _ = queries.search(session, queries.GenomeFilter(**filters))  # type: ignore[arg-type]
            return {row.genome.virus_name for row in rows}

        assert names(country="Australia") == {name for name, _ in small_records[1:]}
        assert names(country="CN") == {"Wuhan/Hu-1/2019"}
        assert names(date_from=dt.date(2020, 3, 1), date_to=dt.date(2020, 3, 10)) <= names(country="AU")
        assert names(clade="19A", country="AU") | names(clade="19B", country="AU") <= names(country="AU")
        assert names(qc_status="good")
        assert names(mutations=["C8782T"]) == names(mutations=["ORF8:L84S"]) - {"Wuhan/Hu-1/2019"}
        assert names(lab="no such lab") == set()


def test_a_genome_without_mutations_is_its_own_nearest_neighbour_at_zero(
    db: sessionmaker[Session],
    submit: Submitter,
    write_batch: Callable[..., Batch],
    small_records: list[tuple[str, str]],
) -> None:
    accepted = submit(write_batch(small_records)).accepted
    with transaction(db) as session:
        found = neighbours.neighbours_of_sequence(session, small_records[0][1], k=2)
        assert found[0].accession == accepted[0]["accession"]
        assert found[0].distance == 0
        assert len(neighbours.neighbours_of(session, accepted[0]["accession"], k=50)) == 4


def test_a_malformed_mutation_is_refused_with_its_value() -> None:
    with pytest.raises(Invalid, match="not a mutation"):
        queries.normalise_mutation("D614G")


def test_the_in_memory_index_agrees_with_brute_force_on_generated_genomes() -> None:
    import random

    from solidarity.genomes.index import MutationIndex, brute_force, encode, token_site

    rng = random.Random(5)
    clades = [[encode(rng.randrange(1, 30000), rng.choice("ACGT-")) for _ in range(8)] for _ in range(5)]
    root = [encode(241, "T"), encode(3037, "T"), encode(23403, "G")]
    genomes, missing = [], []
    for _ in range(400):
        tokens = set(rng.choice(clades)) | {encode(rng.randrange(1, 30000), rng.choice("ACGT")) for _ in range(3)}
        if rng.random() < 0.9:  # root mutations most genomes carry: counted through the genomes without them
            tokens |= set(root)
        start = rng.randrange(1, 29000)
        ranges = [(1, 54), (start, start + rng.randrange(0, 800))] if rng.random() < 0.4 else []
        # as in real analyses, a genome has no mutation where its own sequence is missing
        genomes.append(frozenset(t for t in tokens if not any(a <= token_site(t) <= b for a, b in ranges)))
        missing.append(ranges)
    index = MutationIndex.build([sorted(g) for g in genomes], missing)
    assert index.complements
    # the same genomes indexed in three steps, as a process's index grows with new submissions
    grown = MutationIndex.build([sorted(g) for g in genomes[:150]], missing[:150])
    for low, high in ((150, 151), (151, 400)):
        part = [sorted(g) for g in genomes[low:high]]
        flat = np.array([t for g in part for t in g], dtype=np.int64)
        grown = grown.extended(flat, np.array([len(g) for g in part], dtype=np.int64), missing[low:high])
    assert grown.genome_count == 400
    for q in range(0, 400, 37):
        expected = brute_force(genomes, missing, genomes[q], missing[q], k=10, exclude=q)
        assert index.nearest(sorted(genomes[q]), missing[q], k=10, exclude=q) == expected
        assert grown.nearest(sorted(genomes[q]), missing[q], k=10, exclude=q) == expected


def test_a_process_index_grows_with_new_submissions(
    db: sessionmaker[Session],
    submit: Submitter,
    write_batch: Callable[..., Batch],
    small_records: list[tuple[str, str]],
) -> None:
    first = submit(write_batch(small_records[:2])).accepted
    with transaction(db) as session:
        assert len(neighbours.neighbours_of(session, first[0]["accession"], k=50)) == 1
    submit(write_batch(small_records[2:]))
    with transaction(db) as session:
        stored = session.execute(select(Genome.accession, GenomeResult.analysis).join(GenomeResult)).all()
        profiles = {accession: Profile.from_analysis(analysis) for accession, analysis in stored}
        for accession in profiles:
            found = [(n.distance, n.accession) for n in neighbours.neighbours_of(session, accession, k=50)]
            brute = sorted(
                (distance(profiles[accession], p), other) for other, p in profiles.items() if other != accession
            )
            assert found == brute
