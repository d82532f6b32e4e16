"""Who may see and change what. Outsiders (logged in, not on the team) are refused."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from patron.commerce.models import ImportRun
from patron.parties.models import Party
from patron.parties.team import is_member, is_owner


def team_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_member(request.user):
            raise PermissionDenied("You are not on this business's team.")
        return view(request, *args, **kwargs)

    return wrapper


def owner_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_owner(request.user):
            raise PermissionDenied("Only an owner can do this.")
        return view(request, *args, **kwargs)

    return wrapper


def get_party_for_user(request, pk: int) -> Party:
    return get_object_or_404(Party.objects.select_related("relationship__owner"), pk=pk)


def get_import_for_user(request, pk: int) -> ImportRun:
    return get_object_or_404(ImportRun, pk=pk)
