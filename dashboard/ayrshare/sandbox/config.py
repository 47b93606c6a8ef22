"""The sandbox's knobs: what the world looks like (fixed at start) and how it misbehaves (live).

The world knobs (profiles, posts, seed, start, span) shape the synthetic data and cannot change
while the server runs. The traffic knobs (rate limit, faults, latency, speed) and ``shapes`` can
be changed at any time through ``Sandbox.configure`` or ``POST /_sandbox/config``.

``shapes`` picks the era of Ayrshare's answers: "current" (today's field names, after Meta,
TikTok and X changed what they report) or "2024" (the older shapes, kept so a client can be
tested against both). current.py holds the differences.
"""

from dataclasses import asdict, dataclass, field

TIMEOUT_ACTIONS = ("answer", "drop")
SHAPES = ("current", "2024")


@dataclass
class SandboxConfig:
    # The world (fixed once started).
    host: str = "127.0.0.1"
    port: int = 0  # 0: any free port
    profiles: int = 3
    posts: int = 300  # Ayrshare posts per profile
    seed: int = 1
    start: float | str | None = None  # sandbox time at start (epoch seconds or ISO); None: now
    span_days: float = 180  # the past the posts are spread over
    api_key: str | None = None  # None: "sandbox-<seed>-api-key"
    suspended: tuple[int, ...] = field(default_factory=tuple)  # profile indexes answering 403
    platform_default_limit: int = 10  # GET /history/{platform} without limit
    interval_scale: float = 1.0  # multiplies every update interval (0.01: ticks 100x as often)
    call_log_size: int = 100_000
    # Traffic (changeable while running).
    speed: float = 1.0  # sandbox seconds per real second; 0 freezes the clock
    rate_limit: int = 300  # requests per profile per window (Ayrshare: 300 per 5 minutes)
    rate_window: float = 300.0  # real seconds
    rate_limit_enabled: bool = True
    retry_after: bool = True  # send Retry-After with rate-limit 429s
    error_rate: float = 0.0  # share of requests answered 5xx
    error_retry_after: int | None = None  # if set, those are 503s with this Retry-After
    timeout_rate: float = 0.0  # share of requests held for timeout_seconds
    timeout_seconds: float = 30.0
    timeout_action: str = "answer"  # after the hold: "answer" normally or "drop" the connection
    timeout_profiles: tuple[int, ...] = field(default_factory=tuple)  # user profiles always held
    malformed_rate: float = 0.0  # share answered 200 with a broken body
    latency_ms: int = 0  # added to every API request
    latency_median_ms: float = 0  # per-call draws (latency.py); both 0: no drawn latency
    latency_p99_ms: float = 0
    burst_429: int = 0  # the next N API requests answer 429
    burst_retry_after: int | None = 30  # Retry-After of those 429s; None: no header
    fault_seed: int | None = None  # seeds the fault pattern; None: the world seed
    shapes: str = "current"  # "current": today's Ayrshare answers; "2024": the older shapes

    def __post_init__(self):
        # A typo at start should fail loudly, not serve a silent mix of eras.
        self.shapes = _check("shapes", self.shapes)
        _check_latency(self.latency_median_ms, self.latency_p99_ms)

    def as_dict(self) -> dict:
        values = asdict(self)
        values.pop("api_key")  # /_sandbox/keys hands out keys; the config view does not
        values["suspended"] = list(self.suspended)
        values["timeout_profiles"] = list(self.timeout_profiles)
        return values

    def update(self, changes: dict) -> None:
        """Apply live changes after checking every one; nothing changes if one is invalid."""
        checked = {name: _check(name, value) for name, value in changes.items()}
        _check_latency(
            checked.get("latency_median_ms", self.latency_median_ms),
            checked.get("latency_p99_ms", self.latency_p99_ms),
        )
        for name, value in checked.items():
            setattr(self, name, value)


def _check(name: str, value):
    if name not in LIVE_KNOBS:
        raise ValueError(f"{name} cannot be changed while the sandbox runs")
    kind = LIVE_KNOBS[name]
    if kind is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false")
        return value
    if name == "shapes":
        if value not in SHAPES:
            raise ValueError(f"shapes must be one of {SHAPES}")
        return value
    if name == "timeout_profiles":
        if not isinstance(value, list | tuple) or not all(
            isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in value
        ):
            raise ValueError("timeout_profiles must be a list of profile indexes")
        return tuple(value)
    if name == "timeout_action":
        if value not in TIMEOUT_ACTIONS:
            raise ValueError(f"timeout_action must be one of {TIMEOUT_ACTIONS}")
        return value
    if value is None and name in ("burst_retry_after", "fault_seed", "error_retry_after"):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number")
    if value < 0:
        raise ValueError(f"{name} must not be negative")
    if name.endswith("_rate") and value > 1:
        raise ValueError(f"{name} is a share between 0 and 1")
    return kind(value)


def _check_latency(median: float, p99: float) -> None:
    # A p99 under the median has no log-normal; one of the two alone is a half-set knob.
    if median == p99 == 0:
        return
    if not 0 < median <= p99:
        raise ValueError(
            "latency_median_ms and latency_p99_ms go together: p99 >= median > 0, or both 0 (off)"
        )


LIVE_KNOBS = {
    "speed": float,
    "rate_limit": int,
    "rate_window": float,
    "rate_limit_enabled": bool,
    "retry_after": bool,
    "error_rate": float,
    "error_retry_after": int,
    "timeout_rate": float,
    "timeout_seconds": float,
    "timeout_action": str,
    "timeout_profiles": tuple,
    "malformed_rate": float,
    "latency_ms": int,
    "latency_median_ms": float,
    "latency_p99_ms": float,
    "burst_429": int,
    "burst_retry_after": int,
    "fault_seed": int,
    "shapes": str,
}
