"""Login lockout (django-axes) for every login that comes through the web."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LoginLockoutBackend(AxesStandaloneBackend):
    """Refuses logins to a locked account or from a locked address, before the password is checked.

    Every web login carries its request (Django's login form passes it). A call without one comes from
    code in this process (the test client's login(), a script), which no one can repeat from outside: it
    is let through to the password check instead of failing. Code that checks passwords for HTTP callers
    must pass the request, or it escapes the lockout.
    """

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)
