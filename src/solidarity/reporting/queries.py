"""Reading published figures: series (latest or ``as_of``), milestones, Rt, quality, revision history.

Without ``as_of`` or ``source`` a series reads the maintained tables: ``CurrentFigure`` for an
area, ``DailyTotal`` for the world and the WHO regions, so a global query over a million rows
answers in milliseconds. With ``as_of`` (or ``source``) it reads the append-only ``Figure``
history: for each date, the figure of the newest version published at that time (from that source).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from solidarity.errors import Invalid, NotFound
from solidarity.reference.countries import WHO_REGIONS, find_country, normalise_region
from solidarity.reference.service import find_population
from solidarity.reporting.analytics.milestones import WUHAN_FIRST_REPORT, Milestone, milestones
from solidarity.reporting.analytics.quality import QualitySummary, summarise_quality
from solidarity.reporting.analytics.rt import RtResult, estimate_rt
from solidarity.reporting.analytics.series import Series, per_100k, rolling_average
from solidarity.reporting.areas import area_spec
from solidarity.reporting.models import (
    AreaKind,
    CurrentFigure,
    DailyTotal,
    Figure,
    ReportingArea,
    ReportVersion,
)
from solidarity.reporting.records import AreaRef, Frequency, Measure
from solidarity.reporting.schemas import SeriesPoint

GLOBAL = "global"
COMPLETE_SHARE = 0.9
"""A total's date is incomplete when it adds up fewer than this share of the areas of the dates before it."""
COMPLETE_LOOKBACK = 7
"""How many earlier dates with figures a total's date is compared with (their largest count of areas)."""


@dataclass(frozen=True)
class Scope:
    """What a series covers: one area, a WHO region or the world."""

    code: str
    name: str
    area: ReportingArea | None = None

    @property
    def is_total(self) -> bool:
        return self.area is None


@dataclass(frozen=True)
class StoredSeries:
    """New and cumulative counts of one scope and measure, with where they came from."""

    scope: Scope
    measure: Measure
    frequency: Frequency
    new: Series
    cumulative: Series
    version: int | None
    """The newest version among the figures read."""
    sources: tuple[str, ...]
    as_of: dt.datetime | None = None
    source_filter: str | None = None
    versions: dict[dt.date, int] = field(default_factory=dict)
    areas: dict[dt.date, int] = field(default_factory=dict)
    """For a world or region total: how many areas each date adds up (empty for one area)."""
    off_weekday: tuple[dt.date, ...] = ()
    """Weekly figures dated on another weekday than most of the series: left out of ``new`` and
    ``cumulative`` (a week's figure belongs on the series' weekday) and listed as a quality problem."""

    def completeness(self) -> dict[dt.date, bool]:
        """For a total, whether each date is complete (see ``completeness``); empty for one area."""
        return completeness(self.areas)


def series_points(stored: StoredSeries, *, avg7: bool = False, population: int | None = None) -> list[SeriesPoint]:
    """One point per date: new and cumulative counts, the 7-day average (``avg7``), rates per 100,000
    (given the ``population``), and for a total the areas it adds up and whether it is complete."""
    averages = rolling_average(stored.new, 7) if avg7 and len(stored.new) else None
    new_rates = per_100k(stored.new, population) if population else None
    cumulative_rates = per_100k(stored.cumulative, population) if population else None
    complete = stored.completeness()
    return [
        SeriesPoint(
            date=date,
            new=new,
            cumulative=stored.cumulative.values[i],
            new_avg7=averages.values[i] if averages else None,
            new_per100k=new_rates.values[i] if new_rates else None,
            cumulative_per100k=cumulative_rates.values[i] if cumulative_rates else None,
            areas=stored.areas.get(date),
            complete=complete.get(date),
        )
        for i, (date, new) in enumerate(stored.new.pairs())
    ]


def series_document(stored: StoredSeries, points: list[SeriesPoint], population: int | None = None) -> dict[str, Any]:
    """The JSON answer of ``GET /series`` and ``solidarity reporting series --json`` (one shape for both)."""
    return {
        "area": stored.scope.code,
        "name": stored.scope.name,
        "measure": stored.measure.value,
        "frequency": stored.frequency.value,
        "as_of": stored.as_of.isoformat() if stored.as_of else None,
        "version": stored.version,
        "sources": list(stored.sources),
        "population": population,
        "data": [p.model_dump(mode="json") for p in points],
    }


