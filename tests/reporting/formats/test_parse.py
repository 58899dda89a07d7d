from __future__ import annotations

import datetime as dt
import io
import itertools

import pytest

from solidarity.errors import Invalid
from solidarity.imports import OnError, Problems
from solidarity.reporting.formats import parse
from solidarity.reporting.records import Frequency, Measure, SourceFormat, one_by_one

from .conftest import DATA

HEADER = b"Date_reported,Country_code,Country,WHO_region,New_cases,Cumulative_cases,New_deaths,Cumulative_deaths\n"


class _CountingStream(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data


def _who_rows(days: int) -> bytes:
    start = dt.date(2005, 1, 1)
    lines = [f"{start + dt.timedelta(days=n)},NA,Namibia,AFRO,1,{n + 1},0,0\n".encode() for n in range(days)]
    return HEADER + b"".join(lines)


def test_parse_streams_instead_of_reading_the_whole_file() -> None:
    data = _who_rows(20_000)
    stream = _CountingStream(data)
    figures = one_by_one(parse(stream, "who.csv", Problems("who.csv")))
    first = list(itertools.islice(figures, 10))
    assert first[0].line == 2
    assert stream.bytes_read < len(data) / 2


def test_line_numbers_stay_right_across_the_bytes_read_for_detection() -> None:
    data = _who_rows(5_000)
    figures = list(one_by_one(parse(io.BytesIO(data), "who.csv", Problems("who.csv"))))
    assert len(data) > 65536
    cases = [f for f in figures if f.measure == Measure.CASES]
    assert [f.line for f in cases] == list(range(2, 5_002))
    assert sorted(f.line for f in figures if f.measure == Measure.DEATHS) == list(range(2, 5_002))
    assert cases[-1].cumulative == 5_000


def test_problem_line_is_the_line_a_person_sees_after_crlf_and_bom() -> None:
    data = (
        b"\xef\xbb\xbf"
        + HEADER.replace(b"\n", b"\r\n")
        + (b"2020-03-14,NA,Namibia,AFRO,2,2,0,0\r\n2020-03-15,NA,Namibia,AFRO,1,x,0,0\r\n")
    )
    problems = Problems("who.csv", OnError.ERROR_ALL)
    list(parse(io.BytesIO(data), "who.csv", problems))
    assert (problems.errors[0].line, problems.errors[0].field) == (3, "Cumulative_cases")


def test_unknown_format_is_refused_before_anything_is_read() -> None:
    with pytest.raises(Invalid, match="is in none of the formats"):
        parse(io.BytesIO(b"a,b,c\n1,2,3\n"), "data.csv", Problems("data.csv"))


def test_a_given_format_is_used_without_detection() -> None:
    data = (DATA / "who" / "WHO-COVID-19-global-data.csv").read_bytes()
    figures = list(one_by_one(parse(io.BytesIO(data), "upload.bin", Problems("upload.bin"), format=SourceFormat.WHO)))
    assert {f.frequency for f in figures} == {Frequency.WEEKLY}


def test_json_records_are_not_a_file_format() -> None:
    with pytest.raises(Invalid, match="records submitted as JSON go through the API"):
        parse(io.BytesIO(b"[]"), "records.json", Problems("records.json"), format=SourceFormat.JSON)


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(Invalid, match="is empty"):
        list(parse(io.BytesIO(b""), "who.csv", Problems("who.csv"), format=SourceFormat.WHO))


def _many_areas(areas: int = 20, days: int = 600) -> bytes:
    codes = [
        "NA",
        "FR",
        "DE",
        "KE",
        "JP",
        "BR",
        "IN",
        "ZA",
        "CA",
        "MX",
        "NG",
        "EG",
        "PE",
        "CL",
        "AR",
        "SE",
        "NO",
        "FI",
        "PL",
        "IT",
    ]
    start = dt.date(2015, 1, 1)
    lines = [
        f"{start + dt.timedelta(days=n)},{code},Country {code},AFRO,1,{n + 1},0,0\n".encode()
        for code in codes[:areas]
        for n in range(days)
    ]
    return HEADER + b"".join(lines)


@pytest.mark.parametrize(
    ("bad_line", "field", "reason"),
    [
        (b"2013-01-01,NA,Namibia,AFRO,1,2,0,0,9", None, "fields but the header has"),
        (b"2013-01-01,NA,Namibia,AFRO,1", "Cumulative_cases", "cut short"),
        (b"2013-01-01,NA,Namib\xeda,AFRO,1,1,0,0", "Country", "not UTF-8"),
        (b'2013-01-01,NA,"Namibia,AFRO,1,1,0,0', "Country", "a quote opens"),
    ],
)
def test_a_bad_line_deep_in_a_large_file_is_reported_on_its_line_and_the_rest_is_read(
    bad_line: bytes, field: str | None, reason: str
) -> None:
    # Beyond the first block read at once: the bad line is found, and the lines after it still read.
    lines = _many_areas().split(b"\n")
    position = 9_000  # line 9,001 as a person counts it (the header is line 1)
    lines[position] = bad_line
    data = b"\n".join(lines)
    assert len(b"\n".join(lines[:position])) > 1 << 18
    problems = Problems("who.csv", OnError.ERROR_ALL)
    figures = list(one_by_one(parse(io.BytesIO(data), "who.csv", problems)))
    assert [(e.line, e.field) for e in problems.errors][:1] == [(position + 1, field)]
    assert reason in problems.errors[0].reason
    lines_read = sorted({f.line for f in figures})
    assert lines_read[: position - 1] == list(range(2, position + 1))
    if "quote" not in reason:  # an unclosed quote swallows the lines after it, as in any CSV reader
        assert lines_read == [n for n in range(2, 12_002) if n != position + 1]


def test_crlf_quoted_names_and_a_file_without_final_newline_read_the_same_as_line_by_line() -> None:
    start = dt.date(2000, 1, 1)
    rows = [f'{start + dt.timedelta(days=n)},KR,"Korea, Republic of",WPRO,1,{n + 1},0,0' for n in range(9000)]
    data = HEADER.replace(b"\n", b"\r\n") + "\r\n".join(rows).encode()
    problems = Problems("who.csv", OnError.ERROR_ALL)
    figures = list(one_by_one(parse(io.BytesIO(data), "who.csv", problems)))
    assert not problems.errors
    cases = [f for f in figures if f.measure == Measure.CASES]
    assert [f.line for f in cases] == list(range(2, 9002))
    assert {f.area.name for f in figures} == {"Korea, Republic of"}
    assert cases[-1].cumulative == 9000
