"""Settings for every environment, driven by environment variables.

The defaults run on a bare machine: SQLite and Celery's filesystem broker in DATA_DIR, so the demo
needs no server. Production sets DEBUG=False and must then provide real secrets.
"""

import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name, default):
    value = os.environ.get(name, default)
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name, default):
    value = os.environ.get(name, default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envfloat(name, default):
    value = os.environ.get(name, default)
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from None


DEBUG = envbool("DEBUG", "True")
DATA_DIR = Path(os.environ.get("DATA_DIR", BASE_DIR / "data"))
# SQLite, the filesystem broker and the embedded request budget keep their files here.
DATA_DIR.mkdir(parents=True, exist_ok=True)

# Development-only values. Production (DEBUG=False) refuses to start with them.
_DEV_SECRET_KEY = "dev-only-secret-key-not-for-production"  # noqa: S105
_DEV_ENCRYPTION_KEY = "ZGV2LW9ubHktZmllbGQtZW5jcnlwdGlvbi1rZXktMzI="  # noqa: S105

SECRET_KEY = os.environ.get("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
# One or more Fernet keys, comma separated: the first encrypts, all decrypt (for rotation).
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", _DEV_ENCRYPTION_KEY if DEBUG else "")

if not DEBUG:
    for _name, _value, _dev in (
        ("SECRET_KEY", SECRET_KEY, _DEV_SECRET_KEY),
        ("FIELD_ENCRYPTION_KEY", FIELD_ENCRYPTION_KEY, _DEV_ENCRYPTION_KEY),
    ):
        if not _value or _value == _dev:
            raise ImproperlyConfigured(
                f"{_name} is not set. Production (DEBUG=False) needs a real {_name}; "
                "see README.md, 'Configuration'."
            )

ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "accounts",
    "dashboard.apps.DashboardConfig",
    "dashboard.reports.apps.ReportsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before any view: each request starts in settings.TIME_ZONE (access.workspace_member
    # then enters the request's workspace and its zone).
    "accounts.zones.middleware",
    "accounts.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "dashboard.urls"
WSGI_APPLICATION = "dashboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

_DEFAULT_DATABASE_URL = f"sqlite:///{DATA_DIR / 'dashboard.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _DEFAULT_DATABASE_URL),
        conn_max_age=60,
        # A kept connection the server dropped (a restart, pg_terminate_backend) is replaced
        # before the request uses it, instead of failing that request.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The worker and the web process write side by side: WAL lets readers run during a
    # write, IMMEDIATE takes the write lock up front so transactions queue instead of failing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
# A sync worker runs many Ayrshare calls at once (a threads pool) but each call needs the
# database only briefly, before and after it: a pool of this many connections per process serves
# all its threads, and sync.py hands the connection back while a call waits on the network.
# 0 (the default, and the web server's setting): one kept connection per thread, as before.
DATABASE_POOL_MAX_SIZE = envint("DATABASE_POOL_MAX_SIZE", "0")
if DATABASE_POOL_MAX_SIZE and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # Django's pool replaces kept connections
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(2, DATABASE_POOL_MAX_SIZE),
        "max_size": DATABASE_POOL_MAX_SIZE,
        # A thread waits this long for a free connection before its unit fails and retries.
        "timeout": envfloat("DATABASE_POOL_TIMEOUT", "30"),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "start"
INVITATION_DAYS = envint("INVITATION_DAYS", "7")

LANGUAGE_CODE = "en-us"
# The languages a report can be written in. English ships; a language is added with its catalog
# under locale/ (makemessages, compilemessages) and a line here.
LANGUAGES = [("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"urllib3": {"level": "WARNING"}},
}

# --- Ayrshare -------------------------------------------------------------------------------

AYRSHARE_API_URL = os.environ.get("AYRSHARE_API_URL", "https://api.ayrshare.com/api")
AYRSHARE_CONNECT_TIMEOUT = envfloat("AYRSHARE_CONNECT_TIMEOUT", "5")
AYRSHARE_READ_TIMEOUT = envfloat("AYRSHARE_READ_TIMEOUT", "60")
AYRSHARE_MAX_RETRIES = envint("AYRSHARE_MAX_RETRIES", "3")
# The longest one call may take, retries and their waits included.
AYRSHARE_CALL_DEADLINE = envfloat("AYRSHARE_CALL_DEADLINE", "90")
# Ayrshare allows 300 requests per 5 minutes per profile; we keep a margin below it.
AYRSHARE_BUDGET_REQUESTS = envint("AYRSHARE_BUDGET_REQUESTS", "270")
AYRSHARE_BUDGET_WINDOW = envint("AYRSHARE_BUDGET_WINDOW", "300")

# --- Sync -----------------------------------------------------------------------------------

# How long a claimed unit of work stays locked; a worker killed mid-unit frees it after this.
SYNC_LEASE_SECONDS = envint("SYNC_LEASE_SECONDS", "600")
# Post analytics calls (one request per post) a unit may spend in one run.
SYNC_POST_ANALYTICS_BATCH = envint("SYNC_POST_ANALYTICS_BATCH", "50")
# After the first backfill, /history is read for this many recent days plus open statuses.
SYNC_HISTORY_WINDOW_DAYS = envint("SYNC_HISTORY_WINDOW_DAYS", "7")
SYNC_BEAT_SECONDS = envint("SYNC_BEAT_SECONDS", "60")
# The most units queued and not yet started at once (tasks.units_to_claim argues it).
SYNC_DISPATCH_MAX = envint("SYNC_DISPATCH_MAX", "20000")
# The most units of one profile a beat leases, so one profile's backlog cannot starve others.
SYNC_DISPATCH_PER_PROFILE = envint("SYNC_DISPATCH_PER_PROFILE", "8")
if SYNC_DISPATCH_MAX < 1 or SYNC_DISPATCH_PER_PROFILE < 1:
    raise ImproperlyConfigured("SYNC_DISPATCH_MAX and SYNC_DISPATCH_PER_PROFILE must be 1 or more.")
# How often GET /user asks which networks are linked (new ones sync from then on).
SYNC_USER_INTERVAL = envint("SYNC_USER_INTERVAL", "3600")
# GET /history at most this often per profile ("Refresh now" asks at once; 0: at each nextUpdate).
SYNC_HISTORY_INTERVAL = envint("SYNC_HISTORY_INTERVAL", "300")
# Warn this many days before a network's authorization runs out (LinkedIn's refreshDaysRemaining).
RECONNECT_WARNING_DAYS = envint("RECONNECT_WARNING_DAYS", "14")
# A failing unit waits this long, doubling with each further failure (up to six hours).
SYNC_RETRY_BASE_SECONDS = envint("SYNC_RETRY_BASE_SECONDS", "60")
# The longest one unit may run; it starts a call only while the call's deadline fits in it.
SYNC_UNIT_DEADLINE = envfloat("SYNC_UNIT_DEADLINE", "150")

# --- Celery ---------------------------------------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "")
# A Redis that is down or does not answer fails a call within seconds instead of hanging the
# request (sign-in then counts in the database, Refresh now says so) or the unit that made it.
REDIS_CONNECT_TIMEOUT = 2
REDIS_SOCKET_TIMEOUT = 2
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "filesystem://localhost/")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = DATA_DIR / "broker"
    (_broker_dir / "queue").mkdir(parents=True, exist_ok=True)
    (_broker_dir / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Broadcasts (worker pings, remote control) go here too, not into the current directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Far above any task's time limit: a task is redelivered only if its worker died.
        "visibility_timeout": 3600,
        "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
        # Above kombu's 1 s wait for new tasks.
        "socket_timeout": 5,
    }
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "celery")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's own, but a worker that loses Redis while a task runs reconnects instead of exiting.
CELERY_WORKER_CONSUMER = "dashboard.celery:Consumer"
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", "240")
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", "300")
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", "False")
# A unit must end on its own, its progress saved, before Celery stops it. A slow answer can keep
# it up to one read timeout past its deadline (see AyrshareClient._send).
if not 0 < AYRSHARE_CALL_DEADLINE < SYNC_UNIT_DEADLINE:
    raise ImproperlyConfigured(
        f"AYRSHARE_CALL_DEADLINE ({AYRSHARE_CALL_DEADLINE:g}) must be above zero and below "
        f"SYNC_UNIT_DEADLINE ({SYNC_UNIT_DEADLINE:g}): a unit needs time for one whole call."
    )
if SYNC_UNIT_DEADLINE + AYRSHARE_READ_TIMEOUT > CELERY_TASK_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured(
        f"SYNC_UNIT_DEADLINE ({SYNC_UNIT_DEADLINE:g}) plus AYRSHARE_READ_TIMEOUT "
        f"({AYRSHARE_READ_TIMEOUT:g}), the most a unit can overrun it on a slow answer, must not "
        f"exceed CELERY_TASK_SOFT_TIME_LIMIT ({CELERY_TASK_SOFT_TIME_LIMIT})."
    )
CELERY_BEAT_SCHEDULE = {
    "dispatch-due-units": {
        "task": "dashboard.tasks.dispatch_due_units",
        "schedule": SYNC_BEAT_SECONDS,
    },
    "sweep-rollups": {
        "task": "dashboard.tasks.sweep_rollups",
        "schedule": SYNC_BEAT_SECONDS * 5,
    },
    # Scheduled report email: due times are to the minute.
    "dispatch-report-sends": {
        "task": "dashboard.reports.tasks.dispatch_report_sends",
        "schedule": 60,
    },
}
# A send's claim: rendering a PDF and mailing every recipient ends well within it.
REPORT_SEND_LEASE_SECONDS = envint("REPORT_SEND_LEASE_SECONDS", "900")
# A queued send is not queued again for this long (it may wait behind others on "reports").
REPORT_SEND_QUEUE_SECONDS = envint("REPORT_SEND_QUEUE_SECONDS", "3600")
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

# --- Report PDFs ----------------------------------------------------------------------------
# PDFs render on a queue of their own, one at a time (`celery -A dashboard worker -Q reports
# -c 1`): a Chromium takes a few hundred MB, and a burst of renders must not hold up the sync.
# The default worker consumes only CELERY_TASK_DEFAULT_QUEUE, never this one.
REPORTS_QUEUE = os.environ.get("REPORTS_QUEUE", "reports")
CELERY_TASK_ROUTES = {
    "dashboard.reports.tasks.render_pdf": {"queue": REPORTS_QUEUE},
    "dashboard.reports.tasks.send_report": {"queue": REPORTS_QUEUE},
}
REPORTS_PDF_SOFT_TIME_LIMIT = envint("REPORTS_PDF_SOFT_TIME_LIMIT", "90")
REPORTS_PDF_TIME_LIMIT = envint("REPORTS_PDF_TIME_LIMIT", "120")
# Debian's Chromium (apt-get install chromium), never a browser Playwright downloads.
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# The print view's signed link lives this long: the renderer opens it within a second.
REPORTS_PRINT_LINK_MAX_AGE = envint("REPORTS_PRINT_LINK_MAX_AGE", "120")
# How long the renderer waits for the print view's ready flag (every chart drawn), in ms.
REPORTS_PDF_READY_MS = envint("REPORTS_PDF_READY_MS", "30000")

# --- Sign-in, sessions, email ---------------------------------------------------------------


def _meta_header(name, variable):
    """A header name as its request.META key: X-Forwarded-For -> HTTP_X_FORWARDED_FOR."""
    if not re.fullmatch(r"[A-Za-z0-9-]+", name):
        raise ImproperlyConfigured(f"{variable} must be a header name such as X-Forwarded-Proto")
    return "HTTP_" + name.upper().replace("-", "_")


# Sign in again two weeks after signing in (Django renews the cookie only when the session changes).
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", str(14 * 24 * 3600))
SESSION_EXPIRE_AT_BROWSER_CLOSE = envbool("SESSION_EXPIRE_AT_BROWSER_CLOSE", "False")

# Per username (guards one account) and per address (guards against trying many usernames;
# higher because an office or a proxy shares one address).
LOGIN_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", "5")
LOGIN_FAILURE_LIMIT_PER_IP = envint("LOGIN_FAILURE_LIMIT_PER_IP", "20")
LOGIN_FAILURE_WINDOW = envint("LOGIN_FAILURE_WINDOW", "900")
# Reset mails per address typed (guards one inbox) and per client address, within the window.
PASSWORD_RESET_LIMIT = envint("PASSWORD_RESET_LIMIT", "3")
PASSWORD_RESET_LIMIT_PER_IP = envint("PASSWORD_RESET_LIMIT_PER_IP", "10")
PASSWORD_RESET_WINDOW = envint("PASSWORD_RESET_WINDOW", "3600")
# Wrong passwords on a report's share link, per link and per client address, within the window.
SHARE_PASSWORD_LIMIT = envint("SHARE_PASSWORD_LIMIT", "10")
SHARE_PASSWORD_LIMIT_PER_IP = envint("SHARE_PASSWORD_LIMIT_PER_IP", "20")
SHARE_PASSWORD_WINDOW = envint("SHARE_PASSWORD_WINDOW", "900")
for _name, _value in (
    ("SESSION_COOKIE_AGE", SESSION_COOKIE_AGE),
    ("LOGIN_FAILURE_LIMIT", LOGIN_FAILURE_LIMIT),
    ("LOGIN_FAILURE_LIMIT_PER_IP", LOGIN_FAILURE_LIMIT_PER_IP),
    ("LOGIN_FAILURE_WINDOW", LOGIN_FAILURE_WINDOW),
    ("PASSWORD_RESET_LIMIT", PASSWORD_RESET_LIMIT),
    ("PASSWORD_RESET_LIMIT_PER_IP", PASSWORD_RESET_LIMIT_PER_IP),
    ("PASSWORD_RESET_WINDOW", PASSWORD_RESET_WINDOW),
    ("SHARE_PASSWORD_LIMIT", SHARE_PASSWORD_LIMIT),
    ("SHARE_PASSWORD_LIMIT_PER_IP", SHARE_PASSWORD_LIMIT_PER_IP),
    ("SHARE_PASSWORD_WINDOW", SHARE_PASSWORD_WINDOW),
):
    if _value <= 0:
        raise ImproperlyConfigured(f"{_name} must be above zero, not {_value}")
# Behind a proxy every request comes from the proxy's address: name the header it puts the
# client's address in, or the per-address limit would lock everybody out at once.
_client_ip_header = os.environ.get("LOGIN_CLIENT_IP_HEADER", "")
LOGIN_CLIENT_IP_HEADER = (
    _meta_header(_client_ip_header, "LOGIN_CLIENT_IP_HEADER") if _client_ip_header else ""
)

# The throttle's counters (and anything else cached) live where every web process sees them.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "dashboard",
            "OPTIONS": {
                "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
            },
        }
    }
