"""Users and their roles: the only door to them from the web app (Maintenance > Users)."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction

from ordermanager.errors import InputError
from ordermanager.web.permissions import ROLES, ensure_roles

USERNAME_MAX = 150


def role_of(user: User) -> str:
    """ "Superuser", a role name, or "" for a user in no role group (such a user can open no screen)."""
    if user.is_superuser:
        return "Superuser"
    return next((g.name for g in user.groups.all() if g.name in ROLES), "")


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise InputError("role", f"choose {' or '.join(ROLES)}, not {role!r}")
    return role


def _check_password(password: str, confirm: str, user: User | None = None) -> str:
    if password != confirm:
        raise InputError("password", "the two passwords differ")
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise InputError("password", " ".join(error.messages)) from None
    return password


def _join(user: User, role: str) -> None:
    ensure_roles()
    user.groups.remove(*Group.objects.filter(name__in=ROLES))
    user.groups.add(Group.objects.get(name=role))


@transaction.atomic
def add_user(username: str, role: str, password: str, confirm: str, *, email: str = "") -> User:
    name = (username or "").strip()
    if not name or len(name) > USERNAME_MAX:
        raise InputError("username", f"a user name is 1 to {USERNAME_MAX} characters")
    try:
        UnicodeUsernameValidator()(name)
    except ValidationError:
        raise InputError("username", "use letters, digits and @ . + - _ only") from None
    if User.objects.filter(username__iexact=name).exists():
        raise InputError("username", f"there is already a user {name!r}")
    _check_role(role)
    _check_password(password, confirm, User(username=name, email=email))
    user = User.objects.create_user(name, email.strip(), password)
    _join(user, role)
    return user


def _other(user_id: int, by: User) -> User:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise InputError("user", f"there is no user {user_id}")
    if user.is_superuser:
        raise InputError("user", f"{user.username} is a superuser: change superusers in the Django admin")
    if user.pk == by.pk:
        raise InputError("user", "you cannot change your own role or access; ask another manager")
    return user


@transaction.atomic
def set_role(user_id: int, role: str, *, by: User) -> User:
    user = _other(user_id, by)
    _join(user, _check_role(role))
    return user


@transaction.atomic
def set_active(user_id: int, active: bool, *, by: User) -> User:
    """A user who leaves is deactivated, not deleted: the timeline keeps their name."""
    user = _other(user_id, by)
    user.is_active = active
    user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def set_password(user_id: int, password: str, confirm: str, *, by: User) -> User:
    user = _other(user_id, by)
    user.set_password(_check_password(password, confirm, user))
    user.save(update_fields=["password"])
    return user
