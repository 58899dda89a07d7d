"""Reporting import: the validated, versioned import of a WHO file against pandas ``read_csv`` + ``to_sql``.

Generates a WHO-format CSV (240 areas × about 4,200 days, about 1,000,000 rows, 2,000,000
figures) in a temporary folder, then in one run:

1. imports it with ``reporting.service.import_file`` (area resolution, every cross-row check,
   comparison with the current figures, one version, current figures and daily totals) into a
   fresh migrated SQLite database, noting peak RSS after 25%, 50% and 100% of the file;
2. times ``pandas.read_csv`` + ``DataFrame.to_sql`` of the same file into a fresh SQLite file
   (no validation, no versioning, no indexes: the baseline);
3. times a global daily series query and a milestones query over the imported figures.

The file is like WHO's daily file: about one row in seven (``BLANK_SHARE``, drawn at random) is
a day without a report, with New_cases and New_deaths blank and the cumulative counts of the day
before; the cases and deaths of such days are reported with the next reported day's new counts.
About one row in a thousand has a negative new count (a correction).

Set ``SOLIDARITY_BENCH_DATABASE_URL`` (a PostgreSQL URL of a database that may be emptied) to
run steps 1 and 2 on PostgreSQL too. Needs ``pip install -e '.[bench]'`` (pandas).

    .venv/bin/python benchmarks/reporting_import.py [--areas 240] [--days 4200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd  # type: ignore[import-untyped]
from sqlalchemy import create_engine, text

from solidarity.actor import Actor
from solidarity.config import load_settings
from solidarity.db import make_engine, make_sessionmaker, transaction
from solidarity.db.migrate import upgrade
from solidarity.imports import OnError
from solidarity.reference.countries import all_countries
from solidarity.reporting import queries, service

BLANK_SHARE = 1 / 7
"""Share of rows that are days without a report (blank new counts), as in WHO's daily file since 2023."""
HEADER = "Date_reported,Country_code,Country,WHO_region,New_cases,Cumulative_cases,New_deaths,Cumulative_deaths\n"


def generate(path: Path, areas: int, days: int) -> int:
    """Write the WHO-format file, sorted by country then date as WHO publishes it; return its rows."""
    countries = [c for c in all_countries() if c.is_iso and c.who_region][:areas]
    first = dt.date.today() - dt.timedelta(days=days + 5)
    dates = [(first + dt.timedelta(days=i)).isoformat() for i in range(days)]
    rng = random.Random(7)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("\ufeff" + HEADER)
        for country in countries:
            name = f'"{country.name}"' if "," in country.name else country.name
            prefix = f",{country.alpha2},{name},{country.who_region},"
            cases = deaths = 0
            unreported_cases = unreported_deaths = 0
            lines = []
            for date in dates:
                new_cases = rng.randint(0, 5000)
                if rng.random() < 0.001:
                    new_cases = -rng.randint(1, 50)  # a correction, as real files have
                new_deaths = new_cases // 80
                if rng.random() < BLANK_SHARE:
                    # A day without a report: new counts blank, cumulatives as the day before.
                    unreported_cases += new_cases
                    unreported_deaths += new_deaths
                    lines.append(f"{date}{prefix},{cases},,{deaths}\n")
                    continue
                new_cases += unreported_cases
                new_deaths += unreported_deaths
                unreported_cases = unreported_deaths = 0
                cases += new_cases
                deaths += new_deaths
                lines.append(f"{date}{prefix}{new_cases},{cases},{new_deaths},{deaths}\n")
            out.writelines(lines)
            rows += len(lines)
    return rows


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fresh_database(url: str | None, directory: Path, name: str) -> str:
    if url is None:
        return f"sqlite:///{directory / name}"
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return url


def run_import(database_url: str, path: Path) -> tuple[float, dict[str, float], object]:
    settings = load_settings(database_url=database_url, data_dir=path.parent)
    engine = make_engine(settings)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    size = path.stat().st_size
    memory: dict[str, float] = {"before": peak_rss_mb()}
    marks = [(0.25, "25%"), (0.5, "50%")]

    def progress(done: int, total: int) -> None:
        while marks and done >= marks[0][0] * size:
            memory[marks.pop(0)[1]] = peak_rss_mb()

    started = time.perf_counter()
    with transaction(factory) as session, path.open("rb") as stream:
        report = service.import_file(
            session, Actor.system("benchmark"), stream, path.name, on_error=OnError.ERROR_ALL, progress=progress
        )
    elapsed = time.perf_counter() - started
    memory["100%"] = peak_rss_mb()
    engine.dispose()
    return elapsed, memory, report


def run_baseline(database_url: str, path: Path) -> float:
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    started = time.perf_counter()
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    frame.to_sql("who_baseline", engine, index=False, if_exists="replace", chunksize=10_000)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def time_query(call: Callable[[], object], repeat: int = 5) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def time_queries(database_url: str) -> tuple[float, float, int]:
    engine = make_engine(load_settings(database_url=database_url))
    factory = make_sessionmaker(engine)
    with transaction(factory) as session:
        series_ms = time_query(lambda: queries.get_series(session, "global"))
        milestones_ms = time_query(lambda: queries.get_milestones(session, step=10_000_000))
        found = len(queries.get_milestones(session, step=10_000_000))
    engine.dispose()
    return series_ms, milestones_ms, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--areas", type=int, default=240)
    parser.add_argument("--days", type=int, default=4200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        path = directory / "WHO-COVID-19-global-data.csv"
        started = time.perf_counter()
        rows = generate(path, args.areas, args.days)
        print(
            f"file: {rows:,} rows, {path.stat().st_size / 1e6:.0f} MB, written in {time.perf_counter() - started:.1f} s"
        )
        engines: list[tuple[str, str | None]] = [("sqlite", None)]
        if os.environ.get("SOLIDARITY_BENCH_DATABASE_URL"):
            engines.append(("postgresql", os.environ["SOLIDARITY_BENCH_DATABASE_URL"]))
        for engine_name, url in engines:
            target = fresh_database(url, directory, "import.db")
            seconds, memory, report = run_import(target, path)
            summary = {key: getattr(report, key) for key in ("rows_read", "accepted", "flagged", "rejected", "version")}
            print(f"[{engine_name}] validated import: {seconds:.1f} s ({rows / seconds:,.0f} rows/s); {summary}")
            growth = {mark: round(value - memory["before"], 1) for mark, value in memory.items() if mark != "before"}
            print(f"[{engine_name}] peak RSS growth (MB) after 25%/50%/100% of the file: {growth}")
            if engine_name == "sqlite":
                series_ms, milestones_ms, found = time_queries(target)
                print(f"[{engine_name}] global daily series query: {series_ms:.1f} ms (median of 5)")
                print(f"[{engine_name}] milestones query (step 10,000,000, {found} milestones): {milestones_ms:.1f} ms")
            baseline_target = fresh_database(url, directory, "baseline.db")
            baseline = run_baseline(baseline_target, path)
            print(f"[{engine_name}] pandas read_csv + to_sql: {baseline:.1f} s ({rows / baseline:,.0f} rows/s)")
            print(f"[{engine_name}] ratio validated import / baseline: {seconds / baseline:.2f}")


if __name__ == "__main__":
    main()
