"""Django settings, read from the environment.

DATABASE_URL      PostgreSQL or SQLite URL; default: an SQLite file in the data folder (WAL mode).
ORDERMANAGER_DATA the data folder; default ./var. The secret key and the encryption key live here
                  unless given by the variables below.
DJANGO_SECRET_KEY / ORDERMANAGER_ENCRYPTION_KEY
                  set these on every machine when several share one PostgreSQL database.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url

from ordermanager import keys

DATA_DIR = Path(os.environ.get("ORDERMANAGER_DATA", Path.cwd() / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or keys.load_or_create(DATA_DIR / "secret_key", keys.new_secret_key)
ENCRYPTION_KEY = os.environ.get("ORDERMANAGER_ENCRYPTION_KEY") or keys.load_or_create(
    DATA_DIR / "encryption.key", keys.new_encryption_key
)

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
]

ROOT_URLCONF = "ordermanager.urls"
WSGI_APPLICATION = "ordermanager.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'ordermanager.sqlite3'}"
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
    return db


DATABASES = {"default": _database()}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
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

# E-mail to buyers (EmailTrackingToCustomer) leaves through the stack. EMAIL_URL is
# smtp://user:password@host:587 (add ?ssl=1 for port 465); without it, mail is written to var/mail.
_email = urlsplit(os.environ.get("EMAIL_URL", ""))
if _email.scheme in ("smtp", "smtps"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email.hostname or "localhost"
    EMAIL_PORT = _email.port or 587
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    EMAIL_USE_SSL = _email.scheme == "smtps" or "ssl=1" in _email.query
    EMAIL_USE_TLS = not EMAIL_USE_SSL and EMAIL_PORT == 587
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "mail"
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("ORDERMANAGER_FROM_EMAIL", "orders@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ORDERMANAGER_LOG_LEVEL", "INFO")},
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
