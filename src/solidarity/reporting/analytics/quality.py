"""A per-area data-quality summary: what a reader should know before trusting an area's curve.

It names the corrections a source made without explaining them (negative new counts, falling
cumulative counts), the dates with no figure, and how often the published history was revised.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from solidarity.reporting.analytics.series import Number, Series, gaps, invalid_parameter


@dataclass(frozen=True)
class QualitySummary:
    negative_new: tuple[tuple[dt.date, Number], ...]
    """Each negative new count (a correction) with its date."""
    gaps: tuple[dt.date, ...]
    """Dates between the first and last figure with neither a new nor a cumulative count."""
    cumulative_decreases: tuple[dt.date, ...]
    """Dates on which the cumulative count fell below the previous known one."""
    revisions: int
    """How many times published figures of the area were revised (new versions after the first)."""
    last_updated: dt.datetime | dt.date | None
    """When the latest version was published, as the caller passed it."""
    last_reported: dt.date | None
    """The latest date with a figure."""
    off_weekday: tuple[dt.date, ...] = ()
    """Weekly figures dated on another weekday than the rest of the series (left out of it)."""

    @property
    def negative_count(self) -> int:
        return len(self.negative_new)

    @property
    def has_issues(self) -> bool:
        """True when there is a negative count, a gap or a falling cumulative (revisions are normal)."""
        return bool(self.negative_new or self.gaps or self.cumulative_decreases or self.off_weekday)


def summarise_quality(
    *,
    new: Series | None = None,
    cumulative: Series | None = None,
    revisions: int = 0,
    last_updated: dt.datetime | dt.date | None = None,
    off_weekday: tuple[dt.date, ...] = (),
) -> QualitySummary:
    """Summarise an area's stored new and cumulative series (either may be absent).

    >>> day = dt.date(2020, 3, 1)
    >>> new = Series.from_pairs([(day, 5), (day + dt.timedelta(days=1), -2), (day + dt.timedelta(days=3), 4)])
    >>> cumulative = Series.from_pairs([(day, 5), (day + dt.timedelta(days=1), 3), (day + dt.timedelta(days=3), 7)])
    >>> q = summarise_quality(new=new, cumulative=cumulative, revisions=2)
    >>> q.negative_new
    ((datetime.date(2020, 3, 2), -2),)
    >>> q.gaps, q.cumulative_decreases, q.last_reported
    ((datetime.date(2020, 3, 3),), (datetime.date(2020, 3, 2),), datetime.date(2020, 3, 4))
    """
    if revisions < 0:
        raise invalid_parameter("revisions", revisions, "cannot be negative")
    present = [series for series in (new, cumulative) if series is not None]
    negative = tuple((date, value) for date, value in new.pairs() if value is not None and value < 0) if new else ()
    decreases: list[dt.date] = []
    if cumulative is not None:
        previous: Number | None = None
        for date, value in cumulative.pairs():
            if value is None:
                continue
            if previous is not None and value < previous:
                decreases.append(date)
            previous = value
    reported = {date for series in present for date, value in series.pairs() if value is not None}
    missing: set[dt.date] = set()
    for series in present:
        missing.update(gaps(series))
    if reported:
        first, last = min(reported), max(reported)
        missing = {date for date in missing - reported if first <= date <= last}
    else:
        missing = set()
    return QualitySummary(
        negative_new=negative,
        gaps=tuple(sorted(missing)),
        cumulative_decreases=tuple(decreases),
        revisions=revisions,
        last_updated=last_updated,
        last_reported=max(reported | set(off_weekday)) if reported or off_weekday else None,
        off_weekday=tuple(sorted(off_weekday)),
    )
