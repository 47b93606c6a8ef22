import datetime

import pytest

from dashboard.reports import periods
from dashboard.reports.periods import (
    CUSTOM,
    LAST_28_DAYS,
    LAST_MONTH,
    LAST_WEEK,
    LAST_YEAR,
    PREVIOUS_PERIOD,
    QUARTER_TO_DATE,
)

D = datetime.date


@pytest.mark.parametrize(
    "today, expected",
    [
        (D(2026, 3, 15), (D(2026, 2, 1), D(2026, 2, 28))),
        (D(2024, 3, 1), (D(2024, 2, 1), D(2024, 2, 29))),  # leap year
        (D(2026, 1, 1), (D(2025, 12, 1), D(2025, 12, 31))),  # across the year
        (D(2026, 12, 31), (D(2026, 11, 1), D(2026, 11, 30))),
        (D(2026, 5, 1), (D(2026, 4, 1), D(2026, 4, 30))),
    ],
)
def test_last_month_is_the_whole_calendar_month_before_today(today, expected):
    assert periods.period(LAST_MONTH, today) == expected


@pytest.mark.parametrize(
    "today, expected",
    [
        (D(2026, 12, 7), (D(2026, 11, 30), D(2026, 12, 6))),  # a Monday: the week just ended
        (D(2026, 12, 6), (D(2026, 11, 23), D(2026, 11, 29))),  # a Sunday: that week is not over
        (D(2026, 1, 2), (D(2025, 12, 22), D(2025, 12, 28))),  # across the year
    ],
)
def test_last_full_week_runs_monday_to_sunday_and_is_over(today, expected):
    first, last = periods.period(LAST_WEEK, today)
    assert (first, last) == expected
    assert first.weekday() == 0 and last.weekday() == 6


def test_last_28_days_are_the_28_whole_days_before_today():
    assert periods.period(LAST_28_DAYS, D(2026, 3, 1)) == (D(2026, 2, 1), D(2026, 2, 28))


@pytest.mark.parametrize(
    "today, first",
    [
        (D(2026, 1, 1), D(2026, 1, 1)),
        (D(2026, 3, 31), D(2026, 1, 1)),
        (D(2026, 4, 1), D(2026, 4, 1)),
        (D(2026, 8, 15), D(2026, 7, 1)),
        (D(2026, 12, 31), D(2026, 10, 1)),
    ],
)
def test_quarter_to_date_starts_on_the_quarters_first_day(today, first):
    assert periods.period(QUARTER_TO_DATE, today) == (first, today)


def test_custom_dates_are_taken_as_given_and_refused_when_reversed():
    today = D(2026, 12, 6)
    assert periods.period(CUSTOM, today, D(2026, 1, 5), D(2026, 2, 3)) == (
        D(2026, 1, 5),
        D(2026, 2, 3),
    )
    with pytest.raises(ValueError):
        periods.period(CUSTOM, today, D(2026, 2, 3), D(2026, 1, 5))
    with pytest.raises(ValueError):
        periods.period(CUSTOM, today, None, D(2026, 1, 5))
    with pytest.raises(ValueError):
        periods.period("fortnight", today)


def test_the_previous_period_is_left_to_the_overviews_own_rule():
    assert periods.comparison(PREVIOUS_PERIOD, D(2026, 2, 1), D(2026, 2, 28)) is None


@pytest.mark.parametrize(
    "first, last, expected",
    [
        (D(2026, 2, 1), D(2026, 2, 28), (D(2025, 2, 1), D(2025, 2, 28))),
        (D(2024, 2, 1), D(2024, 2, 29), (D(2023, 2, 1), D(2023, 2, 28))),  # Feb 29
        (D(2026, 1, 1), D(2026, 1, 31), (D(2025, 1, 1), D(2025, 1, 31))),
    ],
)
def test_same_period_last_year(first, last, expected):
    assert periods.comparison(LAST_YEAR, first, last) == expected
