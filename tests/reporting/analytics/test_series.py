import datetime as dt
import random

import pytest

from solidarity.errors import Invalid
from solidarity.reporting.analytics.series import (
    Series,
    cumulative_from_new,
    gaps,
    new_from_cumulative,
    per_100k,
    rolling_average,
    to_weekly,
    total,
)
from solidarity.reporting.records import Frequency

MARCH_1 = dt.date(2020, 3, 1)  # a Sunday


def daily(*values: float | int | None, start: dt.date = MARCH_1) -> Series:
    return Series(start, Frequency.DAILY, tuple(values))


def test_from_pairs_sorts_dates_and_marks_missing_days_as_none():
    series = Series.from_pairs([(dt.date(2020, 3, 4), 9), (MARCH_1, 1), (dt.date(2020, 3, 2), 3)])
    assert series.start == MARCH_1
    assert series.values == (1, 3, None, 9)
    assert series.end == dt.date(2020, 3, 4)
    assert series.value_on(dt.date(2020, 3, 2)) == 3
    assert series.value_on(dt.date(2020, 5, 1)) is None


def test_from_pairs_refuses_a_date_given_twice():
    with pytest.raises(Invalid, match="appears twice"):
        Series.from_pairs([(MARCH_1, 1), (MARCH_1, 2)])


def test_from_pairs_refuses_weekly_dates_that_are_not_whole_weeks_apart():
    with pytest.raises(Invalid, match="whole number of weeks"):
        Series.from_pairs([(MARCH_1, 1), (dt.date(2020, 3, 10), 2)], Frequency.WEEKLY)


def test_empty_pairs_give_an_empty_series_without_an_end():
    series = Series.from_pairs([])
    assert len(series) == 0
    assert series.end is None
    assert series.dates == ()


def test_new_from_cumulative_keeps_negative_corrections_unchanged():
    assert new_from_cumulative(daily(10, 15, 12, 20)).values == (10, 5, -3, 8)


def test_new_from_cumulative_is_missing_on_both_sides_of_a_missing_cumulative():
    assert new_from_cumulative(daily(10, None, 12, 20)).values == (10, None, None, 8)


def test_new_from_cumulative_with_unknown_baseline_leaves_first_day_missing():
    assert new_from_cumulative(daily(10, 15), baseline=None).values == (None, 5)
    assert new_from_cumulative(daily(10, 15), baseline=4).values == (6, 5)


def test_new_from_weekly_cumulative_gives_weekly_new_counts():
    weekly = Series(MARCH_1, Frequency.WEEKLY, (70, 210, 200))
    new = new_from_cumulative(weekly)
    assert new.frequency is Frequency.WEEKLY
    assert new.values == (70, 140, -10)


def test_cumulative_from_new_adds_up_and_stops_at_a_missing_day():
    assert cumulative_from_new(daily(1, 2, -1, 4)).values == (1, 3, 2, 6)
    assert cumulative_from_new(daily(1, None, 4), baseline=10).values == (11, None, None)


def test_new_and_cumulative_round_trip_on_random_series_with_corrections():
    for seed in range(200):
        rng = random.Random(seed)
        length = rng.randint(0, 60)
        baseline = rng.randint(0, 1000)
        new_values = tuple(rng.randint(-50, 500) for _ in range(length))
        frequency = rng.choice([Frequency.DAILY, Frequency.WEEKLY])
        new = Series(MARCH_1 + dt.timedelta(days=rng.randint(0, 400)), frequency, new_values)
        cumulative = cumulative_from_new(new, baseline=baseline)
        assert new_from_cumulative(cumulative, baseline=baseline) == new, seed
        assert cumulative_from_new(new_from_cumulative(cumulative, baseline=baseline), baseline=baseline) == cumulative


def test_total_sums_by_date_over_the_union_of_dates():
    a = daily(1, 2, 3)
    b = daily(10, 20, start=dt.date(2020, 3, 3))
    assert total([a, b]).pairs() == [
        (dt.date(2020, 3, 1), 1),
        (dt.date(2020, 3, 2), 2),
        (dt.date(2020, 3, 3), 13),
        (dt.date(2020, 3, 4), 20),
    ]


def test_total_skips_missing_values_unless_asked_to_propagate_them():
    a = daily(1, None, 3)
    b = daily(10, 20, 30)
    assert total([a, b]).values == (11, 20, 33)
    assert total([a, b], missing="propagate").values == (11, None, 33)
    assert total([daily(None), daily(None)]).values == (None,)


def test_total_keeps_negative_corrections_of_one_area():
    assert total([daily(5, -8), daily(1, 1)]).values == (6, -7)


