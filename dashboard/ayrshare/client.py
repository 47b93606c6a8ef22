"""The only code that speaks HTTP to Ayrshare.

It sends the auth headers, sets timeouts, retries what is worth retrying, and turns every failure
into a typed error that says whether to retry later (``TransientError`` and its subclasses) or not.
It knows nothing of Django models; it reads ``django.conf.settings`` only for defaults, and works
without configured settings when every value is passed in.

Decisions worth knowing:

- A call has failed when the HTTP status is not 200 or the JSON ``status`` is ``"error"``. A 200
  with ``status: "partial"`` is returned as data: the caller reads its ``errors`` list.
- Retries (``max_retries`` after the first attempt, exponential backoff with full jitter) happen
  only on connection errors, timeouts and 5xx. A 429 is never retried here: ``RateLimitError``
  goes straight to the caller, which pauses the whole profile (1,000 rate-limit errors in 24 h
  suspend it).
- A retry the caller's budget refuses (``BudgetExhausted`` from ``before_request``) ends the call
  with the error of the attempt before it: the call met that error and gave up on it, and the
  caller must record it as a failure, not as a pause that forgets the error.
- A call, retries and waits included, ends within its ``deadline``: each attempt's timeouts are
  cut to what is left, and no wait or retry starts that could not finish in time. Without it one
  call could take (1 + max_retries) read timeouts, a whole Celery time limit. A call that ran
  out of time waiting for Ayrshare raises ``NoAnswerError``.
- A body that is not JSON is a ``MalformedResponseError`` whatever the status, even a 404 or 401
  HTML page: that is a proxy or a wrong base URL talking, not Ayrshare, and a "not found" verdict
  would make the sync forget posts.
- The X/Twitter app key and secret, when configured, go on every call. Ayrshare is their only
  recipient, over the same TLS connection as the API key, and a per-endpoint rule would miss calls
  that touch X without naming it (analytics on a post whose platforms we do not know yet).
- Secrets (API key, Profile-Key, X key and secret) are never logged and are masked in every error
  message, even when Ayrshare echoes them back.
"""

import email.utils
import json
import logging
import math
import random
import re
import time
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

import requests
import urllib3
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

USER_AGENT = "social-dashboard/0.1 (+self-hosted)"
DEFAULT_BASE_URL = "https://api.ayrshare.com/api"
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 60.0
DEFAULT_MAX_RETRIES = 3
# Inside Celery's soft time limit (240 s) with room for a unit's other calls: one read timeout
# and a retry, not four.
DEFAULT_CALL_DEADLINE = 90.0
# A retry with less time left than this would time out before a healthy answer came, and still
# cost a request of the profile's budget.
MIN_ATTEMPT_SECONDS = 1.0
# The body is read in pieces of at most this size, checking the deadline between them.
BODY_PIECE = 64 * 1024
# A 429 may come without Retry-After; the rate window is 5 minutes, so a minute is a fair pause.
DEFAULT_RETRY_AFTER = 60.0

# Plain http is allowed only here: the sandbox on loopback. Anywhere else the API key would travel
# in clear text.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

HISTORY_STATUSES = frozenset(
    {"success", "error", "processing", "pending", "paused", "deleted", "awaiting approval"}
)
HISTORY_TYPES = frozenset({"immediate", "scheduled"})
FACEBOOK_TYPES = frozenset({"feed", "pagePublished"})
HISTORY_MAX_LIMIT = 1000
PLATFORM_HISTORY_MAX_LIMIT = 500

REDACTED = "[redacted]"
PLATFORM_NAME = re.compile(r"^[a-z]+$")
RATE_LIMIT_WORDS = re.compile(r"rate[ _-]?limit|too many requests|throttl", re.IGNORECASE)
MAX_MESSAGE_LENGTH = 1000


# --- Errors ---------------------------------------------------------------------------------


