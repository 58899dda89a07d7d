"""Helpers for the reporting service tests: write small real-format files and import them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor
from solidarity.db import transaction
from solidarity.imports import ImportReport, OnError
from solidarity.reporting import service
from solidarity.reporting.models import AreaKind, CurrentFigure, DailyTotal, Figure, ReportingArea
from tests.cli.conftest import cli  # noqa: F401 - the CLI runner fixture

WHO_HEADER = "Date_reported,Country_code,Country,WHO_region,New_cases,Cumulative_cases,New_deaths,Cumulative_deaths"
DATA = Path(__file__).resolve().parents[1] / "data" / "reporting"
TODAY = dt.date(2024, 1, 1)

Importer = Callable[..., ImportReport]


def who_rows(*rows: str) -> str:
    return "\n".join((WHO_HEADER, *rows)) + "\n"


@pytest.fixture
def import_text(db: sessionmaker[Session], tmp_path: Path) -> Importer:
    """Import ``text`` as a file named ``name`` through the service; returns its report."""

    def run(
        text: str | bytes,
        name: str = "figures.csv",
        *,
        actor: Actor | None = None,
        on_error: OnError = OnError.ERROR_FIRST,
        **options: object,
    ) -> ImportReport:
        path = tmp_path / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        with transaction(db) as session, path.open("rb") as stream:
            return service.import_file(
                session,
                actor or Actor.system("test"),
                stream,
                name,
                on_error=on_error,
                today=TODAY,
                **options,  # type: ignore[arg-type]
            )

    return run


def recomputed_current(session: Session) -> set[tuple[object, ...]]:
    """The latest figure per key, computed from the append-only history."""
    latest = (
        select(Figure.area_id, Figure.frequency, Figure.measure, Figure.date, func.max(Figure.version_id).label("v"))
        .group_by(Figure.area_id, Figure.frequency, Figure.measure, Figure.date)
        .subquery()
    )
    rows = session.execute(
        select(
            Figure.area_id,
            Figure.frequency,
            Figure.measure,
            Figure.date,
            Figure.version_id,
            Figure.new_value,
            Figure.cumulative_value,
        ).join(
            latest,
            (Figure.area_id == latest.c.area_id)
            & (Figure.frequency == latest.c.frequency)
            & (Figure.measure == latest.c.measure)
            & (Figure.date == latest.c.date)
            & (Figure.version_id == latest.c.v),
        )
    )
    return {tuple(row) for row in rows}


def stored_current(session: Session) -> set[tuple[object, ...]]:
    c = CurrentFigure
    rows = session.execute(
        select(c.area_id, c.frequency, c.measure, c.date, c.version_id, c.new_value, c.cumulative_value)
    )
    return {tuple(row) for row in rows}


def recomputed_totals(session: Session) -> set[tuple[object, ...]]:
    c, a = CurrentFigure, ReportingArea
    totals: dict[tuple[object, ...], list[int]] = {}
    rows = session.execute(
        select(a.who_region, c.frequency, c.measure, c.date, c.new_value, c.cumulative_value)
        .join(c, c.area_id == a.id)
        .where(a.kind != AreaKind.SUBNATIONAL.value)
    )
    for region, frequency, measure, date, new, cumulative in rows:
        for scope in ("global", region):
            if scope is None:
                continue
            entry = totals.setdefault((scope, frequency, measure, date), [0, 0])
            entry[0] += new or 0
            entry[1] += cumulative or 0
    return {(*key, new, cumulative) for key, (new, cumulative) in totals.items()}


def stored_totals(session: Session) -> set[tuple[object, ...]]:
    t = DailyTotal
    rows = session.execute(select(t.scope, t.frequency, t.measure, t.date, t.new_value, t.cumulative_value))
    return {(*row[:4], row[4] or 0, row[5] or 0) for row in rows}


def assert_derived_tables_agree(session: Session) -> None:
    assert stored_current(session) == recomputed_current(session)
    assert stored_totals(session) == recomputed_totals(session)
