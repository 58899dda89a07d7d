import datetime as dt
import math

import pytest

from solidarity.errors import Invalid
from solidarity.reporting.analytics.rt import (
    discretised_serial_interval,
    estimate_rt,
    total_infectiousness,
)
from solidarity.reporting.analytics.series import Series, to_weekly
from solidarity.reporting.records import Frequency

MARCH_2 = dt.date(2020, 3, 2)  # a Monday

# EpiEstim's Flu2009 data set (pandemic influenza in a school, 2009) and the output of its
# documented example 3, estimate_R(Flu2009$incidence, method = "parametric_si",
# config = list(t_start = 2:26, t_end = 8:32, mean_si = 2.6, std_si = 1.5)), as saved in
# EpiEstim's tests (tests/testthat/_snaps/estimate_R.md): Mean(R), Quantile.0.025(R), Quantile.0.975(R).
FLU2009_START = dt.date(2009, 4, 27)
FLU2009 = (1, 1, 0, 2, 5, 3, 3, 3, 6, 2, 5, 9, 13, 12, 13, 11, 12, 6, 6, 6, 3, 1, 0, 2, 0, 0, 0, 0, 2, 0, 2, 0)
EPIESTIM_EXAMPLE_3 = [
    (1.7357977, 1.02874370, 2.6247813),
    (1.7491678, 1.10882231, 2.5331192),
    (1.5370581, 0.99470299, 2.1955399),
    (1.4318389, 0.95144658, 2.0088487),
    (1.4227247, 0.97314263, 1.9563365),
    (1.6353733, 1.17863324, 2.1657455),
    (1.6639845, 1.23894574, 2.1507413),
    (1.6161467, 1.23622420, 2.0461979),
    (1.4344239, 1.10938331, 1.8005896),
    (1.4087217, 1.10991245, 1.7426100),
    (1.2479472, 0.98486038, 1.5417063),
    (1.0821477, 0.84971868, 1.3422512),
    (0.9371671, 0.72629165, 1.1745108),
    (0.8196564, 0.62239946, 1.0436503),
    (0.6910352, 0.50592464, 0.9045582),
    (0.5896765, 0.41073132, 0.8004706),
    (0.4992206, 0.32306927, 0.7130887),
    (0.4729631, 0.28475471, 0.7081443),
    (0.4176319, 0.22237137, 0.6734020),
    (0.2978682, 0.11975846, 0.5557145),
    (0.2400880, 0.06541591, 0.5262293),
    (0.4573477, 0.14849956, 0.9367934),
    (0.6734382, 0.21866356, 1.3794155),
    (0.8591897, 0.27897655, 1.7598935),
    (0.9975352, 0.32389696, 2.0432690),
]


def daily(values: tuple[float | int | None, ...], start: dt.date = MARCH_2) -> Series:
    return Series(start, Frequency.DAILY, values)


def wallinga_lipsitch(r: float, si_mean: float = 4.7, si_sd: float = 2.9) -> float:
    """R = 1 / M(-r), with M the moment generating function of the discretised serial interval."""
    weights = discretised_serial_interval(si_mean, si_sd, 400)
    return 1 / sum(w * math.exp(-r * k) for k, w in enumerate(weights))


def test_serial_interval_weights_match_epiestim_for_its_influenza_example():
    printed_by_epiestim = [0.0, 2.331721e-01, 3.585794e-01, 1.981108e-01, 1.033427e-01, 5.290518e-02, 2.682146e-02]
    printed_by_epiestim += [1.351620e-02, 6.783438e-03, 3.394351e-03, 1.694674e-03, 8.445945e-04, 4.203313e-04]
    weights = discretised_serial_interval(2.6, 1.5, len(printed_by_epiestim))
    assert weights == pytest.approx(printed_by_epiestim, rel=1e-6, abs=1e-12)


def test_serial_interval_weights_sum_to_one_and_keep_the_mean():
    weights = discretised_serial_interval(4.7, 2.9, 200)
    assert weights[0] == 0.0
    assert sum(weights) == pytest.approx(1.0, abs=1e-9)
    assert sum(k * w for k, w in enumerate(weights)) == pytest.approx(4.7, abs=1e-6)


@pytest.mark.parametrize(("mean", "sd"), [(1.0, 2.0), (0.5, 1.0), (4.7, 0.0), (4.7, -1.0)])
def test_serial_interval_refuses_a_mean_of_one_day_or_less_or_a_non_positive_sd(mean, sd):
    with pytest.raises(Invalid, match="serial interval"):
        discretised_serial_interval(mean, sd, 10)


def test_total_infectiousness_weights_past_cases_by_the_serial_interval():
    # Λ_3 = w1 I_2 + w2 I_1 + w3 I_0 = 0.5*3 + 0.3*2 + 0.2*1
    assert total_infectiousness([1, 2, 3, 4], [0.0, 0.5, 0.3, 0.2]) == pytest.approx((0.0, 0.5, 1.3, 2.3))


