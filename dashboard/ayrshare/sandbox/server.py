"""The HTTP side: a threaded standard-library server speaking Ayrshare's API plus control routes.

Every /api request goes through the same steps: authenticate (Bearer API key, optional
Profile-Key), note whether it comes early (before the nextUpdate this profile was last promised
for the resource) or ignores a Retry-After, apply a 429 burst if one is pending, charge the
profile's rate window, add latency, maybe inject a fault, answer, and write a call-log entry.

/_sandbox/* needs no key and exists only here: call log, live config (including ``shapes``, the
era of the answers), clock, keys, linking and unlinking networks, LinkedIn's days until re-linking,
and the ground truth an integration test compares the dashboard against.
"""

import functools
import json
import logging
import math
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import faults, latency, render
from .api import (
    CODE_BAD_API_KEY,
    CODE_BAD_PROFILE_KEY,
    CODE_BAD_REQUEST,
    CODE_SUSPENDED,
    Api,
    ApiRequest,
    ApiResult,
    resource_of,
)
from .clock import SandboxClock, iso, parse_iso
from .config import SandboxConfig
from .expected import expected
from .traffic import CallLog, Freshness, RateLimiter
from .world import World

logger = logging.getLogger(__name__)

RATE_LIMIT_MESSAGE = (
    "Too many requests. The rate limit is {limit} requests per {minutes:g} minutes. "
    "Please slow down and retry later."
)
EXPECTED_MAX_PAGE = 50_000
PROFILE_ROUTE = re.compile(r"/profiles/(\d+)/(link|unlink|refresh-days)")


