"""The import pipeline every file and every submission goes through, the same for every format.

Figures stream in, are resolved to areas once per distinct area reference, checked against the
rows before them (duplicates, falling cumulatives, negative or blank new counts, future dates,
weekly data labelled daily), compared with the current figures, and only what changed is written,
in one new ``ReportVersion``. Memory stays flat: figures are held per area (files come sorted by
area, then date) and written in batches (``reporting.writing``); duplicates are remembered in one
byte per day and series.

Figures come one by one (``RawFigure``) or, from a parser that reads clean blocks at once, as
runs of one series (``FigureRun``). A run is checked with array operations when nothing in it
needs a closer look (no repeated or backward date, no earlier version in its dates to compare
with, no date in the future); otherwise its figures go the one-by-one way. Both give the same
figures, flags, warnings and counts (``tests/reporting/test_import_runs.py`` compares them).

Counting: ``rows_read`` counts records (lines) read; ``accepted``, ``flagged``, ``rejected`` and
``unchanged`` count figures, one per area, date and measure, except that a record a parser refuses
(an unreadable count or date) adds one to ``rejected``. ``flagged`` figures are accepted figures
carrying a warning (a negative new count, a falling cumulative).
"""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import json
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.audit import service as audit
from solidarity.db.base import utcnow
from solidarity.errors import Forbidden
from solidarity.imports import ImportReport, Problems
from solidarity.reporting.areas import AreaSpec, AreaTable, area_spec
from solidarity.reporting.models import AreaKind, CurrentFigure, ReportingArea, ReportVersion
from solidarity.reporting.records import AreaRef, FigureRun, Frequency, RawFigure, SourceFormat
from solidarity.reporting.writing import BATCH_ROWS, Writer, missing_rows

MODULE = "reporting"
AREA_RUN_FLUSH = 500
"""An area's buffered figures are processed once the input moves on and it holds at least this many."""
MAX_BUFFERED = 100_000
"""Everything buffered is processed when this many figures wait (files not sorted by area)."""

NEGATIVE_NEW = "negative_new"
CUMULATIVE_DECREASE = "cumulative_decrease"
DERIVED_NEW = "derived_new"
SUM_OF_SUBDIVISIONS = "sum_of_subdivisions"
WARNING_FLAGS = frozenset({NEGATIVE_NEW, CUMULATIVE_DECREASE})

# The columns a format names its area in, for problem reports.
AREA_FIELDS: dict[str, tuple[str, str]] = {
    SourceFormat.WHO: ("Country_code", "Country"),
    SourceFormat.JHU: ("Country/Region", "Country/Region"),
    SourceFormat.OWID: ("iso_code", "location"),
    SourceFormat.DHIS2: ("orgUnit", "orgUnit"),
    SourceFormat.JSON: ("area", "area"),
}

Progress = Callable[[int], None]
"""Called now and then with the number of records read so far."""


@dataclass(frozen=True)
class Batch:
    """Who publishes the figures and from where: becomes the ``ReportVersion`` if anything changes."""

    source_name: str
    source_format: str
    file_name: str | None = None
    file_sha256: str | None = None
    idempotency_key: str | None = None
    note: str | None = None


_Item = tuple[int | None, Any, dt.date, str, str, int | None, int | None]
"""A figure waiting to be checked: a ``RawFigure`` (line, area, date, frequency, measure, new, cumulative)."""
_Checked = tuple[int | None, dt.date, int | None, int | None, list[str] | None]
"""A checked figure of one series: (line, date, new, cumulative, flags)."""

_BY_DATE = operator.itemgetter(2)
_Days = npt.NDArray[np.int64]


@dataclass(frozen=True)
class _Previous:
    """The last figure of a series before the one being checked, and its last known cumulative."""

    date: dt.date
    cumulative_date: dt.date | None
    cumulative: int | None


