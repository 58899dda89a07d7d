"""The import pipeline every file and every submission goes through, the same for every format.

Figures stream in, are resolved to areas once per distinct area reference, checked against the
rows before them (duplicates, falling cumulatives, negative or blank new counts, future dates,
weekly data labelled daily), compared with the current figures, and only what changed is written,
in one new ``ReportVersion``. Memory stays flat: figures are held per area (files come sorted by
area, then date) and written in batches through the driver; duplicates are remembered in one
bit per day and series.

Counting: ``rows_read`` counts records (lines) read; ``accepted``, ``flagged``, ``rejected`` and
``unchanged`` count figures, one per area, date and measure. ``flagged`` figures are accepted
figures carrying a warning (a negative new count, a falling cumulative).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, delete, func, insert, literal, select, union_all
from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.audit import service as audit
from solidarity.db.base import utcnow
from solidarity.imports import ImportReport, Problems
from solidarity.reporting.areas import AreaSpec, AreaTable, area_spec
from solidarity.reporting.models import AreaKind, CurrentFigure, DailyTotal, ReportingArea, ReportVersion
from solidarity.reporting.records import AreaRef, Frequency, RawFigure, SourceFormat

MODULE = "reporting"
BATCH_ROWS = 10_000
"""Rows per batched write."""
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


@dataclass
class _Figure:
    line: int | None
    area_id: int
    date: dt.date
    frequency: str
    measure: str
    new: int | None
    cumulative: int | None
    flags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Previous:
    """The last figure of a series before the one being checked, and its last known cumulative."""

    date: dt.date
    cumulative_date: dt.date | None
    cumulative: int | None


@dataclass
class _Touched:
    first: dt.date
    last: dt.date


class _Writer:
    """Batched writes of figures and current figures through the driver, in the session's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.is_sqlite = session.get_bind().dialect.name == "sqlite"
        self.figures: list[tuple[Any, ...]] = []
        self.current_new: list[tuple[Any, ...]] = []
        self.current_changed: list[tuple[Any, ...]] = []
        self.touched: dict[tuple[str, str], _Touched] = {}

    def _date(self, date: dt.date) -> Any:
        return date.isoformat() if self.is_sqlite else date

    def add(self, version_id: int, figure: _Figure, *, exists: bool) -> None:
        flags = json.dumps(figure.flags) if figure.flags else None
        date = self._date(figure.date)
        self.figures.append(
            (version_id, figure.area_id, date, figure.frequency, figure.measure, figure.new, figure.cumulative, flags)
        )
        if exists:
            self.current_changed.append(
                (
                    version_id,
                    figure.new,
                    figure.cumulative,
                    flags,
                    figure.area_id,
                    figure.frequency,
                    figure.measure,
                    date,
                )
            )
        else:
            self.current_new.append(
                (
                    figure.area_id,
                    figure.frequency,
                    figure.measure,
                    date,
                    version_id,
                    figure.new,
                    figure.cumulative,
                    flags,
                )
            )
        if len(self.figures) >= BATCH_ROWS:
            self.flush()

    def touch(self, frequency: str, measure: str, first: dt.date, last: dt.date) -> None:
        span = self.touched.get((frequency, measure))
        if span is None:
            self.touched[(frequency, measure)] = _Touched(first, last)
        else:
            span.first = min(span.first, first)
            span.last = max(span.last, last)

    def flush(self) -> None:
        if self.figures:
            self._insert(
                "reporting_figures",
                ("version_id", "area_id", "date", "frequency", "measure", "new_value", "cumulative_value", "flags"),
                self.figures,
            )
            self.figures = []
        if self.current_new:
            self._insert(
                "reporting_current_figures",
                ("area_id", "frequency", "measure", "date", "version_id", "new_value", "cumulative_value", "flags"),
                self.current_new,
            )
            self.current_new = []
        if self.current_changed:
            mark = "?" if self.is_sqlite else "%s"
            sql = (
                f"UPDATE reporting_current_figures SET version_id = {mark}, new_value = {mark}, "  # noqa: S608
                f"cumulative_value = {mark}, flags = {mark} WHERE area_id = {mark} AND frequency = {mark} "
                f"AND measure = {mark} AND date = {mark}"
            )
            self.session.connection().exec_driver_sql(sql, self.current_changed)
            self.current_changed = []

    def _insert(self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        names = ", ".join(columns)
        connection = self.session.connection()
        if self.is_sqlite:
            marks = ", ".join("?" for _ in columns)
            connection.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608
            return
        # PostgreSQL: COPY is several times faster than batched INSERTs, in the same transaction.
        raw = connection.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


class _Seen:
    """Which (area, frequency, measure, date) this import has had: one bit per day and series.

    Each series' bits start ten years before the first date it brings, so memory grows with the
    span of dates, not with the number of rows.
    """

    def __init__(self) -> None:
        self._days: dict[tuple[int, str, str], tuple[dt.date, bytearray]] = {}
        self._early: set[tuple[int, str, str, dt.date]] = set()

    def add(self, figure: _Figure) -> bool:
        """Remember the figure's key; ``False`` if it was seen before."""
        key = (figure.area_id, figure.frequency, figure.measure)
        entry = self._days.get(key)
        if entry is None:
            entry = self._days[key] = (figure.date - dt.timedelta(days=3650), bytearray())
        base, bits = entry
        offset = (figure.date - base).days
        if offset < 0:
            early = (*key, figure.date)
            if early in self._early:
                return False
            self._early.add(early)
            return True
        byte, bit = divmod(offset, 8)
        if byte >= len(bits):
            bits.extend(bytes(byte - len(bits) + 64))
        if bits[byte] & (1 << bit):
            return False
        bits[byte] |= 1 << bit
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
        self.progress = progress
        self.allowed_area = allowed_area
        self.areas = AreaTable(session)
        self.writer = _Writer(session)
        self.report = ImportReport(file=batch.file_name or batch.source_name)
        self.version: ReportVersion | None = None
        self._seen = _Seen()
        self._buffers: dict[int, list[_Figure]] = {}
        self._buffered = 0
        self._last: dict[tuple[int, str, str], _Previous] = {}
        self._resolved: dict[AreaRef, AreaSpec | None] = {}
        self._refused_lines: set[int | None] = set()
        self._area_field, self._name_field = AREA_FIELDS.get(batch.source_format, ("area", "area"))
        # JHU: a country with only province rows is the sum of its provinces.
        self._sum_subdivisions = batch.source_format == SourceFormat.JHU
        self._own_rows: set[int] = set()
        self._subdivision_sums: dict[tuple[int, str, str], dict[dt.date, int]] = {}
        self._parents: dict[int, int | None] = {}

    # --- reading ---------------------------------------------------------------------------------

    def run(self, figures: Iterable[RawFigure]) -> ImportReport:
        """Consume ``figures``, write what changed and return the report.

        Raises ``Invalid`` in the error modes when any figure is bad (the caller's transaction then
        rolls back whatever was written, so nothing of the import remains).
        """
        last_line: int | None = None
        previous_area: int | None = None
        last_ref: AreaRef | None = None
        last_id: int | None = None
        for raw in figures:
            if raw.line != last_line or last_line is None:
                self.report.rows_read += 1
                last_line = raw.line
                if self.progress is not None and self.report.rows_read % 20_000 == 0:
                    self.progress(self.report.rows_read)
            if raw.area == last_ref and last_id is not None:
                area_id: int | None = last_id
            else:
                area_id = self._area_id(raw)
                last_ref, last_id = raw.area, area_id
            if area_id is None:
                self.report.rejected += 1
                continue
            figure = _Figure(raw.line, area_id, raw.date, str(raw.frequency), str(raw.measure), raw.new, raw.cumulative)
            if area_id != previous_area and previous_area is not None:
                run = self._buffers.get(previous_area)
                if run is not None and len(run) >= AREA_RUN_FLUSH:
                    self._process(previous_area, self._buffers.pop(previous_area))
            previous_area = area_id
            self._buffers.setdefault(area_id, []).append(figure)
            self._buffered += 1
            if self._buffered >= MAX_BUFFERED:
                self._process_all()
        self._process_all()
        self._add_subdivision_sums()
        if self.progress is not None:
            self.progress(self.report.rows_read)
        return self._finish()

    def _area_id(self, raw: RawFigure) -> int | None:
        ref = raw.area
        if ref not in self._resolved:
            self._resolved[ref] = area_spec(ref)
        spec = self._resolved[ref]
        if spec is None:
            if raw.line not in self._refused_lines:
                self._refused_lines.add(raw.line)
                value = ref.code if ref.code and ref.code.strip() else ref.name
                self._error(
                    raw.line,
                    self._area_field if ref.code and ref.code.strip() else self._name_field,
                    value,
                    f"unknown area {_describe_ref(ref)}: not an ISO 3166-1 code, a known country name or a "
                    "known non-country area",
                )
            return None
        area_id = self.areas.id_for(spec)
        if self.allowed_area is not None and not self.allowed_area(spec, area_id):
            if raw.line not in self._refused_lines:
                self._refused_lines.add(raw.line)
                self._error(raw.line, self._area_field, spec.code, "your organisation does not report this area")
            return None
        if self._sum_subdivisions and spec.kind != AreaKind.SUBNATIONAL:
            self._own_rows.add(area_id)
        return area_id

    def _error(self, line: int | None, field: str | None, value: object, reason: str) -> None:
        self.problems.add(line=line, field=field, value=value, reason=reason)

    @property
    def _is_writing(self) -> bool:
        return not self.problems.has_errors or self.problems.mode.writes_good_records

    # --- checking --------------------------------------------------------------------------------

    def _process_all(self) -> None:
        for area_id in list(self._buffers):
            self._process(area_id, self._buffers.pop(area_id))
        self._buffered = 0

    def _process(self, area_id: int, figures: list[_Figure]) -> None:
        self._buffered -= len(figures)
        figures.sort(key=lambda f: (f.frequency, f.measure, f.date))
        checked: list[_Figure] = []
        start = 0
        while start < len(figures):
            end = start
            key = (figures[start].frequency, figures[start].measure)
            while end < len(figures) and (figures[end].frequency, figures[end].measure) == key:
                end += 1
            checked.extend(self._check_series(area_id, figures[start:end]))
            start = end
        if checked:
            self._compare_and_write(area_id, checked)

    def _check_series(self, area_id: int, series: list[_Figure]) -> list[_Figure]:
        frequency, measure = series[0].frequency, series[0].measure
        field_new, field_cumulative = f"new {measure}", f"cumulative {measure}"
        step = dt.timedelta(days=7 if frequency == Frequency.WEEKLY else 1)
        is_file = self.batch.source_format != SourceFormat.JSON
        if frequency == Frequency.DAILY and is_file and _looks_weekly(series):
            self._error(
                series[0].line,
                "Date_reported" if self.batch.source_format == SourceFormat.WHO else "date",
                series[1].date.isoformat(),
                f"dates are 7 days apart ({series[0].date.isoformat()}, {series[1].date.isoformat()}, ...): "
                "this is weekly data; import it with --frequency weekly",
            )
            self.report.rejected += len(series)
            return []
        series_key = (area_id, frequency, measure)
        previous = self._previous(series_key, series[0].date)
        kept: list[_Figure] = []
        for figure in series:
            if figure.new is None and figure.cumulative is None:
                continue
            reason, field = None, None
            if figure.date > self.today:
                reason, field = f"date {figure.date.isoformat()} is in the future", "date"
            elif figure.cumulative is not None and figure.cumulative < 0:
                reason, field = "a cumulative count cannot be negative", field_cumulative
            elif not self._seen.add(figure):
                reason, field = "appears twice in this file for the same area, date and measure", "date"
            if reason is not None:
                value = figure.date.isoformat() if field == "date" else figure.cumulative
                self.report.rejected += 1
                self._error(figure.line, field, value, reason)
                continue
            self._check_figure(figure, previous, step, field_new, field_cumulative)
            if figure.cumulative is not None:
                previous = _Previous(figure.date, figure.date, figure.cumulative)
            elif previous is not None:
                previous = _Previous(figure.date, previous.cumulative_date, previous.cumulative)
            else:
                previous = _Previous(figure.date, None, None)
            kept.append(figure)
        if previous is not None:
            self._last[series_key] = previous
        return kept

    def _check_figure(
        self, figure: _Figure, previous: _Previous | None, step: dt.timedelta, field_new: str, field_cumulative: str
    ) -> None:
        """Derive a blank new count from the cumulatives and flag what looks wrong; never rejects."""
        if figure.new is None and figure.cumulative is not None:
            if previous is None:
                figure.new = figure.cumulative
                figure.flags.append(DERIVED_NEW)
            elif previous.cumulative is not None and previous.cumulative_date == figure.date - step:
                figure.new = figure.cumulative - previous.cumulative
                figure.flags.append(DERIVED_NEW)
        if (
            previous is not None
            and previous.cumulative is not None
            and figure.cumulative is not None
            and figure.cumulative < previous.cumulative
        ):
            figure.flags.append(CUMULATIVE_DECREASE)
            self.problems.warning(
                line=figure.line,
                field=field_cumulative,
                value=figure.cumulative,
                reason=f"cumulative falls from {previous.cumulative} on {previous.cumulative_date}; "
                "accepted and flagged",
            )
        if figure.new is not None and figure.new < 0:
            figure.flags.append(NEGATIVE_NEW)
            self.problems.warning(
                line=figure.line,
                field=field_new,
                value=figure.new,
                reason="negative new count (a correction); accepted and flagged",
            )

    def _previous(self, key: tuple[int, str, str], first: dt.date) -> _Previous | None:
        """The series before ``first``: from this import when it came in order, else the current figures."""
        known = self._last.get(key)
        if known is not None and known.date < first:
            return known
        self.writer.flush()
        area_id, frequency, measure = key
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

    def _compare_and_write(self, area_id: int, figures: list[_Figure]) -> None:
        first = min(f.date for f in figures)
        last = max(f.date for f in figures)
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
        written: set[tuple[str, str]] = set()
        is_writing = self._is_writing
        version_id: int | None = None
        add = self.writer.add
        report = self.report
        for figure in figures:
            if self._sum_subdivisions:
                self._add_to_subdivision_sum(figure)
            stored = current.get((figure.frequency, figure.measure, figure.date))
            if stored is not None and stored == (figure.new, figure.cumulative):
                report.unchanged += 1
                continue
            report.accepted += 1
            if figure.flags and not WARNING_FLAGS.isdisjoint(figure.flags):
                report.flagged += 1
            if is_writing:
                if version_id is None:
                    version_id = self._version_id()
                add(version_id, figure, exists=stored is not None)
                written.add((figure.frequency, figure.measure))
        for frequency, measure in written:
            self.writer.touch(frequency, measure, first, last)

    def _version_id(self) -> int:
        if self.version is None:
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

    def _add_to_subdivision_sum(self, figure: _Figure) -> None:
        if not self._sum_subdivisions or figure.cumulative is None:
            return
        parent_id = self._parent_of(figure.area_id)
        if parent_id is None:
            return
        sums = self._subdivision_sums.setdefault((parent_id, figure.frequency, figure.measure), {})
        sums[figure.date] = sums.get(figure.date, 0) + figure.cumulative

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
            figures = [
                _Figure(None, parent_id, date, frequency, measure, None, total, [SUM_OF_SUBDIVISIONS])
                for date, total in sorted(sums.items())
            ]
            checked = self._check_series(parent_id, figures)
            if checked:
                self._compare_and_write(parent_id, checked)
        self._subdivision_sums.clear()

    # --- finishing -------------------------------------------------------------------------------

    def _finish(self) -> ImportReport:
        self.problems.raise_if_failed()
        self.writer.flush()
        report = self.report
        report.problems = self.problems.listed()
        if self.version is None:
            return report
        version = self.version
        version.rows_read = report.rows_read
        version.accepted = report.accepted
        version.flagged = report.flagged
        version.rejected = report.rejected
        version.unchanged = report.unchanged
        refresh_totals(self.session, self.writer.touched)
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


def _looks_weekly(series: list[_Figure]) -> bool:
    """Four or more dates, every one a whole number of weeks after the one before."""
    if len(series) < 4:
        return False
    return all((b.date - a.date).days >= 7 and (b.date - a.date).days % 7 == 0 for a, b in itertools.pairwise(series))


def _describe_ref(ref: AreaRef) -> str:
    parts = [repr(part.strip()) for part in (ref.code, ref.name, ref.subdivision) if part and part.strip()]
    return " / ".join(parts) or "(blank)"


def refresh_totals(session: Session, touched: dict[tuple[str, str], _Touched]) -> None:
    """Recompute the global and regional totals for the dates an import touched, from current figures."""
    for (frequency, measure), span in touched.items():
        session.execute(
            delete(DailyTotal).where(
                DailyTotal.frequency == frequency,
                DailyTotal.measure == measure,
                DailyTotal.date.between(span.first, span.last),
            )
        )
        session.execute(insert(DailyTotal).from_select(_TOTAL_COLUMNS, _totals_query(frequency, measure, span)))


_TOTAL_COLUMNS = ["scope", "frequency", "measure", "date", "new_value", "cumulative_value", "areas", "version_id"]


def _totals_query(frequency: str, measure: str, span: _Touched) -> Any:
    c, a = CurrentFigure, ReportingArea
    condition = and_(
        a.kind != AreaKind.SUBNATIONAL.value,
        c.frequency == frequency,
        c.measure == measure,
        c.date.between(span.first, span.last),
    )
    columns = (
        c.frequency,
        c.measure,
        c.date,
        func.sum(c.new_value),
        func.sum(c.cumulative_value),
        func.count(),
        func.max(c.version_id),
    )
    world = (
        select(literal("global"), *columns)
        .select_from(a)
        .join(c, c.area_id == a.id)
        .where(condition)
        .group_by(c.frequency, c.measure, c.date)
    )
    regions = (
        select(a.who_region, *columns)
        .select_from(a)
        .join(c, c.area_id == a.id)
        .where(condition, a.who_region.is_not(None))
        .group_by(a.who_region, c.frequency, c.measure, c.date)
    )
    return union_all(world, regions)
