"""GET /history and /history/{id}: authentication, every documented filter, the documented shape."""

import pytest
import requests

from dashboard.ayrshare.sandbox import start_sandbox
from dashboard.ayrshare.sandbox.clock import iso
from tests.ayrshare_docs import history_by_id_examples, history_examples

from .conftest import START, get, when

DAY = 86400


def history(sb, profile=0, **params):
    response = get(sb, "/history", profile, **params)
    assert response.status_code == 200, response.text
    return response.json()


def schedule(item) -> int:
    return item["scheduleDate"]["_seconds"]


# --- authentication ------------------------------------------------------------------------------


def test_missing_or_wrong_api_key_is_a_401_with_an_ayrshare_error_body(sandbox):
    for headers in (
        {},
        {"Authorization": "Bearer not-the-key"},
        {"Authorization": sandbox.api_key},
    ):
        response = requests.get(f"{sandbox.url}/history", headers=headers, timeout=5)
        assert response.status_code == 401
        body = response.json()
        assert body["status"] == "error"
        assert body["code"] == 102
        assert body["action"] and body["message"]


def test_unknown_profile_key_is_a_403(sandbox):
    headers = {"Authorization": f"Bearer {sandbox.api_key}", "Profile-Key": "NOT-A-PROFILE"}
    response = requests.get(f"{sandbox.url}/history", headers=headers, timeout=5)
    assert response.status_code == 403
    assert response.json()["code"] == 136


def test_suspended_profile_is_a_403():
    with start_sandbox(profiles=2, posts=50, start=START, speed=0, suspended=(1,)) as sb:
        assert get(sb, "/history", profile=1).status_code == 403
        assert get(sb, "/history", profile=0).status_code == 200


def test_primary_profile_has_no_posts_and_no_linked_networks(sandbox):
    body = history(sandbox, profile=None, lastDays=0)
    assert body["history"] == []
    assert body["refId"] != history(sandbox)["refId"]
    response = get(sandbox, "/history/facebook", profile=None)
    assert response.status_code == 400
    assert response.json()["code"] == 156


def test_each_profile_sees_only_its_own_posts(sandbox):
    ids = [{item["id"] for item in history(sandbox, p, lastDays=0)["history"]} for p in range(3)]
    assert all(ids)
    assert not ids[0] & ids[1] and not ids[1] & ids[2]


# --- the list ------------------------------------------------------------------------------------


def test_response_carries_ref_id_count_and_a_one_minute_freshness_window(sandbox):
    body = history(sandbox, limit=7)
    assert body["count"] == len(body["history"]) == 7
    assert len(body["refId"]) == 40
    last, nxt = when(body["lastUpdated"]), when(body["nextUpdate"])
    assert nxt - last == 60
    assert last <= when(START) < nxt


def test_items_have_the_documented_keys(sandbox):
    documented = set()
    for example in history_examples():
        for item in example["history"]:
            documented |= set(item)
    for item in history(sandbox, lastDays=0)["history"]:
        # mediaUrls appears on posts with media, as on the by-id answer.
        assert set(item) <= documented | {"mediaUrls"}
        assert set(item["scheduleDate"]) == {"_seconds", "_nanoseconds", "utc"}


def test_default_is_the_last_30_days_newest_first_without_deleted_posts(sandbox):
    body = history(sandbox)
    items = body["history"]
    last = when(body["lastUpdated"])
    assert items
    assert all(schedule(item) >= last - 30 * DAY for item in items)
    assert [schedule(i) for i in items] == sorted((schedule(i) for i in items), reverse=True)
    assert not any(item["status"] == "deleted" for item in items)
    # Omitting limit returns everything in the window, not just 25.
    assert len(items) > 25


def test_limit_returns_the_newest_n(sandbox):
    everything = history(sandbox)["history"]
    assert history(sandbox, limit=5)["history"] == everything[:5]


def test_limit_is_capped_at_1000():
    with start_sandbox(profiles=1, posts=3000, start=START, speed=0) as sb:
        assert len(history(sb, lastDays=0, limit=5000)["history"]) == 1000
        assert len(history(sb, lastDays=0)["history"]) == 1000


def test_last_days_narrows_the_window_and_zero_means_everything(sandbox):
    body = history(sandbox, lastDays=5)
    last = when(body["lastUpdated"])
    assert all(schedule(item) >= last - 5 * DAY for item in body["history"])
    everything = history(sandbox, lastDays=0)["history"]
    assert len(everything) > len(history(sandbox)["history"])
    assert min(schedule(item) for item in everything) < last - 150 * DAY


def test_start_and_end_dates_are_inclusive_and_override_last_days(sandbox):
    old = history(sandbox, lastDays=0)["history"][-40:]  # months old: outside lastDays=1
    target = old[20]
    moment = target["scheduleDate"]["utc"]
    ids = [
        item["id"]
        for item in history(sandbox, startDate=moment, endDate=moment, lastDays=1)["history"]
    ]
    assert ids == [target["id"]]
    second_before = iso(schedule(target) - 1, millis=False)
    earlier = history(sandbox, startDate=old[-1]["scheduleDate"]["utc"], endDate=second_before)
    earlier_ids = [item["id"] for item in earlier["history"]]
    assert target["id"] not in earlier_ids
    assert old[21]["id"] in earlier_ids


def test_invalid_date_status_type_or_limit_is_a_400(sandbox):
    for params in (
        {"endDate": "yesterday"},
        {"status": "published"},
        {"type": "later"},
        {"limit": "ten"},
        {"platform": "myspace"},
    ):
        response = get(sandbox, "/history", **params)
        assert response.status_code == 400, params
        assert response.json()["status"] == "error"


