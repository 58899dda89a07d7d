from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from solidarity.errors import Invalid
from solidarity.reporting.records import AreaRef, Frequency, Measure

from .conftest import DATA, Parsed, parse_bytes

DEATHS = "jhu/time_series_covid19_deaths_global.csv"
CONFIRMED = "jhu/time_series_covid19_confirmed_global.csv"


def _by_area(parsed: Parsed) -> dict[AreaRef, list[tuple[dt.date, int | None]]]:
    series: dict[AreaRef, list[tuple[dt.date, int | None]]] = {}
    for figure in parsed.figures:
        series.setdefault(figure.area, []).append((figure.date, figure.cumulative))
    return series


def test_deaths_file_yields_cumulative_daily_deaths_per_row_and_date(parse_fixture: Callable[..., Parsed]) -> None:
    parsed = parse_fixture(DEATHS)
    assert not parsed.problems.errors
    assert {(f.measure, f.frequency, f.new) for f in parsed.figures} == {(Measure.DEATHS, Frequency.DAILY, None)}
    afghanistan = _by_area(parsed)[AreaRef(code=None, name="Afghanistan")]
    assert afghanistan[0] == (dt.date(2020, 4, 10), 15)
    assert afghanistan[-1] == (dt.date(2020, 4, 20), 36)
    assert len(parsed.figures) == 7 * 11


def test_province_rows_carry_their_country_and_province(parse_fixture: Callable[..., Parsed]) -> None:
    series = _by_area(parse_fixture(DEATHS))
    hubei = series[AreaRef(code=None, name="China", subdivision="Hubei")]
    assert dict(hubei)[dt.date(2020, 4, 17)] == 4512
    assert AreaRef(code=None, name="Denmark", subdivision="Faroe Islands") in series
    assert AreaRef(code=None, name="Denmark") in series


def test_a_falling_cumulative_count_is_passed_on_for_the_service_to_flag(parse_fixture: Callable[..., Parsed]) -> None:
    parsed = parse_fixture(DEATHS)
    queensland = _by_area(parsed)[AreaRef(code=None, name="Australia", subdivision="Queensland")]
    assert [value for _, value in queensland][:2] == [4, 5]
    assert not parsed.problems.errors


def test_ships_olympics_and_repatriated_travellers_pass_through_by_name(parse_fixture: Callable[..., Parsed]) -> None:
    areas = set(_by_area(parse_fixture(CONFIRMED)))
    assert {
        AreaRef(code=None, name="Canada", subdivision="Diamond Princess"),
        AreaRef(code=None, name="Canada", subdivision="Grand Princess"),
        AreaRef(code=None, name="Canada", subdivision="Repatriated Travellers"),
        AreaRef(code=None, name="Diamond Princess"),
        AreaRef(code=None, name="MS Zaandam"),
        AreaRef(code=None, name="Summer Olympics 2020"),
        AreaRef(code=None, name="Winter Olympics 2022"),
        AreaRef(code=None, name="Korea, South"),
    } == areas


def test_measure_comes_from_the_file_name(parse_fixture: Callable[..., Parsed]) -> None:
    assert {f.measure for f in parse_fixture(CONFIRMED).figures} == {Measure.CASES}


def test_a_file_name_without_a_measure_needs_one_given() -> None:
    data = (DATA / DEATHS).read_bytes()
    with pytest.raises(Invalid, match="cannot tell whether this JHU file holds cases or deaths"):
        parse_bytes(data, "jhu.csv")
    assert {f.measure for f in parse_bytes(data, "jhu.csv", measure=Measure.DEATHS).figures} == {Measure.DEATHS}


def test_a_measure_contradicting_the_file_name_is_refused() -> None:
    with pytest.raises(Invalid, match="the file name says deaths but the measure given is cases"):
        parse_bytes((DATA / DEATHS).read_bytes(), "time_series_covid19_deaths_global.csv", measure=Measure.CASES)


def test_recovered_file_is_refused() -> None:
    with pytest.raises(Invalid, match="recovered series is not imported"):
        parse_bytes((DATA / DEATHS).read_bytes(), "time_series_covid19_recovered_global.csv")


def test_four_digit_year_date_columns_are_read() -> None:
    data = b"Province/State,Country/Region,Lat,Long,7/8/2020,7/9/2020\n,Afghanistan,33,65,936,957\n"
    parsed = parse_bytes(data, "time_series_covid19_deaths_global.csv")
    assert [(f.date, f.cumulative) for f in parsed.figures] == [(dt.date(2020, 7, 8), 936), (dt.date(2020, 7, 9), 957)]


def test_bad_cell_skips_its_whole_row_and_names_the_date_column() -> None:
    data = b"Province/State,Country/Region,Lat,Long,4/10/20,4/11/20\n,Afghanistan,33,65,15,x\n,Albania,41,20,23,23\n"
    parsed = parse_bytes(data, "time_series_covid19_deaths_global.csv")
    assert parsed.problem() == ("time_series_covid19_deaths_global.csv", 2, "4/11/20", "x")
    assert {f.area.name for f in parsed.figures} == {"Albania"}


def test_negative_cumulative_is_a_problem() -> None:
    data = b"Province/State,Country/Region,Lat,Long,4/10/20\n,Afghanistan,33,65,-1\n"
    parsed = parse_bytes(data, "time_series_covid19_deaths_global.csv")
    assert parsed.problem() == ("time_series_covid19_deaths_global.csv", 2, "4/10/20", "-1")


def test_future_date_column_is_a_problem_on_the_header_line() -> None:
    data = b"Province/State,Country/Region,Lat,Long,5/30/25,6/9/25\n,Afghanistan,33,65,1,2\n"
    parsed = parse_bytes(data, "time_series_covid19_deaths_global.csv", today=dt.date(2025, 6, 1))
    assert parsed.problem() == ("time_series_covid19_deaths_global.csv", 1, "6/9/25", "6/9/25")
    assert [f.date for f in parsed.figures] == [dt.date(2025, 5, 30)]


def test_us_county_file_is_refused_with_what_to_import_instead() -> None:
    header = b"UID,iso2,iso3,code3,FIPS,Admin2,Province_State,Country_Region,Lat,Long_,Combined_Key,1/22/20\n"
    row = b'84001001,US,USA,840,1001.0,Autauga,Alabama,US,32.53952745,-86.64408227,"Autauga, Alabama, US",0\n'
    with pytest.raises(Invalid, match="US county files are not imported") as caught:
        list(parse_bytes(header + row, "time_series_covid19_deaths_US.csv").figures)
    assert "time_series_covid19_deaths_global.csv" in caught.value.message


def test_jhu_files_are_refused_as_weekly() -> None:
    with pytest.raises(Invalid, match="JHU time series are daily"):
        parse_bytes((DATA / DEATHS).read_bytes(), DEATHS.split("/")[1], frequency=Frequency.WEEKLY)
