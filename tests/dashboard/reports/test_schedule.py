"""When a scheduled report is due: clock changes, month ends, "first Monday", beat windows.

Every expected instant is written out in UTC; the clock changes used (checked with zoneinfo):
Europe/Berlin 2026-03-29, 2026-10-25, 2027-03-28, 2027-10-31 (02:00-03:00 local skipped, then
02:00-03:00 passed twice); America/New_York 2026-03-08, 2026-11-01, 2027-03-14, 2027-11-07
(02:00-03:00 skipped, then 01:00-02:00 passed twice).
"""

import re
from datetime import UTC, date, datetime, time, timedelta
from itertools import cycle
from zoneinfo import ZoneInfo

import pytest

from dashboard.reports.schedule import Rule, describe, due_between, next_due

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def sundays_at(hour, minute, zone):
    return Rule("weekly", weekday=6, time_of_day=time(hour, minute), zone=zone)


def local(instant, zone):
    return instant.astimezone(ZoneInfo(zone))


# A weekly Sunday rule on each clock-change day: (rule, the Sunday, the one instant it is due).
CLOCK_CHANGE_DAYS = [
    # Skipped times go out once, when the clocks resume (03:00 local).
    (sundays_at(2, 30, BERLIN), date(2026, 3, 29), utc(2026, 3, 29, 1, 0)),
    (sundays_at(2, 30, BERLIN), date(2027, 3, 28), utc(2027, 3, 28, 1, 0)),
    (sundays_at(2, 0, BERLIN), date(2026, 3, 29), utc(2026, 3, 29, 1, 0)),
    (sundays_at(2, 59, BERLIN), date(2027, 3, 28), utc(2027, 3, 28, 1, 0)),
    (sundays_at(2, 30, NEW_YORK), date(2026, 3, 8), utc(2026, 3, 8, 7, 0)),
    (sundays_at(2, 30, NEW_YORK), date(2027, 3, 14), utc(2027, 3, 14, 7, 0)),
    # Either side of the gap, as on any day.
    (sundays_at(1, 59, BERLIN), date(2026, 3, 29), utc(2026, 3, 29, 0, 59)),
    (sundays_at(3, 0, BERLIN), date(2026, 3, 29), utc(2026, 3, 29, 1, 0)),
    (sundays_at(9, 0, BERLIN), date(2026, 3, 29), utc(2026, 3, 29, 7, 0)),
    (sundays_at(9, 0, NEW_YORK), date(2027, 3, 14), utc(2027, 3, 14, 13, 0)),
    # Times passed twice go out once, at the first pass (summer time, fold=0).
    (sundays_at(2, 30, BERLIN), date(2026, 10, 25), utc(2026, 10, 25, 0, 30)),
    (sundays_at(2, 30, BERLIN), date(2027, 10, 31), utc(2027, 10, 31, 0, 30)),
    (sundays_at(2, 0, BERLIN), date(2026, 10, 25), utc(2026, 10, 25, 0, 0)),
    (sundays_at(1, 30, NEW_YORK), date(2026, 11, 1), utc(2026, 11, 1, 5, 30)),
    (sundays_at(1, 30, NEW_YORK), date(2027, 11, 7), utc(2027, 11, 7, 5, 30)),
    (sundays_at(9, 0, BERLIN), date(2026, 10, 25), utc(2026, 10, 25, 8, 0)),
    (sundays_at(9, 0, NEW_YORK), date(2026, 11, 1), utc(2026, 11, 1, 14, 0)),
]


