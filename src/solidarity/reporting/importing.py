"""The import pipeline every file and every submission goes through, the same for every format.

Figures stream in, are resolved to areas once per distinct area reference, checked against the
rows before them (duplicates, falling cumulatives, negative or blank new counts, future dates,
weekly data labelled daily), compared with the current figures, and only what changed is written,
in one new ``ReportVersion``. Memory stays flat: figures are held per area (files come sorted by
area, then date) as tuples and written in batches through the driver (``executemany`` on SQLite,
``COPY`` on PostgreSQL); duplicates are remembered in one bit per day and series. Only the new
``Figure`` rows cross from Python to the database: the current figures follow from them in one
set-based ``INSERT ... SELECT ... ON CONFLICT`` and the daily totals in one ``INSERT ... SELECT
... GROUP BY`` per series kind.

Counting: ``rows_read`` counts records (lines) read; ``accepted``, ``flagged``, ``rejected`` and
``unchanged`` count figures, one per area, date and measure, except that a record a parser refuses
(an unreadable count or date) adds one to ``rejected``. ``flagged`` figures are accepted figures
carrying a warning (a negative new count, a falling cumulative).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, literal, select, text, union_all
from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.audit import service as audit
from solidarity.db.base import utcnow
from solidarity.errors import Forbidden
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


_Item = tuple[int | None, Any, dt.date, str, str, int | None, int | None]
"""A figure waiting to be checked: a ``RawFigure`` (line, area, date, frequency, measure, new, cumulative)."""
_Checked = tuple[int | None, dt.date, int | None, int | None, list[str] | None]
"""A checked figure of one series: (line, date, new, cumulative, flags)."""

_BY_DATE = operator.itemgetter(2)


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


_FIGURE_COLUMNS = "version_id, area_id, date, frequency, measure, new_value, cumulative_value, flags"
_CURRENT_COLUMNS = "area_id, frequency, measure, date, version_id, new_value, cumulative_value, flags"
_INSERT_CURRENT = f"""
INSERT INTO reporting_current_figures ({_CURRENT_COLUMNS})
SELECT {_CURRENT_COLUMNS} FROM reporting_figures WHERE id > :floor AND version_id = :version
"""  # noqa: S608 - constant text, values bound
_UPSERT_CURRENT = f"""{_INSERT_CURRENT}ON CONFLICT (area_id, frequency, measure, date) DO UPDATE SET
    version_id = excluded.version_id, new_value = excluded.new_value,
    cumulative_value = excluded.cumulative_value, flags = excluded.flags
"""
"""Current figures follow the version's new figures in one set-based statement (both engines have ON CONFLICT)."""


