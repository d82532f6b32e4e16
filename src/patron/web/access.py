"""Who may see and change what: every view asks patron.accounts.roles, the same functions the
CLI and the API ask. Outsiders (logged in, not on the team) are refused everywhere."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from patron.accounts import roles
from patron.commerce.models import ImportRun
from patron.parties.models import Party


def allowed(check: Callable[[object], bool]):
    """A view for logged-in members for whom `check(user)` holds; others get 403."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not roles.is_member(request.user) or not check(request.user):
                # Answered, not raised: a refusal is expected, not an error with a traceback.
                return render(request, "403.html", status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


member_required = allowed(roles.is_member)


def get_party_for_user(request, pk: int) -> Party:
    return get_object_or_404(
        Party.objects.select_related("relationship__owner", "relationship__kind_set_by"), pk=pk
    )


def get_import_for_user(request, pk: int) -> ImportRun:
    return get_object_or_404(ImportRun.objects.select_related("user"), pk=pk)


def safe_next(request, default: str) -> str:
    """Where to go back to after a form: a path on this site only, never another host."""
    from django.utils.http import url_has_allowed_host_and_scheme

    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default
