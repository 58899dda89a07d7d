"""Which reporting area a file's row stands for, and the areas table that holds them.

Resolution runs once per distinct (code, name, subdivision) of a file, in this order:

1. the code, exactly (``NA`` is Namibia, ``XK`` Kosovo), so a name garbled by a wrong encoding
   (``Cura�ao``) still resolves through its code;
2. names of non-country areas, which WHO and JHU report beside countries: WHO's "Other"
   (``XX``, as the reference module codes it), the cruise ships and the Olympic Games, each kept
   apart under a stable ``X-...`` code;
3. the name, through ``reference.countries.find_country``;
4. a subdivision (JHU's Province/State) becomes a subnational area of its country, coded
   ``<alpha2>-<ISO 3166-2 suffix>`` when pycountry knows it by name, else ``<alpha2>-<NAME>``; a
   "province" that is a territory in its own right (Bermuda under the United Kingdom, Aruba under
   the Netherlands) becomes that territory.

>>> area_spec(AreaRef("NA", "Namibia")).name
'Namibia'
>>> area_spec(AreaRef("CW", "Cura\\ufffdao")).code
'CW'
>>> area_spec(AreaRef(None, "Diamond Princess")).code, area_spec(AreaRef(" ", "Other")).code
('X-DIAMOND-PRINCESS', 'XX')
>>> spec = area_spec(AreaRef(None, "Australia", "New South Wales"))
>>> spec.code, str(spec.kind), spec.parent.code
('AU-NSW', 'subnational', 'AU')
>>> area_spec(AreaRef(None, "United Kingdom", "Bermuda")).code
'BM'
>>> area_spec(AreaRef("ZZ", "Atlantis")) is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import pycountry
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from solidarity.reference.countries import Country, find_country, normalise, normalise_region
from solidarity.reporting.models import AreaKind, ReportingArea
from solidarity.reporting.records import AreaRef

OTHER_CODE = "XX"
"""The reference module's code for WHO's "Other" (cases on international conveyances)."""

# normalised name -> (code, display name, kind)
_NON_COUNTRY: dict[str, tuple[str, str, AreaKind]] = {
    "other": (OTHER_CODE, "Other (international conveyances)", AreaKind.OTHER),
    "international conveyance": (OTHER_CODE, "Other (international conveyances)", AreaKind.OTHER),
    "international conveyances": (OTHER_CODE, "Other (international conveyances)", AreaKind.OTHER),
    "international": (OTHER_CODE, "Other (international conveyances)", AreaKind.OTHER),
    "international commercial vessel": (OTHER_CODE, "Other (international conveyances)", AreaKind.OTHER),
    "diamond princess": ("X-DIAMOND-PRINCESS", "Diamond Princess (cruise ship)", AreaKind.CONVEYANCE),
    "international conveyance diamond princess": (
        "X-DIAMOND-PRINCESS",
        "Diamond Princess (cruise ship)",
        AreaKind.CONVEYANCE,
    ),
    "cases on an international conveyance japan": (
        "X-DIAMOND-PRINCESS",
        "Diamond Princess (cruise ship)",
        AreaKind.CONVEYANCE,
    ),
    "ms zaandam": ("X-MS-ZAANDAM", "MS Zaandam (cruise ship)", AreaKind.CONVEYANCE),
    "grand princess": ("X-GRAND-PRINCESS", "Grand Princess (cruise ship)", AreaKind.CONVEYANCE),
    "summer olympics 2020": ("X-OLYMPICS-2020", "Summer Olympics 2020 (Tokyo)", AreaKind.EVENT),
    "winter olympics 2022": ("X-OLYMPICS-2022", "Winter Olympics 2022 (Beijing)", AreaKind.EVENT),
}
_NON_COUNTRY_CODES = {code: (code, name, kind) for code, name, kind in _NON_COUNTRY.values()}
_NON_COUNTRY_CODES["OWID_INT"] = _NON_COUNTRY["international"]  # OWID's "International": the cruise ships

# ISO 3166-1 entries that are not sovereign states; everything else ISO is a country.
TERRITORIES = frozenset(
    "AI AS AW AX BL BM BQ BV CC CK CW CX EH FK FO GF GG GI GL GP GS GU HK HM IM IO JE KY MF MO MP MQ MS "  # noqa: SIM905
    "NC NF NU PF PM PN PR PS RE SH SJ SX TC TF TK UM VG VI WF YT XK".split()
)
# pycountry subdivision types that are territories in their own right, not parts of the country.
_TERRITORY_SUBDIVISION_TYPES = frozenset({"country", "outlying area", "overseas territory", "dependency"})
# Endings of ISO 3166-2 names that files leave off ("Hubei Sheng" is "Hubei").
_SUBDIVISION_SUFFIXES = re.compile(
    r"\s+(sheng|shi|zizhiqu|huizu zizhiqu|zhuangzu zizhiqu|uygur zizhiqu|sar|province|state|oblast)$"
)
_CODE_UNSAFE = re.compile(r"[^A-Z0-9]+")


@dataclass(frozen=True)
class AreaSpec:
    """An area as resolved, before it has a row: what the areas table will hold for it."""

    code: str
    name: str
    kind: str
    country_code: str | None
    who_region: str | None
    parent: AreaSpec | None = None

    @property
    def is_on_map(self) -> bool:
        return self.kind in (AreaKind.COUNTRY, AreaKind.TERRITORY)


def _country_spec(country: Country) -> AreaSpec:
    if country.alpha2 == OTHER_CODE:
        return _non_country_spec(_NON_COUNTRY["other"])
    kind = AreaKind.TERRITORY if country.alpha2 in TERRITORIES else AreaKind.COUNTRY
    return AreaSpec(country.alpha2, country.name, kind, country.alpha2, country.who_region)


def _non_country_spec(entry: tuple[str, str, AreaKind]) -> AreaSpec:
    code, name, kind = entry
    return AreaSpec(code, name, kind, None, None)


def _code_suffix(text: str) -> str:
    return _CODE_UNSAFE.sub("-", normalise(text).upper()).strip("-") or "UNKNOWN"


@cache
def _subdivisions(alpha2: str) -> dict[str, tuple[str, str, str]]:
    """Normalised subdivision names of a country -> (code, name, type), with and without suffixes."""
    found: dict[str, tuple[str, str, str]] = {}
    for sub in pycountry.subdivisions.get(country_code=alpha2) or ():  # type: ignore[no-untyped-call]
        if getattr(sub, "parent_code", None):
            continue  # second-level divisions (counties of a region) are not what files name
        key = normalise(sub.name)
        entry = (sub.code, sub.name, sub.type.lower())
        found.setdefault(key, entry)
        found.setdefault(_SUBDIVISION_SUFFIXES.sub("", key), entry)
    return found


def _country_level(code: str | None, name: str | None) -> AreaSpec | None:
    code = (code or "").strip().upper()
    if code:
        special = _NON_COUNTRY_CODES.get(code)
        if special is not None:
            return _non_country_spec(special)
        country = find_country(code)
        if country is not None and (
            code in (country.alpha2, country.alpha3, country.numeric) or code.startswith("OWID_")
        ):
            return _country_spec(country)
    if name and name.strip():
        special = _NON_COUNTRY.get(normalise(name))
        if special is not None:
            return _non_country_spec(special)
        country = find_country(name)
        if country is not None:
            return _country_spec(country)
    return None


def _subdivision_spec(parent: AreaSpec, subdivision: str) -> AreaSpec:
    key = normalise(subdivision)
    if parent.country_code is None:
        return AreaSpec(
            f"{parent.code}-{_code_suffix(subdivision)}", subdivision.strip(), AreaKind.SUBNATIONAL, None, None, parent
        )
    known = _subdivisions(parent.country_code).get(key)
    if known is None or known[2] in _TERRITORY_SUBDIVISION_TYPES:
        territory = find_country(subdivision) if key not in _NON_COUNTRY else None
        if territory is not None and territory.alpha2 not in (parent.country_code, OTHER_CODE):
            return _country_spec(territory)
    if known is not None:
        return AreaSpec(
            known[0], subdivision.strip(), AreaKind.SUBNATIONAL, parent.country_code, parent.who_region, parent
        )
    return AreaSpec(
        f"{parent.country_code}-{_code_suffix(subdivision)}",
        subdivision.strip(),
        AreaKind.SUBNATIONAL,
        parent.country_code,
        parent.who_region,
        parent,
    )


@cache
def area_spec(ref: AreaRef) -> AreaSpec | None:
    """The area a file's (code, name, subdivision) stands for, or ``None`` when it is unknown."""
    parent = _country_level(ref.code, ref.name)
    if parent is None:
        return None
    if ref.subdivision and ref.subdivision.strip():
        return _subdivision_spec(parent, ref.subdivision)
    return parent


