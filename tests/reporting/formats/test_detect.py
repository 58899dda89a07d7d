from __future__ import annotations

import pytest

from solidarity.errors import Invalid
from solidarity.reporting.formats import detect_format
from solidarity.reporting.records import SourceFormat

from .conftest import DATA


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("who/WHO-COVID-19-global-daily-data.csv", SourceFormat.WHO),
        ("who/WHO-COVID-19-global-data.csv", SourceFormat.WHO),
        ("who/who-timestamped-dates.csv", SourceFormat.WHO),
        ("jhu/time_series_covid19_deaths_global.csv", SourceFormat.JHU),
        ("jhu/time_series_covid19_confirmed_global.csv", SourceFormat.JHU),
        ("owid/owid-covid-data.csv", SourceFormat.OWID),
        ("dhis2/dataValueSets-daily.json", SourceFormat.DHIS2),
        ("dhis2/dataValueSets-weekly.json", SourceFormat.DHIS2),
    ],
)
def test_detect_format_recognises_each_published_file(relative: str, expected: SourceFormat) -> None:
    path = DATA / relative
    assert detect_format(path.read_bytes()[:65536], path.name) is expected


def test_detect_format_reads_a_quoted_header_with_bom_and_crlf() -> None:
    header = b'\xef\xbb\xbf"Date_reported","Country_code","Country","WHO_region","New_cases",' + (
        b'"Cumulative_cases","New_deaths","Cumulative_deaths"\r\n'
    )
    assert detect_format(header, "who.csv") is SourceFormat.WHO


def test_detect_format_accepts_the_us_time_series_header_as_jhu() -> None:
    header = "UID,iso2,iso3,code3,FIPS,Admin2,Province_State,Country_Region,Lat,Long_,Combined_Key,1/22/20"
    assert detect_format(header, "time_series_covid19_deaths_US.csv") is SourceFormat.JHU


def test_unknown_format_names_the_file_the_header_and_what_each_format_expects() -> None:
    with pytest.raises(Invalid) as caught:
        detect_format(b"dateRep,day,month,year,cases,deaths,countriesAndTerritories\n", "ecdc.csv")
    message = caught.value.message
    assert message.startswith("ecdc.csv is in none of the formats")
    assert "'dateRep,day,month,year,cases,deaths,countriesAndTerritories'" in message
    assert "Date_reported,Country_code,Country,WHO_region,New_cases,Cumulative_cases,New_deaths" in message
    assert "Province/State,Country/Region,Lat,Long" in message
    assert "iso_code,location,date" in message
    assert "dataValues" in message
    formats = [detail.get("format") for detail in caught.value.details[1:]]
    assert formats == ["who", "jhu", "owid", "dhis2"]


def test_json_without_data_values_is_not_taken_for_dhis2() -> None:
    with pytest.raises(Invalid, match="a JSON document without a top-level dataValues list"):
        detect_format(b'{"organisationUnits": []}', "metadata.json")


@pytest.mark.parametrize(
    ("head", "reason"),
    [
        ("Date_reported,Country_code".encode("utf-16"), "is UTF-16 text"),
        (b"\x1f\x8b\x08\x00", "is gzip-compressed"),
        (b"PK\x03\x04", "is a ZIP archive or an Excel workbook"),
    ],
)
def test_files_that_are_not_text_are_refused_by_name(head: bytes, reason: str) -> None:
    with pytest.raises(Invalid, match=f"^owid-covid-data.csv {reason}"):
        detect_format(head, "owid-covid-data.csv")


def test_utf16_without_a_bom_is_told_from_its_alternating_zeros() -> None:
    head = "Date_reported,Country_code,Country\n2020-01-03,NA,Namibia\n".encode("utf-16-le")
    with pytest.raises(Invalid, match=r"^who\.csv is UTF-16 text, not UTF-8"):
        detect_format(head, "who.csv")
    with pytest.raises(Invalid, match=r"^who\.csv is UTF-16 text, not UTF-8"):
        detect_format("Date_reported,Country_code".encode("utf-16-be"), "who.csv")


def test_a_png_renamed_csv_is_a_binary_file_naming_the_offset_of_its_first_zero() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00\x5c\x72\xa8"
    with pytest.raises(Invalid) as caught:
        detect_format(png, "chart.csv")
    assert caught.value.message.startswith("chart.csv is a binary file, not text (a zero byte at byte offset 8)")
    assert "UTF-16" not in caught.value.message
    assert caught.value.details[0]["file"] == "chart.csv"
    assert caught.value.details[0]["value"] == 8


def test_csv_text_with_one_stray_zero_byte_is_binary_not_utf16() -> None:
    head = b"Date_reported,Country_code,Country\n2020-01-03,NA,Nam\x00ibia\n"
    with pytest.raises(Invalid, match=r"^who\.csv is a binary file, not text \(a zero byte at byte offset 52\)"):
        detect_format(head, "who.csv")
