"""How the team's messages read."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from patron.core.wording import wording


@wording("team.username_invalid")
def _username_invalid() -> str:
    return _("A username is required: at most 150 letters, digits and @ . + - _ (no spaces).")


@wording("team.username_taken")
def _username_taken(username: str) -> str:
    return _("Someone on the team already has the username “%(username)s”.") % {
        "username": username
    }


@wording("team.password_weak")
def _password_weak(reasons: list[str] | None = None) -> str:
    return _("The password is too weak: %(reasons)s") % {"reasons": " ".join(reasons or [])}


@wording("team.role_unknown")
def _role_unknown(role: str) -> str:
    return _("“%(role)s” is not a role: choose owner, account manager or staff.") % {"role": role}


@wording("team.last_owner")
def _last_owner() -> str:
    return _("The business needs at least one active owner: make someone else an owner first.")


@wording("team.cannot_deactivate_self")
def _cannot_deactivate_self() -> str:
    return _("You cannot deactivate your own account.")


@wording("team.demo_login_lost")
def _demo_login_lost(path: str) -> str:
    return _(
        "The demo login's password file (%(path)s) is gone and Patron never resets a password: "
        "set a new one with “patron changepassword owner”."
    ) % {"path": path}


@wording("profile.bad_email")
def _profile_bad_email(value: str = "", **_rest: Any) -> str:
    return _("“%(value)s” is not an email address like name@example.com.") % {"value": value}


@wording("profile.bad_phone")
def _profile_bad_phone(value: str = "", **_rest: Any) -> str:
    return _("“%(value)s” is not a phone number Patron can send to.") % {"value": value}


@wording("profile.bad_language")
def _profile_bad_language(value: str = "", **_rest: Any) -> str:
    return _("“%(value)s” is not a language Patron speaks.") % {"value": value}


@wording("team.not_owner")
def _team_not_owner(**_rest: Any) -> str:
    return _("Only an owner can do that.")


@wording("team.reset_not_allowed")
def _team_reset_not_allowed(**_rest: Any) -> str:
    return _(
        "Only an active teammate who is not an owner gets a new password here; an owner "
        "changes their own on My profile."
    )


@wording("token.no_name")
def _token_no_name(**_rest: Any) -> str:
    return _("Name the token after what uses it (your shop, your till).")


@wording("token.bad_days")
def _token_bad_days(most: int = 365, **_rest: Any) -> str:
    return _("A token lasts from 1 to %(most)s days.") % {"most": most}


@wording("token.no_area")
def _token_no_area(**_rest: Any) -> str:
    return _("Choose at least one area the token may read or change.")


@wording("token.unknown_area")
def _token_unknown_area(area: str = "", **_rest: Any) -> str:
    return _("There is no area called %(area)s.") % {"area": area}


@wording("token.bad_access")
def _token_bad_access(area: str = "", access: str = "", **_rest: Any) -> str:
    return _("%(area)s: say read or write, not %(access)s.") % {"area": area, "access": access}
