"""Exponential growth rate and doubling time over a window.

The rate r is the least-squares slope of ln(count) against time in days over the window, and
the doubling time is ln 2 / r. The counts are either the cumulative counts or the 7-day average
of new counts (which follows the epidemic more closely once many cases have accumulated).
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from solidarity.reporting.analytics.series import Series, Value, invalid_parameter, rolling_average


class Basis(enum.StrEnum):
    CUMULATIVE = "cumulative"
    """Fit the cumulative counts."""
    NEW_AVERAGE = "new-average"
    """Fit the 7-day trailing average of new counts (weekly data: weekly count / 7)."""


@dataclass(frozen=True)
class Growth:
    """Exponential growth fitted to the points dated ``start`` to ``end``."""

    start: dt.date
    end: dt.date
    rate: float
    """Growth rate per day; negative when the counts fall."""

    @property
    def doubling_time(self) -> float | None:
        """Days for the counts to double; ``None`` when they do not grow."""
        return doubling_time(self.rate)


def doubling_time(rate: float) -> float | None:
    """ln 2 / rate, or ``None`` when the rate is zero or negative.

    >>> doubling_time(math.log(2) / 5)
    5.0
    >>> doubling_time(-0.1) is None
    True
    """
    return math.log(2) / rate if rate > 0 else None


def growth_rate(days: Sequence[float], counts: Sequence[Value]) -> float | None:
    """Least-squares slope of ln(count) against ``days``; ``None`` unless every count is positive.

    >>> round(growth_rate([0, 1, 2], [1, math.e, math.e**2]), 12)
    1.0
    >>> growth_rate([0, 1, 2], [4, 0, 8]) is None
    True
    """
    if len(days) != len(counts):
        raise invalid_parameter("counts", len(counts), f"expected one count per day ({len(days)})")
    logs = [math.log(count) for count in counts if count is not None and count > 0]
    if len(logs) < 2 or len(logs) != len(counts):
        return None
    slope, _ = statistics.linear_regression(days, logs)
    return slope


def growth(
    series: Series, *, window: int = 14, end: dt.date | None = None, basis: Basis = Basis.CUMULATIVE
) -> Growth | None:
    """Growth over the ``window`` days ending on ``end`` (default: the last date of the series).

    ``series`` holds cumulative counts for ``Basis.CUMULATIVE`` and new counts for
    ``Basis.NEW_AVERAGE``. Weekly series use the week-end dates that fall in the window. Answers
    ``None`` when a count in the window is zero, negative or missing, or fewer than two points fall
    in it: the logarithm, and so the rate, is then undefined.

    >>> cases = Series.from_pairs([(dt.date(2020, 3, 1 + day), 100 * 2**day) for day in range(4)])
    >>> g = growth(cases, window=4)
    >>> round(g.doubling_time, 9), g.start, g.end
    (1.0, datetime.date(2020, 3, 1), datetime.date(2020, 3, 4))
    """
    if window < 2:
        raise invalid_parameter("window", window, "must span at least 2 days")
    counts = rolling_average(series) if basis is Basis.NEW_AVERAGE else series
    last = end if end is not None else series.end
    if last is None:
        return None
    first = last - dt.timedelta(days=window - 1)
    points = [(date, value) for date, value in counts.pairs() if first <= date <= last]
    if len(points) < 2:
        return None
    rate = growth_rate([float((date - first).days) for date, _ in points], [value for _, value in points])
    if rate is None:
        return None
    return Growth(points[0][0], points[-1][0], rate)