def completeness(areas: dict[dt.date, int]) -> dict[dt.date, bool]:
    """Whether each date's total adds up (nearly) as many areas as the dates before it.

    The reference is the largest count of areas among the ``COMPLETE_LOOKBACK`` (7) earlier dates
    with figures. A date is incomplete when it falls short of the reference by more than 10% of it
    (``COMPLETE_SHARE``) and by more than one area: the day one ministry publishes ahead of the WHO
    file is marked, and so are the following days until the others report. One area more or less
    (a ship, "Other") never is; a lasting drop of many areas is marked for 7 dates, then taken as
    the new level. The first date is complete.

    >>> import datetime as dt
    >>> d = dt.date(2020, 3, 1)
    >>> completeness({d: 200, d + dt.timedelta(1): 195, d + dt.timedelta(2): 1, d + dt.timedelta(3): 2})
    ... # doctest: +NORMALIZE_WHITESPACE
    {datetime.date(2020, 3, 1): True, datetime.date(2020, 3, 2): True,
     datetime.date(2020, 3, 3): False, datetime.date(2020, 3, 4): False}
    """
    flags: dict[dt.date, bool] = {}
    earlier: list[int] = []
    for date in sorted(areas):
        count = areas[date]
        reference = max(earlier[-COMPLETE_LOOKBACK:], default=count)
        flags[date] = count >= COMPLETE_SHARE * reference or reference - count <= 1
        earlier.append(count)
    return flags


def find_scope(session: Session, text: str) -> Scope:
    """``global``, a WHO region (``EURO`` or ``EUR``), or an area by code or name. ``NotFound`` otherwise."""
    wanted = text.strip()
    if wanted.lower() == GLOBAL:
        return Scope(GLOBAL, "World")
    region = normalise_region(wanted)
    if region is not None:
        return Scope(region, WHO_REGIONS[region])
    area = session.scalar(select(ReportingArea).where(ReportingArea.code == wanted.upper()))
    if area is None:
        spec = area_spec(AreaRef(wanted, None)) or area_spec(AreaRef(None, wanted))
        if spec is not None:
            area = session.scalar(select(ReportingArea).where(ReportingArea.code == spec.code))
    if area is None:
        raise NotFound(
            f"No figures for area {wanted!r}: give an area code (see `solidarity reporting areas`), "
            f"a WHO region or 'global'",
            details=[{"field": "area", "value": wanted, "reason": "unknown area"}],
        )
    return Scope(area.code, area.name, area)


def _check_window(start: dt.date | None, end: dt.date | None) -> None:
    if start is not None and end is not None and end < start:
        raise Invalid(
            f"end {end} is before start {start}",
            details=[{"field": "end", "value": str(end), "reason": "before start"}],
        )


def _check_source(session: Session, source: str) -> None:
    """Refuse a source nobody published under: a typo would otherwise read as "no figures"."""
    if session.scalar(select(ReportVersion.id).where(ReportVersion.source_name == source).limit(1)) is not None:
        return
    known = list(session.scalars(select(ReportVersion.source_name).distinct().order_by(ReportVersion.source_name)))
    shown = ", ".join(repr(name) for name in known[:10]) + (" ..." if len(known) > 10 else "")
    raise Invalid(
        f"No figures were published from source {source!r}; sources: {shown or 'none yet'}",
        details=[{"field": "source", "value": source, "reason": "unknown source"}],
    )


def _max_version(session: Session, as_of: dt.datetime | None, source: str | None) -> int | None:
    query = select(func.max(ReportVersion.id))
    if as_of is not None:
        query = query.where(ReportVersion.published_at <= as_of)
    if source is not None:
        query = query.where(ReportVersion.source_name == source)
    return session.scalar(query)


