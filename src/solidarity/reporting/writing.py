"""What an import writes: the figures, then the current figures and the daily totals that follow from them.

Only ``Figure`` rows cross from Python to the database, in batches through the driver
(``executemany`` on SQLite, ``COPY`` on PostgreSQL; on SQLite, runs checked at once go in as
multi-row ``INSERT ... VALUES``, an area's together in key order, see ``Writer.write_runs``, and
into the current figures as soon as they are written). The current figures follow with one set-based
``INSERT ... SELECT ... ON CONFLICT`` per series over the dates written (a range of the figures'
key), and the daily totals from the sums the import kept while writing, or one ``INSERT ... SELECT
... GROUP BY`` per series kind where the import touched dates the totals already covered.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import (
    Date,
    Integer,
    String,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session

from solidarity.reporting.models import AreaKind, CurrentFigure, DailyTotal, ReportingArea, ReportVersion
from solidarity.reporting.records import with_blanks

BATCH_ROWS = 10_000
"""Rows per batched write."""

_Days = npt.NDArray[np.int64]

_FIGURE_COLUMNS = "version_id, area_id, date, frequency, measure, new_value, cumulative_value, flags"
RUN_ROWS = 1024
"""Figures per SQLite ``INSERT ... VALUES`` of runs; a series' last few go in statements of fewer rows,
each a power of two, so that a handful of statement texts serve every length (each compiled once)."""
MAX_KEPT_RUNS = 50_000
"""SQLite: an area's runs are written once this many of its figures wait (``Writer.write_runs``)."""
_RUN_COLUMNS = "version_id, area_id, frequency, measure, date, new_value, cumulative_value, flags"
_RUN_ROW = "(?1, ?2, ?3, ?4, ?, ?, ?, ?)"
"""One figure of a run: the series' version, area, frequency and measure in the first four
parameters, then date, new, cumulative and flags."""
_NULL = math.nan
"""What a run binds for a blank value or no flags: SQLite stores a NaN as NULL. ``None`` would do
the same, but the driver binds it only after looking for an adapter for its type, several times the
cost of binding a float, and with ``NULLIF(?, '')`` around the three columns instead the statement
cost a tenth more."""
_RUN_INSERTS: dict[int, str] = {}
"""The statement text for each number of rows, built once: the driver finds its compiled statement
by the text."""
_CURRENT_COLUMNS = "area_id, frequency, measure, date, version_id, new_value, cumulative_value, flags"
_INSERT_CURRENT = f"""
INSERT INTO reporting_current_figures ({_CURRENT_COLUMNS})
SELECT {_CURRENT_COLUMNS} FROM reporting_figures
WHERE area_id = :area AND frequency = :frequency AND measure = :measure AND date BETWEEN :first AND :last
    AND version_id = :version
"""  # noqa: S608 - constant text, values bound
_UPSERT_CURRENT = f"""{_INSERT_CURRENT}ON CONFLICT (area_id, frequency, measure, date) DO UPDATE SET
    version_id = excluded.version_id, new_value = excluded.new_value,
    cumulative_value = excluded.cumulative_value, flags = excluded.flags
"""
"""Current figures follow the version's new figures, one range of the figures' key per series
(both engines have ON CONFLICT)."""
_CURRENT_PARAMETERS = (
    bindparam("area", type_=Integer),
    bindparam("frequency", type_=String),
    bindparam("measure", type_=String),
    bindparam("first", type_=Date),
    bindparam("last", type_=Date),
    bindparam("version", type_=Integer),
)


@dataclass
class Touched:
    """The first and last date an import wrote (or recomputes) of one series kind."""

    first: dt.date
    last: dt.date


