import datetime as dt
import math

import pytest

from solidarity.errors import Invalid
from solidarity.reporting.analytics.growth import Basis, doubling_time, growth, growth_rate
from solidarity.reporting.analytics.series import Series
from solidarity.reporting.records import Frequency

MARCH_1 = dt.date(2020, 3, 1)


def doubling_every(days: float, length: int, *, first: float = 100.0) -> Series:
    return Series(MARCH_1, Frequency.DAILY, tuple(first * 2 ** (t / days) for t in range(length)))


def test_cumulative_doubling_every_5_days_gives_a_doubling_time_of_5():
    found = growth(doubling_every(5, 30), window=14)
    assert found is not None
    assert found.doubling_time == pytest.approx(5.0, abs=1e-9)
    assert found.rate == pytest.approx(math.log(2) / 5, abs=1e-12)
    assert (found.start, found.end) == (dt.date(2020, 3, 17), dt.date(2020, 3, 30))


def test_new_counts_doubling_every_5_days_give_5_days_on_their_7_day_average():
    found = growth(doubling_every(5, 30), window=10, basis=Basis.NEW_AVERAGE)
    assert found is not None
    assert found.doubling_time == pytest.approx(5.0, abs=1e-9)


def test_least_squares_fit_matches_a_hand_computed_slope():
    # ln y = 0, 1, 3 at t = 0, 1, 2: slope = sum((t - 1)(y - 4/3)) / sum((t - 1)^2) = 3 / 2.
    assert growth_rate([0, 1, 2], [1, math.e, math.e**3]) == pytest.approx(1.5)


def test_window_ends_on_the_requested_date():
    found = growth(doubling_every(5, 30), window=7, end=dt.date(2020, 3, 10))
    assert found is not None
    assert (found.start, found.end) == (dt.date(2020, 3, 4), dt.date(2020, 3, 10))


def test_falling_counts_have_a_negative_rate_and_no_doubling_time():
    found = growth(doubling_every(-10, 20), window=14)
    assert found is not None
    assert found.rate == pytest.approx(-math.log(2) / 10)
    assert found.doubling_time is None


def test_flat_counts_have_zero_growth_and_no_doubling_time():
    found = growth(Series(MARCH_1, Frequency.DAILY, (50,) * 14))
    assert found is not None
    assert found.rate == pytest.approx(0.0, abs=1e-15)
    assert found.doubling_time is None
    assert doubling_time(0.0) is None


def test_a_zero_count_in_the_window_makes_growth_undefined():
    series = Series(MARCH_1, Frequency.DAILY, (0, 1, 2, 4, 8))
    assert growth(series, window=5) is None
    assert growth(series, window=4) is not None


def test_a_negative_or_missing_count_in_the_window_makes_growth_undefined():
    assert growth(Series(MARCH_1, Frequency.DAILY, (10, -3, 20)), window=3) is None
    assert growth(Series(MARCH_1, Frequency.DAILY, (10, None, 20)), window=3) is None


def test_new_average_is_undefined_until_seven_days_are_known():
    assert growth(doubling_every(5, 7), window=7, basis=Basis.NEW_AVERAGE) is None


def test_fewer_than_two_points_in_the_window_give_no_growth():
    assert growth(Series(MARCH_1, Frequency.DAILY, (10,)), window=7) is None
    assert growth(Series(MARCH_1, Frequency.DAILY, ())) is None


def test_weekly_cumulative_doubling_every_week_gives_7_days():
    weekly = Series(MARCH_1, Frequency.WEEKLY, (100, 200, 400, 800))
    found = growth(weekly, window=28)
    assert found is not None
    assert found.doubling_time == pytest.approx(7.0, abs=1e-9)
    assert (found.start, found.end) == (MARCH_1, dt.date(2020, 3, 22))


def test_a_window_of_one_day_is_refused():
    with pytest.raises(Invalid, match="window"):
        growth(doubling_every(5, 10), window=1)
