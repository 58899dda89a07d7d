"""Pages for reporting officers: submit one day's figures for their organisation's areas, or upload a file."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.responses import Response

from solidarity.errors import Invalid, SolidarityError
from solidarity.imports import OnError, check_upload_name
from solidarity.reporting import queries, service
from solidarity.reporting.records import Frequency, Measure, SourceFormat
from solidarity.reporting.schemas import FigureSubmission
from solidarity.web.deps import ActorDep, SessionDep, SettingsDep
from solidarity.web.forms import form_fields
from solidarity.web.templating import render

router = APIRouter(prefix="/reporting")

CHUNK = 1 << 20


def _submit_page(request: Request, session: Any, actor: Any, **context: Any) -> Response:
    areas = service.reportable_areas(session, actor) if actor.is_authenticated else []
    base = {
        "areas": areas,
        "values": {"date": dt.date.today().isoformat(), "frequency": Frequency.DAILY.value},
        "report": None,
        "error": None,
        "notes": [],
    }
    return render(request, "reporting/submit.html", base | context, status_code=context.pop("status", 200))


@router.get("/submit")
def submit_form(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    actor.require_authenticated()
    return _submit_page(request, session, actor)


def _with_cumulative(session: Any, record: FigureSubmission) -> tuple[FigureSubmission, str | None]:
    """Give a new count without a cumulative the cumulative it implies, from the previous period's figure.

    An officer who types only the day's (or week's) new count should not end the area's cumulative
    series: the cumulative is the published cumulative of the day (or week) before plus the new count.
    Returns the record and a sentence saying what was computed, or ``None`` when nothing was.
    """
    if record.cumulative is not None or record.new is None:
        return record, None
    step = dt.timedelta(days=7 if record.frequency is Frequency.WEEKLY else 1)
    before = record.date - step
    try:
        published = queries.figure_history(session, record.area, before, record.measure, record.frequency)
    except SolidarityError:
        return record, None
    previous = published[-1].cumulative if published else None
    if previous is None:
        return record, (
            f"cumulative {record.measure.value} not computed: no published cumulative for {before.isoformat()}"
        )
    total = previous + record.new
    if total < 0:
        return record, None
    note = f"cumulative {record.measure.value} {total:,} = {previous:,} on {before.isoformat()} + {record.new:,} new"
    return record.model_copy(update={"cumulative": total}), note


@router.post("/submit")
async def submit(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    actor.require_authenticated()
    values = await form_fields(request)
    notes: list[str] = []
    try:
        records = []
        for measure in (Measure.CASES, Measure.DEATHS):
            new = values.get(f"new_{measure.value}", "").strip()
            cumulative = values.get(f"cumulative_{measure.value}", "").strip()
            if new or cumulative:
                record = FigureSubmission.model_validate(
                    {
                        "area": values.get("area", ""),
                        "date": values.get("date", ""),
                        "measure": measure,
                        "frequency": values.get("frequency") or Frequency.DAILY.value,
                        "new": new or None,
                        "cumulative": cumulative or None,
                    }
                )
                record, note = _with_cumulative(session, record)
                records.append(record)
                if note:
                    notes.append(note)
        if not records:
            raise Invalid("Give new cases, new deaths or both", details=[{"field": "new_cases"}])
        report = service.submit_records(session, actor, records, values.get("idempotency_key") or None)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = f"{'.'.join(str(p) for p in first['loc']) or 'form'}: {first['msg']}"
        return _submit_page(request, session, actor, values=values, error=message, status=422)
    except SolidarityError as exc:
        session.rollback()
        return _submit_page(request, session, actor, values=values, error=exc.message, status=exc.status)
    return _submit_page(request, session, actor, values=values, report=report, notes=notes)


def _import_page(request: Request, **context: Any) -> Response:
    base = {"formats": ["auto", *(f.value for f in SourceFormat if f is not SourceFormat.JSON)], "report": None}
    return render(
        request, "reporting/import.html", base | {"error": None} | context, status_code=context.pop("status", 200)
    )


@router.get("/import")
def import_form(request: Request, actor: ActorDep) -> Response:
    actor.require_authenticated()
    return _import_page(request)


@router.post("/import")
async def import_upload(request: Request, actor: ActorDep, session: SessionDep, settings: SettingsDep) -> Response:
    actor.require_authenticated()
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _import_page(request, error="Choose a file to import", status=422)
    path = settings.data_dir / "uploads" / f"{uuid.uuid4().hex}.upload"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        name = check_upload_name(upload.filename)
        with path.open("wb") as target:
            while chunk := await upload.read(CHUNK):
                target.write(chunk)
        chosen = str(form.get("format") or "auto")
        measure = str(form.get("measure") or "")
        frequency = str(form.get("frequency") or "")
        with path.open("rb") as stream:
            report = service.import_file(
                session,
                actor,
                stream,
                name,
                format=None if chosen == "auto" else SourceFormat(chosen),
                measure=Measure(measure) if measure else None,
                frequency=Frequency(frequency) if frequency else None,
                source_name=str(form.get("source") or "") or None,
                on_error=OnError(str(form.get("on_error") or OnError.ERROR_FIRST.value)),
            )
    except ValueError as exc:
        return _import_page(request, error=f"Not a valid choice: {exc}", status=422)
    except SolidarityError as exc:
        session.rollback()
        return _import_page(request, error=exc.message, details=exc.details, status=exc.status)
    finally:
        path.unlink(missing_ok=True)
        await form.close()
    return _import_page(request, report=report)
