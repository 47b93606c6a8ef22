"""Sign-in, sign-out and passwords: Django's auth views, with repeated failed sign-ins throttled.

Failed sign-ins are counted in Django's cache per username and per client address. When either
reaches its limit within LOGIN_FAILURE_WINDOW seconds, sign-in for that username or address is
refused for the next LOGIN_FAILURE_WINDOW seconds, even with the right password, with a plain
message and HTTP 429. The "next" redirect goes only to this site (Django's LoginView checks it).
While Redis (the cache) is unreachable, the counters live in a database table instead
(ThrottleEntry), so people can still sign in and the limits still hold; the log says so.

Password-reset requests are counted the same way, per address typed and per client address
(PASSWORD_RESET_LIMIT*, PASSWORD_RESET_WINDOW): past the limit no more mail goes to that
inbox, and the answer is the same whether an account has that address or not. The mail itself
is looked up and sent by a task, so the request does the same work for any address.
"""

import hashlib
import logging
import math
import time
import unicodedata

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.sites.shortcuts import get_current_site
from django.core.cache import cache
from django.db.models import F
from django.views.generic import RedirectView
from kombu.exceptions import OperationalError as BrokerUnreachable
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from accounts import tasks
from accounts.models import ThrottleEntry

logger = logging.getLogger(__name__)

# What Django's Redis cache raises when Redis is down or does not answer in time.
CACHE_UNREACHABLE = (RedisConnectionError, RedisTimeoutError)

# --- throttling ------------------------------------------------------------------------------


def client_ip(request):
    """The address failures are counted against: the peer, or what the trusted proxy says."""
    header = settings.LOGIN_CLIENT_IP_HEADER
    if header and request.META.get(header):
        # The proxy appends the address it saw; anything before it came from the client.
        return request.META[header].split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def counted_name(name):
    """The name as the counters see it: every spelling that reaches one account counts as one.

    The sign-in form applies Unicode NFKC to the username (Django's UsernameField), so
    "ａnalyst_a" (full-width a) signs in as "analyst_a"; casefold makes case variants count
    together too. Django's password reset matches addresses the same way (NFKC, casefold).
    """
    return unicodedata.normalize("NFKC", name.strip()).casefold()


def throttle_counters(scope, name, ip, limits):
    """(cache key, limit) of each counter an attempt belongs to: per name, and per address."""

    def key(kind, value):
        # Hashed: cache keys must be short and plain, usernames and emails are neither.
        return f"{scope}:{kind}:{hashlib.sha256(value.encode()).hexdigest()}"

    per_name, per_ip = limits
    counters = [(key("name", counted_name(name)), per_name)]
    if ip:
        counters.append((key("ip", ip), per_ip))
    return counters


class DatabaseCounters:
    """The five cache operations the throttle uses, on ThrottleEntry rows.

    Like Redis's and locmem's, incr keeps the key's expiry (Django's database cache would not:
    it restarts the default timeout, stretching every window).
    """

    def _live(self, key):
        return ThrottleEntry.objects.filter(key=key, expires__gt=time.time())

    def get(self, key, default=None):
        entry = self._live(key).first()
        return default if entry is None else entry.value

    def add(self, key, value, timeout):
        now = time.time()
        # Sweeping every expired entry here keeps the table small, this key's included.
        ThrottleEntry.objects.filter(expires__lte=now).delete()
        entry = ThrottleEntry(key=key, value=value, expires=now + timeout)
        ThrottleEntry.objects.bulk_create([entry], ignore_conflicts=True)

    def incr(self, key):
        # One UPDATE, so concurrent failures each count.
        if not self._live(key).update(value=F("value") + 1):
            raise ValueError(f"{key} has expired")
        return int(self.get(key, 0))

    def set(self, key, value, timeout):
        ThrottleEntry.objects.update_or_create(
            key=key, defaults={"value": value, "expires": time.time() + timeout}
        )

    def delete(self, key):
        ThrottleEntry.objects.filter(key=key).delete()


def _on_counter_store(operation):
    """operation(store) on the shared cache, or on the database's while Redis is unreachable."""
    try:
        return operation(cache)
    except CACHE_UNREACHABLE as error:
        # Refusing every sign-in because Redis is down would lock everybody out; not counting
        # would lift the limits. The database is slower but shared by every web process.
        logger.warning(
            "Sign-in throttle fell back to the database: the cache is unreachable (%s: %s)",
            type(error).__name__,
            error,
        )
        return operation(DatabaseCounters())