class _Seen:
    """Which (area, frequency, measure, date) this import has had: one byte per day and series.

    Each series' bytes start a year before the first date it brings (earlier dates are kept in a
    set), so memory grows with the span of dates, not with the number of rows.
    """

    def __init__(self) -> None:
        self._days: dict[tuple[int, str, str], tuple[int, bytearray]] = {}
        self._early: set[tuple[int, str, str, dt.date]] = set()

    def bits(self, key: tuple[int, str, str], first: dt.date, last: dt.date) -> tuple[int, bytearray]:
        """The series' first ordinal and its bytes (non-zero: seen), long enough for ``last``."""
        entry = self._days.get(key)
        if entry is None:
            entry = self._days[key] = (first.toordinal() - 400, bytearray())
        base, bits = entry
        needed = last.toordinal() - base + 1
        if needed > len(bits):
            bits.extend(bytes(needed - len(bits) + 512))
        return entry

    def take(self, key: tuple[int, str, str], first: dt.date, last: dt.date, days: _Days) -> bool:
        """Mark ``days`` (from ``first`` to ``last``) seen; ``False``, marking nothing, if one was seen or is early."""
        base, bits = self.bits(key, first, last)
        if first.toordinal() < base:
            return False
        marks = np.frombuffer(bits, dtype=np.uint8)
        at = days - base
        if marks[at].any():
            return False
        marks[at] = 1
        return True

    def add_early(self, key: tuple[int, str, str], date: dt.date) -> bool:
        """Remember a date before the series' bits start; ``False`` if it was seen before."""
        early = (*key, date)
        if early in self._early:
            return False
        self._early.add(early)
        return True


