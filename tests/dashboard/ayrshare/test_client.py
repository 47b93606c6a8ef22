"""The Ayrshare HTTP client, tested at the HTTP boundary with `responses`."""

import gzip
import io
import json
import logging
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from responses import matchers

from dashboard import upsert
from dashboard.ayrshare import normalize
from dashboard.ayrshare.client import (
    AuthError,
    AyrshareClient,
    AyrshareError,
    BudgetExhausted,
    MalformedResponseError,
    NoAnswerError,
    NotFoundError,
    OutOfTime,
    RateLimitError,
    RequestError,
    TransientError,
)
from dashboard.models import PlatformPost
from tests.accounts.factories import ProfileFactory
from tests.ayrshare_docs import history_by_id_examples

BASE = "https://ayrshare.invalid/api"
API_KEY = "TEST-API-KEY-7f3a9c"
PROFILE_KEY = "TEST-PROFILE-KEY-51d0e2"
X_KEY = "TEST-X-CONSUMER-KEY-aa11"
X_SECRET = "TEST-X-CONSUMER-SECRET-bb22"
SECRETS = (API_KEY, PROFILE_KEY, X_KEY, X_SECRET)
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ayrshare"


def fixture(name):
    return json.loads((FIXTURES / name).read_text())


class Sleeps(list):
    """Records the backoff delays instead of sleeping."""

    def __call__(self, seconds):
        self.append(seconds)


@pytest.fixture
def rsps():
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def make_client(sleeps):
    def make(**kwargs):
        kwargs.setdefault("base_url", BASE)
        kwargs.setdefault("timeout", (5, 60))
        kwargs.setdefault("max_retries", 3)
        kwargs.setdefault("sleep", sleeps)
        return AyrshareClient(API_KEY, kwargs.pop("profile_key", PROFILE_KEY), **kwargs)

    return make


def query(call):
    return parse_qs(urlsplit(call.request.url).query)


# --- Headers --------------------------------------------------------------------------------


def test_sends_bearer_key_profile_key_and_user_agent(rsps, make_client):
    rsps.get(
        f"{BASE}/history",
        json={"history": []},
        match=[
            matchers.header_matcher(
                {
                    "Authorization": f"Bearer {API_KEY}",
                    "Profile-Key": PROFILE_KEY,
                    "User-Agent": "social-dashboard/0.1 (+self-hosted)",
                }
            )
        ],
    )

    assert make_client().history() == {"history": []}
    sent = rsps.calls[0].request.headers
    assert "X-Twitter-OAuth1-Api-Key" not in sent
    assert "X-Twitter-OAuth1-Api-Secret" not in sent


def test_primary_profile_sends_no_profile_key_header(rsps, make_client):
    rsps.get(f"{BASE}/history", json={"history": []})

    make_client(profile_key="").history()

    assert "Profile-Key" not in rsps.calls[0].request.headers


def test_sends_x_credentials_when_configured(rsps, make_client):
    rsps.post(
        f"{BASE}/analytics/post",
        json={"status": "success"},
        match=[
            matchers.header_matcher(
                {"X-Twitter-OAuth1-Api-Key": X_KEY, "X-Twitter-OAuth1-Api-Secret": X_SECRET}
            )
        ],
    )

    make_client(x_api_key=X_KEY, x_api_secret=X_SECRET).post_analytics("post1")


def test_refuses_an_x_key_without_its_secret():
    with pytest.raises(ValueError, match="both"):
        AyrshareClient(API_KEY, base_url=BASE, x_api_key=X_KEY)


def test_refuses_a_key_with_a_line_break_without_echoing_it():
    with pytest.raises(ValueError) as excinfo:
        AyrshareClient("abc\ndef", base_url=BASE)
    assert "abc" not in str(excinfo.value)


# --- Query parameters and bodies ------------------------------------------------------------


def test_history_encodes_filters_as_documented(rsps, make_client):
    rsps.get(f"{BASE}/history", json={"history": []})
    lisbon_summer = timezone(timedelta(hours=1))

    make_client().history(
        limit=100,
        platforms=["facebook", "instagram"],
        start_date=datetime(2025, 1, 1, 13, 30, 15, 999, tzinfo=lisbon_summer),
        end_date=datetime(2025, 3, 1, 12, 30, tzinfo=UTC),
        last_days=0,
        status="awaiting approval",
        post_type="scheduled",
    )

    assert query(rsps.calls[0]) == {
        "limit": ["100"],
        "platform": ["facebook", "instagram"],
        "startDate": ["2025-01-01T12:30:15Z"],
        "endDate": ["2025-03-01T12:30:00Z"],
        "lastDays": ["0"],
        "status": ["awaiting approval"],
        "type": ["scheduled"],
    }


