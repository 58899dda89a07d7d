"""Recent incidence per 100,000 for the world map."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from solidarity.db import transaction
from solidarity.errors import Invalid
from solidarity.reference.countries import find_country
from solidarity.reference.service import find_population
from solidarity.reporting.incidence import recent_incidence
from tests.reporting.conftest import Importer, who_rows

ROWS = (
    "2020-03-01,NA,Namibia,AFRO,10,10,0,0",
    "2020-03-02,NA,Namibia,AFRO,20,30,0,0",
    "2020-03-09,NA,Namibia,AFRO,-4,26,0,0",
    "2020-03-02,XX,Other,Other,50,50,0,0",
    "2020-02-01,FR,France,EURO,7,7,0,0",
)


def test_incidence_sums_the_window_per_100k_and_leaves_off_other_and_stale_areas(
    import_text: Importer, db: sessionmaker[Session]
) -> None:
    import_text(who_rows(*ROWS))
    with transaction(db) as session:
        found = recent_incidence(session, days=14)
        namibia = find_country("NA")
        assert namibia is not None
        population = find_population(session, namibia)
    assert population is not None
    assert str(found.end) == "2020-03-09"
    assert [a.code for a in found.areas] == ["NA"]  # "Other" is not on the map; France stopped before the window
    [area] = found.areas
    assert area.new == 26  # the correction counts as published
    assert area.per_100k == pytest.approx(26 * 100_000 / population.value)
    with transaction(db) as session:
        assert recent_incidence(session, days=7).areas[0].new == -4


def test_incidence_refuses_a_window_outside_one_day_to_a_year(db: sessionmaker[Session]) -> None:
    with transaction(db) as session, pytest.raises(Invalid, match="days"):
        recent_incidence(session, days=0)
    with transaction(db) as session:
        assert recent_incidence(session).end is None
