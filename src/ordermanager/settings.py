"""Django settings, read from the environment.

DATABASE_URL      PostgreSQL or SQLite URL; default: an SQLite file in the data folder (WAL mode).
ORDERMANAGER_DATA the data folder; default ./var. The secret key and the encryption key live here
                  unless given by the variables below.
ORDERMANAGER_TEMPLATES
                  the merchant's template overrides; default <data>/templates.
EMAIL_URL         the mail server for buyers' e-mail (ordermanager/mailurl.py).
DJANGO_SECRET_KEY / ORDERMANAGER_ENCRYPTION_KEY
                  set these on every machine when several share one PostgreSQL database. The encryption
                  key may list several Fernet keys, comma-separated: the first encrypts, all decrypt
                  (see `ordermanager rotate-key`).
ORDERMANAGER_TIME_ZONE the zone times are shown in (e.g. America/New_York); stored in UTC. Default UTC.
ORDERMANAGER_HTTPS=1   production behind HTTPS: secure cookies, HSTS, redirect to HTTPS, trust the proxy's
                  X-Forwarded-Proto header. `ordermanager check --deploy` is clean in this mode.
ORDERMANAGER_METRICS_TOKEN / ORDERMANAGER_METRICS_PUBLIC=1
                  /metrics needs the bearer token or a staff login, unless made public on purpose.
"""

from __future__ import annotations

import os
import zoneinfo
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from ordermanager import keys
from ordermanager.mailurl import email_settings

DATA_DIR = keys.private_folder(Path(os.environ.get("ORDERMANAGER_DATA", Path.cwd() / "var")).resolve())

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or keys.load_or_create(DATA_DIR / "secret_key", keys.new_secret_key)
ENCRYPTION_KEY_FILE = None if os.environ.get("ORDERMANAGER_ENCRYPTION_KEY") else DATA_DIR / "encryption.key"
ENCRYPTION_KEYS = keys.parse_encryption_keys(
    os.environ.get("ORDERMANAGER_ENCRYPTION_KEY")
    or keys.load_or_create(DATA_DIR / "encryption.key", keys.new_encryption_key),
    "ORDERMANAGER_ENCRYPTION_KEY" if ENCRYPTION_KEY_FILE is None else str(ENCRYPTION_KEY_FILE),
)
ENCRYPTION_KEY = ENCRYPTION_KEYS[0]

DEBUG = os.environ.get("ORDERMANAGER_DEBUG", "") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("ORDERMANAGER_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("ORDERMANAGER_CSRF_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ordermanager",
    "ordermanager.params",
    "ordermanager.statuses",
    "ordermanager.carts",
    "ordermanager.orders",
    "ordermanager.inventory",
    "ordermanager.stack",
    "ordermanager.web",
    "ordermanager.api",
    # django-ninja's own static files: the API docs page loads Swagger UI from here, not from a CDN.
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "ordermanager.web.middleware.RefuseNulCharacters",
]

ROOT_URLCONF = "ordermanager.urls"
WSGI_APPLICATION = "ordermanager.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The merchant's overrides (e-mails, the order-status page), found before the product's own templates:
        # <dir>/ordermanager/email/tracking.html for every store, …/email/stores/<store-slug>/… for one.
        "DIRS": [Path(os.environ.get("ORDERMANAGER_TEMPLATES", DATA_DIR / "templates"))],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ordermanager.web.menu.menus",
            ],
        },
    },
]


def _database() -> dict:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{keys.private_file(DATA_DIR / 'ordermanager.sqlite3')}"
    db = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db["OPTIONS"] = {
            # WAL lets the web app read while the stack controller writes. IMMEDIATE takes the
            # write lock at BEGIN, so two writers queue on busy_timeout instead of deadlocking
            # on a read-to-write lock upgrade.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
        # A file, not memory, so that subprocesses in integration tests see the same database.
        db["TEST"] = {"NAME": str(DATA_DIR / "test-ordermanager.sqlite3")}
    elif db["ENGINE"] == "django.db.backends.postgresql":
        if not db.get("NAME"):
            raise ValueError("name the database after the last / (postgres://user@host:5432/ordermanager)")
        # Values go to the server apart from the SQL, dumped by psycopg's C code: the stack controller runs the
        # same few statements for every record, and quoting each value into the SQL in Python cost it a sixth
        # of its time. Statements are still not prepared on the server (Django's default, which keeps
        # connection poolers such as PgBouncer in transaction mode working).
        db.setdefault("OPTIONS", {})["server_side_binding"] = True
    return db


try:
    DATABASES = {"default": _database()}
except ValueError as error:  # an unknown scheme or a malformed address
    raise ImproperlyConfigured(f"DATABASE_URL: {error}") from None

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("ORDERMANAGER_TIME_ZONE", "UTC")
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(
        f"ORDERMANAGER_TIME_ZONE: {TIME_ZONE[:60]!r} is not a time zone (e.g. UTC, Europe/Paris, America/New_York)"
    ) from None
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Serve the admin's files straight from the installed apps: no collectstatic step to forget.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The web app's login; the Django admin (superusers only) keeps its own.
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

# E-mail to buyers (EmailTrackingToCustomer) leaves through the stack, with the server in EMAIL_URL
# (smtp://, smtp+tls://, smtps://: see ordermanager/mailurl.py); without it, mail is written to var/mail.
globals().update(email_settings(os.environ.get("EMAIL_URL", ""), DATA_DIR))
EMAIL_TIMEOUT = 30
# The order-status page (/status/): look-ups allowed per client address, per window of seconds.
STATUS_PAGE_TRIES = (10, 600)
DEFAULT_FROM_EMAIL = os.environ.get("ORDERMANAGER_FROM_EMAIL", "orders@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ORDERMANAGER_LOG_LEVEL", "INFO")},
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}


# --- Safe deployment: login lockout, HTTPS, metrics (kept apart from the lists above on purpose) ----------

# django-axes: 10 wrong passwords for one user name (or from one address) lock that account (or address)
# for AXES_COOLOFF_TIME hours; an administrator unlocks it sooner with `ordermanager django axes_reset_username NAME`.
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
AUTHENTICATION_BACKENDS = ["ordermanager.auth.LoginLockoutBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = 10
# Either one locks: a user name tried from anywhere, or an address trying many user names.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = float(os.environ.get("ORDERMANAGER_LOCKOUT_HOURS", "1"))
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

HTTPS = os.environ.get("ORDERMANAGER_HTTPS", "") == "1"
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    # Load balancers probe over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("ORDERMANAGER_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # The TLS-terminating proxy says the original request was HTTPS; only trust it behind such a proxy.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True

METRICS_TOKEN = os.environ.get("ORDERMANAGER_METRICS_TOKEN", "")
METRICS_PUBLIC = os.environ.get("ORDERMANAGER_METRICS_PUBLIC", "") == "1"
# /healthz answers 503 when no stack controller's heartbeat is younger than this (0: do not check).
HEALTHZ_MAX_HEARTBEAT_AGE = int(os.environ.get("ORDERMANAGER_HEALTHZ_HEARTBEAT_SECONDS", "120"))
# Requests per minute per API token (the REST API's rate limit).
ORDERMANAGER_API_REQUESTS_PER_MINUTE = int(os.environ.get("ORDERMANAGER_API_REQUESTS_PER_MINUTE", "600"))
