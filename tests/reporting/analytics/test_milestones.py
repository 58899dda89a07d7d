import datetime as dt
import itertools

import pytest

from solidarity.errors import Invalid
from solidarity.reporting.analytics.milestones import WUHAN_FIRST_REPORT, Milestone, milestones
from solidarity.reporting.analytics.series import Series
from solidarity.reporting.records import Frequency


def interpolated(checkpoints: list[tuple[dt.date, int]]) -> list[tuple[dt.date, int]]:
    """A daily cumulative series through the checkpoints, straight lines between them."""
    days: list[tuple[dt.date, int]] = []
    for (date_a, value_a), (date_b, value_b) in itertools.pairwise(checkpoints):
        span = (date_b - date_a).days
        days.extend((date_a + dt.timedelta(days=i), value_a + (value_b - value_a) * i // span) for i in range(span))
    days.append(checkpoints[-1])
    return days


# A hand-made world cumulative that crosses 100,000 on 7 March, 200,000 on 18 March and 300,000 on
# 22 March 2020: the crossing dates that make "67 days, then 11 days, then 4 days" true.
WORLD = interpolated(
    [
        (dt.date(2019, 12, 31), 27),
        (dt.date(2020, 3, 6), 97_000),
        (dt.date(2020, 3, 7), 101_000),
        (dt.date(2020, 3, 17), 185_000),
        (dt.date(2020, 3, 18), 200_100),
        (dt.date(2020, 3, 21), 290_000),
        (dt.date(2020, 3, 22), 305_000),
        (dt.date(2020, 3, 25), 420_000),
    ]
)


def test_who_claim_first_100k_took_67_days_then_11_then_4():
    assert milestones(WORLD, count=3) == [
        Milestone(100_000, dt.date(2020, 3, 7), 101_000, days_since_previous=67, days_since_origin=67),
        Milestone(200_000, dt.date(2020, 3, 18), 200_100, days_since_previous=11, days_since_origin=78),
        Milestone(300_000, dt.date(2020, 3, 22), 305_000, days_since_previous=4, days_since_origin=82),
    ]


def test_default_origin_is_the_first_report_from_wuhan():
    assert milestones(WORLD) == milestones(WORLD, origin=dt.date(2019, 12, 31))
    assert milestones(WORLD, origin=WUHAN_FIRST_REPORT + dt.timedelta(days=1))[0].days_since_origin == 66


def test_without_count_every_multiple_reached_is_listed():
    assert [m.milestone for m in milestones(WORLD)] == [100_000, 200_000, 300_000, 400_000]
    assert milestones(WORLD)[-1].date == dt.date(2020, 3, 25)


def test_days_since_origin_is_the_sum_of_days_since_previous():
    found = milestones(WORLD, step=25_000)
    assert [m.days_since_origin for m in found] == list(itertools.accumulate(m.days_since_previous for m in found))


def test_a_day_jumping_over_several_multiples_gives_each_of_them_that_day():
    cumulative = [(dt.date(2020, 1, 1), 50), (dt.date(2020, 1, 2), 350), (dt.date(2020, 1, 5), 420)]
    found = milestones(cumulative, step=100)
    assert [(m.milestone, m.date, m.cumulative, m.days_since_previous) for m in found] == [
        (100, dt.date(2020, 1, 2), 350, 2),
        (200, dt.date(2020, 1, 2), 350, 0),
        (300, dt.date(2020, 1, 2), 350, 0),
        (400, dt.date(2020, 1, 5), 420, 3),
    ]


def test_a_cumulative_that_never_reaches_the_step_has_no_milestones():
    assert milestones([(dt.date(2020, 3, 1), 99_999)]) == []
    assert milestones([]) == []


def test_a_series_starting_above_a_multiple_gives_it_the_first_date_of_the_series():
    found = milestones([(dt.date(2020, 3, 10), 250_000), (dt.date(2020, 3, 12), 300_000)])
    assert [(m.milestone, m.date, m.days_since_previous, m.days_since_origin) for m in found] == [
        (100_000, dt.date(2020, 3, 10), 70, 70),
        (200_000, dt.date(2020, 3, 10), 0, 70),
        (300_000, dt.date(2020, 3, 12), 2, 72),
    ]


def test_a_correction_lowering_the_cumulative_does_not_undo_or_repeat_a_milestone():
    cumulative = [
        (dt.date(2020, 3, 1), 90),
        (dt.date(2020, 3, 2), 120),
        (dt.date(2020, 3, 3), 95),  # corrected down below the multiple it had reached
        (dt.date(2020, 3, 4), 130),
        (dt.date(2020, 3, 5), 210),
    ]
    found = milestones(cumulative, step=100)
    assert [(m.milestone, m.date) for m in found] == [(100, dt.date(2020, 3, 2)), (200, dt.date(2020, 3, 5))]


def test_missing_values_are_skipped_and_pairs_may_come_in_any_order():
    cumulative = [(dt.date(2020, 3, 3), 150), (dt.date(2020, 3, 1), None), (dt.date(2020, 3, 2), 90)]
    assert [(m.milestone, m.date) for m in milestones(cumulative, step=100)] == [(100, dt.date(2020, 3, 3))]


def test_a_weekly_series_dates_milestones_on_the_week_end():
    weekly = Series(dt.date(2020, 3, 8), Frequency.WEEKLY, (40, None, 130))
    found = milestones(weekly, step=100, origin=dt.date(2020, 3, 1))
    assert found == [Milestone(100, dt.date(2020, 3, 22), 130, 21, 21)]


def test_count_stops_after_that_many_milestones():
    assert len(milestones(WORLD, step=10_000, count=5)) == 5


@pytest.mark.parametrize(("step", "count"), [(0, None), (-100, None), (100, 0)])
def test_a_step_or_count_below_one_is_refused(step, count):
    with pytest.raises(Invalid):
        milestones(WORLD, step=step, count=count)