class AyrshareError(Exception):
    """A failed Ayrshare call.

    ``status`` is the HTTP status (None when no response came), ``code`` the Ayrshare error code
    as a string ("" when none), ``message`` the human text, ``errors`` the per-platform error dicts
    and ``endpoint`` the call, e.g. "GET /history".
    """

    def __init__(self, message, *, status=None, code="", errors=None, endpoint=""):
        self.message = message
        self.status = status
        self.code = "" if code is None else str(code)
        self.errors = list(errors or [])
        self.endpoint = endpoint
        super().__init__(self._sentence())

    def _sentence(self):
        details = [self.endpoint]
        if self.status is not None:
            details.append(f"HTTP {self.status}")
        if self.code:
            details.append(f"code {self.code}")
        details = ", ".join(part for part in details if part)
        return f"{self.message} ({details})" if details else self.message


class TransientError(AyrshareError):
    """Retry later: no answer, a server error after retries, or a body we cannot read.

    ``retry_after`` is the wait the server asked for (Retry-After on a 5xx), or None.
    """

    def __init__(self, message, *, retry_after=None, **kwargs):
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class MalformedResponseError(TransientError):
    """The body is not the documented JSON (not JSON, an HTML page, the wrong top-level type)."""


class NoAnswerError(TransientError):
    """Ayrshare did not answer in time: the last attempt timed out, or the call's deadline ran
    out. Its other calls for the same profile are likely to hang as well."""


class RateLimitError(TransientError):
    """Ayrshare (or a network behind it) throttled us; wait ``retry_after`` seconds."""

    def __init__(self, message, *, retry_after=DEFAULT_RETRY_AFTER, **kwargs):
        super().__init__(message, retry_after=retry_after, **kwargs)


class AuthError(AyrshareError):
    """HTTP 401/403: the API key or the Profile-Key is wrong or revoked."""


class NotFoundError(AyrshareError):
    """HTTP 404: the post or resource does not exist."""


class RequestError(AyrshareError):
    """Any other refusal: a 4xx, or an HTTP 200 whose JSON status is "error"."""


class BudgetExhausted(Exception):
    """Raised by the caller's ``before_request`` hook; the client lets it through untouched
    before a call's first attempt (before a retry, the call gives up with its last error)."""


class OutOfTime(Exception):
    """The call was not started: its deadline would end after the client's ``stop_at``."""


# --- Client ---------------------------------------------------------------------------------