def test_history_without_filters_sends_no_query(rsps, make_client):
    rsps.get(f"{BASE}/history", json={"history": []})

    make_client().history()

    assert urlsplit(rsps.calls[0].request.url).query == ""


@pytest.mark.parametrize(
    "kwargs",
    [
        {"start_date": datetime(2025, 1, 1, 12, 0)},  # naive: which zone?
        {"start_date": "2025-01-01"},
        {"limit": 0},
        {"limit": 1001},
        {"last_days": -1},
        {"status": "published"},
        {"post_type": "now"},
        {"platforms": ["Facebook"]},
    ],
)
def test_history_refuses_bad_arguments_before_any_request(rsps, make_client, kwargs):
    with pytest.raises(ValueError):
        make_client().history(**kwargs)
    assert len(rsps.calls) == 0


def test_platform_history_params(rsps, make_client):
    rsps.get(f"{BASE}/history/facebook", json={"status": "success", "posts": []})

    make_client().platform_history(
        "facebook", limit=100, facebook_type="pagePublished", skip_analytics=True
    )

    assert query(rsps.calls[0]) == {
        "limit": ["100"],
        "pagePublished": ["true"],
        "skipAnalytics": ["true"],
    }


def test_platform_history_feed_is_the_api_default_and_sends_nothing(rsps, make_client):
    rsps.get(f"{BASE}/history/facebook", json={"status": "success", "posts": []})

    make_client().platform_history("facebook", facebook_type="feed")

    assert query(rsps.calls[0]) == {}


@pytest.mark.parametrize(
    "platform, kwargs",
    [
        ("instagram", {"facebook_type": "pagePublished"}),
        ("facebook", {"facebook_type": "published"}),
        ("facebook", {"limit": 501}),
        ("../profiles", {}),
    ],
)
def test_platform_history_refuses_bad_arguments(rsps, make_client, platform, kwargs):
    with pytest.raises(ValueError):
        make_client().platform_history(platform, **kwargs)
    assert len(rsps.calls) == 0


def test_history_post_returns_the_post_from_the_documented_array(rsps, make_client):
    documented = history_by_id_examples()[0]
    rsps.get(f"{BASE}/history/TBEEAqAMMJoweA8wKHUp", json=documented)

    post = make_client().history_post("TBEEAqAMMJoweA8wKHUp")

    assert post == documented[0]
    assert post["id"] == "TBEEAqAMMJoweA8wKHUp"


def test_history_post_accepts_an_object_too(rsps, make_client):
    rsps.get(f"{BASE}/history/abc", json={"id": "abc", "status": "success"})

    assert make_client().history_post("abc") == {"id": "abc", "status": "success"}


def test_history_post_with_an_empty_array_is_not_found(rsps, make_client):
    rsps.get(f"{BASE}/history/abc", json=[])

    with pytest.raises(NotFoundError):
        make_client().history_post("abc")


def test_history_post_quotes_the_id_into_one_path_segment(rsps, make_client):
    rsps.get(f"{BASE}/history/a%2Fb", json={"id": "a/b"})

    assert make_client().history_post("a/b")["id"] == "a/b"


def test_post_analytics_bodies(rsps, make_client):
    analytics = fixture("analytics_post.json")
    rsps.post(
        f"{BASE}/analytics/post",
        json=analytics,
        match=[matchers.json_params_matcher({"id": "post1"}, strict_match=True)],
    )
    rsps.post(
        f"{BASE}/analytics/post",
        json=analytics,
        match=[
            matchers.json_params_matcher(
                {"id": "post1", "platforms": ["facebook", "twitter"]}, strict_match=True
            )
        ],
    )
    client = make_client()

    assert client.post_analytics("post1") == analytics
    assert client.post_analytics("post1", platforms=["facebook", "twitter"]) == analytics


def test_post_analytics_by_social_id_body(rsps, make_client):
    rsps.post(
        f"{BASE}/analytics/post",
        json=fixture("analytics_post_social_id.json"),
        match=[
            matchers.json_params_matcher(
                {
                    "id": "108908592035456_102646726003811",
                    "platforms": ["facebook"],
                    "searchPlatformId": True,
                },
                strict_match=True,
            )
        ],
    )

    make_client().post_analytics_by_social_id("108908592035456_102646726003811", "facebook")


def test_social_analytics_body(rsps, make_client):
    rsps.post(
        f"{BASE}/analytics/social",
        json=fixture("analytics_social.json"),
        match=[matchers.json_params_matcher({"platforms": ["facebook", "youtube"]})],
    )

    data = make_client().social_analytics(["facebook", "youtube"])

    assert data == fixture("analytics_social.json")


