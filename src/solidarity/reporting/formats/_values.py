"""Reading the values of one record: counts and dates, each failure reported with its field.

>>> problems = Problems("who.csv", OnError.ERROR_ALL)
>>> record = Record(problems, line=7)
>>> record.count("New_cases", ""), record.count("New_cases", "-12"), record.count("total_cases", "1234.0")
(None, -12, 1234)
>>> record.count("Cumulative_cases", "-3", cumulative=True), record.is_bad
(None, True)
>>> problems.errors[0].describe()
"who.csv, line 7, field Cumulative_cases, value '-3': a cumulative count cannot be negative"
"""

from __future__ import annotations

import datetime as dt
import math

from solidarity.imports import OnError, Problems

__all__ = ["OnError", "Record", "parse_count", "parse_iso_date"]


def parse_count(text: str) -> int | None:
    """A whole count written as ``12``, ``12.0`` or blank (``None``); ``ValueError`` says why not.

    >>> parse_count(" 7 "), parse_count("3.0"), parse_count("")
    (7, 3, None)
    >>> parse_count("NA")
    Traceback (most recent call last):
    ...
    ValueError: not a number
    """
    try:
        return int(text)
    except ValueError:
        pass
    stripped = text.strip()
    if not stripped:
        return None
    try:
        number = float(stripped)
    except ValueError:
        raise ValueError("not a number") from None
    if not math.isfinite(number) or not number.is_integer():
        raise ValueError("not a whole number")
    return int(number)


def parse_iso_date(text: str) -> dt.date:
    """A date written ``2020-01-11`` or as a midnight timestamp ``2020-01-11T00:00:00Z``.

    >>> parse_iso_date("2020-01-11T00:00:00Z"), parse_iso_date("2020-01-11")
    (datetime.date(2020, 1, 11), datetime.date(2020, 1, 11))
    """
    stripped = text.strip()
    if len(stripped) > 10 and stripped[10] in "T ":
        try:
            return dt.datetime.fromisoformat(stripped).date()
        except ValueError:
            pass
    elif len(stripped) == 10:
        try:
            return dt.date.fromisoformat(stripped)
        except ValueError:
            pass
    raise ValueError("not a date: write it as YYYY-MM-DD")


class Record:
    """The values of one record as they are read; any failure marks the record bad, to be skipped."""

    __slots__ = ("is_bad", "line", "problems")

    def __init__(self, problems: Problems, line: int) -> None:
        self.problems = problems
        self.line = line
        self.is_bad = False

    def fail(self, field: str | None, value: object, reason: str) -> None:
        self.is_bad = True
        self.problems.add(line=self.line, field=field, value=value, reason=reason)

    def count(self, field: str, text: str, *, cumulative: bool = False) -> int | None:
        """The count in ``text``; a cumulative count may not be negative, a new count may (a correction)."""
        try:
            value = parse_count(text)
        except ValueError as error:
            self.fail(field, text, f"{error}: expected a whole count or blank")
            return None
        if cumulative and value is not None and value < 0:
            self.fail(field, text, "a cumulative count cannot be negative")
            return None
        return value

    def date(self, field: str, value: dt.date, latest: dt.date, text: str) -> dt.date | None:
        if value > latest:
            self.fail(field, text, f"the date is in the future (today is {latest - dt.timedelta(days=1)} UTC)")
            return None
        return value
