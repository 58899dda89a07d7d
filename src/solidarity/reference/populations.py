"""Packaged populations: the World Bank figures that ``pypopulation`` ships, by country code.

pypopulation 2020.3 carries the World Bank's total population (indicator SP.POP.TOTL) for 2019,
for 215 economies including Kosovo (``XK``). Territories the World Bank does not list separately
(Taiwan, Réunion, Mayotte, the Falklands ...) have no packaged figure; set an override for them.

>>> packaged_population("NA").value
2494530
>>> packaged_population("TW") is None
True
"""

from __future__ import annotations

from dataclasses import dataclass

import pypopulation

PACKAGED_SOURCE = "World Bank SP.POP.TOTL 2019 (pypopulation 2020.3)"
PACKAGED_YEAR = 2019


@dataclass(frozen=True)
class PopulationQuote:
    """A population figure, the year it describes and where it comes from."""

    value: int
    year: int
    source: str


def packaged_population(alpha2: str) -> PopulationQuote | None:
    """The packaged World Bank figure for an alpha-2 code, or ``None`` when it has none."""
    value = pypopulation.get_population_a2(alpha2)
    if not value:
        return None
    return PopulationQuote(value=int(value), year=PACKAGED_YEAR, source=PACKAGED_SOURCE)