class Sandbox:
    """One running sandbox: world, clock, traffic state and the HTTP server in a thread."""

    def __init__(self, config: SandboxConfig):
        self.config = config
        start = parse_iso(config.start) if isinstance(config.start, str) else config.start
        self.clock = SandboxClock(start, config.speed)
        self.world = World(
            config.seed,
            config.profiles,
            config.posts,
            self.clock.start,
            config.span_days,
            tuple(config.suspended),
        )
        self.api = Api(self.world, config.platform_default_limit, config.interval_scale)
        self.api_key = config.api_key or f"sandbox-{config.seed}-api-key"
        self.calls = CallLog(config.call_log_size)
        self.freshness = Freshness(freshness_size(config.profiles, config.posts))
        self.limiter = RateLimiter()
        fault_seed = config.seed if config.fault_seed is None else config.fault_seed
        self.faults = faults.Faults(fault_seed)
        self.latency = latency.Latency(fault_seed)
        self._in_flight_lock = threading.Lock()
        self._in_flight = 0  # API requests being served now
        self.stopping = threading.Event()
        self._config_lock = threading.Lock()
        self._server = _Server((config.host, config.port), _Handler)
        self._server.sandbox = self
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        host = "127.0.0.1" if self.config.host in ("0.0.0.0", "") else self.config.host  # noqa: S104
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        """The Ayrshare base URL to give a client, ending in /api."""
        return f"{self.base_url}/api"

    @functools.cached_property
    def profile_keys(self) -> list[str]:
        # Built once: callers look keys up by position in loops, over 10,000 profiles.
        return [profile.key for profile in self.world.profiles]

    def start(self) -> "Sandbox":
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            daemon=True,
            name="ayrshare-sandbox",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()  # releases requests held by timeout faults
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # --- control -----------------------------------------------------------------------------

    def configure(self, **changes) -> dict:
        with self._config_lock:
            self.config.update(changes)
            if "speed" in changes:
                self.clock.set_speed(self.config.speed)
            if "fault_seed" in changes:
                fault_seed = self.config.fault_seed
                fault_seed = self.config.seed if fault_seed is None else fault_seed
                self.faults.reseed(fault_seed)
                self.latency.reseed(fault_seed)
        return self.config.as_dict()

    def link(self, profile_index: int, platform: str) -> list[str]:
        """Link a network to a user profile from now on; returns the profile's linked networks."""
        now = self.clock.now()
        return list(self.api.accounts.link(profile_index, platform, now))

    def unlink(self, profile_index: int, platform: str) -> list[str]:
        """Unlink a network: it answers "not linked" from now on; its posts stay in /history."""
        return list(self.api.accounts.unlink(profile_index, platform))

    def set_refresh_days(self, profile_index: int, platform: str, days: float) -> int:
        """Days until LinkedIn needs re-linking (GET /user's refreshDaysRemaining), from now."""
        now = self.clock.now()
        return self.api.accounts.set_refresh_days(profile_index, platform, days, now)

    def keys(self) -> dict:
        return {
            "apiKey": self.api_key,
            "url": self.url,
            "profiles": [
                {
                    "index": profile.index,
                    "profileKey": profile.key,
                    "title": profile.title,
                    "refId": profile.ref_id,
                    "platforms": list(self.api.accounts.linked(profile)),
                    "suspended": profile.suspended,
                }
                for profile in self.world.profiles
            ],
            "primary": {"refId": self.world.primary.ref_id, "title": self.world.primary.title},
        }

    def clock_state(self) -> dict:
        now = self.clock.now()
        return {
            "now": iso(now),
            "epoch": now,
            "speed": self.clock.speed,
            "start": iso(self.clock.start),
        }

    def stats(self) -> dict:
        """The sandbox's own cost, so a benchmark can report it beside the system under test."""
        times = os.times()
        return {
            "cpu_seconds": round(times.user + times.system, 3),
            # Every API request is logged before its answer goes out, so a client that has its
            # answer is counted; clearing the log keeps the count.
            "requests": self.calls.next_index,
            "in_flight": self._in_flight,
            "latency": {
                "median_ms": self.config.latency_median_ms,
                "p99_ms": self.config.latency_p99_ms,
                "fixed_ms": self.config.latency_ms,
            },
        }

    def count_in_flight(self, change: int) -> None:
        """+1 when an API request arrives, -1 once it has been answered (or dropped)."""
        with self._in_flight_lock:
            self._in_flight += change

    def expected(
        self, profile: int | None, offset: int = 0, limit: int = 10_000, at: float | None = None
    ):
        at = self.clock.now() if at is None else at
        return expected(self.world, profile, at, offset, min(limit, EXPECTED_MAX_PAGE))

    # --- the API pipeline -------------------------------------------------------------------

    def authenticate(self, headers) -> tuple[object, ApiResult | None]:
        """(profile, None) or (None, the 401/403 answer)."""
        auth = headers.get("Authorization", "")
        scheme, _, key = auth.partition(" ")
        if scheme.lower() != "bearer" or key.strip() != self.api_key:
            return None, _error(
                401,
                "authorization",
                CODE_BAD_API_KEY,
                "API Key not valid. Please verify your API Key.",
            )
        profile_key = headers.get("Profile-Key")
        if profile_key is None:
            return self.world.primary, None
        profile = self.world.profile_by_key(profile_key.strip())
        if profile is None:
            return None, _error(
                403,
                "authorization",
                CODE_BAD_PROFILE_KEY,
                "Profile Key not valid. Please verify the Profile-Key header.",
            )
        if profile.suspended:
            return None, _error(
                403, "authorization", CODE_SUSPENDED, "This User Profile is suspended."
            )
        return profile, None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # The listen backlog. socketserver's 5 refuses or resets connections when a worker machine
    # opens ~100 at once; the kernel caps it at net.core.somaxconn anyway.
    request_queue_size = 1024
    sandbox: Sandbox

    def handle_error(self, request, client_address):
        # A client that hung up (its own timeout, a dropped test) is normal here, not an error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _error(status: int, action: str, code: int, message: str) -> ApiResult:
    return ApiResult(status, render.error_body(action, code, message))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a requests.Session expects
    server_version = "AyrshareSandbox/1.0"
    # Headers and body leave in one write, and no write waits for the client's ACK: unbuffered,
    # the body's small second segment sat behind Nagle until the client's delayed ACK, adding
    # 40 ms to every answer on a kept-alive connection.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        logger.debug("%s %s", self.address_string(), format % args)

    def do_GET(self):  # noqa: N802 - http.server's naming
        self._dispatch("GET")

    def do_POST(self):  # noqa: N802
        self._dispatch("POST")

    def do_DELETE(self):  # noqa: N802
        self._dispatch("DELETE")

    def do_PUT(self):  # noqa: N802
        self._dispatch("PUT")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query, keep_blank_values=True)
        raw = self._read_body()
        try:
            if url.path.startswith("/_sandbox/"):
                self._control(method, url.path.removeprefix("/_sandbox"), query, raw)
            elif url.path == "/api" or url.path.startswith("/api/"):
                self._api(method, url.path.removeprefix("/api"), query, raw)
            else:
                self._send_json(404, render.error_body("request", 404, "Not found."))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. its own timeout)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    # --- /api ---------------------------------------------------------------------------------

    def _api(self, method: str, path: str, query: dict, raw: bytes) -> None:
        sandbox = self.server.sandbox
        began = time.monotonic()
        entry = _new_entry(sandbox.clock.now(), method, "/api" + path, query)
        sandbox.count_in_flight(+1)
        try:
            profile, failure = sandbox.authenticate(self.headers)
            if failure is not None:
                budget = {"x-ratelimit-max": sandbox.config.rate_limit, "x-ratelimit-count": 0}
                self._finish(entry, failure, budget)
                return
            self._serve(entry, profile, method, path, query, raw, began)
        except (BrokenPipeError, ConnectionResetError):
            raise  # the client gave up; nobody is left to answer
        except Exception:
            logger.exception("sandbox failed on %s %s", method, path)
            self._finish(entry, _error(500, "request", 500, "Sandbox internal error."), {})
        finally:
            sandbox.count_in_flight(-1)

    def _serve(self, entry, profile, method, path, query, raw, began) -> None:
        sandbox = self.server.sandbox
        config = sandbox.config
        now = entry["sandbox_epoch"]
        body, bad_json = _parse_json(raw)
        resource, variant = resource_of(method, path, query, body)
        entry["profile"] = profile.index
        entry["body"] = _body_essentials(body)
        entry["resource"] = resource
        entry["early"], entry["early_any_query"] = sandbox.freshness.early(
            profile.index, resource, variant, now
        )
        entry["retry_after_violation"] = sandbox.limiter.ignores_retry_after(profile.index, began)

        fault, flavour = sandbox.faults.decide(config)
        if fault is None and profile.index in config.timeout_profiles:
            fault = faults.TIMEOUT  # one profile's calls hang while the others' are answered
        headers = self._charge(entry, profile.index, fault, began)
        if headers is None:
            return  # answered 429
        delay = sandbox.latency.seconds(
            config, latency.page_size(path, query, sandbox.api.platform_default_limit)
        )
        if delay:
            sandbox.stopping.wait(delay)  # this request's thread only; stop() cuts it short
        if fault:
            entry["fault"] = fault
        if fault == faults.ERROR:
            status, error_body = faults.server_error(flavour)
            if config.error_retry_after is not None:
                status = error_body["code"] = 503
                headers["Retry-After"] = entry["retry_after"] = config.error_retry_after
            self._finish(entry, ApiResult(status, error_body), headers)
            return
        if fault == faults.TIMEOUT:
            sandbox.stopping.wait(config.timeout_seconds)
            if config.timeout_action == "drop":
                entry["status"] = 0
                sandbox.calls.add(entry)
                self.close_connection = True
                return
        if bad_json:
            result = _error(400, "request", CODE_BAD_REQUEST, "The request body is not valid JSON.")
        else:
            request = ApiRequest(method, path, query, body, profile, now, config.shapes)
            result = sandbox.api.handle(request)
        if fault == faults.MALFORMED:
            content_type, payload = faults.malformed(result.body, flavour)
            entry["status"] = 200
            sandbox.calls.add(entry)
            self._send(200, payload, content_type, headers)
            return
        if result.status == 200 and result.next_update is not None:
            sandbox.freshness.promise(profile.index, resource, variant, result.next_update)
        self._finish(entry, result, headers)

    def _charge(self, entry, profile_index, fault, began) -> dict | None:
        """The rate-limit headers for this request, or None once a 429 has been sent."""
        sandbox = self.server.sandbox
        config = sandbox.config
        if fault == faults.BURST:
            entry["fault"] = fault
            count = sandbox.limiter.count(profile_index, config.rate_window, began)
            headers = {"x-ratelimit-max": config.rate_limit, "x-ratelimit-count": count}
            self._too_many(entry, profile_index, config.burst_retry_after, headers, began)
            return None
        allowed, count, wait = sandbox.limiter.charge(
            profile_index, config.rate_limit, config.rate_window, config.rate_limit_enabled, began
        )
        headers = {"x-ratelimit-max": config.rate_limit, "x-ratelimit-count": count}
        if not allowed:
            entry["fault"] = "rate_limited"
            retry_after = max(1, math.ceil(wait)) if config.retry_after else None
            self._too_many(entry, profile_index, retry_after, headers, began)
            return None
        return headers

    def _too_many(self, entry, profile_index, retry_after, headers, began) -> None:
        config = self.server.sandbox.config
        body = render.error_body(
            "request",
            429,
            RATE_LIMIT_MESSAGE.format(limit=config.rate_limit, minutes=config.rate_window / 60),
        )
        if retry_after is not None:
            headers["Retry-After"] = int(retry_after)
            entry["retry_after"] = int(retry_after)
            self.server.sandbox.limiter.tell_retry_after(profile_index, retry_after, began)
        self._finish(entry, ApiResult(429, body), headers)

    def _finish(self, entry: dict, result: ApiResult, headers: dict) -> None:
        entry["status"] = result.status
        self.server.sandbox.calls.add(entry)
        self._send_json(result.status, result.body, headers)

    # --- /_sandbox ----------------------------------------------------------------------------

    def _control(self, method: str, path: str, query: dict, raw: bytes) -> None:
        sandbox = self.server.sandbox
        body, bad_json = _parse_json(raw)
        if bad_json:
            self._send_json(
                400, {"status": "error", "message": "The request body is not valid JSON."}
            )
            return
        try:
            status, answer = self._control_route(sandbox, method, path, query, body or {})
        except (ValueError, TypeError, IndexError) as exc:
            status, answer = 400, {"status": "error", "message": str(exc)}
        self._send_json(status, answer)

    def _control_route(self, sandbox: Sandbox, method: str, path: str, query: dict, body: dict):
        route = (method, path.rstrip("/"))
        if route == ("GET", "/calls"):
            since = int(query.get("since", ["0"])[0])
            return 200, sandbox.calls.since(since)
        if route == ("DELETE", "/calls"):
            sandbox.calls.clear()
            return 200, {"status": "success", "nextIndex": sandbox.calls.next_index}
        if route == ("GET", "/config"):
            return 200, sandbox.config.as_dict()
        if route == ("POST", "/config"):
            return 200, sandbox.configure(**body)
        if route == ("GET", "/clock"):
            return 200, sandbox.clock_state()
        if route == ("POST", "/clock"):
            if "set" in body:
                sandbox.clock.set(parse_iso(str(body["set"])))
            if "advance" in body:
                sandbox.clock.advance(float(body["advance"]))
            if "speed" in body:
                sandbox.configure(speed=body["speed"])
            return 200, sandbox.clock_state()
        if route == ("GET", "/stats"):
            return 200, sandbox.stats()
        if route == ("GET", "/keys"):
            return 200, sandbox.keys()
        if route == ("DELETE", "/ratelimit"):
            sandbox.limiter.reset()
            return 200, {"status": "success"}
        if route == ("GET", "/expected"):
            return 200, self._expected(sandbox, query)
        matched = PROFILE_ROUTE.fullmatch(route[1])
        if method == "POST" and matched:
            return 200, self._profile_change(sandbox, int(matched[1]), matched[2], body)
        return 404, {
            "status": "error",
            "message": f"Unknown control route {method} /_sandbox{path}",
        }

    def _profile_change(self, sandbox: Sandbox, index: int, action: str, body) -> dict:
        if not isinstance(body, dict):
            raise ValueError('send a JSON object such as {"platform": "threads"}')
        platform = body.get("platform")
        if action == "refresh-days":
            days = sandbox.set_refresh_days(index, platform, body.get("days"))
            return {"status": "success", "profile": index, "platform": platform, "days": days}
        change = sandbox.link if action == "link" else sandbox.unlink
        platforms = change(index, platform)
        return {"status": "success", "profile": index, "platforms": platforms}

    def _expected(self, sandbox: Sandbox, query: dict) -> dict:
        raw = query.get("profile", [""])[0]
        if raw == "":
            raise ValueError("profile is required: ?profile=<index> or ?profile=primary")
        profile = None if raw == "primary" else int(raw)
        if profile is not None and not 0 <= profile < len(sandbox.world.profiles):
            raise ValueError(f"no profile {profile}")
        at = query.get("at", [None])[0]
        return sandbox.expected(
            profile,
            offset=int(query.get("offset", ["0"])[0]),
            limit=int(query.get("limit", ["10000"])[0]),
            at=parse_iso(at) if at else None,
        )

    # --- writing ------------------------------------------------------------------------------

    def _send_json(self, status: int, body: object, headers: dict | None = None) -> None:
        payload = json.dumps(body, ensure_ascii=False).encode()
        self._send(status, payload, "application/json; charset=utf-8", headers or {})

    def _send(self, status: int, payload: bytes, content_type: str, headers: dict) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, str(value))
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def freshness_size(profiles: int, posts: int) -> int:
    """Promises kept per table: room for every resource a sync can ask about, so none is
    forgotten before it is due again (a forgotten promise hides an early call).

    Per profile: each post's analytics by Ayrshare id and by about two network ids, plus a few
    dozen account-level resources. The tables only grow as resources are asked about.
    """
    return max(200_000, profiles * (3 * posts + 50))