class _Writer:
    """Batched writes of figures through the driver, in the session's transaction.

    Only ``Figure`` rows cross from Python to the database; ``sync`` then brings the current
    figures up to date from this version's new figures with one ``INSERT ... SELECT ... ON
    CONFLICT`` (the ids above ``floor`` are this import's: ids only grow).
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.is_sqlite = session.get_bind().dialect.name == "sqlite"
        self.figures: list[tuple[Any, ...]] = []
        self.iso_dates: dict[dt.date, str] = {}
        """Dates as SQLite stores them, each formatted once (one entry per distinct date)."""
        self.touched: dict[tuple[str, str], _Touched] = {}
        self.floor: int | None = None
        """Figures with a greater id than this and this version's id are not yet in the current figures."""
        self.pending: set[tuple[int, str, str]] = set()
        """Series with figures written (or waiting to be) but not yet in the current figures."""
        self.replaces = False
        """Whether a pending figure replaces a current one (else a plain insert will do, as in a first import)."""
        self.totalled: dict[tuple[str, str], tuple[dt.date, dt.date]] = {}
        """The dates the daily totals covered before this import, per (frequency, measure)."""
        self.sums: dict[tuple[str, str, str | None], dict[dt.date, list[int]]] = {}
        """What this import wrote, summed per (frequency, measure, region) and date: [new, new counted,
        cumulative, cumulative counted, figures]. Subnational areas are left out, as in the totals."""

    def start(self) -> None:
        """Note the greatest figure id before this import writes any, and the dates the totals cover."""
        if self.floor is None:
            self.floor = self.session.scalar(text("SELECT COALESCE(MAX(id), 0) FROM reporting_figures")) or 0
            t = DailyTotal
            covered = (
                select(t.frequency, t.measure, func.min(t.date), func.max(t.date))
                .where(t.scope == "global")
                .group_by(t.frequency, t.measure)
            )
            self.totalled = {(f, m): (first, last) for f, m, first, last in self.session.execute(covered)}

    def touch(self, frequency: str, measure: str, first: dt.date, last: dt.date) -> None:
        span = self.touched.get((frequency, measure))
        if span is None:
            self.touched[(frequency, measure)] = _Touched(first, last)
        else:
            span.first = min(span.first, first)
            span.last = max(span.last, last)

    def flush(self) -> None:
        if not self.figures:
            return
        rows, self.figures = self.figures, []
        connection = self.session.connection()
        if self.is_sqlite:
            sql = f"INSERT INTO reporting_figures ({_FIGURE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"  # noqa: S608
            connection.exec_driver_sql(sql, rows)
            return
        # PostgreSQL: COPY is several times faster than batched INSERTs, in the same transaction.
        raw = connection.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy(f"COPY reporting_figures ({_FIGURE_COLUMNS}) FROM STDIN") as copy:
            write_row = copy.write_row
            for row in rows:
                write_row(row)

    def sync(self, version_id: int | None) -> None:
        """Write what waits and bring the current figures up to date with it."""
        self.flush()
        if version_id is None or not self.pending:
            return
        sql = _UPSERT_CURRENT if self.replaces else _INSERT_CURRENT
        self.session.execute(text(sql), {"floor": self.floor, "version": version_id})
        self.floor = self.session.scalar(text("SELECT COALESCE(MAX(id), 0) FROM reporting_figures")) or 0
        self.pending.clear()
        self.replaces = False


