"""When a scheduled report is due: the time arithmetic and nothing else.

A rule reads "monthly on the 31st at 09:00 Europe/Berlin" or "weekly on Mondays at 08:30
America/New_York": a wall-clock time in the workspace's zone. These functions turn it into the
UTC instants at which a send is due. They know nothing of reports, models or email, so the beat
tick, the send log and the settings page all get their answers from the same few functions.
"""

import datetime
import zoneinfo
from calendar import monthrange
from dataclasses import dataclass

from django.contrib.humanize.templatetags.humanize import ordinal
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

FREQUENCIES = ("monthly", "weekly", "none")

# For "Weekly on Mondays": Django names the days (django.utils.dates.WEEKDAYS), not their plurals.
_WEEKDAYS_PLURAL = (
    gettext_lazy("Mondays"),
    gettext_lazy("Tuesdays"),
    gettext_lazy("Wednesdays"),
    gettext_lazy("Thursdays"),
    gettext_lazy("Fridays"),
    gettext_lazy("Saturdays"),
    gettext_lazy("Sundays"),
)


@dataclass(frozen=True)
class Rule:
    """When a report goes out. Invalid values raise ValueError with a message for people.

    frequency: "monthly", "weekly" or "none".
    day_of_month: for "monthly", 1 to 31.
    weekday: 0 (Monday) to 6 (Sunday). For "weekly", the day it goes out. For "monthly", given
        instead of day_of_month, the first such day of the month ("first Monday").
    time_of_day: wall-clock time in `zone`, to the minute, without a tzinfo of its own.
    zone: an IANA name such as "Europe/Berlin".

    A "none" rule ignores the other fields, so a report switched off may keep its old ones.
    """

    frequency: str
    day_of_month: int | None = None
    weekday: int | None = None
    time_of_day: datetime.time | None = None
    zone: str = ""

    def __post_init__(self):
        if self.frequency not in FREQUENCIES:
            raise ValueError(
                _('Frequency must be "monthly", "weekly" or "none", not "%(value)s".')
                % {"value": self.frequency}
            )
        if self.frequency == "none":
            return
        _check_zone(self.zone)
        _check_time_of_day(self.time_of_day)
        _check_days(self.frequency, self.day_of_month, self.weekday)


def _check_zone(zone):
    if not isinstance(zone, str) or not zone:
        raise ValueError(_("A schedule needs a time zone, such as Europe/Berlin."))
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        # ValueError: a malformed key such as "../x", which is no zone either.
        raise ValueError(
            _('Unknown time zone "%(zone)s": use a name such as Europe/Berlin.') % {"zone": zone}
        ) from None


def _check_time_of_day(value):
    if not isinstance(value, datetime.time):
        raise ValueError(
            _('Time of day must be a time such as 09:00, not "%(value)s".') % {"value": value}
        )
    if value.tzinfo is not None:
        raise ValueError(_("Time of day is read in the schedule's time zone; give it without one."))
    # describe() shows hours and minutes, so a rule must not say more than that.
    if value.second or value.microsecond:
        raise ValueError(
            _("Time of day is to the minute, not %(value)s.") % {"value": value.isoformat()}
        )


def _check_days(frequency, day_of_month, weekday):
    if weekday is not None and (not isinstance(weekday, int) or not 0 <= weekday <= 6):
        raise ValueError(
            _("Weekday must be 0 (Monday) to 6 (Sunday), not %(value)s.") % {"value": weekday}
        )
    if frequency == "weekly":
        if weekday is None:
            raise ValueError(_("A weekly schedule needs a weekday."))
        if day_of_month is not None:
            raise ValueError(_("A weekly schedule has a weekday, not a day of the month."))
        return
    if day_of_month is None and weekday is None:
        raise ValueError(
            _('A monthly schedule needs a day of the month (1 to 31) or "first <weekday>".')
        )
    if day_of_month is not None and weekday is not None:
        raise ValueError(
            _('A monthly schedule is on a day of the month or on "first <weekday>", not both.')
        )
    if day_of_month is not None and (
        not isinstance(day_of_month, int) or not 1 <= day_of_month <= 31
    ):
        raise ValueError(
            _("Day of month must be 1 to 31, not %(value)s.") % {"value": day_of_month}
        )


