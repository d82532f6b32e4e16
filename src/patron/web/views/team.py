"""The team: an owner adds people, sets their role and name, and deactivates them."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.models import User
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patron.accounts import roles
from patron.accounts.models import ApiToken
from patron.accounts.services import (
    TeamChangeRefused,
    display_name,
    do_add_member,
    do_change_member,
    do_set_active,
    team_members,
)
from patron.accounts.tokens import do_make_token, do_revoke_token
from patron.core.problems import Problem
from patron.parties.access import monthly_review
from patron.parties.models import AccessAction, AccessRecord

from ..access import allowed
from ..forms import ApiTokenForm, MemberAddForm, MemberChangeForm


@allowed(roles.can_manage_team)
def team(request):
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, generated = do_add_member(
                data["username"],
                role=data["role"],
                display_name=data["display_name"],
                password=data["password"] or None,
                actor=request.user,
            )
        except TeamChangeRefused as exc:
            form.add_error(None, str(exc))
        else:
            if generated:
                messages.success(
                    request,
                    _("%(name)s was added. Their password, shown only this once: %(password)s")
                    % {"name": display_name(user), "password": generated},
                )
            else:
                messages.success(request, _("%(name)s was added.") % {"name": display_name(user)})
            return redirect("team")
    members = [
        (
            member,
            roles.role_of(member),
            MemberChangeForm(
                initial={"display_name": member.first_name, "role": roles.role_of(member)},
                prefix=f"m{member.pk}",
            ),
        )
        for member in team_members(include_inactive=True)
    ]
    status = 400 if form.errors else 200
    return render(request, "patron/team.html", {"form": form, "members": members}, status=status)


@allowed(roles.can_manage_team)
@require_POST
def member_change(request, pk: int):
    member = get_object_or_404(User, pk=pk)
    form = MemberChangeForm(request.POST, prefix=f"m{member.pk}")
    if not form.is_valid():
        messages.error(request, _("The change was not saved: %s") % form.errors.as_text())
        return redirect("team")
    try:
        do_change_member(
            member,
            actor=request.user,
            role=form.cleaned_data["role"],
            name=form.cleaned_data["display_name"],
        )
    except TeamChangeRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Saved."))
    return redirect("team")


@allowed(roles.can_manage_team)
@require_POST
def member_active(request, pk: int):
    member = get_object_or_404(User, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        do_set_active(member, active=active, actor=request.user)
    except TeamChangeRefused as exc:
        messages.error(request, str(exc))
    else:
        if active:
            messages.success(
                request, _("%(name)s can log in again.") % {"name": display_name(member)}
            )
        else:
            messages.success(
                request,
                _("%(name)s can no longer log in; their history stays.")
                % {"name": display_name(member)},
            )
    return redirect("team")


@allowed(roles.is_owner)
def api_tokens(request):
    """The API's tokens: made here (the token shown once, on this answer only: never
    stored, never in a redirect), listed with their areas and ends, revoked."""
    made = None
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = do_make_token(
                form.cleaned_data["name"],
                form.scopes(),
                days=form.cleaned_data["days"],
                actor=request.user,
            )
        except Problem as refused:
            form.add_error(None, str(refused))
        else:
            form = ApiTokenForm()
    tokens = ApiToken.objects.select_related("created_by").order_by("-created_at", "-pk")
    response = render(
        request,
        "patron/api_tokens.html",
        {"form": form, "made": made, "tokens": tokens[:200], "now": timezone.now()},
    )
    response["Cache-Control"] = "no-store"  # a page that shows a token once is never kept
    return response


@allowed(roles.is_owner)
@require_POST
def api_token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk)
    if do_revoke_token(token, actor=request.user):
        messages.success(request, _("Token %(name)s revoked.") % {"name": token.name})
    return redirect("api_tokens")


@allowed(roles.is_owner)
def access_review(request):
    """The month's access to personal data, per member and token, flagged when far above
    the team's usual; the latest records, filtered by member and action."""
    today = timezone.localdate()
    months = [_months_back(today, n) for n in range(25)]  # two years are kept
    asked = request.GET.get("month", "")
    month = next((m for m in months if m.strftime("%Y-%m") == asked), months[0])
    records = AccessRecord.objects.select_related("user", "token").order_by("-at", "-pk")
    who = request.GET.get("who", "")[:150]
    if who:
        records = records.filter(user__username=who)
    action = request.GET.get("action", "")
    if action in AccessAction.values:
        records = records.filter(action=action)
    return render(
        request,
        "patron/access_review.html",
        {
            "month": month,
            "months": months,
            "review": monthly_review(month),
            "records": records[:100],
            "who": who,
            "action": action,
            "actions": AccessAction.choices,
        },
    )


def _months_back(today: dt.date, n: int) -> dt.date:
    month = today.month - 1 - n
    return dt.date(today.year + month // 12, month % 12 + 1, 1)
