"""Countries and territories: ISO 3166-1 from pycountry, WHO regions and the codes epidemic data adds.

Every ISO 3166-1 entry is here with the WHO region WHO reports it under (``data/who_regions.csv``),
plus two codes that are not ISO: ``XK`` Kosovo, as WHO, the World Bank and the EU use it, and
``XX`` "Other", where WHO's global COVID-19 file put cases on international conveyances (JHU named
the ships: "Diamond Princess", "MS Zaandam"). Names are matched after normalisation, so the
spellings real files use all resolve (``data/country_aliases.csv`` lists the variants).

Namibia's alpha-2 code is ``NA``. A CSV reader that treats "NA" as missing (pandas does by
default) silently drops Namibia: read country columns as text, with ``keep_default_na=False``
and ``na_filter=False`` in pandas, and never map "NA" to ``None`` yourself.

>>> resolve_country("NA").name
'Namibia'
>>> resolve_country("Côte d’Ivoire").alpha3, resolve_country("Kosovo[1]").alpha2
('CIV', 'XK')
>>> find_country("Atlantis") is None
True
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import pycountry

from solidarity.errors import Invalid

WHO_REGIONS: dict[str, str] = {
    "AFRO": "African Region",
    "AMRO": "Region of the Americas",
    "SEARO": "South-East Asia Region",
    "EURO": "European Region",
    "EMRO": "Eastern Mediterranean Region",
    "WPRO": "Western Pacific Region",
}
"""WHO's six regions, by the codes WHO's COVID-19 files used."""

# WHO's 2023 files shortened the region codes; both spellings name the same region.
_REGION_SPELLINGS = {"AFR": "AFRO", "AMR": "AMRO", "SEAR": "SEARO", "EUR": "EURO", "EMR": "EMRO", "WPR": "WPRO"}


@dataclass(frozen=True)
class Country:
    """One country, territory or epidemic-data pseudo-country."""

    alpha2: str
    alpha3: str
    numeric: str | None
    name: str
    official_name: str | None
    who_region: str | None
    is_iso: bool


_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
_FOOTNOTES = re.compile(r"\[[^\]]*\]|[*†‡¶§]+")
_TRAILING_FOOTNOTE_DIGITS = re.compile(r"(?<=[^\W\d_])\d+$")
_NOT_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """The key names are compared by: no accents, footnote marks, punctuation or leading "the".

    >>> normalise("  Côte d’Ivoire* ")
    'cote d ivoire'
    >>> normalise("Kosovo[1]"), normalise("Kosovo1"), normalise("The United Kingdom")
    ('kosovo', 'kosovo', 'united kingdom')
    >>> normalise("N/A") == normalise("NA")
    False
    """
    text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _FOOTNOTES.sub("", text).strip()
    text = _TRAILING_FOOTNOTE_DIGITS.sub("", text)
    text = _NOT_WORD.sub(" ", text.casefold()).strip()
    return text.removeprefix("the ")


def normalise_region(text: str) -> str | None:
    """A WHO region code from either spelling WHO used; ``None`` for "Other" or blank.

    >>> normalise_region("EUR"), normalise_region("wpro"), normalise_region("Other")
    ('EURO', 'WPRO', None)
    """
    code = text.strip().upper()
    code = _REGION_SPELLINGS.get(code, code)
    return code if code in WHO_REGIONS else None


def _rows(filename: str) -> list[dict[str, str]]:
    # Read as plain text: the csv module never turns "NA" into a missing value.
    text = files("solidarity.reference").joinpath("data", filename).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def _table() -> tuple[dict[str, Country], dict[str, Country], dict[str, Country]]:
    """Countries by alpha-2; codes (alpha-2, alpha-3, numeric) by code; names by normalised name."""
    by_alpha2: dict[str, Country] = {}
    for row in _rows("who_regions.csv"):
        iso = pycountry.countries.get(alpha_2=row["alpha2"]) if row["is_iso"] == "1" else None
        by_alpha2[row["alpha2"]] = Country(
            alpha2=row["alpha2"],
            alpha3=row["alpha3"],
            numeric=row["numeric"] or None,
            name=getattr(iso, "common_name", None) or row["name"],
            official_name=getattr(iso, "official_name", None),
            who_region=row["who_region"] or None,
            is_iso=iso is not None,
        )
    codes: dict[str, Country] = {}
    for country in by_alpha2.values():
        codes[country.alpha2] = codes[country.alpha3] = country
        if country.numeric:
            codes[country.numeric] = country
    names: dict[str, Country] = {}
    for country in by_alpha2.values():
        iso = pycountry.countries.get(alpha_2=country.alpha2) if country.is_iso else None
        for name in (country.name, country.official_name, getattr(iso, "name", None)):
            if name:
                names.setdefault(normalise(name), country)
    for row in _rows("country_aliases.csv"):
        names[normalise(row["alias"])] = by_alpha2[row["alpha2"]]
    return by_alpha2, codes, names


def find_country(text: str | None) -> Country | None:
    """The country a code (alpha-2, alpha-3, numeric) or a known name stands for, else ``None``.

    Codes are matched first and exactly (case aside), so ``NA`` is Namibia, never "missing".

    >>> find_country("nam").name, find_country("516").alpha2, find_country("Viet Nam").alpha2
    ('Namibia', 'NA', 'VN')
    """
    if text is None:
        return None
    _, codes, names = _table()
    stripped = text.strip()
    country = codes.get(stripped.upper())
    if country is not None:
        return country
    return names.get(normalise(stripped)) if stripped else None


def resolve_country(text: str | None, *, field: str = "country") -> Country:
    """Like ``find_country``, but raise ``Invalid`` naming the field and value, with close names.

    >>> resolve_country("Frnace")
    Traceback (most recent call last):
    ...
    solidarity.errors.Invalid: Unknown country 'Frnace'; did you mean France?
    """
    country = find_country(text)
    if country is not None:
        return country
    value = "" if text is None else text
    hints = suggest_countries(value)
    message = f"Unknown country {value!r}"
    if hints:
        message += "; did you mean " + " or ".join(hints) + "?"
    else:
        message += ": give an ISO 3166-1 alpha-2 or alpha-3 code or a country name"
    raise Invalid(
        message,
        details=[{"field": field, "value": value, "reason": "unknown country", "suggestions": hints}],
    )


def suggest_countries(text: str, limit: int = 3) -> list[str]:
    """Names of up to ``limit`` countries whose names look like ``text``."""
    _, _, names = _table()
    close = difflib.get_close_matches(normalise(text), list(names), n=limit * 3, cutoff=0.75)
    hints: list[str] = []
    for key in close:
        name = names[key].name
        if name not in hints:
            hints.append(name)
    return hints[:limit]


def all_countries() -> list[Country]:
    """Every entry, ISO and not, ordered by name."""
    by_alpha2, _, _ = _table()
    return sorted(by_alpha2.values(), key=lambda c: normalise(c.name))


def countries_in_region(region: str) -> list[Country]:
    """The countries WHO reports under ``region`` (either spelling: ``EURO`` or ``EUR``)."""
    code = normalise_region(region)
    if code is None:
        raise Invalid(
            f"Unknown WHO region {region!r}; known: {', '.join(WHO_REGIONS)}",
            details=[{"field": "who_region", "value": region, "reason": "unknown WHO region"}],
        )
    return [c for c in all_countries() if c.who_region == code]