def locked_for(counters):
    def locked_until(store):
        return max(store.get(f"{key}:locked-until", 0) for key, _ in counters)

    return max(0, math.ceil(_on_counter_store(locked_until) - time.time()))


def count_attempt(counters, window):
    def count(store):
        for key, limit in counters:
            # The window opens with the first attempt; incr keeps the key's expiry (Redis,
            # locmem, database).
            store.add(key, 0, window)
            try:
                attempts = store.incr(key)
            except ValueError:  # expired between add and incr
                store.set(key, 1, window)
                attempts = 1
            if attempts >= limit:
                store.set(f"{key}:locked-until", time.time() + window, window)
                store.delete(key)

    _on_counter_store(count)


def _signin_counters(username, ip):
    limits = (settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_FAILURE_LIMIT_PER_IP)
    return throttle_counters("signin-failures", username, ip, limits)


def seconds_locked(username, ip):
    """How long sign-in stays refused for this username or address; 0 when it is allowed."""
    return locked_for(_signin_counters(username, ip))


def record_failure(username, ip):
    count_attempt(_signin_counters(username, ip), settings.LOGIN_FAILURE_WINDOW)


def _reset_counters(email, ip):
    limits = (settings.PASSWORD_RESET_LIMIT, settings.PASSWORD_RESET_LIMIT_PER_IP)
    return throttle_counters("password-resets", email, ip, limits)


def clear_failures(username):
    """A successful sign-in forgives the username's failures (not the address's)."""
    key, _ = _signin_counters(username, "")[0]
    _on_counter_store(lambda store: store.delete(key))


def wait_message(seconds, what="failed sign-ins"):
    minutes = max(1, math.ceil(seconds / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many {what}; try again in {minutes} {unit}."


# --- views -----------------------------------------------------------------------------------


class SignInView(auth_views.LoginView):
    """Django's login, refusing a username or address that failed too often."""

    def post(self, request, *args, **kwargs):
        wait = seconds_locked(self.typed_username(), client_ip(request))
        if wait:
            # Refused before the password is checked, so a throttled guess learns nothing.
            return self.refuse(wait)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        clear_failures(self.typed_username())
        return super().form_valid(form)

    def form_invalid(self, form):
        username = self.typed_username()
        if username:
            record_failure(username, client_ip(self.request))
            wait = seconds_locked(username, client_ip(self.request))
            if wait:
                return self.refuse(wait)
        return super().form_invalid(form)

    def typed_username(self):
        return self.request.POST.get("username", "")

    def refuse(self, wait):
        # An unbound form: a bound one would try the password again when rendered.
        form = self.get_form_class()(self.request, initial={"username": self.typed_username()})
        context = self.get_context_data(form=form, throttled=wait_message(wait))
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(wait)
        return response


class SignOutView(auth_views.LogoutView):
    """Django's logout (POST only, CSRF-checked), back to the sign-in page with a note."""

    next_page = "login"

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You have signed out.")
        return response


login = SignInView.as_view()
logout = SignOutView.as_view()
password_change = auth_views.PasswordChangeView.as_view()
password_change_done = auth_views.PasswordChangeDoneView.as_view()


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, except that a task looks the accounts up and mails them."""

    def save(self, *, request, use_https=False, **_options):
        # The view's other options (templates, token generator) are the task's defaults.
        email = self.cleaned_data["email"]
        domain = get_current_site(request).domain
        try:
            tasks.send_password_reset.delay(email, domain, use_https)
        except BrokerUnreachable as error:
            # Losing the mail is worse than answering more slowly for known addresses.
            logger.warning(
                "Password reset mailed within the request: the broker is unreachable (%s: %s)",
                type(error).__name__,
                error,
            )
            tasks.send_password_reset(email, domain, use_https)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset by email; past the limits for the address typed or the client's address,
    no mail goes out (no inbox can be flooded) and the page says when to try again."""

    form_class = QueuedPasswordResetForm

    def form_valid(self, form):
        counters = _reset_counters(form.cleaned_data["email"], client_ip(self.request))
        wait = locked_for(counters)
        if wait:
            context = self.get_context_data(
                form=form, throttled=wait_message(wait, "password-reset requests")
            )
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(wait)
            return response
        count_attempt(counters, settings.PASSWORD_RESET_WINDOW)
        return super().form_valid(form)


password_reset = PasswordResetView.as_view()
password_reset_done = auth_views.PasswordResetDoneView.as_view()
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view()
password_reset_complete = auth_views.PasswordResetCompleteView.as_view()
# The admin signs in through the throttled page above, not through its own unthrottled form.
admin_login = RedirectView.as_view(pattern_name="login", query_string=True)
