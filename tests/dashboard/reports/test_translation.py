"""Every string of the report goes through Django's translation machinery.

No catalog but English ships; these tests prove the machinery is wired: makemessages finds the
report's strings, and a report in a (made-up) language with a catalog shows its translations.
"""

import struct

import pytest
from django.core.management import call_command

from accounts.models import Membership
from dashboard.reports.models import SECTION_KEYS, Report
from tests.accounts.factories import MembershipFactory, ProfileFactory
from tests.dashboard.factories import PlatformPostFactory

pytestmark = pytest.mark.django_db
TRANSLATED = {
    "Key numbers": "KEY NUMBERS in xx",
    "Per-network table": "PER-NETWORK TABLE in xx",
    "Previous:": "PREVIOUS in xx:",
    "Chart numbers as a table": "CHART TABLE in xx",
}


def write_mo(path, messages):
    """A GNU .mo catalog (the format gettext reads), without the gettext tools."""
    entries = sorted({"": "Content-Type: text/plain; charset=UTF-8\n", **messages}.items())
    ids = [key.encode() for key, _ in entries]
    strs = [value.encode() for _, value in entries]
    header = 7 * 4
    ids_table, strs_table = header, header + len(entries) * 8
    data_start = strs_table + len(entries) * 8
    data, id_rows, str_rows = b"", [], []
    for text, rows in ((ids, id_rows), (strs, str_rows)):
        for item in text:
            rows.append((len(item), data_start + len(data)))
            data += item + b"\0"
    out = struct.pack("<7I", 0x950412DE, 0, len(entries), ids_table, strs_table, 0, data_start)
    out += b"".join(struct.pack("<2I", *row) for row in id_rows + str_rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out + data)


@pytest.fixture
def xx_catalog(tmp_path, settings):
    from django.utils import translation

    write_mo(tmp_path / "xx" / "LC_MESSAGES" / "django.mo", TRANSLATED)
    settings.LOCALE_PATHS = [tmp_path]
    settings.LANGUAGES = [("en", "English"), ("xx", "Test language")]
    yield
    translation.trans_real._translations = {}


def test_a_report_in_another_language_shows_that_languages_words(client, xx_catalog):
    owner = MembershipFactory(role=Membership.Role.OWNER)
    profile = ProfileFactory(workspace=owner.workspace)
    PlatformPostFactory(profile=profile, engagements=4)
    report = Report.objects.create(
        workspace=owner.workspace,
        title="Monthly",
        sections=list(SECTION_KEYS),
        language="xx",
        period_rule="last_28_days",
    )
    client.force_login(owner.user)
    page = client.get(f"/w/{owner.workspace.slug}/reports/{report.pk}/").content.decode()
    for translated in TRANSLATED.values():
        assert translated in page
    assert 'lang="xx"' in page
    # The dashboard around it and the dashboard itself stay in the person's language.
    assert "Key numbers" not in page
    home = client.get(f"/w/{owner.workspace.slug}/").content.decode()
    assert "Previous:" in home and "PREVIOUS in xx" not in home


def test_makemessages_finds_the_report_strings(tmp_path, settings):
    settings.LOCALE_PATHS = [tmp_path]
    call_command(
        "makemessages",
        locale=["xx"],
        verbosity=0,
        ignore_patterns=["tests/*", "node_modules/*", "data/*", "staticfiles/*", "static/*"],
    )
    catalog = (tmp_path / "xx" / "LC_MESSAGES" / "django.po").read_text()
    for text in (
        'msgid "Key numbers"',  # templates/reports/_report.html
        'msgid "Per-network table"',  # dashboard/reports/models.py
        'msgid "Chart numbers as a table"',  # the overview partial the report includes
        'msgid "Last month"',  # dashboard/reports/periods.py
        'msgid "Report “%(title)s” saved."',  # dashboard/reports/views.py
        'msgid_plural "%(links)s links created"',  # a count in text has its plural
        'msgid "{section}: position"',  # dashboard/reports/forms.py
    ):
        assert text in catalog, text
