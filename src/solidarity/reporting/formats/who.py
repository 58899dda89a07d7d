"""WHO's global COVID-19 CSV: one row per country and date, new and cumulative cases and deaths.

WHO publishes two editions with the same header: ``WHO-COVID-19-global-daily-data.csv`` (a row
for every day; days without a report have blank new counts) and ``WHO-COVID-19-global-data.csv``
(weekly since 2023: one row per week, dated on the week's Sunday, its last day; before 2023 the
same name held the daily edition). The header cannot tell them apart, so the rows do: the dates of
one country follow each other by 7 days in the weekly edition and by 1 day in the daily one.

Country codes are read as text: ``NA`` is Namibia. Rows for "Other" (cases on international
conveyances) and rows with a blank code are kept with their name; names are passed on exactly as
written (``Cura\ufffdao`` included): the service resolves areas by code first.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from typing import BinaryIO, NamedTuple

import numpy as np
import numpy.typing as npt

from solidarity.errors import Invalid
from solidarity.imports import Problems
from solidarity.reporting.formats._text import CsvRows, Fields, Offsets, latest_date
from solidarity.reporting.formats._values import Record, parse_iso_date
from solidarity.reporting.formats.detect import WHO_COLUMNS
from solidarity.reporting.records import AreaRef, FigureRun, Frequency, Measure, RawFigure, with_blanks

MIN_BLOCK_ROWS = 64
"""Blocks shorter than this are read row by row."""
MIN_RUN_ROWS = 16
"""A block is read as runs of one area only if its runs are this many rows long on average."""
LOOKAHEAD_ROWS = 20_000
"""Rows read before the frequency must be known (a daily file sorted by date repeats a country
after about 240 rows; a weekly file sorted by country after one)."""
GAPS_TO_DECIDE = 50


class _Row(NamedTuple):
    line: int
    area: AreaRef
    date: dt.date
    new_cases: int | None
    cumulative_cases: int | None
    new_deaths: int | None
    cumulative_deaths: int | None


def parse_who(
    stream: BinaryIO,
    problems: Problems,
    *,
    frequency: Frequency | None = None,
    today: dt.date | None = None,
) -> Iterator[RawFigure | FigureRun]:
    """Cases and deaths from a WHO global CSV: two ``RawFigure`` per row, or two ``FigureRun`` per
    run of clean rows of one country in a block of a daily file.

    ``frequency`` is what the caller says the file is; ``None`` infers it from the spacing of each
    country's dates. Raises ``Invalid`` when a weekly file is imported as daily (or the reverse),
    or when the frequency cannot be told and was not given.
    """
    rows = CsvRows(stream, problems)
    _check_header(rows.header, problems.file)
    parts = _records(rows, problems, latest_date(today))
    lookahead: list[_Row] = []
    kept: list[_Row | list[_Run]] = []
    gaps: list[tuple[int, int, int]] = []
    last_seen: dict[AreaRef, tuple[int, dt.date]] = {}
    is_decided = False
    for part in parts:
        kept.append(part)
        for row in [part] if isinstance(part, _Row) else _rows_of(part):
            lookahead.append(row)
            previous = last_seen.get(row.area)
            if previous is not None and row.date != previous[1]:
                gaps.append((abs((row.date - previous[1]).days), previous[0], row.line))
            last_seen[row.area] = (row.line, row.date)
            if len(gaps) >= GAPS_TO_DECIDE or len(lookahead) >= LOOKAHEAD_ROWS:
                is_decided = True
                break
        if is_decided:
            break
    frequency = _decide_frequency(frequency, gaps, lookahead, problems.file)
    if frequency is Frequency.WEEKLY:
        every_row = (
            row
            for part in itertools.chain(kept, parts)
            for row in ([part] if isinstance(part, _Row) else _rows_of(part))
        )
        yield from _checked_weeks(every_row, problems)
        return
    daily, cases, deaths = Frequency.DAILY, Measure.CASES, Measure.DEATHS
    new = tuple.__new__  # builds the named tuple without its Python-level __new__: the hot path of a large file
    for part in itertools.chain(kept, parts):
        if isinstance(part, _Row):
            line, area, date, new_cases, cumulative_cases, new_deaths, cumulative_deaths = part
            yield new(RawFigure, (line, area, date, daily, cases, new_cases, cumulative_cases))
            yield new(RawFigure, (line, area, date, daily, deaths, new_deaths, cumulative_deaths))
            continue
        for first, run_area, days, counts, blanks in part:
            yield FigureRun(first, run_area, daily, cases, days, counts[0], counts[1], len(days), blanks[0], blanks[1])
            yield FigureRun(first, run_area, daily, deaths, days, counts[2], counts[3], 0, blanks[2], blanks[3])


def _checked_weeks(rows: Iterator[_Row], problems: Problems) -> Iterator[RawFigure]:
    """The figures of a weekly file, reporting rows that are not whole weeks after the area's previous row."""
    last_date: dict[AreaRef, dt.date] = {}
    for row in rows:
        previous = last_date.get(row.area)
        if previous is not None and (row.date - previous).days % 7:
            problems.add(
                line=row.line,
                field="Date_reported",
                value=row.date.isoformat(),
                reason=f"{(row.date - previous).days} days after this area's previous row ({previous}): "
                "the rows of a weekly file are whole weeks apart",
            )
            continue
        last_date[row.area] = row.date
        yield from _figures(row, Frequency.WEEKLY)


