"""Which of the four formats a file is in, told from its first bytes.

>>> detect_format(b"\\xef\\xbb\\xbfDate_reported,Country_code,Country,WHO_region,New_cases,"
...               b"Cumulative_cases,New_deaths,Cumulative_deaths\\r\\n", "WHO-COVID-19-global-data.csv")
<SourceFormat.WHO: 'who'>
>>> detect_format('"Province/State","Country/Region","Lat","Long","1/22/20"', "deaths.csv")
<SourceFormat.JHU: 'jhu'>
>>> detect_format(b'{"dataSet": "pBOMPrpg1QX", "period": "2020W11", "dataValues": []}', "export.json")
<SourceFormat.DHIS2: 'dhis2'>
"""

from __future__ import annotations

import csv
import re

from solidarity.errors import Invalid
from solidarity.reporting.formats._text import UTF8_BOM, refuse_unreadable_bytes
from solidarity.reporting.records import SourceFormat

SNIFF_BYTES = 1 << 16
"""How much of a file detection reads; a DHIS2 export names ``dataValues`` well within it."""

WHO_COLUMNS = (
    "Date_reported",
    "Country_code",
    "Country",
    "WHO_region",
    "New_cases",
    "Cumulative_cases",
    "New_deaths",
    "Cumulative_deaths",
)
JHU_COLUMNS = ("Province/State", "Country/Region", "Lat", "Long")
JHU_US_COLUMNS = ("UID", "iso2", "iso3", "code3", "FIPS", "Admin2", "Province_State", "Country_Region")
OWID_COLUMNS = ("iso_code", "location", "date")
OWID_MEASURE_COLUMNS = ("total_cases", "new_cases", "total_deaths", "new_deaths")

EXPECTED = (
    "WHO global CSV: the header " + ",".join(WHO_COLUMNS),
    "JHU CSSE time series (time_series_covid19_confirmed_global.csv or _deaths_global.csv): the columns "
    + ",".join(JHU_COLUMNS)
    + " then one column per date written m/d/yy",
    "Our World in Data (owid-covid-data.csv): the columns iso_code,location,date and at least one of "
    + ",".join(OWID_MEASURE_COLUMNS),
    'DHIS2 dataValueSets JSON: an object {"dataValues": [{"dataElement", "period", "orgUnit", "value"}, ...]}',
)

_DATA_VALUES = re.compile(rb'"dataValues"\s*:\s*\[')


def detect_format(header: bytes | str, file_name: str) -> SourceFormat:
    """The format of a file whose first bytes (or first line) are ``header``.

    Raises ``Invalid`` naming the file and the header found, and listing what each format
    expects, when the file is in none of them.
    """
    head = header.encode("utf-8", "surrogateescape") if isinstance(header, str) else header
    refuse_unreadable_bytes(head, file_name)
    head = head.removeprefix(UTF8_BOM)
    stripped = head.lstrip()
    if stripped.startswith((b"{", b"[")):
        if stripped.startswith(b"{") and _DATA_VALUES.search(stripped):
            return SourceFormat.DHIS2
        raise _unknown(file_name, "a JSON document without a top-level dataValues list")
    first_line = head.split(b"\n", 1)[0].decode("utf-8", "replace")
    try:
        columns = [name.strip() for name in next(csv.reader([first_line]), [])]
    except csv.Error:
        columns = []
    names = set(columns)
    if all(name in names for name in WHO_COLUMNS):
        return SourceFormat.WHO
    if columns[: len(JHU_COLUMNS)] == list(JHU_COLUMNS) or all(name in names for name in JHU_US_COLUMNS):
        return SourceFormat.JHU
    if all(name in names for name in OWID_COLUMNS) and any(name in names for name in OWID_MEASURE_COLUMNS):
        return SourceFormat.OWID
    shown = first_line.strip()
    return_header = shown if len(shown) <= 300 else shown[:300] + "..."
    raise _unknown(file_name, f"the header {return_header!r}" if shown else "an empty first line")


def _unknown(file_name: str, found: str) -> Invalid:
    message = (
        f"{file_name} is in none of the formats this platform reads; it starts with {found}. "
        "Expected one of: " + "; ".join(f"({n}) {text}" for n, text in enumerate(EXPECTED, start=1))
    )
    return Invalid(
        message,
        details=[
            {"file": file_name, "line": 1, "field": None, "value": found, "reason": "unknown format"},
            *({"format": fmt.value, "expects": text} for fmt, text in zip(_FORMATS, EXPECTED, strict=True)),
        ],
    )


_FORMATS = (SourceFormat.WHO, SourceFormat.JHU, SourceFormat.OWID, SourceFormat.DHIS2)
