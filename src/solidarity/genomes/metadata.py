"""Genome metadata files: Nextstrain columns or GISAID's submission template, read into one shape.

Pure: no database. ``read_metadata`` detects the dialect from the header, and every row becomes a
``MetadataRecord`` keyed by virus name; problems (unknown dates, future dates, missing labs) are
reported per record so the submission can reject just that genome.

>>> parse_date("2020-03", dt.date(2026, 1, 1))
(datetime.date(2020, 3, 1), 'month')
>>> parse_date("2020-XX-XX", dt.date(2026, 1, 1))
(datetime.date(2020, 1, 1), 'year')
>>> parse_date("2031-01-05", dt.date(2026, 1, 1))
Traceback (most recent call last):
...
ValueError: in the future
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from solidarity.errors import Invalid


class Dialect(enum.StrEnum):
    NEXTSTRAIN = "nextstrain"
    GISAID = "gisaid"


UNKNOWN = frozenset({"", "?", "unknown", "NA", "N/A", "na", "n/a", "missing"})

NEXTSTRAIN_COLUMNS = {
    "strain": "virus_name",
    "date": "collection_date",
    "region": "region",
    "country": "country",
    "division": "division",
    "host": "host",
    "sex": "sex",
    "age": "age",
    "originating_lab": "originating_lab",
    "submitting_lab": "submitting_lab",
    "authors": "authors",
    "sequencing_technology": "sequencing_technology",
    "assembly_method": "assembly_method",
    "coverage": "coverage",
}

GISAID_COLUMNS = {
    "covv_virus_name": "virus_name",
    "covv_collection_date": "collection_date",
    "covv_location": "location",
    "covv_host": "host",
    "covv_gender": "sex",
    "covv_patient_age": "age",
    "covv_orig_lab": "originating_lab",
    "covv_subm_lab": "submitting_lab",
    "covv_authors": "authors",
    "covv_seq_technology": "sequencing_technology",
    "covv_assembly_method": "assembly_method",
    "covv_coverage": "coverage",
}

ATTRIBUTION_FIELDS = ("originating_lab", "submitting_lab", "authors")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}|XX))?(?:-(\d{2}|XX))?$")


@dataclass
class MetadataRecord:
    line: int
    virus_name: str
    collection_date: dt.date | None = None
    date_precision: str | None = None
    region: str | None = None
    country: str | None = None
    division: str | None = None
    host: str | None = None
    sex: str | None = None
    age: str | None = None
    originating_lab: str | None = None
    submitting_lab: str | None = None
    authors: str | None = None
    sequencing_technology: str | None = None
    assembly_method: str | None = None
    coverage: str | None = None
    problems: list[tuple[str, str | None, str]] = field(default_factory=list)
    """(field, value, reason) of each thing wrong with the row."""

    @property
    def missing_attribution(self) -> list[str]:
        return [name for name in ATTRIBUTION_FIELDS if getattr(self, name) is None]


def parse_date(text: str, today: dt.date) -> tuple[dt.date, str]:
    """A collection date and its precision (``day``, ``month`` or ``year``); raises ``ValueError``.

    Partial dates (``2020-03``, ``2020-03-XX``, ``2020-XX-XX``) are kept at the first day they allow.
    """
    match = _DATE.match(text.strip())
    if match is None:
        raise ValueError("not a date (YYYY-MM-DD, YYYY-MM or YYYY)")
    year, month, day = match.groups()
    if month in (None, "XX"):
        value, precision = dt.date(int(year), 1, 1), "year"
    elif day in (None, "XX"):
        value, precision = dt.date(int(year), int(month), 1), "month"
    else:
        value, precision = dt.date(int(year), int(month), int(day)), "day"
    if value > today:
        raise ValueError("in the future")
    return value, precision


def detect_dialect(header: list[str]) -> Dialect:
    """GISAID when the template's ``covv_virus_name`` is there, Nextstrain when ``strain`` is."""
    names = {name.strip() for name in header}
    if "covv_virus_name" in names:
        return Dialect.GISAID
    if "strain" in names:
        return Dialect.NEXTSTRAIN
    raise Invalid(
        "Metadata has neither a 'strain' (Nextstrain) nor a 'covv_virus_name' (GISAID template) column",
        details=[{"field": "header", "value": ",".join(header)[:200], "reason": "unknown metadata columns"}],
    )


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip()
    return None if text in UNKNOWN else text


def read_metadata(text: str, file_name: str, today: dt.date) -> tuple[Dialect, Iterator[MetadataRecord]]:
    """The dialect and the records of a CSV or TSV metadata file (delimiter from the first line)."""
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        raise Invalid(f"{file_name}: the metadata file is empty", details=[{"file": file_name, "reason": "empty"}])
    dialect = detect_dialect(header)
    columns = NEXTSTRAIN_COLUMNS if dialect is Dialect.NEXTSTRAIN else GISAID_COLUMNS
    positions = {columns[name.strip()]: i for i, name in enumerate(header) if name.strip() in columns}
    return dialect, _records(reader, positions, today)


def _records(reader: Iterator[list[str]], positions: dict[str, int], today: dt.date) -> Iterator[MetadataRecord]:
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        line = getattr(reader, "line_num", 0)
        values = {key: _clean(row[i]) if i < len(row) else None for key, i in positions.items()}
        yield _record(line, values, today)


def _record(line: int, values: dict[str, str | None], today: dt.date) -> MetadataRecord:
    record = MetadataRecord(line=line, virus_name=values.get("virus_name") or "")
    if not record.virus_name:
        record.problems.append(("virus_name", None, "no virus name"))
    location = values.pop("location", None)
    if location is not None:
        parts = [_clean(part) for part in location.split("/")]
        values["region"], values["country"], values["division"] = [*parts, None, None, None][:3]
    for name in (
        "region",
        "country",
        "division",
        "host",
        "sex",
        "age",
        *ATTRIBUTION_FIELDS,
        "sequencing_technology",
        "assembly_method",
        "coverage",
    ):
        setattr(record, name, values.get(name))
    raw_date = values.get("collection_date")
    if raw_date is None:
        record.problems.append(("collection_date", None, "no collection date"))
    else:
        try:
            record.collection_date, record.date_precision = parse_date(raw_date, today)
        except ValueError as exc:
            record.problems.append(("collection_date", raw_date, str(exc)))
    return record
