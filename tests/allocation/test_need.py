"""The need index: destination ids resolved through reference countries (IRQ finds Iraq's figures),
overrides with their reasons, and `solidarity allocation need`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor, Role
from solidarity.allocation import service
from solidarity.cli.main import main
from solidarity.config import Settings
from solidarity.db import transaction
from solidarity.errors import Invalid
from solidarity.hubs import requests as hub_requests
from solidarity.hubs.models import Priority, RequestState
from solidarity.reference.countries import find_country
from solidarity.reference.service import find_population
from solidarity.reporting import service as reporting
from tests.conftest import sign_in

SYSTEM = Actor.system("test")
COORDINATOR = Actor(user_id=None, organisation_id=None, role=Role.COORDINATOR, label="coord", modules=("allocation",))
HEADER = "Date_reported,Country_code,Country,WHO_region,New_cases,Cumulative_cases,New_deaths,Cumulative_deaths"
ROWS = (
    "2020-03-01,IQ,Iraq,EMRO,400,400,0,0",
    "2020-03-08,IQ,Iraq,EMRO,600,1000,0,0",
    "2020-03-08,IT,Italy,EURO,50,50,0,0",
)


def _import(db: sessionmaker[Session], tmp_path: Path) -> None:
    path = tmp_path / "who.csv"
    path.write_text("\n".join((HEADER, *ROWS)) + "\n")
    with transaction(db) as session, path.open("rb") as stream:
        reporting.import_file(session, SYSTEM, stream, "who.csv")


def _per_100k(db: sessionmaker[Session], code: str, cases: int) -> float:
    with transaction(db) as session:
        country = find_country(code)
        assert country is not None
        population = find_population(session, country)
    assert population is not None
    return cases * 100_000 / population.value


def test_alpha3_destinations_find_their_countrys_incidence_and_population(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    _import(db, tmp_path)
    with transaction(db) as session:
        by_alpha3 = service.need_index(session, [("IRQ", 0.0, None), ("ITA", 0.0, None), ("request-9", 0.0, None)])
        by_alpha2 = service.need_index(session, [("IQ", 0.0, None), ("IT", 0.0, None), ("request-9", 0.0, None)])
    iraq, italy, unknown = by_alpha3
    assert (iraq.country, iraq.alpha2) == ("Iraq", "IQ")
    assert iraq.incidence_per_100k == pytest.approx(_per_100k(db, "IQ", 1000))
    assert italy.incidence_per_100k == pytest.approx(_per_100k(db, "IT", 50))
    assert iraq.population is not None
    assert italy.population is not None
    # not a country: no figures, so the median of the others counts
    assert unknown.country is None
    assert unknown.incidence_per_100k is None
    assert unknown.population is None
    assert [row.computed_weight for row in by_alpha3] == pytest.approx([row.computed_weight for row in by_alpha2])
    # Iraq's incidence is far higher than Italy's, the same urgency: it weighs more
    assert iraq.computed_weight > italy.computed_weight


def test_an_override_for_the_alpha2_replaces_the_weight_of_the_alpha3_destination(db: sessionmaker[Session]) -> None:
    with transaction(db) as session:
        service.set_weight_override(session, COORDINATOR, "IQ", 2.5, "Field hospitals overwhelmed")
    with transaction(db) as session:
        iraq, italy = service.need_index(session, [("IRQ", 1.0, None), ("ITA", 0.0, None)])
        weights = service.need_weights_for(session, [("IRQ", 1.0, None), ("ITA", 0.0, None)])
    assert iraq.override is not None
    assert (iraq.override["weight"], iraq.override["reason"], iraq.override["actor"]) == (
        2.5,
        "Field hospitals overwhelmed",
        "coord",
    )
    assert iraq.weight == 2.5
    assert iraq.computed_weight != 2.5
    assert italy.override is None
    assert italy.weight == italy.computed_weight
    assert weights == {"IRQ": 2.5, "ITA": italy.computed_weight}


def _request(session: Session, organisation: int, country: str, priority: Priority, item: str) -> None:
    request = hub_requests.create_request(
        session, SYSTEM, organisation=organisation, country=country, lines=[(item, 5)], priority=priority
    )
    hub_requests.transition(session, SYSTEM, request.id, RequestState.SUBMITTED)


def test_cli_need_lists_the_requesting_countries_with_their_inputs(
    db: sessionmaker[Session],
    organisation: int,
    tmp_path: Path,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _import(db, tmp_path)
    with transaction(db) as session:
        _request(session, organisation, "IQ", Priority.CRITICAL, "VENT-ICU")
        _request(session, organisation, "IT", Priority.LOW, "MASK-SURG")
        service.set_weight_override(session, COORDINATOR, "IT", 0.9, "Donor pledge covers the rest")
    monkeypatch.setenv("SOLIDARITY_DATABASE_URL", settings.effective_database_url)

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main(["allocation", "need", *args])
        out, err = capsys.readouterr()
        return (exited.value.code or 0) if isinstance(exited.value.code, int | None) else 1, out, err

    code, out, _ = run("--json")
    assert code == 0
    rows: list[dict[str, Any]] = json.loads(out)
    by_id = {row["destination"]: row for row in rows}
    assert set(by_id) == {"IQ", "IT"}
    assert by_id["IQ"]["urgency"] == 1.0
    assert by_id["IT"]["urgency"] == 0.0
    assert by_id["IQ"]["incidence_per_100k"] == pytest.approx(_per_100k(db, "IQ", 1000), rel=1e-3)
    assert by_id["IT"]["override"]["reason"] == "Donor pledge covers the rest"
    assert by_id["IT"]["weight"] == 0.9
    assert rows[0]["destination"] == "IQ"  # the neediest first

    code, out, _ = run("--item", "VENT-ICU", "--country", "FRA", "--json")
    assert code == 0
    assert [row["destination"] for row in json.loads(out)] == ["IQ", "FR"]

    code, out, _ = run()
    assert code == 0
    assert "Iraq" in out
    assert "Donor pledge covers the rest" in out

    code, _, err = run("--country", "Atlantis")
    assert code == 2
    assert "Atlantis" in err
    code, _, err = run("--item", "NO-SUCH-ITEM")
    assert code == 2
    assert "NO-SUCH-ITEM" in err


def test_unknown_countries_are_refused_with_the_field(db: sessionmaker[Session]) -> None:
    with transaction(db) as session, pytest.raises(Invalid) as raised:
        service.open_request_need(session, countries=["FR", "Atlantis"])
    assert raised.value.details[0]["field"] == "country[1]"


def test_the_need_page_shows_the_table_the_map_and_lets_a_coordinator_override(
    client: TestClient, make_person: Callable[..., Any]
) -> None:
    page = client.get("/allocation/need?country=IRQ,Chile")
    assert page.status_code == 200
    assert 'data-destination="IQ"' in page.text
    assert 'data-destination="CL"' in page.text
    assert 'class="world-map"' in page.text
    assert "Override a weight" not in page.text  # anonymous readers see, only coordinators change
    assert client.get("/allocation/need?country=Atlantis").status_code == 422

    coordinator = make_person(Role.COORDINATOR, modules=["allocation"])
    token = sign_in(client, coordinator)
    refused = client.post(
        "/allocation/need/overrides", data={"destination": "IQ", "weight": "2", "reason": " ", "csrf_token": token}
    )
    assert refused.status_code == 422
    assert "reason" in refused.text
    done = client.post(
        "/allocation/need/overrides",
        data={"destination": "IQ", "weight": "2", "reason": "Cholera outbreak too", "csrf_token": token},
        follow_redirects=True,
    )
    assert done.status_code == 200
    shown = client.get("/allocation/need?country=IQ").text
    assert "Cholera outbreak too" in shown
    assert "2.000" in shown
