"""Reading the format fixtures in tests/data/reporting, and broken copies of them made per test."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from solidarity.imports import OnError, Problems
from solidarity.reporting.formats import parse
from solidarity.reporting.records import RawFigure, one_by_one

DATA = Path(__file__).resolve().parents[2] / "data" / "reporting"
TODAY = dt.date(2025, 6, 1)


@dataclass
class Parsed:
    figures: list[RawFigure]
    problems: Problems

    def problem(self, index: int = 0) -> tuple[str, int | None, str | None, str | None]:
        found = self.problems.errors[index]
        return found.file, found.line, found.field, found.value


def parse_bytes(data: bytes, file_name: str, mode: OnError = OnError.ERROR_ALL, **options: Any) -> Parsed:
    problems = Problems(file_name, mode)
    options.setdefault("today", TODAY)
    figures = list(one_by_one(parse(io.BytesIO(data), file_name, problems, **options)))
    return Parsed(figures, problems)


@pytest.fixture
def parse_fixture() -> Callable[..., Parsed]:
    """Parse a fixture file by its path under tests/data/reporting, as the service would."""

    def run(relative: str, mode: OnError = OnError.ERROR_ALL, **options: Any) -> Parsed:
        path = DATA / relative
        return parse_bytes(path.read_bytes(), path.name, mode, **options)

    return run