def get_series(
    session: Session,
    area: str,
    measure: Measure = Measure.CASES,
    frequency: Frequency = Frequency.DAILY,
    *,
    as_of: dt.datetime | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    source: str | None = None,
) -> StoredSeries:
    """The published series of an area, a WHO region or ``global``, as it is now or was at ``as_of``.

    Totals add countries, territories and non-country areas (ships, "Other") as the sources count
    them; subnational areas are left out, their country carries them. ``source`` restricts the
    figures to versions of that source. Raises ``NotFound`` for an unknown area, ``Invalid`` for
    an end before the start.
    """
    _check_window(start, end)
    scope = find_scope(session, area)
    if source is not None:
        _check_source(session, source)
    if as_of is not None and as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=dt.UTC)
    rows: list[Any]
    if as_of is None and source is None:
        rows = _current_rows(session, scope, measure, frequency, start, end)
    else:
        ceiling = _max_version(session, as_of, source)
        rows = [] if ceiling is None else _history_rows(session, scope, measure, frequency, start, end, ceiling, source)
    rows, off_weekday = _on_series_weekday(rows, frequency)
    versions = {row[0]: int(row[3]) for row in rows if row[3] is not None}
    areas = {row[0]: int(row[4]) for row in rows} if scope.is_total else {}
    new = Series.from_pairs(((row[0], _int(row[1])) for row in rows), frequency)
    cumulative = Series.from_pairs(((row[0], _int(row[2])) for row in rows), frequency)
    version_ids = set(versions.values())
    sources: tuple[str, ...] = ()
    if version_ids:
        sources = tuple(
            session.scalars(
                select(ReportVersion.source_name)
                .where(ReportVersion.id.in_(version_ids))
                .distinct()
                .order_by(ReportVersion.source_name)
            )
        )
    return StoredSeries(
        scope=scope,
        measure=measure,
        frequency=frequency,
        new=new,
        cumulative=cumulative,
        version=max(version_ids) if version_ids else None,
        sources=sources,
        as_of=as_of,
        source_filter=source,
        versions=versions,
        areas=areas,
        off_weekday=off_weekday,
    )


def _on_series_weekday(rows: list[Any], frequency: Frequency) -> tuple[list[Any], tuple[dt.date, ...]]:
    """Weekly rows on the series' weekday (the most common one; on a tie, the first date's), and the others' dates."""
    if frequency is not Frequency.WEEKLY or not rows:
        return rows, ()
    counts: dict[int, int] = {}
    for row in rows:
        counts[row[0].weekday()] = counts.get(row[0].weekday(), 0) + 1
    first = rows[0][0].weekday()
    weekday = max(counts, key=lambda day: (counts[day], day == first))
    if len(counts) == 1:
        return rows, ()
    return [row for row in rows if row[0].weekday() == weekday], tuple(
        row[0] for row in rows if row[0].weekday() != weekday
    )


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _dated(query: Any, column: Any, start: dt.date | None, end: dt.date | None) -> Any:
    if start is not None:
        query = query.where(column >= start)
    if end is not None:
        query = query.where(column <= end)
    return query


def _current_rows(
    session: Session,
    scope: Scope,
    measure: Measure,
    frequency: Frequency,
    start: dt.date | None,
    end: dt.date | None,
) -> list[Any]:
    if scope.area is not None:
        c = CurrentFigure
        query = select(c.date, c.new_value, c.cumulative_value, c.version_id).where(
            c.area_id == scope.area.id, c.frequency == frequency.value, c.measure == measure.value
        )
        return list(session.execute(_dated(query, c.date, start, end).order_by(c.date)))
    t = DailyTotal
    totals = select(t.date, t.new_value, t.cumulative_value, t.version_id, t.areas).where(
        t.scope == scope.code, t.frequency == frequency.value, t.measure == measure.value
    )
    return list(session.execute(_dated(totals, t.date, start, end).order_by(t.date)))


def _history_rows(
    session: Session,
    scope: Scope,
    measure: Measure,
    frequency: Frequency,
    start: dt.date | None,
    end: dt.date | None,
    ceiling: int,
    source: str | None,
) -> list[Any]:
    f, a = Figure, ReportingArea
    latest = select(f.area_id, f.date, func.max(f.version_id).label("version_id")).where(
        f.frequency == frequency.value, f.measure == measure.value, f.version_id <= ceiling
    )
    if source is not None:
        latest = latest.where(
            f.version_id.in_(select(ReportVersion.id).where(ReportVersion.source_name == source).scalar_subquery())
        )
    if scope.area is not None:
        latest = latest.where(f.area_id == scope.area.id)
    else:
        areas = select(a.id).where(a.kind != AreaKind.SUBNATIONAL.value)
        if scope.code != GLOBAL:
            areas = areas.where(a.who_region == scope.code)
        latest = latest.where(f.area_id.in_(areas.scalar_subquery()))
    latest_sub = _dated(latest, f.date, start, end).group_by(f.area_id, f.date).subquery()
    joined = and_(
        f.area_id == latest_sub.c.area_id,
        f.date == latest_sub.c.date,
        f.version_id == latest_sub.c.version_id,
        f.frequency == frequency.value,
        f.measure == measure.value,
    )
    if scope.area is not None:
        query = select(f.date, f.new_value, f.cumulative_value, f.version_id).join(latest_sub, joined)
        return list(session.execute(query.order_by(f.date)))
    summed = (
        select(f.date, func.sum(f.new_value), func.sum(f.cumulative_value), func.max(f.version_id), func.count())
        .join(latest_sub, joined)
        .group_by(f.date)
        .order_by(f.date)
    )
    return list(session.execute(summed))


