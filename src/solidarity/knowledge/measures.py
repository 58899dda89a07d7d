"""The registry of public-health measures: record, change, remove and list them per country."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.audit import service as audit
from solidarity.errors import Invalid, NotFound
from solidarity.knowledge.models import Measure, MeasureType
from solidarity.knowledge.querying import Page
from solidarity.knowledge.schemas import MeasureCreate, MeasureUpdate
from solidarity.knowledge.service import MODULE, _organisation
from solidarity.reference.countries import resolve_country


def _check_dates(start: dt.date, end: dt.date | None) -> None:
    if end is not None and end < start:
        raise Invalid(
            f"The measure ends ({end}) before it starts ({start})",
            details=[{"field": "end_date", "value": end.isoformat(), "reason": "before start_date"}],
        )


def record_measure(session: Session, actor: Actor, data: MeasureCreate) -> Measure:
    """Record a measure a country took; ``Invalid`` for an unknown country or an end before the start."""
    org = _organisation(session, data.organisation)
    owner = org.id if org is not None else actor.organisation_id
    actor.require_write(MODULE, owner)
    _check_dates(data.start_date, data.end_date)
    measure = Measure(
        country_code=resolve_country(data.country).alpha2,
        area_name=(data.area_name or "").strip() or None,
        measure_type=data.measure_type,
        level=data.level,
        description=data.description.strip(),
        start_date=data.start_date,
        end_date=data.end_date,
        source=data.source.strip(),
        source_url=data.source_url,
        organisation_id=owner,
    )
    session.add(measure)
    session.flush()
    audit.record(
        session,
        actor,
        module=MODULE,
        action="add",
        entity_type="measure",
        entity_id=measure.id,
        after=audit.snapshot(measure),
    )
    return measure


def get_measure(session: Session, measure_id: int) -> Measure:
    measure = session.get(Measure, measure_id)
    if measure is None:
        raise NotFound(f"Measure {measure_id} does not exist")
    return measure


def update_measure(session: Session, actor: Actor, measure_id: int, data: MeasureUpdate) -> Measure:
    """Change the fields sent; the same rules as ``record_measure``."""
    measure = get_measure(session, measure_id)
    actor.require_write(MODULE, measure.organisation_id)
    before = audit.snapshot(measure)
    for name, value in data.model_dump(exclude_unset=True).items():
        setattr(measure, name, value)
    _check_dates(measure.start_date, measure.end_date)
    session.flush()
    audit.record(
        session,
        actor,
        module=MODULE,
        action="update",
        entity_type="measure",
        entity_id=measure.id,
        before=before,
        after=audit.snapshot(measure),
    )
    return measure


def delete_measure(session: Session, actor: Actor, measure_id: int) -> None:
    measure = get_measure(session, measure_id)
    actor.require_write(MODULE, measure.organisation_id)
    before = audit.snapshot(measure)
    session.delete(measure)
    session.flush()
    audit.record(
        session, actor, module=MODULE, action="delete", entity_type="measure", entity_id=measure_id, before=before
    )


def list_measures(
    session: Session,
    *,
    country: str | None = None,
    measure_type: MeasureType | None = None,
    active_on: dt.date | None = None,
    limit: int = 200,
    offset: int = 0,
) -> Page[Measure]:
    """Measures by start date, for one country, one type, or those in force on a day."""
    conditions: list[Any] = []
    if country:
        conditions.append(Measure.country_code == resolve_country(country).alpha2)
    if measure_type:
        conditions.append(Measure.measure_type == measure_type)
    if active_on:
        conditions += [Measure.start_date <= active_on, or_(Measure.end_date.is_(None), Measure.end_date >= active_on)]
    count = session.scalar(select(func.count()).select_from(Measure).where(*conditions)) or 0
    rows = session.scalars(
        select(Measure).where(*conditions).order_by(Measure.start_date, Measure.id).limit(limit).offset(offset)
    )
    return Page(list(rows), count)


def measures_for_area(session: Session, country_code: str | None) -> list[Measure]:
    """Measures of a country (alpha-2) for drawing on its epidemic curve; none for a non-country area."""
    if not country_code:
        return []
    query = select(Measure).where(Measure.country_code == country_code.upper()).order_by(Measure.start_date)
    return list(session.scalars(query))
