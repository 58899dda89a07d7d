"""Demo figures: a synthetic, clearly labelled epidemic in six areas, two WHO regions apart each.

The numbers are invented (a seeded random walk around an epidemic curve); the source name and
the version note say so, so nobody mistakes them for real data. Loading twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.imports import OnError, Problems
from solidarity.reporting.importing import Batch, Pipeline
from solidarity.reporting.models import ReportVersion
from solidarity.reporting.records import AreaRef, Frequency, Measure, RawFigure, SourceFormat

SOURCE = "Solidarity demo (synthetic)"
NOTE = "Synthetic demo epidemic: invented figures for trying the platform, not real data"
START = dt.date(2020, 2, 1)
DAYS = 120
# area code, peak day, peak daily cases, case fatality
AREAS = (
    ("NG", 70, 900, 0.02),
    ("BR", 85, 4000, 0.03),
    ("IN", 95, 6000, 0.015),
    ("DE", 55, 2500, 0.04),
    ("EG", 75, 800, 0.05),
    ("VN", 40, 120, 0.01),
)


@dataclass
class DemoFigures:
    version: int | None
    created: int


def _figures() -> list[RawFigure]:
    rng = random.Random(2020)  # noqa: S311 - invented demo figures, not secrets
    figures: list[RawFigure] = []
    line = 0
    for code, peak, height, fatality in AREAS:
        cases = deaths = 0
        for day in range(DAYS):
            expected = height * math.exp(-(((day - peak) / (peak / 2.5)) ** 2))
            new_cases = max(0, round(expected * rng.uniform(0.7, 1.3)))
            new_deaths = round(new_cases * fatality * rng.uniform(0.5, 1.5))
            cases += new_cases
            deaths += new_deaths
            date = START + dt.timedelta(days=day)
            line += 1
            for measure, new, cumulative in ((Measure.CASES, new_cases, cases), (Measure.DEATHS, new_deaths, deaths)):
                figures.append(RawFigure(line, AreaRef(code, None), date, Frequency.DAILY, measure, new, cumulative))
    return figures


def load(session: Session, actor: Actor) -> DemoFigures:
    """Publish the synthetic epidemic as one version, unless it was published before."""
    existing = session.scalar(select(ReportVersion.id).where(ReportVersion.source_name == SOURCE).limit(1))
    if existing is not None:
        return DemoFigures(version=existing, created=0)
    batch = Batch(source_name=SOURCE, source_format=SourceFormat.JSON.value, file_name=None, note=NOTE)
    report = Pipeline(session, actor, batch, Problems("demo", OnError.ERROR_ALL)).run(_figures())
    return DemoFigures(version=report.version, created=report.accepted)
