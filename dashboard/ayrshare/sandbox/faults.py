"""Injected misbehaviour: 429 bursts, 5xx errors, slow or dropped answers, broken bodies.

The choices come from a seeded random generator that draws the same number of values for every
request, so a given sequence of requests meets the same faults on every run.
"""

import json
import random
import threading

from .config import SandboxConfig

BURST = "burst_429"
ERROR = "error"
TIMEOUT = "timeout"
MALFORMED = "malformed"


class Faults:
    def __init__(self, seed: int):
        self._lock = threading.Lock()
        self._seed = seed
        self._random = random.Random(f"faults:{seed}")

    def reseed(self, seed: int) -> None:
        with self._lock:
            self._seed = seed
            self._random = random.Random(f"faults:{seed}")

    def decide(self, config: SandboxConfig) -> tuple[str | None, float]:
        """(the fault for this request or None, a uniform number to pick its flavour)."""
        with self._lock:
            error, timeout, malformed, flavour = (self._random.random() for _ in range(4))
            if config.burst_429 > 0:
                config.burst_429 -= 1
                return BURST, flavour
        if error < config.error_rate:
            return ERROR, flavour
        if timeout < config.timeout_rate:
            return TIMEOUT, flavour
        if malformed < config.malformed_rate:
            return MALFORMED, flavour
        return None, flavour


def server_error(flavour: float) -> tuple[int, dict]:
    status = (500, 502, 503)[int(flavour * 3)]
    body = {
        "action": "request",
        "status": "error",
        "code": status,
        "message": "The service is temporarily unavailable. Please try again later.",
    }
    return status, body


def malformed(body: object, flavour: float) -> tuple[str, bytes]:
    """A 200 body a careless client would choke on: cut JSON, an HTML page, or plain text."""
    if flavour < 0.4:
        text = json.dumps(body, ensure_ascii=False)
        return "application/json; charset=utf-8", text[: max(1, len(text) // 2)].encode()
    if flavour < 0.8:
        page = "<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"
        return "text/html; charset=utf-8", page.encode()
    return (
        "application/json; charset=utf-8",
        b"upstream connect error or disconnect/reset before headers",
    )
