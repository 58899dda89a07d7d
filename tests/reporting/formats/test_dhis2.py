from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest

from solidarity.errors import Invalid
from solidarity.reporting.formats import Dhis2Mapping, parse_period
from solidarity.reporting.records import AreaRef, Frequency, Measure

from .conftest import Parsed, parse_bytes

MAPPING = Dhis2Mapping(
    data_elements={"f7n9E0hX8qk": (Measure.CASES, "new"), "eY5ehpbEsB7": (Measure.DEATHS, "new")},
    org_units={"DiszpKrYNg8": "SL"},
)


def _value(**fields: str) -> dict[str, str]:
    return {"dataElement": "f7n9E0hX8qk", "period": "20200311", "orgUnit": "DiszpKrYNg8", "value": "1", **fields}


def _dhis2(document: object, **options: object) -> Parsed:
    options.setdefault("dhis2_mapping", MAPPING)
    return parse_bytes(json.dumps(document).encode(), "dataValueSets.json", **options)


def test_daily_periods_map_to_measures_and_areas(parse_fixture: Callable[..., Parsed]) -> None:
    parsed = parse_fixture("dhis2/dataValueSets-daily.json", dhis2_mapping=MAPPING)
    assert [(f.line, f.area, f.date, f.frequency, f.measure, f.new, f.cumulative) for f in parsed.figures] == [
        (1, AreaRef(code="SL", name=None), dt.date(2020, 3, 14), Frequency.DAILY, Measure.CASES, 12, None),
        (2, AreaRef(code="SL", name=None), dt.date(2020, 3, 15), Frequency.DAILY, Measure.CASES, 14, None),
        (4, AreaRef(code="SL", name=None), dt.date(2020, 3, 15), Frequency.DAILY, Measure.DEATHS, 3, None),
    ]


def test_unmapped_data_element_is_skipped_with_a_warning(parse_fixture: Callable[..., Parsed]) -> None:
    parsed = parse_fixture("dhis2/dataValueSets-daily.json", dhis2_mapping=MAPPING)
    (warning,) = parsed.problems.warnings
    assert (warning.field, warning.value) == ("dataElement", "Ix2HsbDMLea")
    assert not parsed.problems.errors


def test_weekly_period_is_dated_on_its_sunday_and_summed_over_category_combos(
    parse_fixture: Callable[..., Parsed],
) -> None:
    parsed = parse_fixture("dhis2/dataValueSets-weekly.json", dhis2_mapping=MAPPING)
    (figure,) = parsed.figures
    assert (figure.date, figure.frequency, figure.new) == (dt.date(2020, 3, 15), Frequency.WEEKLY, 7 + 5)


def test_unmapped_org_unit_is_a_problem(parse_fixture: Callable[..., Parsed]) -> None:
    parsed = parse_fixture("dhis2/dataValueSets-weekly.json", dhis2_mapping=MAPPING)
    assert parsed.problem() == ("dataValueSets-weekly.json", 4, "orgUnit", "FNnj3jKGS7i")


def test_period_and_org_unit_default_to_the_sets() -> None:
    parsed = _dhis2(
        {
            "period": "20200311",
            "orgUnit": "DiszpKrYNg8",
            "dataValues": [
                {"dataElement": "f7n9E0hX8qk", "value": 4},
            ],
        }
    )
    assert [(f.date, f.new) for f in parsed.figures] == [(dt.date(2020, 3, 11), 4)]


def test_new_and_cumulative_elements_join_in_one_figure() -> None:
    mapping = Dhis2Mapping(
        data_elements={"new": (Measure.CASES, "new"), "total": (Measure.CASES, "cumulative")},
        org_units={"ou": "NA"},
    )
    parsed = _dhis2(
        {
            "orgUnit": "ou",
            "period": "2020W11",
            "dataValues": [
                {"dataElement": "new", "value": "5"},
                {"dataElement": "total", "value": "20"},
            ],
        },
        dhis2_mapping=mapping,
    )
    assert [(f.area.code, f.new, f.cumulative) for f in parsed.figures] == [("NA", 5, 20)]


def test_monthly_period_is_refused_as_a_problem() -> None:
    parsed = _dhis2(
        {"dataValues": [{"dataElement": "f7n9E0hX8qk", "period": "202003", "orgUnit": "DiszpKrYNg8", "value": "1"}]}
    )
    assert parsed.problem() == ("dataValueSets.json", 1, "period", "202003")
    assert "a period of a month is not read" in parsed.problems.errors[0].reason


def test_non_numeric_value_is_a_problem() -> None:
    parsed = _dhis2(
        {
            "dataValues": [
                {"dataElement": "f7n9E0hX8qk", "period": "20200311", "orgUnit": "DiszpKrYNg8", "value": "twelve"}
            ]
        }
    )
    assert parsed.problem() == ("dataValueSets.json", 1, "value", "twelve")


def test_future_period_is_a_problem() -> None:
    parsed = _dhis2(
        {"dataValues": [_value(period="2025W30")]},
        today=dt.date(2025, 6, 1),
    )
    assert parsed.problem() == ("dataValueSets.json", 1, "period", "2025W30")


def test_deeply_nested_json_is_refused_before_parsing() -> None:
    data = b'{"dataValues": ' + b"[" * 50 + b"]" * 50 + b"}"
    with pytest.raises(Invalid, match="nests deeper than 8 levels"):
        parse_bytes(data, "dataValueSets.json", dhis2_mapping=MAPPING)


def test_broken_json_is_refused_with_its_line() -> None:
    with pytest.raises(Invalid, match="not valid JSON") as caught:
        parse_bytes(b'{"dataValues": [\n{"dataElement": }]}', "dataValueSets.json", dhis2_mapping=MAPPING)
    assert caught.value.details[0]["line"] == 2


def test_a_dhis2_file_needs_a_mapping() -> None:
    with pytest.raises(Invalid, match="read through its source's mapping"):
        parse_bytes(b'{"dataValues": []}', "dataValueSets.json")


@pytest.mark.parametrize(
    ("period", "date"),
    [("2020W1", dt.date(2020, 1, 5)), ("2020W53", dt.date(2021, 1, 3)), ("2021W01", dt.date(2021, 1, 10))],
)
def test_iso_weeks_end_on_sunday(period: str, date: dt.date) -> None:
    assert parse_period(period) == (date, Frequency.WEEKLY)


def test_a_week_the_year_does_not_have_is_refused() -> None:
    with pytest.raises(ValueError, match="2021 has no ISO week 53"):
        parse_period("2021W53")
