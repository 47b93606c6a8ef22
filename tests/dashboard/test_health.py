"""/healthz says which part failed, without secrets; beat's heartbeat has an age limit."""

import time

import pytest
from django.core.cache import cache
from django.db.utils import OperationalError
from django.test import Client

from dashboard import health
from dashboard.celery import BEAT_KEY


@pytest.fixture(autouse=True)
def fresh_migration_check(monkeypatch):
    monkeypatch.setattr(health, "_migrated", False)


def get(**settings_headers):
    return Client().get("/healthz", **settings_headers)


def test_healthy_parts_answer_200_without_signing_in(db):
    response = get()
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["failing"] == []
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"] == "ok"
    assert body["checks"]["redis"].startswith("ok")
    assert "no-store" in response["Cache-Control"]


def test_redis_that_does_not_answer_is_named_without_its_address(db, settings):
    settings.CELERY_BROKER_URL = "redis://:hunter2@127.0.0.1:1/0"
    response = get()
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["redis"]
    assert body["checks"]["redis"].startswith("failing: ")
    text = response.content.decode()
    assert "hunter2" not in text and "127.0.0.1" not in text


def test_a_database_that_does_not_answer_is_named(db, monkeypatch):
    def broken():
        raise OperationalError("could not connect to server at db.internal (secret)")

    monkeypatch.setattr(health, "_database", broken)
    response = get()
    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]
    assert response.json()["checks"]["database"] == "failing: OperationalError"
    assert "db.internal" not in response.content.decode()


def test_unapplied_migrations_are_named(db, monkeypatch):
    monkeypatch.setattr(
        "django.db.migrations.executor.MigrationExecutor.migration_plan",
        lambda self, targets: [("dashboard", "9999_next")],
    )
    response = get()
    assert response.status_code == 503
    assert response.json()["failing"] == ["migrations"]
    assert response.json()["checks"]["migrations"] == "failing: 1 not applied"


def test_healthz_is_not_redirected_to_https(db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert Client().get("/accounts/login/").status_code == 301
    assert get().status_code == 200


def test_beat_is_late_after_three_intervals_without_sending_the_dispatcher(settings):
    settings.SYNC_BEAT_SECONDS = 60
    cache.delete(BEAT_KEY)
    assert health.check_beat() == "beat has not sent the dispatcher yet"
    cache.set(BEAT_KEY, time.time() - 30)
    assert health.check_beat() is None
    cache.set(BEAT_KEY, time.time() - 600)
    assert "600 s ago (limit 210 s)" in health.check_beat()
    cache.delete(BEAT_KEY)


def test_sending_the_dispatcher_refreshes_beats_heartbeat(monkeypatch):
    from dashboard.celery import note_dispatch_sent

    cache.delete(BEAT_KEY)
    note_dispatch_sent(sender="dashboard.tasks.run_unit")
    assert health.beat_age() is None  # only the dispatcher counts
    note_dispatch_sent(sender="dashboard.tasks.dispatch_due_units")
    assert health.beat_age() < 5
    cache.delete(BEAT_KEY)
