"""Importing a folder of documents described by a manifest CSV, under the shared ``OnError`` modes.

Manifest columns: ``file`` (relative to the folder), ``title``, and optionally ``language``,
``document_type``, ``topics`` and ``countries`` (separated by ``;``), ``organisation``,
``published_on`` (YYYY-MM-DD), ``summary`` and ``link``. Line numbers count the header as line 1.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.errors import Invalid, SolidarityError
from solidarity.imports import ImportReport, OnError, Problems
from solidarity.knowledge import service
from solidarity.knowledge.schemas import DocumentCreate


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(";") if part.strip()]


def import_folder(
    session: Session,
    actor: Actor,
    folder: Path,
    manifest: Path,
    *,
    on_error: OnError = OnError.ERROR_FIRST,
    storage_dir: Path,
    max_bytes: int,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Add every document the manifest lists; a missing file, a refused type or a bad field is a problem
    naming the manifest line. In the error modes nothing is written when there is a problem."""
    with manifest.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if rows and ("file" not in rows[0] or "title" not in rows[0]):
        raise Invalid(f"{manifest.name}: the manifest needs the columns file and title", details=[{"line": 1}])
    problems = Problems(manifest.name, on_error)
    report = ImportReport(file=manifest.name)
    root = folder.resolve()
    for number, row in enumerate(rows, start=2):
        report.rows_read += 1
        name = (row.get("file") or "").strip()
        path = (root / name).resolve()
        if not name or root not in path.parents or not path.is_file():
            problems.add(line=number, field="file", value=name, reason="file not found in the folder")
            report.rejected += 1
            continue
        try:
            data = DocumentCreate.model_validate(
                {
                    "title": row.get("title") or "",
                    "language": row.get("language") or "en",
                    "document_type": row.get("document_type") or "guideline",
                    "topics": _split(row.get("topics")),
                    "countries": _split(row.get("countries")),
                    "organisation": row.get("organisation") or None,
                    "published_on": row.get("published_on") or None,
                    "summary": row.get("summary") or "",
                    "link": row.get("link") or None,
                }
            )
            with session.begin_nested():
                service.add_document(
                    session,
                    actor,
                    data,
                    upload=service.Upload(path.name, path.read_bytes()),
                    storage_dir=storage_dir,
                    max_bytes=max_bytes,
                )
            report.accepted += 1
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            problems.add(line=number, field=field, value=row.get(field), reason=str(first["msg"]))
            report.rejected += 1
        except SolidarityError as exc:
            problems.add(line=number, field="file", value=name, reason=exc.message)
            report.rejected += 1
        if progress is not None:
            progress(report.rows_read, len(rows))
    problems.raise_if_failed()
    report.problems = problems.listed()
    return report
