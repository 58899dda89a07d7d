"""Submission: accessions and set ids, per-record rejections, duplicates, error modes, embargo, limits."""

from __future__ import annotations

import datetime as dt
import gzip
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor, Role
from solidarity.audit.models import AuditEntry
from solidarity.db import transaction
from solidarity.errors import Forbidden, Invalid, TooLarge
from solidarity.genomes import queries, submission
from solidarity.genomes.models import Genome, GenomeMutation, GenomeSet
from solidarity.imports import OnError
from tests.genomes.conftest import Batch, Submitter, example_metadata

BatchWriter = Callable[..., Batch]


def _count(db: sessionmaker[Session], model: type) -> int:
    with transaction(db) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_accepted_genomes_get_accessions_a_set_id_and_their_analysis(
    db: sessionmaker[Session], submit: Submitter, write_batch: BatchWriter, small_records: list[tuple[str, str]]
) -> None:
    result = submit(write_batch(small_records, gz=True))

    assert [item["name"] for item in result.accepted] == [name for name, _ in small_records]
    assert all(item["accession"].startswith("SOL-G-") for item in result.accepted)
    assert result.set_id is not None
    assert result.set_id.startswith("SOL-SET-")
    assert result.rejected == []
    assert result.duplicates == []
    assert result.has_incomplete_attribution  # the example labs are '?'
    with transaction(db) as session:
        row = queries.get_genome(session, result.accepted[0]["accession"])
        assert row.genome.virus_name == "Wuhan/Hu-1/2019"
        assert row.result.analysis["substitutions"] == []
        assert row.result.clade_version
        assert row.genome.country_code == "CN"
        assert row.genome.has_incomplete_attribution
        vic05 = queries.get_genome(session, result.accepted[1]["accession"])
        assert "C8782T" in vic05.result.analysis["substitutions"]
        assert vic05.genome.collection_date == dt.date(2020, 3, 5)
        assert session.scalar(select(func.count()).where(GenomeMutation.genome_id == vic05.genome.id)) > 0
        entry = session.scalar(select(AuditEntry).where(AuditEntry.module == "genomes", AuditEntry.action == "submit"))
        assert entry is not None
        assert entry.entity_id == result.set_id


def test_each_bad_record_is_rejected_with_its_reason_and_good_ones_kept_when_skipping(
    db: sessionmaker[Session], submit: Submitter, write_batch: BatchWriter, small_records: list[tuple[str, str]]
) -> None:
    _header, rows = example_metadata()
    good = small_records[1]
    future = small_records[2]
    records = [
        good,
        ("Bad/IUPAC/2020", "ACGTXACGT" * 10),
        ("Bad/Empty/2020", ""),
        ("No/Metadata/2020", small_records[3][1]),
        future,
    ]
    future_row = rows[future[0]].replace("\t2020-03-", "\t2099-03-", 1)
    lines = [
        rows[good[0]],
        rows[good[0]].replace(good[0], "Bad/IUPAC/2020", 1),
        rows[good[0]].replace(good[0], "Bad/Empty/2020", 1),
        rows[good[0]].replace(good[0], "Only/Metadata/2020", 1),
        future_row,
    ]
    result = submit(write_batch(records, lines), on_error=OnError.SKIP)

    assert [item["name"] for item in result.accepted] == [good[0]]
    reasons = {item["name"]: item["reason"] for item in result.rejected}
    assert "not an IUPAC nucleotide code" in reasons["Bad/IUPAC/2020"]
    assert "empty" in reasons["Bad/Empty/2020"]
    assert reasons["No/Metadata/2020"] == "no metadata row for this sequence"
    assert reasons["Only/Metadata/2020"] == "metadata row without a sequence"
    assert reasons[future[0]] == "in the future"
    assert _count(db, Genome) == 1


def test_missing_labs_are_refused_unless_incomplete_attribution_is_allowed(
    submit: Submitter, write_batch: BatchWriter, small_records: list[tuple[str, str]]
) -> None:
    batch = write_batch(small_records[:2])
    refused = submit(batch, allow_incomplete_attribution=False)
    assert refused.accepted == []
    assert refused.set_id is None
    assert {item["field"] for item in refused.rejected} == {"originating_lab"}
    assert "--allow-incomplete-attribution" in refused.rejected[0]["reason"]
    accepted = submit(batch, allow_incomplete_attribution=True)
    assert len(accepted.accepted) == 2


def test_gisaid_template_columns_are_understood_and_complete_attribution_needs_no_flag(
    db: sessionmaker[Session], submit: Submitter, write_batch: BatchWriter, small_records: list[tuple[str, str]]
) -> None:
    _name, sequence = small_records[1]
    header = "\t".join(
        [
            "covv_virus_name",
            "covv_collection_date",
            "covv_location",
            "covv_host",
            "covv_gender",
            "covv_patient_age",
            "covv_orig_lab",
            "covv_subm_lab",
            "covv_authors",
            "covv_seq_technology",
            "covv_coverage",
        ]
    )
    row = "\t".join(
        [
            "hCoV-19/Australia/VIC05/2020",
            "2020-03",
            "Oceania / Australia / Victoria",
            "Human",
            "Female",
            "44",
            "Doherty Institute",
            "MDU Public Health Laboratory",
            "Seemann et al",
            "Illumina MiSeq",
            "1000x",
        ]
    )
    batch = write_batch([("hCoV-19/Australia/VIC05/2020", sequence)], [row], header=header)
    result = submit(batch, allow_incomplete_attribution=False)
    assert len(result.accepted) == 1
    assert not result.has_incomplete_attribution
    with transaction(db) as session:
        stored = queries.get_genome(session, result.accepted[0]["accession"]).genome
        assert (stored.region, stored.country_code, stored.division) == ("Oceania", "AU", "Victoria")
        assert (stored.collection_date, stored.date_precision) == (dt.date(2020, 3, 1), "month")
        assert stored.originating_lab == "Doherty Institute"
        assert stored.sequencing_technology == "Illumina MiSeq"
        assert not stored.has_incomplete_attribution


