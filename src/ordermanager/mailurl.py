"""EMAIL_URL → Django's e-mail settings.

smtp://user:password@host:port      plain SMTP (STARTTLS on port 587, as mail providers expect there)
smtp+tls://user:password@host:port  STARTTLS (default port 587)
smtps:// or smtp+ssl://             TLS from the first byte (default port 465)
empty                               no server: each e-mail is written to a file in <data>/mail
User and password are URL-encoded (p%40ss for p@ss). A bad URL stops start-up with one line naming the rule.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_SCHEMES = {"smtp": (25, ""), "smtp+tls": (587, "tls"), "smtps": (465, "ssl"), "smtp+ssl": (465, "ssl")}


def email_settings(url: str, data_dir: Path) -> dict[str, Any]:
    if not url.strip():
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": data_dir / "mail",
        }
    parts = urlsplit(url.strip())
    if parts.scheme not in _SCHEMES:
        raise ImproperlyConfigured(
            f"EMAIL_URL: the scheme must be one of {', '.join(_SCHEMES)}, not {parts.scheme or '(none)'!r}"
        )
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured("EMAIL_URL: the port must be a number from 1 to 65535") from None
    if not parts.hostname:
        raise ImproperlyConfigured("EMAIL_URL: name the mail server, e.g. smtp+tls://user:password@mail.example.com")
    default_port, security = _SCHEMES[parts.scheme]
    port = port or default_port
    if parts.scheme == "smtp" and port == 587:
        security = "tls"
    if "ssl=1" in parts.query:  # the older spelling of smtps://
        security = "ssl"
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": security == "tls",
        "EMAIL_USE_SSL": security == "ssl",
    }
