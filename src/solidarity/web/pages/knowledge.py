"""Knowledge pages: search the library, read a document, upload one, the vaccine landscape, measures, countries."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import UploadFile
from starlette.responses import Response

from solidarity.errors import Invalid, SolidarityError
from solidarity.knowledge import measures, service, vaccines
from solidarity.knowledge.models import DocumentType, MeasureType, Phase, Platform
from solidarity.knowledge.querying import DocumentFilters
from solidarity.knowledge.schemas import DocumentCreate, DocumentUpdate
from solidarity.partners import service as partners
from solidarity.reference.countries import find_country, resolve_country
from solidarity.web.deps import ActorDep, SessionDep, SettingsDep
from solidarity.web.forms import parse_form
from solidarity.web.templating import flash, render

router = APIRouter(prefix="/knowledge")
PAGE = 20


def country_name(code: str | None) -> str:
    country = find_country(code) if code else None
    return country.name if country else (code or "")


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise Invalid(f"{text!r} is not a date (YYYY-MM-DD)", details=[{"field": "date", "value": text}]) from None


@router.get("")
def library(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    q: str = "",
    language: str = "",
    topic: str = "",
    country: str = "",
    document_type: str = "",
    date_from: str = "",
    date_to: str = "",
    page: int = 1,
) -> Response:
    """The library: a search box with filters, and the newest documents when nothing is searched."""
    page = max(page, 1)
    values = {
        "q": q,
        "language": language,
        "topic": topic,
        "country": country,
        "document_type": document_type,
        "date_from": date_from,
        "date_to": date_to,
    }
    context: dict[str, Any] = {
        "values": values,
        "types": list(DocumentType),
        "topics": service.topics_in_use(session),
        "languages": service.languages_in_use(session),
        "hits": [],
        "documents": [],
        "count": 0,
        "count_is_lower_bound": False,
        "error": None,
        "page": page,
        "query": urlencode({k: v for k, v in values.items() if v}),
        "translations": {},
        "can_upload": actor.is_authenticated,
        "country_name": country_name,
    }
    status = 200
    try:
        filters = DocumentFilters(
            language=language or None,
            topic=topic or None,
            country=country or None,
            document_type=DocumentType(document_type) if document_type in set(DocumentType) else None,
            date_from=_date(date_from),
            date_to=_date(date_to),
        )
        if q.strip():
            result = service.search(session, q, filters, limit=PAGE, offset=(page - 1) * PAGE)
            context["hits"], context["count"] = result.items, result.count
            context["count_is_lower_bound"] = result.is_lower_bound
            context["translations"] = service.translations_of(session, [h.document for h in result.items])
        else:
            listed = service.list_documents(session, filters, limit=PAGE, offset=(page - 1) * PAGE)
            context["documents"], context["count"] = listed.items, listed.count
    except SolidarityError as exc:
        context["error"], status = exc.message, exc.status
    context["pages"] = max(1, -(-context["count"] // PAGE))
    return render(request, "knowledge/index.html", context, status_code=status)


@router.get("/documents/{document_id}")
def document_page(request: Request, document_id: int, actor: ActorDep, session: SessionDep) -> Response:
    doc = service.get_document(session, document_id)
    linked = [measures.get_measure(session, m.measure_id) for m in doc.measures]
    publisher = partners.get_organisation(session, doc.organisation_id) if doc.organisation_id else None
    context = {
        "doc": doc,
        "translations": service.translations(session, doc),
        "measures": linked,
        "publisher": publisher,
        "country_name": country_name,
        "training": service.document_training_session(session, doc),
        "can_edit": actor.can_write(service.MODULE, doc.organisation_id),
    }
    return render(request, "knowledge/document.html", context)


def _upload_page(request: Request, session: Any, values: dict[str, str], error: str | None, status: int) -> Response:
    context = {
        "values": values,
        "types": list(DocumentType),
        "error": error,
        "documents": service.list_documents(session, limit=200).items,
        "training_sessions": service.training_sessions(session),
    }
    return render(request, "knowledge/upload.html", context, status_code=status)


def _edit_page(
    request: Request, session: Any, doc: Any, values: dict[str, str], error: str | None, status: int
) -> Response:
    context = {
        "doc": doc,
        "values": values,
        "types": list(DocumentType),
        "error": error,
        "documents": [d for d in service.list_documents(session, limit=200).items if d.id != doc.id],
        "training_sessions": service.training_sessions(session),
    }
    return render(request, "knowledge/edit.html", context, status_code=status)


def _document_values(session: Any, doc: Any) -> dict[str, str]:
    """The form's starting values: what the document holds now."""
    others = service.translations(session, doc)
    publisher = partners.get_organisation(session, doc.organisation_id) if doc.organisation_id else None
    return {
        "title": doc.title,
        "summary": doc.summary,
        "language": doc.language,
        "document_type": doc.document_type.value,
        "topics": ", ".join(doc.topic_names),
        "countries": ", ".join(doc.country_codes),
        "organisation": publisher.name if publisher else "",
        "published_on": doc.published_on.isoformat() if doc.published_on else "",
        "link": doc.link or "",
        "translation_of": str(others[0].id) if others else "",
        "training_session_id": str(doc.training_session_id or ""),
    }