@pytest.mark.parametrize(("rule", "day", "due"), CLOCK_CHANGE_DAYS)
def test_a_clock_change_day_has_its_send_exactly_once(rule, day, due):
    midnight = datetime.combine(day, time(0), tzinfo=ZoneInfo(rule.zone))
    assert next_due(rule, midnight - timedelta(days=1)) == due
    # The whole local day, and the hours either side, hold that one send and no other.
    assert due_between(rule, midnight - timedelta(hours=6), midnight + timedelta(hours=30)) == [due]
    # Once sent, the next is a week later: a time passed twice is not due again an hour later.
    assert local(next_due(rule, due), rule.zone).date() == day + timedelta(days=7)


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        # Mondays 08:30 local: (local date, UTC hour and minute) around each change.
        (
            NEW_YORK,
            [
                (date(2026, 3, 2), (13, 30)),
                (date(2026, 3, 9), (12, 30)),
                (date(2026, 10, 26), (12, 30)),
                (date(2026, 11, 2), (13, 30)),
            ],
        ),
        (
            BERLIN,
            [
                (date(2026, 3, 23), (7, 30)),
                (date(2026, 3, 30), (6, 30)),
                (date(2026, 10, 19), (6, 30)),
                (date(2026, 10, 26), (7, 30)),
            ],
        ),
    ],
)
def test_weekly_keeps_the_local_time_through_the_year_while_the_utc_hour_moves(zone, expected):
    rule = Rule("weekly", weekday=0, time_of_day=time(8, 30), zone=zone)
    sends = due_between(rule, utc(2026, 1, 1), utc(2027, 1, 1))

    assert len(sends) == 52  # 2026 starts on a Thursday: 52 Mondays
    for send in sends:
        assert local(send, zone).weekday() == 0
        assert local(send, zone).time() == time(8, 30)
    by_local_date = {local(send, zone).date(): send for send in sends}
    for day, (hour, minute) in expected:
        assert by_local_date[day] == datetime.combine(day, time(hour, minute), tzinfo=UTC)


def test_the_31st_goes_out_every_month_of_the_year_on_the_months_last_day_when_shorter():
    rule = Rule("monthly", day_of_month=31, time_of_day=time(9, 0), zone=BERLIN)
    sends = due_between(rule, utc(2027, 1, 1), utc(2028, 1, 1))

    assert [local(send, BERLIN).date() for send in sends] == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
        date(2027, 5, 31),
        date(2027, 6, 30),
        date(2027, 7, 31),
        date(2027, 8, 31),
        date(2027, 9, 30),
        date(2027, 10, 31),
        date(2027, 11, 30),
        date(2027, 12, 31),
    ]
    assert {local(send, BERLIN).time() for send in sends} == {time(9, 0)}


@pytest.mark.parametrize(
    ("day_of_month", "year", "february_send"),
    [
        (31, 2027, date(2027, 2, 28)),
        (31, 2028, date(2028, 2, 29)),
        (30, 2027, date(2027, 2, 28)),
        (30, 2028, date(2028, 2, 29)),
        (29, 2027, date(2027, 2, 28)),
        (29, 2028, date(2028, 2, 29)),
        (28, 2028, date(2028, 2, 28)),
        (1, 2027, date(2027, 2, 1)),
    ],
)
def test_february_sends_on_the_day_or_its_last_day_and_march_is_back_on_the_day(
    day_of_month, year, february_send
):
    rule = Rule("monthly", day_of_month=day_of_month, time_of_day=time(9, 0), zone=NEW_YORK)

    february = next_due(rule, utc(year, 2, 1))  # 1 February 00:00 UTC is still 31 January there
    march = next_due(rule, february)

    assert local(february, NEW_YORK).date() == february_send
    assert local(march, NEW_YORK).date() == date(year, 3, day_of_month)
    assert local(march, NEW_YORK).time() == time(9, 0)


@pytest.mark.parametrize(
    ("month_starts", "first_monday"),
    [
        # Months starting on a Monday send on the 1st ...
        (date(2026, 6, 1), date(2026, 6, 1)),
        (date(2027, 2, 1), date(2027, 2, 1)),
        (date(2027, 3, 1), date(2027, 3, 1)),
        (date(2027, 11, 1), date(2027, 11, 1)),
        # ... and those starting on a Tuesday, six days later.
        (date(2026, 9, 1), date(2026, 9, 7)),
        (date(2026, 12, 1), date(2026, 12, 7)),
        (date(2028, 2, 1), date(2028, 2, 7)),
    ],
)
def test_first_monday(month_starts, first_monday):
    rule = Rule("monthly", weekday=0, time_of_day=time(9, 0), zone=BERLIN)
    midnight = datetime.combine(month_starts, time(0), tzinfo=ZoneInfo(BERLIN))

    send = next_due(rule, midnight)

    assert local(send, BERLIN) == datetime.combine(first_monday, time(9), tzinfo=ZoneInfo(BERLIN))
    # Sent on the 1st, the next is next month's first Monday, not a week later.
    assert local(next_due(rule, send), BERLIN).month == month_starts.month % 12 + 1


