"""The whole analysis of a genome, one at a time or many in a pool of worker processes.

``analyse`` aligns one sequence, calls its mutations, translates them, assigns the clade and runs
QC, returning a ``GenomeAnalysis`` in Nextclade's notation (``C241T``, ``11288-11296``,
``22204:GAGCCAGAA``, ``S:D614G``, ``ORF1a:S3675-``). ``analyse_many`` does the same for a stream of
records in worker processes (each builds its own minimap2 index: mappy objects don't pickle),
yielding results in input order; a record that cannot be analysed yields an ``AnalysisFailure``
naming it and the reason, and the others go on. Memory stays flat: only a bounded number of chunks
is in flight at a time.
"""

from __future__ import annotations

import multiprocessing
import weakref
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import Any

from solidarity.errors import Invalid, SolidarityError
from solidarity.genomes.analysis.aligner import Aligner
from solidarity.genomes.analysis.clades import CladeAssigner
from solidarity.genomes.analysis.dataset import PathogenDataset, load_dataset
from solidarity.genomes.analysis.qc import QcReport, run_qc
from solidarity.genomes.analysis.sequences import FastaRecord, RecordError, first_non_iupac, normalise, sequence_hash
from solidarity.genomes.analysis.translate import Translator

CHUNK_RECORDS = 8
CHUNKS_IN_FLIGHT_PER_WORKER = 16

Record = FastaRecord | RecordError | tuple[str, str]


@dataclass(frozen=True)
class GenomeAnalysis:
    name: str
    sequence_hash: str
    length: int
    dataset_name: str
    dataset_version: str
    clade: str | None
    clade_version: str
    alignment_start: int
    alignment_end: int
    total_missing: int
    substitutions: tuple[str, ...]
    deletions: tuple[str, ...]
    insertions: tuple[str, ...]
    missing: tuple[str, ...]
    mixed_sites: tuple[str, ...]
    aa_substitutions: tuple[str, ...]
    aa_deletions: tuple[str, ...]
    frame_shifts: tuple[str, ...]
    stop_codons: tuple[str, ...]
    qc: QcReport

    def as_dict(self) -> dict[str, Any]:
        # By hand, not ``dataclasses.asdict``: that deep-copies every string, and ingest calls this per genome.
        data: dict[str, Any] = {}
        for name in _ANALYSIS_FIELDS:
            value = getattr(self, name)
            data[name] = list(value) if isinstance(value, tuple) else value
        data["qc"] = self.qc.as_dict()
        return data


_ANALYSIS_FIELDS = tuple(item.name for item in fields(GenomeAnalysis))


@dataclass(frozen=True)
class AnalysisFailure:
    name: str
    reason: str
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Analyser:
    def __init__(self, aligner: Aligner) -> None:
        self.aligner = aligner
        self.dataset = aligner.dataset
        self.translator = Translator(aligner.dataset)
        self.clades = CladeAssigner(aligner.dataset, self.translator)

    def analyse(self, name: str, sequence: str) -> GenomeAnalysis:
        sequence = normalise(sequence)
        if not sequence:
            raise Invalid(f"{name}: empty sequence", details=[{"field": "sequence", "value": name, "reason": "empty"}])
        bad = first_non_iupac(sequence)
        if bad is not None:
            position, character = bad
            raise Invalid(
                f"{name}: {character!r} at position {position} is not an IUPAC nucleotide code",
                details=[{"field": "sequence", "value": character, "position": position, "reason": "not IUPAC"}],
            )
        dataset = self.dataset
        alignment = self.aligner.align(name, sequence)
        frame = alignment.query_in_reference(dataset.reference)
        translation = self.translator.translate(alignment, frame)
        call = self.clades.assign(frame)
        qc = run_qc(
            dataset.qc,
            alignment,
            translation,
            frame=frame,
            reference=dataset.reference,
            clade_sites=self.clades.defining_sites(call.clade),
            labelled_sites=self.clades.labelled_sites,
        )
        return GenomeAnalysis(
            name=name,
            sequence_hash=sequence_hash(sequence),
            length=len(sequence),
            dataset_name=dataset.name,
            dataset_version=dataset.version,
            clade=call.clade,
            clade_version=call.definitions_version,
            alignment_start=alignment.reference_start,
            alignment_end=alignment.reference_end,
            total_missing=alignment.total_missing,
            substitutions=tuple(map(str, alignment.substitutions)),
            deletions=tuple(map(str, alignment.deletions)),
            insertions=tuple(map(str, alignment.insertions)),
            missing=tuple(map(str, alignment.missing)),
            mixed_sites=tuple(map(str, alignment.mixed_sites)),
            aa_substitutions=tuple(map(str, translation.aa_substitutions)),
            aa_deletions=tuple(map(str, translation.aa_deletions)),
            frame_shifts=tuple(map(str, translation.frame_shifts)),
            stop_codons=tuple(map(str, translation.stop_codons)),
            qc=qc,
        )


