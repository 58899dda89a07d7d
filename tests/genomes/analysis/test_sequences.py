import gzip
import io
import random
from pathlib import Path

import pytest

from solidarity.errors import Invalid, TooLarge
from solidarity.genomes.analysis.sequences import FastaRecord, RecordError, read_fasta, sequence_hash


def test_reads_the_418_gzip_example_genomes(sars_cov_2_dir: Path) -> None:
    records = list(read_fasta(sars_cov_2_dir / "example_sequences.fasta.gz"))
    assert len(records) == 418
    assert all(isinstance(record, FastaRecord) for record in records)
    assert records[0].name == "Wuhan/Hu-1/2019"


def test_plain_and_gzip_give_the_same_records() -> None:
    text = b">one\nacgu\nACGT\n>two desc\r\nNNNA\r\n"
    plain = list(read_fasta(io.BytesIO(text)))
    zipped = list(read_fasta(io.BytesIO(gzip.compress(text))))
    assert plain == zipped == [FastaRecord("one", "ACGTACGT", 1), FastaRecord("two desc", "NNNA", 4)]


def test_bad_records_are_reported_each_with_name_and_position() -> None:
    records = list(read_fasta(io.BytesIO(b">good\nACGT\n>empty\n>bad\nACGT\nACJT\n>good2\nA\n")))
    assert [type(record) for record in records] == [FastaRecord, RecordError, RecordError, FastaRecord]
    assert records[1].name == "empty"
    assert "empty" in records[1].reason
    bad = records[2]
    assert isinstance(bad, RecordError)
    assert (bad.name, bad.line, bad.character, bad.position) == ("bad", 4, "J", 7)


def test_a_truncated_gzip_stream_marks_the_last_record_truncated() -> None:
    bases = random.Random(1).choices(b"ACGT", k=20000)
    data = gzip.compress(b">a\nACGT\n>b\n" + bytes(bases) + b"\n")
    records = list(read_fasta(io.BytesIO(data[: len(data) // 2])))
    assert isinstance(records[-1], RecordError)
    assert "truncated" in records[-1].reason


def test_a_gzip_bomb_is_refused_by_size_and_by_ratio() -> None:
    bomb = gzip.compress(b">x\n" + b"N" * (20 << 20))
    with pytest.raises(TooLarge):
        list(read_fasta(io.BytesIO(bomb), max_decompressed_bytes=1 << 20))
    with pytest.raises(TooLarge, match="gzip bomb"):
        list(read_fasta(io.BytesIO(bomb)))


def test_a_file_that_is_not_fasta_is_refused() -> None:
    with pytest.raises(Invalid, match="not FASTA"):
        list(read_fasta(io.BytesIO(b"strain,date\nx,2020-01-01\n")))
    with pytest.raises(Invalid, match="no FASTA record"):
        list(read_fasta(io.BytesIO(b"")))


def test_the_sequence_hash_ignores_case_gaps_and_u() -> None:
    assert sequence_hash("acgu-") == sequence_hash("ACGT")
    assert sequence_hash("ACGT") != sequence_hash("ACGA")
