import time

import pytest
from django.core.cache import cache

from dashboard.celery import BEAT_KEY, WORKER_ALIVE_SECONDS, WORKER_SEEN_KEY


@pytest.fixture
def installation(settings, tmp_path):
    """A running installation as the web process sees it: a cache every process shares (files
    here, private to the test; Redis in production) in which beat and a worker noted just now
    that they run."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    cache.set(BEAT_KEY, time.time(), timeout=None)
    cache.set(WORKER_SEEN_KEY, time.time(), timeout=WORKER_ALIVE_SECONDS)
