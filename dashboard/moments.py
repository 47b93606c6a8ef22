"""How times read on the pages: the local time with its zone, and "12 minutes ago" or "due now"
beside it, so that no time needs a hover to be understood."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.timesince import timesince, timeuntil

# A next update this close (or past) is due now: a worker takes it within the next beat.
DUE_NOW = timedelta(seconds=5)
NBSP = "\xa0"


@dataclass(frozen=True)
class Moment:
    """A time as the page shows it: `text` for people, `iso` for <time datetime> ("" if none)."""

    text: str
    iso: str = ""


def clock(moment, now=None):
    """Local time and zone, with the date unless it is today: "09:14 UTC", "Dec 6, 09:14 UTC"."""
    local = timezone.localtime(moment)
    today = timezone.localtime(now or timezone.now()).date()
    # Non-breaking spaces: a narrow column may break the line after a comma, not inside
    # "Dec 6" or between a time and its zone. Formatted as Django's "H:i" and "M j" are, but
    # without date_format's per-call format lookup: the sync page says thousands of times.
    time = f"{local:%H:%M}{NBSP}{zone_name(local)}"
    if local.date() == today:
        return time
    day = f"{MONTHS_3[local.month].title()}{NBSP}{local.day}"
    if local.year != today.year:
        day = f"{day},{NBSP}{local.year}"
    return f"{day}, {time}"


def zone_name(local):
    """The zone's abbreviation; zones without one ("-03") are said as an offset from UTC."""
    name = local.tzname() or ""
    return f"UTC{name}" if name[:1] in "+-" else name


def past(moment, now):
    """When something happened: "12 minutes ago · 09:14 UTC", or "never"."""
    if moment is None:
        return Moment("never")
    if now - moment < timedelta(minutes=1):
        relative = "just now"
    else:
        relative = f"{timesince(moment, now, depth=1)} ago"
    return Moment(_both(relative, clock(moment, now)), moment.isoformat())


def upcoming(moment, now):
    """When something is due: "in 25 minutes · 09:40 UTC", or "due now" once it is (nearly) past."""
    if moment is None:
        return Moment("due now")
    if moment - now <= DUE_NOW:
        return Moment("due now", moment.isoformat())
    if moment - now < timedelta(minutes=1):
        relative = "in less than a minute"
    else:
        relative = f"in {timeuntil(moment, now, depth=1)}"
    return Moment(_both(relative, clock(moment, now)), moment.isoformat())


def _both(relative, clock_text):
    """Both ways of saying a time, e.g. "12 minutes ago · 09:14 UTC"; the dot ends a line."""
    return f"{relative}{NBSP}· {clock_text}"
