"""Submitting genomes: FASTA and metadata in, one citable set of accessioned, analysed genomes out.

Records stream through in chunks: each chunk is checked (metadata row, dates, attribution, IUPAC,
duplicates by sequence hash), the good ones are analysed in a pool of workers and written. Bad
records follow the import modes of ``solidarity.imports``: in ``error-first`` and ``error-all``
nothing is written when any record is bad (the caller's transaction rolls back); in ``skip`` and
``warn`` the good ones are kept and every bad one is listed with its reason.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.audit import service as audit
from solidarity.db.base import utcnow
from solidarity.errors import Forbidden, Invalid, TooLarge
from solidarity.genomes import datasets
from solidarity.genomes.analysis import pipeline, sequences
from solidarity.genomes.analysis.pipeline import AnalysisFailure, GenomeAnalysis
from solidarity.genomes.distance import deleted_sites, parse_range, site_of
from solidarity.genomes.index import index_profile
from solidarity.genomes.metadata import MetadataRecord, read_metadata
from solidarity.genomes.models import (
    Genome,
    GenomeMissingRange,
    GenomeMutation,
    GenomeResult,
    GenomeSet,
)
from solidarity.imports import OnError, Problems
from solidarity.reference.countries import find_country

MODULE = "genomes"
CHUNK = 500
DEFAULT_MAX_METADATA_BYTES = 256 * 1024 * 1024
Progress = Callable[[int, int], None]
"""Called with (bytes of the FASTA file read, bytes in the file)."""


@dataclass
class SubmissionResult:
    """What the CLI prints with ``--json`` and the API answers."""

    set_id: str | None = None
    dataset: str | None = None
    accepted: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    embargo_until: str | None = None
    has_incomplete_attribution: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "set_id": self.set_id,
            "dataset": self.dataset,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "embargo_until": self.embargo_until,
            "has_incomplete_attribution": self.has_incomplete_attribution,
        }


class _Counting(io.RawIOBase):
    """A read-only stream that reports how many bytes were read, for progress bars."""

    def __init__(self, inner: BinaryIO, progress: Callable[[int], None]) -> None:
        self.inner = inner
        self.count = 0
        self.progress = progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(len(buffer))
        self.count += len(data)
        self.progress(self.count)
        buffer[: len(data)] = data
        return len(data)


def _read_metadata(stream: BinaryIO, file_name: str, today: dt.date, max_bytes: int) -> dict[str, MetadataRecord]:
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TooLarge(f"{file_name} is larger than {max_bytes:,} bytes", details=[{"file": file_name}])
    if data[:2] == b"\x1f\x8b":
        data = gzip.GzipFile(fileobj=io.BytesIO(data)).read(max_bytes + 1)
        if len(data) > max_bytes:
            raise TooLarge(f"{file_name} unpacks to more than {max_bytes:,} bytes", details=[{"file": file_name}])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise Invalid(
            f"{file_name}, line {line}: not UTF-8 text",
            details=[{"file": file_name, "line": line, "field": None, "value": None, "reason": "not UTF-8"}],
        ) from None
    _, records = read_metadata(text, file_name, today)
    by_name: dict[str, MetadataRecord] = {}
    for record in records:
        if record.virus_name in by_name:
            record.problems.append(("virus_name", record.virus_name, "the virus name appears twice in the metadata"))
        by_name.setdefault(record.virus_name, record)
    return by_name


@dataclass
class _Candidate:
    name: str
    line: int | None
    sequence: str
    sha256: str
    meta: MetadataRecord
    country_code: str | None


class _Submission:
    def __init__(
        self,
        session: Session,
        actor: Actor,
        *,
        fasta_name: str,
        metadata_name: str,
        dataset_row: Any,
        on_error: OnError,
        allow_incomplete_attribution: bool,
        embargo_until: dt.date | None,
        workers: int,
    ) -> None:
        self.session = session
        self.actor = actor
        self.dataset_row = dataset_row
        self.dataset = datasets.load_registered(dataset_row)
        self.fasta_problems = Problems(fasta_name, on_error)
        self.metadata_problems = Problems(metadata_name, on_error)
        self.allow_incomplete = allow_incomplete_attribution
        self.embargo_until = embargo_until
        self.workers = workers
        self.result = SubmissionResult(
            dataset=f"{dataset_row.name}@{dataset_row.version}",
            embargo_until=embargo_until.isoformat() if embargo_until else None,
        )
        self.genome_set: GenomeSet | None = None
        self.seen_hashes: dict[str, str] = {}
        self.stored_names: dict[str, str] = {}  # name -> accession of the stored genome it repeats

    def reject(
        self, name: str, line: int | None, field_name: str | None, value: object, reason: str, *, file: str = "fasta"
    ) -> None:
        problems = self.fasta_problems if file == "fasta" else self.metadata_problems
        self.result.rejected.append(
            {"name": name, "reason": reason, "file": problems.file, "line": line, "field": field_name, "value": value}
        )
        problems.add(line=line, field=field_name, value=value, reason=reason if name in reason else f"{name}: {reason}")

    def check(
        self, name: str, line: int | None, sequence: str, problem: str | None, meta: MetadataRecord | None
    ) -> _Candidate | None:
        if problem is not None:
            self.reject(name, line, "sequence", None, problem)
            return None
        if meta is None:
            self.reject(name, line, "name", name, "no metadata row for this sequence")
            return None
        for field_name, value, reason in meta.problems:
            self.reject(name, meta.line, field_name, value, reason, file="metadata")
            return None
        missing = meta.missing_attribution
        if missing and not self.allow_incomplete:
            self.reject(
                name,
                meta.line,
                missing[0],
                None,
                f"{', '.join(missing)} required (use --allow-incomplete-attribution for re-shared public data)",
                file="metadata",
            )
            return None
        country_code = None
        if meta.country is not None:
            country = find_country(meta.country)
            if country is None:
                self.reject(name, meta.line, "country", meta.country, "unknown country", file="metadata")
                return None
            country_code = country.alpha2
        digest = sequences.sequence_hash(sequence)
        earlier = self.seen_hashes.get(digest)
        if earlier is not None:
            self.result.duplicates.append({"name": name, "accession": None, "duplicate_of": earlier})
            return None
        # A sequence stored before is found when its chunk is written (one query per chunk, not per genome).
        self.seen_hashes[digest] = name
        return _Candidate(name, line, sequence, digest, meta, country_code)

    def stored_before(self, digests: list[str]) -> dict[str, str]:
        """Accessions of the sequences among ``digests`` already stored under this dataset."""
        found: dict[str, str] = {}
        for offset in range(0, len(digests), 500):
            rows = self.session.execute(
                select(Genome.sequence_sha256, Genome.accession).where(
                    Genome.dataset_id == self.dataset_row.id,
                    Genome.sequence_sha256.in_(digests[offset : offset + 500]),
                )
            )
            found.update((digest, accession or "") for digest, accession in rows)
        return found

    def write(self, analysed: list[tuple[_Candidate, GenomeAnalysis | AnalysisFailure]]) -> None:
        """Store one chunk of analysed genomes with a few multi-row statements (no ORM object per genome)."""
        existing = self.stored_before([candidate.sha256 for candidate, _ in analysed])
        accepted: list[tuple[_Candidate, dict[str, Any]]] = []
        for candidate, analysis in analysed:
            accession = existing.get(candidate.sha256)
            if accession is not None:
                self.result.duplicates.append({"name": candidate.name, "accession": accession, "duplicate_of": None})
                self.stored_names[candidate.name] = accession
                continue
            if isinstance(analysis, AnalysisFailure):
                self.reject(candidate.name, candidate.line, "sequence", None, analysis.reason)
                continue
            accepted.append((candidate, analysis.as_dict()))
        if not accepted:
            return
        genome_set = self._genome_set()
        now = utcnow()
        rows = []
        for candidate, _ in accepted:
            meta = candidate.meta
            incomplete = bool(meta.missing_attribution)
            rows.append(
                {
                    "set_id": genome_set.id,
                    "dataset_id": self.dataset_row.id,
                    "virus_name": candidate.name,
                    "sequence_sha256": candidate.sha256,
                    "sequence_zlib": compress_sequence(candidate.sequence),
                    "length": len(candidate.sequence),
                    "collection_date": meta.collection_date,
                    "date_precision": meta.date_precision,
                    "region": meta.region,
                    "country_code": candidate.country_code,
                    "country_name": meta.country,
                    "division": meta.division,
                    "host": meta.host,
                    "sex": meta.sex,
                    "age": meta.age,
                    "originating_lab": meta.originating_lab,
                    "submitting_lab": meta.submitting_lab,
                    "authors": meta.authors,
                    "sequencing_technology": meta.sequencing_technology,
                    "assembly_method": meta.assembly_method,
                    "coverage": meta.coverage,
                    "has_incomplete_attribution": incomplete,
                    "embargo_until": self.embargo_until,
                    "created_at": now,
                }
            )
            genome_set.has_incomplete_attribution = genome_set.has_incomplete_attribution or incomplete
        ids = list(self.session.scalars(insert(Genome).returning(Genome.id, sort_by_parameter_order=True), rows))
        self.session.execute(
            update(Genome), [{"id": genome_id, "accession": accession_for(genome_id)} for genome_id in ids]
        )
        results: list[dict[str, Any]] = []
        mutations: list[dict[str, Any]] = []
        missing: list[dict[str, Any]] = []
        for genome_id, (candidate, data) in zip(ids, accepted, strict=True):
            self.result.accepted.append({"name": candidate.name, "accession": accession_for(genome_id)})
            results.append(result_row(genome_id, data, self.dataset.clades_version))
            mutations.extend(index_rows(genome_id, data))
            missing.extend(
                {"genome_id": genome_id, "start": start, "end": end}
                for start, end in (parse_range(item) for item in data.get("missing", []))
            )
        self.session.execute(insert(GenomeResult), results)
        if mutations:
            self.session.execute(insert(GenomeMutation), mutations)
        if missing:
            self.session.execute(insert(GenomeMissingRange), missing)
        genome_set.genome_count += len(ids)
        self.session.flush()

    def _genome_set(self) -> GenomeSet:
        if self.genome_set is None:
            self.genome_set = GenomeSet(
                dataset_id=self.dataset_row.id,
                organisation_id=self.actor.organisation_id,
                submitted_by_user_id=self.actor.user_id,
                submitted_by=self.actor.label,
                embargo_until=self.embargo_until,
                genome_count=0,
                has_incomplete_attribution=False,
                file_name=self.fasta_problems.file,
            )
            self.session.add(self.genome_set)
            self.session.flush()
            year = (self.genome_set.created_at or dt.datetime.now(dt.UTC)).year
            self.genome_set.set_id = f"SOL-SET-{year}-{self.genome_set.id:06d}"
            self.result.set_id = self.genome_set.set_id
        return self.genome_set


def accession_for(genome_id: int) -> str:
    """The stable accession of a genome row.

    >>> accession_for(42)
    'SOL-G-000042'
    """
    return f"SOL-G-{genome_id:06d}"


def compress_sequence(sequence: str) -> bytes:
    """A sequence as stored (``Genome.sequence_zlib``): zlib, read back with ``zlib.decompress``.

    Run-length strategy at level 1: about 8 times faster than zlib's default level and a little
    smaller on genomes (four letters and runs of N), which matters at tens of genomes per second.

    >>> zlib.decompress(compress_sequence("ACGT" * 100 + "N" * 500)).decode()[-3:]
    'NNN'
    """
    packer = zlib.compressobj(1, zlib.DEFLATED, 15, 9, zlib.Z_RLE)
    return packer.compress(sequence.encode("ascii")) + packer.flush()


def result_row(genome_id: int, analysis: dict[str, Any], clades_version: str) -> dict[str, Any]:
    qc = analysis.get("qc") or {}
    deleted = deleted_sites(analysis.get("deletions", []))
    index_tokens, index_missing = index_profile(analysis)
    return {
        "index_tokens": index_tokens,
        "index_missing": index_missing,
        "genome_id": genome_id,
        "analysis": analysis,
        "clade": analysis.get("clade"),
        "clade_version": analysis.get("clade_version") or clades_version,
        "qc_status": qc.get("status"),
        "qc_score": qc.get("overall_score"),
        "mutation_count": len(set(analysis.get("substitutions", []))) + len(set(deleted)),
    }


def index_rows(genome_id: int, analysis: dict[str, Any]) -> list[dict[str, Any]]:
    """The inverted-index rows of one analysed genome (see ``GenomeMutation``)."""
    rows: dict[str, dict[str, Any]] = {}
    for token in analysis.get("substitutions", []):
        rows[token] = {"mutation": token, "genome_id": genome_id, "kind": "nuc", "site": site_of(token)}
    for item in analysis.get("deletions", []):
        start, end = parse_range(item)
        label = f"{start}-{end}" if end != start else str(start)
        rows[label] = {"mutation": label, "genome_id": genome_id, "kind": "del", "site": start}
        for site in range(start, end + 1):
            token = f"del:{site}"
            rows[token] = {"mutation": token, "genome_id": genome_id, "kind": "site", "site": site}
    for token in (*analysis.get("aa_substitutions", []), *analysis.get("aa_deletions", [])):
        rows[token] = {"mutation": token, "genome_id": genome_id, "kind": "aa", "site": None}
    return list(rows.values())


def submit_genomes(
    session: Session,
    actor: Actor,
    fasta: BinaryIO,
    fasta_name: str,
    metadata: BinaryIO,
    metadata_name: str,
    *,
    dataset: str | None = None,
    allow_incomplete_attribution: bool = False,
    on_error: OnError = OnError.ERROR_FIRST,
    embargo_until: dt.date | None = None,
    workers: int = 2,
    max_sequence_bytes: int | None = None,
    max_metadata_bytes: int = DEFAULT_MAX_METADATA_BYTES,
    progress: Progress | None = None,
    today: dt.date | None = None,
) -> SubmissionResult:
    """Check, analyse and store a batch of genomes as one new citable set; return what happened.

    Each accepted genome gets an accession (``SOL-G-000001``) and the batch a set id
    (``SOL-SET-2026-000001``); a sequence stored before (same SHA-256 under the same dataset) is
    listed in ``duplicates`` with its accession and not stored again. Raises ``Invalid`` listing the
    bad records in the error modes (nothing is then written), ``TooLarge`` when a file unpacks past
    ``max_sequence_bytes``, ``Forbidden`` unless the actor is an editor, coordinator or admin.
    """
    actor.require_authenticated()
    if not actor.can_write(MODULE, actor.organisation_id):
        raise Forbidden(f"{actor.label} ({actor.role}) may not submit genomes")
    today = today or dt.datetime.now(dt.UTC).date()
    if embargo_until is not None and embargo_until <= today:
        raise Invalid(
            f"The embargo date {embargo_until.isoformat()} is not in the future",
            details=[{"field": "embargo_until", "value": embargo_until.isoformat(), "reason": "not in the future"}],
        )
    row = datasets.find_dataset(session, dataset)
    meta_by_name = _read_metadata(metadata, metadata_name, today, max_metadata_bytes)
    job = _Submission(
        session,
        actor,
        fasta_name=fasta_name,
        metadata_name=metadata_name,
        dataset_row=row,
        on_error=on_error,
        allow_incomplete_attribution=allow_incomplete_attribution,
        embargo_until=embargo_until,
        workers=workers,
    )
    stream = fasta
    if progress is not None:
        total = _size(fasta)
        report = progress
        stream = io.BufferedReader(_Counting(fasta, lambda done: report(done, total)))
    used: dict[str, int] = {}  # name -> its place in the FASTA file
    waiting: deque[_Candidate] = deque()

    def checked() -> Iterator[tuple[str, str]]:
        for name, line, sequence, problem in _fasta_records(stream, fasta_name, max_sequence_bytes):
            if name in used:
                job.reject(name, line, "name", name, "the virus name appears twice in the FASTA file")
                continue
            used[name] = len(used)
            candidate = job.check(name, line, sequence, problem, meta_by_name.get(name))
            if candidate is not None:
                waiting.append(candidate)
                yield candidate.name, candidate.sequence

    batch: list[tuple[_Candidate, GenomeAnalysis | AnalysisFailure]] = []
    for analysis in pipeline.analyse_many(job.dataset, checked(), workers=workers):
        batch.append((waiting.popleft(), analysis))
        if len(batch) >= CHUNK:
            job.write(batch)
            batch = []
    job.write(batch)
    accepted_now = {item["name"]: item["accession"] for item in job.result.accepted}
    for item in job.result.duplicates:
        if item["accession"] is not None:
            continue
        if item["duplicate_of"] in job.stored_names:  # a repeat of a sequence stored before: its accession
            item["accession"], item["duplicate_of"] = job.stored_names[item["duplicate_of"]], None
        else:  # a repeat of a genome accepted earlier in this batch: the accession it got
            item["accession"] = accepted_now.get(item["duplicate_of"])
    job.result.duplicates.sort(key=lambda item: used[item["name"]])  # in FASTA order, whichever way found
    for name, meta in meta_by_name.items():
        if name not in used:
            job.reject(name, meta.line, "virus_name", name, "metadata row without a sequence", file="metadata")
    _raise_if_failed(job.fasta_problems, job.metadata_problems)
    if job.genome_set is not None:
        audit.record(
            session,
            actor,
            module=MODULE,
            action="submit",
            entity_type="genome_set",
            entity_id=job.genome_set.set_id,
            after={
                **audit.snapshot(job.genome_set),
                "accessions": [item["accession"] for item in job.result.accepted],
                "rejected": len(job.result.rejected),
                "duplicates": len(job.result.duplicates),
            },
        )
        job.result.has_incomplete_attribution = job.genome_set.has_incomplete_attribution
    return job.result


def _raise_if_failed(*files: Problems) -> None:
    """In the error modes, raise one ``Invalid`` listing the problems of both files."""
    failed = [problems for problems in files if problems.has_errors and not problems.mode.writes_good_records]
    if not failed:
        return
    if len(failed) == 1:
        failed[0].raise_if_failed()
    total = sum(problems.error_count for problems in failed)
    first = failed[0].errors[0]
    raise Invalid(
        f"{total} problems in {' and '.join(p.file for p in failed)}; first: {first.describe()}",
        details=[problem.as_dict() for problems in failed for problem in problems.errors],
    )


def _size(stream: BinaryIO) -> int:
    try:
        position = stream.tell()
        end = stream.seek(0, 2)
        stream.seek(position)
        return end - position
    except (OSError, ValueError):
        return 0


def _fasta_records(
    stream: BinaryIO, file_name: str, max_bytes: int | None
) -> Iterator[tuple[str, int | None, str, str | None]]:
    """(name, line, sequence, problem) per FASTA record; a file that is not FASTA raises ``Invalid``."""
    limits = {"max_decompressed_bytes": max_bytes} if max_bytes is not None else {}
    for record in sequences.read_fasta(stream, file_name=file_name, **limits):
        if isinstance(record, sequences.RecordError):
            yield record.name, record.line, "", record.reason
        else:
            yield record.name, record.line, record.sequence, None