_analysers: weakref.WeakKeyDictionary[Aligner, _Analyser] = weakref.WeakKeyDictionary()


def _analyser_for(aligner_or_dataset: Aligner | PathogenDataset) -> _Analyser:
    aligner = aligner_or_dataset if isinstance(aligner_or_dataset, Aligner) else Aligner(aligner_or_dataset)
    analyser = _analysers.get(aligner)
    if analyser is None:
        analyser = _analysers[aligner] = _Analyser(aligner)
    return analyser


def analyse(aligner_or_dataset: Aligner | PathogenDataset, name: str, sequence: str) -> GenomeAnalysis:
    """Analyse one genome. Pass an ``Aligner`` to reuse its index (building one per call costs a few ms).

    Raises ``Invalid`` for an empty sequence, a non-IUPAC character (with its position) or a
    sequence that aligns to nothing in the reference.
    """
    return _analyser_for(aligner_or_dataset).analyse(name, sequence)


def _analyse_record(analyser: _Analyser, record: Record) -> GenomeAnalysis | AnalysisFailure:
    if isinstance(record, RecordError):
        return AnalysisFailure(record.name, record.reason, record.line)
    name, sequence, line = (
        (record.name, record.sequence, record.line) if isinstance(record, FastaRecord) else (*record, None)
    )
    try:
        return analyser.analyse(name, sequence)
    except SolidarityError as error:
        return AnalysisFailure(name, error.message, line)
    except Exception as error:  # one odd genome must not stop a batch; its failure is reported instead
        return AnalysisFailure(name, f"analysis failed: {type(error).__name__}: {error}", line)


_worker: _Analyser | None = None


def _initialise_worker(dataset: PathogenDataset) -> None:
    global _worker
    _worker = _Analyser(Aligner(dataset))


def _analyse_chunk(records: list[Record]) -> list[GenomeAnalysis | AnalysisFailure]:
    assert _worker is not None, "worker not initialised"
    return [_analyse_record(_worker, record) for record in records]


def _chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def analyse_many(
    dataset_dir_or_dataset: Path | PathogenDataset,
    records: Iterable[Record],
    workers: int = 2,
) -> Iterator[GenomeAnalysis | AnalysisFailure]:
    """Analyse records in ``workers`` processes (in this process when ``workers`` <= 1), in order.

    Records are ``FastaRecord``s, ``RecordError``s (passed through as failures, so a reader's
    per-record errors keep their place) or ``(name, sequence)`` pairs. Raises ``Invalid`` only for a
    bad dataset directory; each record's problem is an ``AnalysisFailure`` in its place.
    """
    dataset = (
        dataset_dir_or_dataset
        if isinstance(dataset_dir_or_dataset, PathogenDataset)
        else load_dataset(Path(dataset_dir_or_dataset))
    )
    if workers <= 1:
        analyser = _Analyser(Aligner(dataset))
        for record in records:
            yield _analyse_record(analyser, record)
        return
    # spawn, not fork: the caller may hold database connections or threads (a web server).
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=_initialise_worker, initargs=(dataset,)) as pool:
        pending: deque[AsyncResult[list[GenomeAnalysis | AnalysisFailure]]] = deque()
        for chunk in _chunks(records, CHUNK_RECORDS):
            pending.append(pool.apply_async(_analyse_chunk, (chunk,)))
            if len(pending) >= workers * CHUNKS_IN_FLIGHT_PER_WORKER:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()
