"""The data shapes ``static/charts.js`` draws, and the tables that stand in for each chart without JavaScript.

Each ``*_chart`` function returns a JSON-ready dict (one entry per date in every list) and the
rows of its fallback table, newest first. Values stay as they were published: a negative new
count (a correction) is drawn and listed as it is.

>>> import datetime as dt
>>> from solidarity.reporting.analytics.series import Series
>>> from solidarity.reporting.records import Frequency
>>> chart = epicurve_chart(Series(dt.date(2020, 3, 1), Frequency.DAILY, (1, -2, None)), label="New cases")
>>> chart.data["new"], chart.rows[0]
([1, -2, None], ('2020-03-03', '–', '–'))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from solidarity.reporting.analytics.rt import RtResult
from solidarity.reporting.analytics.series import Series, Value, rolling_average

TABLE_ROWS = 28
"""How many of the latest dates a chart's fallback table lists; the CSV download has them all."""


@dataclass(frozen=True)
class Chart:
    data: dict[str, Any]
    columns: tuple[str, ...]
    rows: Sequence[tuple[str, ...]] = ()


def figure(value: Value | float, digits: int = 0) -> str:
    """A number as the tables show it: thousands separated, a dash when missing.

    >>> figure(1234567), figure(None), figure(2.345, 1), figure(-3)
    ('1,234,567', '–', '2.3', '-3')
    """
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def _rounded(values: Sequence[Value], digits: int = 2) -> list[Value]:
    return [None if v is None else (round(v, digits) if isinstance(v, float) else v) for v in values]


def epicurve_chart(new: Series, *, label: str, colour: str = "cases", average: Series | None = None) -> Chart:
    """New counts as bars and their 7-day average (computed here unless given) as a line."""
    average = average if average is not None else _safe_average(new)
    dates = [date.isoformat() for date in new.dates]
    data = {
        "dates": dates,
        "new": list(new.values),
        "avg7": _rounded(average.values),
        "label": label,
        "colour": colour,
    }
    rows = [
        (date, figure(value), figure(avg, 1))
        for date, value, avg in zip(dates, new.values, average.values, strict=True)
    ]
    rows.reverse()
    return Chart(data, ("Date", label, "7-day average"), rows[:TABLE_ROWS])


def _safe_average(new: Series) -> Series:
    if not new.values:
        return new
    return rolling_average(new, 7)


def cumulative_chart(series: Sequence[tuple[str, Series]]) -> Chart:
    """Cumulative counts of several measures over the union of their dates, as lines."""
    dates = sorted({date for _, s in series for date in s.dates})
    data = {
        "dates": [d.isoformat() for d in dates],
        "series": [{"label": label, "values": [s.value_on(d) for d in dates]} for label, s in series],
        "scale": "linear",
    }
    rows = [(d.isoformat(), *(figure(s.value_on(d)) for _, s in series)) for d in reversed(dates)]
    return Chart(data, ("Date", *(label for label, _ in series)), rows[:TABLE_ROWS])


RT_AXIS_RANGE = (2, 5)


def rt_axis_top(uppers: Sequence[float]) -> int:
    """Where the Rt axis stops: above nine in ten upper bounds, between 2 and 5.

    A few days of tiny counts give Rt in the hundreds; an axis that follows them would flatten
    everything else against the line Rt = 1. The table lists every value.

    >>> rt_axis_top([0.8, 1.2, 1.4]), rt_axis_top([1.0] * 9 + [250.0]), rt_axis_top([9.0] * 10)
    (2, 2, 5)
    """
    if not uppers:
        return RT_AXIS_RANGE[0]
    ordered = sorted(uppers)
    high = ordered[int(0.9 * (len(ordered) - 1))]
    return max(RT_AXIS_RANGE[0], min(RT_AXIS_RANGE[1], math.ceil(high)))


def rt_chart(result: RtResult) -> Chart:
    """Rt by window end: posterior mean and the 95% credible interval as a band.

    Windows with too few cases (``is_reliable`` false) are drawn apart, as a grey line with a grey
    band, and marked in the table; the axis is set by the reliable windows when there are any.
    """
    estimates = result.estimates
    reliable = [e.is_reliable for e in estimates]
    data = {
        "dates": [e.end.isoformat() for e in estimates],
        "mean": [round(e.mean, 3) for e in estimates],
        "lower": [round(e.lower, 3) for e in estimates],
        "upper": [round(e.upper, 3) for e in estimates],
        "reliable": reliable,
        "ymax": rt_axis_top([e.upper for e in estimates if e.is_reliable] or [e.upper for e in estimates]),
    }
    rows = [
        (
            e.end.isoformat(),
            figure(e.mean, 2) if e.is_reliable else f"{figure(e.mean, 2)} (unreliable)",
            f"{figure(e.lower, 2)} to {figure(e.upper, 2)}",
            f"{e.window_cases:,.0f}" if e.is_reliable else f"{e.window_cases:,.0f}: too few",
        )
        for e in reversed(estimates)
    ]
    return Chart(data, ("Window ending", "Rt (mean)", "95% credible interval", "Cases in window"), rows[:TABLE_ROWS])
