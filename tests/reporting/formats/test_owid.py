from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from solidarity.errors import Invalid
from solidarity.reporting.records import AreaRef, Frequency, Measure

from .conftest import DATA, Parsed, parse_bytes

OWID = "owid/owid-covid-data.csv"


def test_cases_and_deaths_come_from_columns_found_by_name(parse_fixture: Callable[..., Parsed]) -> None:
    parsed = parse_fixture(OWID)
    zimbabwe = [f for f in parsed.figures if f.area.code == "ZWE" and f.date == dt.date(2021, 8, 10)]
    by_measure = {f.measure: (f.new, f.cumulative) for f in zimbabwe}
    assert by_measure[Measure.CASES] == (405, 117258)
    assert by_measure[Measure.DEATHS] == (31, 3950)
    assert by_measure[Measure.TESTS] == (2631, 1025127)
    assert {f.frequency for f in parsed.figures} == {Frequency.DAILY}
    assert not parsed.problems.errors


def test_float_counts_read_as_whole_numbers(parse_fixture: Callable[..., Parsed]) -> None:
    afghanistan = next(f for f in parse_fixture(OWID).figures if f.area.code == "AFG")
    assert (afghanistan.new, afghanistan.cumulative) == (1, 1)
    assert isinstance(afghanistan.cumulative, int)


def test_aggregates_are_skipped_and_counted_in_a_warning(parse_fixture: Callable[..., Parsed]) -> None:
    parsed = parse_fixture(OWID)
    codes = {f.area.code for f in parsed.figures}
    assert not codes & {"OWID_WRL", "OWID_EUR"}
    (warning,) = parsed.problems.warnings
    assert (warning.field, warning.value) == ("iso_code", "OWID_EUR,OWID_WRL")
    assert "skipped 2 rows of aggregates" in warning.reason


def test_owid_kos_is_kept_as_kosovo_xk(parse_fixture: Callable[..., Parsed]) -> None:
    kosovo = [f for f in parse_fixture(OWID).figures if f.area.name == "Kosovo"]
    assert kosovo[0].area == AreaRef(code="XK", name="Kosovo")


def test_international_ships_row_is_kept(parse_fixture: Callable[..., Parsed]) -> None:
    international = [f for f in parse_fixture(OWID).figures if f.area.code == "OWID_INT"]
    assert {(f.measure, f.cumulative) for f in international} == {(Measure.CASES, 696), (Measure.DEATHS, 7)}


def test_namibia_nam_is_read_as_text(parse_fixture: Callable[..., Parsed]) -> None:
    assert any(f.area == AreaRef(code="NAM", name="Namibia") for f in parse_fixture(OWID).figures)


def test_patients_in_hospital_are_a_level_in_new(parse_fixture: Callable[..., Parsed]) -> None:
    hospital = [f for f in parse_fixture(OWID).figures if f.measure is Measure.HOSPITALISED]
    assert [(f.area.code, f.new, f.cumulative) for f in hospital] == [("AUT", 1864, None)]


def test_negative_new_cases_are_accepted(parse_fixture: Callable[..., Parsed]) -> None:
    spain = next(f for f in parse_fixture(OWID).figures if f.area.code == "ESP" and f.measure is Measure.CASES)
    assert (spain.new, spain.cumulative) == (-10034, 213024)


def test_rows_without_any_count_yield_nothing() -> None:
    data = b"iso_code,continent,location,date,total_cases,new_cases\nAFG,Asia,Afghanistan,2020-01-01,,\n"
    assert parse_bytes(data, "owid-covid-data.csv").figures == []


def test_fractional_count_is_a_problem_naming_the_column() -> None:
    data = b"iso_code,continent,location,date,total_cases,new_cases\nAFG,Asia,Afghanistan,2020-02-24,1.5,1.0\n"
    parsed = parse_bytes(data, "owid-covid-data.csv")
    assert parsed.problem() == ("owid-covid-data.csv", 2, "total_cases", "1.5")
    assert "not a whole number" in parsed.problems.errors[0].reason


def test_missing_measure_columns_are_refused() -> None:
    from io import BytesIO

    from solidarity.imports import Problems
    from solidarity.reporting.formats import parse_owid

    with pytest.raises(Invalid, match="at least one of total_cases"):
        list(parse_owid(BytesIO(b"iso_code,location,date,population\n"), Problems("owid.csv")))


def test_the_fixture_header_is_owids_62_columns() -> None:
    assert len((DATA / OWID).read_text().splitlines()[0].split(",")) == 62
