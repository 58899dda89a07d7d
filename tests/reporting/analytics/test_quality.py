import datetime as dt

import pytest

from solidarity.errors import Invalid
from solidarity.reporting.analytics.quality import QualitySummary, summarise_quality
from solidarity.reporting.analytics.series import Series
from solidarity.reporting.records import Frequency

MARCH_1 = dt.date(2020, 3, 1)


def on(day: int) -> dt.date:
    return MARCH_1 + dt.timedelta(days=day - 1)


def test_negative_new_values_are_counted_with_their_dates_and_values():
    new = Series(MARCH_1, Frequency.DAILY, (5, -2, 7, 0, -40))
    summary = summarise_quality(new=new)
    assert summary.negative_new == ((on(2), -2), (on(5), -40))
    assert summary.negative_count == 2
    assert summary.has_issues


def test_cumulative_decreases_are_dated_against_the_previous_known_value():
    cumulative = Series(MARCH_1, Frequency.DAILY, (10, 12, None, 11, 11, 30, 29))
    assert summarise_quality(cumulative=cumulative).cumulative_decreases == (on(4), on(7))


def test_a_gap_is_a_date_with_neither_a_new_nor_a_cumulative_figure():
    new = Series(MARCH_1, Frequency.DAILY, (1, None, None, 4, 5))
    cumulative = Series(MARCH_1, Frequency.DAILY, (1, 1, None, 5, None))
    assert summarise_quality(new=new, cumulative=cumulative).gaps == (on(3),)
    assert summarise_quality(new=new).gaps == (on(2), on(3))


def test_missing_values_before_the_first_or_after_the_last_figure_are_not_gaps():
    new = Series(MARCH_1, Frequency.DAILY, (None, 3, None, 4, None))
    cumulative = Series(MARCH_1, Frequency.DAILY, (None, 3, None, 7, None))
    summary = summarise_quality(new=new, cumulative=cumulative)
    assert summary.gaps == (on(3),)
    assert summary.last_reported == on(4)


def test_weekly_gaps_are_missing_week_ends():
    weekly = Series(dt.date(2020, 3, 8), Frequency.WEEKLY, (70, None, 50))
    assert summarise_quality(new=weekly).gaps == (dt.date(2020, 3, 15),)


def test_revisions_and_last_update_are_passed_through():
    updated = dt.datetime(2020, 4, 2, 9, 30, tzinfo=dt.UTC)
    new = Series(MARCH_1, Frequency.DAILY, (1, 2))
    summary = summarise_quality(new=new, revisions=3, last_updated=updated)
    assert (summary.revisions, summary.last_updated, summary.last_reported) == (3, updated, on(2))
    assert not summary.has_issues


def test_an_area_without_figures_has_an_empty_summary():
    assert summarise_quality() == QualitySummary((), (), (), 0, None, None)
    empty = Series(MARCH_1, Frequency.DAILY, (None, None))
    assert summarise_quality(new=empty).gaps == ()


def test_a_negative_revision_count_is_refused():
    with pytest.raises(Invalid, match="revisions"):
        summarise_quality(revisions=-1)
