"""Files in and out of the assistance ledger over HTTP (ledger CSV, IATI, OCHA FTS, HXL), and FTS-style totals."""

from __future__ import annotations

import io
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from starlette.responses import Response

from solidarity.assistance import exchanging
from solidarity.imports import OnError, check_upload_name
from solidarity.web.api.assistance import FiltersDep
from solidarity.web.deps import ActorDep, SessionDep, SettingsDep

router = APIRouter(prefix="/assistance", tags=["assistance"])

CHUNK = 1 << 20
ImportFormat = Literal["auto", "csv", "iati", "fts", "hxl"]
ExportFormat = Literal["csv", "iati", "hxl", "3w"]
_MEDIA = {
    "csv": ("text/csv", "csv"),
    "iati": ("application/xml", "xml"),
    "hxl": ("text/csv", "csv"),
    "3w": ("text/csv", "csv"),
}


@router.post("/imports", status_code=201)
def import_upload(
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="A ledger CSV, IATI 2.03, OCHA FTS or HXL file")],
    format: Annotated[ImportFormat, Form()] = "auto",
    on_error: Annotated[OnError, Form()] = OnError.ERROR_FIRST,
) -> dict[str, Any]:
    """Import an uploaded file of any format (the size limit is ``SOLIDARITY_MAX_UPLOAD_BYTES``; 413 beyond).

    The report's keys: ``file``, ``format``, ``read``, ``accepted``, ``unchanged``, ``rejected``,
    ``flagged``, ``problems``.
    """
    actor.require_authenticated()
    name = check_upload_name(file.filename or "upload")
    uploads = settings.data_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    path = uploads / f"{uuid.uuid4().hex}.upload"
    try:
        with path.open("wb") as target:
            while chunk := file.file.read(CHUNK):
                target.write(chunk)
        fmt, report = exchanging.import_file(session, actor, path, format, on_error=on_error, name=name)
    finally:
        path.unlink(missing_ok=True)
    summary = exchanging.import_summary([(fmt, report)])
    return {"file": report.file, "format": fmt} | {k: v for k, v in summary.items() if k != "files"}


@router.get("/export")
def export(
    session: SessionDep,
    filters: FiltersDep,
    format: Annotated[ExportFormat, Query(description="csv, iati, hxl or 3w")] = "csv",
) -> Response:
    """The current flows (filtered) as the ledger CSV, IATI 2.03 XML, HXL-tagged CSV or the HXL 3W table."""
    stream = io.BytesIO()
    exchanging.export_flows(session, filters, format, stream)
    media, extension = _MEDIA[format]
    return Response(
        stream.getvalue(),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="assistance-{format}.{extension}"'},
    )


@router.get("/totals")
def totals(
    session: SessionDep,
    recipient: Annotated[str | None, Query(description="Recipient country")] = None,
    provider: Annotated[str | None, Query(description="Provider organisation (id, name or acronym)")] = None,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
) -> dict[str, Any]:
    """Incoming funding as OCHA FTS counts it, with pledged, committed and paid USD."""
    return exchanging.totals(session, recipient=recipient, provider=provider, year=year).as_dict()
