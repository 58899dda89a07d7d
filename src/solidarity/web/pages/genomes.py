"""Genome pages: the landing page with clade frequencies, submission, search with neighbours, genome pages, terms."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from markupsafe import Markup
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from solidarity.errors import Invalid, SolidarityError
from solidarity.genomes import access, datasets, neighbours, queries, submission
from solidarity.imports import OnError, check_upload_name
from solidarity.web.api.genomes import max_sequence_bytes
from solidarity.web.deps import ActorDep, SessionDep, SettingsDep
from solidarity.web.forms import form_fields
from solidarity.web.templating import render

router = APIRouter(prefix="/genomes")

CHUNK = 1 << 20
QC_RULES = ("missing_data", "mixed_sites", "private_mutations", "snp_clusters", "frame_shifts", "stop_codons")


@router.get("", name="genomes_landing")
def landing(request: Request, session: SessionDep, country: str | None = None) -> Response:
    """Counts and clade frequencies over time (per country when one is chosen); 422 with the message, and the
    chart of all countries, for a country filter that names no country."""
    error = None
    try:
        frequencies = queries.clade_frequencies(session, country=country or None)
    except SolidarityError as exc:
        error, frequencies = exc.message, queries.clade_frequencies(session)
    stats = queries.statistics(session)
    chart = {"dates": frequencies["periods"], "series": frequencies["series"]}
    rows = [
        [period, *(series["values"][i] for series in frequencies["series"])]
        for i, period in enumerate(frequencies["periods"])
    ]
    return render(
        request,
        "genomes/landing.html",
        {
            "stats": stats,
            "frequencies": chart,
            "rows": rows,
            "columns": ["month", *(series["label"] for series in frequencies["series"])],
            "country": country or "",
            "error": error,
        },
        status_code=422 if error else 200,
    )


def _submit_page(request: Request, session: Any, **context: Any) -> Response:
    base = {"datasets": datasets.list_datasets(session), "result": None, "error": None, "details": []}
    return render(request, "genomes/submit.html", base | context, status_code=context.pop("status", 200))


@router.get("/submit")
def submit_form(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    actor.require_authenticated()
    return _submit_page(request, session)


@router.post("/upload")
async def submit_upload(request: Request, actor: ActorDep, session: SessionDep, settings: SettingsDep) -> Response:
    """The submission form's target (under /upload, so the upload size limit applies)."""
    actor.require_authenticated()
    form = await request.form()
    uploads = settings.data_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    paths = {key: uploads / f"{uuid.uuid4().hex}.upload" for key in ("fasta", "metadata")}
    try:
        names = {}
        for key, path in paths.items():
            upload = form.get(key)
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise Invalid(f"Choose a {key} file", details=[{"field": key}])
            names[key] = check_upload_name(upload.filename)
            with path.open("wb") as target:
                while chunk := await upload.read(CHUNK):
                    target.write(chunk)
        embargo = str(form.get("embargo_until") or "")
        with paths["fasta"].open("rb") as fasta, paths["metadata"].open("rb") as metadata:
            result = submission.submit_genomes(
                session,
                actor,
                fasta,
                names["fasta"],
                metadata,
                names["metadata"],
                dataset=str(form.get("dataset") or "") or None,
                allow_incomplete_attribution=form.get("allow_incomplete_attribution") == "on",
                on_error=OnError(str(form.get("on_error") or OnError.SKIP.value)),
                embargo_until=dt.date.fromisoformat(embargo) if embargo else None,
                max_sequence_bytes=max_sequence_bytes(settings),
            )
    except ValueError as exc:
        return _submit_page(request, session, error=f"Not a valid value: {exc}", status=422)
    except SolidarityError as exc:
        session.rollback()
        details = exc.details if isinstance(exc.details, list) else [exc.details]
        return _submit_page(request, session, error=exc.message, details=details, status=exc.status)
    finally:
        for path in paths.values():
            path.unlink(missing_ok=True)
        await form.close()
    return _submit_page(request, session, result=result.as_dict())