def _figures(row: _Row, frequency: Frequency) -> tuple[RawFigure, RawFigure]:
    return (
        RawFigure(row.line, row.area, row.date, frequency, Measure.CASES, row.new_cases, row.cumulative_cases),
        RawFigure(row.line, row.area, row.date, frequency, Measure.DEATHS, row.new_deaths, row.cumulative_deaths),
    )


def _check_header(header: list[str], file_name: str) -> None:
    missing = [name for name in WHO_COLUMNS if name not in header]
    if missing:
        reason = f"the WHO header lacks {', '.join(missing)}; expected {','.join(WHO_COLUMNS)}"
        raise Invalid(
            f"{file_name}: {reason}",
            details=[{"file": file_name, "line": 1, "field": missing[0], "value": ",".join(header), "reason": reason}],
        )


_Blank = npt.NDArray[np.bool_] | None
_Run = tuple[
    int,
    AreaRef,
    npt.NDArray[np.int64],
    list[npt.NDArray[np.int64]],
    list[_Blank],
]
"""Clean rows of one area from consecutive lines: (first line, area, date ordinals, the counts [new
cases, cumulative cases, new deaths, cumulative deaths], and for each count column its blanks as a
mask, ``None`` when none is blank; a blank count is 0 in its array)."""


def _rows_of(runs: list[_Run]) -> Iterator[_Row]:
    """The rows of a block's runs, one at a time."""
    for line, area, days, counts, blanks in runs:
        columns = [with_blanks(column, blank) for column, blank in zip(counts, blanks, strict=True)]
        for offset, (day, new_cases, cumulative_cases, new_deaths, cumulative_deaths) in enumerate(
            zip(days.tolist(), *columns, strict=True)
        ):
            date = dt.date.fromordinal(day)
            yield _Row(line + offset, area, date, new_cases, cumulative_cases, new_deaths, cumulative_deaths)


def _records(rows: CsvRows, problems: Problems, latest: dt.date) -> Iterator[_Row | list[_Run]]:
    """The rows of the file: a clean block as runs of one area each, every other row on its own."""
    index = {name: rows.header.index(name) for name in WHO_COLUMNS}
    i_date, i_code, i_name = index["Date_reported"], index["Country_code"], index["Country"]
    i_nc, i_cc = index["New_cases"], index["Cumulative_cases"]
    i_nd, i_cd = index["New_deaths"], index["Cumulative_deaths"]
    dates: dict[str, dt.date] = {}
    days: dict[str, int] = {}
    areas: dict[tuple[str, str], AreaRef] = {}
    new = tuple.__new__  # the named tuple without its Python-level __new__, as in parse_who
    for chunk in rows.chunks():
        start = chunk.start
        if chunk.fields is not None:
            runs = _runs_from_bytes(start, chunk.fields, index, latest, areas)
            if runs is not None:
                yield runs
                continue
        block = chunk.rows
        if len(block) >= MIN_BLOCK_ROWS:
            runs = _runs(start, block, index, latest, days, areas)
            if runs is not None:
                yield runs
                continue
        for line, row in enumerate(block, start):
            date = dates.get(row[i_date])
            area = areas.get((row[i_code], row[i_name]))
            # The fast path: every value an integer, cumulative counts not negative, date and area seen before.
            try:
                text = row[i_nc]
                new_cases = int(text) if text else None
                cumulative_cases = int(row[i_cc])
                text = row[i_nd]
                new_deaths = int(text) if text else None
                cumulative_deaths = int(row[i_cd])
            except ValueError:
                pass
            else:
                if date is not None and area is not None and cumulative_cases >= 0 and cumulative_deaths >= 0:
                    yield new(_Row, (line, area, date, new_cases, cumulative_cases, new_deaths, cumulative_deaths))
                    continue
            checked = _checked_row(line, row, index, problems, latest, dates, areas)
            if checked is not None:
                yield checked