def test_first_sunday_on_a_fall_back_day_goes_out_at_the_first_pass():
    rule = Rule("monthly", weekday=6, time_of_day=time(1, 30), zone=NEW_YORK)

    assert due_between(rule, utc(2026, 10, 15), utc(2026, 12, 1)) == [
        utc(2026, 11, 1, 5, 30),
    ]


def test_a_day_the_clocks_skip_entirely_still_has_its_send():
    # Samoa skipped 30 December 2011 entirely: 29 December 23:59:59 was followed by 31 December.
    rule = Rule("monthly", day_of_month=30, time_of_day=time(23, 30), zone="Pacific/Apia")

    assert due_between(rule, utc(2011, 12, 15), utc(2012, 1, 15)) == [
        utc(2011, 12, 30, 10, 0),  # 31 December 00:00 local
    ]
    assert next_due(rule, utc(2011, 12, 30, 9, 59)) == utc(2011, 12, 30, 10, 0)


RULES = [
    Rule("weekly", weekday=6, time_of_day=time(2, 30), zone=BERLIN),
    Rule("weekly", weekday=6, time_of_day=time(1, 30), zone=NEW_YORK),
    Rule("monthly", day_of_month=31, time_of_day=time(9, 0), zone=BERLIN),
    Rule("monthly", weekday=0, time_of_day=time(0, 0), zone=NEW_YORK),
]


@pytest.mark.parametrize("rule", RULES, ids=describe)
@pytest.mark.parametrize(
    "ticks",
    [
        # Every due instant (all on a quarter hour) is exactly the end of one window.
        [timedelta(minutes=15)],
        # Ticks that run late by a second or two, then catch up.
        [timedelta(minutes=7), timedelta(minutes=7, seconds=1), timedelta(minutes=9, seconds=59)],
        # Beat down for over a day, then ticks a second apart.
        [timedelta(hours=5), timedelta(seconds=1), timedelta(hours=30)],
    ],
    ids=["quarter-hourly", "late by seconds", "down for hours"],
)
def test_consecutive_windows_name_each_due_instant_exactly_once(rule, ticks):
    start, end = utc(2026, 1, 1), utc(2027, 1, 1)
    year = due_between(rule, start, end)
    # The same instants as found one after another.
    one_by_one = [next_due(rule, start)]
    while next_due(rule, one_by_one[-1]) <= end:
        one_by_one.append(next_due(rule, one_by_one[-1]))
    assert year == one_by_one

    # Each tick covers (the previous tick's end, now].
    found = []
    window_start = start
    for tick in cycle(ticks):
        if window_start >= end:
            break
        window_end = min(window_start + tick, end)
        found.extend(due_between(rule, window_start, window_end))
        window_start = window_end

    assert found == year
    assert len(set(found)) == len(found)


def test_a_window_ending_on_a_due_instant_holds_it_and_the_next_window_does_not():
    rule = Rule("weekly", weekday=0, time_of_day=time(9, 0), zone=BERLIN)
    due = utc(2026, 3, 30, 7, 0)

    assert due_between(rule, due - timedelta(minutes=1), due) == [due]
    assert due_between(rule, due, due + timedelta(days=6)) == []
    # A clock stepped back between two ticks: nothing, rather than an error.
    assert due_between(rule, due + timedelta(days=1), due - timedelta(days=30)) == []


def test_a_late_tick_gets_every_instant_it_missed():
    rule = Rule("weekly", weekday=0, time_of_day=time(9, 0), zone=BERLIN)

    # Beat was down for three weeks across the spring-forward Sunday.
    assert due_between(rule, utc(2026, 3, 16, 8, 0), utc(2026, 4, 6, 12, 0)) == [
        utc(2026, 3, 23, 8, 0),
        utc(2026, 3, 30, 7, 0),
        utc(2026, 4, 6, 7, 0),
    ]