def test_link_analytics_last_days(rsps, make_client):
    rsps.get(
        f"{BASE}/analytics/links",
        json=fixture("analytics_links.json"),
        match=[matchers.query_param_matcher({"lastDays": "30"})],
    )
    client = make_client()

    assert client.link_analytics(last_days=30)["links"][0]["clickCount"] == 143
    with pytest.raises(ValueError):
        client.link_analytics(last_days=31)


def test_link_analytics_accepts_a_bare_list(rsps, make_client):
    rsps.get(f"{BASE}/analytics/links", json=[{"id": "yC0fTl"}])

    assert make_client().link_analytics() == [{"id": "yC0fTl"}]


def test_youtube_playlists(rsps, make_client):
    rsps.get(f"{BASE}/analytics/youTubePlaylists", json=fixture("youtube_playlists.json"))

    assert len(make_client().youtube_playlists()["playlists"]) == 2


def test_profiles_pages_with_cursor_and_limit(rsps, make_client):
    page = fixture("profiles_last_page.json")
    rsps.get(
        f"{BASE}/profiles",
        json=page,
        match=[matchers.query_param_matcher({"cursor": "eyJyZWZJZCI6", "limit": "3"})],
    )

    assert make_client().profiles(cursor="eyJyZWZJZCI6", limit=3) == page


def test_user_returns_the_profile_details(rsps, make_client):
    details = {"refId": "160c8700bd6ade", "activeSocialAccounts": ["facebook", "twitter"]}
    rsps.get(f"{BASE}/user", json=details)

    assert make_client().user() == details


# --- Timeouts and retries -------------------------------------------------------------------


def test_every_request_carries_connect_and_read_timeouts(rsps, make_client):
    rsps.get(f"{BASE}/history", json={"history": []})

    make_client(timeout=(3, 45)).history()

    assert rsps.calls[0].request.req_kwargs["timeout"] == (3.0, 45.0)


def test_retries_server_errors_then_returns_the_answer(rsps, make_client, sleeps):
    rsps.get(f"{BASE}/history", status=502, body="Bad gateway")
    rsps.get(f"{BASE}/history", status=503, json={"status": "error", "message": "busy"})
    rsps.get(f"{BASE}/history", json={"history": [{"id": "p1"}]})

    data = make_client(backoff_base=0.5, backoff_cap=8.0).history()

    assert data == {"history": [{"id": "p1"}]}
    assert len(rsps.calls) == 3
    assert len(sleeps) == 2
    # Full jitter: each delay is drawn between 0 and the exponential ceiling (0.5 s, then 1 s).
    assert 0 <= sleeps[0] <= 0.5
    assert 0 <= sleeps[1] <= 1.0


def test_retries_connection_errors_then_returns_the_answer(rsps, make_client, sleeps):
    rsps.get(f"{BASE}/history/facebook", body=requests.ConnectionError("connection refused"))
    rsps.get(f"{BASE}/history/facebook", json={"status": "success", "posts": []})

    assert make_client().platform_history("facebook") == {"status": "success", "posts": []}
    assert len(sleeps) == 1


def test_backoff_never_exceeds_the_cap(rsps, make_client, sleeps):
    for _ in range(6):
        rsps.get(f"{BASE}/history", status=500)

    with pytest.raises(TransientError):
        make_client(max_retries=5, backoff_base=1.0, backoff_cap=2.0).history()

    assert len(sleeps) == 5
    assert all(0 <= s <= 2.0 for s in sleeps)


def test_a_server_error_with_a_short_retry_after_is_retried_no_sooner(rsps, make_client, sleeps):
    rsps.get(f"{BASE}/history", status=503, headers={"Retry-After": "3"})
    rsps.get(f"{BASE}/history", json={"history": []})

    assert make_client(backoff_cap=8.0).history() == {"history": []}
    assert sleeps == [3.0]


def test_a_server_error_with_a_long_retry_after_gives_up_at_once(rsps, make_client, sleeps):
    rsps.get(f"{BASE}/history", status=503, headers={"Retry-After": "600"})

    with pytest.raises(TransientError) as excinfo:
        make_client(backoff_cap=8.0).history()

    # A worker does not hold a unit for ten minutes: the unit backs off that long instead.
    assert excinfo.value.retry_after == 600
    assert len(rsps.calls) == 1 and sleeps == []
    assert excinfo.value.status == 503


