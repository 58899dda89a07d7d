from __future__ import annotations

import datetime as dt
import io
import itertools

import pytest

from solidarity.errors import Invalid
from solidarity.imports import OnError, Problems
from solidarity.reporting.formats import parse
from solidarity.reporting.records import Frequency, SourceFormat

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
    figures = parse(stream, "who.csv", Problems("who.csv"))
    first = list(itertools.islice(figures, 10))
    assert first[0].line == 2
    assert stream.bytes_read < len(data) / 2


def test_line_numbers_stay_right_across_the_bytes_read_for_detection() -> None:
    data = _who_rows(5_000)
    figures = list(parse(io.BytesIO(data), "who.csv", Problems("who.csv")))
    assert len(data) > 65536
    assert [f.line for f in figures[::2]] == list(range(2, 5_002))
    assert figures[-2].cumulative == 5_000


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
    figures = list(parse(io.BytesIO(data), "upload.bin", Problems("upload.bin"), format=SourceFormat.WHO))
    assert {f.frequency for f in figures} == {Frequency.WEEKLY}


def test_json_records_are_not_a_file_format() -> None:
    with pytest.raises(Invalid, match="records submitted as JSON go through the API"):
        parse(io.BytesIO(b"[]"), "records.json", Problems("records.json"), format=SourceFormat.JSON)


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(Invalid, match="is empty"):
        list(parse(io.BytesIO(b""), "who.csv", Problems("who.csv"), format=SourceFormat.WHO))