def test_overlapping_windows_name_the_same_instants_so_a_unique_due_at_row_sends_once():
    rule = Rule("weekly", weekday=6, time_of_day=time(2, 30), zone=BERLIN)
    start, end = utc(2026, 1, 1), utc(2027, 1, 1)
    year = due_between(rule, start, end)

    # Two workers each look back a day on every hourly tick: the windows overlap 23 hours.
    claimed = set()
    sends = []
    now = start + timedelta(days=1)
    while now <= end:
        for _worker in range(2):
            for due in due_between(rule, now - timedelta(days=1), now):
                if due not in claimed:  # stands for INSERT of a unique (report, due_at) row
                    claimed.add(due)
                    sends.append(due)
        now += timedelta(hours=1)

    assert sends == year


def test_a_rule_that_is_off_is_never_due_and_keeps_its_old_fields():
    rule = Rule("none", day_of_month=99, zone="Nowhere/Special")

    assert next_due(rule, utc(2026, 1, 1)) is None
    assert due_between(rule, utc(2026, 1, 1), utc(2027, 1, 1)) == []


def test_naive_datetimes_are_refused():
    rule = Rule("weekly", weekday=0, time_of_day=time(9, 0), zone=BERLIN)

    with pytest.raises(ValueError, match="naive"):
        next_due(rule, datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"frequency": "daily"},
            'Frequency must be "monthly", "weekly" or "none", not "daily".',
        ),
        (
            {"zone": "Europe/Berln"},
            'Unknown time zone "Europe/Berln": use a name such as Europe/Berlin.',
        ),
        (
            {"zone": "../etc/passwd"},
            'Unknown time zone "../etc/passwd": use a name such as Europe/Berlin.',
        ),
        ({"zone": ""}, "A schedule needs a time zone, such as Europe/Berlin."),
        ({"day_of_month": 0}, "Day of month must be 1 to 31, not 0."),
        ({"day_of_month": 32}, "Day of month must be 1 to 31, not 32."),
        (
            {"time_of_day": "25:00"},
            'Time of day must be a time such as 09:00, not "25:00".',
        ),
        ({"time_of_day": None}, 'Time of day must be a time such as 09:00, not "None".'),
        (
            {"time_of_day": time(9, 0, tzinfo=UTC)},
            "Time of day is read in the schedule's time zone; give it without one.",
        ),
        ({"time_of_day": time(9, 0, 30)}, "Time of day is to the minute, not 09:00:30."),
        (
            {"day_of_month": None},
            'A monthly schedule needs a day of the month (1 to 31) or "first <weekday>".',
        ),
        (
            {"weekday": 0},
            'A monthly schedule is on a day of the month or on "first <weekday>", not both.',
        ),
        (
            {"frequency": "weekly", "day_of_month": None},
            "A weekly schedule needs a weekday.",
        ),
        (
            {"frequency": "weekly", "weekday": 0},
            "A weekly schedule has a weekday, not a day of the month.",
        ),
        (
            {"frequency": "weekly", "day_of_month": None, "weekday": 7},
            "Weekday must be 0 (Monday) to 6 (Sunday), not 7.",
        ),
    ],
)
def test_invalid_rules_are_refused_with_a_message_for_people(fields, message):
    valid = {"frequency": "monthly", "day_of_month": 1, "time_of_day": time(9), "zone": BERLIN}

    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        Rule(**{**valid, **fields})


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        (
            Rule("monthly", day_of_month=31, time_of_day=time(9, 0), zone=BERLIN),
            "Monthly on the 31st (the last day in shorter months) at 09:00 Europe/Berlin",
        ),
        (
            Rule("monthly", day_of_month=29, time_of_day=time(9, 0), zone=BERLIN),
            "Monthly on the 29th (the last day in shorter months) at 09:00 Europe/Berlin",
        ),
        (
            Rule("monthly", day_of_month=2, time_of_day=time(17, 5), zone="UTC"),
            "Monthly on the 2nd at 17:05 UTC",
        ),
        (
            Rule("monthly", weekday=0, time_of_day=time(9, 0), zone=BERLIN),
            "Monthly on the first Monday at 09:00 Europe/Berlin",
        ),
        (
            Rule("weekly", weekday=0, time_of_day=time(8, 30), zone=NEW_YORK),
            "Weekly on Mondays at 08:30 America/New_York",
        ),
        (
            Rule("weekly", weekday=6, time_of_day=time(8, 30), zone=NEW_YORK),
            "Weekly on Sundays at 08:30 America/New_York",
        ),
        (Rule("none"), "Not scheduled"),
    ],
)
def test_describe(rule, words):
    assert describe(rule) == words
