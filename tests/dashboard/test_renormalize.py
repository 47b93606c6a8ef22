"""renormalize: the cache heals after a mapping change, from stored answers, with no API call."""

import io
import json
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from dashboard import sync
from dashboard.ayrshare import normalize
from dashboard.ayrshare.sandbox import start_sandbox
from dashboard.metrics import METRICS, VIDEO_METRICS
from dashboard.models import AccountMetrics, PlatformPost, ShortLink
from tests.accounts.factories import ProfileFactory, WorkspaceFactory
from tests.dashboard.factories import (
    AccountMetricsFactory,
    PlatformPostFactory,
    ShortLinkFactory,
    sandbox_profiles,
)
from tests.dashboard.test_rollups import assert_rollups_exact

pytestmark = pytest.mark.django_db

CURRENT = Path(__file__).resolve().parents[1] / "fixtures" / "ayrshare" / "current"
NUMBERS = (*METRICS, *VIDEO_METRICS, "media_type")


@pytest.fixture
def sandbox(settings, tmp_path):
    settings.REDIS_URL = ""
    settings.DATA_DIR = tmp_path
    settings.SYNC_POST_ANALYTICS_BATCH = 50
    with start_sandbox(profiles=1, posts=40, seed=5, speed=0, start=time.time() + 5) as running:
        settings.AYRSHARE_API_URL = running.url
        yield running


def synced(sandbox):
    """A new workspace holding the sandbox's profile, every unit run once."""
    keys = sandbox.keys()
    (profile,) = sandbox_profiles(WorkspaceFactory(api_key=keys["apiKey"]), keys)
    sync.ensure_units([profile])
    for state in sorted(profile.sync_states.all(), key=lambda s: s.unit != "history"):
        assert sync.run_unit(state.pk, force=True) == "ok", state.unit
    return profile


def numbers(profile):
    return {
        (row["platform"], row["social_id"]): {name: row[name] for name in NUMBERS}
        for row in PlatformPost.objects.filter(profile=profile).values(
            "platform", "social_id", *NUMBERS
        )
    }


def broken(extract):
    """Yesterday's mapping: likes never read, shares counted twice."""

    def read(data):
        found = dict(extract(data))
        found.pop("likes", None)
        if found.get("shares") is not None:
            found["shares"] *= 2
        return found

    return read


def run(*args):
    out = io.StringIO()
    call_command("renormalize", *args, stdout=out)
    return out.getvalue()


def test_a_mapping_fix_heals_the_cache_from_stored_answers_with_no_api_call(sandbox, monkeypatch):
    with monkeypatch.context() as patch:
        for platform, extract in list(normalize.EXTRACTORS.items()):
            patch.setitem(normalize.EXTRACTORS, platform, broken(extract))
        old = synced(sandbox)
    right = numbers(synced(sandbox))  # the same answers read with today's mapping
    assert numbers(old) != right
    assert not any(row["likes"] for row in numbers(old).values())

    calls = sandbox.calls.next_index
    report = run()
    assert sandbox.calls.next_index == calls  # not one request reached the API
    healed = numbers(old)
    diff = {
        k: {n: (v[n], right[k][n]) for n in v if v[n] != right[k][n]}
        for k, v in healed.items()
        if v != right[k]
    }
    assert diff == {}
    assert_rollups_exact()
    filled, changed = _figures(report)
    assert filled > 0 and changed > 0

    again = run()
    assert "0 changed" in again and _figures(again) == (0, 0)


def _figures(report):
    line = next(line for line in report.splitlines() if line.startswith("values filled"))
    filled, changed = (int(part.split(": ")[1].replace(",", "")) for part in line.split("; ")[:2])
    return filled, changed


def test_account_rows_and_links_are_filled_from_their_raw_answers():
    profile = ProfileFactory()
    linkedin = json.loads((CURRENT / "analytics_social_linkedin.json").read_text())["linkedin"]
    # What the mapping of before stored: LinkedIn's nested followers were never read.
    AccountMetricsFactory(
        profile=profile, platform="linkedin", followers=None, impressions=12044, raw=linkedin
    )
    [item, *_] = json.loads((CURRENT / "analytics_links.json").read_text())
    ShortLinkFactory(profile=profile, link_id="Nz3L", clicks=None, original_url="", raw=item)

    report = run("--profile", str(profile.pk))

    row = AccountMetrics.objects.get(profile=profile)
    assert (row.followers, row.organic_followers, row.paid_followers) == (1240, 1204, 36)
    assert row.impressions == 12044
    link = ShortLink.objects.get(profile=profile)
    assert (link.clicks, link.original_url) == (
        7,
        "https://www.acme.example/spring?utm_source=ayrshare",
    )
    assert link.clicks_by_platform == {"other": 6, "ios": 1}
    assert "accounts: 1 read, 1 changed" in report and "links: 1 read, 1 changed" in report


def test_a_value_no_raw_answer_gives_is_kept():
    profile = ProfileFactory()
    # Its stored answer no longer has reach (TikTok drops it after 7 idle days).
    post = PlatformPostFactory(
        profile=profile,
        platform="tiktok",
        social_id="v1",
        reach=900,
        likes=3,
        raw={"id": "v1", "likeCount": 5, "videoViews": 40},
        metric_notes={"reach": "stale"},
    )
    run("--network", "tiktok")
    post.refresh_from_db()
    assert (post.reach, post.likes, post.views) == (900, 5, 40)
    assert post.metric_notes == {"reach": "stale"}


@pytest.mark.parametrize(
    "args, message",
    [(["--profile", "999999"], "No profile with id 999999"), (["--network", "myspace"], "known:")],
)
def test_bad_arguments_say_what_is_wrong(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
