"""A health-capacity proxy from a WHO Global Health Observatory (GHO) CSV export.

The GHO's "export data" CSV has one row per country, year and dimension, with the columns
``IndicatorCode``, ``Indicator``, ``Location type``, ``SpatialDimValueCode`` (ISO alpha-3),
``Location``, ``Period`` and ``FactValueNumeric`` among some thirty others. The real files'
pitfalls, handled here: several indicators in one file (medical doctors per 10,000, ``HWF_0001``,
beside their number, ``HWF_0002``); several years per country; regions and the world beside
countries (``Location type``); a display ``Value`` with spaces for thousands (``1 014 538``), so the
number is read from ``FactValueNumeric``; a byte-order mark; rows with a dimension (sex, area)
beside the total. Pick an indicator whose higher values mean more capacity (doctors, nurses or
hospital beds per 10,000; the UHC service coverage index).

The proxy is each country's percentile among the countries of the indicator (0 the lowest value,
1 the highest; ties share a rank): robust to a few very high values, and comparable across
indicators. Pure: no database; ``service.import_health_capacity`` stores it.

>>> text = (
...     "IndicatorCode,Indicator,Location type,SpatialDimValueCode,Location,Period,Dim1,FactValueNumeric\\n"
...     "HWF_0001,Medical doctors (per 10 000),Country,NER,Niger,2020,,0.35\\n"
...     "HWF_0001,Medical doctors (per 10 000),Country,ITA,Italy,2020,,39.48\\n"
...     "HWF_0001,Medical doctors (per 10 000),Country,IND,India,2019,,7.01\\n"
...     "HWF_0001,Medical doctors (per 10 000),Country,IND,India,2020,,7.35\\n"
...     "HWF_0001,Medical doctors (per 10 000),WHO region,AFR,Africa,2020,,2.9\\n"
... )
>>> found = read_gho_csv(text.encode(), source="doctors.csv")
>>> found.code, [(v.alpha3, v.period, v.value, v.proxy) for v in found.values]
('HWF_0001', [('IND', '2020', 7.35, 0.5), ('ITA', '2020', 39.48, 1.0), ('NER', '2020', 0.35, 0.0)])
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from solidarity.errors import Invalid

REQUIRED = ("IndicatorCode", "Indicator", "SpatialDimValueCode", "Period", "FactValueNumeric")
DIMENSIONS = ("Dim1", "Dim2", "Dim3")
COUNTRY = "Country"
_ALPHA3 = re.compile(r"[A-Z]{3}")
_YEAR = re.compile(r"(?<![0-9])[0-9]{4}(?![0-9])")


@dataclass(frozen=True)
class CountryValue:
    alpha3: str
    location: str
    period: str
    value: float
    proxy: float
    """Percentile among the indicator's countries: 0 the lowest value, 1 the highest."""


@dataclass(frozen=True)
class GhoIndicator:
    code: str
    name: str
    source: str
    values: list[CountryValue]
    """One per country, its latest period, sorted by alpha-3."""
    skipped: dict[str, int] = field(default_factory=dict)
    """Rows left out, by reason (other indicators, regions, dimensions, earlier periods, no value)."""


