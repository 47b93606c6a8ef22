"""Suite-wide test setup: fast password hashing, a Redis that does not answer, and when
integration tests may run."""

import os
import socket

import pytest


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # The default PBKDF2 hasher costs ~0.3 s per user; tests need no real password security.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def outside_any_workspace():
    """A request activates its workspace's zone for the rest of the thread (accounts/zones.py);
    the next test starts outside it, as the next request would."""
    yield
    from accounts import zones

    zones.leave()


@pytest.fixture
def redis_down(settings):
    """The cache points at a Redis port where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }


def pytest_runtest_setup(item):
    if os.environ.get("REDIS_URL") or not item.get_closest_marker("integration"):
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        # CI must run them: a skip there would hide a broken setup.
        pytest.fail("CI is set but REDIS_URL is not: integration tests need Redis", pytrace=False)
    pytest.skip("needs Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
