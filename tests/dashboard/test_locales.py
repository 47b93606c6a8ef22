from decimal import Decimal

import pytest
from django.utils import numberformat

from dashboard import locales

COUNTS = [0, 7, 999, 1_000, -1_234, 12_345, 999_999, 1_000_000, -98_765_432, 10**15 + 1]


@pytest.mark.parametrize("locale", [code for code, _label in locales.NUMBER_FORMATS])
def test_counts_are_grouped_as_django_groups_them_in_every_number_format(locale):
    with locales.formats(locale):
        for count in COUNTS:
            expected = numberformat.format(
                count,
                ".",
                grouping=3,
                thousand_sep={"de": ".", "fr": "\xa0"}.get(locale, ","),
                force_grouping=True,
            )
            assert locales.number(count) == expected


def test_decimals_and_ungrouped_numbers_keep_their_own_writing():
    with locales.formats("de"):
        assert locales.number(Decimal("1234.5"), 1) == "1.234,5"
        assert locales.number(12345, grouping=False) == "12345"
        assert locales.percent(0.123456) == "12,35 %"
    assert locales.number(None) is None
