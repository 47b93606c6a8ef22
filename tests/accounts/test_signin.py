"""Signing in and out, throttled failures, safe redirects, password change and reset."""

import logging
import re
import time
import uuid

import pytest
from celery import Celery
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts.models import ThrottleEntry
from dashboard.celery import app as celery_app
from tests.accounts.factories import MembershipFactory, UserFactory

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase 42"
LOGIN = "/accounts/login/"
THROTTLED = "Too many failed sign-ins; try again in 15 minutes."
WRONG = "Please enter a correct username and password."


@pytest.fixture(autouse=True)
def eager_tasks():
    # The reset mail is a task; run it in the test, into mail.outbox, not onto a broker.
    # (Celery's settings are no plain attributes: monkeypatch cannot put them back.)
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def private_cache(settings):
    # Failure counters of this test only, whatever cache the environment configures.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"signin-{uuid.uuid4()}",
        }
    }
    settings.LOGIN_FAILURE_LIMIT = 5
    settings.LOGIN_FAILURE_LIMIT_PER_IP = 20
    settings.LOGIN_FAILURE_WINDOW = 900
    settings.PASSWORD_RESET_LIMIT = 3
    settings.PASSWORD_RESET_LIMIT_PER_IP = 10
    settings.PASSWORD_RESET_WINDOW = 3600
    settings.LOGIN_CLIENT_IP_HEADER = ""


@pytest.fixture
def member(db):
    return MembershipFactory()


def sign_in(client, username, password=PASSWORD, **fields):
    return client.post(LOGIN, {"username": username, "password": password, **fields})


def signed_in(client):
    return SESSION_KEY in client.session


# --- signing in and out ----------------------------------------------------------------------


def test_sign_in_lands_on_the_dashboard_and_sign_out_ends_the_session(client, member):
    page = client.get(LOGIN)
    assert page.status_code == 200
    assert b'autocomplete="current-password"' in page.content

    response = sign_in(client, member.user.username)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/", follow=True).redirect_chain[-1][0] == f"/w/{member.workspace.slug}/"

    response = client.post("/accounts/logout/", follow=True)
    assert response.redirect_chain[-1][0] == LOGIN
    assert b"You have signed out." in response.content
    assert not signed_in(client)
    home = client.get(f"/w/{member.workspace.slug}/")
    assert home.status_code == 302 and home["Location"].startswith(LOGIN)


def test_a_wrong_password_says_so_and_signs_nobody_in(client, member):
    response = sign_in(client, member.user.username, "not my password")
    assert response.status_code == 200
    html = response.content.decode()
    assert WRONG in html
    assert 'aria-describedby="signin-error"' in html and 'id="signin-error"' in html
    assert f'value="{member.user.username}"' in html
    assert not signed_in(client)


def test_sign_out_needs_a_post(client, member):
    client.force_login(member.user)
    assert client.get("/accounts/logout/").status_code == 405
    assert signed_in(client)


def test_sign_out_needs_the_csrf_token(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)
    assert client.post("/accounts/logout/").status_code == 403
    assert signed_in(client)


# --- throttling ------------------------------------------------------------------------------


def test_five_failures_lock_the_username_even_against_the_right_password(client, member):
    username = member.user.username
    for _ in range(4):
        response = sign_in(client, username, "guess")
        assert response.status_code == 200 and WRONG in response.content.decode()

    fifth = sign_in(client, username, "guess")
    assert fifth.status_code == 429
    assert THROTTLED in fifth.content.decode()
    assert fifth["Retry-After"] == "900"

    right = sign_in(client, username, PASSWORD)
    assert right.status_code == 429 and THROTTLED in right.content.decode()
    assert not signed_in(client)
    # Typing the name differently is the same account.
    assert sign_in(client, f" {username.upper()} ", PASSWORD).status_code == 429


def test_the_lock_lifts_after_the_window(client, member, monkeypatch):
    for _ in range(5):
        sign_in(client, member.user.username, "guess")
    later = time.time() + 901
    monkeypatch.setattr(time, "time", lambda: later)
    assert sign_in(client, member.user.username).status_code == 302
    assert signed_in(client)


def test_the_wait_is_rounded_up_to_whole_minutes(client, member, monkeypatch):
    for _ in range(5):
        sign_in(client, member.user.username, "guess")
    later = time.time() + 900 - 61
    monkeypatch.setattr(time, "time", lambda: later)
    response = sign_in(client, member.user.username)
    assert "Too many failed sign-ins; try again in 2 minutes." in response.content.decode()


def test_signing_in_forgives_earlier_failures(client, member):
    for _ in range(4):
        sign_in(client, member.user.username, "guess")
    assert sign_in(client, member.user.username).status_code == 302
    client.logout()
    for _ in range(4):
        assert sign_in(client, member.user.username, "guess").status_code == 200
    assert sign_in(client, member.user.username).status_code == 302


def test_one_address_trying_many_usernames_is_locked_out(client, settings, member):
    settings.LOGIN_FAILURE_LIMIT_PER_IP = 3
    for name in ("ann", "bob", "cat"):
        sign_in(client, name, "guess")
    response = sign_in(client, member.user.username)
    assert response.status_code == 429 and THROTTLED in response.content.decode()

    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    assert sign_in(elsewhere, member.user.username).status_code == 302