class DaySums:
    """What an import wrote of one (frequency, measure, region), summed per date, as five arrays by day:
    new, new counted, cumulative, cumulative counted, figures (SQL's ``SUM`` of only blanks is blank)."""

    def __init__(self, day: int) -> None:
        self.base = day - 64
        self.values: npt.NDArray[np.int64] = np.zeros((5, 512), dtype=np.int64)

    def _cover(self, first: int, last: int) -> None:
        if first < self.base:
            pad = self.base - first + 64
            self.values = np.concatenate([np.zeros((5, pad), dtype=np.int64), self.values], axis=1)
            self.base -= pad
        end = self.base + self.values.shape[1]
        if last >= end:
            self.values = np.concatenate([self.values, np.zeros((5, last - end + 512), dtype=np.int64)], axis=1)

    def add(self, days: _Days, new: _Days, new_counted: _Days, cumulative: _Days, cumulative_counted: _Days) -> None:
        """Add figures of distinct ``days`` (a blank value is 0, and 0 in its ``counted``)."""
        self._cover(int(days.min()), int(days.max()))
        at = days - self.base
        values = self.values
        values[0, at] += new
        values[1, at] += new_counted
        values[2, at] += cumulative
        values[3, at] += cumulative_counted
        values[4, at] += 1

    def merge(self, other: DaySums) -> None:
        end = other.base + other.values.shape[1]
        self._cover(other.base, end - 1)
        start = other.base - self.base
        self.values[:, start : start + other.values.shape[1]] += other.values

    def rows(self, scope: str, frequency: str, measure: str, version: int) -> Iterator[tuple[Any, ...]]:
        """``DailyTotal`` rows (in ``TOTAL_COLUMNS`` order) of the dates with figures."""
        values = self.values
        for at in np.flatnonzero(values[4]).tolist():
            new, new_counted, cumulative, cumulative_counted, figures = values[:, at].tolist()
            yield (
                scope,
                frequency,
                measure,
                dt.date.fromordinal(self.base + at),
                new if new_counted else None,
                cumulative if cumulative_counted else None,
                figures,
                version,
            )


@dataclass
class _Series:
    """Runs of one series kept back on SQLite: the parameters of their ``INSERT ... VALUES``."""

    head: list[Any]
    """Version, area, frequency and measure."""
    values: list[Any] = field(default_factory=list)
    """Date, new, cumulative and flags of each figure in turn (``_NULL`` for blank or none)."""
    spans: list[tuple[str, str]] = field(default_factory=list)
    """Each run's first and last date."""


def _run_insert(rows: int) -> str:
    """The ``INSERT`` of ``rows`` figures of a series (one text per number of rows)."""
    text = _RUN_INSERTS.get(rows)
    if text is None:
        values = ", ".join(itertools.repeat(_RUN_ROW, rows))
        text = _RUN_INSERTS[rows] = f"INSERT INTO reporting_figures ({_RUN_COLUMNS}) VALUES {values}"  # noqa: S608
    return text


def _listed(values: _Days, blank: npt.NDArray[np.bool_] | None) -> list[int | float]:
    """``values`` as a list, ``_NULL`` where ``blank`` is true."""
    listed: list[int | float] = list(values.tolist())
    if blank is not None:
        for at in np.flatnonzero(blank).tolist():
            listed[at] = _NULL
    return listed


