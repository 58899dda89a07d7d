"""DHIS2 ``dataValueSets`` JSON, read through a stored mapping of data elements and org units.

A data value set is ``{"dataSet", "completeDate", "period", "orgUnit", "dataValues": [...]}``;
each data value has ``dataElement``, ``period``, ``orgUnit``, ``categoryOptionCombo`` and
``value`` (a string in DHIS2's exports), and takes ``period`` and ``orgUnit`` from the set when it
has none. Periods: daily ``20200311`` and ISO weekly ``2020W11`` (Monday to Sunday, dated on its
Sunday) are read; other period types (monthly ``202003``, ``2020WedW11``, quarterly ...) are
refused, since figures here are daily or weekly. The values of one data element, org unit and
period are summed over their category option combos (disaggregations such as sex or age).

JSON has no lines worth naming, so ``line`` is the data value's position in ``dataValues``
(the first is 1), and problems name it the same way.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, Literal

from solidarity.errors import Invalid
from solidarity.imports import Problems
from solidarity.reporting.formats._text import UTF8_BOM, latest_date
from solidarity.reporting.formats._values import Record
from solidarity.reporting.records import AreaRef, Frequency, Measure, RawFigure

MAX_JSON_BYTES = 512 << 20
"""Callers limit uploads well below this; it only stops a file read from disk from filling memory."""
MAX_NESTING = 8
"""A data value set nests three deep (set, list, value); anything far deeper is not one."""

_DAILY = re.compile(r"(\d{4})(\d{2})(\d{2})")
_WEEKLY = re.compile(r"(\d{4})W(\d{1,2})")
_OTHER_PERIODS = (
    (re.compile(r"\d{4}(Wed|Thu|Sat|Sun|Bi)W\d{1,2}"), "weeks starting on another day than Monday"),
    (re.compile(r"\d{6}"), "a month"),
    (re.compile(r"\d{6}B"), "two months"),
    (re.compile(r"\d{4}Q\d"), "a quarter"),
    (re.compile(r"\d{4}(April|Nov)?S\d"), "six months"),
    (re.compile(r"\d{4}(April|July|Oct|Nov)?"), "a year"),
)
_STRUCTURE = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


@dataclass(frozen=True)
class Dhis2Mapping:
    """What a DHIS2 instance's identifiers mean here, stored with the source that uses them.

    ``data_elements`` maps a data element uid to the measure it counts and whether its values
    are new counts for the period or cumulative ones; ``org_units`` maps an org unit uid to the
    area code it reports (``"NA"``, ``"XK"``, a subnational code ...).
    """

    data_elements: dict[str, tuple[Measure, Literal["new", "cumulative"]]]
    org_units: dict[str, str]


def parse_period(period: str) -> tuple[dt.date, Frequency]:
    """The date a DHIS2 period is reported on, and its frequency.

    >>> parse_period("20200311")
    (datetime.date(2020, 3, 11), <Frequency.DAILY: 'daily'>)
    >>> parse_period("2020W11")
    (datetime.date(2020, 3, 15), <Frequency.WEEKLY: 'weekly'>)
    >>> parse_period("202003")
    Traceback (most recent call last):
    ...
    ValueError: a period of a month is not read: figures here are daily (20200311) or weekly (2020W11)
    """
    match = _DAILY.fullmatch(period)
    if match is not None:
        year, month, day = (int(part) for part in match.groups())
        try:
            return dt.date(year, month, day), Frequency.DAILY
        except ValueError:
            raise ValueError("not a day: a daily period is written yyyyMMdd, as 20200311") from None
    match = _WEEKLY.fullmatch(period)
    if match is not None:
        year, week = (int(part) for part in match.groups())
        try:
            return dt.date.fromisocalendar(year, week, 7), Frequency.WEEKLY
        except ValueError:
            raise ValueError(f"{year} has no ISO week {week}") from None
    for pattern, kind in _OTHER_PERIODS:
        if pattern.fullmatch(period):
            raise ValueError(f"a period of {kind} is not read: figures here are daily (20200311) or weekly (2020W11)")
    raise ValueError("not a DHIS2 period: expected daily yyyyMMdd (20200311) or weekly yyyyWn (2020W11)")


def parse_dhis2(
    stream: BinaryIO,
    problems: Problems,
    *,
    mapping: Dhis2Mapping,
    today: dt.date | None = None,
) -> Iterator[RawFigure]:
    """The figures of a DHIS2 data value set, through ``mapping``.

    Data elements the mapping does not know are skipped with one warning each; an org unit it does
    not know is a problem. Raises ``Invalid`` for a file that is not a data value set.
    """
    document = _load(stream, problems.file)
    data_values = document.get("dataValues")
    if not isinstance(data_values, list):
        raise _file_error(problems.file, "dataValues", 'a data value set has a "dataValues" list')
    default_period = document.get("period")
    default_org_unit = document.get("orgUnit")
    latest = latest_date(today)
    unmapped: dict[str, int] = {}
    totals: dict[tuple[str, dt.date, Measure], _Total] = {}
    for position, value in enumerate(data_values, start=1):
        record = Record(problems, position)
        if not isinstance(value, dict):
            record.fail(
                None, json.dumps(value)[:80], "a data value is an object with dataElement, period, orgUnit and value"
            )
            continue
        element = value.get("dataElement")
        if not isinstance(element, str) or not element:
            record.fail("dataElement", element, "the data value names no data element")
            continue
        mapped = mapping.data_elements.get(element)
        if mapped is None:
            unmapped[element] = unmapped.get(element, 0) + 1
            continue
        measure, kind = mapped
        org_unit = value.get("orgUnit", default_org_unit)
        area_code = mapping.org_units.get(org_unit) if isinstance(org_unit, str) else None
        if area_code is None:
            record.fail("orgUnit", org_unit, "the org unit is not in this source's mapping: map it to an area first")
        period = value.get("period", default_period)
        date = frequency = None
        if not isinstance(period, str):
            record.fail("period", period, "the data value has no period")
        else:
            try:
                date, frequency = parse_period(period.strip())
            except ValueError as error:
                record.fail("period", period, str(error))
            else:
                date = record.date("period", date, latest, period)
        raw = value.get("value")
        count = None
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            record.fail("value", raw, "the value is not a count")
        else:
            count = record.count("value", str(raw), cumulative=kind == "cumulative")
        if record.is_bad or area_code is None or date is None or frequency is None or count is None:
            continue
        total = totals.get((area_code, date, measure))
        if total is None:
            total = totals[area_code, date, measure] = _Total(position, frequency)
        total.add(kind, count)
    for element, count in sorted(unmapped.items()):
        problems.warning(
            line=None,
            field="dataElement",
            value=element,
            reason=f"the data element is not in this source's mapping: its {count} values were skipped",
        )
    for (area_code, date, measure), total in totals.items():
        area = AreaRef(code=area_code, name=None)
        yield RawFigure(total.position, area, date, total.frequency, measure, total.new, total.cumulative)


@dataclass
class _Total:
    """One figure summed over category option combos; ``position`` is its first data value."""

    position: int
    frequency: Frequency
    new: int | None = None
    cumulative: int | None = None

    def add(self, kind: Literal["new", "cumulative"], count: int) -> None:
        if kind == "new":
            self.new = count if self.new is None else self.new + count
        else:
            self.cumulative = count if self.cumulative is None else self.cumulative + count


def _load(stream: BinaryIO, file_name: str) -> dict[str, Any]:
    data = stream.read(MAX_JSON_BYTES + 1)
    if len(data) > MAX_JSON_BYTES:
        raise _file_error(file_name, None, f"the file is larger than {MAX_JSON_BYTES >> 20} MB")
    try:
        text = data.removeprefix(UTF8_BOM).decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise _file_error(file_name, None, "the file is not UTF-8 text: export it again as UTF-8 JSON", line) from None
    depth = 0
    for token in _STRUCTURE.finditer(data):
        symbol = token.group()
        if symbol in (b"[", b"{"):
            depth += 1
            if depth > MAX_NESTING:
                line = data.count(b"\n", 0, token.start()) + 1
                raise _file_error(
                    file_name,
                    None,
                    f"the JSON nests deeper than {MAX_NESTING} levels: it is not a data value set",
                    line,
                )
        elif symbol in (b"]", b"}"):
            depth -= 1
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except (json.JSONDecodeError, ValueError) as error:
        where: int | None = getattr(error, "lineno", None)
        raise _file_error(file_name, None, f"the file is not valid JSON: {error}", where) from None
    if not isinstance(document, dict):
        raise _file_error(file_name, None, 'a data value set is a JSON object with a "dataValues" list')
    return document


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _file_error(file_name: str, field: str | None, reason: str, line: int | None = None) -> Invalid:
    return Invalid(
        f"{file_name}: {reason}",
        details=[{"file": file_name, "line": line, "field": field, "value": None, "reason": reason}],
    )