def test_behind_a_proxy_the_forwarded_address_is_counted(client, settings, member):
    settings.LOGIN_FAILURE_LIMIT_PER_IP = 3
    settings.LOGIN_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    attacker = {"HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    for name in ("ann", "bob", "cat"):
        # A forged first address does not help: the proxy's (last) one counts.
        forged = {"HTTP_X_FORWARDED_FOR": f"10.0.0.{len(name)}, 198.51.100.7"}
        client.post(LOGIN, {"username": name, "password": "guess"}, **forged)
    locked = client.post(LOGIN, {"username": "dan", "password": "guess"}, **attacker)
    assert locked.status_code == 429

    colleague = {"HTTP_X_FORWARDED_FOR": "198.51.100.8"}
    response = client.post(
        LOGIN, {"username": member.user.username, "password": PASSWORD}, **colleague
    )
    assert response.status_code == 302


def test_spellings_that_reach_one_account_share_its_lock(client, db):
    MembershipFactory(user=UserFactory(username="analyst_a"))
    fullwidth = "ａnalyst_a"  # a full-width "a": the form's NFKC makes it analyst_a
    assert sign_in(Client(REMOTE_ADDR="203.0.113.5"), fullwidth).status_code == 302

    for _ in range(5):
        sign_in(client, "analyst_a", "guess")

    elsewhere = Client(REMOTE_ADDR="203.0.113.9")  # not the per-address limit
    for variant in (fullwidth, "ＡＮＡＬＹＳＴ＿Ａ", "Analyst_A", " analyst_a"):
        response = sign_in(elsewhere, variant)
        assert response.status_code == 429, variant
        assert THROTTLED in response.content.decode()
    assert not signed_in(elsewhere)


def test_failures_under_different_spellings_add_up(client, db):
    MembershipFactory(user=UserFactory(username="analyst_a"))
    for variant in ("analyst_a", "ａnalyst_a", "ANALYST_A", "analyst＿a"):
        assert sign_in(client, variant, "guess").status_code == 200, variant

    fifth = sign_in(Client(REMOTE_ADDR="203.0.113.9"), "ａｎａｌｙｓｔ_a", "guess")

    assert fifth.status_code == 429
    assert sign_in(Client(REMOTE_ADDR="203.0.113.10"), "analyst_a").status_code == 429


# --- while Redis is down ---------------------------------------------------------------------


def test_without_redis_people_still_sign_in_and_the_log_says_why(
    client, member, redis_down, caplog
):
    with caplog.at_level(logging.WARNING, logger="accounts.signin"):
        response = sign_in(client, member.user.username)

    assert response.status_code == 302 and signed_in(client)
    assert "Sign-in throttle fell back to the database: the cache is unreachable" in caplog.text
    assert "ConnectionError" in caplog.text


def test_without_redis_five_failures_still_lock(client, member, redis_down):
    username = member.user.username
    for _ in range(4):
        assert sign_in(client, username, "guess").status_code == 200

    fifth = sign_in(client, username, "guess")

    assert fifth.status_code == 429 and fifth["Retry-After"] == "900"
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    assert sign_in(elsewhere, username.upper()).status_code == 429
    assert not signed_in(elsewhere)
    assert ThrottleEntry.objects.exists()  # counted in the database


def test_without_redis_the_lock_lifts_after_the_window(client, member, redis_down, monkeypatch):
    for _ in range(5):
        sign_in(client, member.user.username, "guess")
    later = time.time() + 901
    monkeypatch.setattr(time, "time", lambda: later)

    assert sign_in(client, member.user.username).status_code == 302


def test_without_redis_resets_are_still_counted(client, member, redis_down):
    for _ in range(3):
        client.post("/accounts/password_reset/", {"email": member.user.email})

    assert client.post("/accounts/password_reset/", {"email": member.user.email}).status_code == 429
    assert len(mail.outbox) == 3


# --- the "next" redirect ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "//evil.com",
        "https://evil.com",
        "/\\evil.com",
        "http://evil.com/w/",
        "\\\\evil.com",
        "///evil.com",
    ],
)
def test_next_never_leads_off_the_site(client, member, target):
    page = client.get(LOGIN, {"next": target})
    assert b"evil.com" not in page.content
    response = sign_in(client, member.user.username, next=target)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_next_on_the_site_is_followed(client, member):
    target = f"/w/{member.workspace.slug}/?platform=instagram"
    page = client.get(LOGIN, {"next": target})
    assert b'name="next" value="/w/' in page.content
    response = sign_in(client, member.user.username, next=target)
    assert response["Location"] == target