@router.get("/search")
def search_page(
    request: Request,
    session: SessionDep,
    dataset: str | None = None,
    clade: str | None = None,
    country: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    lab: str | None = None,
    qc_status: str | None = None,
    mutations: str | None = None,
    neighbours_of: str | None = None,
    k: int = neighbours.DEFAULT_K,
) -> Response:
    """Metadata and mutation filters with a results table, and a nearest-neighbours form."""
    values = {
        "dataset": dataset or "",
        "clade": clade or "",
        "country": country or "",
        "date_from": date_from or "",
        "date_to": date_to or "",
        "lab": lab or "",
        "qc_status": qc_status or "",
        "mutations": mutations or "",
        "neighbours_of": neighbours_of or "",
        "k": k,
    }
    error = None
    rows: list[dict[str, Any]] = []
    count = 0
    nearest: list[dict[str, Any]] = []
    where = queries.GenomeFilter(
        dataset=dataset or None,
        clade=clade or None,
        country=country or None,
        lab=lab or None,
        qc_status=qc_status or None,
        mutations=[m for m in (mutations or "").replace(",", " ").split() if m],
    )
    try:
        where.date_from = dt.date.fromisoformat(date_from) if date_from else None
        where.date_to = dt.date.fromisoformat(date_to) if date_to else None
        found, count = queries.search(session, where, limit=200)
        rows = [row.metadata() for row in found]
        if neighbours_of:
            nearest = [n.as_dict() for n in neighbours.neighbours_of(session, neighbours_of, k)]
    except ValueError as exc:
        error = f"Not a date: {exc}"
    except SolidarityError as exc:
        error = exc.message
    pairs = [(key, str(value)) for key, value in where.as_dict().items() if not isinstance(value, list)]
    query = urlencode([*pairs, *(("mutation", m) for m in where.mutations)])
    return render(
        request,
        "genomes/search.html",
        {
            "values": values,
            "rows": rows,
            "count": count,
            "neighbours": nearest,
            "error": error,
            "csv_query": query,
        },
        status_code=422 if error else 200,
    )


DOWNLOAD_API = "/api/v1/genomes/download"


def _genomes_next(target: str | None) -> str | None:
    """A page of this module to come back to after accepting the terms; anything else is dropped."""
    if target and target.startswith("/genomes/") and "//" not in target and "\\" not in target:
        return target
    return None


@router.get("/download")
def download_page(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    """The search page's download link: sign in and accept the terms on the way, then the zip.

    The API answers a browser that has not signed in or accepted the terms with a bare 403; this
    route sends the person to the login form or the terms page instead, and back here afterwards.
    """
    query = request.url.query
    here = "/genomes/download" + (f"?{query}" if query else "")
    if not actor.is_authenticated:
        return RedirectResponse(f"/login?{urlencode({'next': here})}", status_code=303)
    if not access.has_accepted_terms(session, actor):
        return RedirectResponse(f"/genomes/terms?{urlencode({'next': here})}", status_code=303)
    return RedirectResponse(DOWNLOAD_API + (f"?{query}" if query else ""), status_code=303)


@router.get("/terms")
def terms_page(request: Request, actor: ActorDep, session: SessionDep, next: str | None = None) -> Response:
    accepted = actor.is_authenticated and access.has_accepted_terms(session, actor)
    return render(
        request,
        "genomes/terms.html",
        {
            "terms_version": access.TERMS_VERSION,
            "text": access.TERMS_TEXT,
            "accepted": accepted,
            "next": _genomes_next(next),
        },
    )


@router.post("/terms")
async def accept_terms(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    fields = await form_fields(request)
    access.accept_terms(session, actor)
    return RedirectResponse(_genomes_next(fields.get("next")) or "/genomes/terms", status_code=303)


@router.get("/{accession}")
def genome_page(request: Request, actor: ActorDep, session: SessionDep, accession: str) -> Response:
    """Metadata, mutations, the QC panel and the genome map of one genome."""
    row = queries.get_genome(session, accession)
    analysis = queries.analysis_view(row)
    qc = analysis.get("qc") or {}
    rules = [(name.replace("_", " "), qc.get(name)) for name in QC_RULES]
    may_download = actor.is_authenticated and access.has_accepted_terms(session, actor)
    return render(
        request,
        "genomes/genome.html",
        {
            "meta": row.metadata(),
            "analysis": analysis,
            "qc": qc,
            "rules": rules,
            "genome_map": Markup(queries.genome_map(session, row)),  # noqa: S704 - built from escaped parts
            "may_download": may_download,
        },
    )