def _new_entry(now: float, method: str, path: str, query: dict) -> dict:
    """A call-log entry; the pipeline fills in who called, what and how it went."""
    return {
        "sandbox_time": iso(now),
        "sandbox_epoch": now,
        "wall_time": time.time(),
        "method": method,
        "path": path,
        "query": {name: values if len(values) > 1 else values[0] for name, values in query.items()},
        "body": None,
        "profile": None,
        "resource": None,
        "status": None,
        "early": False,
        "early_any_query": False,
        "retry_after_violation": False,
        "retry_after": None,
        "fault": None,
    }


def _parse_json(raw: bytes) -> tuple[object, bool]:
    """(parsed body or None, whether the body was present but not JSON)."""
    if not raw.strip():
        return None, False
    try:
        return json.loads(raw), False
    except ValueError:
        return None, True


def _body_essentials(body) -> dict | None:
    """What the call log keeps of a body: the fields that say what was asked for."""
    if not isinstance(body, dict):
        return None
    return {key: body[key] for key in ("id", "platforms", "searchPlatformId") if key in body}


def start_sandbox(config: SandboxConfig | None = None, **knobs) -> Sandbox:
    """Start a sandbox on 127.0.0.1 (a free port by default) in a background thread.

    ``start_sandbox(posts=1000, seed=7, speed=0)``; use it as a context manager or call stop().
    """
    if config is None:
        config = SandboxConfig(**knobs)
    elif knobs:
        raise TypeError("pass either a SandboxConfig or keyword knobs, not both")
    return Sandbox(config).start()
