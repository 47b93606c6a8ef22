"""Production settings: `check --deploy` is clean, responses carry the security headers.

Settings are read once at start-up from the environment, so production runs in a subprocess
with the production variables, as a server would start.
"""

import json
import os
import secrets
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
HOST = "dashboard.example.com"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'self'"
)

# Requests through Django's test client inside the production process; no database is touched.
REQUESTS = textwrap.dedent(
    """
    import json, django
    django.setup()
    from django.conf import settings
    from django.test import Client

    def seen(response):
        cookies = {name: dict(morsel) for name, morsel in response.cookies.items()}
        return {"status": response.status_code, "headers": dict(response.headers),
                "cookies": cookies}

    client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0])
    print(json.dumps({
        "https": seen(client.get("/accounts/login/", secure=True)),
        "http": seen(client.get("/accounts/login/?next=/w/x/")),
        "proxied": seen(client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")),
        "email_backend": settings.EMAIL_BACKEND,
        "cache_backend": settings.CACHES["default"]["BACKEND"],
    }))
    """
)


@pytest.fixture(scope="module")
def production_env(tmp_path_factory):
    return {
        "PATH": os.environ["PATH"],
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": HOST,
        "DATA_DIR": str(tmp_path_factory.mktemp("data")),
    }


def run(args, env):
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "dashboard.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_requests(env):
    result = run(["-c", REQUESTS], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def production(production_env):
    """What the production process answered with its defaults."""
    return production_requests(production_env)


def test_check_deploy_is_clean_with_production_variables(production_env):
    result = run(["manage.py", "check", "--deploy"], production_env)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr
    assert "WARNING" not in result.stderr and "?:" not in result.stderr, result.stderr


def test_check_deploy_still_warns_when_https_is_turned_off(production_env):
    # The clean result above is earned, not silenced wholesale.
    result = run(["manage.py", "check", "--deploy"], {**production_env, "SECURE_SSL_REDIRECT": "0"})
    assert "security.W008" in result.stderr


def test_production_responses_carry_the_security_headers(production):
    https = production["https"]
    assert https["status"] == 200
    headers = https["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert headers["Content-Security-Policy"] == CSP
    assert "Content-Security-Policy-Report-Only" not in headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    csrf = https["cookies"]["csrftoken"]
    assert csrf["secure"] is True and csrf["samesite"] == "Lax"


def test_production_sends_plain_http_to_https(production):
    http = production["http"]
    assert http["status"] == 301
    assert http["headers"]["Location"] == f"https://{HOST}/accounts/login/?next=/w/x/"
    assert "Strict-Transport-Security" not in http["headers"]


def test_behind_a_tls_proxy_its_header_counts_as_https(production_env, production):
    without = production["proxied"]
    assert without["status"] == 301  # a client's own header is not trusted by default

    env = {**production_env, "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"}
    proxied = production_requests(env)["proxied"]
    assert proxied["status"] == 200
    assert "Strict-Transport-Security" in proxied["headers"]


def test_hsts_preload_is_an_opt_in(production_env):
    env = {**production_env, "SECURE_HSTS_PRELOAD": "True", "SECURE_HSTS_SECONDS": "600"}
    headers = production_requests(env)["https"]["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=600; includeSubDomains; preload"


def test_mail_is_printed_until_smtp_is_configured_and_redis_holds_the_cache(
    production_env, production
):
    assert production["email_backend"].endswith("console.EmailBackend")
    env = {**production_env, "EMAIL_HOST": "smtp.example.com", "REDIS_URL": "redis://127.0.0.1:1/0"}
    seen = production_requests(env)
    assert seen["email_backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert seen["cache_backend"] == "django.core.cache.backends.redis.RedisCache"


@pytest.mark.parametrize(
    ("name", "value"),
    [("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto: https"), ("SESSION_COOKIE_AGE", "0")],
)
def test_malformed_values_stop_the_start(production_env, name, value):
    result = run(["manage.py", "check"], {**production_env, name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and name in result.stderr


def test_development_reports_csp_violations_without_enforcing(client):
    # The test settings are development's (DEBUG=True at start-up).
    response = client.get("/accounts/login/")
    assert response["Content-Security-Policy-Report-Only"] == CSP
    assert "Content-Security-Policy" not in response
    assert response["X-Frame-Options"] == "DENY"


def test_plain_http_installs_can_turn_secure_cookies_off_and_check_deploy_still_warns(
    production_env, production
):
    # The default stays Secure; an intranet served over plain http gets a CSRF cookie it can
    # send back (else every form fails with "CSRF cookie not set").
    assert production["https"]["cookies"]["csrftoken"]["secure"] is True
    env = {**production_env, "SECURE_COOKIES": "False", "SECURE_SSL_REDIRECT": "False"}
    http = production_requests(env)["http"]
    assert http["status"] == 200
    assert http["cookies"]["csrftoken"]["secure"] == ""

    result = run(["manage.py", "check", "--deploy"], env)
    assert "security.W012" in result.stderr  # SESSION_COOKIE_SECURE
    assert "security.W016" in result.stderr  # CSRF_COOKIE_SECURE
