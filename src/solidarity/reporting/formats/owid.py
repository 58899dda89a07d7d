"""Our World in Data's ``owid-covid-data.csv``: one row per location and day, dozens of columns.

Only the columns named here are read, found by name; the others (smoothed series, vaccinations,
population ...) are ignored, and their order changes between releases. Counts are often written
as floats (``1234.0``). Rows whose ``iso_code`` starts with ``OWID_`` are aggregates (World,
continents, income groups, the EU) and are skipped, since counting them would count their
countries twice; three are places, not aggregates, and are kept: ``OWID_KOS`` is Kosovo (passed on
as ``XK``), ``OWID_INT`` "International" holds the cases on ships, and ``OWID_CYN`` is Northern
Cyprus. ``hosp_patients`` is the number of patients in hospital on the day, a level rather than
a flow; it is passed on in ``new`` (see ``Measure.HOSPITALISED``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import BinaryIO

from solidarity.errors import Invalid
from solidarity.imports import Problems
from solidarity.reporting.formats._text import CsvRows, latest_date
from solidarity.reporting.formats._values import Record, parse_iso_date
from solidarity.reporting.formats.detect import OWID_COLUMNS, OWID_MEASURE_COLUMNS
from solidarity.reporting.records import AreaRef, Frequency, Measure, RawFigure

MEASURE_COLUMNS: tuple[tuple[Measure, str | None, str | None], ...] = (
    (Measure.CASES, "new_cases", "total_cases"),
    (Measure.DEATHS, "new_deaths", "total_deaths"),
    (Measure.TESTS, "new_tests", "total_tests"),
    (Measure.HOSPITALISED, "hosp_patients", None),
)
"""Each measure with its (new, cumulative) columns."""

KEPT_OWID_CODES = {"OWID_KOS": "XK", "OWID_INT": "OWID_INT", "OWID_CYN": "OWID_CYN"}
"""The ``OWID_`` codes that name a place rather than an aggregate, with the code passed on."""


def parse_owid(
    stream: BinaryIO,
    problems: Problems,
    *,
    frequency: Frequency | None = None,
    today: dt.date | None = None,
) -> Iterator[RawFigure]:
    """Cases, deaths and, where the columns exist, tests and patients in hospital, from an OWID CSV.

    Reports the number of aggregate rows skipped as one warning at the end.
    """
    rows = CsvRows(stream, problems)
    header = rows.header
    file_name = problems.file
    if frequency is Frequency.WEEKLY:
        reason = "owid-covid-data.csv has one row per day: import it as daily"
        raise Invalid(f"{file_name}: {reason}", details=[{"file": file_name, "field": "frequency", "reason": reason}])
    missing = [name for name in OWID_COLUMNS if name not in header]
    if missing or not any(name in header for name in OWID_MEASURE_COLUMNS):
        reason = (
            f"an OWID file needs the columns {','.join(OWID_COLUMNS)} and at least one of "
            f"{','.join(OWID_MEASURE_COLUMNS)}; missing: {','.join(missing) or ','.join(OWID_MEASURE_COLUMNS)}"
        )
        raise Invalid(
            f"{file_name}: {reason}",
            details=[
                {
                    "file": file_name,
                    "line": 1,
                    "field": missing[0] if missing else None,
                    "value": None,
                    "reason": reason,
                }
            ],
        )
    i_code, i_name, i_date = (header.index(name) for name in OWID_COLUMNS)
    measures = [
        (
            measure,
            new_column,
            header.index(new_column) if new_column in header else None,
            total_column,
            header.index(total_column) if total_column in header else None,
        )
        for measure, new_column, total_column in MEASURE_COLUMNS
        if new_column in header or total_column in header
    ]
    latest = latest_date(today)
    dates: dict[str, dt.date] = {}
    areas: dict[tuple[str, str], AreaRef | None] = {}
    skipped: dict[str, int] = {}
    for line, row in rows:
        code_text, name_text = row[i_code], row[i_name]
        key = (code_text, name_text)
        if key in areas:
            area = areas[key]
        else:
            area = areas[key] = _area(code_text, name_text)
        if area is None:
            skipped[code_text] = skipped.get(code_text, 0) + 1
            continue
        record = Record(problems, line)
        date_text = row[i_date]
        date = dates.get(date_text)
        if date is None:
            try:
                date = record.date("date", parse_iso_date(date_text), latest, date_text)
            except ValueError as error:
                record.fail("date", date_text, str(error))
            if date is not None:
                dates[date_text] = date
        figures = []
        for measure, new_column, i_new, total_column, i_total in measures:
            new = record.count(new_column, row[i_new]) if new_column and i_new is not None else None
            total = (
                record.count(total_column, row[i_total], cumulative=True)
                if total_column and i_total is not None
                else None
            )
            if new is not None or total is not None:
                figures.append((measure, new, total))
        if record.is_bad or date is None:
            continue
        for measure, new, total in figures:
            yield RawFigure(line, area, date, Frequency.DAILY, measure, new, total)
    if skipped:
        listed = ", ".join(f"{code} ({count})" for code, count in sorted(skipped.items()))
        problems.warning(
            line=None,
            field="iso_code",
            value=",".join(sorted(skipped)),
            reason=f"skipped {sum(skipped.values())} rows of aggregates, "
            f"which would count their countries twice: {listed}",
        )


def _area(code_text: str, name_text: str) -> AreaRef | None:
    """The area a row is about, or ``None`` for an aggregate."""
    code = code_text.strip()
    name = name_text.strip() or None
    if code.startswith("OWID_"):
        kept = KEPT_OWID_CODES.get(code)
        return None if kept is None else AreaRef(code=kept, name=name)
    return AreaRef(code=code or None, name=name)
