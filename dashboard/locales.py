"""How numbers and dates are written: the dashboard's way, or a report's chosen locale.

A report has a language (its words) and a number format (its separators and date order). Django
ties both to one active language, so a report in English with German numbers cannot simply
activate "de": Django's own German catalog would then name the months ("Dez.") in an English
report. Instead the report activates its language for words, and `formats(locale)` sets the
locale whose separators (from Django's own format files) `number` and `day` use. The dates of a
locale whose language differs from the report's are numeric (31.01.2026), so they need no month
names at all; the English locales keep their month names, which English text can carry.

Without `formats`, both functions write what the dashboard always has: 1,234 and Jan 31, 2026.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import numberformat
from django.utils.dateformat import format as format_date
from django.utils.formats import get_format
from django.utils.translation import gettext_lazy as _

DEFAULT = "en-us"
# (locale, label): Django ships a format file for each of these locales.
NUMBER_FORMATS = [
    ("en-us", _("English, US: 1,234.5 · Jan 31, 2026")),
    ("en-gb", _("English, UK: 1,234.5 · 31 Jan 2026")),
    ("de", _("German: 1.234,5 · 31.01.2026")),
    ("fr", _("French: 1 234,5 · 31/01/2026")),
]
# A date with and without its year. The German and French ones are Django's SHORT_DATE_FORMAT.
DATES = {
    "en-us": ("M j, Y", "M j"),
    "en-gb": ("j M Y", "j M"),
    "de": ("d.m.Y", "d.m."),
    "fr": ("d/m/Y", "d/m"),
}

_active = ContextVar("number_format", default=DEFAULT)


@contextmanager
def formats(locale):
    """Write numbers and dates as `locale` does within the block (thread and task safe)."""
    token = _active.set(locale if locale in DATES else DEFAULT)
    try:
        yield
    finally:
        _active.reset(token)


def active():
    return _active.get()


def number(value, decimals=None, grouping=True):
    """1234567 -> "1,234,567" (or "1.234.567", "1 234 567"); None stays None.

    `decimals` cuts (not rounds) to that many places: round first. `grouping=False` writes
    percentages as the dashboard always has, "1234.5%"."""
    if value is None:
        return None
    locale = _active.get()
    thousands = get_format("THOUSAND_SEPARATOR", locale)
    group = get_format("NUMBER_GROUPING", locale)
    # A page writes thousands of counts (a year of chart rows, the heatmap): Python groups an
    # int by threes several times faster than numberformat, to the same text.
    if type(value) is int and grouping and group == 3:
        return f"{value:,}".replace(",", thousands)
    return numberformat.format(
        value,
        get_format("DECIMAL_SEPARATOR", locale),
        decimal_pos=decimals,
        grouping=group,
        thousand_sep=thousands,
        force_grouping=grouping,
    )


def percent(fraction, decimals=2):
    """0.0421 -> "4.21 %" (or "4,21 %"): the rate as metrics.percent writes it."""
    if fraction is None:
        return ""
    return f"{number(round(fraction * 100, decimals), decimals, grouping=False)} %"


def day(value, year=True):
    """A date as the locale writes it: "Jan 31, 2026", "31 Jan 2026", "31.01.2026"."""
    if value is None:
        return ""
    with_year, without = DATES[_active.get()]
    return format_date(value, with_year if year else without)