def test_server_errors_past_the_retry_budget_raise_transient(rsps, make_client):
    for _ in range(3):
        rsps.get(f"{BASE}/history", status=503, json={"status": "error", "message": "Overloaded"})

    with pytest.raises(TransientError) as excinfo:
        make_client(max_retries=2).history()

    error = excinfo.value
    assert type(error) is TransientError
    assert error.status == 503
    assert len(rsps.calls) == 3
    assert str(error) == "Overloaded; gave up after 3 attempts (GET /history, HTTP 503)"


def test_read_timeouts_past_the_retry_budget_say_how_long_we_waited(rsps, make_client):
    for _ in range(2):
        rsps.get(f"{BASE}/history/facebook", body=requests.ReadTimeout("read timed out"))

    with pytest.raises(TransientError) as excinfo:
        make_client(max_retries=1, timeout=(5, 60)).platform_history("facebook")

    error = excinfo.value
    assert error.status is None
    assert str(error) == (
        "Ayrshare did not answer within 60 s; gave up after 2 attempts (GET /history/facebook)"
    )


def test_connect_timeout_message(rsps, make_client):
    rsps.get(f"{BASE}/profiles", body=requests.ConnectTimeout("connect timed out"))

    with pytest.raises(TransientError, match="did not accept a connection within 5 s"):
        make_client(max_retries=0, timeout=(5, 60)).profiles()


def test_client_errors_are_never_retried(rsps, make_client, sleeps):
    rsps.get(f"{BASE}/history", status=400, json=fixture("error_single.json"))

    with pytest.raises(RequestError):
        make_client().history()

    assert len(rsps.calls) == 1
    assert sleeps == []


# --- Deadlines -----------------------------------------------------------------------------