def read_gho_csv(data: bytes, *, source: str, indicator: str | None = None) -> GhoIndicator:
    """The countries' latest values of ``indicator`` (the file's only one when not given) and their
    percentiles. Raises ``Invalid`` naming the file, line, field and value for a missing column, a
    number that is not one, no indicator chosen among several, or no country row at all."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(f"{source}: not UTF-8 text (byte {exc.start})", details=[{"file": source}]) from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
    if missing:
        raise Invalid(
            f"{source}: not a GHO data export: no column {', '.join(missing)} (line 1)",
            details=[{"file": source, "line": 1, "field": name, "reason": "missing column"} for name in missing],
        )
    try:
        rows = [
            (n, {key: (value or "").replace("\x00", "") for key, value in row.items() if key})
            for n, row in enumerate(reader, start=2)
        ]
    except csv.Error as exc:
        raise Invalid(
            f"{source}: line {reader.line_num}: not CSV the reader can take ({exc})",
            details=[{"file": source, "line": reader.line_num, "reason": str(exc)}],
        ) from exc
    codes = sorted({row["IndicatorCode"].strip() for _, row in rows if row["IndicatorCode"]})
    if indicator is None:
        if len(codes) != 1:
            raise Invalid(
                f"{source}: holds {len(codes)} indicators ({', '.join(codes) or 'none'}); choose one",
                details=[
                    {"file": source, "field": "IndicatorCode", "value": code, "reason": "choose one"} for code in codes
                ],
            )
        indicator = codes[0]
    elif indicator not in codes:
        raise Invalid(
            f"{source}: no indicator {indicator!r}; it holds {', '.join(codes) or 'none'}",
            details=[{"file": source, "field": "IndicatorCode", "value": indicator, "reason": "not in the file"}],
        )
    skipped: dict[str, int] = {}
    latest: dict[str, tuple[str, float, str]] = {}
    name = ""
    for line, row in rows:
        reason = _left_out(row, indicator)
        if reason:
            skipped[reason] = skipped.get(reason, 0) + 1
            continue
        raw = row["FactValueNumeric"].strip()
        if not raw:
            skipped["no value"] = skipped.get("no value", 0) + 1
            continue
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if value != value or value in (float("inf"), float("-inf")) or value < 0:
            raise Invalid(
                f"{source}: line {line}: FactValueNumeric {raw!r} is not a number ≥ 0",
                details=[
                    {
                        "file": source,
                        "line": line,
                        "field": "FactValueNumeric",
                        "value": raw,
                        "reason": "not a number ≥ 0",
                    }
                ],
            )
        alpha3 = row["SpatialDimValueCode"].strip().upper()
        if not _ALPHA3.fullmatch(alpha3):
            skipped["no country code"] = skipped.get("no country code", 0) + 1
            continue
        period = row["Period"].strip()
        name = name or row["Indicator"].strip()
        if alpha3 not in latest or _period_key(period) > _period_key(latest[alpha3][0]):
            if alpha3 in latest:
                skipped["earlier period"] = skipped.get("earlier period", 0) + 1
            latest[alpha3] = (period, value, row.get("Location", "").strip())
        else:
            skipped["earlier period"] = skipped.get("earlier period", 0) + 1
    if not latest:
        raise Invalid(
            f"{source}: no country has a value of {indicator}",
            details=[{"file": source, "field": "FactValueNumeric", "value": indicator, "reason": "no country row"}],
        )
    ordered = sorted(latest.items())
    numbers = [value for _, (_, value, _) in ordered]
    values = [
        CountryValue(alpha3, location, period, value, _percentile(value, numbers))
        for alpha3, (period, value, location) in ordered
    ]
    return GhoIndicator(indicator, name, source, values, skipped)


def _left_out(row: dict[str, str | None], indicator: str) -> str:
    if (row.get("IndicatorCode") or "").strip() != indicator:
        return "other indicator"
    kind = (row.get("Location type") or COUNTRY).strip()
    if kind != COUNTRY:
        return "not a country"
    if any((row.get(dim) or "").strip() not in ("", "Both sexes", "Total") for dim in DIMENSIONS):
        return "a dimension, not the total"
    return ""


def _period_key(period: str) -> tuple[int, str]:
    """The period's last year first (``2015-2019`` counts as 2019), then its text."""
    years = _YEAR.findall(period)
    return (int(years[-1]), period) if years else (-1, period)


def _percentile(value: float, numbers: list[float]) -> float:
    if len(numbers) == 1:
        return 0.5
    below = sum(1 for other in numbers if other < value)
    equal = sum(1 for other in numbers if other == value) - 1
    return round((below + equal / 2) / (len(numbers) - 1), 4)