class Writer:
    """Batched writes of one import's figures, in the session's transaction.

    ``sync`` brings the current figures up to date with what was written, ``write_totals`` the
    daily totals at the end.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.is_sqlite = session.get_bind().dialect.name == "sqlite"
        self.figures: list[tuple[Any, ...]] = []
        self.iso_dates: dict[dt.date, str] = {}
        """Dates as SQLite stores them, each formatted once (one entry per distinct date)."""
        self._day_values: dict[int, Any] = {}
        """Date ordinals as the driver takes them: ISO text on SQLite, dates on PostgreSQL."""
        self._day_span: tuple[int, int] | None = None
        """The first and last ordinal in ``_day_values`` (every day between is there)."""
        self.touched: dict[tuple[str, str], Touched] = {}
        self.started = False
        self.pending: dict[tuple[int, str, str], list[dt.date]] = {}
        """Series with figures written (or waiting to be) but not yet in the current figures: [first, last] date."""
        self.synced: set[tuple[int, str, str]] = set()
        self.replaces = False
        """Whether a pending figure replaces a current one (else a plain insert will do, as in a first import)."""
        self.areas: set[int] = set()
        """Areas with figures written whose row has not been checked yet."""
        self._runs: dict[tuple[str, str, int], _Series] = {}
        """SQLite: runs of one area waiting to be written (``write_runs``), by (frequency, measure, version)."""
        self._runs_area: int | None = None
        self._runs_figures = 0
        self.versions: set[int] = set()
        """Versions figures were written in (only the import's own, unless something is wrong)."""
        self.totalled: dict[tuple[str, str], tuple[dt.date, dt.date]] = {}
        """The dates the daily totals covered before this import, per (frequency, measure)."""
        self.sums: dict[tuple[str, str, str | None], DaySums] = {}
        """What this import wrote per (frequency, measure, region). Subnational areas are left out, as in the totals."""

    def start(self) -> None:
        """Note the dates the totals cover, before this import writes any figure."""
        if not self.started:
            self.started = True
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
            self.touched[(frequency, measure)] = Touched(first, last)
        else:
            span.first = min(span.first, first)
            span.last = max(span.last, last)

    def written(
        self,
        version_id: int,
        area_id: int,
        frequency: str,
        measure: str,
        first: dt.date,
        last: dt.date,
        *,
        is_current: bool = False,
    ) -> None:
        """Note that figures of this series between ``first`` and ``last`` were written (or wait to be),
        and unless ``is_current`` that they are still to be brought into the current figures."""
        if not is_current:
            key = (area_id, frequency, measure)
            span = self.pending.get(key)
            if span is None:
                self.pending[key] = [first, last]
            else:
                span[0] = min(span[0], first)
                span[1] = max(span[1], last)
        self.areas.add(area_id)
        self.versions.add(version_id)
        self.touch(frequency, measure, first, last)

    def sums_of(self, frequency: str, measure: str, region: str | None, day: int) -> DaySums:
        sums = self.sums.get((frequency, measure, region))
        if sums is None:
            sums = self.sums[(frequency, measure, region)] = DaySums(day)
        return sums

    def add_run(
        self,
        version_id: int,
        area_id: int,
        frequency: str,
        measure: str,
        days: _Days,
        new: _Days,
        cumulative: _Days,
        flags: dict[int, str],
        new_blank: npt.NDArray[np.bool_] | None = None,
        cumulative_blank: npt.NDArray[np.bool_] | None = None,
    ) -> None:
        """Write the figures of one series given as arrays; ``flags`` by position, as JSON text.

        A value is written blank (NULL) where its mask, if any, is true. The caller has made sure no
        current figure lies in the run's dates and that this import had none of them before, so on
        SQLite the run goes into the current figures too, as soon as it is written (``write_runs``).
        """
        day_list = days.tolist()
        self._know_days(day_list[0], day_list[-1])
        dates = list(map(self._day_values.__getitem__, day_list))
        first, last = dt.date.fromordinal(day_list[0]), dt.date.fromordinal(day_list[-1])
        if self.is_sqlite:
            if (area_id, frequency, measure) in self.pending:
                # Figures of the series went one by one before: into the current figures with them
                # first, so that their range, brought up to date later, does not take in this run's.
                self.sync(version_id)
            if area_id != self._runs_area or self._runs_figures >= MAX_KEPT_RUNS:
                self.write_runs()
                self._runs_area = area_id
            key = (frequency, measure, version_id)
            series = self._runs.get(key)
            if series is None:
                series = self._runs[key] = _Series([version_id, area_id, frequency, measure])
            marks: list[str | float] = [_NULL] * len(day_list)
            for at, text in flags.items():
                marks[at] = text
            news, cumulatives = _listed(new, new_blank), _listed(cumulative, cumulative_blank)
            series.values.extend(itertools.chain.from_iterable(zip(dates, news, cumulatives, marks, strict=True)))
            series.spans.append((dates[0], dates[-1]))
            self._runs_figures += len(day_list)
            self.written(version_id, area_id, frequency, measure, first, last, is_current=True)
            return
        rows = self.figures
        repeat = itertools.repeat
        rows.extend(
            zip(
                repeat(version_id),
                repeat(area_id),
                dates,
                repeat(frequency),
                repeat(measure),
                with_blanks(new, new_blank),
                with_blanks(cumulative, cumulative_blank),
                map(flags.get, range(len(day_list))),
                strict=False,  # the repeats are endless
            )
        )
        self.written(version_id, area_id, frequency, measure, first, last)
        if len(rows) >= BATCH_ROWS:
            self.flush()

    def write_runs(self) -> None:
        """Write the runs kept back on SQLite, and their figures into the current figures.

        ``add_run`` keeps an area's runs until the next area's come (or ``MAX_KEPT_RUNS`` figures
        wait), then writes them series by series, in the order of both tables' keys: when areas come
        in the order of their ids, as in a first import, every figure is added at the end of the
        tables, which SQLite does without searching its b-trees from the top. The pipeline calls
        this before it reads the figures, and ``flush`` does.
        """
        if not self._runs:
            return
        raw = self.session.connection().connection.driver_connection
        assert raw is not None
        for key in sorted(self._runs):
            series = self._runs[key]
            head, values = series.head, series.values
            count, start = len(values) // 4, 0
            while start < count:
                rows = min(RUN_ROWS, count - start)
                if rows < RUN_ROWS:
                    rows = 1 << (rows.bit_length() - 1)
                raw.execute(_run_insert(rows), head + values[4 * start : 4 * (start + rows)])
                start += rows
            version_id, area_id, frequency, measure = head
            named = {"version": version_id, "area": area_id, "frequency": frequency, "measure": measure}
            # No current figure lies in a run's dates: a plain insert of its rows.
            for first, last in series.spans:
                raw.execute(_INSERT_CURRENT, named | {"first": first, "last": last})
        self._runs.clear()
        self._runs_figures = 0

    def _know_days(self, first: int, last: int) -> None:
        """Have every day from ``first`` to ``last`` as the driver takes it (the days known stay one span)."""
        known = self._day_span
        missing: Iterable[int]
        if known is None:
            missing = range(first, last + 1)
            known = (first, last)
        else:
            missing = itertools.chain(range(first, known[0]), range(known[1] + 1, last + 1))
            known = (min(first, known[0]), max(last, known[1]))
        for day in missing:
            date = dt.date.fromordinal(day)
            self._day_values[day] = date.isoformat() if self.is_sqlite else date
        self._day_span = known

    def flush(self) -> None:
        self.write_runs()
        if self.figures:
            rows, self.figures = self.figures, []
            self._write("reporting_figures", _FIGURE_COLUMNS, rows)

    def _write(self, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
        """Write ``rows`` through the driver: ``executemany`` on SQLite, ``COPY`` on PostgreSQL."""
        connection = self.session.connection()
        if self.is_sqlite:
            marks = ", ".join("?" * len(columns.split(",")))
            connection.exec_driver_sql(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608
            return
        # PostgreSQL: COPY is several times faster than batched INSERTs, in the same transaction.
        raw = connection.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            write_row = copy.write_row
            for row in rows:
                write_row(row)

    def sync(self, version_id: int | None) -> None:
        """Write what waits and bring the current figures up to date with it."""
        self.flush()
        if version_id is None:
            return
        self._check_keys()
        if not self.pending:
            return
        # A series synced before may have written dates inside the new range: those rows are rewritten.
        replaces = self.replaces or not self.synced.isdisjoint(self.pending)
        sql = text(_UPSERT_CURRENT if replaces else _INSERT_CURRENT).bindparams(*_CURRENT_PARAMETERS)
        parameters = [
            {"area": key[0], "frequency": key[1], "measure": key[2], "first": span[0], "last": span[1]}
            | {"version": version_id}
            for key, span in self.pending.items()
        ]
        self.session.execute(sql, parameters)
        self.synced.update(self.pending)
        self.pending.clear()
        self.replaces = False

    def _check_keys(self) -> None:
        """The figures have no foreign keys (migration 0014): check here, once per area, that what they name exists.

        Raises ``RuntimeError`` (a fault of the import, not of the file) when an area or the version
        has no row; the caller's transaction then leaves nothing behind.
        """
        if not self.areas and not self.versions:
            return
        areas = sorted(self.areas)
        self.areas.clear()
        found = self.session.scalar(select(func.count()).where(ReportingArea.id.in_(areas)))
        versions = sorted(self.versions)
        self.versions.clear()
        found_versions = self.session.scalar(select(func.count()).where(ReportVersion.id.in_(versions)))
        if found != len(areas) or found_versions != len(versions):
            raise missing_rows(f"versions {versions} and areas {areas}")

    def write_totals(self, version_id: int) -> None:
        """Bring the daily totals up to date for the dates this import touched.

        Where the totals covered none of those dates before (a first import, or new dates after the
        last ones), every figure summed is this import's, so the totals are the sums it kept while
        writing; elsewhere they are recomputed from the current figures (``refresh_totals``).
        """
        recompute: dict[tuple[str, str], Touched] = {}
        rows: list[tuple[Any, ...]] = []
        for (frequency, measure), span in self.touched.items():
            covered = self.totalled.get((frequency, measure))
            if covered is not None and covered[0] <= span.last and span.first <= covered[1]:
                recompute[(frequency, measure)] = span
                continue
            world: DaySums | None = None
            for (sum_frequency, sum_measure, region), sums in self.sums.items():
                if (sum_frequency, sum_measure) != (frequency, measure):
                    continue
                if region is not None:
                    rows.extend(sums.rows(region, frequency, measure, version_id))
                if world is None:
                    world = DaySums(sums.base + 64)
                world.merge(sums)
            if world is not None:
                rows.extend(world.rows("global", frequency, measure, version_id))
            self._insert_totals(rows)
        refresh_totals(self.session, recompute)

    def _insert_totals(self, rows: list[tuple[Any, ...]]) -> None:
        """Insert ``rows`` in batches, then empty it (the sums are a few rows per date, region and series kind)."""
        if self.is_sqlite:
            rows[:] = [(*row[:3], row[3].isoformat(), *row[4:]) for row in rows]
        for start in range(0, len(rows), BATCH_ROWS):
            self._write("reporting_totals", ", ".join(TOTAL_COLUMNS), rows[start : start + BATCH_ROWS])
        rows.clear()


def missing_rows(what: str) -> RuntimeError:
    return RuntimeError(f"the import was to write figures of {what}, not all of which exist; nothing was imported")


def refresh_totals(session: Session, touched: dict[tuple[str, str], Touched]) -> None:
    """Recompute the global and regional totals for the dates an import touched, from current figures."""
    for (frequency, measure), span in touched.items():
        session.execute(
            delete(DailyTotal).where(
                DailyTotal.frequency == frequency,
                DailyTotal.measure == measure,
                DailyTotal.date.between(span.first, span.last),
            )
        )
        session.execute(insert(DailyTotal).from_select(TOTAL_COLUMNS, _totals_query(frequency, measure, span)))


TOTAL_COLUMNS = ["scope", "frequency", "measure", "date", "new_value", "cumulative_value", "areas", "version_id"]


def _totals_query(frequency: str, measure: str, span: Touched) -> Any:
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
