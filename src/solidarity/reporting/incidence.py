"""Recent incidence by country: new cases per 100,000 people over the last days, for the world map.

One query over the current figures gives every area's new cases in the window; the population
comes from the reference module (an override first, else the packaged World Bank figure). Only
areas drawn on a country map take part: subnational areas are in their country's figure already,
and ships, events and "Other" have no territory or population.

The window ends on the latest date any area reported. An area whose figures stop before the
window starts gets no value (the map greys it) rather than a misleading zero. An area reporting
daily is counted from its daily figures, otherwise from its weekly ones (a week counts when its
last day falls in the window).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from solidarity.reference import service as reference
from solidarity.reference.countries import find_country
from solidarity.reporting.analytics.series import PER_100K, invalid_parameter
from solidarity.reporting.models import CurrentFigure, ReportingArea
from solidarity.reporting.records import Frequency, Measure


@dataclass(frozen=True)
class AreaIncidence:
    code: str
    """The area's code, which for a country is its alpha-2 (``XK`` for Kosovo)."""
    name: str
    new: int
    """New counts in the window (corrections included, so possibly negative)."""
    population: int | None
    per_100k: float | None
    """``None`` without a population to divide by."""


@dataclass(frozen=True)
class Incidence:
    end: dt.date | None
    """The last day of the window; ``None`` when nothing is published."""
    days: int
    measure: Measure
    areas: tuple[AreaIncidence, ...]
    """Areas on the map that reported in the window, highest rate first."""


def recent_incidence(session: Session, *, days: int = 7, measure: Measure = Measure.CASES) -> Incidence:
    """New ``measure`` per 100,000 people over the ``days`` days up to the latest reported date.

    Raises ``Invalid`` when ``days`` is not between 1 and 366.
    """
    if not 1 <= days <= 366:
        raise invalid_parameter("days", days, "must be between 1 and 366")
    end = session.scalar(select(func.max(CurrentFigure.date)).where(CurrentFigure.measure == measure.value))
    if end is None:
        return Incidence(None, days, measure, ())
    start = end - dt.timedelta(days=days - 1)
    rows = session.execute(
        select(
            ReportingArea.code,
            ReportingArea.name,
            ReportingArea.country_code,
            CurrentFigure.frequency,
            func.sum(CurrentFigure.new_value),
            func.count(CurrentFigure.new_value),
        )
        .join(ReportingArea, ReportingArea.id == CurrentFigure.area_id)
        .where(
            ReportingArea.is_on_map.is_(True),
            CurrentFigure.measure == measure.value,
            CurrentFigure.date >= start,
            CurrentFigure.date <= end,
        )
        .group_by(ReportingArea.code, ReportingArea.name, ReportingArea.country_code, CurrentFigure.frequency)
    ).all()
    chosen: dict[str, tuple[str, str | None, str, int]] = {}
    for code, name, country_code, frequency, total, counted in rows:
        if not counted:
            continue  # only blank new counts in the window: nothing to show
        if code in chosen and frequency != Frequency.DAILY.value:
            continue
        chosen[code] = (name, country_code, frequency, int(total or 0))
    areas = [
        _with_rate(session, code, name, country_code, new) for code, (name, country_code, _, new) in chosen.items()
    ]
    areas.sort(key=lambda a: (a.per_100k is None, -(a.per_100k or 0.0), a.name))
    return Incidence(end, days, measure, tuple(areas))


def _with_rate(session: Session, code: str, name: str, country_code: str | None, new: int) -> AreaIncidence:
    country = find_country(country_code or code)
    quote = reference.find_population(session, country) if country else None
    if quote is None or quote.value <= 0:
        return AreaIncidence(code, name, new, None, None)
    return AreaIncidence(code, name, new, quote.value, new * PER_100K / quote.value)