def test_the_admin_signs_in_through_the_throttled_page(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/admin/"


# --- sessions --------------------------------------------------------------------------------


def test_a_session_lasts_session_cookie_age(client, settings, member):
    settings.SESSION_COOKIE_AGE = 600
    response = sign_in(client, member.user.username)
    assert response.cookies["sessionid"]["max-age"] == 600
    home = f"/w/{member.workspace.slug}/"
    assert client.get(home).status_code == 200

    # Ten minutes on: the server no longer knows the session.
    Session.objects.update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    response = client.get(home)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_sessions_can_end_with_the_browser(client, settings, member):
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    response = sign_in(client, member.user.username)
    cookie = response.cookies["sessionid"]
    assert cookie["max-age"] == "" and cookie["expires"] == ""


# --- passwords -------------------------------------------------------------------------------


def test_changing_the_password(client, member):
    user = member.user
    assert client.get("/accounts/password_change/").status_code == 302  # signed out
    client.force_login(user)
    page = client.get("/accounts/password_change/")
    assert page.status_code == 200
    assert b'autocomplete="new-password"' in page.content

    wrong = client.post(
        "/accounts/password_change/",
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    html = wrong.content.decode()
    assert "Your old password was entered incorrectly." in html
    assert 'aria-invalid="true"' in html and 'aria-describedby="id_old_password_error"' in html
    assert 'id="id_old_password_error"' in html

    done = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert done.redirect_chain[-1][0] == "/accounts/password_change/done/"
    assert b"Your password is changed." in done.content
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert signed_in(client)  # this browser stays signed in


def test_resetting_a_forgotten_password(client, member):
    user = member.user
    response = client.post("/accounts/password_reset/", {"email": user.email.upper()})
    assert response["Location"] == "/accounts/password_reset/done/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert message.subject == "Reset your password for Social performance"
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)

    form = client.get(link, follow=True)
    assert b"Choose a new password" in form.content
    set_url = form.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert done.redirect_chain[-1][0] == "/accounts/reset/done/"
    assert sign_in(client, user.username, NEW_PASSWORD).status_code == 302

    client.logout()
    used = client.get(link, follow=True)
    assert b"This link does not work" in used.content


def test_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, member):
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.com"})
    assert response["Location"] == "/accounts/password_reset/done/"
    assert mail.outbox == []


@pytest.fixture
def queued(monkeypatch):
    """Messages the app would hand to the broker (the Celery boundary), instead of sending them."""
    calls = []

    def send_task(app, name, args=None, kwargs=None, **options):
        calls.append((name, tuple(args or ())))

    celery_app.conf.task_always_eager = False
    monkeypatch.setattr(Celery, "send_task", send_task)
    return calls


def test_a_reset_request_queues_the_same_task_for_known_and_unknown_addresses(
    client, member, queued
):
    for email in (member.user.email, "nobody@example.com"):
        response = client.post("/accounts/password_reset/", {"email": email})
        assert response["Location"] == "/accounts/password_reset/done/"

    task = "accounts.tasks.send_password_reset"
    assert queued == [
        (task, (member.user.email, "testserver", False)),
        (task, ("nobody@example.com", "testserver", False)),
    ]
    assert mail.outbox == []  # nothing is looked up or sent while the person waits


def test_with_the_broker_down_the_reset_mail_is_sent_in_the_request(
    client, member, monkeypatch, caplog
):
    def unreachable(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    celery_app.conf.task_always_eager = False
    monkeypatch.setattr(Celery, "send_task", unreachable)
    with caplog.at_level(logging.WARNING, logger="accounts.signin"):
        response = client.post("/accounts/password_reset/", {"email": member.user.email})

    assert response["Location"] == "/accounts/password_reset/done/"
    assert [message.to for message in mail.outbox] == [[member.user.email]]
    assert "Password reset mailed within the request: the broker is unreachable" in caplog.text


def test_resets_for_one_address_stop_mailing_after_the_limit_known_or_not(client, member):
    for email in (member.user.email, "nobody@example.com"):
        for _ in range(3):
            response = client.post("/accounts/password_reset/", {"email": email})
            assert response["Location"] == "/accounts/password_reset/done/"

        refused = client.post("/accounts/password_reset/", {"email": email.upper()})

        assert refused.status_code == 429
        assert refused["Retry-After"] == "3600"
        assert "Too many password-reset requests; try again in 60 minutes." in (
            refused.content.decode()
        )
    assert len(mail.outbox) == 3  # the account's three; none for the unknown address
    # Another person's address is not held back by these.
    other = MembershipFactory().user
    assert client.post("/accounts/password_reset/", {"email": other.email}).status_code == 302
    assert mail.outbox[-1].to == [other.email]


def test_resets_from_one_client_address_stop_after_its_limit(client, member):
    for n in range(10):
        client.post("/accounts/password_reset/", {"email": f"someone{n}@example.com"})

    refused = client.post("/accounts/password_reset/", {"email": member.user.email})

    assert refused.status_code == 429
    assert mail.outbox == []


def test_new_passwords_must_match_and_the_error_sits_by_the_field(client, member):
    client.post("/accounts/password_reset/", {"email": member.user.email})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    set_url = client.get(link, follow=True).redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": "other"})
    html = response.content.decode()
    assert "The two password fields didn" in html
    assert 'id="id_new_password2_error"' in html


def test_inactive_accounts_cannot_sign_in(client, db):
    user = UserFactory(is_active=False)
    response = sign_in(client, user.username)
    assert response.status_code == 200 and not signed_in(client)
