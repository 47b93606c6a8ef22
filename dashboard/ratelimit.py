"""The per-profile request budget shared by every worker.

Ayrshare allows 300 requests per 5 minutes per profile and suspends a profile after 1,000
rate-limit errors in a day, so we never want to meet a 429 in normal operation. Each request is
charged against a sliding window before it is sent. With Redis configured the window lives there
(every worker on every machine shares it; Celery's own rate_limit is per worker); without Redis,
the embedded setup runs on one machine, so a locked file per profile does the same job.
"""

import fcntl
import json
import logging
import time
from contextlib import contextmanager
from pathlib import Path

import redis
from django.conf import settings

from dashboard.ayrshare.client import BudgetExhausted

logger = logging.getLogger(__name__)

# Atomically: honour a pause set after a 429, drop timestamps older than the window, then
# either record this request or say how many seconds until the oldest one leaves the window.
_REDIS_CHARGE = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local member = ARGV[4]
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then
  return tostring(paused - now)
end
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, member)
  redis.call('EXPIRE', key, math.ceil(window) + 1)
  return '0'
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + window - now)
"""

_REDIS_PAUSE = """
local resume_at = tonumber(ARGV[1])
if resume_at > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', math.ceil(tonumber(ARGV[2]) * 1000) + 1000)
end
"""

_redis_client = None


def _redis():
    global _redis_client
    if _redis_client is None:
        _redis_client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT,
            socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
        )
    return _redis_client


class Budget:
    """Requests one profile may still send in the current window.

    Ayrshare counts requests when they arrive, we count them when they leave, and a request
    may take up to the connect timeout to arrive. Two charged a window apart can then arrive
    less than a window apart, so a charge stays in the window for `slack` seconds more (the
    connect timeout unless given).
    """

    def __init__(self, profile_id, *, limit=None, window=None, slack=None, clock=time.time):
        self.profile_id = profile_id
        self.limit = limit or settings.AYRSHARE_BUDGET_REQUESTS
        self.window = window or settings.AYRSHARE_BUDGET_WINDOW
        self.slack = settings.AYRSHARE_CONNECT_TIMEOUT if slack is None else slack
        self.clock = clock
        self.spent = 0

    @property
    def key(self):
        # Several deployments (or parallel test databases) may share one Redis.
        database = Path(str(settings.DATABASES["default"]["NAME"])).name
        return f"ayrshare-budget-{database}-{self.profile_id}"

    def charge(self):
        """Take one request from the budget or raise BudgetExhausted(seconds to wait)."""
        now = self.clock()
        if settings.REDIS_URL:
            try:
                wait = self._charge_redis(now)
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                # No request goes out uncounted. Not a failure of the unit either: it waits a
                # beat, and nothing is queued before Redis (the broker too) answers again.
                logger.warning("request budget unreachable (%s): no request sent", exc)
                raise BudgetExhausted(settings.SYNC_BEAT_SECONDS) from exc
        else:
            wait = self._charge_file(now)
        if wait > 0:
            raise BudgetExhausted(wait)
        self.spent += 1

    def pause(self, seconds):
        """After a 429: no worker sends this profile's requests for that long."""
        until = self.clock() + seconds
        if settings.REDIS_URL:
            _redis().eval(_REDIS_PAUSE, 1, f"{self.key}-paused", until, seconds)
        else:
            with self._file() as state:
                state["paused_until"] = max(state.get("paused_until", 0), until)

    def _charge_redis(self, now):
        member = f"{now:.6f}:{id(self)}:{self.spent}"
        keys = (self.key, f"{self.key}-paused")
        span = self.window + self.slack
        return float(_redis().eval(_REDIS_CHARGE, 2, *keys, now, span, self.limit, member))

    def _charge_file(self, now):
        with self._file() as state:
            if state.get("paused_until", 0) > now:
                return state["paused_until"] - now
            span = self.window + self.slack
            stamps = [t for t in state.get("stamps", []) if t > now - span]
            if len(stamps) >= self.limit:
                return min(stamps) + span - now
            state["stamps"] = [*stamps, now]
            return 0.0

    @contextmanager
    def _file(self):
        """The profile's budget state in a locked JSON file, written back on exit."""
        folder = Path(settings.DATA_DIR) / "budget"
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / f"{self.key}.json", "a+") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            f.seek(0)
            try:
                state = json.loads(f.read() or "{}")
            except ValueError:
                state = {}
            if not isinstance(state, dict):
                state = {}
            yield state
            f.seek(0)
            f.truncate()
            f.write(json.dumps(state))