def region_of(text: str | None) -> str | None:
    """A WHO region code from a file's region column (either spelling), else ``None``."""
    return normalise_region(text) if text else None


_INSERT_AREA = insert(ReportingArea).returning(ReportingArea.id)
"""Built once: building the statement with ``values()`` per area cost as much as running it."""


class AreaTable:
    """Area ids by code for one session: all read at the first lookup, created when first reported.

    An area is created with one Core ``INSERT ... RETURNING`` (no ORM object or flush per area:
    a first import creates a couple of hundred of them).
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._ids: dict[str, int] | None = None
        self.created: list[str] = []

    def id_for(self, spec: AreaSpec) -> int:
        ids = self._ids
        if ids is None:
            rows = self.session.execute(select(ReportingArea.code, ReportingArea.id))
            ids = self._ids = {row.code: row.id for row in rows}
        known = ids.get(spec.code)
        if known is not None:
            return known
        parent_id = self.id_for(spec.parent) if spec.parent is not None else None
        area_id: int | None = self.session.scalar(
            _INSERT_AREA,
            {
                "code": spec.code,
                "name": spec.name,
                "kind": str(spec.kind),
                "parent_id": parent_id,
                "country_code": spec.country_code,
                "who_region": spec.who_region,
                "is_on_map": spec.is_on_map,
            },
        )
        assert area_id is not None
        self.created.append(spec.code)
        ids[spec.code] = area_id
        return area_id
