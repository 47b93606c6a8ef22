"""A report's period rules and comparisons: pure date arithmetic, `today` always passed in.

A rule names days, not instants: the page turns them into the installation's days as the
overview does (workspace time zones come later, issue 18 item 1).
"""

import datetime

from django.utils.translation import gettext_lazy as _

LAST_MONTH = "last_month"
LAST_WEEK = "last_week"
LAST_28_DAYS = "last_28_days"
QUARTER_TO_DATE = "quarter_to_date"
CUSTOM = "custom"
RULES = [
    (LAST_MONTH, _("Last month")),
    (LAST_WEEK, _("Last full week (Monday to Sunday)")),
    (LAST_28_DAYS, _("Last 28 days (to yesterday)")),
    (QUARTER_TO_DATE, _("Quarter to date")),
    (CUSTOM, _("Custom dates")),
]

PREVIOUS_PERIOD = "previous_period"
LAST_YEAR = "last_year"
COMPARISONS = [
    (PREVIOUS_PERIOD, _("The period just before, of the same length")),
    (LAST_YEAR, _("The same period last year")),
]

DAY = datetime.timedelta(days=1)


def period(rule, today, start=None, end=None):
    """(first, last) inclusive days of `rule` as of `today`; `start`/`end` for CUSTOM.

    The rolling rules cover whole days that are over: a report sent on the 1st shows the
    month just ended, never a part-day.
    """
    if rule == LAST_MONTH:
        last = today.replace(day=1) - DAY
        return last.replace(day=1), last
    if rule == LAST_WEEK:
        # weekday(): Monday is 0, so this is the Sunday before today (a week ago on a Sunday).
        last = today - datetime.timedelta(days=today.weekday() + 1)
        return last - 6 * DAY, last
    if rule == LAST_28_DAYS:
        return today - 28 * DAY, today - DAY
    if rule == QUARTER_TO_DATE:
        first_month = (today.month - 1) // 3 * 3 + 1
        return today.replace(month=first_month, day=1), today
    if rule == CUSTOM:
        if start is None or end is None or start > end:
            raise ValueError("A custom period needs a start on or before its end.")
        return start, end
    raise ValueError(f"Unknown period rule {rule!r}.")


def comparison(kind, first, last):
    """The period the report compares (first, last) with, for overview.build(before=...).

    None for PREVIOUS_PERIOD: the overview's own rule (kpis.previous_period) decides it, so a
    report and the overview of the same days compare with the same days.
    """
    if kind == PREVIOUS_PERIOD:
        return None
    if kind == LAST_YEAR:
        return a_year_before(first), a_year_before(last)
    raise ValueError(f"Unknown comparison {kind!r}.")


def a_year_before(day):
    """The same date a year earlier; February 29 becomes February 28."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)
