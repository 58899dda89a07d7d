"""The shapes every reporting format parser yields, before areas are resolved or anything is stored.

Parsers stream ``RawFigure`` objects, one per (area, date, measure), or ``FigureRun`` objects, many
clean figures of one series at once, and report what they cannot read to a
``solidarity.imports.Problems``. Resolving areas, cross-row checks and versioning happen
later, in the service, the same way for every format.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt


class Measure(enum.StrEnum):
    CASES = "cases"
    DEATHS = "deaths"
    TESTS = "tests"
    HOSPITALISED = "hospitalised"
    """Patients in hospital on the date (OWID's ``hosp_patients``): a level, not a flow. Parsers put it
    in ``new`` and leave ``cumulative`` blank; it is never summed over days."""


class Frequency(enum.StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    """A weekly value is dated on the last day of its week."""


class SourceFormat(enum.StrEnum):
    WHO = "who"
    JHU = "jhu"
    OWID = "owid"
    DHIS2 = "dhis2"
    JSON = "json"
    """Records submitted through the API or the web form."""


@dataclass(frozen=True)
class AreaRef:
    """An area as the file names it; nothing here is resolved or trusted yet."""

    code: str | None
    """The code as written: ISO alpha-2 ("NA" is Namibia), alpha-3, "XK", "OWID_WRL", a DHIS2 org unit ..."""
    name: str | None
    """The name as written, possibly with footnote marks or replacement characters."""
    subdivision: str | None = None
    """A province or state inside the country named by code/name (JHU's Province/State)."""


class RawFigure(NamedTuple):
    """One measure of one area on one date, as read from line ``line`` of the file.

    A named tuple rather than a frozen dataclass: parsers make two million of these for a large
    file, and a tuple is several times cheaper to build and to unpack on the import's hot path.
    """

    line: int
    area: AreaRef
    date: dt.date
    frequency: Frequency
    measure: Measure
    new: int | None
    cumulative: int | None


class FigureRun(NamedTuple):
    """Figures of one area, frequency and measure from consecutive lines of a file, column by column.

    A parser that reads many clean rows at once (the WHO parser, for blocks where every count is
    a whole number or blank and every cumulative count is not negative) passes them on like this
    instead of as one ``RawFigure`` each, so the pipeline can check and write them with array
    operations. Line ``first_line + i`` gave ``days[i]`` (a date ordinal), ``new[i]`` and
    ``cumulative[i]``; where ``new_blank[i]`` (or ``cumulative_blank[i]``) is true the value was
    blank (``None`` one figure at a time) and the array holds 0. A mask is ``None`` when no value
    of its column is blank. ``records`` is how many lines of the file the run adds to the lines
    read (a line giving two measures is counted in the run of its first).
    """

    first_line: int
    area: AreaRef
    frequency: Frequency
    measure: Measure
    days: npt.NDArray[np.int64]
    new: npt.NDArray[np.int64]
    cumulative: npt.NDArray[np.int64]
    records: int
    new_blank: npt.NDArray[np.bool_] | None = None
    cumulative_blank: npt.NDArray[np.bool_] | None = None

    def figures(self) -> Iterator[RawFigure]:
        """The run one figure at a time."""
        line = self.first_line
        news = with_blanks(self.new, self.new_blank)
        cumulatives = with_blanks(self.cumulative, self.cumulative_blank)
        for day, new, cumulative in zip(self.days.tolist(), news, cumulatives, strict=True):
            yield RawFigure(line, self.area, dt.date.fromordinal(day), self.frequency, self.measure, new, cumulative)
            line += 1


def with_blanks(values: npt.NDArray[np.int64], blank: npt.NDArray[np.bool_] | None) -> list[int | None]:
    """``values`` as a list, ``None`` where ``blank`` is true."""
    listed: list[int | None] = list(values.tolist())
    if blank is not None:
        for at in np.flatnonzero(blank).tolist():
            listed[at] = None
    return listed


def one_by_one(items: Iterator[RawFigure | FigureRun]) -> Iterator[RawFigure]:
    """Every figure of a parser's output, runs taken apart (for callers that want one figure at a time)."""
    for item in items:
        if isinstance(item, FigureRun):
            yield from item.figures()
        else:
            yield item