else:
    # One process (the demo's runserver); several processes would each count on their own.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 10000},
        }
    }

# Password reset mail: printed to the console unless an SMTP server is configured.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_PORT = envint("EMAIL_PORT", "587")
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "True")
# A stuck mail server must not hang the request that sends the mail.
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "dashboard@localhost")
# Where people reach this installation: links in emails (live report, unsubscribe) start so.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security -------------------------------------------------------------------------------

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Links out to the networks carry no URL of ours (a reset link's token, a workspace's slug).
SECURE_REFERRER_POLICY = "same-origin"
# Cookies only over HTTPS. An intranet install served over plain http turns this off, or no
# form can be posted ("CSRF cookie not set"); `check --deploy` keeps warning about it.
SECURE_COOKIES = envbool("SECURE_COOKIES", "False" if DEBUG else "True")
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "False" if DEBUG else "True")
# The container's health check asks over plain http on the loopback; it reads nothing secret.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Behind a TLS-terminating proxy: the header it sets to "https" (e.g. X-Forwarded-Proto). Set it
# only when the proxy always sets or strips that header, or clients could claim HTTPS.
_proxy_ssl_header = os.environ.get("SECURE_PROXY_SSL_HEADER", "")
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = (
        _meta_header(_proxy_ssl_header, "SECURE_PROXY_SSL_HEADER"),
        "https",
    )
# HSTS is sent only over HTTPS. Subdomains are included (the dashboard's host has none of its
# own). Preloading commits the whole registrable domain to HTTPS for months and anyone may
# submit a domain that sends "preload", so it is the operator's choice, off by default; Django's
# reminder about it (security.W021) is silenced while it is off.
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000")
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "True")
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "False")
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Content-Security-Policy, set by accounts.csp (same names and shape as Django 6's settings).
# htmx and Chart.js are static files of our own; post thumbnails come from the networks' CDNs.
# No inline script or style: htmx must run with includeIndicatorStyles off and no hx-on.
# Enforced in production; in development reported only, so violations show in the browser's
# console without breaking Django's debug pages (which use inline styles).
_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "https:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
}
SECURE_CSP = {} if DEBUG else _CSP
SECURE_CSP_REPORT_ONLY = _CSP if DEBUG else {}