def _runs(
    start: int,
    block: list[list[str]],
    index: dict[str, int],
    latest: dt.date,
    days: dict[str, int],
    areas: dict[tuple[str, str], AreaRef],
) -> list[_Run] | None:
    """A block of rows as runs of one area, column by column; ``None`` when a row needs reading on its own.

    That is when a count is neither blank (carried as a mask) nor a whole number, a cumulative
    count is negative, a date is not a valid date up to ``latest``, an area names neither code nor
    name, or the block holds so many areas (a file sorted by date) that runs would be a few rows long.
    """
    columns = list(zip(*block, strict=True))
    codes, names = columns[index["Country_code"]], columns[index["Country"]]
    groups = [(key, len(list(group))) for key, group in itertools.groupby(zip(codes, names, strict=True))]
    if len(groups) * MIN_RUN_ROWS > len(block):
        return None
    date_texts = columns[index["Date_reported"]]
    unknown = set(date_texts).difference(days)
    for text in unknown:
        try:
            date = parse_iso_date(text)
        except ValueError:
            return None
        if date > latest:
            return None
        days[text] = date.toordinal()
    counts: list[npt.NDArray[np.int64]] = []
    blanks: list[_Blank] = []
    try:
        ordinals = np.array([days[text] for text in date_texts], dtype=np.int64)
        for name in ("New_cases", "Cumulative_cases", "New_deaths", "Cumulative_deaths"):
            column = columns[index[name]]
            blank = None
            if "" in column:
                blank = np.array([not text for text in column], dtype=bool)
                column = tuple(text or "0" for text in column)
            counts.append(np.array(column, dtype=np.int64))
            blanks.append(blank)
    except (ValueError, OverflowError):
        return None
    if counts[1].min() < 0 or counts[3].min() < 0:
        return None
    runs: list[_Run] = []
    offset = 0
    for (code, name), size in groups:
        run = _run(start, offset, offset + size, code, name, areas, ordinals, counts, blanks)
        if run is None:
            return None
        runs.append(run)
        offset += size
    return runs


def _run(
    start: int,
    first: int,
    end: int,
    code: str,
    name: str,
    areas: dict[tuple[str, str], AreaRef],
    ordinals: npt.NDArray[np.int64],
    counts: list[npt.NDArray[np.int64]],
    blanks: list[_Blank],
) -> _Run | None:
    """Rows ``first`` to ``end`` of a block (its first at line ``start``) as one area's run; ``None``
    when the area names neither code nor name."""
    area = areas.get((code, name))
    if area is None:
        area = AreaRef(code=code.strip() or None, name=name.strip() or None)
        if area.code is None and area.name is None:
            return None
        areas[code, name] = area
    run_blanks = [None if blank is None or not blank[first:end].any() else blank[first:end] for blank in blanks]
    return (start + first, area, ordinals[first:end], [column[first:end] for column in counts], run_blanks)


