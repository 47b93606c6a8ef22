"""The export benchmark: it prints its figures and leaves the database as it found it."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from accounts.models import Profile, Workspace
from dashboard.models import PlatformPost

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("bench_export", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def counts():
    return (
        Workspace.objects.count(),
        Profile.objects.count(),
        PlatformPost.objects.count(),
        get_user_model().objects.count(),
    )


def test_prints_the_figures_and_cleans_up_after_itself():
    before = counts()

    output = run("--rows", "500", "--sample", "100")

    assert "created 500 network posts" in output
    sample = re.search(r"^\s+sample\s+100\s+([\d,]+)\s+([\d.]+)\s+([\d.]+)", output, re.M)
    full = re.search(r"^\s+all\s+500\s+([\d,]+)\s+([\d.]+)\s+([\d.]+)", output, re.M)
    assert sample and full, output
    # Bytes grow with rows; the first byte comes before the first row.
    assert int(full[1].replace(",", "")) > int(sample[1].replace(",", "")) > 0
    assert float(full[2]) <= float(full[3])
    for heading in ("rows/s", "peak Python MiB", "peak RSS growth MiB"):
        assert heading in output
    assert re.search(r"peak Python memory, 500 ÷ 100 rows: \d+\.\d\d", output)
    assert re.search(r"peak RSS growth, 500 ÷ 100 rows: \d+\.\d\d", output)
    assert counts() == before


def test_keep_leaves_the_rows_for_a_look():
    output = run("--rows", "50", "--sample", "10", "--keep", "--no-tracemalloc")

    slug = re.search(r"kept workspace (\S+)", output)[1]
    assert PlatformPost.objects.filter(profile__workspace__slug=slug).count() == 50
    assert "not measured" in output


def test_refuses_a_sample_larger_than_the_export():
    with pytest.raises(CommandError):
        run("--rows", "10", "--sample", "20")