class _Seen:
    """Which (area, frequency, measure, date) this import has had: one bit per day and series.

    Each series' bits start ten years before the first date it brings, so memory grows with the
    span of dates, not with the number of rows.
    """

    def __init__(self) -> None:
        self._days: dict[tuple[int, str, str], tuple[int, bytearray]] = {}
        self._early: set[tuple[int, str, str, dt.date]] = set()

    def bits(self, key: tuple[int, str, str], first: dt.date, last: dt.date) -> tuple[int, bytearray]:
        """The series' first ordinal and its bits, long enough for ``last``."""
        entry = self._days.get(key)
        if entry is None:
            entry = self._days[key] = (first.toordinal() - 3650, bytearray())
        base, bits = entry
        needed = ((last.toordinal() - base) >> 3) + 1
        if needed > len(bits):
            bits.extend(bytes(needed - len(bits) + 64))
        return entry

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
        self.progress = progress
        self.allowed_area = allowed_area
        self.areas = AreaTable(session)
        self.writer = _Writer(session)
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

    def run(self, figures: Iterable[RawFigure]) -> ImportReport:
        """Consume ``figures``, write what changed and return the report.

        Raises ``Invalid`` in the error modes when any figure is bad (the caller's transaction then
        rolls back whatever was written, so nothing of the import remains).
        """
        self._read(figures)
        return self._finish()

    def _read(self, figures: Iterable[RawFigure]) -> None:
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
            line = raw[0]
            if line != last_line or last_line is None:
                rows_read += 1
                last_line = line
                if progress is not None and rows_read % 20_000 == 0:
                    report.rows_read = rows_read
                    progress(rows_read)
            ref = raw[1]
            if last_id is not None and (ref is last_ref or ref == last_ref):
                area_id: int | None = last_id
            else:
                area_id = self._area_id(raw)
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

    def _count(self, area_id: int) -> int:
        return sum(len(waiting) for waiting in self._buffers.get(area_id, {}).values())

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
                    byte, bit = offset >> 3, 1 << (offset & 7)
                    if bits[byte] & bit:
                        reason, field = "appears twice in this file for the same area, date and measure", "date"
                    else:
                        bits[byte] |= bit
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
        current = (
            {}
            if area_id in self._new_areas
            else {
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
        )
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
            sums = writer.sums.setdefault((frequency, measure, region), {}) if counted else None
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
                    if sums is not None:
                        total = sums.get(date)
                        if total is None:
                            total = sums[date] = [0, 0, 0, 0, 0]
                        if new is not None:
                            total[0] += new
                            total[1] += 1
                        if cumulative is not None:
                            total[2] += cumulative
                            total[3] += 1
                        total[4] += 1
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
            report.accepted += accepted
            report.flagged += flagged
            if version_id is not None:
                writer.pending.add((area_id, frequency, measure))
                writer.touch(frequency, measure, first, last)

    def _region_of(self, area_id: int) -> tuple[bool, str | None]:
        """Whether the area counts in the daily totals (subnational areas do not), and its WHO region."""
        known = self._regions.get(area_id)
        if known is None:
            area = self.session.get(ReportingArea, area_id)
            assert area is not None
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
        self._write_totals(version.id)
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

    def _write_totals(self, version_id: int) -> None:
        """Bring the daily totals up to date for the dates this import touched.

        Where the totals covered none of those dates before (a first import, or new dates after the
        last ones), every figure summed is this import's, so the totals are the sums it kept while
        writing; elsewhere they are recomputed from the current figures (``refresh_totals``).
        """
        writer = self.writer
        recompute: dict[tuple[str, str], _Touched] = {}
        rows: list[dict[str, Any]] = []
        for (frequency, measure), span in writer.touched.items():
            covered = writer.totalled.get((frequency, measure))
            if covered is not None and covered[0] <= span.last and span.first <= covered[1]:
                recompute[(frequency, measure)] = span
                continue
            world: dict[dt.date, list[int]] = {}
            for (sum_frequency, sum_measure, region), sums in writer.sums.items():
                if (sum_frequency, sum_measure) != (frequency, measure):
                    continue
                for date, total in sums.items():
                    if region is not None:
                        rows.append(_total_row(region, frequency, measure, date, total, version_id))
                        if len(rows) >= BATCH_ROWS:
                            self._insert_totals(rows)
                    into = world.get(date)
                    if into is None:
                        world[date] = list(total)
                    else:
                        for i in range(5):
                            into[i] += total[i]
            rows.extend(
                _total_row("global", frequency, measure, date, total, version_id) for date, total in world.items()
            )
            self._insert_totals(rows)
        refresh_totals(self.session, recompute)

    def _insert_totals(self, rows: list[dict[str, Any]]) -> None:
        """Insert ``rows`` in batches through Core (the ORM's bulk insert holds far more per row), then empty it."""
        connection = self.session.connection()
        table = cast(Table, DailyTotal.__table__)
        for start in range(0, len(rows), BATCH_ROWS):
            connection.execute(insert(table), rows[start : start + BATCH_ROWS])
        rows.clear()


def _total_row(
    scope: str, frequency: str, measure: str, date: dt.date, total: list[int], version: int
) -> dict[str, Any]:
    """A ``DailyTotal`` row from [new, new counted, cumulative, cumulative counted, figures]; SUM of none is blank."""
    return {
        "scope": scope,
        "frequency": frequency,
        "measure": measure,
        "date": date,
        "new_value": total[0] if total[1] else None,
        "cumulative_value": total[2] if total[3] else None,
        "areas": total[4],
        "version_id": version,
    }


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
    """The global and regional totals: one pass over the current figures grouped by date and region,
    then the world as the sum of those groups (areas without a region included)."""
    c, a = CurrentFigure, ReportingArea
    by_region = (
        select(
            a.who_region.label("region"),
            c.frequency,
            c.measure,
            c.date,
            func.sum(c.new_value).label("new_value"),
            func.sum(c.cumulative_value).label("cumulative_value"),
            func.count().label("areas"),
            func.max(c.version_id).label("version_id"),
        )
        .select_from(a)
        .join(c, c.area_id == a.id)
        .where(
            a.kind != AreaKind.SUBNATIONAL.value,
            c.frequency == frequency,
            c.measure == measure,
            c.date.between(span.first, span.last),
        )
        .group_by(c.frequency, c.measure, c.date, a.who_region)
        .cte("by_region")
    )
    r = by_region.c
    world = select(
        literal("global"),
        r.frequency,
        r.measure,
        r.date,
        func.sum(r.new_value),
        func.sum(r.cumulative_value),
        func.sum(r.areas),
        func.max(r.version_id),
    ).group_by(r.frequency, r.measure, r.date)
    regions = select(
        r.region, r.frequency, r.measure, r.date, r.new_value, r.cumulative_value, r.areas, r.version_id
    ).where(r.region.is_not(None))
    return union_all(world, regions)