def next_due(rule, after):
    """The first instant strictly after `after` (an aware datetime) at which the rule is due, as
    an aware UTC datetime; None for a "none" rule.

    Month ends: a report due "on the 31st" (or 29th, 30th) goes out on the last day of shorter
    months, February included: never skipped, never moved into the next month.

    Daylight saving: a time the clocks skip (02:30 in Europe/Berlin on the last Sunday of March)
    is due once, when they resume (03:00 local, the first instant after the gap). A time the
    clocks pass twice (02:30 there on the last Sunday of October) is due once, at its first
    occurrence (fold=0). Every other day the local wall time is kept and the UTC hour moves.
    """
    _require_aware(after)
    if rule.frequency == "none":
        return None
    zone = zoneinfo.ZoneInfo(rule.zone)
    for day in _due_days(rule, after.astimezone(zone).date()):
        instant = _instant(rule, day)
        if instant > after:
            return instant


def due_between(rule, start, end):
    """Every instant in (start, end] at which the rule is due, oldest first (see next_due).

    For the beat tick: pass the end of the window the previous tick covered as `start` and now
    as `end`. Consecutive windows name each due instant exactly once, a late tick gets every
    instant it missed (which of them to send is the caller's choice), and a window ending before
    it starts is empty (a clock stepped back).

    This function alone cannot make a send happen once: two ticks or two workers with
    overlapping windows get the same instants, equal to the microsecond. The caller must record
    the due instant it sends for under a unique constraint before sending, such as a unique
    (report, due_at) row, and skip the send when that row already exists.
    """
    _require_aware(start)
    _require_aware(end)
    instants = []
    instant = next_due(rule, start)
    while instant is not None and instant <= end:
        instants.append(instant)
        instant = next_due(rule, instant)
    return instants


def describe(rule):
    """The rule in words, for people: "Weekly on Mondays at 08:30 America/New_York"."""
    if rule.frequency == "none":
        return _("Not scheduled")
    values = {"time": rule.time_of_day.strftime("%H:%M"), "zone": rule.zone}
    if rule.frequency == "weekly":
        values["weekdays"] = _WEEKDAYS_PLURAL[rule.weekday]
        return _("Weekly on %(weekdays)s at %(time)s %(zone)s") % values
    if rule.weekday is not None:
        values["weekday"] = WEEKDAYS[rule.weekday]
        return _("Monthly on the first %(weekday)s at %(time)s %(zone)s") % values
    values["day"] = ordinal(rule.day_of_month)
    if rule.day_of_month > 28:
        return _("Monthly on the %(day)s (the last day in shorter months) at %(time)s %(zone)s") % (
            values
        )
    return _("Monthly on the %(day)s at %(time)s %(zone)s") % values


def _require_aware(moment):
    if moment.utcoffset() is None:
        raise ValueError(f"Expected an aware datetime, got the naive {moment.isoformat()}.")


def _due_days(rule, start):
    """The local dates on or after `start` on which the rule is due, without end."""
    if rule.frequency == "weekly":
        day = start + datetime.timedelta(days=(rule.weekday - start.weekday()) % 7)
        while True:
            yield day
            day += datetime.timedelta(days=7)
    year, month = start.year, start.month
    while True:
        day = _day_in_month(rule, year, month)
        if day >= start:
            yield day
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _day_in_month(rule, year, month):
    if rule.weekday is not None:
        first = datetime.date(year, month, 1)
        return first + datetime.timedelta(days=(rule.weekday - first.weekday()) % 7)
    last = monthrange(year, month)[1]
    return datetime.date(year, month, min(rule.day_of_month, last))


def _instant(rule, day):
    """The UTC instant at which the rule's time of day happens on local date `day`."""
    zone = zoneinfo.ZoneInfo(rule.zone)
    # fold=0: a time the clocks pass twice means its first occurrence.
    wall = datetime.datetime.combine(day, rule.time_of_day, tzinfo=zone).replace(fold=0)
    instant = wall.astimezone(datetime.UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return instant
    # The clocks skipped this time. zoneinfo reads it with the offset from before the change
    # (fold=0), which lands past the gap by as far as the time was into it, and with the offset
    # from after it (fold=1), which lands before the gap; the change lies between the two.
    return _clock_change(wall.replace(fold=1).astimezone(datetime.UTC), instant, zone)


def _clock_change(before, after, zone):
    """The instant the zone's UTC offset changes, given one UTC instant either side of it."""
    # zoneinfo does not expose its transitions, so halve the interval (at most a day) down to
    # the second; transitions fall on whole seconds.
    offset_before = before.astimezone(zone).utcoffset()
    low, high = int(before.timestamp()), int(after.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.datetime.fromtimestamp(middle, zone).utcoffset() == offset_before:
            low = middle
        else:
            high = middle
    return datetime.datetime.fromtimestamp(high, datetime.UTC)
