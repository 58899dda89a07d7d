"""What every import shares: how bad records are handled, and how each problem is reported.

Modes, the same for every import (after augur's): ``error-first`` stops at the first bad record,
``error-all`` reads everything and fails once listing every problem, ``warn`` writes the good
records and reports the bad ones as warnings, ``skip`` writes the good records and lists every
skipped one. In the two error modes nothing is written when there is a problem.

>>> problems = Problems("who.csv", OnError.ERROR_ALL)
>>> problems.add(line=4, field="Cumulative_cases", value="-3", reason="negative")
>>> problems.add(line=9, field="Date_reported", value="2020-13-01", reason="not a date")
>>> problems.raise_if_failed()
Traceback (most recent call last):
...
solidarity.errors.Invalid: who.csv: 2 problems; first: line 4, field Cumulative_cases, value '-3': negative
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from solidarity.errors import Invalid

MAX_LISTED_PROBLEMS = 1000


class OnError(enum.StrEnum):
    ERROR_FIRST = "error-first"
    ERROR_ALL = "error-all"
    WARN = "warn"
    SKIP = "skip"

    @property
    def writes_good_records(self) -> bool:
        return self in (OnError.WARN, OnError.SKIP)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    field: str | None
    value: str | None
    reason: str
    severity: str = "error"

    def describe(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.field:
            parts.append(f"field {self.field}")
        if self.value is not None:
            parts.append(f"value {self.value!r}")
        return ", ".join(parts) + f": {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Problems:
    """Collects the problems of one import under one ``OnError`` mode.

    ``add`` raises at once in ``error-first`` mode; otherwise problems accumulate and
    ``raise_if_failed`` raises ``Invalid`` listing them (error modes only). Warnings (``warning``)
    never fail an import: they flag accepted records, such as a negative daily count.
    """

    def __init__(self, file: str, mode: OnError = OnError.ERROR_FIRST) -> None:
        self.file = file
        self.mode = mode
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.error_count = 0

    def add(self, *, line: int | None, field: str | None, value: object, reason: str) -> None:
        problem = Problem(self.file, line, field, None if value is None else str(value), reason)
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_PROBLEMS:
            self.errors.append(problem)
        if self.mode is OnError.ERROR_FIRST:
            raise Invalid(problem.describe(), details=[problem.as_dict()])

    def warning(self, *, line: int | None, field: str | None, value: object, reason: str) -> None:
        if len(self.warnings) < MAX_LISTED_PROBLEMS:
            self.warnings.append(
                Problem(self.file, line, field, None if value is None else str(value), reason, "warning")
            )

    @property
    def has_errors(self) -> bool:
        return self.error_count > 0

    def raise_if_failed(self) -> None:
        """In the error modes, raise ``Invalid`` listing every problem; otherwise do nothing."""
        if not self.has_errors or self.mode.writes_good_records:
            return
        first = self.errors[0]
        first_text = first.describe().removeprefix(f"{self.file}, ")
        noun = "problem" if self.error_count == 1 else "problems"
        raise Invalid(
            f"{self.file}: {self.error_count} {noun}; first: {first_text}",
            details=[p.as_dict() for p in self.errors],
        )

    def listed(self) -> list[dict[str, Any]]:
        return [p.as_dict() for p in (*self.errors, *self.warnings)]


@dataclass
class ImportReport:
    """The summary every import returns and the CLI prints (``--json`` uses these keys)."""

    file: str
    rows_read: int = 0
    accepted: int = 0
    flagged: int = 0
    rejected: int = 0
    unchanged: int = 0
    version: int | None = None
    is_duplicate_file: bool = False
    problems: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def file_sha256(source: Path | BinaryIO, chunk_size: int = 1 << 20) -> str:
    """SHA-256 of a file, read in chunks so a large file costs no memory; a stream is rewound after."""
    digest = hashlib.sha256()
    if isinstance(source, Path):
        with source.open("rb") as stream:
            for chunk in iter(lambda: stream.read(chunk_size), b""):
                digest.update(chunk)
        return digest.hexdigest()
    position = source.tell()
    for chunk in iter(lambda: source.read(chunk_size), b""):
        digest.update(chunk)
    source.seek(position)
    return digest.hexdigest()


def check_upload_name(name: str) -> str:
    """The bare file name of an upload, refusing path tricks.

    >>> check_upload_name("WHO-COVID-19-global-data.csv")
    'WHO-COVID-19-global-data.csv'
    >>> check_upload_name("../../etc/passwd")
    Traceback (most recent call last):
    ...
    solidarity.errors.Invalid: File name '../../etc/passwd' is not a plain file name
    """
    bare = name.replace("\\", "/").rsplit("/", 1)[-1]
    if bare != name or bare in ("", ".", "..") or "\x00" in bare or bare.startswith("."):
        raise Invalid(f"File name {name!r} is not a plain file name", details=[{"field": "file", "value": name}])
    return bare


def first_problems(problems: Iterable[Problem], limit: int = 20) -> list[str]:
    """Readable lines for the first ``limit`` problems, for CLI output."""
    lines = []
    for n, problem in enumerate(problems):
        if n >= limit:
            break
        lines.append(problem.describe())
    return lines
