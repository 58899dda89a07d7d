"""Genomes API: datasets, submission, search (JSON and CSV), genome detail, neighbours, downloads, terms."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from starlette.responses import Response

from solidarity.config import Settings
from solidarity.errors import Invalid
from solidarity.genomes import access, neighbours, queries, submission
from solidarity.genomes.analysis import sequences
from solidarity.genomes.schemas import GenomePublic
from solidarity.imports import OnError, check_upload_name
from solidarity.web.api.listing import PageDep, listing
from solidarity.web.deps import ActorDep, SessionDep, SettingsDep

router = APIRouter(prefix="/genomes", tags=["genomes"])

CHUNK = 1 << 20
MutationQuery = Annotated[list[str] | None, Query(description="C14408T, S:D614G or 11288-11296; repeat for AND")]


def save_upload(upload: UploadFile, settings: Settings) -> Path:
    """Copy an upload to a temporary file under ``<data_dir>/uploads``; the caller deletes it."""
    check_upload_name(upload.filename or "upload")
    uploads = settings.data_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    path = uploads / f"{uuid.uuid4().hex}.upload"
    with path.open("wb") as target:
        while chunk := upload.file.read(CHUNK):
            target.write(chunk)
    return path


def max_sequence_bytes(settings: Settings) -> int:
    """How far an uploaded FASTA may unpack: ten times the upload limit (gzip of genomes packs about 8:1)."""
    return settings.max_upload_bytes * 10


def genome_filter(
    dataset: Annotated[str | None, Query(max_length=100)] = None,
    clade: Annotated[str | None, Query(max_length=40)] = None,
    country: Annotated[str | None, Query(max_length=100)] = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    lab: Annotated[str | None, Query(max_length=200)] = None,
    qc_status: Annotated[str | None, Query(max_length=20)] = None,
    set_id: Annotated[str | None, Query(max_length=40)] = None,
    mutation: MutationQuery = None,
) -> queries.GenomeFilter:
    """The metadata and mutation filters shared by the listing and the download."""
    return queries.GenomeFilter(
        dataset=dataset,
        clade=clade,
        country=country,
        date_from=date_from,
        date_to=date_to,
        lab=lab,
        qc_status=qc_status,
        set_id=set_id,
        mutations=list(mutation or []),
    )


GenomeFilterDep = Annotated[queries.GenomeFilter, Depends(genome_filter)]


@router.get("/datasets")
def list_datasets(session: SessionDep) -> list[dict[str, Any]]:
    """The registered pathogen datasets (several pathogens and versions coexist)."""
    return [
        {
            "name": row.name,
            "version": row.version,
            "reference_length": row.reference_length,
            "files_sha256": row.files_sha256,
            "registered_at": row.registered_at.isoformat(),
        }
        for row in queries.dataset_rows(session)
    ]


@router.post("/upload", status_code=201)
def submit(
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    fasta: Annotated[UploadFile, File(description="FASTA, plain or gzip")],
    metadata: Annotated[UploadFile, File(description="Metadata CSV or TSV (Nextstrain or GISAID columns)")],
    dataset: Annotated[str | None, Form(max_length=100)] = None,
    allow_incomplete_attribution: Annotated[bool, Form()] = False,
    on_error: Annotated[OnError, Form()] = OnError.ERROR_FIRST,
    embargo_until: Annotated[dt.date | None, Form()] = None,
) -> dict[str, Any]:
    """Submit genomes as one set: ``{"set_id", "accepted", "rejected", "duplicates"}`` (editors and up)."""
    actor.require_authenticated()
    fasta_name = check_upload_name(fasta.filename or "sequences.fasta")
    metadata_name = check_upload_name(metadata.filename or "metadata.tsv")
    paths = [save_upload(fasta, settings), save_upload(metadata, settings)]
    try:
        with paths[0].open("rb") as fasta_stream, paths[1].open("rb") as metadata_stream:
            result = submission.submit_genomes(
                session,
                actor,
                fasta_stream,
                fasta_name,
                metadata_stream,
                metadata_name,
                dataset=dataset or None,
                allow_incomplete_attribution=allow_incomplete_attribution,
                on_error=on_error,
                embargo_until=embargo_until,
                max_sequence_bytes=max_sequence_bytes(settings),
            )
    finally:
        for path in paths:
            path.unlink(missing_ok=True)
    return result.as_dict()


@router.get("")
def list_genomes(
    session: SessionDep,
    page: PageDep,
    where: GenomeFilterDep,
) -> Response:
    """Genome metadata matching every filter given (public); ``?format=csv`` for all of them as CSV."""
    rows, count = queries.search(session, where, limit=page.limit, offset=page.offset)

    def every_row() -> list[GenomePublic]:
        found, _ = queries.search(session, where, limit=access.MAX_DOWNLOAD)
        return [GenomePublic(**row.metadata()) for row in found]

    return listing(
        page,
        filename="genomes.csv",
        rows=[GenomePublic(**row.metadata()) for row in rows],
        count=count,
        all_rows=every_row,
    )


@router.get("/statistics")
def statistics(session: SessionDep, dataset: Annotated[str | None, Query(max_length=100)] = None) -> dict[str, Any]:
    """Public aggregates: genomes, sets, and counts by country, clade and QC status."""
    return queries.statistics(session, dataset)


@router.get("/clade-frequencies")
def clade_frequencies(
    session: SessionDep,
    dataset: Annotated[str | None, Query(max_length=100)] = None,
    country: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    """Genomes per clade per collection month, optionally in one country."""
    return queries.clade_frequencies(session, dataset=dataset, country=country)


@router.get("/terms")
def get_terms(session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """The terms of use for sequences, and whether the caller accepted them."""
    return {
        "version": access.TERMS_VERSION,
        "text": access.TERMS_TEXT,
        "accepted": actor.is_authenticated and access.has_accepted_terms(session, actor),
    }


@router.post("/terms", status_code=201)
def accept_terms(session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """Accept the current terms of use (signed-in users)."""
    acceptance = access.accept_terms(session, actor)
    return {"version": acceptance.terms_version, "accepted_at": acceptance.accepted_at.isoformat(), "accepted": True}


@router.get("/download")
def download(
    session: SessionDep,
    actor: ActorDep,
    where: GenomeFilterDep,
) -> Response:
    """A .zip of sequences.fasta, acknowledgements.tsv and CITATION.txt (registered users who accepted the terms)."""
    bundle = access.download(session, actor, where)
    return Response(
        bundle.zip_bytes(),
        media_type="application/zip",
        headers={
            "content-disposition": 'attachment; filename="genomes.zip"',
            "x-solidarity-set-ids": ",".join(bundle.set_ids),
        },
    )


@router.post("/neighbours/upload")
def neighbours_of_upload(
    session: SessionDep,
    settings: SettingsDep,
    fasta: Annotated[UploadFile, File(description="One genome, FASTA")],
    dataset: Annotated[str | None, Form(max_length=100)] = None,
    k: Annotated[int, Form(ge=1, le=neighbours.MAX_K)] = neighbours.DEFAULT_K,
) -> dict[str, Any]:
    """The stored genomes nearest to an uploaded genome (not stored)."""
    path = save_upload(fasta, settings)
    try:
        records = list(sequences.read_fasta(path, max_decompressed_bytes=max_sequence_bytes(settings)))
    finally:
        path.unlink(missing_ok=True)
    if len(records) != 1:
        raise Invalid("Upload exactly one genome", details=[{"field": "fasta", "value": len(records)}])
    record = records[0]
    if isinstance(record, sequences.RecordError):
        raise Invalid(record.reason, details=[record.as_dict()])
    found = neighbours.neighbours_of_sequence(session, record.sequence, dataset=dataset, k=k)
    return {"name": record.name, "k": k, "neighbours": [n.as_dict() for n in found]}


@router.get("/{accession}")
def get_genome(session: SessionDep, accession: str) -> dict[str, Any]:
    """A genome's public metadata and analysis: mutations, clade (with definitions version) and QC."""
    row = queries.get_genome(session, accession)
    return {**queries.analysis_view(row), "metadata": row.metadata()}


@router.get("/{accession}/neighbours")
def get_neighbours(
    session: SessionDep, accession: str, k: Annotated[int, Query(ge=1, le=neighbours.MAX_K)] = neighbours.DEFAULT_K
) -> dict[str, Any]:
    """The ``k`` stored genomes nearest this one by mutation distance."""
    return {
        "accession": accession,
        "k": k,
        "neighbours": [n.as_dict() for n in neighbours.neighbours_of(session, accession, k)],
    }


@router.get("/{accession}/sequence")
def get_sequence(session: SessionDep, actor: ActorDep, accession: str) -> Response:
    """One genome as FASTA (registered users who accepted the terms; embargo respected); set id in a header."""
    bundle = access.genome_sequence(session, actor, accession)
    return Response(
        bundle.fasta,
        media_type="text/x-fasta",
        headers={"x-solidarity-set-ids": ",".join(bundle.set_ids)},
    )