def _runs_from_bytes(
    start: int, fields: Fields, index: dict[str, int], latest: dt.date, areas: dict[tuple[str, str], AreaRef]
) -> list[_Run] | None:
    """``_runs`` for a block of unquoted fields, read from its bytes without a Python string per field.

    Counts must be digits with an optional leading minus, or empty (a blank count, carried as a
    mask); anything else, such as a plus sign or spaces, goes the way of ``_runs``. Dates must be
    exactly ``YYYY-MM-DD``. ``None`` when a row needs reading otherwise.
    """
    data, starts, ends = fields
    count = len(starts)
    if count < MIN_BLOCK_ROWS:
        return None
    i_date, i_code, i_name = index["Date_reported"], index["Country_code"], index["Country"]
    code_key = _padded(data, starts[:, i_code], ends[:, i_code])
    name_key = _padded(data, starts[:, i_name], ends[:, i_name])
    if code_key is None or name_key is None:
        return None
    changes = np.flatnonzero((code_key[1:] != code_key[:-1]).any(axis=1) | (name_key[1:] != name_key[:-1]).any(axis=1))
    bounds = [0, *(changes + 1).tolist(), count]
    if (len(bounds) - 1) * MIN_RUN_ROWS > count:
        return None
    ordinals = _dates(data, starts[:, i_date], ends[:, i_date])
    if ordinals is None or int(ordinals.max()) > latest.toordinal():
        return None
    counts: list[npt.NDArray[np.int64]] = []
    blanks: list[_Blank] = []
    for name in ("New_cases", "Cumulative_cases", "New_deaths", "Cumulative_deaths"):
        column = _integers(data, starts[:, index[name]], ends[:, index[name]])
        if column is None:
            return None
        counts.append(column[0])
        blanks.append(column[1])
    if counts[1].min() < 0 or counts[3].min() < 0:
        return None
    runs: list[_Run] = []
    for first, end in itertools.pairwise(bounds):
        code = data[starts[first, i_code] : ends[first, i_code]].tobytes().decode("utf-8")
        name = data[starts[first, i_name] : ends[first, i_name]].tobytes().decode("utf-8")
        run = _run(start, first, end, code, name, areas, ordinals, counts, blanks)
        if run is None:
            return None
        runs.append(run)
    return runs


def _padded(data: npt.NDArray[np.uint8], starts: Offsets, ends: Offsets) -> npt.NDArray[np.uint8] | None:
    """The fields' bytes, one row each, padded with zeros to the longest (``None`` past 200 bytes)."""
    lengths = ends - starts
    longest = int(lengths.max())
    if longest > 200:
        return None
    offsets = np.arange(max(longest, 1))
    inside = offsets < lengths[:, None]
    return np.where(inside, data[np.where(inside, starts[:, None] + offsets, 0)], 0).astype(np.uint8)


def _integers(
    data: npt.NDArray[np.uint8], starts: Offsets, ends: Offsets
) -> tuple[npt.NDArray[np.int64], _Blank] | None:
    """Whole numbers written as digits with an optional leading minus, as ``int`` reads them, and
    the empty fields as a mask (0 in the values; ``None`` when no field is empty); else ``None``.

    Digit by digit over all fields at once (``value * 10 + digit`` while a field has digits left).
    """
    lengths = ends - starts
    longest = int(lengths.max())
    if longest > 18:
        return None
    empty = lengths == 0
    negative = (data[starts] == ord("-")) & ~empty
    first = starts + negative
    digit_count = ends - first
    if (negative & (digit_count == 0)).any():
        return None
    values = np.zeros(len(starts), dtype=np.int64)
    for at in range(longest):
        inside = digit_count > at
        digit = data[np.where(inside, first + at, 0)].astype(np.int64) - ord("0")
        if (inside & ((digit < 0) | (digit > 9))).any():
            return None
        values = np.where(inside, values * 10 + digit, values)
    return np.where(negative, -values, values), empty if empty.any() else None


_DATE_DIGITS = np.array([0, 1, 2, 3, 5, 6, 8, 9])
"""Where the digits of ``YYYY-MM-DD`` are."""
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
_DAYS_BEFORE_MONTH = np.concatenate([[0], np.cumsum(_MONTH_DAYS)[:-1]])
"""Days of a common year before each month (index 1 to 12)."""


