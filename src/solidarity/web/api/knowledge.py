"""The knowledge module over HTTP: documents and search, vaccine candidates, public-health measures."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import FileResponse
from starlette.responses import Response

from solidarity.errors import Invalid, NotFound
from solidarity.knowledge import measures, service, vaccines
from solidarity.knowledge.filetypes import FileKind
from solidarity.knowledge.models import Document, DocumentType, MeasureType, Phase, Platform
from solidarity.knowledge.querying import DocumentFilters
from solidarity.knowledge.schemas import (
    CandidateCreate,
    CandidatePublic,
    CandidateUpdate,
    DocumentCreate,
    DocumentPublic,
    DocumentUpdate,
    MeasureCreate,
    MeasurePublic,
    MeasureUpdate,
    SearchHitPublic,
    TrainingSessionPublic,
)
from solidarity.web.api.listing import PageDep, listing
from solidarity.web.deps import ActorDep, SessionDep, SettingsDep
from solidarity.web.forms import parse_form

router = APIRouter(prefix="/knowledge", tags=["knowledge"])


def _filters(
    language: str | None,
    topic: str | None,
    organisation_id: int | None,
    country: str | None,
    document_type: DocumentType | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
) -> DocumentFilters:
    return DocumentFilters(language, topic, organisation_id, country, document_type, date_from, date_to)


@router.get("/documents")
def list_documents(
    session: SessionDep,
    page: PageDep,
    language: str | None = None,
    topic: str | None = None,
    organisation_id: int | None = None,
    country: str | None = None,
    document_type: DocumentType | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Response:
    """Documents, newest first, with the same filters as search. Anyone may read."""
    filters = _filters(language, topic, organisation_id, country, document_type, date_from, date_to)
    result = service.list_documents(session, filters, limit=page.limit, offset=page.offset)
    rows = [DocumentPublic.of(d) for d in result.items]
    return listing(page, filename="knowledge-documents.csv", rows=rows, count=result.count)


@router.get("/search")
def search(
    session: SessionDep,
    q: Annotated[str, Query(max_length=500, description="Words or Chinese text; syntax characters are ignored")],
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
    language: str | None = None,
    topic: str | None = None,
    organisation_id: int | None = None,
    country: str | None = None,
    document_type: DocumentType | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> dict[str, Any]:
    """Ranked full-text search; ``snippet`` is HTML with matches in ``<mark>``. 422 when nothing is left to search.

    At most 1,000 matches are ranked: past that ``count_is_lower_bound`` is true, ``count`` is 1,000
    and the results are the best of the 1,000 newest matches (add words or filters to narrow).
    """
    filters = _filters(language, topic, organisation_id, country, document_type, date_from, date_to)
    result = service.search(session, q, filters, limit=limit, offset=offset)
    data = [
        SearchHitPublic(
            id=h.document.id, title=h.document.title, language=h.document.language, score=h.score, snippet=h.snippet
        ).model_dump()
        for h in result.items
    ]
    return {
        "data": data,
        "count": result.count,
        "count_is_lower_bound": result.is_lower_bound,
        "limit": limit,
        "offset": offset,
    }


@router.post("/documents/upload", status_code=201)
def upload_document(
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    title: Annotated[str, Form(max_length=500)],
    file: Annotated[UploadFile | None, File(description="PDF, HTML, Markdown or plain text")] = None,
    summary: Annotated[str, Form(max_length=20000)] = "",
    language: Annotated[str, Form(max_length=12)] = "en",
    document_type: Annotated[DocumentType, Form()] = DocumentType.GUIDELINE,
    topics: Annotated[str, Form(description="Comma-separated")] = "",
    countries: Annotated[str, Form(description="Comma-separated")] = "",
    organisation: Annotated[str | None, Form()] = None,
    published_on: Annotated[dt.date | None, Form()] = None,
    link: Annotated[str | None, Form(max_length=1000)] = None,
    translation_of: Annotated[int | None, Form()] = None,
    training_session_id: Annotated[int | None, Form(description="A training flow in the assistance ledger")] = None,
) -> DocumentPublic:
    """Add a document with a file or a link (size limit ``SOLIDARITY_MAX_UPLOAD_BYTES``; 413 beyond;
    415 for content that is not a document; 422 for a PDF that cannot be read)."""
    actor.require_authenticated()
    data = parse_form(
        DocumentCreate,
        {
            "title": title,
            "summary": summary,
            "language": language,
            "document_type": document_type,
            "topics": topics.split(","),
            "countries": countries.split(","),
            "organisation": organisation or None,
            "published_on": published_on,
            "link": link or None,
            "translation_of": translation_of,
            "training_session_id": training_session_id,
        },
    )
    upload = None
    if file is not None and file.filename:
        upload = service.read_upload(file.file, file.filename, settings.max_upload_bytes)
    elif not data.link:
        raise Invalid("Give a file or a link", details=[{"field": "file", "reason": "missing"}])
    doc = service.add_document(
        session, actor, data, upload=upload, storage_dir=settings.data_dir, max_bytes=settings.max_upload_bytes
    )
    return _public(session, doc)


def _public(session: SessionDep, doc: Document) -> DocumentPublic:
    """The document with its training session's topic, date and page, when it links to one."""
    found = service.document_training_session(session, doc)
    if found is None:
        return DocumentPublic.of(doc)
    url = f"/assistance/flows/{found.flow_id}"
    return DocumentPublic.of(doc, TrainingSessionPublic(**dataclasses.asdict(found), url=url))


@router.post("/documents", status_code=201)
def add_document(data: DocumentCreate, session: SessionDep, actor: ActorDep, settings: SettingsDep) -> DocumentPublic:
    """Add a document that is a link (files go to ``/documents/upload``)."""
    doc = service.add_document(session, actor, data, storage_dir=settings.data_dir, max_bytes=settings.max_upload_bytes)
    return _public(session, doc)