def population_of(session: Session, scope: Scope) -> int | None:
    """The population used for rates per 100,000: the area's country or territory, or the sum over a region."""
    if scope.area is not None:
        if scope.area.kind not in (AreaKind.COUNTRY, AreaKind.TERRITORY) or scope.area.country_code is None:
            return None
        country = find_country(scope.area.country_code)
        quote = find_population(session, country) if country is not None else None
        return quote.value if quote is not None else None
    codes = session.scalars(
        select(ReportingArea.country_code).where(
            ReportingArea.kind.in_((AreaKind.COUNTRY.value, AreaKind.TERRITORY.value)),
            *([ReportingArea.who_region == scope.code] if scope.code != GLOBAL else []),
        )
    )
    total = 0
    for code in codes:
        country = find_country(code) if code else None
        quote = find_population(session, country) if country is not None else None
        total += quote.value if quote is not None else 0
    return total or None


# --- analytics over stored data -----------------------------------------------------------------


@dataclass(frozen=True)
class SourcedMilestone:
    milestone: Milestone
    source: str
    version: int | None

    def as_dict(self) -> dict[str, Any]:
        m = self.milestone
        return {
            "milestone": m.milestone,
            "date": m.date.isoformat(),
            "cumulative": m.cumulative,
            "days_since_previous": m.days_since_previous,
            "days_since_origin": m.days_since_origin,
            "source": self.source,
            "version": self.version,
        }


def get_milestones(
    session: Session,
    *,
    area: str = GLOBAL,
    measure: Measure = Measure.CASES,
    step: int = 100_000,
    count: int | None = None,
    origin: dt.date = WUHAN_FIRST_REPORT,
    source: str | None = None,
    as_of: dt.datetime | None = None,
) -> list[SourcedMilestone]:
    """When the cumulative count first reached each multiple of ``step``, each with its source and version.

    The version of a milestone is the version of the figure (or, for totals, the newest figure)
    on its date. Its source is that version's source for an area; a total names every source its
    series adds up. Raises ``Invalid`` for a step or count below 1 or a source nobody published
    under, ``NotFound`` for an unknown area. A total's incomplete dates (``completeness``) are
    left out: the sum of the few areas that reported that day is no milestone of the whole.
    """
    stored = get_series(session, area, measure, Frequency.DAILY, as_of=as_of, source=source)
    if not len(stored.cumulative):
        stored = get_series(session, area, measure, Frequency.WEEKLY, as_of=as_of, source=source)
    label = source or ", ".join(stored.sources)
    cumulative = stored.cumulative
    complete = stored.completeness()
    if complete and not all(complete.values()):
        # a date on which only some areas reported sums those areas: it must not reach a milestone
        cumulative = cumulative.with_values(
            v if complete.get(d, True) else None for d, v in zip(cumulative.dates, cumulative.values, strict=True)
        )
    found = milestones(cumulative, step=step, count=count, origin=origin)
    named: dict[int, str] = {}
    if not stored.scope.is_total and source is None:
        ids = {v for v in (stored.versions.get(m.date) for m in found) if v is not None}
        if ids:
            query = select(ReportVersion.id, ReportVersion.source_name).where(ReportVersion.id.in_(ids))
            named = {int(row[0]): str(row[1]) for row in session.execute(query)}
    return [
        SourcedMilestone(m, named.get(version, label) if version is not None else label, version)
        for m, version in ((m, stored.versions.get(m.date)) for m in found)
    ]


