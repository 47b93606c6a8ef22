"""The sandbox clock: its own notion of "now", which tests and demos can speed up or jump.

Sandbox time = start + (real seconds elapsed x speed) + manual jumps. Speed 0 freezes it, which
makes tests exact. Times are float seconds since the Unix epoch; the helpers format them the way
Ayrshare does (ISO 8601, UTC, "Z").
"""

import threading
import time
from datetime import UTC, datetime


class SandboxClock:
    def __init__(self, start: float | None = None, speed: float = 1.0):
        self._lock = threading.Lock()
        self._speed = float(speed)
        self._base_real = time.time()
        self._base_sandbox = self._base_real if start is None else float(start)
        self.start = self._base_sandbox

    def now(self) -> float:
        with self._lock:
            return self._base_sandbox + (time.time() - self._base_real) * self._speed

    @property
    def speed(self) -> float:
        return self._speed

    def advance(self, seconds: float) -> float:
        with self._lock:
            self._rebase()
            self._base_sandbox += float(seconds)
            return self._base_sandbox

    def set(self, when: float) -> float:
        with self._lock:
            self._base_real = time.time()
            self._base_sandbox = float(when)
            return self._base_sandbox

    def set_speed(self, speed: float) -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0")
        with self._lock:
            self._rebase()
            self._speed = float(speed)

    def _rebase(self) -> None:
        # Fold the elapsed real time into the sandbox base so a change applies from now on.
        real = time.time()
        self._base_sandbox += (real - self._base_real) * self._speed
        self._base_real = real


def iso(ts: float, millis: bool = True) -> str:
    moment = datetime.fromtimestamp(ts, UTC)
    if millis:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> float:
    """ISO 8601 as clients send it ("2026-07-08T12:30:00Z", with or without offset or time)."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def firestore_timestamp(ts: float, nanos: int = 0) -> dict:
    """Ayrshare's {"_seconds", "_nanoseconds", "utc"} object (scheduleDate, createDate)."""
    seconds = int(ts)
    return {
        "_seconds": seconds,
        "_nanoseconds": nanos,
        "utc": iso(seconds + nanos / 1e9, millis=False),
    }
