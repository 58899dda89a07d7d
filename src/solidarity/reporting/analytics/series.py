"""A dated series of figures for one area and measure, and the arithmetic the dashboards need.

A ``Series`` has a first date, a frequency and one value per step; ``None`` means the figure is
missing on that date. A weekly value is dated on the last day of its week, as WHO dates it.
Nothing here clips or smooths away a negative new value: a correction passes through unchanged,
so the reader sees it and the quality summary can flag it.

>>> s = Series.from_pairs([(dt.date(2020, 3, 2), 10), (dt.date(2020, 3, 4), 30)])
>>> s.values
(10, None, 30)
>>> new_from_cumulative(s).values
(10, None, None)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from solidarity.errors import Invalid
from solidarity.reporting.records import Frequency

Number = float | int
Value = float | int | None

PER_100K = 100_000


def invalid_parameter(field: str, value: object, reason: str) -> Invalid:
    """The error every analytics function raises for a parameter it cannot use."""
    return Invalid(f"{field} = {value!r}: {reason}", details=[{"field": field, "value": str(value), "reason": reason}])


def _step(frequency: Frequency) -> dt.timedelta:
    return dt.timedelta(days=7 if frequency is Frequency.WEEKLY else 1)


@dataclass(frozen=True)
class Series:
    """Values on ``start``, ``start + step``, ... where the step is one day or one week.

    An empty series has no dates; its ``start`` then means nothing.
    """

    start: dt.date
    frequency: Frequency
    values: tuple[Value, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.values, tuple):
            object.__setattr__(self, "values", tuple(self.values))

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[dt.date, Value]], frequency: Frequency = Frequency.DAILY) -> Series:
        """Build a series from (date, value) pairs in any order; dates with no pair become ``None``.

        Raises ``Invalid`` when a date appears twice, or when weekly dates are not whole weeks apart.

        >>> weekly = Series.from_pairs([(dt.date(2020, 3, 15), 7), (dt.date(2020, 3, 1), 5)], Frequency.WEEKLY)
        >>> weekly.dates
        (datetime.date(2020, 3, 1), datetime.date(2020, 3, 8), datetime.date(2020, 3, 15))
        >>> weekly.values
        (5, None, 7)
        """
        by_date: dict[dt.date, Value] = {}
        for date, value in pairs:
            if date in by_date:
                raise invalid_parameter("date", date.isoformat(), "appears twice in one series")
            by_date[date] = value
        if not by_date:
            return cls(dt.date.min, frequency, ())
        start, end = min(by_date), max(by_date)
        step_days = _step(frequency).days
        for date in by_date:
            if (date - start).days % step_days:
                raise invalid_parameter(
                    "date", date.isoformat(), f"is not a whole number of weeks after {start.isoformat()}"
                )
        count = (end - start).days // step_days + 1
        values = tuple(by_date.get(start + dt.timedelta(days=i * step_days)) for i in range(count))
        return cls(start, frequency, values)

    @property
    def step(self) -> dt.timedelta:
        return _step(self.frequency)

    @property
    def dates(self) -> tuple[dt.date, ...]:
        return tuple(self.start + i * self.step for i in range(len(self.values)))

    @property
    def end(self) -> dt.date | None:
        """The last date, or ``None`` for an empty series."""
        return self.start + (len(self.values) - 1) * self.step if self.values else None

    def __len__(self) -> int:
        return len(self.values)

    def pairs(self) -> list[tuple[dt.date, Value]]:
        return list(zip(self.dates, self.values, strict=True))

    def value_on(self, date: dt.date) -> Value:
        """The value on ``date``; ``None`` when it is missing or outside the series."""
        offset = (date - self.start).days
        index, remainder = divmod(offset, self.step.days)
        if remainder or not 0 <= index < len(self.values):
            return None
        return self.values[index]

    def with_values(self, values: Iterable[Value]) -> Series:
        """The same dates with other values (one per date)."""
        replaced = tuple(values)
        if len(replaced) != len(self.values):
            raise invalid_parameter("values", len(replaced), f"expected {len(self.values)} values")
        return Series(self.start, self.frequency, replaced)


def new_from_cumulative(cumulative: Series, *, baseline: Number | None = 0) -> Series:
    """New counts per step: each cumulative value minus the one before it.

    ``baseline`` is the cumulative before the first date (0: the series starts with the epidemic;
    ``None``: unknown, so the first new value is missing). A new value is missing when either
    cumulative it needs is missing. A cumulative that falls gives a negative new value, kept as is.

    >>> c = Series(dt.date(2020, 3, 1), Frequency.DAILY, (5, 8, 7, 12))
    >>> new_from_cumulative(c).values
    (5, 3, -1, 5)
    >>> new_from_cumulative(c, baseline=None).values
    (None, 3, -1, 5)
    """
    previous: Value = baseline
    new: list[Value] = []
    for value in cumulative.values:
        new.append(None if value is None or previous is None else value - previous)
        previous = value
    return cumulative.with_values(new)


def cumulative_from_new(new: Series, *, baseline: Number = 0) -> Series:
    """Running totals of new counts, starting from ``baseline``; the reverse of ``new_from_cumulative``.

    Once a new value is missing the running total is unknown, so it and every later cumulative are
    ``None`` (fill the gap first if a missing day should count as zero).

    >>> n = Series(dt.date(2020, 3, 1), Frequency.DAILY, (5, 3, -1, None, 5))
    >>> cumulative_from_new(n).values
    (5, 8, 7, None, None)
    """
    running: Value = baseline
    cumulative: list[Value] = []
    for value in new.values:
        running = None if running is None or value is None else running + value
        cumulative.append(running)
    return new.with_values(cumulative)


def total(series: Iterable[Series], *, missing: Literal["skip", "propagate"] = "skip") -> Series:
    """Sum several series date by date (global or regional totals) over the union of their dates.

    With ``missing="skip"`` a date's total is the sum of the values reported on it (``None`` when
    none is), as WHO's global figures sum the areas that reported; with ``"propagate"`` a single
    missing value makes the total missing. All series must share one frequency (and, for weekly
    series, end their weeks on the same weekday).

    >>> a = Series(dt.date(2020, 3, 1), Frequency.DAILY, (1, 2, None))
    >>> b = Series(dt.date(2020, 3, 2), Frequency.DAILY, (10, 20, 30))
    >>> total([a, b]).values
    (1, 12, 20, 30)
    >>> total([a, b], missing="propagate").values
    (None, 12, None, None)
    """
    parts = list(series)
    frequencies = {part.frequency for part in parts}
    if len(frequencies) > 1:
        raise invalid_parameter("frequency", sorted(frequencies), "cannot add daily and weekly series")
    frequency = frequencies.pop() if frequencies else Frequency.DAILY
    step_days = _step(frequency).days
    filled = [part for part in parts if part.values]
    if not filled:
        return Series(dt.date.min, frequency, ())
    start = min(part.start for part in filled)
    end = max(part.start + (len(part.values) - 1) * part.step for part in filled)
    length = (end - start).days // step_days + 1
    sums: list[Number] = [0] * length
    reported = [0] * length
    for part in filled:
        offset, misaligned = divmod((part.start - start).days, step_days)
        if misaligned:
            raise invalid_parameter(
                "start", part.start.isoformat(), "weekly series must end their weeks on one weekday"
            )
        for index, value in enumerate(part.values, start=offset):
            if value is not None:
                sums[index] += value
                reported[index] += 1
    needed = len(parts) if missing == "propagate" else 1
    return Series(start, frequency, tuple(s if n >= needed else None for s, n in zip(sums, reported, strict=True)))


def rolling_average(series: Series, window: int = 7) -> Series:
    """Trailing average per day over ``window`` days, on each date of the series.

    Daily: the mean of the value on the date and the ``window - 1`` days before it; missing while
    the window is incomplete or holds a missing value. Weekly: the window must be whole weeks, and
    the average is the sum of those weeks divided by the days they cover (one week: value / 7).

    >>> daily = Series(dt.date(2020, 3, 1), Frequency.DAILY, (7, 14, 21, -7))
    >>> rolling_average(daily, 3).values
    (None, None, 14.0, 9.333333333333334)
    >>> rolling_average(Series(dt.date(2020, 3, 1), Frequency.WEEKLY, (70, 140))).values
    (10.0, 20.0)
    """
    if window < 1 or window % series.step.days:
        raise invalid_parameter("window", window, f"must be a positive multiple of {series.step.days} days")
    points = window // series.step.days
    averages: list[Value] = []
    for index in range(len(series.values)):
        chunk = series.values[index - points + 1 : index + 1] if index + 1 >= points else ()
        if len(chunk) < points or any(value is None for value in chunk):
            averages.append(None)
        else:
            averages.append(sum(value for value in chunk if value is not None) / window)
    return series.with_values(averages)


def per_100k(series: Series, population: Number) -> Series:
    """Each value per 100,000 people of ``population``.

    >>> per_100k(Series(dt.date(2020, 3, 1), Frequency.DAILY, (50, None)), 2_000_000).values
    (2.5, None)
    """
    if population <= 0:
        raise invalid_parameter("population", population, "must be positive")
    return series.with_values(None if value is None else value * PER_100K / population for value in series.values)


def gaps(series: Series) -> tuple[dt.date, ...]:
    """The dates between the first and last date that have no value (days, or week ends if weekly).

    >>> gaps(Series.from_pairs([(dt.date(2020, 3, 1), 1), (dt.date(2020, 3, 4), 4)]))
    (datetime.date(2020, 3, 2), datetime.date(2020, 3, 3))
    """
    return tuple(date for date, value in series.pairs() if value is None)


def to_weekly(daily: Series, *, how: Literal["sum", "last"] = "sum") -> Series:
    """Resample a daily series to ISO weeks (Monday to Sunday), each dated on its Sunday.

    ``how="sum"`` adds the seven days (for new counts); a week with a missing day, or only partly
    inside the series, is missing rather than undercounted. ``how="last"`` takes the Sunday's value
    (for cumulative counts).

    >>> days = Series(dt.date(2020, 3, 2), Frequency.DAILY, tuple(range(1, 15)))  # Mon 2 .. Sun 15 March
    >>> to_weekly(days).pairs()
    [(datetime.date(2020, 3, 8), 28), (datetime.date(2020, 3, 15), 77)]
    >>> to_weekly(days, how="last").values
    (7, 14)
    """
    if daily.frequency is not Frequency.DAILY:
        raise invalid_parameter("frequency", daily.frequency.value, "only a daily series can be resampled to weeks")
    if not daily.values or daily.end is None:
        return Series(dt.date.min, Frequency.WEEKLY, ())
    first_sunday = daily.start + dt.timedelta(days=6 - daily.start.weekday())
    last_sunday = daily.end + dt.timedelta(days=6 - daily.end.weekday())
    week_count = (last_sunday - first_sunday).days // 7 + 1
    aggregate: Callable[[Sequence[Value]], Value] = _week_sum if how == "sum" else _week_last
    weeks = []
    for week in range(week_count):
        sunday = first_sunday + dt.timedelta(days=7 * week)
        days = [daily.value_on(sunday - dt.timedelta(days=back)) for back in range(6, -1, -1)]
        weeks.append(aggregate(days))
    return Series(first_sunday, Frequency.WEEKLY, tuple(weeks))


def _week_sum(days: Sequence[Value]) -> Value:
    if any(value is None for value in days):
        return None
    return sum(value for value in days if value is not None)


def _week_last(days: Sequence[Value]) -> Value:
    return days[-1]
