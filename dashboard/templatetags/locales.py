"""`number` and `day` filters: numbers and dates in the report's locale (dashboard/locales.py),
or as the dashboard writes them when no report chose one."""

from django import template

from dashboard import locales

register = template.Library()


@register.filter
def number(value):
    """Like humanize's intcomma for the dashboard; a report's own separators inside one."""
    if value is None or value == "":
        return value
    try:
        return locales.number(value)
    except (TypeError, ValueError):
        return value


# expects_localtime: a datetime arrives in the current time zone, as the date filter's does.
@register.filter(expects_localtime=True)
def day(value, arg=""):
    """A date with its year; `day:"short"` without."""
    return locales.day(value, year=arg != "short")