RT_COLUMNS = ("start", "end", "mean", "lower", "upper", "is_adjusted", "window_cases", "cv", "reliable")
"""The fields of one Rt window, in the API's JSON ``data``, its CSV and the CLI's ``--json``."""


@dataclass(frozen=True)
class SourcedRt:
    result: RtResult
    scope: Scope
    sources: tuple[str, ...]
    version: int | None

    def rows(self) -> list[dict[str, Any]]:
        """One dict per window, keyed by ``RT_COLUMNS``."""
        return [
            {
                "start": e.start.isoformat(),
                "end": e.end.isoformat(),
                "mean": e.mean,
                "lower": e.lower,
                "upper": e.upper,
                "is_adjusted": e.is_adjusted,
                "window_cases": round(e.window_cases, 3),
                "cv": round(e.cv, 4),
                "reliable": e.is_reliable,
            }
            for e in self.result.estimates
        ]

    def document(self, si_mean: float, si_sd: float, window: int) -> dict[str, Any]:
        """The JSON answer of ``GET /rt`` and ``solidarity reporting rt --json`` (one shape for both)."""
        return {
            "area": self.scope.code,
            "si_mean": si_mean,
            "si_sd": si_sd,
            "window": window,
            "min_window_cases": self.result.min_window_cases,
            "max_cv": self.result.max_cv,
            "sources": list(self.sources),
            "version": self.version,
            "data": self.rows(),
        }


def get_rt(
    session: Session,
    area: str,
    *,
    si_mean: float = 4.7,
    si_sd: float = 2.9,
    window: int = 7,
    frequency: Frequency | None = None,
    as_of: dt.datetime | None = None,
) -> SourcedRt:
    """Rt (Cori et al. 2013) over the area's new cases, daily or (if it has no daily figures) weekly."""
    stored = get_series(session, area, Measure.CASES, frequency or Frequency.DAILY, as_of=as_of)
    if frequency is None and not len(stored.new):
        stored = get_series(session, area, Measure.CASES, Frequency.WEEKLY, as_of=as_of)
    if not len(stored.new):
        raise NotFound(f"No case figures for {stored.scope.name}", details=[{"field": "area", "value": area}])
    result = estimate_rt(stored.new, si_mean=si_mean, si_sd=si_sd, window=window)
    return SourcedRt(result, stored.scope, stored.sources, stored.version)


@dataclass(frozen=True)
class AreaQuality:
    scope: Scope
    measure: Measure
    summary: QualitySummary
    flagged: int


def get_quality(session: Session, area: str, measure: Measure = Measure.CASES) -> AreaQuality:
    """Negatives, gaps, falling cumulatives, revisions and last update of one area's series."""
    stored = get_series(session, area, measure)
    if not len(stored.new) and not len(stored.cumulative):
        stored = get_series(session, area, measure, Frequency.WEEKLY)
    scope = stored.scope
    revisions = revision_history(session, scope.code) if scope.area is not None else []
    last = revisions[-1].published_at if revisions else None
    summary = summarise_quality(
        new=stored.new,
        cumulative=stored.cumulative,
        revisions=max(len(revisions) - 1, 0),
        last_updated=last,
        off_weekday=stored.off_weekday,
    )
    flagged = 0
    if scope.area is not None:
        flagged = (
            session.scalar(
                select(func.count()).where(
                    CurrentFigure.area_id == scope.area.id,
                    CurrentFigure.measure == measure.value,
                    CurrentFigure.flags.is_not(None),
                )
            )
            or 0
        )
    return AreaQuality(scope, measure, summary, flagged)


# --- history --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Revision:
    version: int
    published_at: dt.datetime
    source_name: str
    changed: int


def revision_history(session: Session, area: str) -> list[Revision]:
    """Every version that published figures of the area, oldest first, with how many figures it changed."""
    scope = find_scope(session, area)
    if scope.area is None:
        raise Invalid(
            "Revision history is kept per area; give an area code",
            details=[{"field": "area", "value": area, "reason": "not an area"}],
        )
    f, v = Figure, ReportVersion
    query = (
        select(v.id, v.published_at, v.source_name, func.count())
        .join(f, f.version_id == v.id)
        .where(f.area_id == scope.area.id)
        .group_by(v.id, v.published_at, v.source_name)
        .order_by(v.id)
    )
    return [Revision(row[0], row[1], row[2], row[3]) for row in session.execute(query)]