class Clock:
    """Time that passes only when the client sleeps or a fake answer takes its time."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock():
    return Clock()


def hanging(clock):
    """Ayrshare never answers: each attempt waits out its read timeout, then fails."""

    def answer(request):
        clock.now += request.req_kwargs["timeout"][1]
        raise requests.ReadTimeout("read timed out")

    return answer


def slow(clock, seconds, status, headers=None):
    def answer(request):
        clock.now += seconds
        return status, headers or {}, json.dumps({"status": "error", "message": "busy"})

    return answer


class Trickle(io.RawIOBase):
    """A body arriving a byte at a time, each byte well inside the read timeout."""

    def __init__(self, body, clock, gap):
        self.body, self.clock, self.gap = body, clock, gap

    def readable(self):
        return True

    def readinto(self, buffer):
        if not self.body:
            return 0
        self.clock.now += self.gap
        buffer[0], self.body = self.body[0], self.body[1:]
        return 1


def test_a_hanging_call_ends_at_its_deadline_not_after_every_retry(rsps, make_client, clock):
    rsps.add_callback(responses.GET, f"{BASE}/history", callback=hanging(clock))
    started = clock()

    with pytest.raises(NoAnswerError) as excinfo:
        make_client(
            timeout=(5, 60), max_retries=3, deadline=90, clock=clock, sleep=clock.sleep
        ).history()

    # Four attempts of 60 s would hold the worker for four minutes; the second attempt gets only
    # what the first and its backoff left of the 90 s, and no third one starts.
    assert clock() - started == pytest.approx(90)
    timeouts = [call.request.req_kwargs["timeout"] for call in rsps.calls]
    assert timeouts == [(5, 60), (5, pytest.approx(30 - clock.sleeps[0]))]
    assert str(excinfo.value) == (
        "Ayrshare did not answer within 90 s; gave up after 2 attempts (GET /history)"
    )
    assert isinstance(excinfo.value, TransientError) and excinfo.value.status is None


def test_a_deadline_shorter_than_the_read_timeout_cuts_the_first_attempt(rsps, make_client, clock):
    rsps.add_callback(responses.GET, f"{BASE}/links", callback=hanging(clock))

    with pytest.raises(NoAnswerError, match=r"^Ayrshare did not answer within 20 s \(GET /links"):
        make_client(timeout=(5, 60), deadline=20, clock=clock, sleep=clock.sleep).links()

    assert [call.request.req_kwargs["timeout"] for call in rsps.calls] == [(5, 20)]
    assert clock.sleeps == []


def test_no_backoff_starts_that_would_leave_no_time_for_the_retry(rsps, make_client, clock):
    # Each 503 takes 4.6 s to come: after two and a backoff, less than a second would be left.
    rsps.add_callback(responses.GET, f"{BASE}/history", callback=slow(clock, 4.6, 503))
    started = clock()

    with pytest.raises(TransientError) as excinfo:
        make_client(max_retries=5, deadline=10, clock=clock, sleep=clock.sleep).history()

    assert type(excinfo.value) is TransientError  # Ayrshare answered: not a hang
    assert excinfo.value.status == 503
    assert len(rsps.calls) == 2 and len(clock.sleeps) == 1
    assert clock() - started <= 10


def test_a_retry_after_longer_than_the_deadline_leaves_is_not_waited(rsps, make_client, clock):
    headers = {"Retry-After": "5"}
    rsps.add_callback(responses.GET, f"{BASE}/history", callback=slow(clock, 6, 503, headers))

    with pytest.raises(TransientError) as excinfo:
        make_client(deadline=10, backoff_cap=8.0, clock=clock, sleep=clock.sleep).history()

    # 6 s spent, 5 s asked: the retry could not finish by the deadline, so the unit backs off
    # for the 5 s instead of the worker sleeping through them.
    assert clock.sleeps == [] and len(rsps.calls) == 1
    assert excinfo.value.retry_after == 5


def test_a_retry_after_that_fits_is_still_honoured(rsps, make_client, clock):
    headers = {"Retry-After": "5"}
    rsps.add_callback(responses.GET, f"{BASE}/history", callback=slow(clock, 2, 503, headers))
    rsps.get(f"{BASE}/history", json={"history": []})

    client = make_client(deadline=10, backoff_cap=8.0, clock=clock, sleep=clock.sleep)

    assert client.history() == {"history": []}
    assert clock.sleeps == [5.0]
    # The retry may take only what is left: 10 - 2 - 5.
    assert rsps.calls[1].request.req_kwargs["timeout"] == (pytest.approx(3), pytest.approx(3))


def test_an_answer_trickling_in_is_cut_at_the_deadline(rsps, make_client, clock):
    # A byte every 10 s never trips a 60 s read timeout: requests alone would wait for all 200.
    body = json.dumps({"history": [], "note": "x" * 170}).encode()
    trickle = io.BufferedReader(Trickle(body, clock, gap=10), buffer_size=1)
    rsps.get(f"{BASE}/history", body=trickle, content_type="application/json")
    started = clock()

    with pytest.raises(
        NoAnswerError, match=r"^Ayrshare did not answer within 100 s \(GET /history\)$"
    ):
        make_client(timeout=(5, 60), deadline=90, clock=clock, sleep=clock.sleep).history()

    assert clock() - started == 100  # past the deadline by one read at most


def test_a_compressed_answer_is_read_whole(rsps, make_client):
    answer = {"history": [{"id": f"post-{n}", "post": "words " * 40} for n in range(300)]}
    rsps.get(
        f"{BASE}/history",
        body=gzip.compress(json.dumps(answer).encode()),
        headers={"Content-Encoding": "gzip"},
        content_type="application/json",
    )

    assert make_client().history() == answer


def test_a_refused_connection_is_not_taken_for_a_hang(rsps, make_client, clock):
    rsps.get(f"{BASE}/history", body=requests.ConnectionError("connection refused"))

    with pytest.raises(TransientError) as excinfo:
        make_client(max_retries=0, clock=clock, sleep=clock.sleep).history()

    assert not isinstance(excinfo.value, NoAnswerError)


def test_a_connection_never_accepted_is_a_hang(rsps, make_client):
    rsps.get(f"{BASE}/history", body=requests.ConnectTimeout("connect timed out"))

    with pytest.raises(NoAnswerError, match="did not accept a connection within 5 s"):
        make_client(max_retries=0, timeout=(5, 60)).history()


def test_a_call_whose_deadline_would_outlast_stop_at_is_not_started(make_client, clock):
    charged = []
    client = make_client(
        deadline=90, stop_at=clock() + 89, clock=clock, before_request=lambda: charged.append(1)
    )

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(f"{BASE}/history", json={"history": []})
        with pytest.raises(OutOfTime):
            client.history()
        assert len(mock.calls) == 0
    assert charged == []  # no request of the profile's budget spent on it


def test_a_call_whose_deadline_fits_before_stop_at_runs(rsps, make_client, clock):
    rsps.get(f"{BASE}/history", json={"history": []})
    client = make_client(deadline=90, stop_at=clock() + 90, clock=clock)

    assert client.history() == {"history": []}


def test_the_call_deadline_comes_from_django_settings(rsps, settings, sleeps):
    settings.AYRSHARE_API_URL = "https://sandbox.invalid/api"
    settings.AYRSHARE_CONNECT_TIMEOUT = 5
    settings.AYRSHARE_READ_TIMEOUT = 60
    settings.AYRSHARE_CALL_DEADLINE = 12
    rsps.get("https://sandbox.invalid/api/history", json={"history": []})

    AyrshareClient(API_KEY, sleep=sleeps).history()

    connect, read = rsps.calls[0].request.req_kwargs["timeout"]
    assert connect == 5 and 11 < read <= 12


@pytest.mark.parametrize("deadline", [0, -1, float("inf"), "90", True])
def test_refuses_a_deadline_that_is_not_a_positive_number(deadline):
    with pytest.raises(ValueError, match="deadline"):
        AyrshareClient(API_KEY, base_url=BASE, deadline=deadline)


# --- Rate limits ----------------------------------------------------------------------------


def http_date(delta):
    return format_datetime(datetime.now(UTC) + delta, usegmt=True)


@pytest.mark.parametrize(
    "header, low, high",
    [
        ({"Retry-After": "120"}, 120, 120),
        ({"Retry-After": "2.5"}, 2.5, 2.5),
        ({"Retry-After": "-5"}, 0, 0),
        ({"Retry-After": "soon"}, 60, 60),
        ({}, 60, 60),
    ],
)
def test_429_raises_rate_limit_with_retry_after_seconds(rsps, make_client, header, low, high):
    rsps.get(f"{BASE}/history", status=429, json=fixture("error_rate_limit.json"), headers=header)

    with pytest.raises(RateLimitError) as excinfo:
        make_client().history()

    assert low <= excinfo.value.retry_after <= high
    assert excinfo.value.status == 429
    assert excinfo.value.code == "429"


def test_429_retry_after_as_an_http_date(rsps, make_client):
    rsps.get(f"{BASE}/history", status=429, headers={"Retry-After": http_date(timedelta(hours=1))})

    with pytest.raises(RateLimitError) as excinfo:
        make_client().history()

    assert 3590 <= excinfo.value.retry_after <= 3600


def test_429_retry_after_date_in_the_past_means_now(rsps, make_client):
    rsps.get(f"{BASE}/history", status=429, headers={"Retry-After": http_date(-timedelta(hours=1))})

    with pytest.raises(RateLimitError) as excinfo:
        make_client().history()

    assert excinfo.value.retry_after == 0


def test_429_is_not_retried_inside_the_client(rsps, make_client, sleeps):
    rsps.get(f"{BASE}/history", status=429, body="slow down")

    with pytest.raises(RateLimitError):
        make_client(max_retries=3).history()

    assert len(rsps.calls) == 1
    assert sleeps == []


def test_platform_side_throttle_with_its_own_code_is_a_rate_limit(rsps, make_client):
    body = {
        "status": "error",
        "errors": [
            {
                "action": "analytics",
                "status": "error",
                "code": 137,
                "message": "Instagram rate limit reached. Please try again later.",
                "platform": "instagram",
            }
        ],
    }
    rsps.post(f"{BASE}/analytics/post", json=body, headers={"Retry-After": "300"})

    with pytest.raises(RateLimitError) as excinfo:
        make_client().post_analytics("post1", platforms=["instagram"])

    assert excinfo.value.retry_after == 300
    assert excinfo.value.code == "137"
    assert excinfo.value.errors[0]["platform"] == "instagram"


def test_rate_limit_usage_is_read_from_the_last_response(rsps, make_client):
    rsps.get(
        f"{BASE}/history",
        json={"history": []},
        headers={"x-ratelimit-max": "300", "x-ratelimit-count": "17"},
    )
    rsps.get(
        f"{BASE}/history",
        status=429,
        headers={"x-ratelimit-max": "300", "x-ratelimit-count": "300"},
    )
    rsps.get(f"{BASE}/history", json={"history": []})
    client = make_client()
    assert client.last_rate_limit is None

    client.history()
    assert client.last_rate_limit == {"max": 300, "count": 17}

    with pytest.raises(RateLimitError):
        client.history()
    assert client.last_rate_limit == {"max": 300, "count": 300}

    client.history()
    assert client.last_rate_limit is None


def test_unreadable_rate_limit_headers_are_ignored(rsps, make_client):
    rsps.get(
        f"{BASE}/history",
        json={"history": []},
        headers={"x-ratelimit-max": "lots", "x-ratelimit-count": "17"},
    )
    client = make_client()

    client.history()

    assert client.last_rate_limit is None


# --- Typed errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, error_class, code, message",
    [
        (401, AuthError, 102, "API Key not valid."),
        (403, AuthError, 101, "Profile Key not valid."),
        (404, NotFoundError, 114, "Post ID not found."),
        (400, RequestError, 110, "Platform not supported."),
        (422, RequestError, 111, "Unprocessable."),
    ],
)
def test_http_errors_are_typed_with_code_and_message(
    rsps, make_client, status, error_class, code, message
):
    body = {"action": "analytics", "status": "error", "code": code, "message": message}
    rsps.post(f"{BASE}/analytics/post", status=status, json=body)

    with pytest.raises(error_class) as excinfo:
        make_client().post_analytics("post1")

    error = excinfo.value
    assert not isinstance(error, TransientError)
    assert (error.status, error.code, error.message) == (status, str(code), message)
    assert error.endpoint == "POST /analytics/post"
    assert str(error) == f"{message} (POST /analytics/post, HTTP {status}, code {code})"


def test_http_200_with_status_error_lists_each_platform(rsps, make_client):
    rsps.post(f"{BASE}/analytics/post", json=fixture("error_platforms.json"))

    with pytest.raises(RequestError) as excinfo:
        make_client().post_analytics("RhrbDtYh7hdSMc67zC8H")

    error = excinfo.value
    assert error.status == 200
    assert [e["platform"] for e in error.errors] == ["facebook", "instagram"]
    assert [e["code"] for e in error.errors] == [161, 485]
    assert "facebook (code 161: Facebook authorization has expired" in str(error)
    assert "instagram (code 485:" in str(error)


def test_partial_success_is_returned_as_data(rsps, make_client):
    partial = fixture("error_partial.json")
    rsps.post(f"{BASE}/analytics/post", json=partial)

    assert make_client().post_analytics("RhrbDtYh7hdSMc67zC8H") == partial


@pytest.mark.parametrize(
    "status, body, content_type",
    [
        (200, "<html><body>Gateway</body></html>", "text/html"),
        (200, "not json at all", "text/plain"),
        (200, "", "application/json"),
        (404, "<html><h1>404 Not Found</h1></html>", "text/html"),
        (401, "<html>Sign in</html>", "text/html"),
    ],
)
def test_bodies_that_are_not_json_are_malformed(rsps, make_client, status, body, content_type):
    rsps.get(f"{BASE}/history", status=status, body=body, content_type=content_type)

    with pytest.raises(MalformedResponseError) as excinfo:
        make_client().history()

    assert isinstance(excinfo.value, TransientError)
    assert excinfo.value.status == status


def test_json_of_the_wrong_top_level_type_is_malformed(rsps, make_client):
    rsps.get(f"{BASE}/history", json=[{"id": "p1"}])
    rsps.get(f"{BASE}/analytics/youTubePlaylists", json="ok")
    client = make_client()

    with pytest.raises(MalformedResponseError, match="wrong shape"):
        client.history()
    with pytest.raises(MalformedResponseError):
        client.youtube_playlists()


# --- The budget hook ------------------------------------------------------------------------


def test_before_request_runs_before_every_attempt(rsps, make_client):
    rsps.get(f"{BASE}/history", status=500)
    rsps.get(f"{BASE}/history", body=requests.ConnectionError("reset"))
    rsps.get(f"{BASE}/history", json={"history": []})
    charged = []

    make_client(before_request=lambda: charged.append(len(rsps.calls))).history()

    # Charged once per attempt, each time before that attempt went out.
    assert charged == [0, 1, 2]


def test_budget_exhausted_propagates_without_a_request(make_client):
    def no_budget():
        raise BudgetExhausted("profile budget used up")

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(f"{BASE}/history", json={"history": []})
        with pytest.raises(BudgetExhausted):
            make_client(before_request=no_budget).history()
        assert len(mock.calls) == 0


def one_request_left():
    """A before_request hook that lets one attempt out and refuses the next."""
    budget = iter([None])

    def charge():
        if next(budget, "spent") == "spent":
            raise BudgetExhausted("profile budget used up")

    return charge


def test_budget_exhausted_on_a_retry_gives_the_call_up_with_its_server_error(rsps, make_client):
    rsps.get(
        f"{BASE}/history",
        status=503,
        headers={"Retry-After": "0"},
        json={"status": "error", "message": "Overloaded"},
    )

    with pytest.raises(TransientError) as excinfo:
        make_client(before_request=one_request_left()).history()

    # The call met a 503 and could not retry it: a failure for the caller to back off from,
    # not a spent budget it would only pause for as if nothing had failed.
    assert len(rsps.calls) == 1
    assert excinfo.value.status == 503
    assert excinfo.value.retry_after == 0
    assert str(excinfo.value) == "Overloaded (GET /history, HTTP 503)"
    assert isinstance(excinfo.value.__cause__, BudgetExhausted)


def test_budget_exhausted_on_a_retry_after_a_timeout_is_no_answer(rsps, make_client):
    rsps.get(f"{BASE}/history", body=requests.ReadTimeout("slow"))

    with pytest.raises(NoAnswerError):
        make_client(before_request=one_request_left()).history()
    assert len(rsps.calls) == 1


# --- Secrets --------------------------------------------------------------------------------


def test_secrets_never_reach_errors_or_logs(rsps, make_client, caplog):
    caplog.set_level(logging.DEBUG)
    echo = f"Key {API_KEY} with Profile-Key {PROFILE_KEY} is not valid"
    rsps.get(f"{BASE}/history", status=401, json={"status": "error", "code": 102, "message": echo})
    rsps.post(
        f"{BASE}/analytics/post",
        json={"status": "error", "errors": [{"platform": "twitter", "message": f"bad {X_SECRET}"}]},
    )
    rsps.get(f"{BASE}/profiles", body=requests.ConnectionError(f"refused for {X_KEY}"))
    rsps.get(f"{BASE}/analytics/links", status=429)
    client = make_client(x_api_key=X_KEY, x_api_secret=X_SECRET, max_retries=0)

    raised = []
    for call in (
        client.history,
        lambda: client.post_analytics("p1"),
        client.profiles,
        client.link_analytics,
    ):
        with pytest.raises(AyrshareError) as excinfo:
            call()
        raised.append(excinfo.value)

    assert "[redacted]" in str(raised[0])
    texts = [caplog.text, repr(client)]
    texts += [str(e) for e in raised] + [repr(e) for e in raised]
    texts += [repr(e.errors) + e.message for e in raised]
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


# --- Logging, configuration -----------------------------------------------------------------


def test_logs_one_info_line_per_request(rsps, make_client, caplog):
    caplog.set_level(logging.INFO, logger="dashboard.ayrshare.client")
    rsps.get(f"{BASE}/history", status=502)
    rsps.get(f"{BASE}/history", json={"history": []})

    make_client().history(limit=5)

    lines = [r.getMessage() for r in caplog.records if r.name == "dashboard.ayrshare.client"]
    assert len(lines) == 2
    assert lines[0].startswith("Ayrshare GET /history: HTTP 502 in ")
    assert lines[1].startswith("Ayrshare GET /history: HTTP 200 in ")


@pytest.mark.parametrize(
    "base_url",
    [
        "",
        "api.ayrshare.com/api",
        "ftp://api.ayrshare.com/api",
        "http://api.ayrshare.com/api",  # the key would travel in clear text
        "https://user:pw@api.ayrshare.com/api",
        "https://api.ayrshare.com/api?x=1",
        "https://api.ayrshare.com:99999/api",
    ],
)
def test_refuses_bad_base_urls(base_url):
    with pytest.raises(ValueError):
        AyrshareClient(API_KEY, base_url=base_url)


def test_plain_http_is_allowed_for_the_local_sandbox(rsps, make_client):
    rsps.get("http://127.0.0.1:8001/api/history", json={"history": []})

    make_client(base_url="http://127.0.0.1:8001/api/").history()


def test_defaults_come_from_django_settings(rsps, settings, sleeps):
    settings.AYRSHARE_API_URL = "https://sandbox.invalid/api"
    settings.AYRSHARE_CONNECT_TIMEOUT = 2
    settings.AYRSHARE_READ_TIMEOUT = 7
    settings.AYRSHARE_MAX_RETRIES = 0
    rsps.get("https://sandbox.invalid/api/history", status=503)

    with pytest.raises(TransientError):
        AyrshareClient(API_KEY, sleep=sleeps).history()

    assert len(rsps.calls) == 1
    assert rsps.calls[0].request.req_kwargs["timeout"] == (2.0, 7.0)


@pytest.mark.django_db
def test_a_caption_with_nul_characters_and_a_nan_count_are_stored_without_them(rsps, make_client):
    body = (FIXTURES / "current" / "history_facebook.json").read_text()
    body = body.replace('"Summer opening hours"', '"Summer\\u0000 opening hours"')
    body = body.replace('"likeCount": 64', '"likeCount": NaN')
    rsps.get(f"{BASE}/history/facebook", body=body, content_type="application/json")
    profile = ProfileFactory()

    answer = make_client().platform_history("facebook")
    posts = normalize.platform_posts("facebook", answer)
    upsert.upsert_network_posts(profile, posts, datetime.now(UTC))

    stored = {p.social_id: p for p in PlatformPost.objects.filter(profile=profile)}
    assert len(stored) == 2  # the page is stored whole, not refused for one caption
    assert stored["104619420979033_1185120442210987"].text == "Summer opening hours"
    assert stored["104619420979033_1187733406612245"].likes is None  # NaN is no count
    assert stored["104619420979033_1187733406612245"].comments == 9