class AyrshareClient:
    """Read-only calls to the Ayrshare API for one profile (primary when profile_key is blank)."""

    def __init__(
        self,
        api_key,
        profile_key="",
        *,
        base_url=None,
        x_api_key="",
        x_api_secret="",
        timeout=None,
        max_retries=None,
        deadline=None,
        stop_at=None,
        session=None,
        before_request=None,
        backoff_base=0.5,
        backoff_cap=8.0,
        sleep=time.sleep,
        clock=time.monotonic,
    ):
        """`deadline` is the seconds one call may take in all; `stop_at`, a `clock()` reading,
        is when the caller's own time runs out: a call whose deadline would end after it is
        not started (OutOfTime), so no call is ever cut short by it."""
        api_key = _clean_secret("api_key", api_key)
        if not api_key:
            raise ValueError("api_key is required")
        profile_key = _clean_secret("profile_key", profile_key)
        x_api_key = _clean_secret("x_api_key", x_api_key)
        x_api_secret = _clean_secret("x_api_secret", x_api_secret)
        if bool(x_api_key) != bool(x_api_secret):
            raise ValueError("X/Twitter needs both x_api_key and x_api_secret, or neither")

        if base_url is None:
            base_url = _setting("AYRSHARE_API_URL", DEFAULT_BASE_URL)
        if timeout is None:
            timeout = (
                _setting("AYRSHARE_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT),
                _setting("AYRSHARE_READ_TIMEOUT", DEFAULT_READ_TIMEOUT),
            )
        if max_retries is None:
            max_retries = _setting("AYRSHARE_MAX_RETRIES", DEFAULT_MAX_RETRIES)
        if deadline is None:
            deadline = _setting("AYRSHARE_CALL_DEADLINE", DEFAULT_CALL_DEADLINE)

        self.base_url = _clean_base_url(base_url)
        self.timeout = _clean_timeout(timeout)
        self.max_retries = _clean_max_retries(max_retries)
        self.deadline = _clean_deadline(deadline)
        self.stop_at = stop_at
        self.last_rate_limit = None
        self.is_primary = not profile_key

        # Headers go on each request, not on the session, so a shared session never holds secrets.
        self._headers = {
            "Authorization": f"Bearer {api_key}",
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
        }
        if profile_key:
            self._headers["Profile-Key"] = profile_key
        if x_api_key:
            self._headers["X-Twitter-OAuth1-Api-Key"] = x_api_key
            self._headers["X-Twitter-OAuth1-Api-Secret"] = x_api_secret
        self._secrets = tuple(s for s in (api_key, profile_key, x_api_key, x_api_secret) if s)

        self._session = session if session is not None else requests.Session()
        self._before_request = before_request
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._sleep = sleep
        self._clock = clock

    def __repr__(self):
        who = "primary profile" if self.is_primary else "user profile"
        return f"<AyrshareClient {self.base_url} ({who})>"

    # --- Endpoints -------------------------------------------------------------------------

    def history(
        self,
        *,
        limit=None,
        platforms=None,
        start_date=None,
        end_date=None,
        last_days=None,
        status=None,
        post_type=None,
    ):
        """GET /history: posts sent through Ayrshare, newest first."""
        params = {}
        if limit is not None:
            params["limit"] = _int_in_range("limit", limit, 1, HISTORY_MAX_LIMIT)
        if platforms:
            # Documented as an array; repeating the key is how the API's query parser reads one.
            params["platform"] = [_platform_name(p) for p in platforms]
        if start_date is not None:
            params["startDate"] = _utc_iso("start_date", start_date)
        if end_date is not None:
            params["endDate"] = _utc_iso("end_date", end_date)
        if last_days is not None:
            params["lastDays"] = _int_in_range("last_days", last_days, 0, None)
        if status is not None:
            params["status"] = _choice("status", status, HISTORY_STATUSES)
        if post_type is not None:
            params["type"] = _choice("post_type", post_type, HISTORY_TYPES)
        return self._call("GET", "/history", params=params, expect=dict)

    def history_post(self, post_id):
        """GET /history/{id}: one post by its Ayrshare id, as a dict."""
        path = f"/history/{_path_segment('post_id', post_id)}"
        data = self._call("GET", path, expect=(dict, list))
        if isinstance(data, dict):
            return data
        # Older pages document an array holding the one post.
        if not data:
            raise NotFoundError(
                f"Ayrshare returned no post for id {post_id!r}", status=200, endpoint=f"GET {path}"
            )
        if not isinstance(data[0], dict):
            raise MalformedResponseError(
                "Ayrshare returned a list that does not hold a post",
                status=200,
                endpoint=f"GET {path}",
            )
        return data[0]

    def platform_history(self, platform, *, limit=None, facebook_type=None, skip_analytics=False):
        """GET /history/{platform}: posts on one network, including those made outside Ayrshare."""
        platform = _platform_name(platform)
        params = {}
        if limit is not None:
            params["limit"] = _int_in_range("limit", limit, 1, PLATFORM_HISTORY_MAX_LIMIT)
        if facebook_type is not None:
            _choice("facebook_type", facebook_type, FACEBOOK_TYPES)
            if platform != "facebook":
                raise ValueError("facebook_type only applies to platform 'facebook'")
            # "feed" is the API's default, so only the other choice is sent. The parameter name is
            # the one seen in public integrations; Ayrshare's page names the choice but not the key.
            if facebook_type == "pagePublished":
                params["pagePublished"] = "true"
        if skip_analytics:
            params["skipAnalytics"] = "true"
        return self._call("GET", f"/history/{platform}", params=params, expect=dict)

    def post_analytics(self, post_id, platforms=None):
        """POST /analytics/post: metrics of a post sent through Ayrshare (top-level Ayrshare id)."""
        body = {"id": _non_empty("post_id", post_id)}
        if platforms:
            body["platforms"] = [_platform_name(p) for p in platforms]
        return self._call("POST", "/analytics/post", body=body, expect=dict)

    def post_analytics_by_social_id(self, social_id, platform):
        """POST /analytics/post with searchPlatformId: metrics of a post by its network's own id."""
        body = {
            "id": _non_empty("social_id", social_id),
            "platforms": [_platform_name(platform)],
            "searchPlatformId": True,
        }
        return self._call("POST", "/analytics/post", body=body, expect=dict)

    def social_analytics(self, platforms):
        """POST /analytics/social: account-level metrics (followers and the like) per network."""
        if not platforms:
            raise ValueError("social_analytics needs at least one platform")
        body = {"platforms": [_platform_name(p) for p in platforms]}
        return self._call("POST", "/analytics/social", body=body, expect=dict)

    def link_analytics(self, last_days=None):
        """GET /analytics/links: click counts of shortened links."""
        params = {}
        if last_days is not None:
            params["lastDays"] = _int_in_range("last_days", last_days, 1, 30)
        return self._call("GET", "/analytics/links", params=params, expect=(dict, list))

    def links(self):
        """GET /links: every shortened link with its total clicks and where they came from."""
        return self._call("GET", "/links", expect=(dict, list))

    def youtube_playlists(self):
        """GET /analytics/youTubePlaylists: playlists of the linked YouTube channel."""
        return self._call("GET", "/analytics/youTubePlaylists", expect=(dict, list))

    def user(self):
        """GET /user: the profile's details (title, refId, linked networks and their names)."""
        return self._call("GET", "/user", expect=dict)

    def profiles(self, *, cursor=None, limit=None):
        """GET /profiles: user profiles of the account (never their Profile-Keys), one page."""
        params = {}
        if cursor:
            params["cursor"] = cursor
        if limit is not None:
            params["limit"] = _int_in_range("limit", limit, 1, None)
        return self._call("GET", "/profiles", params=params, expect=dict)

    # --- Transport -------------------------------------------------------------------------

    def _call(self, method, path, *, params=None, body=None, expect):
        endpoint = f"{method} {path}"
        data = self._request(method, path, endpoint, params=params, body=body)
        if not isinstance(data, expect):
            raise MalformedResponseError(
                f"Ayrshare returned JSON of the wrong shape ({type(data).__name__})",
                status=200,
                endpoint=endpoint,
            )
        return data

    def _request(self, method, path, endpoint, *, params, body):
        called = self._clock()
        ends_at = called + self.deadline
        if self.stop_at is not None and ends_at > self.stop_at:
            raise OutOfTime(f"{endpoint} may take {self.deadline:g} s, more than is left")
        attempts = self.max_retries + 1
        failed = None  # the error of the attempt before this one, which a retry would answer
        for attempt in range(1, attempts + 1):
            self._charge(failed)
            timeout = self._attempt_timeout(ends_at)
            started = self._clock()
            try:
                response, content = self._send(method, path, params, body, timeout, ends_at)
            except requests.RequestException as exc:
                problem = self._describe_network_failure(exc, timeout)
                logger.warning(
                    "Ayrshare %s %s: %s after %.2f s (attempt %d of %d)",
                    method,
                    path,
                    problem,
                    self._clock() - started,
                    attempt,
                    attempts,
                )
                wait = self._backoff_delay(attempt)
                if attempt < attempts and self._fits(wait, ends_at):
                    failed = self._given_up(exc, problem, attempt, False, called, endpoint)
                    self._sleep(wait)
                    continue
                out_of_time = attempt < attempts
                error = self._given_up(exc, problem, attempt, out_of_time, called, endpoint)
                raise error from None

            logger.info(
                "Ayrshare %s %s: HTTP %s in %.2f s",
                method,
                path,
                response.status_code,
                self._clock() - started,
            )
            self.last_rate_limit = _rate_limit_usage(response.headers)
            if response.status_code >= 500 and attempt < attempts:
                asked = _server_retry_after(response.headers)
                wait = self._backoff_delay(attempt) if asked is None else asked
                # A longer wait than the cap, or than the deadline leaves, is not spent holding
                # the worker: the error carries Retry-After and the unit backs off that long.
                if wait <= self._backoff_cap and self._fits(wait, ends_at):
                    failed = self._server_error(response, content, endpoint, attempt)
                    self._sleep(wait)  # the server said when: never sooner
                    continue
            return self._read(response, content, endpoint, attempt)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _charge(self, failed):
        """Run the caller's before_request hook before an attempt; `failed` is the error of the
        attempt before it (None before the first).

        A refused first attempt lets BudgetExhausted through: nothing was asked, the caller
        pauses. A refused retry gives the call up with `failed`, as when a Retry-After is too
        long to wait: the caller then records the error and backs off instead of pausing as if
        the call had never failed.
        """
        if self._before_request is None:
            return
        try:
            self._before_request()
        except BudgetExhausted as refused:
            if failed is None:
                raise
            raise failed from refused

    def _given_up(self, exc, problem, attempts, out_of_time, called, endpoint):
        """The error for a call given up without an answer; after a timeout, NoAnswerError."""
        if not isinstance(exc, requests.Timeout):
            return TransientError(_gave_up(problem, attempts), endpoint=endpoint)
        if out_of_time:  # the deadline ran out before the retries did
            waited = round(self._clock() - called, 1)
            problem = f"Ayrshare did not answer within {waited:g} s"
        return NoAnswerError(_gave_up(problem, attempts), endpoint=endpoint)

    def _attempt_timeout(self, ends_at):
        """(connect, read) seconds for the next attempt, cut to what is left of the call."""
        left = max(ends_at - self._clock(), 0.001)  # urllib3 refuses a timeout of 0
        connect, read = self.timeout
        return (min(connect, left), min(read, left))

    def _fits(self, wait, ends_at):
        """Whether a wait of `wait` seconds still leaves time for another attempt."""
        return self._clock() + wait + MIN_ATTEMPT_SECONDS <= ends_at

    def _backoff_delay(self, attempt):
        # Full jitter: spreads the retries of many workers hitting the same outage.
        ceiling = min(self._backoff_cap, self._backoff_base * 2 ** (attempt - 1))
        return random.uniform(0, ceiling)

    def _send(self, method, path, params, body, timeout, ends_at):
        """(response, its body bytes).

        requests' read timeout bounds each wait for more bytes, not their sum: a server sending
        a few bytes at a time could hold the call until Celery kills the task. So the body is
        read in pieces and the deadline checked before each: a call overruns it by at most one
        read timeout (itself cut to what was left). Headers trickled that slowly are left to the
        task's time limit; they would need a watchdog thread on the socket.
        """
        response = self._session.request(
            method,
            self.base_url + path,
            params=params or None,
            json=body,
            headers=self._headers,
            timeout=timeout,
            stream=True,
        )
        try:
            return response, self._read_body(response.raw, ends_at)
        finally:
            response.close()

    def _read_body(self, raw, ends_at):
        pieces = []
        try:
            while True:
                if self._clock() > ends_at:
                    raise requests.ReadTimeout("the answer was still arriving at the deadline")
                piece = raw.read1(BODY_PIECE, decode_content=True)
                if not piece:
                    return b"".join(pieces)
                pieces.append(piece)
        # Read from urllib3 directly, its errors are not yet requests' (requests' own
        # iter_content would block until a whole piece arrived).
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise requests.ReadTimeout(str(exc)) from exc
        except urllib3.exceptions.HTTPError as exc:
            raise requests.ConnectionError(str(exc)) from exc

    def _describe_network_failure(self, exc, timeout):
        connect, read = timeout
        if isinstance(exc, requests.ConnectTimeout):
            return f"Ayrshare did not accept a connection within {round(connect, 1):g} s"
        if isinstance(exc, requests.Timeout):
            return f"Ayrshare did not answer within {round(read, 1):g} s"
        reason = self._redact(str(exc))[:200]
        return f"Could not reach Ayrshare: {type(exc).__name__}: {reason}"

    def _read(self, response, content, endpoint, attempts):
        """The answer's data, or the typed error; `attempts` is how many calls were made."""
        status = response.status_code
        try:
            data = _parse(content)
        except ValueError:
            data, is_json = None, False
        else:
            is_json = True
        code, message, errors = self._error_details(data)

        if status == 429:
            raise RateLimitError(
                message or "Ayrshare rate limit reached",
                retry_after=_retry_after(response.headers),
                status=status,
                code=code,
                errors=errors,
                endpoint=endpoint,
            )
        if status >= 500:
            raise self._server_error(response, content, endpoint, attempts)
        if not is_json:
            kind = response.headers.get("Content-Type", "no content type").split(";")[0]
            raise MalformedResponseError(
                f"Ayrshare answered with a body that is not JSON ({kind})",
                status=status,
                endpoint=endpoint,
            )

        failed = status != 200 or (isinstance(data, dict) and data.get("status") == "error")
        if not failed:
            return data

        details = {"status": status, "code": code, "errors": errors, "endpoint": endpoint}
        message = message or "Ayrshare refused the request"
        if _is_rate_limited(data):
            raise RateLimitError(message, retry_after=_retry_after(response.headers), **details)
        if status in (401, 403):
            raise AuthError(message, **details)
        if status == 404:
            raise NotFoundError(message, **details)
        if status == 200 or 400 <= status < 500:
            raise RequestError(message, **details)
        raise MalformedResponseError(f"Ayrshare answered an unexpected HTTP {status}", **details)

    def _server_error(self, response, content, endpoint, attempts):
        """The TransientError a 5xx answer ends its call with, after `attempts` calls."""
        try:
            data = _parse(content)
        except ValueError:
            data = None
        code, message, errors = self._error_details(data)
        return TransientError(
            _gave_up(message or "Ayrshare had a server error", attempts),
            retry_after=_server_retry_after(response.headers),
            status=response.status_code,
            code=code,
            errors=errors,
            endpoint=endpoint,
        )

    def _error_details(self, data):
        """(code, message, errors) from an error body, with secrets masked."""
        if not isinstance(data, dict):
            return "", "", []
        errors = [self._redact_value(e) for e in data.get("errors") or [] if isinstance(e, dict)]
        code = data.get("code")
        if code is None and len(errors) == 1:
            code = errors[0].get("code")
        message = data.get("message")
        if message is None and errors:
            message = "Ayrshare reported errors for " + "; ".join(_describe(e) for e in errors)
        message = self._redact(str(message))[:MAX_MESSAGE_LENGTH] if message is not None else ""
        return ("" if code is None else str(code)), message, errors

    def _redact(self, text):
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def _redact_value(self, value):
        if isinstance(value, str):
            return self._redact(value)
        if isinstance(value, dict):
            return {k: self._redact_value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._redact_value(v) for v in value]
        return value


# --- Helpers --------------------------------------------------------------------------------


def _setting(name, default):
    try:
        return getattr(settings, name, default)
    except ImproperlyConfigured:
        return default


def _clean_secret(name, value):
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string")
    value = value.strip()
    # Checked here so requests never builds an error message that quotes the bad header value.
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError(f"{name} contains spaces or control characters")
    return value


def _clean_base_url(value):
    if not isinstance(value, str) or not value.strip():
        raise ValueError("base_url is required")
    value = value.strip().rstrip("/")
    parts = urlsplit(value)
    try:
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise ValueError("base_url has an invalid port") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("base_url must be an http(s) URL such as https://api.ayrshare.com/api")
    if parts.username or parts.password:
        raise ValueError("base_url must not contain credentials")
    if parts.query or parts.fragment:
        raise ValueError("base_url must not contain a query string or fragment")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise ValueError("base_url must use https (plain http only for 127.0.0.1 or localhost)")
    return value


def _clean_timeout(value):
    if isinstance(value, int | float):
        value = (value, value)
    try:
        connect, read = value
    except (TypeError, ValueError):
        raise ValueError("timeout must be (connect seconds, read seconds)") from None
    for number in (connect, read):
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise ValueError("timeout values must be numbers")
        if not math.isfinite(number) or number <= 0:
            raise ValueError("timeout values must be positive")
    return (float(connect), float(read))


def _clean_deadline(value):
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("deadline must be a number of seconds")
    if not math.isfinite(value) or value <= 0:
        raise ValueError("deadline must be positive")
    return float(value)


def _clean_max_retries(value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("max_retries must be a whole number >= 0")
    return value


def _int_in_range(name, value, low, high):
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number")
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be {bound}, not {value}")
    return value


def _choice(name, value, allowed):
    if value not in allowed:
        raise ValueError(f"{name} must be one of {sorted(allowed)}, not {value!r}")
    return value


def _non_empty(name, value):
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string")
    return value.strip()


def _path_segment(name, value):
    return quote(_non_empty(name, value), safe="")


def _platform_name(value):
    if not isinstance(value, str) or not PLATFORM_NAME.match(value):
        raise ValueError(f"platform must be a lowercase network name, not {value!r}")
    return value


def _utc_iso(name, value):
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _gave_up(problem, attempts):
    if attempts == 1:
        return problem
    return f"{problem}; gave up after {attempts} attempts"


def _describe(error):
    platform = error.get("platform") or "unknown platform"
    code = error.get("code")
    message = error.get("message") or "error"
    return f"{platform} (code {code}: {message})" if code is not None else f"{platform} ({message})"


def _is_rate_limited(data):
    """True when an error body (or one of its per-platform errors) is a throttle."""
    if not isinstance(data, dict):
        return False
    entries = [data, *(e for e in data.get("errors") or [] if isinstance(e, dict))]
    for entry in entries:
        if str(entry.get("code")) == "429":
            return True
        if RATE_LIMIT_WORDS.search(str(entry.get("message") or "")):
            return True
    return False


def _retry_after(headers):
    """Seconds to wait from Retry-After (seconds or an HTTP date); never negative."""
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return DEFAULT_RETRY_AFTER
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return DEFAULT_RETRY_AFTER
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if not math.isfinite(seconds):
        return DEFAULT_RETRY_AFTER
    return max(0.0, seconds)


def _server_retry_after(headers):
    """Retry-After of a 5xx in seconds, or None when the server sent none."""
    if not (headers.get("Retry-After") or "").strip():
        return None
    return _retry_after(headers)


def _rate_limit_usage(headers):
    try:
        return {"max": int(headers["x-ratelimit-max"]), "count": int(headers["x-ratelimit-count"])}
    except (KeyError, ValueError):
        return None


def _parse(content):
    """An answer's JSON as PostgreSQL can store it. A NUL character fits in neither its text nor
    its jsonb, and NaN or Infinity (which Python's parser accepts) in no jsonb: one caption or
    number like that would fail its whole page on every run. They are read as absent."""
    data = json.loads(content, parse_constant=lambda _constant: None)
    nul = b"\\u0000" if isinstance(content, bytes) else "\\u0000"
    return _without_nul(data) if nul in content else data


def _without_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    return value