@dataclass(frozen=True)
class FigureVersion:
    version: int
    published_at: dt.datetime
    source_name: str
    new: int | None
    cumulative: int | None
    flags: tuple[str, ...]


def figure_history(
    session: Session, area: str, date: dt.date, measure: Measure = Measure.CASES, frequency: Frequency = Frequency.DAILY
) -> list[FigureVersion]:
    """Every published value of one figure, oldest first."""
    scope = find_scope(session, area)
    if scope.area is None:
        raise Invalid("Figure history is kept per area", details=[{"field": "area", "value": area}])
    f, v = Figure, ReportVersion
    query = (
        select(v.id, v.published_at, v.source_name, f.new_value, f.cumulative_value, f.flags)
        .join(f, f.version_id == v.id)
        .where(f.area_id == scope.area.id, f.date == date, f.measure == measure.value, f.frequency == frequency.value)
        .order_by(v.id)
    )
    return [
        FigureVersion(row[0], row[1], row[2], _int(row[3]), _int(row[4]), tuple(row[5] or ()))
        for row in session.execute(query)
    ]


def get_version(session: Session, version_id: int) -> ReportVersion:
    version = session.get(ReportVersion, version_id)
    if version is None:
        raise NotFound(f"Version {version_id} does not exist")
    return version


def list_areas(session: Session, *, kind: str | None = None) -> list[tuple[ReportingArea, str | None]]:
    """Every area with its parent's code, by code."""
    parent = ReportingArea.__table__.alias("parent")
    query = (
        select(ReportingArea, parent.c.code)
        .outerjoin(parent, parent.c.id == ReportingArea.parent_id)
        .order_by(ReportingArea.code)
    )
    if kind is not None:
        query = query.where(ReportingArea.kind == kind)
    return [(row[0], row[1]) for row in session.execute(query)]


def latest_totals(session: Session, measure: Measure = Measure.CASES) -> DailyTotal | None:
    """The latest global daily total, for landing pages."""
    return session.scalar(
        select(DailyTotal)
        .where(
            DailyTotal.scope == GLOBAL,
            DailyTotal.frequency == Frequency.DAILY.value,
            DailyTotal.measure == measure.value,
        )
        .order_by(DailyTotal.date.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class LastReportedTotal:
    """A total "to date" that does not drop when one area reports a day ahead of the others."""

    total: int
    areas: int
    """How many areas' last cumulative counts are in the total."""
    oldest: dt.date
    """The oldest of those last dates: every area's figure is from this day or later."""
    newest: dt.date


def last_reported_total(
    session: Session, code: str, measure: Measure = Measure.CASES, frequency: Frequency = Frequency.DAILY
) -> LastReportedTotal | None:
    """The sum of every area's latest published cumulative count in a total (``global`` or a WHO region).

    The daily totals add the areas that reported on each date, so on a date only some areas have
    reported yet (a ministry ahead of the WHO file, a source that ends earlier) the day's total holds
    only those areas. Headlines read this instead: each area counts with its own latest figure, as
    the WHO dashboard states its totals. Subnational areas are left out, as in the totals. ``None``
    for a single area (its own latest figure is its total) or when nothing is published.
    """
    scope = find_scope(session, code)
    if not scope.is_total:
        return None
    c = CurrentFigure
    latest = (
        select(c.area_id, func.max(c.date).label("date"))
        .where(c.measure == measure.value, c.frequency == frequency.value, c.cumulative_value.is_not(None))
        .group_by(c.area_id)
        .subquery()
    )
    query = (
        select(func.sum(c.cumulative_value), func.count(), func.min(c.date), func.max(c.date))
        .join(latest, and_(c.area_id == latest.c.area_id, c.date == latest.c.date))
        .join(ReportingArea, ReportingArea.id == c.area_id)
        .where(
            c.measure == measure.value,
            c.frequency == frequency.value,
            ReportingArea.kind != AreaKind.SUBNATIONAL.value,
        )
    )
    if scope.code != GLOBAL:
        query = query.where(ReportingArea.who_region == scope.code)
    total, areas, oldest, newest = session.execute(query).one()
    if not areas or total is None:
        return None
    return LastReportedTotal(int(total), int(areas), oldest, newest)
