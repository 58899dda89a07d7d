"""Parsing a user's exchange-rate table: CSV with ``currency,date`` and a rate column.

The rate column is either ``rate_to_usd`` (USD per unit of the currency) or ``units_per_usd``
(units of the currency one USD buys, as the UN operational rates and most central banks quote
it). Every problem in the file is collected and reported at once, each with file, line, field,
value and reason (``solidarity.imports.Problems`` in ``error-all`` mode); a file with any
problem yields no rows.

>>> rows = parse_rate_table("currency,date,units_per_usd\\nXOF,2021-01-04,533.5\\n", "un.csv")
>>> rows[0].currency, rows[0].date.isoformat(), str(rows[0].rate_to_usd)
('XOF', '2021-01-04', '0.00187441424555')
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from solidarity.imports import OnError, Problems
from solidarity.reference.currencies import find_currency, quantize_rate

RATE_COLUMNS = ("rate_to_usd", "units_per_usd")


@dataclass(frozen=True)
class RateRow:
    line: int
    currency: str
    date: dt.date
    rate_to_usd: Decimal


def _header(reader: Any, problems: Problems) -> tuple[list[str], str]:
    header = next((row for row in reader if any(cell.strip() for cell in row)), None)
    if header is None:
        problems.add(line=1, field="header", value="", reason="empty file: expected currency,date,rate_to_usd")
        raise AssertionError("unreachable: error-first mode raises")
    names = [h.strip().lower() for h in header]
    missing = [c for c in ("currency", "date") if c not in names]
    rate_columns = [c for c in RATE_COLUMNS if c in names]
    if missing or len(rate_columns) != 1:
        wanted = missing or ["exactly one of rate_to_usd or units_per_usd"]
        problems.add(line=reader.line_num, field="header", value=",".join(header), reason=f"needs {', '.join(wanted)}")
    return names, rate_columns[0]


def parse_rate_table(text: str, filename: str) -> list[RateRow]:
    """The rows of a rate table; ``Invalid`` listing every bad line if there is any."""
    reader = csv.reader(text.splitlines())
    names, rate_column = _header(reader, Problems(filename, OnError.ERROR_FIRST))
    problems = Problems(filename, OnError.ERROR_ALL)
    rows: list[RateRow] = []
    seen: dict[tuple[str, dt.date], int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        record = dict(zip(names, (cell.strip() for cell in cells), strict=False))
        before = problems.error_count
        code = record.get("currency", "").upper()
        if find_currency(code) is None:
            problems.add(line=line, field="currency", value=code, reason="not an ISO 4217 currency code")
        raw_date = record.get("date", "")
        try:
            day = dt.date.fromisoformat(raw_date)
        except ValueError:
            problems.add(line=line, field="date", value=raw_date, reason="not a date in YYYY-MM-DD form")
        raw_rate = record.get(rate_column, "")
        try:
            rate = Decimal(raw_rate)
            if not rate.is_finite() or rate <= 0:
                raise InvalidOperation
        except InvalidOperation:
            problems.add(line=line, field=rate_column, value=raw_rate, reason="not a positive number")
        if problems.error_count > before:
            continue
        rate_to_usd = quantize_rate(rate if rate_column == "rate_to_usd" else 1 / rate)
        if code == "USD" and rate_to_usd != 1:
            problems.add(line=line, field=rate_column, value=raw_rate, reason="USD is 1 USD by definition")
            continue
        if rate_to_usd == 0:
            problems.add(line=line, field=rate_column, value=raw_rate, reason="rounds to 0 USD per unit")
            continue
        first = seen.setdefault((code, day), line)
        if first != line:
            problems.add(line=line, field="date", value=raw_date, reason=f"{code} on {day} is also on line {first}")
            continue
        rows.append(RateRow(line=line, currency=code, date=day, rate_to_usd=rate_to_usd))
    problems.raise_if_failed()
    if not rows:
        Problems(filename).add(line=None, field=None, value=None, reason="a header but no rates")
    return rows
