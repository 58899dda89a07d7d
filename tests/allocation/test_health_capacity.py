"""The need index's health-capacity proxy from a WHO GHO export.

``data/gho_medical_doctors.csv`` is an excerpt of a real GHO export (the Global Health Workforce
statistics, medical doctors per 10,000 and their number, 2020, as WHO published it on 24 January
2022, with its byte-order mark and its display values such as ``1 014 538``). Tests add a region row
and an earlier year where they need them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor, Role
from solidarity.allocation import service
from solidarity.allocation.gho import read_gho_csv
from solidarity.audit.models import AuditEntry
from solidarity.db import transaction
from solidarity.errors import Forbidden, Invalid, Unauthorized

EXPORT = Path(__file__).parent / "data" / "gho_medical_doctors.csv"
COORDINATOR = Actor(user_id=None, organisation_id=None, role=Role.COORDINATOR, label="coord", modules=("allocation",))


def _with(*lines: str) -> bytes:
    return EXPORT.read_bytes() + "".join(line + "\n" for line in lines).encode()


def _row(place: str, dimension: str, value: str) -> str:
    """A row of the export's shape: ``place`` is location type to period, ``dimension`` Dim1's three
    columns (or empty)."""
    dim1 = dimension or ",,"
    return f'HWF_0001,"Medical doctors (per 10,000)",numeric,,,{place},TRUE,{dim1},,,,,,,,,,{value},,,,,,{value},,,EN,x'


def test_a_real_export_gives_each_countrys_percentile_among_the_indicators_countries() -> None:
    with pytest.raises(Invalid, match=r"holds 2 indicators \(HWF_0001, HWF_0002\); choose one"):
        read_gho_csv(EXPORT.read_bytes(), source=EXPORT.name)
    found = read_gho_csv(EXPORT.read_bytes(), source=EXPORT.name, indicator="HWF_0001")
    assert found.name == "Medical doctors (per 10,000)"
    proxy = {v.alpha3: v.proxy for v in found.values}
    assert len(proxy) == 12
    assert proxy["NER"] == 0.0  # 0.35 doctors per 10,000, the fewest
    assert proxy["DEU"] == 1.0  # 44.35, the most
    assert proxy["IND"] == pytest.approx(6 / 11, abs=1e-4)  # 7.35: six countries below it
    assert found.skipped == {"other indicator": 3}
    number = read_gho_csv(EXPORT.read_bytes(), source=EXPORT.name, indicator="HWF_0002")
    assert {v.alpha3: v.value for v in number.values}["IND"] == 1014538  # not the display "1 014 538"


def test_regions_earlier_years_and_other_dimensions_are_left_out() -> None:
    data = _with(
        _row("WHO region,AFR,Africa,Year,2020", "", "2.9"),
        _row("Country,IND,India,Year,2018", "", "8.57"),
        _row("Country,IND,India,Year,2020", "Sex,Female,FMLE", "1.2"),
    )
    found = read_gho_csv(data, source="doctors.csv", indicator="HWF_0001")
    assert {v.alpha3: (v.period, v.value) for v in found.values}["IND"] == ("2020", 7.35)
    assert found.skipped == {
        "other indicator": 3,
        "not a country": 1,
        "earlier period": 1,
        "a dimension, not the total": 1,
    }


def test_a_file_that_is_not_an_export_or_a_bad_number_is_refused_naming_file_line_field_and_value() -> None:
    with pytest.raises(Invalid, match=r"doctors.csv: not a GHO data export: no column SpatialDimValueCode") as caught:
        read_gho_csv(b"IndicatorCode,Indicator,Period,FactValueNumeric\nX,Y,2020,1\n", source="doctors.csv")
    assert caught.value.details[0] == {
        "file": "doctors.csv",
        "line": 1,
        "field": "SpatialDimValueCode",
        "reason": "missing column",
    }
    bad = _with(_row("Country,MLI,Mali,Year,2020", "", "1 3"))
    with pytest.raises(Invalid, match=r"doctors.csv: line 17: FactValueNumeric '1 3' is not a number ≥ 0") as caught:
        read_gho_csv(bad, source="doctors.csv", indicator="HWF_0001")
    assert caught.value.details[0]["line"] == 17
    with pytest.raises(Invalid, match="no indicator 'HWF_9'"):
        read_gho_csv(EXPORT.read_bytes(), source="doctors.csv", indicator="HWF_9")
    with pytest.raises(Invalid, match="not UTF-8"):
        read_gho_csv(b"\xff\xfe\x00", source="doctors.csv")


def test_imported_proxies_weigh_the_need_index_and_the_import_is_audited(
    db: sessionmaker[Session], make_person: Callable[..., Any]
) -> None:
    with transaction(db) as session:
        before = {row.destination: row for row in service.need_index(session, [("IND", 0.5, None), ("IRQ", 0.5, None)])}
        assert before["IND"].health_capacity is None
        with pytest.raises(Unauthorized):
            service.import_health_capacity(
                session, Actor.anonymous(), EXPORT.read_bytes(), source=EXPORT.name, indicator="HWF_0001"
            )
        _, stored = service.import_health_capacity(
            session, COORDINATOR, EXPORT.read_bytes(), source=EXPORT.name, indicator="HWF_0001"
        )
        assert stored.countries == 12
        editor = Actor(user_id=None, organisation_id=None, role=Role.EDITOR, label="ed", modules=("allocation",))
        with pytest.raises(Forbidden):
            service.import_health_capacity(
                session, editor, EXPORT.read_bytes(), source=EXPORT.name, indicator="HWF_0001"
            )
    with transaction(db) as session:
        rows = {row.destination: row for row in service.need_index(session, [("IND", 0.5, None), ("IRQ", 0.5, None)])}
        assert rows["IND"].health_capacity == pytest.approx(6 / 11, abs=1e-4)
        assert rows["IRQ"].health_capacity == pytest.approx(8 / 11, abs=1e-4)  # more doctors than India
        # fewer doctors per 10,000 in India: its capacity gap adds 0.2 × the difference of percentiles
        assert rows["IND"].computed_weight - rows["IRQ"].computed_weight == pytest.approx(
            before["IND"].computed_weight - before["IRQ"].computed_weight + 0.2 * (8 / 11 - 6 / 11), abs=1e-3
        )
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "import_health_capacity")).one()
        assert entry.after["indicator_code"] == "HWF_0001"
        service.import_health_capacity(
            session, COORDINATOR, EXPORT.read_bytes(), source="again.csv", indicator="HWF_0002"
        )
    with transaction(db) as session:
        source = service.health_capacity_source(session)
        assert source is not None
        assert (source.indicator_code, source.countries, source.source) == ("HWF_0002", 3, "again.csv")  # replaced


def test_odd_files_are_refused_or_read_without_a_crash() -> None:
    # found by review: each of these crashed the reader
    short = read_gho_csv(_with("HWF_0001,Doc,numeric"), source="doctors.csv", indicator="HWF_0001")
    assert short.skipped == {"other indicator": 3, "no value": 1}  # a row cut short: no value
    huge = _with(_row("Country,MLI,Mali,Year,2020", "", "1") + "," + '"' + "x" * 200_000 + '"')
    with pytest.raises(Invalid, match=r"doctors.csv: line \d+: not CSV the reader can take"):
        read_gho_csv(huge, source="doctors.csv", indicator="HWF_0001")
    ranged = read_gho_csv(
        _with(_row("Country,IND,India,Year,2015-2021", "", "9.1"), _row("Country,IND,India,Year,²⁰²⁰", "", "1")),
        source="doctors.csv",
        indicator="HWF_0001",
    )
    assert {v.alpha3: v.period for v in ranged.values}["IND"] == "2015-2021"  # its last year, 2021, beats 2020


def test_a_file_of_unknown_countries_is_refused_and_the_proxy_before_it_kept(db: sessionmaker[Session]) -> None:
    header = EXPORT.read_bytes().split(b"\n")[0] + b"\n"
    unknown = header + _row("Country,ZZZ,Nowhere,Year,2020", "", "1").encode() + b"\n"
    with transaction(db) as session:
        service.import_health_capacity(
            session, COORDINATOR, EXPORT.read_bytes(), source=EXPORT.name, indicator="HWF_0001"
        )
    with transaction(db) as session, pytest.raises(Invalid, match=r"no row of HWF_0001 names a country .*ZZZ"):
        service.import_health_capacity(session, COORDINATOR, unknown, source="zzz.csv")
    with transaction(db) as session:
        source = service.health_capacity_source(session)
        assert source is not None
        assert source.countries == 12