def test_reproduces_epiestim_flu2009_example_with_parametric_serial_interval():
    result = estimate_rt(daily(FLU2009, FLU2009_START), si_mean=2.6, si_sd=1.5)
    assert len(result.estimates) == len(EPIESTIM_EXAMPLE_3)
    first = result.estimates[0]
    assert (first.start, first.end) == (dt.date(2009, 4, 28), dt.date(2009, 5, 4))
    assert result.estimates[-1].end == dt.date(2009, 5, 28)
    for estimate, (mean, lower, upper) in zip(result.estimates, EPIESTIM_EXAMPLE_3, strict=True):
        assert estimate.mean == pytest.approx(mean, rel=1e-6)
        assert estimate.lower == pytest.approx(lower, rel=1e-6)
        assert estimate.upper == pytest.approx(upper, rel=1e-6)


def test_constant_incidence_gives_rt_close_to_one_inside_its_credible_interval():
    result = estimate_rt(daily((100,) * 80))
    last = result.estimates[-1]
    assert last.mean == pytest.approx(1.0, abs=0.005)
    assert last.lower < 1.0 < last.upper
    assert last.upper - last.lower < 0.2


def test_posterior_is_prior_shape_plus_cases_and_prior_rate_plus_infectiousness():
    values = tuple(float(20 + (t % 5)) for t in range(30))
    last = estimate_rt(daily(values)).estimates[-1]
    weights = discretised_serial_interval(4.7, 2.9, 30)
    infectiousness = total_infectiousness(values, weights)
    assert last.shape == pytest.approx(1 + sum(values[-7:]))
    assert last.rate == pytest.approx(1 / 5 + sum(infectiousness[-7:]))
    assert last.mean == pytest.approx(last.shape / last.rate)
    assert last.sd == pytest.approx(math.sqrt(last.shape) / last.rate)


@pytest.mark.parametrize("r", [0.1, 0.03, -0.05])
def test_exponential_incidence_gives_wallinga_lipsitch_rt(r):
    values = tuple(1e6 * math.exp(r * t) for t in range(90))
    last = estimate_rt(daily(values)).estimates[-1]
    assert last.mean == pytest.approx(wallinga_lipsitch(r), rel=1e-4)


def test_serial_interval_is_settable_and_changes_the_estimate():
    values = tuple(1e4 * math.exp(0.1 * t) for t in range(60))
    short = estimate_rt(daily(values), si_mean=2.6, si_sd=1.5).estimates[-1]
    long = estimate_rt(daily(values), si_mean=8.4, si_sd=3.8).estimates[-1]
    assert short.mean == pytest.approx(wallinga_lipsitch(0.1, 2.6, 1.5), rel=1e-4)
    assert long.mean == pytest.approx(wallinga_lipsitch(0.1, 8.4, 3.8), rel=1e-4)
    assert long.mean > short.mean


def test_estimation_starts_when_the_window_is_full_and_12_cases_have_been_seen():
    values = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 3, 3, 3, 3, 3, 3)
    result = estimate_rt(daily(values))
    # Cumulative incidence reaches 12 on the 14th day (index 13); the window is full long before.
    assert result.estimates[0].end == MARCH_2 + dt.timedelta(days=13)
    assert estimate_rt(daily((5,) * 7)).estimates == ()
    assert estimate_rt(daily((5,) * 8)).estimates[0].start == MARCH_2 + dt.timedelta(days=1)


def test_a_longer_window_starts_later_and_narrows_the_interval():
    values = (50,) * 40
    week = estimate_rt(daily(values), window=7)
    fortnight = estimate_rt(daily(values), window=14)
    assert fortnight.estimates[0].end == week.estimates[0].end + dt.timedelta(days=7)
    last_week, last_fortnight = week.estimates[-1], fortnight.estimates[-1]
    assert last_fortnight.upper - last_fortnight.lower < last_week.upper - last_week.lower


def test_negative_correction_counts_as_zero_and_is_flagged_not_fatal():
    values = tuple([40] * 20 + [-15] + [40] * 20)
    result = estimate_rt(daily(values))
    zeroed = estimate_rt(daily(tuple(0 if v < 0 else v for v in values)))
    correction_day = MARCH_2 + dt.timedelta(days=20)
    assert result.negative_dates == (correction_day,)
    assert [e.mean for e in result.estimates] == [e.mean for e in zeroed.estimates]
    flagged = [e for e in result.estimates if e.is_adjusted]
    assert flagged
    assert all(e.start <= correction_day <= e.end for e in flagged)
    assert not any(e.start <= correction_day <= e.end for e in result.estimates if not e.is_adjusted)


