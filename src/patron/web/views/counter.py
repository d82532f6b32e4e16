"""The counter: a staff member finds a party by phone, sees their points, records a sale,
earning and using points. Made for a tablet or a phone beside the till."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patron.accounts import roles
from patron.core.problems import Problem
from patron.loyalty import ledger
from patron.loyalty.counter import do_counter_sale, find_by_phone
from patron.loyalty.program import program

from ..access import allowed, get_party_for_user, member_required
from ..listening_forms import PointsProgramForm


@member_required
def counter(request):
    phone = request.GET.get("phone", "").strip()[:40]
    found, problem = [], None
    if phone:
        try:
            found = [(party, ledger.balance_of(party.pk)) for party in find_by_phone(phone)]
        except Problem as refused:
            problem = str(refused)
    party = None
    if request.GET.get("party", "").isdigit():
        party = get_party_for_user(request, int(request.GET["party"]))
    elif len(found) == 1:
        party = found[0][0]
    rules = program()
    return render(
        request,
        "patron/counter.html",
        {
            "phone": phone,
            "found": found,
            "problem": problem,
            "party": party,
            "balance": ledger.balance_of(party.pk) if party else 0,
            "rules": rules,
            "number": secrets.token_hex(6),  # this sale's number: the same tap twice is one sale
        },
    )


@member_required
@require_POST
def counter_sale(request, pk: int):
    party = get_party_for_user(request, pk)
    try:
        amount = int(request.POST.get("amount", "").replace(",", ""))
        use = int(request.POST.get("use", "0").replace(",", "") or 0)
    except ValueError:
        messages.error(request, _("Type the amount and the points as whole numbers."))
        return redirect(f"{reverse('counter')}?party={party.pk}")
    number = (request.POST.get("number") or "")[:40] or secrets.token_hex(6)
    try:
        sale = do_counter_sale(party, amount, use, number=number, actor=request.user)
    except Problem as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("Recorded: %(used)s points used, %(earned)s earned. Balance %(balance)s.")
            % {
                "used": f"{sale.used:,}",
                "earned": f"{sale.earned:,}",
                "balance": f"{sale.balance:,}",
            },
        )
    return redirect(f"{reverse('counter')}?party={party.pk}")


@allowed(roles.is_owner)
def points_settings(request):
    """The owner's points rules: on or off, from which day, the rate, when usable, expiry,
    how much of a sale points may pay, the caps, and which sources earn nothing."""
    rules = program()
    form = PointsProgramForm(
        request.POST or None,
        instance=rules,
        initial={"excluded": ", ".join(rules.excluded_sources or [])},
    )
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved.excluded_sources = [
            word.strip().lower()
            for word in form.cleaned_data["excluded"].split(",")
            if word.strip()
        ]
        saved.save()
        messages.success(request, _("Points rules saved. Sales from now on follow them."))
        return redirect("points_settings")
    return render(request, "patron/points_settings.html", {"form": form})
