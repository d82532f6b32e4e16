"""Who may do what. Plain functions, so the web pages, the CLI and the API ask the same question.

Three roles, each a group: an *owner* runs the business in Patron (the team, everything else);
an *account manager* looks after relationships (sets kinds and account managers, merges
duplicates, marks offerings); *staff* see everything and import. A logged-in user in none of
the groups is an outsider and is refused everywhere.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Account manager")
    STAFF = "staff", _("Staff")


GROUPS = {Role.OWNER: "owners", Role.MANAGER: "managers", Role.STAFF: "staff"}
_RANK = [Role.OWNER, Role.MANAGER, Role.STAFF]


def role_of(user) -> Role | None:
    """The user's role (their highest, if several groups), or None for an outsider."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    cached = getattr(user, "_patron_role", False)
    if cached is not False:
        return cached
    if user.is_superuser:
        role = Role.OWNER
    else:
        names = set(user.groups.values_list("name", flat=True))
        role = next((r for r in _RANK if GROUPS[r] in names), None)
    user._patron_role = role
    return role


def is_member(user) -> bool:
    return role_of(user) is not None


def is_owner(user) -> bool:
    return role_of(user) == Role.OWNER


def can_import(user) -> bool:
    return is_member(user)


def can_undo_import(user) -> bool:
    return role_of(user) in (Role.OWNER, Role.MANAGER)


def can_change_relationships(user) -> bool:
    return role_of(user) in (Role.OWNER, Role.MANAGER)


def can_merge(user) -> bool:
    return role_of(user) in (Role.OWNER, Role.MANAGER)


def can_change_offerings(user) -> bool:
    return role_of(user) in (Role.OWNER, Role.MANAGER)


def can_manage_team(user) -> bool:
    return role_of(user) == Role.OWNER


def can_run_campaigns(user) -> bool:
    """Write templates and segments, launch campaigns (staff see them and their reports)."""
    return role_of(user) in (Role.OWNER, Role.MANAGER)