def test_the_same_sequence_again_is_reported_as_a_duplicate_with_its_accession(
    db: sessionmaker[Session], submit: Submitter, write_batch: BatchWriter, small_records: list[tuple[str, str]]
) -> None:
    first = submit(write_batch(small_records[:2]))
    again = submit(write_batch(small_records[:3]))
    assert [item["accession"] for item in again.duplicates] == [item["accession"] for item in first.accepted]
    assert len(again.accepted) == 1
    _header, rows = example_metadata()
    renamed_row = rows[small_records[2][0]].replace(small_records[2][0], "Renamed/copy/2020", 1)
    renamed = submit(write_batch([("Renamed/copy/2020", small_records[2][1].lower())], [renamed_row]))
    assert renamed.duplicates[0]["accession"] == again.accepted[0]["accession"]
    twice = [(f"Renamed/twice/{n}", small_records[2][1]) for n in (1, 2)]
    rows_twice = [rows[small_records[2][0]].replace(small_records[2][0], name, 1) for name, _ in twice]
    repeated = submit(write_batch(twice, rows_twice))
    assert repeated.accepted == []
    assert [(item["name"], item["accession"], item["duplicate_of"]) for item in repeated.duplicates] == [
        (name, again.accepted[0]["accession"], None) for name, _ in twice
    ]
    assert _count(db, Genome) == 3


def test_a_repeat_within_one_batch_carries_the_accession_of_its_first_copy(
    db: sessionmaker[Session], submit: Submitter, write_batch: BatchWriter, small_records: list[tuple[str, str]]
) -> None:
    _header, rows = example_metadata()
    name, sequence = small_records[0]
    copy = "Repeated/in/batch/2020"
    batch = write_batch([(name, sequence), (copy, sequence)], [rows[name], rows[name].replace(name, copy, 1)])
    result = submit(batch)
    assert [item["name"] for item in result.accepted] == [name]
    assert result.duplicates == [{"name": copy, "accession": result.accepted[0]["accession"], "duplicate_of": name}]
    assert _count(db, Genome) == 1


def test_error_modes_write_nothing_when_any_record_is_bad(
    db: sessionmaker[Session], submit: Submitter, write_batch: BatchWriter, small_records: list[tuple[str, str]]
) -> None:
    _header, rows = example_metadata()
    extra = rows[small_records[0][0]].replace(small_records[0][0], "Only/Metadata/2020", 1)
    lines = [rows[name] for name, _ in small_records[:3]] + [extra]
    batch = write_batch([*small_records[:3], ("Bad/IUPAC/2020", "ACGTJ" * 40)], lines)
    with pytest.raises(Invalid) as all_errors:
        submit(batch, on_error=OnError.ERROR_ALL)
    assert [detail["file"] for detail in all_errors.value.details] == [batch.fasta.name, batch.metadata.name]
    with pytest.raises(Invalid):
        submit(batch, on_error=OnError.ERROR_FIRST)
    assert _count(db, Genome) == 0
    assert _count(db, GenomeSet) == 0


def test_a_sequence_of_another_pathogen_is_rejected_as_aligning_to_nothing(
    submit: Submitter, write_batch: BatchWriter, small_records: list[tuple[str, str]]
) -> None:
    _header, rows = example_metadata()
    name = small_records[1][0]
    alien = "".join("ACGT"[(i * 7919 + i // 3) % 4] for i in range(3000))  # not SARS-CoV-2
    result = submit(write_batch([(name, alien)], [rows[name]]))
    assert result.accepted == []
    assert result.rejected[0]["name"] == name


def test_not_fasta_and_gzip_bombs_fail_the_whole_file(dataset: str, db: sessionmaker[Session], tmp_path: Path) -> None:
    header, _rows = example_metadata()
    metadata = (header + "\n").encode()
    with transaction(db) as session, pytest.raises(Invalid, match="not FASTA"):
        submission.submit_genomes(
            session, Actor.system("t"), io.BytesIO(b"strain,date\nx,2020\n"), "x.fasta", io.BytesIO(metadata), "m.tsv"
        )
    bomb = gzip.compress(b">a\n" + b"N" * (20 << 20))
    with transaction(db) as session, pytest.raises(TooLarge):
        submission.submit_genomes(
            session,
            Actor.system("t"),
            io.BytesIO(bomb),
            "bomb.fasta.gz",
            io.BytesIO(metadata),
            "m.tsv",
            max_sequence_bytes=1 << 20,
        )


def test_embargo_is_stored_and_must_be_in_the_future(
    db: sessionmaker[Session], submit: Submitter, write_batch: BatchWriter, small_records: list[tuple[str, str]]
) -> None:
    with pytest.raises(Invalid, match="not in the future"):
        submit(write_batch(small_records[:1]), embargo_until=dt.date(2020, 1, 1))
    result = submit(write_batch(small_records[:1]), embargo_until=dt.date(2099, 1, 1))
    assert result.embargo_until == "2099-01-01"
    with transaction(db) as session:
        assert queries.get_genome(session, result.accepted[0]["accession"]).genome.embargo_until == dt.date(2099, 1, 1)


def test_viewers_may_not_submit(
    submit: Submitter, write_batch: BatchWriter, small_records: list[tuple[str, str]]
) -> None:
    viewer = Actor(user_id=None, organisation_id=1, role=Role.VIEWER, label="viewer")
    with pytest.raises(Forbidden):
        submit(write_batch(small_records[:1]), actor=viewer)
