"""JHU CSSE time series: one row per country or province, one column per day, cumulative counts only.

``time_series_covid19_confirmed_global.csv`` holds cases and ``time_series_covid19_deaths_global.csv``
deaths; the measure comes from the file name or is given. Rows are passed on by name, province
included: the service tells countries from provinces and from the rows that are no country at all
("Diamond Princess", "MS Zaandam", "Summer Olympics 2020", Canada's "Grand Princess" or
"Repatriated Travellers"). New counts are left to the service to derive from the cumulative ones.
A row is read whole before any of its figures is passed on, so a bad cell skips its row, never half
of it; only one row is held at a time, whatever the number of date columns.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import BinaryIO

from solidarity.errors import Invalid
from solidarity.imports import Problems
from solidarity.reporting.formats._text import CsvRows, latest_date
from solidarity.reporting.formats._values import Record
from solidarity.reporting.formats.detect import JHU_COLUMNS, JHU_US_COLUMNS
from solidarity.reporting.records import AreaRef, Frequency, Measure, RawFigure

_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})")
_MEASURE_WORDS = {"confirmed": Measure.CASES, "deaths": Measure.DEATHS}


def measure_from_file_name(file_name: str) -> Measure | None:
    """The measure a JHU file name announces, if any.

    >>> measure_from_file_name("time_series_covid19_confirmed_global.csv")
    <Measure.CASES: 'cases'>
    >>> measure_from_file_name("time_series_covid19_deaths_global.csv")
    <Measure.DEATHS: 'deaths'>
    >>> measure_from_file_name("jhu.csv") is None
    True
    """
    lowered = file_name.lower()
    found = {measure for word, measure in _MEASURE_WORDS.items() if word in lowered}
    return found.pop() if len(found) == 1 else None


def jhu_measure(file_name: str, measure: Measure | None) -> Measure:
    """The measure to read ``file_name`` as: the one given, else the one its name announces.

    Raises ``Invalid`` when there is neither, when the name says "recovered" (not a measure
    here), or when the name and the given measure disagree.
    """
    named = measure_from_file_name(file_name)

    def refuse(reason: str) -> Invalid:
        return Invalid(
            f"{file_name}: {reason}",
            details=[{"file": file_name, "line": None, "field": "measure", "value": measure, "reason": reason}],
        )

    if "recovered" in file_name.lower():
        raise refuse("JHU's recovered series is not imported: import the confirmed or the deaths file")
    if measure is not None and named is not None and measure is not named:
        raise refuse(f"the file name says {named.value} but the measure given is {measure.value}")
    if measure not in (None, Measure.CASES, Measure.DEATHS):
        raise refuse(f"JHU files hold confirmed cases or deaths, not {measure}")
    chosen = measure or named
    if chosen is None:
        raise refuse(
            "cannot tell whether this JHU file holds cases or deaths: keep 'confirmed' or 'deaths' "
            "in the file name, or give the measure"
        )
    return chosen


def parse_jhu(
    stream: BinaryIO,
    problems: Problems,
    *,
    measure: Measure,
    frequency: Frequency | None = None,
    today: dt.date | None = None,
) -> Iterator[RawFigure]:
    """Cumulative figures of ``measure``, one per row and date column, from a JHU global time series."""
    rows = CsvRows(stream, problems)
    header = rows.header
    file_name = problems.file
    if frequency is Frequency.WEEKLY:
        raise _file_error(file_name, "frequency", "weekly", "JHU time series are daily: import them as daily")
    if all(name in header for name in JHU_US_COLUMNS):
        raise _file_error(
            file_name,
            "Admin2",
            ",".join(header[:12]),
            "JHU's US county files are not imported (their rows are counties inside states, and the global "
            "files already count the US as one country): import time_series_covid19_confirmed_global.csv "
            "or time_series_covid19_deaths_global.csv",
        )
    if header[: len(JHU_COLUMNS)] != list(JHU_COLUMNS):
        raise _file_error(
            file_name, None, ",".join(header[:6]), f"a JHU time series starts with the columns {','.join(JHU_COLUMNS)}"
        )
    columns = _date_columns(header, problems, latest_date(today))
    for line, row in rows:
        record = Record(problems, line)
        province = row[0].strip() or None
        country = row[1].strip() or None
        if country is None:
            record.fail("Country/Region", row[1], "the row names no country or region")
            continue
        values: list[tuple[dt.date, int]] = []
        for index, date in columns:
            text = row[index]
            cumulative = record.count(header[index], text, cumulative=True)
            if cumulative is not None:
                values.append((date, cumulative))
        if record.is_bad:
            continue
        area = AreaRef(code=None, name=country, subdivision=province)
        for date, cumulative in values:
            yield RawFigure(line, area, date, Frequency.DAILY, measure, None, cumulative)


def _date_columns(header: list[str], problems: Problems, latest: dt.date) -> list[tuple[int, dt.date]]:
    """The (index, date) of every date column; a column that is no date, or a future one, is reported."""
    columns = []
    for index in range(len(JHU_COLUMNS), len(header)):
        name = header[index]
        match = _DATE.fullmatch(name)
        try:
            if match is None:
                raise ValueError
            month, day, year = (int(part) for part in match.groups())
            date = dt.date(year + 2000 if year < 100 else year, month, day)
        except ValueError:
            problems.add(line=1, field=name, value=name, reason="a JHU date column is named m/d/yy, as 3/21/20")
            continue
        if date > latest:
            problems.add(line=1, field=name, value=name, reason="the date column is in the future")
            continue
        columns.append((index, date))
    if not columns:
        raise _file_error(problems.file, None, ",".join(header[:6]), "the file has no date columns")
    return columns


def _file_error(file_name: str, field: str | None, value: str | None, reason: str) -> Invalid:
    return Invalid(
        f"{file_name}: {reason}",
        details=[{"file": file_name, "line": 1, "field": field, "value": value, "reason": reason}],
    )
