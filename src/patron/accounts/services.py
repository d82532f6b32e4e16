"""The team: adding people, giving them a role and a name, letting them go. Every change is
written to Django's admin log (who, when, what)."""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from patron.core.audit import ADDITION, CHANGE, log_change
from patron.core.problems import Problem

from .models import Profile
from .roles import GROUPS, Role, role_of

USERNAME_MAX = 150


class TeamChangeRefused(Problem):
    """A change to the team that cannot be made; worded for the owner who tried."""


def display_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def team_members(*, include_inactive: bool = False) -> QuerySet[User]:
    members = User.objects.filter(groups__name__in=GROUPS.values()).distinct()
    if not include_inactive:
        members = members.filter(is_active=True)
    return members.order_by("-is_active", "first_name", "username")


def account_managers() -> QuerySet[User]:
    """Whom a relationship can be given to: every active member of the team."""
    return team_members()


def check_new_member(username: str, password: str | None) -> None:
    username = username.strip()
    if not username or len(username) > USERNAME_MAX:
        raise TeamChangeRefused("team.username_invalid")
    try:
        # Django's own rule (letters of any script, digits, @ . + - _): a name typed at the
        # login prompt, so no spaces or punctuation to mistype.
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise TeamChangeRefused("team.username_invalid") from None
    if User.objects.filter(username__iexact=username).exists():
        raise TeamChangeRefused("team.username_taken", username=username)
    if password:
        try:
            validate_password(password, User(username=username))
        except ValidationError as exc:
            raise TeamChangeRefused("team.password_weak", reasons=list(exc.messages)) from None


def do_add_member(
    username: str,
    *,
    role: str,
    display_name: str = "",
    password: str | None = None,
    actor=None,
) -> tuple[User, str | None]:
    """Add a person; returns the user and the generated password when none was given."""
    if role not in Role.values:
        raise TeamChangeRefused("team.role_unknown", role=role)
    check_new_member(username, password)
    generated = None
    if password is None:
        generated = password = secrets.token_urlsafe(12)
    with transaction.atomic():
        user = User.objects.create_user(
            username.strip(), password=password, first_name=display_name.strip()[:150]
        )
        user.groups.add(_group(role))
        log_change(actor, user, ADDITION, {"added": {"role": role}})
    return user, generated


def do_change_member(user: User, *, actor, role: str | None = None, name: str | None = None):
    changed = []
    with transaction.atomic():
        if role is not None and role != role_of(user):
            if role not in Role.values:
                raise TeamChangeRefused("team.role_unknown", role=role)
            if role_of(user) == Role.OWNER:
                _check_not_last_owner(user)
            user.groups.remove(*Group.objects.filter(name__in=GROUPS.values()))
            user.groups.add(_group(role))
            changed.append("role")
        if name is not None and name.strip()[:150] != user.first_name:
            user.first_name = name.strip()[:150]
            user.last_name = ""
            user.save(update_fields=["first_name", "last_name"])
            changed.append("display_name")
        if changed:
            log_change(actor, user, CHANGE, {"changed": {"fields": changed}})
    user._patron_role = False  # forget the cached role
    return user


def do_set_active(user: User, *, active: bool, actor) -> User:
    """Deactivate (they can no longer log in; their history stays) or reactivate a member."""
    if user.is_active == active:
        return user
    if not active:
        if actor is not None and user.pk == actor.pk:
            raise TeamChangeRefused("team.cannot_deactivate_self")
        if role_of(user) == Role.OWNER:
            _check_not_last_owner(user)
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        log_change(
            actor, user, CHANGE, {"changed": {"fields": ["active" if active else "inactive"]}}
        )
    return user


def ensure_demo_login() -> tuple[str, str]:
    """The demo's owner login that `make run` prints; the password is made once and kept."""
    login_file = settings.DATA_DIR / "demo_login.txt"
    username = "owner"
    user = User.objects.filter(username=username).first()
    if user is not None and login_file.exists():
        return username, login_file.read_text(encoding="utf-8").strip()
    if user is not None:
        # The login file is gone but the account is there: never reset someone's password.
        raise TeamChangeRefused("team.demo_login_lost", path=str(login_file))
    user, password = do_add_member(username, role=Role.OWNER)
    login_file.write_text(password, encoding="utf-8")
    login_file.chmod(0o600)
    return username, password


def has_owner() -> bool:
    return (
        User.objects.filter(is_active=True, groups__name=GROUPS[Role.OWNER]).exists()
        or User.objects.filter(is_active=True, is_superuser=True).exists()
    )


def _check_not_last_owner(user: User) -> None:
    others = (
        User.objects.filter(is_active=True, groups__name=GROUPS[Role.OWNER])
        .exclude(pk=user.pk)
        .exists()
    )
    if not others:
        raise TeamChangeRefused("team.last_owner")


def _group(role: str) -> Group:
    group, _ = Group.objects.get_or_create(name=GROUPS[role])
    return group


# -- a member's own profile -------------------------------------------------------------------


def profile_of(user: User) -> Profile:
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile


def do_change_profile(user: User, *, email: str, phone: str, language: str) -> Profile:
    """The member's own email, phone (E.164, as parties.normalize writes it) and language;
    raises TeamChangeRefused naming the field."""
    from patron.core.business import is_mailbox

    email = email.strip()
    if email and not is_mailbox(email):
        raise TeamChangeRefused("profile.bad_email", value=email[:80])
    number = phone.strip()
    if number and not re.fullmatch(r"\+[1-9][0-9]{6,14}", number):
        raise TeamChangeRefused("profile.bad_phone", value=number[:40])
    if language and language not in dict(settings.LANGUAGES):
        raise TeamChangeRefused("profile.bad_language", value=language[:8])
    with transaction.atomic():
        profile = profile_of(user)
        changed = []
        if user.email != email:
            user.email = email
            user.save(update_fields=["email"])
            changed.append("email")
        if (profile.phone, profile.language) != (number, language):
            changed += [
                f
                for f, old, new in (
                    ("phone", profile.phone, number),
                    ("language", profile.language, language),
                )
                if old != new
            ]
            profile.phone, profile.language = number, language
            profile.save(update_fields=["phone", "language"])
        if changed:
            log_change(user, user, CHANGE, {"changed": {"fields": changed}})
    return profile


def do_reset_password(user: User, *, actor) -> str:
    """An owner gives a teammate a new password, shown once; their sessions end. Only an
    active member of the team who is not an owner: another owner changes their own (My
    profile), and nobody outside the team is reachable from here."""
    if role_of(actor) != Role.OWNER:
        raise TeamChangeRefused("team.not_owner")
    if user.pk == actor.pk or role_of(user) in (None, Role.OWNER):
        raise TeamChangeRefused("team.reset_not_allowed")
    password = secrets.token_urlsafe(12)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        log_change(actor, user, CHANGE, {"changed": {"fields": ["password"]}})
    return password
