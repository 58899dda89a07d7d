import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor, Role
from solidarity.audit.models import AuditEntry
from solidarity.db import transaction
from solidarity.errors import Conflict, Forbidden, Invalid, NotFound
from solidarity.reference import service
from solidarity.reference.models import ExchangeRate, ItemCategory, RateTable
from solidarity.reference.populations import PACKAGED_YEAR
from solidarity.reference.schemas import ItemCreate
from tests.conftest import Person

SYSTEM = Actor.system("test")
XOF_TABLE = "currency,date,units_per_usd\nXOF,2021-01-01,540\nXOF,2021-02-01,545\nEUR,2020-03-16,0.9\n"


def _write(tmp_path: Path, text: str, name: str = "rates.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_eur_conversion_on_a_known_date_uses_the_ecb_figure(db: sessionmaker[Session]) -> None:
    with transaction(db) as session:
        result = service.convert_to_usd(session, Decimal("1000"), "eur", dt.date(2020, 3, 16))
    assert (result.amount_usd, result.rate, result.rate_date) == (
        Decimal("1115.70"),
        Decimal("1.1157"),
        dt.date(2020, 3, 16),
    )
    assert result.source.startswith("ECB")


def test_weekend_conversion_reports_the_friday_rate_date(db: sessionmaker[Session]) -> None:
    with transaction(db) as session:
        result = service.convert_to_usd(session, Decimal("10"), "EUR", dt.date(2020, 3, 14))
    assert (result.rate_date, result.amount_usd) == (dt.date(2020, 3, 13), Decimal("11.10"))


def test_usd_converts_to_itself_with_the_identity_rate(db: sessionmaker[Session]) -> None:
    with transaction(db) as session:
        result = service.convert_to_usd(session, Decimal("12.345"), "USD", dt.date(2021, 5, 1))
    assert (result.rate, result.source, result.amount_usd) == (Decimal(1), "identity", Decimal("12.35"))


def test_currency_without_ecb_or_user_rate_is_refused_naming_currency_and_date(
    db: sessionmaker[Session],
) -> None:
    with transaction(db) as session, pytest.raises(Invalid) as caught:
        service.convert_to_usd(session, Decimal("100"), "XOF", dt.date(2021, 1, 15))
    assert "XOF" in caught.value.message
    assert "2021-01-15" in caught.value.message


def test_imported_rate_takes_precedence_over_the_ecb(db: sessionmaker[Session], tmp_path: Path) -> None:
    path = _write(tmp_path, XOF_TABLE)
    with transaction(db) as session:
        service.import_rate_table(session, SYSTEM, path, name="UN rates", source="UN treasury")
    with transaction(db) as session:
        eur = service.convert_to_usd(session, Decimal("100"), "EUR", dt.date(2020, 3, 16))
        xof = service.convert_to_usd(session, Decimal("5400"), "XOF", dt.date(2021, 1, 20))
    assert (eur.rate, eur.source, eur.amount_usd) == (Decimal("1.11111111111111"), "UN treasury", Decimal("111.11"))
    assert (xof.rate_date, xof.amount_usd) == (dt.date(2021, 1, 1), Decimal("10.00"))


def test_importing_the_same_rate_file_twice_adds_nothing(db: sessionmaker[Session], tmp_path: Path) -> None:
    path = _write(tmp_path, XOF_TABLE)
    with transaction(db) as session:
        first = service.import_rate_table(session, SYSTEM, path, name="UN rates", source="UN")
    with transaction(db) as session:
        second = service.import_rate_table(
            session, SYSTEM, BytesIO(path.read_bytes()), name="again", source="UN", filename="copy.csv"
        )
    assert (first.accepted, first.is_duplicate_file) == (3, False)
    assert (second.accepted, second.unchanged, second.is_duplicate_file) == (0, 3, True)
    assert second.version == first.version
    with transaction(db) as session:
        assert session.scalar(select(func.count()).select_from(ExchangeRate)) == 3
        assert session.scalar(select(func.count()).select_from(RateTable)) == 1
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.module == "reference")).all()
    assert actions == ["import_rate_table"]


