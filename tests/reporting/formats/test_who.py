from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pytest

from solidarity.errors import Invalid
from solidarity.imports import OnError
from solidarity.reporting.formats import who
from solidarity.reporting.records import AreaRef, Frequency, Measure

from .conftest import DATA, Parsed, parse_bytes

HEADER = "Date_reported,Country_code,Country,WHO_region,New_cases,Cumulative_cases,New_deaths,Cumulative_deaths\n"
DAILY = "who/WHO-COVID-19-global-daily-data.csv"
WEEKLY = "who/WHO-COVID-19-global-data.csv"


def _who(rows: str, mode: OnError = OnError.ERROR_ALL, **options: object) -> Parsed:
    return parse_bytes((HEADER + rows).encode(), "who.csv", mode, **options)


def test_daily_file_with_bom_and_crlf_yields_cases_and_deaths_per_row(parse_fixture: Callable[..., Parsed]) -> None:
    parsed = parse_fixture(DAILY)
    assert not parsed.problems.errors
    first, second = parsed.figures[:2]
    assert first.line == second.line == 2
    assert first.area == AreaRef(code="JP", name="Japan")
    assert first.date == dt.date(2020, 9, 1)
    assert first.frequency is Frequency.DAILY
    assert (first.measure, first.new, first.cumulative) == (Measure.CASES, 527, 68392)
    assert (second.measure, second.new, second.cumulative) == (Measure.DEATHS, 17, 1296)
    assert len(parsed.figures) == 2 * 14


def test_file_without_bom_and_with_lf_reads_the_same() -> None:
    with_bom = (DATA / DAILY).read_bytes()
    plain = with_bom.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
    assert parse_bytes(plain, "who.csv").figures == parse_bytes(with_bom, "who.csv").figures


def test_timestamped_dates_read_as_days(parse_fixture: Callable[..., Parsed]) -> None:
    parsed = parse_fixture("who/who-timestamped-dates.csv")
    assert [f.date for f in parsed.figures[::2]] == [dt.date(2020, 9, 5), dt.date(2020, 9, 6), dt.date(2020, 9, 7)]


def test_namibia_na_stays_the_code_na(parse_fixture: Callable[..., Parsed]) -> None:
    namibia = [f for f in parse_fixture(DAILY).figures if f.area.name == "Namibia"]
    assert namibia
    assert {f.area.code for f in namibia} == {"NA"}


def test_kosovo_keeps_xk_and_its_quoted_long_name(parse_fixture: Callable[..., Parsed]) -> None:
    kosovo = [f for f in parse_fixture(DAILY).figures if f.area.code == "XK"]
    assert kosovo[0].area.name == "Kosovo (in accordance with UN Security Council resolution 1244 (1999))"


def test_other_row_with_a_blank_code_is_kept_by_name(parse_fixture: Callable[..., Parsed]) -> None:
    other = [f for f in parse_fixture(DAILY).figures if f.area.name == "Other"]
    assert other[0].area == AreaRef(code=None, name="Other")
    assert (other[0].measure, other[0].cumulative) == (Measure.CASES, 696)


def test_names_with_replacement_characters_pass_through_untouched(parse_fixture: Callable[..., Parsed]) -> None:
    curacao = [f for f in parse_fixture(DAILY).figures if f.area.code == "CW"]
    assert curacao[0].area.name == "Cura\ufffdao"


def test_blank_new_count_is_none_not_zero(parse_fixture: Callable[..., Parsed]) -> None:
    first_namibia = next(f for f in parse_fixture(DAILY).figures if f.area.code == "NA")
    assert (first_namibia.date, first_namibia.new, first_namibia.cumulative) == (dt.date(2020, 3, 13), None, 0)


def test_negative_new_count_is_accepted_as_a_correction(parse_fixture: Callable[..., Parsed]) -> None:
    parsed = parse_fixture(DAILY)
    correction = next(f for f in parsed.figures if f.area.code == "NA" and f.date == dt.date(2020, 3, 16))
    assert (correction.new, correction.cumulative) == (-1, 2)
    assert not parsed.problems.errors


def test_non_numeric_cumulative_is_a_problem_naming_line_field_and_value() -> None:
    parsed = _who("2020-03-14,NA,Namibia,AFRO,2,2,0,0\n2020-03-15,NA,Namibia,AFRO,1,three,0,0\n")
    assert parsed.problem() == ("who.csv", 3, "Cumulative_cases", "three")
    assert "not a number" in parsed.problems.errors[0].reason
    assert [f.line for f in parsed.figures] == [2, 2]


