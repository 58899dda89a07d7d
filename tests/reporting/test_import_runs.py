"""Runs of clean WHO rows are checked and written with array operations: they must write, flag and
report exactly what the same figures taken one by one do (read row by row from the file's text)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor
from solidarity.config import load_settings
from solidarity.db import make_engine, make_sessionmaker, transaction
from solidarity.errors import Invalid
from solidarity.imports import OnError
from solidarity.reporting import service, writing
from solidarity.reporting.formats import who
from solidarity.reporting.importing import Pipeline
from solidarity.reporting.models import CurrentFigure, DailyTotal, Figure
from solidarity.reporting.records import FigureRun
from tests.conftest import _Databases
from tests.reporting.conftest import TODAY, WHO_HEADER, assert_derived_tables_agree

AREAS = [
    ("FR", "France", "EURO"),
    ("DE", "Germany", "EURO"),
    ("NA", "Namibia", "AFRO"),
    ("KE", "Kenya", "AFRO"),
    ("KR", '"Korea, Republic of"', "WPRO"),
    ("XX", "Other", ""),
    ("BR", "Brazil", "AMRO"),
    ("IN", "India", "SEARO"),
]


def _lines(areas: list[tuple[str, str, str]], first: dt.date, days: int, seed: int) -> list[str]:
    """WHO rows sorted by area then date, with corrections: negative new counts and falling cumulatives."""
    lines = []
    for code, name, region in areas:
        rng = random.Random(f"{seed}-{code}")  # an area's rows do not depend on the areas before it
        cases = deaths = 0
        for n in range(days):
            new_cases = rng.randint(0, 900)
            if rng.random() < 0.02:
                new_cases = -rng.randint(1, 40)
            new_deaths = new_cases // 50
            cases, deaths = max(cases + new_cases, 0), max(deaths + new_deaths, 0)
            if rng.random() < 0.01:
                cases = max(cases - rng.randint(1, 30), 0)  # a cumulative that falls, not matching the new count
            date = first + dt.timedelta(days=n)
            lines.append(f"{date},{code},{name},{region},{new_cases},{cases},{new_deaths},{deaths}")
    return lines


def _text(lines: list[str]) -> bytes:
    return ("\n".join([WHO_HEADER, *lines]) + "\n").encode()


@pytest.fixture
def second_db(databases: _Databases, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """A second fresh database, to import the same files into one figure at a time."""
    folder = tmp_path / "second"
    folder.mkdir()
    url = databases.fresh(folder)
    engine = make_engine(load_settings(database_url=url, data_dir=folder))
    yield make_sessionmaker(engine)
    engine.dispose()
    databases.release(url)


def _import(
    factory: sessionmaker[Session], data: bytes, name: str, tmp_path: Path, on_error: OnError
) -> dict[str, Any]:
    path = tmp_path / name
    path.write_bytes(data)
    try:
        with transaction(factory) as session, path.open("rb") as stream:
            report = service.import_file(session, Actor.system("test"), stream, name, on_error=on_error, today=TODAY)
    except Invalid as error:
        return {"error": error.details}
    shown = {key: getattr(report, key) for key in ("rows_read", "accepted", "flagged", "rejected", "unchanged")}
    return {**shown, "version": report.version, "problems": report.problems}


def _rows(factory: sessionmaker[Session], model: type[Any]) -> list[tuple[object, ...]]:
    table = model.__table__
    with transaction(factory) as session:
        return [tuple(row) for row in session.execute(select(table).order_by(*table.primary_key))]


def _all_rows(factory: sessionmaker[Session]) -> dict[str, list[tuple[object, ...]]]:
    with transaction(factory) as session:
        assert_derived_tables_agree(session)
    return {model.__tablename__: _rows(factory, model) for model in (Figure, CurrentFigure, DailyTotal)}


def _sorted_problems(report: dict[str, Any]) -> dict[str, Any]:
    key = lambda problem: (problem["line"] or 0, str(problem["field"]), str(problem["reason"]))  # noqa: E731
    listed = "problems" if "problems" in report else "error"
    return {**report, listed: sorted(report[listed], key=key)}


def _imports_agree(
    db: sessionmaker[Session],
    second_db: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    files: list[tuple[bytes, OnError]],
    taken: list[FigureRun] | None = None,
) -> list[dict[str, Any]]:
    """Import ``files`` in order into ``db`` as runs and into ``second_db`` one figure at a time, every
    row read on its own from the file's text; compare all. The runs checked at once go to ``taken``."""
    taken = [] if taken is None else taken
    take_run = Pipeline._take_run

    def counting(self: Pipeline, area_id: int, run: FigureRun) -> bool:
        is_taken = take_run(self, area_id, run)
        if is_taken:
            taken.append(run)
        return is_taken

    monkeypatch.setattr(Pipeline, "_take_run", counting)
    as_runs = [_import(db, data, f"who-{n}.csv", tmp_path, on_error) for n, (data, on_error) in enumerate(files)]
    assert taken, "no run was taken at once: the test does not reach the array path"
    monkeypatch.setattr(Pipeline, "_take_run", lambda self, area_id, run: False)
    monkeypatch.setattr(who, "_runs_from_bytes", lambda *args: None)
    monkeypatch.setattr(who, "_runs", lambda *args: None)
    one_by_one = [
        _import(second_db, data, f"who-{n}.csv", tmp_path, on_error) for n, (data, on_error) in enumerate(files)
    ]
    # The same problems, though not always in the same order: rows read one by one are checked a
    # whole area's series at a time, runs a block's stretch of a series at a time.
    assert [_sorted_problems(report) for report in as_runs] == [_sorted_problems(report) for report in one_by_one]
    assert _all_rows(db) == _all_rows(second_db)
    return as_runs