def test_bad_rate_line_is_reported_and_nothing_is_written(db: sessionmaker[Session], tmp_path: Path) -> None:
    path = _write(tmp_path, "currency,date,rate_to_usd\nXOF,2021-01-04,0.0018\nXOF,2021-01-05,abc\n", "bad.csv")
    with transaction(db) as session, pytest.raises(Invalid) as caught:
        service.import_rate_table(session, SYSTEM, path, name="bad", source="test")
    assert caught.value.details == [
        {
            "file": "bad.csv",
            "line": 3,
            "field": "rate_to_usd",
            "value": "abc",
            "reason": "not a positive number",
            "severity": "error",
        }
    ]
    with transaction(db) as session:
        assert session.scalar(select(func.count()).select_from(ExchangeRate)) == 0
        assert session.scalar(select(func.count()).select_from(RateTable)) == 0


def test_only_reference_coordinators_and_admins_import_rates(
    db: sessionmaker[Session], tmp_path: Path, make_person: Callable[..., Person]
) -> None:
    path = _write(tmp_path, XOF_TABLE)
    editor = make_person(Role.EDITOR)
    hubs_coordinator = make_person(Role.COORDINATOR, modules=["hubs"])
    with transaction(db) as session:
        for person in (editor, hubs_coordinator):
            with pytest.raises(Forbidden):
                service.import_rate_table(session, person.actor, path, name="x", source="y")


def test_population_override_wins_over_the_packaged_figure(db: sessionmaker[Session]) -> None:
    with transaction(db) as session:
        packaged = service.population(session, "Namibia")
        service.set_population_override(session, SYSTEM, "NA", population=2_600_000, year=2021, source="NSA")
    with transaction(db) as session:
        latest = service.population(session, "NAM")
        asked = service.population(session, "NA", year=2021)
        other_year = service.population(session, "NA", year=2015)
        service.set_population_override(session, SYSTEM, "NA", population=2_610_000, year=2021, source="NSA rev")
    assert (packaged.value, packaged.year) == (2_494_530, PACKAGED_YEAR)
    assert (latest.value, latest.year, latest.source) == (2_600_000, 2021, "NSA")
    assert asked == latest
    assert other_year == packaged
    with transaction(db) as session:
        assert service.population(session, "NA").value == 2_610_000


def test_territory_without_packaged_population_is_not_found_until_overridden(db: sessionmaker[Session]) -> None:
    with transaction(db) as session:
        with pytest.raises(NotFound):
            service.population(session, "Réunion")
        service.set_population_override(session, SYSTEM, "RE", population=860_000, year=2020, source="INSEE")
        assert service.population(session, "Réunion").value == 860_000


def test_catalogue_contains_the_items_assistance_and_hubs_need(db: sessionmaker[Session]) -> None:
    with transaction(db) as session:
        items = {i.code: i for i in service.list_items(session)}
        units = {u.code for u in service.list_units(session)}
    for code in (
        "MASK-SURG", "MASK-N95", "SUIT-PROT", "GOGGLES", "GLOVES-EXAM", "VENT-ICU",
        "TEST-PCR", "TEST-RDT-AG", "THERMO-IR", "O2-CONC", "VACC-COVID",
    ):  # fmt: skip
        assert code in items, code
    assert items["VACC-COVID"].needs_cold_chain
    assert items["VACC-COVID"].category is ItemCategory.VACCINES
    assert items["MASK-N95"].category is ItemCategory.PPE
    assert "FFP2" in items["MASK-N95"].name
    assert {"each", "pair", "box", "pack", "kit", "test", "dose", "vial", "unit", "kg", "litre"} <= units
    assert {i.unit_code for i in items.values()} <= units


def test_create_item_checks_role_unit_and_code(db: sessionmaker[Session], make_person: Callable[..., Person]) -> None:
    data = ItemCreate(
        code="mask-kn95", name="Respirator KN95", category=ItemCategory.PPE, unit_code="each", pack_size=20
    )
    coordinator = make_person(Role.COORDINATOR, modules=["reference"])
    editor = make_person(Role.EDITOR)
    with transaction(db) as session:
        with pytest.raises(Forbidden):
            service.create_item(session, editor.actor, data)
        item = service.create_item(session, coordinator.actor, data)
        assert service.get_item(session, "MASK-KN95").id == item.id
        with pytest.raises(Conflict) as conflict:
            service.create_item(session, coordinator.actor, data)
        assert conflict.value.details == {"existing_id": item.id}
        with pytest.raises(Invalid):
            service.create_item(
                session, coordinator.actor, data.model_copy(update={"code": "X-1", "unit_code": "crate"})
            )