def test_deleted_posts_come_back_only_with_status_deleted(sandbox):
    deleted = history(sandbox, lastDays=0, status="deleted")["history"]
    assert deleted and all(item["status"] == "deleted" for item in deleted)
    default_ids = {item["id"] for item in history(sandbox, lastDays=0)["history"]}
    assert not default_ids & {item["id"] for item in deleted}


@pytest.mark.parametrize("status", ["success", "error", "pending", "paused", "awaiting approval"])
def test_status_filter_returns_only_that_status(sandbox, status):
    items = history(sandbox, lastDays=0, status=status)["history"]
    assert items, f"the sandbox should hold some {status} posts"
    assert {item["status"] for item in items} == {status}


def test_failed_posts_list_one_error_per_failed_network_and_no_social_id_for_it(sandbox):
    for item in history(sandbox, lastDays=0, status="error")["history"]:
        failed = {error["platform"] for error in item["errors"]}
        assert failed
        assert all(
            error["status"] == "error" and isinstance(error["code"], int)
            for error in item["errors"]
        )
        assert not failed & {entry["platform"] for entry in item["postIds"]}


def test_pending_posts_are_scheduled_in_the_future_and_have_no_social_ids(sandbox):
    body = history(sandbox, status="pending")
    assert body["history"]
    for item in body["history"]:
        assert schedule(item) > when(body["lastUpdated"])
        assert item["postIds"] == []
        assert item["type"] == "scheduled"


def test_platform_filter_uses_or_logic_and_accepts_the_usual_spellings(sandbox):
    both = history(sandbox, lastDays=0, platform="facebook,instagram")["history"]
    assert all({"facebook", "instagram"} & set(item["platforms"]) for item in both)
    only_fb = history(sandbox, lastDays=0, platform="facebook")["history"]
    only_ig = history(sandbox, lastDays=0, platform="instagram")["history"]
    assert {i["id"] for i in both} == {i["id"] for i in only_fb} | {i["id"] for i in only_ig}
    repeated = get(sandbox, "/history", lastDays=0, platforms=["facebook", "instagram"]).json()
    assert {i["id"] for i in repeated["history"]} == {i["id"] for i in both}
    as_array = history(sandbox, lastDays=0, platform='["facebook","instagram"]')["history"]
    assert {i["id"] for i in as_array} == {i["id"] for i in both}


def test_type_filter_separates_immediate_and_scheduled_posts(sandbox):
    immediate = history(sandbox, lastDays=0, type="immediate")["history"]
    scheduled = history(sandbox, lastDays=0, type="scheduled")["history"]
    assert immediate and scheduled
    assert {item["type"] for item in immediate} == {"now"}
    assert {item["type"] for item in scheduled} == {"scheduled"}


def test_texts_include_html_special_characters_emoji_and_formula_starts(sandbox):
    texts = [item["post"] for p in range(3) for item in history(sandbox, p, lastDays=0)["history"]]
    assert any("<" in text for text in texts)
    assert any("&" in text for text in texts)
    assert any('"' in text for text in texts)
    assert any(any(ord(char) > 0xFFFF for char in text) for text in texts)  # emoji
    assert {text[0] for text in texts} >= {"=", "+", "-", "@"}


def test_social_ids_look_like_each_networks_ids(sandbox):
    ids = {}
    for item in history(sandbox, lastDays=0, status="success")["history"]:
        for entry in item["postIds"]:
            ids.setdefault(entry["platform"], entry["id"])
    assert ids["twitter"].isdigit() and len(ids["twitter"]) == 19
    assert ids["tiktok"].isdigit() and len(ids["tiktok"]) == 19
    page, _, post_part = ids["facebook"].partition("_")
    assert page.isdigit() and post_part.isdigit()
    assert ids["instagram"].isdigit() and len(ids["instagram"]) == 17
    assert ids["linkedin"].startswith("urn:li:share:")
    assert ids["pinterest"].isdigit()
    assert len(ids["youtube"]) == 11
    assert ids["bluesky"].startswith("at://did:plc:")


# --- by id ---------------------------------------------------------------------------------------


def test_history_by_id_returns_an_array_with_the_documented_keys(sandbox):
    item = history(sandbox, status="success", limit=1)["history"][0]
    response = get(sandbox, f"/history/{item['id']}")
    assert response.status_code == 200
    body = response.json()
    assert isinstance(body, list) and len(body) == 1
    found = body[0]
    documented = set(history_by_id_examples()[0][0])
    assert documented - {"notes"} <= set(found) <= documented
    assert found["id"] == item["id"]
    assert set(found["createDate"]) == {"_seconds", "_nanoseconds", "utc"}
    assert [e["id"] for e in found["postIds"]] == [e["id"] for e in item["postIds"]]
    assert all(entry["postUrl"].startswith("https://") for entry in found["postIds"])


def test_history_by_unknown_id_is_a_404(sandbox):
    response = get(sandbox, "/history/AAAAAAAAAAAAAAAAAAAA")
    assert response.status_code == 404
    assert response.json()["status"] == "error"
    other_profile_id = history(sandbox, 1, limit=1)["history"][0]["id"]
    assert get(sandbox, f"/history/{other_profile_id}", profile=0).status_code == 404


def test_a_pending_post_becomes_success_with_social_ids_after_its_schedule_date(sandbox):
    pending = history(sandbox, status="pending")["history"][-1]  # the soonest one
    assert pending["postIds"] == []
    sandbox.clock.set(schedule(pending) + 600)
    after = get(sandbox, f"/history/{pending['id']}").json()[0]
    assert after["status"] in ("success", "error")
    sent = {entry["platform"] for entry in after["postIds"]}
    failed = {error["platform"] for error in after["errors"]}
    assert sent | failed == set(after["platforms"])
    assert sent or after["status"] == "error"