def test_runs_write_flag_and_report_what_single_figures_do(
    db: sessionmaker[Session], second_db: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Several blocks of 256 KiB: runs cut at block ends, flags inside runs and at their first row.
    lines = _lines(AREAS, dt.date(2020, 1, 1), 1_200, seed=1)
    reports = _imports_agree(db, second_db, monkeypatch, tmp_path, [(_text(lines), OnError.ERROR_ALL)])
    assert reports[0]["rows_read"] == len(lines)
    assert reports[0]["flagged"] > 0
    assert reports[0]["accepted"] == 2 * len(lines)


def test_runs_after_earlier_versions_compare_and_continue_as_single_figures_do(
    db: sessionmaker[Session], second_db: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    first = _lines(AREAS[:5], dt.date(2020, 1, 1), 600, seed=2)
    # The next file repeats the history with corrections and brings new dates (and new areas).
    more = _lines(AREAS, dt.date(2020, 1, 1), 900, seed=3)
    again = _lines(AREAS, dt.date(2020, 1, 1), 1_000, seed=3)
    reports = _imports_agree(
        db,
        second_db,
        monkeypatch,
        tmp_path,
        [(_text(first), OnError.ERROR_ALL), (_text(more), OnError.ERROR_ALL), (_text(again), OnError.ERROR_ALL)],
    )
    assert [report["version"] for report in reports] == [1, 2, 3]
    assert reports[2]["unchanged"] == 2 * 900 * len(AREAS)


def test_runs_with_repeats_gaps_and_bad_rows_are_refused_or_skipped_as_single_figures_are(
    db: sessionmaker[Session], second_db: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    lines = _lines(AREAS, dt.date(2020, 1, 1), 1_000, seed=4)
    messy = [
        *lines[:3_000],
        *lines[2_900:2_950],  # a stretch of one area again: duplicates
        *_lines([("ZZ", "Atlantis", "EURO")], dt.date(2020, 1, 1), 80, seed=5),  # an unknown area, in a run
        *lines[3_000:4_000],
        *lines[4_200:],
        *lines[4_000:4_200],  # an area's dates going back
        *_lines([("US", "United States of America", "AMRO")], dt.date(2023, 12, 1), 60, seed=6),  # future dates
    ]
    weekly = [
        f"{dt.date(2020, 1, 5) + dt.timedelta(weeks=n)},CL,Chile,AMRO,1,{n + 1},0,0" for n in range(70)
    ]  # weekly dates in a daily file
    files = [(_text(messy + weekly), OnError.ERROR_ALL), (_text(messy + weekly), OnError.SKIP)]
    reports = _imports_agree(db, second_db, monkeypatch, tmp_path, files)
    assert "error" in reports[0]
    assert reports[1]["rejected"] > 0
    assert reports[1]["version"] is not None  # (not 1 on PostgreSQL: the failed import used a sequence value)


def test_counts_written_oddly_read_the_same_from_bytes_as_from_text(
    db: sessionmaker[Session], second_db: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Blocks read straight from their bytes take digits and a leading minus only; a plus sign, spaces,
    # leading zeros, "-0" or a blank must come out as Python's int() and the one-by-one path read them.
    lines = _lines(AREAS[:4], dt.date(2019, 1, 1), 1_500, seed=7)
    # The first block (about 5,800 lines) is read from its text, the second row by row (a blank).
    odd = {300: "+5", 1_100: " 7", 1_900: "007", 2_700: "-0", 3_500: "1_000", 4_300: "00", 5_900: ""}
    for at, text in odd.items():
        date, code, name, region, _new, cases, new_deaths, deaths = lines[at].split(",")
        lines[at] = ",".join([date, code, name, region, text, cases, new_deaths, deaths])
    reports = _imports_agree(db, second_db, monkeypatch, tmp_path, [(_text(lines), OnError.SKIP)])
    assert reports[0]["rows_read"] == len(lines)


def _blank(line: str, *fields: int) -> str:
    """``line`` with the fields at ``fields`` left blank (4 new cases, 5 cumulative cases, 6 new deaths, 7 cumulative
    deaths)."""
    parts = line.split(",")
    for field in fields:
        parts[field] = ""
    return ",".join(parts)


def test_blank_counts_in_runs_are_derived_flagged_and_written_as_single_figures_are(
    db: sessionmaker[Session], second_db: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # WHO's daily file leaves new counts blank on days without a report: the array path carries blanks
    # as masks, derives the new count from the cumulatives where the day before has one, and must
    # write, flag, sum and report what the rows read one by one from the text do.
    days = 1_000
    lines = _lines(AREAS, dt.date(2020, 1, 1), days, seed=8)
    rng = random.Random(9)
    for at in range(len(lines)):
        if rng.random() < 1 / 7:
            lines[at] = _blank(lines[at], *rng.choice([(4,), (6,), (4, 6)]))  # blank new counts
        elif rng.random() < 0.01:
            lines[at] = _blank(lines[at], rng.choice([5, 7]))  # a blank cumulative
    france, germany, namibia, kenya = (n * days for n in range(4))
    lines[france] = _blank(lines[france], 4, 6)  # the series' first figure: the new count is the cumulative
    lines[france + 1] = _blank(lines[france + 1], 5)  # a blank cumulative, then a blank new count after it:
    lines[france + 2] = _blank(lines[france + 2], 4)  # no cumulative the day before, so it stays blank
    lines[germany - 1] = _blank(lines[germany - 1], 4, 6)  # at a run's end
    lines[germany] = _blank(lines[germany], 5, 7)  # the first figure with a blank cumulative
    for at in range(namibia, namibia + days):
        lines[at] = _blank(lines[at], 6, 7)  # a whole blank series: Namibia's deaths
    for at in range(kenya, kenya + days, 2):
        lines[at] = _blank(lines[at], 4)  # every other new count: falling cumulatives give negative derived ones
    text = _text(lines)
    block_ends = [
        n for n in range(1, len(lines)) if len(_text(lines[:n])) // (1 << 18) != len(_text(lines[: n + 1])) // (1 << 18)
    ]
    later = _lines(AREAS[2:6], dt.date(2020, 1, 1), days + 300, seed=8)  # a second version, compared and extended
    for at in range(0, len(later), 5):
        later[at] = _blank(later[at], 4, 6)
    taken: list[FigureRun] = []
    reports = _imports_agree(
        db,
        second_db,
        monkeypatch,
        tmp_path,
        [(text, OnError.ERROR_ALL), (_text(later), OnError.ERROR_ALL)],
        taken,
    )
    assert block_ends  # the first file spans several blocks, so runs start and end inside series
    assert reports[0]["rows_read"] == len(lines)
    assert reports[0]["flagged"] > 0
    # A figure with neither count is skipped: Namibia's deaths and a few lines blanked twice above.
    skipped = sum(line.split(",")[f] == line.split(",")[f + 1] == "" for line in lines for f in (4, 6))
    assert skipped >= days
    assert reports[0]["accepted"] == 2 * len(lines) - skipped
    with_blank_new = [run for run in taken if run.new_blank is not None]
    with_blank_cumulative = [run for run in taken if run.cumulative_blank is not None]
    assert with_blank_new, "no run with a blank new count was taken at once"
    assert with_blank_cumulative, "no run with a blank cumulative was taken at once"
    with transaction(db) as session:
        figures = session.execute(select(Figure.new_value, Figure.cumulative_value, Figure.flags)).all()
    assert any(flags is not None and "derived_new" in flags for _new, _cumulative, flags in figures)
    assert any(new is None and cumulative is not None for new, cumulative, _flags in figures)
    assert any(cumulative is None for _new, cumulative, _flags in figures)


def test_a_series_taken_at_once_between_stretches_taken_one_by_one_is_written_as_single_figures_are(
    db: sessionmaker[Session], second_db: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # One area's 14,000 days span three blocks, so its cases come as three runs. A line with neither
    # count of cases sends the first and the third one by one; the second is taken at once and goes
    # into the current figures as soon as it is written. The stretches one by one must not take it in
    # again when they are brought into the current figures (SQLite once failed on its key here).
    first = dt.date(1970, 1, 1)
    # Without corrections: more than MAX_LISTED_PROBLEMS warnings would be listed in a different order.
    lines = [f"{first + dt.timedelta(days=n)},FR,France,EURO,5,{5 * n + 5},1,{n + 1}" for n in range(14_000)]
    blanked = (100, len(lines) - 100)
    for at in blanked:
        lines[at] = _blank(lines[at], 4, 5)
    text = _text(lines)
    assert [len(_text(lines[:at])) // (1 << 18) for at in blanked] == [0, 2]  # the first and third blocks
    taken: list[FigureRun] = []
    reports = _imports_agree(db, second_db, monkeypatch, tmp_path, [(text, OnError.ERROR_ALL)], taken)
    assert reports[0]["accepted"] == 2 * len(lines) - 2
    assert reports[0]["problems"] == []
    assert [str(run.measure) for run in taken].count("cases") == 1


def test_dates_an_area_left_out_and_brings_later_are_checked_against_its_runs_not_yet_written(
    db: sessionmaker[Session], second_db: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # On SQLite an area's runs are written when the next area's come. Here France leaves out 20 days,
    # then (after a German line without counts, which goes one by one: no run of another area) brings them: they go
    # one by one and their first, with blank new counts, is derived from the cumulatives of the day
    # before, which the run kept back holds; read before it is written, the day before would be missing.
    first = dt.date(2020, 1, 1)
    france = [f"{first + dt.timedelta(days=n)},FR,France,EURO,5,{5 * n + 5},1,{n + 1}" for n in range(600)]
    france[300] = _blank(france[300], 4, 6)
    lines = [*france[:300], *france[320:], f"{first},DE,Germany,EURO,,,,", *france[300:320]]
    taken: list[FigureRun] = []
    reports = _imports_agree(db, second_db, monkeypatch, tmp_path, [(_text(lines), OnError.ERROR_ALL)], taken)
    assert [(run.area.code, len(run.days)) for run in taken] == [("FR", 580), ("FR", 580)]
    assert reports[0]["accepted"] == 2 * len(lines) - 2
    with transaction(db) as session:
        derived = session.execute(
            select(Figure.new_value, Figure.flags)
            .where(Figure.date == first + dt.timedelta(days=300))
            .order_by(Figure.measure)
        ).all()
    assert derived == [(5, ["derived_new"]), (1, ["derived_new"])]


def test_runs_written_before_their_area_ends_are_written_as_single_figures_are(
    db: sessionmaker[Session], second_db: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # On SQLite an area's runs are kept until the next area's come, or until MAX_KEPT_RUNS figures wait:
    # with a small limit an area's runs are written in several goes, each series in key order still.
    monkeypatch.setattr(writing, "MAX_KEPT_RUNS", 500)
    lines = _lines(AREAS[:3], dt.date(2018, 1, 1), 2_000, seed=11)
    reports = _imports_agree(db, second_db, monkeypatch, tmp_path, [(_text(lines), OnError.ERROR_ALL)])
    assert reports[0]["accepted"] == 2 * len(lines)