class Pipeline:
    """One import: feed it raw figures with ``run``; it validates, compares, writes and reports."""

    def __init__(
        self,
        session: Session,
        actor: Actor,
        batch: Batch,
        problems: Problems,
        *,
        today: dt.date | None = None,
        progress: Progress | None = None,
        allowed_area: Callable[[AreaSpec, int], bool] | None = None,
    ) -> None:
        self.session = session
        self.actor = actor
        self.batch = batch
        self.problems = problems
        self.today = today or utcnow().date()
        self._today_day = self.today.toordinal()
        self.progress = progress
        self.allowed_area = allowed_area
        self.areas = AreaTable(session)
        self.writer = Writer(session)
        self.report = ImportReport(file=batch.file_name or batch.source_name)
        self.version: ReportVersion | None = None
        self._seen = _Seen()
        self._buffers: dict[int, dict[tuple[str, str], list[_Item]]] = {}
        self._buffered = 0
        self._last: dict[tuple[int, str, str], _Previous] = {}
        self._resolved: dict[AreaRef, AreaSpec | None] = {}
        self._refused_lines: set[int | None] = set()
        self._foreign_areas: set[str] = set()
        self._pipeline_errors = 0
        """Areas ``allowed_area`` refused: the import is refused with ``Forbidden`` naming them."""
        self._area_field, self._name_field = AREA_FIELDS.get(batch.source_format, ("area", "area"))
        # JHU: a country with only province rows is the sum of its provinces.
        self._sum_subdivisions = batch.source_format == SourceFormat.JHU
        self._own_rows: set[int] = set()
        self._subdivision_sums: dict[tuple[int, str, str], dict[dt.date, int]] = {}
        self._parents: dict[int, int | None] = {}
        self._new_areas: set[int] = set()
        self._regions: dict[int, tuple[bool, str | None]] = {}
        """Areas this import created: they have no figures but this import's, so nothing to look up."""

    # --- reading ---------------------------------------------------------------------------------

    def run(self, figures: Iterable[RawFigure | FigureRun]) -> ImportReport:
        """Consume ``figures``, write what changed and return the report.

        Raises ``Invalid`` in the error modes when any figure is bad (the caller's transaction then
        rolls back whatever was written, so nothing of the import remains).
        """
        # The import makes millions of short-lived rows and tuples, and every full collection of the
        # cyclic garbage collector would walk all the objects the process held before it (the
        # application, SQLAlchemy's metadata): frozen, they are left out of those walks until the end.
        gc.freeze()
        try:
            self._read(figures)
            return self._finish()
        finally:
            gc.unfreeze()

    def _read(self, figures: Iterable[RawFigure | FigureRun]) -> None:
        report = self.report
        progress = self.progress
        buffers = self._buffers
        last_line: int | None = None
        rows_read = report.rows_read
        previous_area: int | None = None
        last_ref: AreaRef | None = None
        last_id: int | None = None
        series: dict[tuple[str, str], list[_Item]] = {}
        for raw in figures:
            if isinstance(raw, FigureRun):
                before = rows_read
                rows_read += raw.records
                last_line = raw.first_line + len(raw.days) - 1
                if progress is not None and rows_read // 20_000 != before // 20_000:
                    report.rows_read = rows_read
                    progress(rows_read)
                area_id = self._run_area_id(raw)
                if area_id is None:
                    self._buffer_figures(raw.figures())
                    previous_area = None
                    continue
                if area_id in buffers:
                    self._process(area_id, buffers.pop(area_id))
                if area_id == previous_area:
                    previous_area = None
                if not self._take_run(area_id, raw):
                    one_by_one = cast(list[_Item], list(raw.figures()))
                    self._buffered += len(one_by_one)  # as if buffered: _process counts them out
                    self._process(area_id, {(str(raw.frequency), str(raw.measure)): one_by_one})
                continue
            line = raw[0]
            if line != last_line or last_line is None:
                rows_read += 1
                last_line = line
                if progress is not None and rows_read % 20_000 == 0:
                    report.rows_read = rows_read
                    progress(rows_read)
            ref = raw[1]
            if last_id is not None and (ref is last_ref or ref == last_ref):
                area_id = last_id
            else:
                area_id = self._area_id(ref, line)
                last_ref, last_id = ref, area_id
            if area_id is None:
                report.rejected += 1
                continue
            if area_id != previous_area:
                if previous_area is not None and self._count(previous_area) >= AREA_RUN_FLUSH:
                    self._process(previous_area, buffers.pop(previous_area))
                previous_area = area_id
                series = buffers.setdefault(area_id, {})
            key = (raw[3], raw[4])
            waiting = series.get(key)
            if waiting is None:
                waiting = series[key] = []
            waiting.append(raw)
            self._buffered += 1
            if self._buffered >= MAX_BUFFERED:
                self._process_all()
                previous_area = None
        report.rows_read = rows_read
        self._process_all()
        self._add_subdivision_sums()
        if progress is not None:
            progress(report.rows_read)

    def _run_area_id(self, run: FigureRun) -> int | None:
        """The area of a run, or ``None`` when it is unknown or refused (its figures then go one by one,
        so each line is reported and rejected as a single figure's would be)."""
        ref = run.area
        if ref not in self._resolved:
            self._resolved[ref] = area_spec(ref)
        if self._resolved[ref] is None:
            return None
        return self._area_id(ref, run.first_line)

    def _buffer_figures(self, figures: Iterable[RawFigure]) -> None:
        """Figures whose lines were counted already, buffered (or rejected) as ``_read`` does."""
        for raw in figures:
            area_id = self._area_id(raw.area, raw.line)
            if area_id is None:
                self.report.rejected += 1
                continue
            self._buffers.setdefault(area_id, {}).setdefault((raw[3], raw[4]), []).append(raw)
            self._buffered += 1
        if self._buffered >= MAX_BUFFERED:
            self._process_all()

    def _count(self, area_id: int) -> int:
        return sum(len(waiting) for waiting in self._buffers.get(area_id, {}).values())

    def _area_id(self, ref: AreaRef, line: int | None) -> int | None:
        """The id of the area ``ref`` names (created if new), or ``None`` (reported on ``line``)."""
        if ref not in self._resolved:
            self._resolved[ref] = area_spec(ref)
        spec = self._resolved[ref]
        if spec is None:
            if line not in self._refused_lines:
                self._refused_lines.add(line)
                value = ref.code if ref.code and ref.code.strip() else ref.name
                self._error(
                    line,
                    self._area_field if ref.code and ref.code.strip() else self._name_field,
                    value,
                    f"unknown area {_describe_ref(ref)}: not an ISO 3166-1 code, a known country name or a "
                    "known non-country area",
                )
            return None
        created = len(self.areas.created)
        area_id = self.areas.id_for(spec)
        if len(self.areas.created) > created:
            self._new_areas.add(area_id)
        if self.allowed_area is not None and not self.allowed_area(spec, area_id):
            # Not a problem of the data but of who sends it: the whole import is refused at the end
            # with one 403 naming every such area (see ``_finish``).
            self._foreign_areas.add(spec.code)
            return None
        if self._sum_subdivisions and spec.kind != AreaKind.SUBNATIONAL:
            self._own_rows.add(area_id)
        return area_id

    def _error(self, line: int | None, field: str | None, value: object, reason: str) -> None:
        self._pipeline_errors += 1
        self.problems.add(line=line, field=field, value=value, reason=reason)

    @property
    def _is_writing(self) -> bool:
        return not self.problems.has_errors or self.problems.mode.writes_good_records

    # --- checking --------------------------------------------------------------------------------

    def _process_all(self) -> None:
        for area_id in list(self._buffers):
            self._process(area_id, self._buffers.pop(area_id))
        self._buffered = 0

    def _process(self, area_id: int, series: dict[tuple[str, str], list[_Item]]) -> None:
        checked: list[tuple[str, str, list[_Checked]]] = []
        for (frequency_enum, measure_enum), figures in sorted(series.items()):
            # Plain strings: the drivers bind them directly instead of looking for an adapter.
            frequency, measure = str(frequency_enum), str(measure_enum)
            self._buffered -= len(figures)
            figures.sort(key=_BY_DATE)  # linear when they came in date order
            kept = self._check_series(area_id, frequency, measure, figures)
            if kept:
                checked.append((frequency, measure, kept))
        if checked:
            self._compare_and_write(area_id, checked)

    def _take_run(self, area_id: int, run: FigureRun) -> bool:
        """Check and write a run with array operations, as ``_check_series`` and ``_compare_and_write``
        would figure by figure; ``False``, having done nothing, when a figure needs that closer look.

        That is when a date repeats or goes back, lies in the future or in a series' early dates, the
        dates look weekly in a daily file, an earlier version has a figure in the run's dates (to
        compare with), a line has neither count (skipped one by one, its date not taken), or the run
        is a province to be summed into its country. Blank counts come as masks: a blank new count
        is derived from the cumulatives and a blank cumulative is passed over, as one by one.
        """
        days, new, cumulative = run.days, run.new, run.cumulative
        new_blank, cumulative_blank = run.new_blank, run.cumulative_blank
        count = len(days)
        first_day, last_day = int(days[0]), int(days[-1])
        if self._sum_subdivisions or last_day > self._today_day or cumulative.min() < 0:
            return False
        if new_blank is not None and cumulative_blank is not None and (new_blank & cumulative_blank).any():
            return False
        frequency, measure = str(run.frequency), str(run.measure)
        if count > 1:
            steps = np.diff(days)
            least = int(steps.min())
            if least <= 0:
                return False
            weekly = count >= 4 and least >= 7 and not (steps % 7).any()
            if weekly and frequency == Frequency.DAILY and self.batch.source_format != SourceFormat.JSON:
                return False
        key = (area_id, frequency, measure)
        known = self._last.get(key)
        first, last = dt.date.fromordinal(first_day), dt.date.fromordinal(last_day)
        if known is not None and known.date >= first:
            return False
        if area_id not in self._new_areas and self._has_current(key, first, last):
            return False
        if not self._seen.take(key, first, last, days):
            return False
        previous = self._previous(key, first)
        # Each figure's last known cumulative before it (its value and day), in the run or before it.
        positions = np.arange(count)
        known_at = positions if cumulative_blank is None else np.where(cumulative_blank, -1, positions)
        before_at = np.empty(count, dtype=np.int64)
        before_at[0] = -1
        before_at[1:] = np.maximum.accumulate(known_at)[:-1]
        in_run = before_at >= 0
        at_before = np.where(in_run, before_at, 0)
        before_value, before_day = cumulative[at_before], days[at_before]
        if previous is not None and previous.cumulative is not None and previous.cumulative_date is not None:
            before_value = np.where(in_run, before_value, previous.cumulative)
            before_day = np.where(in_run, before_day, previous.cumulative_date.toordinal())
            has_before = np.ones(count, dtype=bool)
        else:
            has_before = in_run
        falls = has_before & (cumulative < before_value)
        derived: npt.NDArray[np.bool_] | None = None
        if new_blank is not None:
            # A blank new count is the cumulative (the series' first figure) or the change since the
            # day (week) before, when that day's cumulative is known; else it stays blank.
            step = 7 if frequency == Frequency.WEEKLY else 1
            can_derive = new_blank if cumulative_blank is None else new_blank & ~cumulative_blank
            from_cumulative = np.zeros(count, dtype=bool)
            from_cumulative[0] = previous is None and bool(can_derive[0])
            from_change = can_derive & has_before & (before_day == days - step)
            derived = from_cumulative | from_change
            new = np.where(from_cumulative, cumulative, np.where(from_change, cumulative - before_value, new))
            new_blank = new_blank & ~derived
        if cumulative_blank is not None:
            falls &= ~cumulative_blank
        negative = new < 0
        if new_blank is not None:
            negative &= ~new_blank
        warned = falls | negative
        marked = warned if derived is None else warned | derived
        flags: dict[int, str] = {}
        if marked.any():
            flags = self._flag_run(run, measure, new, before_value, before_day, marked, derived, falls, negative)
        if cumulative_blank is None:
            self._last[key] = _Previous(last, last, int(cumulative[-1]))
        else:
            present = np.flatnonzero(~cumulative_blank)
            if len(present):
                at = int(present[-1])
                self._last[key] = _Previous(last, dt.date.fromordinal(int(days[at])), int(cumulative[at]))
            elif previous is not None:
                self._last[key] = _Previous(last, previous.cumulative_date, previous.cumulative)
            else:
                self._last[key] = _Previous(last, None, None)
        report = self.report
        report.accepted += count
        report.flagged += int(np.count_nonzero(warned))
        if self._is_writing:
            version_id = self._version_id()
            writer = self.writer
            counted, region = self._region_of(area_id)
            if counted:
                ones = np.ones(count, dtype=np.int64)
                new_counted = ones if new_blank is None else (~new_blank).astype(np.int64)
                cumulative_counted = ones if cumulative_blank is None else (~cumulative_blank).astype(np.int64)
                sums = writer.sums_of(frequency, measure, region, first_day)
                sums.add(days, new, new_counted, cumulative, cumulative_counted)
            if new_blank is not None and not new_blank.any():
                new_blank = None
            writer.add_run(
                version_id, area_id, frequency, measure, days, new, cumulative, flags, new_blank, cumulative_blank
            )
        return True

    def _flag_run(
        self,
        run: FigureRun,
        measure: str,
        new: _Days,
        before_value: _Days,
        before_day: _Days,
        marked: npt.NDArray[np.bool_],
        derived: npt.NDArray[np.bool_] | None,
        falls: npt.NDArray[np.bool_],
        negative: npt.NDArray[np.bool_],
    ) -> dict[int, str]:
        """The flags of a run's marked figures by position, as JSON text, each warned of as ``_check_series`` does."""
        flags: dict[int, str] = {}
        if derived is not None:
            # Derived only, without a warning: the common case in WHO's daily file, taken at once.
            flags = dict.fromkeys(np.flatnonzero(derived & ~(falls | negative)).tolist(), _DERIVED_ONLY)
            marked = marked & ~flags_mask(len(marked), flags)
        texts: dict[tuple[str, ...], str] = {}
        warning = self.problems.warning
        for at in np.flatnonzero(marked).tolist():
            line = run.first_line + at
            marks = []
            if derived is not None and derived[at]:
                marks.append(DERIVED_NEW)
            if falls[at]:
                before_date = dt.date.fromordinal(int(before_day[at]))
                marks.append(CUMULATIVE_DECREASE)
                warning(
                    line=line,
                    field=f"cumulative {measure}",
                    value=int(run.cumulative[at]),
                    reason=f"cumulative falls from {int(before_value[at])} on {before_date}; accepted and flagged",
                )
            if negative[at]:
                marks.append(NEGATIVE_NEW)
                warning(
                    line=line,
                    field=f"new {measure}",
                    value=int(new[at]),
                    reason="negative new count (a correction); accepted and flagged",
                )
            known = texts.get(tuple(marks))
            if known is None:
                known = texts[tuple(marks)] = json.dumps(marks)
            flags[at] = known
        return flags

    def _has_current(self, key: tuple[int, str, str], first: dt.date, last: dt.date) -> bool:
        """Whether an earlier version has a current figure of the series between ``first`` and ``last``."""
        area_id, frequency, measure = key
        self.writer.write_runs()  # what is read must include the runs written so far
        c = CurrentFigure
        found = select(c.date).where(
            c.area_id == area_id, c.frequency == frequency, c.measure == measure, c.date.between(first, last)
        )
        return self.session.scalar(found.limit(1)) is not None

    def _check_series(
        self, area_id: int, frequency: str, measure: str, series: list[_Item], base_flags: tuple[str, ...] = ()
    ) -> list[_Checked]:
        """Check one series of one area, sorted by date; return its figures with derived values and flags.

        Rejects (and reports) figures dated in the future, negative cumulatives and duplicates;
        derives blank new counts from the cumulatives and flags what looks wrong, never rejecting it.
        """
        field_new, field_cumulative = f"new {measure}", f"cumulative {measure}"
        step = dt.timedelta(days=7 if frequency == Frequency.WEEKLY else 1)
        is_file = self.batch.source_format != SourceFormat.JSON
        if frequency == Frequency.DAILY and is_file and _looks_weekly(series):
            self._error(
                series[0][0],
                "Date_reported" if self.batch.source_format == SourceFormat.WHO else "date",
                series[1][2].isoformat(),
                f"dates are 7 days apart ({series[0][2].isoformat()}, {series[1][2].isoformat()}, ...): "
                "this is weekly data; import it with --frequency weekly",
            )
            self.report.rejected += len(series)
            return []
        series_key = (area_id, frequency, measure)
        previous = self._previous(series_key, series[0][2])
        prev_date: dt.date | None = None
        prev_cumulative_date: dt.date | None = None
        prev_cumulative: int | None = None
        if previous is not None:
            prev_date, prev_cumulative_date, prev_cumulative = (
                previous.date,
                previous.cumulative_date,
                previous.cumulative,
            )
        base, bits = self._seen.bits(series_key, series[0][2], series[-1][2])
        today = self.today
        warning = self.problems.warning
        kept: list[_Checked] = []
        append = kept.append
        for line, _area, date, _frequency, _measure, new, cumulative in series:
            if new is None and cumulative is None:
                continue
            reason = field = None
            if date > today:
                reason, field = f"date {date.isoformat()} is in the future", "date"
            elif cumulative is not None and cumulative < 0:
                reason, field = "a cumulative count cannot be negative", field_cumulative
            else:
                offset = date.toordinal() - base
                if offset >= 0:
                    if bits[offset]:
                        reason, field = "appears twice in this file for the same area, date and measure", "date"
                    else:
                        bits[offset] = 1
                elif not self._seen.add_early(series_key, date):
                    reason, field = "appears twice in this file for the same area, date and measure", "date"
            if reason is not None:
                self.report.rejected += 1
                self._error(line, field, date.isoformat() if field == "date" else cumulative, reason)
                continue
            flags = list(base_flags) if base_flags else None
            # Derive a blank new count from the cumulatives, and flag what looks wrong.
            if new is None and cumulative is not None:
                if prev_date is None:
                    new = cumulative
                    flags = [*(flags or ()), DERIVED_NEW]
                elif prev_cumulative is not None and prev_cumulative_date == date - step:
                    new = cumulative - prev_cumulative
                    flags = [*(flags or ()), DERIVED_NEW]
            if prev_cumulative is not None and cumulative is not None and cumulative < prev_cumulative:
                flags = [*(flags or ()), CUMULATIVE_DECREASE]
                warning(
                    line=line,
                    field=field_cumulative,
                    value=cumulative,
                    reason=f"cumulative falls from {prev_cumulative} on {prev_cumulative_date}; accepted and flagged",
                )
            if new is not None and new < 0:
                flags = [*(flags or ()), NEGATIVE_NEW]
                warning(
                    line=line,
                    field=field_new,
                    value=new,
                    reason="negative new count (a correction); accepted and flagged",
                )
            prev_date = date
            if cumulative is not None:
                prev_cumulative_date, prev_cumulative = date, cumulative
            append((line, date, new, cumulative, flags))
        if prev_date is not None:
            self._last[series_key] = _Previous(prev_date, prev_cumulative_date, prev_cumulative)
        return kept

    def _previous(self, key: tuple[int, str, str], first: dt.date) -> _Previous | None:
        """The series before ``first``: from this import when it came in order, else the current figures."""
        known = self._last.get(key)
        if known is not None and known.date < first:
            return known
        area_id, frequency, measure = key
        if known is None and area_id in self._new_areas:
            return None
        if key in self.writer.pending:
            # Out of order: what this import wrote of the series must be in the current figures.
            self.writer.sync(self.version.id if self.version is not None else None)
        self.writer.write_runs()  # what is read must include the runs written so far
        where = (
            CurrentFigure.area_id == area_id,
            CurrentFigure.frequency == frequency,
            CurrentFigure.measure == measure,
            CurrentFigure.date < first,
        )
        last = self.session.scalar(select(func.max(CurrentFigure.date)).where(*where))
        if last is None:
            return None
        row = self.session.execute(
            select(CurrentFigure.date, CurrentFigure.cumulative_value)
            .where(*where, CurrentFigure.cumulative_value.is_not(None))
            .order_by(CurrentFigure.date.desc())
            .limit(1)
        ).first()
        return _Previous(last, row[0] if row else None, row[1] if row else None)

    # --- writing ---------------------------------------------------------------------------------

    def _compare_and_write(self, area_id: int, checked: list[tuple[str, str, list[_Checked]]]) -> None:
        first = min(kept[0][1] for _, _, kept in checked)
        last = max(kept[-1][1] for _, _, kept in checked)
        # Only figures of earlier versions are compared (a key this import already had is a duplicate),
        # and an area this import created has none.
        current: dict[tuple[str, str, dt.date], tuple[int | None, int | None]] = {}
        if area_id not in self._new_areas:
            self.writer.write_runs()  # what is read must include the runs written so far
            current = {
                (row.frequency, row.measure, row.date): (row.new_value, row.cumulative_value)
                for row in self.session.execute(
                    select(
                        CurrentFigure.frequency,
                        CurrentFigure.measure,
                        CurrentFigure.date,
                        CurrentFigure.new_value,
                        CurrentFigure.cumulative_value,
                    ).where(CurrentFigure.area_id == area_id, CurrentFigure.date.between(first, last))
                )
            }
        is_writing = self._is_writing
        report = self.report
        writer = self.writer
        rows = writer.figures
        is_sqlite = writer.is_sqlite
        iso = writer.iso_dates
        warning_flags = WARNING_FLAGS
        counted, region = self._region_of(area_id)
        for frequency, measure, kept in checked:
            if self._sum_subdivisions:
                self._add_to_subdivision_sum(area_id, frequency, measure, kept)
            version_id: int | None = None
            accepted = flagged = 0
            summed: list[tuple[int, int, int, int, int]] | None = [] if counted else None
            for _line, date, new, cumulative, flags in kept:
                if current:
                    stored = current.get((frequency, measure, date))
                    if stored is not None:
                        if stored == (new, cumulative):
                            report.unchanged += 1
                            continue
                        writer.replaces = True
                accepted += 1
                if flags is not None and not warning_flags.isdisjoint(flags):
                    flagged += 1
                if is_writing:
                    if version_id is None:
                        version_id = self._version_id()
                        rows = writer.figures
                    if summed is not None:
                        summed.append(
                            (
                                date.toordinal(),
                                new or 0,
                                new is not None,
                                cumulative or 0,
                                cumulative is not None,
                            )
                        )
                    rows.append(
                        (
                            version_id,
                            area_id,
                            (iso.get(date) or _iso(iso, date)) if is_sqlite else date,
                            frequency,
                            measure,
                            new,
                            cumulative,
                            json.dumps(flags) if flags else None,
                        )
                    )
                    if len(rows) >= BATCH_ROWS:
                        writer.flush()
                        rows = writer.figures
            if summed:
                days, *values = np.array(summed, dtype=np.int64).T
                writer.sums_of(frequency, measure, region, int(days[0])).add(days, *values)
            report.accepted += accepted
            report.flagged += flagged
            if version_id is not None:
                writer.written(version_id, area_id, frequency, measure, kept[0][1], kept[-1][1])

    def _region_of(self, area_id: int) -> tuple[bool, str | None]:
        """Whether the area counts in the daily totals (subnational areas do not), and its WHO region."""
        known = self._regions.get(area_id)
        if known is None:
            area = self.session.get(ReportingArea, area_id)
            if area is None:
                raise missing_rows(f"area {area_id}")
            known = self._regions[area_id] = (area.kind != AreaKind.SUBNATIONAL, area.who_region)
        return known

    def _version_id(self) -> int:
        if self.version is None:
            self.writer.start()
            self.version = ReportVersion(
                published_at=utcnow(),
                actor_user_id=self.actor.user_id,
                actor_label=self.actor.label,
                organisation_id=self.actor.organisation_id,
                source_name=self.batch.source_name,
                source_format=self.batch.source_format,
                file_name=self.batch.file_name,
                file_sha256=self.batch.file_sha256,
                idempotency_key=self.batch.idempotency_key,
                note=self.batch.note,
            )
            self.session.add(self.version)
            self.session.flush()
        return self.version.id

    # --- JHU: countries made of their provinces --------------------------------------------------

    def _add_to_subdivision_sum(self, area_id: int, frequency: str, measure: str, kept: list[_Checked]) -> None:
        parent_id = self._parent_of(area_id)
        if parent_id is None:
            return
        sums = self._subdivision_sums.setdefault((parent_id, frequency, measure), {})
        for _line, date, _new, cumulative, _flags in kept:
            if cumulative is not None:
                sums[date] = sums.get(date, 0) + cumulative

    def _parent_of(self, area_id: int) -> int | None:
        cache = self._parents
        if area_id not in cache:
            area = self.session.get(ReportingArea, area_id)
            is_part = area is not None and area.kind == AreaKind.SUBNATIONAL
            cache[area_id] = area.parent_id if area is not None and is_part else None
        return cache[area_id]

    def _add_subdivision_sums(self) -> None:
        for (parent_id, frequency, measure), sums in sorted(self._subdivision_sums.items()):
            if parent_id in self._own_rows:
                continue
            figures: list[_Item] = [
                (None, None, date, frequency, measure, None, total) for date, total in sorted(sums.items())
            ]
            checked = self._check_series(parent_id, frequency, measure, figures, (SUM_OF_SUBDIVISIONS,))
            if checked:
                self._compare_and_write(parent_id, [(frequency, measure, checked)])
        self._subdivision_sums.clear()

    # --- finishing -------------------------------------------------------------------------------

    def _finish(self) -> ImportReport:
        if self._foreign_areas:
            codes = sorted(self._foreign_areas)
            shown = ", ".join(codes[:20]) + (f" and {len(codes) - 20} more" if len(codes) > 20 else "")
            raise Forbidden(
                f"{self.actor.label} may not publish figures of {shown}: your organisation does not report "
                f"{'this area' if len(codes) == 1 else 'these areas'}; nothing was imported",
                details=[
                    {"field": self._area_field, "value": code, "reason": "not your organisation's area"}
                    for code in codes
                ],
            )
        self.problems.raise_if_failed()
        self.writer.sync(self.version.id if self.version is not None else None)
        report = self.report
        # Records a parser refused (an unreadable number or date) never reach the pipeline; they
        # are rejected too, one per refused record.
        report.rejected += self.problems.error_count - self._pipeline_errors
        report.problems = self.problems.listed()
        if self.version is None:
            return report
        version = self.version
        version.rows_read = report.rows_read
        version.accepted = report.accepted
        version.flagged = report.flagged
        version.rejected = report.rejected
        version.unchanged = report.unchanged
        self.writer.write_totals(version.id)
        self.session.flush()
        report.version = version.id
        audit.record(
            self.session,
            self.actor,
            module=MODULE,
            action="publish_version",
            entity_type="reporting_version",
            entity_id=version.id,
            after={**audit.snapshot(version), "areas_created": self.areas.created},
        )
        return report


_DERIVED_ONLY = json.dumps([DERIVED_NEW])


def flags_mask(count: int, flags: dict[int, str]) -> npt.NDArray[np.bool_]:
    """A mask of ``count`` positions, true at the keys of ``flags``."""
    mask = np.zeros(count, dtype=bool)
    mask[list(flags)] = True
    return mask


def _iso(cache: dict[dt.date, str], date: dt.date) -> str:
    text = cache[date] = date.isoformat()
    return text


def _looks_weekly(series: list[_Item]) -> bool:
    """Four or more dates, every one a whole number of weeks after the one before."""
    if len(series) < 4:
        return False
    return all((b[2] - a[2]).days >= 7 and (b[2] - a[2]).days % 7 == 0 for a, b in itertools.pairwise(series))


def _describe_ref(ref: AreaRef) -> str:
    parts = [repr(part.strip()) for part in (ref.code, ref.name, ref.subdivision) if part and part.strip()]
    return " / ".join(parts) or "(blank)"
