"""Reporting API: submit and import figures; read areas, series, milestones, Rt, quality and revisions."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Header, Query, UploadFile
from fastapi.responses import JSONResponse
from starlette.responses import Response

from solidarity.errors import Invalid
from solidarity.imports import OnError, check_upload_name
from solidarity.reporting import queries, service
from solidarity.reporting.records import Frequency, Measure, SourceFormat
from solidarity.reporting.schemas import (
    AreaPublic,
    Dhis2MappingIn,
    FigureSubmission,
    RevisionPublic,
    SeriesPoint,
    VersionPublic,
)
from solidarity.web.api.listing import PageDep, csv_response, listing
from solidarity.web.deps import ActorDep, SessionDep, SettingsDep

router = APIRouter(prefix="/reporting", tags=["reporting"])

CHUNK = 1 << 20
FormatChoice = Literal["auto", "who", "jhu", "owid", "dhis2"]


@router.post("/submissions", status_code=201)
def submit(
    records: FigureSubmission | list[FigureSubmission],
    session: SessionDep,
    actor: ActorDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
    source: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    """Publish one record or a list, all or nothing, as one new version (editors: their organisation's areas).

    Sending the same ``Idempotency-Key`` again returns the first answer and writes nothing.
    """
    batch = records if isinstance(records, list) else [records]
    return service.submit_records(session, actor, batch, idempotency_key, source).as_dict()


@router.post("/imports", status_code=201)
def import_upload(
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="A WHO, JHU, OWID or DHIS2 file")],
    format: Annotated[FormatChoice, Form()] = "auto",
    measure: Annotated[Measure | None, Form()] = None,
    frequency: Annotated[Frequency | None, Form()] = None,
    source: Annotated[str | None, Form(max_length=200)] = None,
    on_error: Annotated[OnError, Form()] = OnError.ERROR_FIRST,
) -> dict[str, Any]:
    """Import an uploaded file (the size limit is ``SOLIDARITY_MAX_UPLOAD_BYTES``; 413 beyond)."""
    actor.require_authenticated()
    name = check_upload_name(file.filename or "upload")
    uploads = settings.data_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    path = uploads / f"{uuid.uuid4().hex}.upload"
    try:
        with path.open("wb") as target:
            while chunk := file.file.read(CHUNK):
                target.write(chunk)
        with path.open("rb") as stream:
            report = service.import_file(
                session,
                actor,
                stream,
                name,
                format=None if format == "auto" else SourceFormat(format),
                measure=measure,
                frequency=frequency,
                source_name=source,
                on_error=on_error,
            )
    finally:
        path.unlink(missing_ok=True)
    return report.as_dict()


def _area_public(area: Any, parent: str | None) -> AreaPublic:
    return AreaPublic(
        code=area.code,
        name=area.name,
        kind=area.kind,
        parent_code=parent,
        country_code=area.country_code,
        who_region=area.who_region,
        is_on_map=area.is_on_map,
        reporting_organisation_id=area.reporting_organisation_id,
    )


@router.get("/areas")
def list_areas(
    session: SessionDep, page: PageDep, kind: Annotated[str | None, Query(max_length=20)] = None
) -> Response:
    """Every reporting area: countries, territories, subnational areas and non-country areas."""
    rows = [_area_public(area, parent) for area, parent in queries.list_areas(session, kind=kind)]
    return listing(
        page,
        filename="areas.csv",
        rows=rows[page.offset : page.offset + page.limit],
        count=len(rows),
        all_rows=lambda: rows,
    )


@router.get("/series")
def get_series(
    session: SessionDep,
    area: Annotated[str, Query(max_length=64, description="Area code, WHO region or 'global'")] = "global",
    measure: Measure = Measure.CASES,
    frequency: Frequency = Frequency.DAILY,
    as_of: Annotated[dt.datetime | None, Query(description="Figures as published at this time (UTC)")] = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    source: Annotated[str | None, Query(max_length=200)] = None,
    per100k: bool = False,
    avg7: bool = False,
    format: Literal["json", "csv"] = "json",
) -> Response:
    """New and cumulative counts by date, latest or ``as_of``; optional 7-day average and rates per 100,000."""
    stored = queries.get_series(session, area, measure, frequency, as_of=as_of, start=start, end=end, source=source)
    population = queries.population_of(session, stored.scope) if per100k else None
    points = queries.series_points(stored, avg7=avg7, population=population)
    if format == "csv":
        fields = list(SeriesPoint.model_fields)
        return csv_response(
            f"{stored.scope.code}-{measure.value}.csv", fields, ([getattr(p, f) for f in fields] for p in points)
        )
    return JSONResponse(queries.series_document(stored, points, population))


@router.get("/milestones")
def get_milestones(
    session: SessionDep,
    measure: Measure = Measure.CASES,
    step: Annotated[int, Query(ge=1)] = 100_000,
    count: Annotated[int | None, Query(ge=1)] = None,
    origin: dt.date = dt.date(2019, 12, 31),
    source: Annotated[str | None, Query(max_length=200)] = None,
    area: Annotated[str, Query(max_length=64)] = "global",
    format: Literal["json", "csv"] = "json",
) -> Response:
    """The dates cumulative counts first reached each multiple of ``step``, with source and version."""
    rows = [
        m.as_dict()
        for m in queries.get_milestones(
            session, area=area, measure=measure, step=step, count=count, origin=origin, source=source
        )
    ]
    header = ["milestone", "date", "cumulative", "days_since_previous", "days_since_origin", "source", "version"]
    if format == "csv":
        return csv_response("milestones.csv", header, ([row[h] for h in header] for row in rows))
    return JSONResponse({"data": rows, "count": len(rows)})


@router.get("/rt")
def get_rt(
    session: SessionDep,
    area: Annotated[str, Query(max_length=64)],
    si_mean: Annotated[float, Query(gt=1)] = 4.7,
    si_sd: Annotated[float, Query(gt=0)] = 2.9,
    window: Annotated[int, Query(ge=1, le=70)] = 7,
    format: Literal["json", "csv"] = "json",
) -> Response:
    """Rt by Cori et al. (2013) with its 95% credible interval, per window end.

    ``reliable`` is false for a window with fewer than 12 cases (``window_cases``) or a posterior
    coefficient of variation (``cv``) of 0.3 or more: its Rt is listed but not to be trusted.
    """
    found = queries.get_rt(session, area, si_mean=si_mean, si_sd=si_sd, window=window)
    if format == "csv":
        header = list(queries.RT_COLUMNS)
        return csv_response(f"rt-{found.scope.code}.csv", header, ([r[h] for h in header] for r in found.rows()))
    return JSONResponse(found.document(si_mean, si_sd, window))


QUALITY_CSV_HEADER = ["area", "measure", "problem", "date", "value"]


@router.get("/quality")
def get_quality(
    session: SessionDep,
    area: Annotated[str, Query(max_length=64)],
    measure: Measure = Measure.CASES,
    format: Literal["json", "csv"] = "json",
) -> Response:
    """Negative counts, gaps, falling cumulatives, revisions and last update of an area.

    As CSV: one row per problem (``negative_new`` with its value, ``gap``, ``cumulative_decrease``,
    ``off_weekday``: a weekly figure dated on another weekday than the rest of its series).
    """
    found = queries.get_quality(session, area, measure)
    q = found.summary
    if format == "csv":
        code, name = found.scope.code, measure.value
        problems = sorted(
            [(d, "negative_new", v) for d, v in q.negative_new]
            + [(d, "gap", None) for d in q.gaps]
            + [(d, "cumulative_decrease", None) for d in q.cumulative_decreases]
            + [(d, "off_weekday", None) for d in q.off_weekday]
        )
        rows = ([code, name, kind, d.isoformat(), value] for d, kind, value in problems)
        return csv_response(f"quality-{code}-{name}.csv", QUALITY_CSV_HEADER, rows)
    return JSONResponse(
        {
            "area": found.scope.code,
            "measure": measure.value,
            "negative_new": [{"date": d.isoformat(), "value": v} for d, v in q.negative_new],
            "gaps": [d.isoformat() for d in q.gaps],
            "cumulative_decreases": [d.isoformat() for d in q.cumulative_decreases],
            "off_weekday": [d.isoformat() for d in q.off_weekday],
            "revisions": q.revisions,
            "last_updated": q.last_updated.isoformat() if q.last_updated else None,
            "last_reported": q.last_reported.isoformat() if q.last_reported else None,
            "flagged_figures": found.flagged,
        }
    )


@router.get("/revisions")
def get_revisions(session: SessionDep, page: PageDep, area: Annotated[str, Query(max_length=64)]) -> Response:
    """Every version that published figures of the area, with how many figures it changed."""
    rows = [
        RevisionPublic(version=r.version, published_at=r.published_at, source_name=r.source_name, changed=r.changed)
        for r in queries.revision_history(session, area)
    ]
    return listing(
        page,
        filename=f"revisions-{area}.csv",
        rows=rows[page.offset : page.offset + page.limit],
        count=len(rows),
        all_rows=lambda: rows,
    )


@router.get("/figures/history")
def get_figure_history(
    session: SessionDep,
    area: Annotated[str, Query(max_length=64, description="Area code")],
    date: dt.date,
    measure: Measure = Measure.CASES,
    frequency: Frequency = Frequency.DAILY,
    format: Literal["json", "csv"] = "json",
) -> Response:
    """Every published value of one figure (area, date, measure), oldest version first."""
    versions = queries.figure_history(session, area, date, measure, frequency)
    rows = [
        {
            "version": v.version,
            "published_at": v.published_at.isoformat(),
            "source_name": v.source_name,
            "new": v.new,
            "cumulative": v.cumulative,
            "flags": list(v.flags),
        }
        for v in versions
    ]
    if format == "csv":
        header = ["version", "published_at", "source_name", "new", "cumulative", "flags"]
        lines = (
            [v.version, v.published_at.isoformat(), v.source_name, v.new, v.cumulative, " ".join(v.flags)]
            for v in versions
        )
        code = queries.find_scope(session, area).code
        return csv_response(f"history-{code}-{date.isoformat()}-{measure.value}.csv", header, lines)
    return JSONResponse(
        {
            "area": queries.find_scope(session, area).code,
            "date": date.isoformat(),
            "measure": measure.value,
            "frequency": frequency.value,
            "data": rows,
            "count": len(rows),
        }
    )


@router.get("/versions/{version_id}")
def get_version(version_id: int, session: SessionDep) -> VersionPublic:
    """One published version: who, when, from which source and file, and what it changed."""
    return VersionPublic.model_validate(queries.get_version(session, version_id), from_attributes=True)


@router.get("/dhis2-mapping")
def list_dhis2_mapping(session: SessionDep, actor: ActorDep) -> list[dict[str, Any]]:
    """The DHIS2 mapping of data elements and org units (signed-in users)."""
    actor.require_authenticated()
    return [row.as_dict() for row in service.list_dhis2_mapping(session)]


@router.put("/dhis2-mapping")
def set_dhis2_mapping(data: Dhis2MappingIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """Add or change one row of the DHIS2 mapping (reporting coordinators)."""
    if data.area_code is not None and not data.area_code.strip():
        raise Invalid("area_code is blank", details=[{"field": "area_code"}])
    return service.set_dhis2_mapping(session, actor, data).as_dict()