def test_negative_cumulative_is_a_problem() -> None:
    parsed = _who("2020-03-14,NA,Namibia,AFRO,2,2,0,-1\n")
    assert parsed.problem() == ("who.csv", 2, "Cumulative_deaths", "-1")
    assert parsed.figures == []


def test_error_first_mode_stops_at_the_first_problem() -> None:
    with pytest.raises(Invalid, match=re.escape("who.csv, line 2, field New_deaths, value 'x'")):
        _who("2020-03-14,NA,Namibia,AFRO,2,2,x,0\n", OnError.ERROR_FIRST)


def test_skip_mode_keeps_the_good_rows_and_lists_the_bad() -> None:
    parsed = _who(
        "2020-03-14,NA,Namibia,AFRO,2,2,0,0\n2020-03-15,NA,Namibia,AFRO,1,3,0,oops\n2020-03-16,NA,Namibia,AFRO,0,3,0,0\n",
        OnError.SKIP,
    )
    assert sorted({f.line for f in parsed.figures}) == [2, 4]
    assert parsed.problem() == ("who.csv", 3, "Cumulative_deaths", "oops")


def test_date_in_the_future_is_a_problem() -> None:
    parsed = _who("2025-06-09,NA,Namibia,AFRO,2,2,0,0\n", today=dt.date(2025, 6, 1))
    assert parsed.problem() == ("who.csv", 2, "Date_reported", "2025-06-09")
    assert "in the future" in parsed.problems.errors[0].reason


def test_a_date_that_is_no_date_is_a_problem() -> None:
    parsed = _who("14/03/2020,NA,Namibia,AFRO,2,2,0,0\n")
    assert parsed.problem() == ("who.csv", 2, "Date_reported", "14/03/2020")


def test_truncated_last_line_is_a_problem_naming_the_line() -> None:
    data = (DATA / DAILY).read_bytes()
    cut = data[: data.rindex(b",AMRO,") + 7]
    parsed = parse_bytes(cut, "WHO-COVID-19-global-daily-data.csv")
    assert parsed.problem() == ("WHO-COVID-19-global-daily-data.csv", 15, "Cumulative_cases", "0")
    assert "cut short" in parsed.problems.errors[0].reason
    assert max(f.line for f in parsed.figures) == 14


def test_quote_left_open_at_the_end_is_a_problem_naming_the_line() -> None:
    parsed = _who('2020-03-14,NA,Namibia,AFRO,2,2,0,0\n2020-03-15,XK,"Kosovo (in accordance with UN Sec')
    assert parsed.problem() == ("who.csv", 3, "Country", "Kosovo (in accordance with UN Sec")
    assert "quote" in parsed.problems.errors[0].reason


def test_latin1_file_is_a_problem_per_line_not_a_decode_error() -> None:
    text = (DATA / DAILY).read_bytes().decode("utf-8-sig").replace("Cura\ufffdao", "Curaçao")
    parsed = parse_bytes(text.encode("latin-1"), "WHO-COVID-19-global-daily-data.csv")
    assert parsed.problem() == ("WHO-COVID-19-global-daily-data.csv", 14, "Country", "Curaçao")
    assert "not UTF-8" in parsed.problems.errors[0].reason
    assert parsed.problem(1)[:3] == ("WHO-COVID-19-global-daily-data.csv", 15, "Country")
    assert len(parsed.figures) == 2 * 12


def test_utf16_file_is_refused_naming_the_file() -> None:
    data = (DATA / WEEKLY).read_text(encoding="utf-8").encode("utf-16")
    with pytest.raises(Invalid, match=r"^WHO-COVID-19-global-data\.csv is UTF-16 text, not UTF-8"):
        parse_bytes(data, "WHO-COVID-19-global-data.csv")


def test_weekly_file_is_told_from_its_seven_day_steps(parse_fixture: Callable[..., Parsed]) -> None:
    parsed = parse_fixture(WEEKLY)
    assert {f.frequency for f in parsed.figures} == {Frequency.WEEKLY}
    assert parsed.figures[0].date == dt.date(2020, 3, 1)
    assert parsed.figures[0].date.isoweekday() == 7


