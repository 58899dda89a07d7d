"""Reporting's verbs that write: import a file, submit records, say who reports an area, map DHIS2.

Every write goes through ``importing.Pipeline`` and lands in one new ``ReportVersion`` (or none,
when nothing changed), in the caller's transaction: an import that fails midway leaves nothing.
Reads (series, milestones, Rt, quality, revisions) are in ``reporting.queries``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.audit import service as audit
from solidarity.errors import Conflict, Forbidden, Invalid, NotFound
from solidarity.imports import ImportReport, OnError, Problems, file_sha256
from solidarity.partners import service as partners
from solidarity.reporting import formats
from solidarity.reporting.areas import AreaSpec, AreaTable, area_spec
from solidarity.reporting.formats.detect import SNIFF_BYTES, detect_format
from solidarity.reporting.importing import MODULE, Batch, Pipeline
from solidarity.reporting.models import Dhis2MappingRow, Figure, ReportingArea, ReportVersion
from solidarity.reporting.records import AreaRef, Frequency, Measure, RawFigure, SourceFormat
from solidarity.reporting.schemas import Dhis2MappingIn, FigureSubmission

FileProgress = Callable[[int, int], None]
"""Called with (bytes read, bytes in the file)."""

DEFAULT_SOURCES: dict[SourceFormat, str] = {
    SourceFormat.WHO: "WHO COVID-19 global data",
    SourceFormat.JHU: "JHU CSSE COVID-19 time series",
    SourceFormat.OWID: "Our World in Data COVID-19",
    SourceFormat.DHIS2: "DHIS2",
    SourceFormat.JSON: "Submitted records",
}


def _is_restricted(actor: Actor) -> bool:
    """``False`` when ``actor`` may publish every area; ``True`` for an editor, limited to their organisation's.

    Raises ``Unauthorized`` for the anonymous public and ``Forbidden`` for viewers.
    """
    actor.require_authenticated()
    if actor.coordinates(MODULE):
        return False
    if not actor.can_write(MODULE, actor.organisation_id):
        raise Forbidden(f"{actor.label} ({actor.role}) may not publish reporting figures")
    return True


def _may_report(session: Session, actor: Actor, area_id: int) -> bool:
    area = session.get(ReportingArea, area_id)
    return area is not None and actor.can_write(MODULE, area.reporting_organisation_id)


def _existing_report(version: ReportVersion, file_name: str) -> ImportReport:
    return ImportReport(
        file=file_name,
        rows_read=version.rows_read,
        accepted=version.accepted,
        flagged=version.flagged,
        rejected=version.rejected,
        unchanged=version.unchanged,
        version=version.id,
        is_duplicate_file=True,
    )


def import_file(
    session: Session,
    actor: Actor,
    stream: BinaryIO,
    file_name: str,
    *,
    format: SourceFormat | None = None,
    measure: Measure | None = None,
    frequency: Frequency | None = None,
    source_name: str | None = None,
    on_error: OnError = OnError.ERROR_FIRST,
    progress: FileProgress | None = None,
    today: dt.date | None = None,
) -> ImportReport:
    """Import a WHO, JHU, OWID or DHIS2 file as one new version; return what happened.

    The same file (by SHA-256) from the same source imported again changes nothing and returns the
    first version with ``is_duplicate_file``. Raises ``Invalid`` listing the problems (file, line,
    field, value, reason) in the ``error-first``/``error-all`` modes, or when the file is in no
    known format; ``Forbidden`` unless the actor is an editor (who may publish only the areas their
    organisation reports), a reporting coordinator or an admin. ``progress(bytes_read, bytes_total)``
    is called now and then.
    """
    restricted = _is_restricted(actor)
    digest = file_sha256(stream)
    start = stream.tell()
    total = stream.seek(0, 2) - start
    stream.seek(start)
    head = stream.read(SNIFF_BYTES)
    stream.seek(start)
    chosen = format or detect_format(head, file_name)
    source = (source_name or "").strip() or DEFAULT_SOURCES[chosen]
    existing = session.scalar(
        select(ReportVersion)
        .where(ReportVersion.file_sha256 == digest, ReportVersion.source_name == source)
        .order_by(ReportVersion.id)
        .limit(1)
    )
    if existing is not None:
        if restricted:
            _refuse_foreign_areas_of(session, actor, existing)
        return _existing_report(existing, file_name)
    problems = Problems(file_name, on_error)
    mapping = dhis2_mapping(session) if chosen is SourceFormat.DHIS2 else None
    if mapping is not None and (not mapping.data_elements or not mapping.org_units):
        reason = (
            "a DHIS2 file is read through the stored mapping, which maps no "
            + ("data element" if not mapping.data_elements else "org unit")
            + " yet: map them first (solidarity reporting dhis2-map element/org-unit,"
            " or PUT /api/v1/reporting/dhis2-mapping)"
        )
        raise Invalid(f"{file_name}: {reason}", details=[{"file": file_name, "field": "mapping", "reason": reason}])
    figures = formats.parse(
        stream,
        file_name,
        problems,
        format=chosen,
        measure=measure,
        frequency=frequency,
        dhis2_mapping=mapping,
        today=today,
    )
    batch = Batch(source_name=source, source_format=chosen.value, file_name=file_name, file_sha256=digest)
    pipeline = Pipeline(
        session,
        actor,
        batch,
        problems,
        today=today,
        progress=(lambda rows: progress(stream.tell() - start, total)) if progress is not None else None,
        allowed_area=(lambda spec, area_id: _may_report(session, actor, area_id)) if restricted else None,
    )
    return pipeline.run(figures)


def submit_records(
    session: Session,
    actor: Actor,
    records: Sequence[FigureSubmission],
    idempotency_key: str | None = None,
    source_name: str | None = None,
    *,
    today: dt.date | None = None,
) -> ImportReport:
    """Publish records sent through the API or the web form, all or nothing, as one new version.

    The same ``idempotency_key`` from the same actor returns the first result and writes nothing.
    Raises ``Forbidden`` when an editor submits an area their organisation does not report,
    ``Invalid`` listing every bad record (line = the record's position, from 1).
    """
    restricted = _is_restricted(actor)
    key = (idempotency_key or "").strip() or None
    if key is not None:
        if len(key) > 200:
            raise Invalid("Idempotency-Key is longer than 200 characters", details=[{"field": "Idempotency-Key"}])
        earlier = _earlier_submission(session, actor, key)
        if earlier is not None:
            return earlier
    if not records:
        raise Invalid("No records submitted", details=[{"field": "records", "reason": "empty"}])
    if restricted:
        _refuse_foreign_areas(session, actor, records)
    problems = Problems("submission", OnError.ERROR_ALL)
    batch = Batch(
        source_name=(source_name or "").strip() or f"{DEFAULT_SOURCES[SourceFormat.JSON]} ({actor.label})",
        source_format=SourceFormat.JSON.value,
        idempotency_key=key,
    )
    figures = [
        RawFigure(
            line=n,
            area=AreaRef(record.area.strip(), None),
            date=record.date,
            frequency=record.frequency,
            measure=record.measure,
            new=record.new,
            cumulative=record.cumulative,
        )
        for n, record in enumerate(records, start=1)
    ]
    if key is None:
        return Pipeline(session, actor, batch, problems, today=today).run(figures)
    # Two requests with the same key may both have found no earlier submission: the second to
    # write its version then hits the unique (actor, key) constraint (on PostgreSQL, once the
    # first commits). Its work is undone back to the savepoint and it answers the first's result.
    try:
        with session.begin_nested():
            return Pipeline(session, actor, batch, problems, today=today).run(figures)
    except IntegrityError:
        replay = _earlier_submission(session, actor, key)
        if replay is None:
            raise Conflict(
                "Another submission changed these figures at the same time; send it again",
                details=[{"field": "Idempotency-Key", "value": key, "reason": "concurrent write"}],
            ) from None
        return replay


def _earlier_submission(session: Session, actor: Actor, key: str) -> ImportReport | None:
    """The result of the actor's submission with this idempotency key, if one was published."""
    earlier = session.scalar(
        select(ReportVersion).where(ReportVersion.actor_label == actor.label, ReportVersion.idempotency_key == key)
    )
    if earlier is None:
        return None
    report = _existing_report(earlier, "submission")
    report.is_duplicate_file = False
    return report


def _refuse_foreign_areas_of(session: Session, actor: Actor, version: ReportVersion) -> None:
    """An editor re-sending a file imported before learns what the file itself would have told them:
    a 403 naming the areas their organisation does not report, not "imported before as version N"."""
    areas = session.scalars(
        select(ReportingArea).where(
            ReportingArea.id.in_(select(Figure.area_id).where(Figure.version_id == version.id).distinct())
        )
    )
    foreign = sorted(area.code for area in areas if not actor.can_write(MODULE, area.reporting_organisation_id))
    if foreign:
        raise Forbidden(
            f"{actor.label} may not publish figures of {', '.join(foreign)}: your organisation does not"
            " report these areas; nothing was imported",
            details=[{"field": "area", "value": code, "reason": "not your organisation's area"} for code in foreign],
        )


def _refuse_foreign_areas(session: Session, actor: Actor, records: Sequence[FigureSubmission]) -> None:
    for code in sorted({record.area.strip().upper() for record in records}):
        area = session.scalar(select(ReportingArea).where(ReportingArea.code == code))
        if area is None or not actor.can_write(MODULE, area.reporting_organisation_id):
            raise Forbidden(
                f"{actor.label} may not report area {code}: it is not reported by your organisation",
                details=[{"field": "area", "value": code, "reason": "not your organisation's area"}],
            )


def reportable_areas(session: Session, actor: Actor) -> list[ReportingArea]:
    """The areas ``actor`` may submit figures for: their organisation's, or every area for coordinators."""
    query = select(ReportingArea).order_by(ReportingArea.name)
    if not actor.coordinates(MODULE):
        if actor.organisation_id is None or not actor.can_write(MODULE, actor.organisation_id):
            return []
        query = query.where(ReportingArea.reporting_organisation_id == actor.organisation_id)
    return list(session.scalars(query))


def ensure_area(session: Session, actor: Actor, code: str) -> ReportingArea:
    """The area with this code, created from the reference data when it has no row yet.

    Raises ``Invalid`` for a code no country, territory or known non-country area has.
    """
    spec = area_spec(AreaRef(code.strip(), None))
    if spec is None:
        spec = area_spec(AreaRef(None, code.strip()))
    existing = session.scalar(select(ReportingArea).where(ReportingArea.code == code.strip().upper()))
    if existing is not None:
        return existing
    if spec is None:
        raise Invalid(f"Unknown area {code!r}", details=[{"field": "area", "value": code, "reason": "unknown area"}])
    return _area_by_id(session, AreaTable(session).id_for(spec))


def _area_by_id(session: Session, area_id: int) -> ReportingArea:
    area = session.get(ReportingArea, area_id)
    if area is None:
        raise NotFound(f"Area {area_id} does not exist")
    return area


def set_reporting_organisation(
    session: Session, actor: Actor, area_code: str, organisation: str | None
) -> ReportingArea:
    """Say which organisation reports an area (its editors may then submit it); ``None`` clears it.

    Raises ``Forbidden`` unless the actor coordinates reporting; ``Invalid``/``NotFound`` for an
    unknown area or organisation.
    """
    actor.require_authenticated()
    if not actor.coordinates(MODULE):
        raise Forbidden("Only reporting coordinators and administrators say who reports an area")
    area = ensure_area(session, actor, area_code)
    before = audit.snapshot(area)
    area.reporting_organisation_id = (
        partners.resolve_organisation(session, organisation).id if organisation is not None else None
    )
    session.flush()
    audit.record(
        session,
        actor,
        module=MODULE,
        action="set_reporting_organisation",
        entity_type="reporting_area",
        entity_id=area.code,
        before=before,
        after=audit.snapshot(area),
    )
    return area


def area_spec_for(code: str) -> AreaSpec | None:
    """The area a code or a name stands for (for lookups by people, who may type either)."""
    return area_spec(AreaRef(code.strip(), None)) or area_spec(AreaRef(None, code.strip()))


# --- DHIS2 mapping --------------------------------------------------------------------------------


def dhis2_mapping(session: Session) -> formats.Dhis2Mapping:
    """The stored mapping, in the shape the DHIS2 parser reads."""
    rows = list(session.scalars(select(Dhis2MappingRow)))
    elements = {
        row.dhis2_id: (Measure(row.measure), "new" if row.value_kind == "new" else "cumulative")
        for row in rows
        if row.kind == "data_element" and row.measure
    }
    units = {row.dhis2_id: row.area_code for row in rows if row.kind == "org_unit" and row.area_code}
    return formats.Dhis2Mapping(data_elements=elements, org_units=units)  # type: ignore[arg-type]


def list_dhis2_mapping(session: Session) -> list[Dhis2MappingRow]:
    return list(session.scalars(select(Dhis2MappingRow).order_by(Dhis2MappingRow.kind, Dhis2MappingRow.dhis2_id)))


def set_dhis2_mapping(session: Session, actor: Actor, data: Dhis2MappingIn) -> Dhis2MappingRow:
    """Add or change one mapping row. Raises ``Forbidden`` unless the actor coordinates reporting."""
    actor.require_authenticated()
    if not actor.coordinates(MODULE):
        raise Forbidden("Only reporting coordinators and administrators change the DHIS2 mapping")
    if data.area_code is not None and area_spec_for(data.area_code) is None:
        raise Invalid(
            f"Unknown area {data.area_code!r}",
            details=[{"field": "area_code", "value": data.area_code, "reason": "unknown area"}],
        )
    row = session.scalar(
        select(Dhis2MappingRow).where(Dhis2MappingRow.kind == data.kind, Dhis2MappingRow.dhis2_id == data.dhis2_id)
    )
    before = row.as_dict() if row is not None else None
    if row is None:
        row = Dhis2MappingRow(kind=data.kind, dhis2_id=data.dhis2_id)
        session.add(row)
    row.measure = data.measure.value if data.measure is not None else None
    row.value_kind = data.value_kind
    row.area_code = data.area_code.strip().upper() if data.area_code else None
    session.flush()
    audit.record(
        session,
        actor,
        module=MODULE,
        action="set_dhis2_mapping",
        entity_type="dhis2_mapping",
        entity_id=f"{row.kind}:{row.dhis2_id}",
        before=before,
        after=row.as_dict(),
    )
    return row


def delete_dhis2_mapping(session: Session, actor: Actor, kind: str, dhis2_id: str) -> None:
    """Remove one mapping row. Raises ``Forbidden`` unless the actor coordinates reporting, ``NotFound``."""
    actor.require_authenticated()
    if not actor.coordinates(MODULE):
        raise Forbidden("Only reporting coordinators and administrators change the DHIS2 mapping")
    row = session.scalar(
        select(Dhis2MappingRow).where(Dhis2MappingRow.kind == kind, Dhis2MappingRow.dhis2_id == dhis2_id)
    )
    if row is None:
        raise NotFound(f"No DHIS2 mapping for {kind} {dhis2_id}")
    before = row.as_dict()
    session.delete(row)
    audit.record(
        session,
        actor,
        module=MODULE,
        action="delete_dhis2_mapping",
        entity_type="dhis2_mapping",
        entity_id=f"{kind}:{dhis2_id}",
        before=before,
    )
