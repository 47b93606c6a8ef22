"""Linking and unlinking networks while the sandbox runs, and LinkedIn's days until re-linking."""

import requests

from .conftest import get, post

DAY = 86400


def control(sb, index, action, **body) -> requests.Response:
    return requests.post(f"{sb.base_url}/_sandbox/profiles/{index}/{action}", json=body, timeout=5)


def social_id_of(history_item: dict, platform: str) -> str:
    return next(e["id"] for e in history_item["postIds"] if e["platform"] == platform)


def test_linking_threads_shows_it_everywhere(sandbox):
    answer = control(sandbox, 0, "link", platform="threads")
    assert answer.status_code == 200
    assert "threads" in answer.json()["platforms"]
    user = get(sandbox, "/user").json()
    assert "threads" in user["activeSocialAccounts"]
    assert any(d["platform"] == "threads" for d in user["displayNames"])
    profiles = get(sandbox, "/profiles", profile=None).json()["profiles"]
    assert "threads" in profiles[0]["activeSocialAccounts"]
    social = post(sandbox, "/analytics/social", {"platforms": ["threads"]}).json()
    assert social["status"] == "success" and "views" in social["threads"]["analytics"]
    history = get(sandbox, "/history/threads")
    assert history.status_code == 200 and history.json()["posts"] == []  # no posts there yet
    assert "threads" in sandbox.keys()["profiles"][0]["platforms"]


def test_unlinking_answers_not_linked_but_keeps_the_posts(sandbox):
    sent = get(sandbox, "/history", lastDays=0, status="success", platform="facebook").json()
    item = next(i for i in sent["history"] if len(i["postIds"]) > 1)
    social_id = social_id_of(item, "facebook")
    items_before = get(sandbox, "/history/facebook", limit=20).json()["posts"]

    assert sandbox.unlink(0, "facebook") == [
        "bluesky",
        "instagram",
        "linkedin",
        "pinterest",
        "tiktok",
        "twitter",
        "youtube",
    ]
    history = get(sandbox, "/history/facebook")
    assert history.status_code == 400 and history.json()["code"] == 156
    social = post(sandbox, "/analytics/social", {"platforms": ["facebook"]})
    assert social.status_code == 400 and social.json()["errors"][0]["code"] == 156
    analytics = post(sandbox, "/analytics/post", {"id": item["id"]}).json()
    assert analytics["status"] == "partial"
    assert [e["platform"] for e in analytics["errors"] if e["code"] == 156] == ["facebook"]
    by_id = post(
        sandbox,
        "/analytics/post",
        {"id": social_id, "platforms": ["facebook"], "searchPlatformId": True},
    )
    assert by_id.status_code == 400 and by_id.json()["code"] == 156
    assert "facebook" not in get(sandbox, "/user").json()["activeSocialAccounts"]
    listed = get(sandbox, "/profiles", profile=None).json()["profiles"][0]
    assert "facebook" not in listed["activeSocialAccounts"]
    # The post made before stays in /history, facebook id and all.
    after = get(sandbox, "/history", lastDays=0, status="success", platform="facebook").json()
    kept = next(i for i in after["history"] if i["id"] == item["id"])
    assert social_id_of(kept, "facebook") == social_id

    sandbox.link(0, "facebook")
    assert get(sandbox, "/history/facebook", limit=20).json()["posts"] == items_before


def test_a_profile_with_nothing_linked_lists_no_accounts(sandbox):
    for platform in get(sandbox, "/user", profile=1).json()["activeSocialAccounts"]:
        assert control(sandbox, 1, "unlink", platform=platform).status_code == 200
    listed = get(sandbox, "/profiles", profile=None).json()["profiles"][1]
    assert "activeSocialAccounts" not in listed
    assert get(sandbox, "/user", profile=1).json()["displayNames"] == []
    sandbox.configure(shapes="2024")
    assert (
        get(sandbox, "/profiles", profile=None).json()["profiles"][1]["activeSocialAccounts"] == []
    )


def test_linking_youtube_opens_its_playlists(sandbox):
    assert get(sandbox, "/analytics/youTubePlaylists", profile=1).status_code == 400
    sandbox.link(1, "youtube")
    playlists = get(sandbox, "/analytics/youTubePlaylists", profile=1)
    assert playlists.status_code == 200 and playlists.json()["playlists"]


def test_refresh_days_are_set_live_count_down_and_reset_on_relinking(sandbox):
    def linkedin_days(profile=0):
        names = get(sandbox, "/user", profile=profile).json()["displayNames"]
        return next(d for d in names if d["platform"] == "linkedin")["refreshDaysRemaining"]

    answer = control(sandbox, 0, "refresh-days", platform="linkedin", days=5)
    assert answer.status_code == 200 and answer.json()["days"] == 5
    assert linkedin_days() == 5
    sandbox.clock.advance(DAY)
    assert linkedin_days() == 4
    sandbox.clock.advance(10 * DAY)
    assert linkedin_days() == 0
    assert sandbox.set_refresh_days(0, "linkedin", 1) == 1
    assert linkedin_days() == 1
    control(sandbox, 0, "link", platform="linkedin")  # re-linking is a fresh authorization
    assert linkedin_days() == 60


def test_bad_control_requests_are_400s(sandbox):
    assert control(sandbox, 0, "link", platform="myspace").status_code == 400
    assert control(sandbox, 0, "link").status_code == 400
    assert control(sandbox, 9, "link", platform="threads").status_code == 400
    assert control(sandbox, 0, "refresh-days", platform="facebook", days=5).status_code == 400
    assert control(sandbox, 0, "refresh-days", platform="linkedin", days=-1).status_code == 400
    assert control(sandbox, 0, "refresh-days", platform="linkedin").status_code == 400
    missing = requests.post(f"{sandbox.base_url}/_sandbox/profiles/0/relink", json={}, timeout=5)
    assert missing.status_code == 404
