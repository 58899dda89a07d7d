"""Assistance reports on 1,000,000 synthetic flows: SQL (with the counting rules) against pandas.

Builds a fresh migrated SQLite database, bulk-inserts synthetic organisations, flows, their current
versions and recipients with Core ``executemany`` (around the ledger, so it then fills the totals
maintained on write with ``totals.rebuild``, as migration 0011 does), then times, several runs each,
the median of:

- Table 1 totals (``reports.by_category``: per category and stage, public-private left out),
- ``reports.by_recipient`` (split by percentages, shared-boundary flows left out),
- ``reports.by_provider``,

read from the maintained totals, against the same aggregation done in pandas on the same rows, loaded
into DataFrames beforehand (loading is not timed). With ``--scan`` it also times the reports scanning
the flows (the fallback when the totals cannot answer). It then times a few filtered reports, and the
write path's upkeep: adding 2,000 flows' contributions one write at a time and as one batch. SQL and
pandas apply the counting rules: current versions only, internal flows out, a child whose parent is
counted out, totals per stage. The script checks both give the same USD totals. Needs
``pip install -e '.[bench]'`` (pandas).

    .venv/bin/python benchmarks/assistance_reports.py [--flows 1000000] [--runs 3] [--scan]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import insert, select, text

from solidarity.assistance import reports, totals
from solidarity.assistance.ledger import Filters
from solidarity.assistance.models import Flow, FlowRecipient, FlowVersion
from solidarity.config import load_settings
from solidarity.db import make_engine, make_sessionmaker, transaction
from solidarity.db.migrate import upgrade
from solidarity.partners.models import Organisation
from solidarity.reference.countries import all_countries

STAGES = ["pledge"] * 10 + ["commitment"] * 20 + ["disbursement"] * 55 + ["delivery"] * 15
MODALITIES = ["financial"] * 50 + ["in-kind"] * 35 + ["personnel"] * 8 + ["training"] * 7
CHANNELS = ["bilateral"] * 55 + ["multilateral"] * 30 + ["public-private"] * 8 + ["private"] * 7
RATES = {"USD": 1.0, "EUR": 1.1, "CNY": 0.14, "GBP": 1.25}
BATCH = 50_000
CATEGORY = {"financial": "Cash support", "in-kind": "Material supplying"}


def build(url: str, flows: int) -> None:
    """Insert ``flows`` synthetic flows, each with one current version and one or two recipients."""
    engine = make_engine(load_settings(database_url=url))
    upgrade(engine)
    rng = random.Random(11)
    countries = [c.alpha2 for c in all_countries() if c.is_iso][:200]
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(Organisation),
            [
                {"id": i, "name": f"Provider {i}", "type": "government", "created_at": now, "updated_at": now}
                for i in range(1, 201)
            ],
        )
    start = dt.date(2020, 1, 1)
    recipient_id = 1
    for first in range(1, flows + 1, BATCH):
        ids = range(first, min(first + BATCH, flows + 1))
        flow_rows, version_rows, recipient_rows = [], [], []
        for i in ids:
            currency = rng.choice(list(RATES))
            amount = round(rng.uniform(1_000, 5_000_000), 2)
            split = rng.random() < 0.2
            parent = rng.randrange(1, i) if i > 1 and rng.random() < 0.05 else None
            flow_rows.append({"id": i, "created_at": now})
            version_rows.append(
                {
                    "id": i,
                    "flow_id": i,
                    "version": 1,
                    "is_current": True,
                    "provider_id": rng.randrange(1, 201),
                    "reporter_id": 1,
                    "receiver_id": None,
                    "channel": rng.choice(CHANNELS),
                    "modality": rng.choice(MODALITIES),
                    "terms": "grant",
                    "stage": rng.choice(STAGES),
                    "boundary": "shared" if rng.random() < 0.1 else "single",
                    "is_new_money": True,
                    "is_internal": rng.random() < 0.03,
                    "is_lower_bound": False,
                    "flow_date": start + dt.timedelta(days=rng.randrange(0, 1100)),
                    "amount": Decimal(str(amount)),
                    "currency": currency,
                    "amount_usd": Decimal(str(round(amount * RATES[currency], 2))),
                    "usd_rate": Decimal(str(RATES[currency])),
                    "usd_rate_date": start,
                    "usd_rate_source": "synthetic",
                    "parent_flow_id": parent,
                    "description": "synthetic",
                    "changed_by": "bench",
                    "changed_at": now,
                }
            )
            chosen = rng.sample(countries, 2 if split else 1)
            shares = [Decimal(60), Decimal(40)] if split else [Decimal(100)]
            for code, share in zip(chosen, shares, strict=True):
                recipient_rows.append({"id": recipient_id, "version_id": i, "country_code": code, "percentage": share})
                recipient_id += 1
        with engine.begin() as conn:
            conn.execute(insert(Flow), flow_rows)
            conn.execute(insert(FlowVersion), version_rows)
            conn.execute(insert(FlowRecipient), recipient_rows)
    began = time.perf_counter()
    with transaction(make_sessionmaker(engine)) as session:
        rows = totals.rebuild(session)
    print(f"rebuilt the totals ({rows:,} rows) in {time.perf_counter() - began:.1f} s")
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def pandas_frames(url: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    engine = make_engine(load_settings(database_url=url))
    with engine.connect() as conn:
        versions = pd.read_sql(
            "SELECT flow_id, provider_id, channel, modality, stage, boundary, is_internal, parent_flow_id, "
            "currency, amount, amount_usd FROM assistance_flow_versions WHERE is_current",
            conn,
        )
        recipients = pd.read_sql(
            "SELECT version_id AS flow_id, country_code, percentage FROM assistance_flow_recipients", conn
        )
    engine.dispose()
    return versions, recipients


def _countable(v: pd.DataFrame) -> pd.DataFrame:
    kept = v[~v["is_internal"].astype(bool)]
    counted_parent = kept["parent_flow_id"].isin(kept["flow_id"])
    return kept[~counted_parent]


def pandas_by_provider(v: pd.DataFrame) -> pd.Series:
    return _countable(v).groupby(["provider_id", "stage"])["amount_usd"].sum()


def pandas_by_category(v: pd.DataFrame) -> pd.Series:
    c = _countable(v)
    c = c[c["channel"] != "public-private"]
    category = c["modality"].map(CATEGORY).fillna("Capacity building")
    return c.groupby([category, c["stage"]])["amount_usd"].sum()


def pandas_by_recipient(v: pd.DataFrame, r: pd.DataFrame) -> pd.Series:
    # rule 3 before rule 2: a shared-boundary parent is not counted here, so the parts it passed on are
    c = _countable(v[v["boundary"] == "single"])
    m = c.merge(r, on="flow_id")
    m["share"] = m["amount_usd"] * m["percentage"] / 100
    return m.groupby(["country_code", "stage"])["share"].sum()


def _check(sql_rows: list[reports.ReportRow], frame: pd.Series, name: str) -> None:
    for row in sql_rows:
        for stage, cell in row.stages.items():
            key = (int(row.key) if row.key.isdigit() else row.key, stage)
            if abs(float(cell.usd) - float(frame.loc[key])) > 1.0:
                raise SystemExit(f"{name}: SQL and pandas disagree on {key}: {cell.usd} vs {frame.loc[key]}")


def _scanning(report: Callable[[Any, Filters], Any]) -> Callable[[Any, Filters], Any]:
    """The report with the totals unavailable: it scans the flows, as before the totals existed."""

    def run(session: Any, filters: Filters) -> Any:
        original = totals.read
        totals.read = lambda *args, **kwargs: None  # type: ignore[assignment]
        try:
            return report(session, filters)
        finally:
            totals.read = original

    return run


def upkeep(factory: Any, count: int) -> None:
    """Time adding ``count`` flows' contributions one write at a time, then as one batch (rolled back)."""
    spent = {}
    for mode in ("single", "batch"):
        with factory() as session:
            versions = list(session.scalars(select(FlowVersion).where(FlowVersion.is_current.is_(True)).limit(count)))
            for v in versions:
                _ = v.recipients
            began = time.perf_counter()
            if mode == "single":
                for v in versions:
                    totals.flow_recorded(session, v)
            else:
                with totals.batched(session):
                    for v in versions:
                        totals.flow_recorded(session, v)
            spent[mode] = time.perf_counter() - began
            session.rollback()
    print(
        f"upkeep of {count:,} flow writes: {spent['single'] * 1000:.0f} ms one at a time "
        f"({spent['single'] / count * 1000:.2f} ms per write), {spent['batch'] * 1000:.0f} ms as one batch"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scan", action="store_true", help="also time the reports scanning the flows")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        began = time.perf_counter()
        build(url, args.flows)
        print(f"built {args.flows:,} flows in {time.perf_counter() - began:.1f} s")
        factory = make_sessionmaker(make_engine(load_settings(database_url=url)))
        versions, recipients = pandas_frames(url)
        cases: list[tuple[str, Callable[[Any, Filters], Any], Callable[[], pd.Series]]] = [
            ("Table 1 totals", reports.by_category, lambda: pandas_by_category(versions)),
            ("by recipient", reports.by_recipient, lambda: pandas_by_recipient(versions, recipients)),
            ("by provider", reports.by_provider, lambda: pandas_by_provider(versions)),
        ]
        print(
            f"{'report':<16} {'SQLite ms':>10} {'pandas ms':>10} {'ratio':>7}"
            + (f" {'scan ms':>9}" if args.scan else "")
        )
        for name, sql, frame in cases:
            with transaction(factory) as session:
                sql_time, sql_rows = timed(lambda sql=sql, session=session: sql(session, Filters()), args.runs)
                scan = ""
                if args.scan:
                    scan_time, scan_rows = timed(
                        lambda sql=sql, session=session: _scanning(sql)(session, Filters()), args.runs
                    )
                    scan = f" {scan_time * 1000:>9.0f}"
            pandas_time, pandas_rows = timed(frame, args.runs)
            _check(sql_rows, pandas_rows, name)
            if args.scan:
                _check(scan_rows, pandas_rows, f"{name} (scan)")
            print(
                f"{name:<16} {sql_time * 1000:>10.0f} {pandas_time * 1000:>10.0f} {sql_time / pandas_time:>7.2f}{scan}"
            )
        filtered = [
            (
                "by provider, year 2021",
                reports.by_provider,
                Filters(start=dt.date(2021, 1, 1), end=dt.date(2021, 12, 31)),
            ),
            ("by provider, 2021-03", reports.by_provider, Filters(start=dt.date(2021, 3, 1), end=dt.date(2021, 3, 31))),
            ("by provider, recipient IT", reports.by_provider, Filters(recipient="IT")),
            ("by recipient, provider 7", reports.by_recipient, Filters(provider_ids=(7,))),
            ("by recipient, recipient IT (scan)", reports.by_recipient, Filters(recipient="IT")),
        ]
        for name, sql, filters in filtered:
            with transaction(factory) as session:
                sql_time, _ = timed(lambda sql=sql, session=session, f=filters: sql(session, f), args.runs)
            print(f"{name:<34} {sql_time * 1000:>8.0f} ms")
        upkeep(factory, 2_000)


if __name__ == "__main__":
    main()
