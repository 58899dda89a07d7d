"""The shapes every reporting format parser yields, before areas are resolved or anything is stored.

Parsers stream ``RawFigure`` objects, one per (area, date, measure), and report what they cannot
read to a ``solidarity.imports.Problems``. Resolving areas, cross-row checks and versioning happen
later, in the service, the same way for every format.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import NamedTuple


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
