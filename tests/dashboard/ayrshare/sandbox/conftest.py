"""A fresh in-process sandbox per test: frozen clock, fixed start, real HTTP on a free port."""

import pytest
import requests

from dashboard.ayrshare.sandbox import start_sandbox
from dashboard.ayrshare.sandbox.clock import parse_iso

START = "2026-03-01T12:00:00Z"


@pytest.fixture
def sandbox():
    with start_sandbox(profiles=3, posts=300, seed=1, start=START, speed=0) as running:
        yield running


@pytest.fixture
def sandbox_2024():
    """The same world in Ayrshare's older shapes (the fixtures in tests/fixtures/ayrshare/)."""
    with start_sandbox(
        profiles=3, posts=300, seed=1, start=START, speed=0, shapes="2024"
    ) as running:
        yield running


def call(sb, method, path, profile=0, timeout=10, **kwargs) -> requests.Response:
    """An authenticated API call; ``profile=None`` means the primary profile (no Profile-Key)."""
    headers = {"Authorization": f"Bearer {sb.api_key}"}
    if profile is not None:
        headers["Profile-Key"] = sb.profile_keys[profile]
    return requests.request(method, sb.url + path, headers=headers, timeout=timeout, **kwargs)


def get(sb, path, profile=0, **params) -> requests.Response:
    return call(sb, "GET", path, profile, params=params)


def post(sb, path, body, profile=0) -> requests.Response:
    return call(sb, "POST", path, profile, json=body)


def when(text: str) -> float:
    return parse_iso(text)