@router.patch("/documents/{document_id}")
def update_document(
    document_id: int, data: DocumentUpdate, session: SessionDep, actor: ActorDep, settings: SettingsDep
) -> DocumentPublic:
    """Change the fields sent (``null`` clears an optional field); search reflects the change at once."""
    doc = service.update_document(
        session, actor, document_id, data, storage_dir=settings.data_dir, max_bytes=settings.max_upload_bytes
    )
    return _public(session, doc)


@router.put("/documents/{document_id}/file")
def replace_file(
    document_id: int,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="PDF, HTML, Markdown or plain text")],
) -> DocumentPublic:
    """Replace the attached file: its text is extracted again and the document re-indexed (the same
    checks as an upload: 413, 415, 422)."""
    actor.require_write(service.MODULE, service.get_document(session, document_id).organisation_id)
    upload = service.read_upload(file.file, file.filename or "", settings.max_upload_bytes)
    doc = service.update_document(
        session,
        actor,
        document_id,
        DocumentUpdate(),
        upload=upload,
        storage_dir=settings.data_dir,
        max_bytes=settings.max_upload_bytes,
    )
    return _public(session, doc)


@router.get("/documents/{document_id}")
def get_document(document_id: int, session: SessionDep) -> dict[str, Any]:
    """A document, its translations and its training session."""
    doc = service.get_document(session, document_id)
    others = service.translations(session, doc)
    return _public(session, doc).model_dump(mode="json") | {
        "translations": [{"id": d.id, "language": d.language, "title": d.title} for d in others]
    }


@router.get("/documents/{document_id}/file")
def download_file(document_id: int, session: SessionDep, settings: SettingsDep) -> Response:
    """The attached file, under its display name."""
    doc = service.get_document(session, document_id)
    if not doc.file_sha256 or not doc.file_kind:
        raise NotFound(f"Document {document_id} has no file")
    path = service.file_path(settings.data_dir, doc.file_sha256)
    if not path.is_file():
        raise NotFound(f"The file of document {document_id} is missing from storage")
    return FileResponse(
        path,
        media_type=FileKind(doc.file_kind).media_type,
        filename=doc.file_name or f"document-{doc.id}",
        content_disposition_type="attachment",
    )


@router.delete("/documents/{document_id}", status_code=204)
def delete_document(document_id: int, session: SessionDep, actor: ActorDep) -> Response:
    service.delete_document(session, actor, document_id)
    return Response(status_code=204)


# --- vaccines -------------------------------------------------------------------------------------


@router.get("/vaccines")
def list_candidates(
    session: SessionDep,
    page: PageDep,
    platform: Platform | None = None,
    phase: Phase | None = None,
    trial_country: str | None = None,
    is_global_public_good: bool | None = None,
) -> Response:
    """The vaccine R&D landscape, furthest phase first."""
    result = vaccines.list_candidates(
        session,
        platform=platform,
        phase=phase,
        trial_country=trial_country,
        is_global_public_good=is_global_public_good,
        limit=page.limit,
        offset=page.offset,
    )
    rows = [CandidatePublic.of(c) for c in result.items]
    return listing(page, filename="vaccine-candidates.csv", rows=rows, count=result.count)


@router.post("/vaccines", status_code=201)
def add_candidate(data: CandidateCreate, session: SessionDep, actor: ActorDep) -> CandidatePublic:
    return CandidatePublic.of(vaccines.add_candidate(session, actor, data))


@router.get("/vaccines/{candidate_id}")
def get_candidate(candidate_id: int, session: SessionDep) -> CandidatePublic:
    return CandidatePublic.of(vaccines.get_candidate(session, candidate_id))


@router.patch("/vaccines/{candidate_id}")
def update_candidate(candidate_id: int, data: CandidateUpdate, session: SessionDep, actor: ActorDep) -> CandidatePublic:
    return CandidatePublic.of(vaccines.update_candidate(session, actor, candidate_id, data))


@router.delete("/vaccines/{candidate_id}", status_code=204)
def delete_candidate(candidate_id: int, session: SessionDep, actor: ActorDep) -> Response:
    vaccines.delete_candidate(session, actor, candidate_id)
    return Response(status_code=204)


# --- measures -------------------------------------------------------------------------------------


@router.get("/measures")
def list_measures(
    session: SessionDep,
    page: PageDep,
    country: str | None = None,
    measure_type: MeasureType | None = None,
    active_on: dt.date | None = None,
) -> Response:
    """Public-health measures by start date."""
    result = measures.list_measures(
        session, country=country, measure_type=measure_type, active_on=active_on, limit=page.limit, offset=page.offset
    )
    rows = [MeasurePublic.of(m) for m in result.items]
    return listing(page, filename="measures.csv", rows=rows, count=result.count)


@router.post("/measures", status_code=201)
def record_measure(data: MeasureCreate, session: SessionDep, actor: ActorDep) -> MeasurePublic:
    return MeasurePublic.of(measures.record_measure(session, actor, data))


@router.get("/measures/{measure_id}")
def get_measure(measure_id: int, session: SessionDep) -> MeasurePublic:
    return MeasurePublic.of(measures.get_measure(session, measure_id))


@router.patch("/measures/{measure_id}")
def update_measure(measure_id: int, data: MeasureUpdate, session: SessionDep, actor: ActorDep) -> MeasurePublic:
    return MeasurePublic.of(measures.update_measure(session, actor, measure_id, data))


@router.delete("/measures/{measure_id}", status_code=204)
def delete_measure(measure_id: int, session: SessionDep, actor: ActorDep) -> Response:
    measures.delete_measure(session, actor, measure_id)
    return Response(status_code=204)
