"""An Ayrshare-compatible HTTP server with deterministic synthetic data.

The demo, the integration tests and the benchmarks talk to it over real HTTP exactly as they
would to https://api.ayrshare.com/api. Run it with ``python manage.py ayrshare_sandbox`` or, in
tests, ``start_sandbox(...)`` (a background thread on 127.0.0.1 and a free port)::

    with start_sandbox(profiles=2, posts=300, seed=1, start="2026-03-01T12:00:00Z", speed=0) as sb:
        requests.get(f"{sb.url}/history", headers={"Authorization": f"Bearer {sb.api_key}",
                                                   "Profile-Key": sb.profile_keys[0]})
        sb.clock.advance(3600)          # or POST /_sandbox/clock {"advance": 3600}
        sb.calls.since(0)               # or GET /_sandbox/calls?since=0

Endpoints (below /api): GET /history, /history/{id}, /history/{platform}, /analytics/links,
/analytics/youTubePlaylists, /links, /links/{id}, /profiles, /user; POST /analytics/post (also
by social id with searchPlatformId) and /analytics/social. Control (no key, below /_sandbox):
GET /calls?since=, DELETE /calls, GET|POST /config, GET|POST /clock ({"advance": s},
{"set": iso}, {"speed": x}), GET /keys, GET /stats, GET /expected?profile=&offset=&limit=&at=,
DELETE /ratelimit, POST /profiles/{index}/link and /unlink ({"platform": "threads"}),
POST /profiles/{index}/refresh-days ({"platform": "linkedin", "days": 5}).

Under load (latency.py): ``latency_median_ms`` and ``latency_p99_ms`` (flags
``--latency-median-ms``/``--latency-p99-ms``; live through POST /_sandbox/config; p99 >= median
> 0, or both 0 for off) draw each API call's delay from a log-normal, times ``1 + limit / 500``
on GET /history/{platform}, so big network pages are slower; the fixed ``latency_ms`` is
added on top. The wait holds no lock: each request has its own thread. Profiles are built on
first use, so 10,000 of them start in milliseconds; the call log keeps the last
``call_log_size`` calls (``--call-log-size``). GET /_sandbox/stats answers
{"cpu_seconds", "requests", "in_flight", "latency": {"median_ms", "p99_ms", "fixed_ms"}}: the
sandbox process's user+system CPU and the API requests it has served, so a benchmark can show the
sandbox's own cost over a window beside the system it measures. Answers are not cached: a sync
asks for each resource once per nextUpdate, so a cache keyed on the update tick would hardly
ever hit; most of a light call's CPU is http.server's own parsing and writing anyway. The server
keeps connections alive (HTTP/1.1), queues up to 1024 connections waiting to be accepted, and
sends each answer in one write with Nagle off (no 40 ms delayed-ACK stall per answer).

Eras: ``shapes="current"`` (the default) answers as Ayrshare does today; ``shapes="2024"`` with
the older shapes (Facebook impressionsUnique, Instagram playsCount, TikTok likes/comments/shares,
/analytics/links as {status, links}). Set it at start (``--shapes 2024``) or live through
POST /_sandbox/config {"shapes": "2024"}. The numbers are the same in both; only names move.

Modules: world.py (profiles, posts and network posts computed from hashes), metrics.py (update
ticks and growth curves), render.py (Ayrshare's 2024 JSON shapes), current.py (today's shapes,
built from render.py's), accounts.py (linked networks and LinkedIn's refresh days, live),
api.py (the endpoints), traffic.py (rate windows, promised nextUpdates, call log), faults.py,
expected.py (ground truth), server.py (HTTP and /_sandbox control routes), config.py, clock.py,
latency.py, ids.py, content.py.

Decisions where Ayrshare's documents are silent:
- Keys: API key "sandbox-<seed>-api-key" unless given; Profile-Keys derive from seed and index.
  A bad or missing API key answers 401 (code 102), an unknown Profile-Key 403 (code 136), a
  suspended profile 403 (code 163).
- No Profile-Key means the primary profile: its own rate-limit budget, no linked networks, no
  posts. The user profiles (0..n-1) hold the data; profile 0 has all eight networks linked.
- Linking a network the world holds no posts for (Threads, or one the profile did not start
  with) gives it account analytics and an empty /history/{platform}; unlinking answers "not
  linked" (code 156) there and in analytics, while /history keeps the posts made before.
  /_sandbox/expected keeps describing the world as started.
- LinkedIn's refreshDaysRemaining (GET /user, current shapes) counts down with sandbox time: the
  last profile after profile 0 that has LinkedIn starts with 4 days, the others with 20-59.
- GET /links and /links/{id} (today's link analytics) answer in both eras with the same links and
  click totals as /analytics/links.
- GET /history: everything inside the lastDays window when ``limit`` is omitted, capped at the
  documented maximum of 1000; pending posts scheduled in the future are included; ``count`` is
  the number of posts returned. The filter is read from ``platform`` or ``platforms``.
- GET /history/{platform}: ``limit`` defaults to 10 and is capped at 500; ``skipAnalytics=true``
  returns only ids for Facebook and Instagram; Facebook's page-only choice is
  ``pagePublished=true`` (or ``type=pagePublished``). No pagination, as documented: only the
  newest posts of a network can be read there.
- Every answer is computed as of its resource's last update tick and carries lastUpdated and
  nextUpdate (also on /analytics/links and /analytics/youTubePlaylists, whose documents print
  no response). ``interval_scale`` shrinks every interval (tests on the real clock); ``speed``
  runs the sandbox clock faster instead.
- Call log: ``early`` means the same resource *and the same query/body* was promised a later
  nextUpdate (so paging /history by date is not early); ``early_any_query`` ignores the query.
"""

from .config import SandboxConfig
from .server import Sandbox, start_sandbox

__all__ = ["Sandbox", "SandboxConfig", "start_sandbox"]
