"""Milestones: the dates on which a cumulative count first reached each multiple of a step.

This is how a reader checks a claim such as WHO's of March 2020, "the first 100,000 cases took
67 days, the second 100,000 took 11 days, and the third only 4 days", against a source.

Days are plain differences of dates: a milestone first reached on 7 March 2020 is 67 days after
the origin (by default 31 December 2019, the first report from Wuhan), and a later milestone's
``days_since_previous`` is the difference between its date and the previous milestone's.
``days_since_origin`` is therefore the sum of the ``days_since_previous`` up to that milestone.
Whether a source's figures bear a claim out depends on the dates it reported, which is the point.

The caller attaches the source and data version the cumulative series came from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from solidarity.reporting.analytics.series import Number, Series, Value, invalid_parameter

WUHAN_FIRST_REPORT = dt.date(2019, 12, 31)
"""The default origin: the day Wuhan first reported the cluster of pneumonia cases."""


@dataclass(frozen=True)
class Milestone:
    milestone: int
    """The threshold reached: a multiple of the step (100000, 200000 ...)."""
    date: dt.date
    """The first date on which the cumulative count was at least ``milestone``."""
    cumulative: Number
    """The cumulative count on that date."""
    days_since_previous: int
    """Days since the previous milestone's date; for the first one, days since the origin."""
    days_since_origin: int
    """Days from the origin date to ``date``."""


def milestones(
    dates_and_cumulative: Series | Iterable[tuple[dt.date, Value]],
    *,
    step: int = 100_000,
    count: int | None = None,
    origin: dt.date = WUHAN_FIRST_REPORT,
) -> list[Milestone]:
    """The first date the cumulative count reached each multiple of ``step``, in order.

    ``count`` limits the answer to the first ``count`` multiples; multiples never reached are left
    out. Missing values are skipped. When one day jumps over several multiples, each of them gets
    that day (``days_since_previous`` 0 for all but the first). A series that starts above a
    multiple gives it the series' first date: the data cannot say when it was crossed before that,
    so pass the series from the start of the epidemic. A cumulative that falls after a correction
    does not undo a milestone already reached, and the next one needs the count to reach it again.

    >>> cumulative = [(dt.date(2020, 1, 2), 40), (dt.date(2020, 1, 3), 250), (dt.date(2020, 1, 8), 310)]
    >>> for m in milestones(cumulative, step=100):
    ...     print(m.milestone, m.date, m.days_since_previous, m.days_since_origin)
    100 2020-01-03 3 3
    200 2020-01-03 0 3
    300 2020-01-08 5 8
    """
    if step <= 0:
        raise invalid_parameter("step", step, "must be a positive number of cases")
    if count is not None and count < 1:
        raise invalid_parameter("count", count, "must be at least 1")
    pairs = dates_and_cumulative.pairs() if isinstance(dates_and_cumulative, Series) else dates_and_cumulative
    known = sorted((date, value) for date, value in pairs if value is not None)
    reached: list[Milestone] = []
    previous_day = 0
    for date, cumulative in known:
        day = (date - origin).days
        while count is None or len(reached) < count:
            threshold = (len(reached) + 1) * step
            if cumulative < threshold:
                break
            reached.append(Milestone(threshold, date, cumulative, day - previous_day, day))
            previous_day = day
        if count is not None and len(reached) >= count:
            break
    return reached
