"""Who works for the business: owners and teammates. Anyone else is an outsider."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.models import Group, User

OWNERS = "owners"
TEAM = "team"


def is_owner(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.groups.filter(name=OWNERS).exists())


def is_member(user) -> bool:
    return user.is_authenticated and (
        user.is_superuser or user.groups.filter(name__in=[OWNERS, TEAM]).exists()
    )


def team_users():
    return (
        User.objects.filter(is_active=True, groups__name__in=[OWNERS, TEAM])
        .distinct()
        .order_by("username")
    )


def do_add_user(username: str, *, password: str | None, owner: bool, **fields) -> User:
    user = User.objects.create_user(username, password=password, **fields)
    group, _ = Group.objects.get_or_create(name=OWNERS if owner else TEAM)
    user.groups.add(group)
    return user


def ensure_demo_login() -> tuple[str, str]:
    """The owner login `make run` prints; its password is generated once and kept on disk."""
    login_file = settings.DATA_DIR / "demo_login.txt"
    username = "owner"
    if login_file.exists() and User.objects.filter(username=username).exists():
        return username, login_file.read_text(encoding="utf-8").strip()
    password = secrets.token_urlsafe(12)
    user = User.objects.filter(username=username).first()
    if user is None:
        user = do_add_user(username, password=password, owner=True, first_name="Studio owner")
    else:
        user.set_password(password)
        user.save(update_fields=["password"])
    login_file.write_text(password, encoding="utf-8")
    login_file.chmod(0o600)
    return username, password