def test_weekly_file_imported_as_daily_is_refused(parse_fixture: Callable[..., Parsed]) -> None:
    with pytest.raises(Invalid, match=r"this is a weekly file .* but it was imported as daily"):
        parse_fixture(WEEKLY, frequency=Frequency.DAILY)


def test_daily_file_imported_as_weekly_is_refused(parse_fixture: Callable[..., Parsed]) -> None:
    with pytest.raises(Invalid, match=r"this is a daily file .* but it was imported as weekly"):
        parse_fixture(DAILY, frequency=Frequency.WEEKLY)


def test_row_of_a_weekly_file_off_the_weekly_step_is_a_problem() -> None:
    rows = "".join(f"2020-03-{day:02},AF,Afghanistan,EMRO,1,{day},,0\n" for day in (1, 8, 15, 22))
    parsed = _who(rows + "2020-03-25,AF,Afghanistan,EMRO,1,30,,0\n")
    assert {f.frequency for f in parsed.figures} == {Frequency.WEEKLY}
    assert parsed.problem() == ("who.csv", 6, "Date_reported", "2020-03-25")


def test_one_sunday_per_area_needs_the_frequency_to_be_given() -> None:
    rows = "2020-03-01,AF,Afghanistan,EMRO,1,1,,0\n2020-03-01,AL,Albania,EURO,,0,,0\n"
    with pytest.raises(Invalid, match="cannot tell whether this file is daily or weekly"):
        _who(rows)
    assert {f.frequency for f in _who(rows, frequency=Frequency.WEEKLY).figures} == {Frequency.WEEKLY}


def test_a_single_weekday_date_is_read_as_daily() -> None:
    parsed = _who("2020-03-04,AF,Afghanistan,EMRO,1,1,,0\n")
    assert parsed.figures[0].frequency is Frequency.DAILY


def test_missing_header_column_is_refused() -> None:
    from solidarity.imports import Problems
    from solidarity.reporting.formats import parse_who

    data = HEADER.replace(",Cumulative_deaths", "").encode()
    import io

    with pytest.raises(Invalid, match="the WHO header lacks Cumulative_deaths"):
        list(parse_who(io.BytesIO(data), Problems("who.csv")))


def _fields(texts: list[str]) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """A line of ``texts`` as the byte reader sees it: its bytes and each field's start and end."""
    data = (",".join(texts) + "\n").encode()
    ends = np.cumsum([len(text.encode()) + 1 for text in texts]) - 1
    return np.frombuffer(data, dtype=np.uint8), ends - [len(text.encode()) for text in texts], ends


@pytest.mark.parametrize(
    "text",
    ["2020-01-01", "2000-02-29", "2024-02-29", "0001-01-01", "9999-12-31", "1543-12-28", "1900-02-29", "2023-02-29",
     "2020-04-31", "2020-13-01", "2020-00-10", "2020-01-00", "2020-01-32", "0000-01-01", "2020/01/01", "+020-01-01",
     "2020-01-1 ", " 2020-0101", "2020-1-1", "2020-01-01T00:00"],
)  # fmt: skip
def test_the_byte_reader_takes_exactly_the_dates_python_reads_as_yyyy_mm_dd(text: str) -> None:
    # A date the byte reader does not take sends its block to the text path, which reports it.
    try:
        expected = dt.date.fromisoformat(text).toordinal() if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        expected = None
    read = who._dates(*_fields([text, "2020-01-01"]))
    assert (None if read is None else int(read[0])) == expected


def test_the_byte_reader_reads_counts_as_int_does_or_not_at_all() -> None:
    rng = random.Random(3)
    texts = [str(rng.randint(-(10 ** rng.randint(1, 16)), 10 ** rng.randint(1, 16))) for _ in range(5_000)]
    texts += ["007", "-0", "00", "0", "", "123456789012345678", "-12345678901234567"]  # up to 18 characters
    read = who._integers(*_fields(texts))
    assert read is not None
    values, blank = read
    assert values.tolist() == [int(text) if text else 0 for text in texts]
    assert blank is not None
    assert np.flatnonzero(blank).tolist() == [texts.index("")]
    for odd in ("-", "+5", " 7", "1_000", "5-", "--1", "1.5", "1234567890123456789"):
        assert who._integers(*_fields(["1", odd, "2"])) is None, odd