def _dates(data: npt.NDArray[np.uint8], starts: Offsets, ends: Offsets) -> npt.NDArray[np.int64] | None:
    """Date ordinals (as ``date.toordinal``) of fields written exactly ``YYYY-MM-DD`` that
    ``date.fromisoformat`` takes (year 1 to 9999, a day the month has); else ``None``."""
    if ((ends - starts) != 10).any():
        return None
    chars = data[starts[:, None] + np.arange(10)]
    digits = chars[:, _DATE_DIGITS].astype(np.int64) - ord("0")
    dashes = (chars[:, 4] == ord("-")) & (chars[:, 7] == ord("-"))
    if not dashes.all() or not ((digits >= 0) & (digits <= 9)).all():
        return None
    year = digits[:, :4] @ np.array([1000, 100, 10, 1])
    month = digits[:, 4] * 10 + digits[:, 5]
    day = digits[:, 6] * 10 + digits[:, 7]
    if ((month < 1) | (month > 12) | (year < 1)).any():
        return None
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    if ((day < 1) | (day > _MONTH_DAYS[month] + (leap & (month == 2)))).any():
        return None
    before = year - 1
    days_before_year = before * 365 + before // 4 - before // 100 + before // 400
    ordinals: npt.NDArray[np.int64] = days_before_year + _DAYS_BEFORE_MONTH[month] + (leap & (month > 2)) + day
    return ordinals


def _checked_row(
    line: int,
    row: list[str],
    index: dict[str, int],
    problems: Problems,
    latest: dt.date,
    dates: dict[str, dt.date],
    areas: dict[tuple[str, str], AreaRef],
) -> _Row | None:
    """The row read value by value, each failure reported; ``None`` when it is to be skipped."""
    record = Record(problems, line)
    date_text = row[index["Date_reported"]]
    date = dates.get(date_text)
    if date is None:
        try:
            date = record.date("Date_reported", parse_iso_date(date_text), latest, date_text)
        except ValueError as error:
            record.fail("Date_reported", date_text, str(error))
        if date is not None:
            dates[date_text] = date
    code_text, name_text = row[index["Country_code"]], row[index["Country"]]
    area = areas.get((code_text, name_text))
    if area is None:
        area = AreaRef(code=code_text.strip() or None, name=name_text.strip() or None)
    new_cases = record.count("New_cases", row[index["New_cases"]])
    cumulative_cases = record.count("Cumulative_cases", row[index["Cumulative_cases"]], cumulative=True)
    new_deaths = record.count("New_deaths", row[index["New_deaths"]])
    cumulative_deaths = record.count("Cumulative_deaths", row[index["Cumulative_deaths"]], cumulative=True)
    if area.code is None and area.name is None:
        record.fail("Country_code", code_text, "the row names no area: its code and name are blank")
    if record.is_bad or date is None:
        return None
    areas[code_text, name_text] = area
    return _Row(line, area, date, new_cases, cumulative_cases, new_deaths, cumulative_deaths)


def _decide_frequency(
    given: Frequency | None, gaps: list[tuple[int, int, int]], rows: list[_Row], file_name: str
) -> Frequency:
    """The file's frequency from the day gaps between rows of one area, checked against ``given``."""
    if gaps:
        weekly_gaps = [gap for gap in gaps if gap[0] % 7 == 0]
        daily_gaps = [gap for gap in gaps if gap[0] % 7]
        # A vote, so that one stray row does not turn a weekly file into a daily one.
        seen = Frequency.WEEKLY if len(weekly_gaps) > len(daily_gaps) else Frequency.DAILY
        if given is None or given is seen:
            return seen
        days, first, second = (weekly_gaps if seen is Frequency.WEEKLY else daily_gaps)[0]
        if seen is Frequency.WEEKLY:
            reason = (
                f"this is a weekly file (the rows of one area are {days} days apart, lines {first} and {second}) "
                "but it was imported as daily: import it as weekly"
            )
        else:
            reason = (
                f"this is a daily file (the rows of one area are {days} days apart, lines {first} and {second}) "
                "but it was imported as weekly: import it as daily"
            )
        raise Invalid(
            f"{file_name}: {reason}",
            details=[{"file": file_name, "line": second, "field": "Date_reported", "value": None, "reason": reason}],
        )
    if given is not None:
        return given
    if any(row.date.isoweekday() != 7 for row in rows) or not rows:
        return Frequency.DAILY
    if "daily" in file_name.lower():
        return Frequency.DAILY
    reason = (
        "cannot tell whether this file is daily or weekly: every area has one date and every date is a Sunday; "
        "say which with the frequency option"
    )
    raise Invalid(
        f"{file_name}: {reason}",
        details=[{"file": file_name, "line": None, "field": "Date_reported", "value": None, "reason": reason}],
    )