def _document_fields(values: dict[str, str]) -> dict[str, object]:
    """The document form's fields as the add and edit schemas take them (blank means not given)."""
    return {
        "title": values.get("title", ""),
        "summary": values.get("summary", ""),
        "language": values.get("language") or "en",
        "document_type": values.get("document_type") or "guideline",
        "topics": values.get("topics", "").split(","),
        "countries": values.get("countries", "").split(","),
        "organisation": values.get("organisation") or None,
        "published_on": values.get("published_on") or None,
        "link": values.get("link") or None,
        "translation_of": values.get("translation_of") or None,
        "training_session_id": values.get("training_session_id") or None,
    }


@router.get("/documents/{document_id}/edit")
def edit_form(request: Request, document_id: int, actor: ActorDep, session: SessionDep) -> Response:
    doc = service.get_document(session, document_id)
    actor.require_write(service.MODULE, doc.organisation_id)
    return _edit_page(request, session, doc, _document_values(session, doc), None, 200)


@router.post("/documents/{document_id}/edit")
async def edit(
    request: Request, document_id: int, actor: ActorDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """Save the form; a new file replaces the old one and its text is extracted and indexed again."""
    doc = service.get_document(session, document_id)
    actor.require_write(service.MODULE, doc.organisation_id)
    form = await request.form()
    values = {k: v.strip() for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    file = form.get("file")
    try:
        data = parse_form(
            DocumentUpdate,
            _document_fields(values),
        )
        upload_data = None
        if isinstance(file, UploadFile) and file.filename:
            upload_data = service.read_upload(file.file, file.filename, settings.max_upload_bytes)
        with session.begin_nested():
            doc = service.update_document(
                session,
                actor,
                document_id,
                data,
                upload=upload_data,
                storage_dir=settings.data_dir,
                max_bytes=settings.max_upload_bytes,
            )
    except SolidarityError as exc:
        session.expire_all()
        return _edit_page(request, session, service.get_document(session, document_id), values, exc.message, exc.status)
    finally:
        await form.close()
    flash(request, f"{doc.title} saved")
    return RedirectResponse(f"/knowledge/documents/{doc.id}", status_code=303)


@router.get("/upload")
def upload_form(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    actor.require_authenticated()
    return _upload_page(request, session, {"language": "en"}, None, 200)


@router.post("/upload")
async def upload(request: Request, actor: ActorDep, session: SessionDep, settings: SettingsDep) -> Response:
    """Add a document from the form; a refused upload shows the form again with the reason."""
    actor.require_authenticated()
    form = await request.form()
    values = {k: v.strip() for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    file = form.get("file")
    try:
        data = parse_form(
            DocumentCreate,
            _document_fields(values),
        )
        upload_data = None
        if isinstance(file, UploadFile) and file.filename:
            upload_data = service.read_upload(file.file, file.filename, settings.max_upload_bytes)
        elif not data.link:
            raise Invalid("Choose a file or give a link", details=[{"field": "file"}])
        with session.begin_nested():
            doc = service.add_document(
                session,
                actor,
                data,
                upload=upload_data,
                storage_dir=settings.data_dir,
                max_bytes=settings.max_upload_bytes,
            )
    except SolidarityError as exc:
        return _upload_page(request, session, values, exc.message, exc.status)
    finally:
        await form.close()
    flash(request, f"{doc.title} added to the library")
    return RedirectResponse(f"/knowledge/documents/{doc.id}", status_code=303)


@router.get("/vaccines")
def vaccines_page(
    request: Request,
    session: SessionDep,
    platform: str = "",
    phase: str = "",
    trial_country: str = "",
    global_public_good: str = "",
) -> Response:
    """The vaccine R&D landscape: the table with filters, candidates by platform and phase, a timeline."""
    error, status = None, 200
    try:
        result = vaccines.list_candidates(
            session,
            platform=Platform(platform) if platform in set(Platform) else None,
            phase=Phase(phase) if phase in set(Phase) else None,
            trial_country=trial_country or None,
            is_global_public_good=True if global_public_good == "yes" else None,
        )
        candidates = result.items
    except SolidarityError as exc:
        candidates, error, status = [], exc.message, exc.status
    chart = vaccines.counts_by_platform_and_phase(candidates)
    chart["dates"] = chart["labels"]
    context = {
        "candidates": candidates,
        "landscape_chart": chart,
        "timeline": vaccines.timeline(candidates),
        "platforms": list(Platform),
        "phases": list(Phase),
        "error": error,
        "country_name": country_name,
        "values": {
            "platform": platform,
            "phase": phase,
            "trial_country": trial_country,
            "global_public_good": global_public_good,
        },
    }
    return render(request, "knowledge/vaccines.html", context, status_code=status)


@router.get("/measures")
def measures_page(request: Request, session: SessionDep, country: str = "", measure_type: str = "") -> Response:
    error, status, rows = None, 200, []
    try:
        kind = MeasureType(measure_type) if measure_type in set(MeasureType) else None
        rows = measures.list_measures(session, country=country or None, measure_type=kind, limit=1000).items
    except SolidarityError as exc:
        error, status = exc.message, exc.status
    context = {
        "measures": rows,
        "types": list(MeasureType),
        "error": error,
        "country_name": country_name,
        "values": {"country": country, "measure_type": measure_type},
    }
    return render(request, "knowledge/measures.html", context, status_code=status)


@router.get("/countries/{code}")
def country_page(request: Request, code: str, session: SessionDep) -> Response:
    """What a country shared and received, and the measures it took."""
    country = resolve_country(code)
    if country.alpha2 != code:
        return RedirectResponse(f"/knowledge/countries/{country.alpha2}", status_code=307)
    overview = service.country_knowledge(session, country.alpha2)
    return render(request, "knowledge/country.html", {"country": country, "overview": overview})