def test_total_refuses_to_add_daily_and_weekly_series():
    with pytest.raises(Invalid, match="daily and weekly"):
        total([daily(1), Series(MARCH_1, Frequency.WEEKLY, (7,))])


def test_total_of_no_series_is_empty():
    assert len(total([])) == 0


def test_rolling_average_is_trailing_and_missing_until_the_window_is_full():
    series = daily(7, 7, 7, 7, 7, 7, 14, 0)
    averages = rolling_average(series).values
    assert averages[:6] == (None,) * 6
    assert averages[6] == pytest.approx(8.0)
    assert averages[7] == pytest.approx(7.0)


def test_rolling_average_passes_negative_values_through_into_the_mean():
    assert rolling_average(daily(3, -6, 9), 3).values == (None, None, 2.0)


def test_rolling_average_is_missing_when_a_day_in_the_window_is_missing():
    assert rolling_average(daily(1, None, 3, 5), 2).values == (None, None, None, 4.0)


def test_rolling_average_of_weekly_data_is_the_weekly_value_per_day():
    weekly = Series(MARCH_1, Frequency.WEEKLY, (70, 140, None))
    assert rolling_average(weekly).values == (10.0, 20.0, None)
    assert rolling_average(weekly, 14).values == (None, 15.0, None)


def test_rolling_average_of_weekly_data_refuses_a_window_of_part_weeks():
    with pytest.raises(Invalid, match="multiple of 7"):
        rolling_average(Series(MARCH_1, Frequency.WEEKLY, (70,)), 10)


def test_rate_per_100k_divides_by_population():
    assert per_100k(daily(30, None, -5), 1_500_000).values == (2.0, None, pytest.approx(-1 / 3))


def test_rate_per_100k_refuses_a_population_of_zero():
    with pytest.raises(Invalid, match="population"):
        per_100k(daily(1), 0)


def test_gaps_lists_the_missing_dates_inside_the_series():
    series = Series.from_pairs([(MARCH_1, 1), (dt.date(2020, 3, 3), None), (dt.date(2020, 3, 5), 2)])
    assert gaps(series) == (dt.date(2020, 3, 2), dt.date(2020, 3, 3), dt.date(2020, 3, 4))
    assert gaps(daily(1, 2)) == ()


def test_to_weekly_sums_iso_weeks_ending_on_sunday():
    # Monday 2 March to Sunday 15 March 2020: two full ISO weeks.
    series = daily(*range(1, 15), start=dt.date(2020, 3, 2))
    weekly = to_weekly(series)
    assert weekly.frequency is Frequency.WEEKLY
    assert weekly.pairs() == [(dt.date(2020, 3, 8), 28), (dt.date(2020, 3, 15), 77)]
    assert all(date.isoweekday() == 7 for date in weekly.dates)


def test_to_weekly_leaves_part_weeks_and_weeks_with_a_missing_day_missing():
    # Sunday 1 March is the end of a week the series only touches; 9 to 15 March misses a day.
    series = Series.from_pairs([(MARCH_1 + dt.timedelta(days=i), 1) for i in range(15) if i != 10])
    assert to_weekly(series).pairs() == [
        (dt.date(2020, 3, 1), None),
        (dt.date(2020, 3, 8), 7),
        (dt.date(2020, 3, 15), None),
    ]


def test_to_weekly_last_takes_the_sunday_value_of_a_cumulative_series():
    series = daily(*range(10, 24), start=dt.date(2020, 3, 2))
    assert to_weekly(series, how="last").values == (16, 23)


def test_to_weekly_refuses_a_weekly_series():
    with pytest.raises(Invalid, match="only a daily series"):
        to_weekly(Series(MARCH_1, Frequency.WEEKLY, (1,)))


def test_total_refuses_weekly_series_ending_their_weeks_on_different_weekdays():
    sunday_weeks = Series(MARCH_1, Frequency.WEEKLY, (7, 7))
    saturday_weeks = Series(dt.date(2020, 3, 7), Frequency.WEEKLY, (7, 7))
    with pytest.raises(Invalid, match="one weekday"):
        total([sunday_weeks, saturday_weeks])


def test_total_of_weekly_series_adds_matching_weeks():
    a = Series(MARCH_1, Frequency.WEEKLY, (7, 14))
    b = Series(dt.date(2020, 3, 8), Frequency.WEEKLY, (1, 2))
    assert total([a, b]).pairs() == [(MARCH_1, 7), (dt.date(2020, 3, 8), 15), (dt.date(2020, 3, 15), 2)]