def test_missing_days_count_as_zero_and_are_listed():
    values: tuple[int | None, ...] = (30,) * 15 + (None,) + (30,) * 15
    result = estimate_rt(daily(values))
    assert result.missing_dates == (MARCH_2 + dt.timedelta(days=15),)
    assert any(e.is_adjusted for e in result.estimates)


def test_weekly_constant_incidence_gives_rt_close_to_one_on_week_ends():
    result = estimate_rt(Series(dt.date(2020, 3, 8), Frequency.WEEKLY, (700,) * 15))
    assert all(e.end.isoweekday() == 7 and e.start.isoweekday() == 1 for e in result.estimates)
    assert result.estimates[0].end == dt.date(2020, 3, 15)
    last = result.estimates[-1]
    assert last.mean == pytest.approx(1.0, abs=0.005)
    assert last.lower < 1.0 < last.upper
    assert last.shape == pytest.approx(1 + 700)


def test_weekly_growing_incidence_is_close_to_the_daily_estimate():
    r = 0.05
    epidemic = daily(tuple(1e4 * math.exp(r * t) for t in range(140)))
    weekly = estimate_rt(to_weekly(epidemic)).estimates[-1]
    assert weekly.mean == pytest.approx(wallinga_lipsitch(r), rel=0.02)


def test_weekly_window_must_be_whole_weeks():
    weekly = Series(dt.date(2020, 3, 8), Frequency.WEEKLY, (700,) * 6)
    assert estimate_rt(weekly, window=14).estimates[0].start.isoweekday() == 1
    with pytest.raises(Invalid, match="multiple of 7"):
        estimate_rt(weekly, window=10)


def test_bad_window_or_prior_is_refused():
    with pytest.raises(Invalid, match="window"):
        estimate_rt(daily((1,) * 10), window=0)
    with pytest.raises(Invalid, match="prior"):
        estimate_rt(daily((1,) * 10), prior_sd=0)


def test_empty_series_has_no_estimates():
    result = estimate_rt(Series(MARCH_2, Frequency.DAILY, ()))
    assert result.estimates == ()
    assert (result.si_mean, result.si_sd, result.window) == (4.7, 2.9, 7)


def test_windows_with_fewer_than_12_cases_are_marked_unreliable():
    # 20 days of 10 cases, 10 days of none, then 5 cases on the last day (index 30).
    values = (10,) * 20 + (0,) * 10 + (5,)
    by_end = {(e.end - MARCH_2).days: e for e in estimate_rt(daily(values)).estimates}
    # Window 13..19: 70 cases.
    assert by_end[19].window_cases == 70
    assert by_end[19].is_reliable
    # Window 18..24: days 18 and 19, 20 cases; window 19..25: day 19 only, 10 cases.
    assert by_end[24].window_cases == 20
    assert by_end[24].is_reliable
    assert by_end[25].window_cases == 10
    assert not by_end[25].is_reliable
    # Windows of no cases at all, then the 5 cases of the last day: Rt is large and unreliable.
    assert by_end[27].window_cases == 0
    assert not by_end[27].is_reliable
    last = by_end[30]
    assert last.window_cases == 5
    assert not last.is_reliable
    assert last.shape == pytest.approx(1 + 5)
    assert [e.is_reliable for e in by_end.values()] == [e.window_cases >= 12 for e in by_end.values()]


def test_posterior_coefficient_of_variation_above_the_limit_is_unreliable():
    # A vague prior (shape (5/50)² = 0.01): the posterior CV is 1 / sqrt(0.01 + cases in the window).
    values = (2,) * 30
    week = estimate_rt(daily(values), prior_sd=50, max_cv=0.25).estimates[-1]
    assert week.window_cases == 14  # at least 12 cases, but
    assert week.cv == pytest.approx(1 / math.sqrt(14.01))  # 0.267 > 0.25
    assert not week.is_reliable
    eight_days = estimate_rt(daily(values), window=8, prior_sd=50, max_cv=0.25).estimates[-1]
    assert eight_days.window_cases == 16
    assert eight_days.cv == pytest.approx(1 / math.sqrt(16.01))
    assert eight_days.is_reliable
    # EpiEstim's default limit, 0.3, lets the 14-case week through.
    assert estimate_rt(daily(values), prior_sd=50).estimates[-1].is_reliable


def test_weekly_windows_count_the_cases_of_their_weeks():
    result = estimate_rt(Series(dt.date(2020, 3, 8), Frequency.WEEKLY, (700, 700, 700, 7, 700)))
    by_end = {e.end: e for e in result.estimates}
    assert by_end[dt.date(2020, 3, 22)].window_cases == pytest.approx(700)
    assert by_end[dt.date(2020, 3, 22)].is_reliable
    quiet = by_end[dt.date(2020, 3, 29)]
    assert quiet.window_cases == pytest.approx(7)
    assert not quiet.is_reliable
