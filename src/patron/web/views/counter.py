"""The counter: a staff member finds a party by phone, sees their points, records a sale,
earning and using points. Made for a tablet or a phone beside the till."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, ProtectedError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patron.accounts import roles
from patron.core.problems import Problem
from patron.loyalty import ledger
from patron.loyalty.bonuses import ReferralRefused, do_record_referral
from patron.loyalty.counter import CounterRefused, do_counter_sale, find_by_phone, new_sale_number
from patron.loyalty.coupons import usable_coupons
from patron.loyalty.grades import all_grades, do_set_grade, entry_grade, grade_of, grade_program
from patron.loyalty.models import MemberGrade, Membership
from patron.loyalty.program import program
from patron.loyalty.recommendations import lists_for
from patron.parties.access import record_access
from patron.parties.models import AccessAction
from patron.parties.queries import live_parties

from ..access import allowed, get_party_for_user, member_required
from ..loyalty_forms import (
    GradeProgramForm,
    MemberGradeForm,
    PointsProgramForm,
    ReferralForm,
    SetGradeForm,
)


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
    if phone and not problem:
        record_access(request, AccessAction.SEARCH, [p.pk for p, _b in found], query=phone)
    if party is not None:
        record_access(request, AccessAction.VIEW, [party.pk])
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
            "grade": grade_of(party) if party else None,
            "coupons": usable_coupons(party.pk, timezone.localdate()) if party else [],
            "suggested": lists_for(party.pk) if party else None,
            "today": timezone.localdate(),
            "rules": rules,
            "number": new_sale_number(),  # this sale's number: the same tap twice is one sale
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
    number = (request.POST.get("number") or "")[:40] or new_sale_number()
    try:
        sale = do_counter_sale(
            party,
            amount,
            use,
            number=number,
            actor=request.user,
            coupon_code=request.POST.get("coupon", "")[:60],
        )
    except Problem as refused:
        messages.error(request, str(refused))
    else:
        done = _("Recorded: %(used)s points used, %(earned)s earned. Balance %(balance)s.") % {
            "used": f"{sale.used:,}",
            "earned": f"{sale.earned:,}",
            "balance": f"{sale.balance:,}",
        }
        if sale.coupon_off:
            done += " " + _("Coupon: %(off)s won off.") % {"off": f"{sale.coupon_off:,}"}
        messages.success(request, done)
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


@allowed(roles.is_owner)
def grades_settings(request):
    """The owner's member grades: on or off, what lowers a grade, whether people are told,
    and each grade with what it takes and gives."""
    program = grade_program()
    program_form = GradeProgramForm(
        request.POST if request.POST.get("form") == "program" else None, instance=program
    )
    editing = None
    if request.POST.get("form") == "grade" and request.POST.get("pk", "").isdigit():
        editing = get_object_or_404(MemberGrade, pk=int(request.POST["pk"]))
    grade_form = MemberGradeForm(
        request.POST if request.POST.get("form") == "grade" else None, instance=editing
    )
    if request.method == "POST":
        if program_form.is_bound and program_form.is_valid():
            program_form.save()
            messages.success(request, _("Grade rules saved."))
            return redirect("grades_settings")
        if grade_form.is_bound and grade_form.is_valid():
            grade_form.save()
            messages.success(request, _("Grade saved. It applies from the next computation."))
            return redirect("grades_settings")
        if request.POST.get("form") == "delete":
            return _delete_grade(request)
    grades = all_grades()
    held = _held_counts(grades)
    rows = [
        (
            grade,
            grade_form
            if editing is not None and editing.pk == grade.pk
            else MemberGradeForm(instance=grade, auto_id=f"g{grade.pk}_%s"),
            held.get(grade.pk, 0),
        )
        for grade in grades
    ]
    return render(
        request,
        "patron/grades_settings.html",
        {
            "program_form": program_form,
            "rows": rows,
            "editing": editing,
            "new_form": grade_form if editing is None else MemberGradeForm(auto_id="new_%s"),
        },
    )


def _held_counts(grades) -> dict[int, int]:
    """How many hold each grade; those never computed (nothing bought in 12 months when
    grades were last computed, or new since) hold the entry grade."""
    rows = (
        Membership.objects.filter(grade__isnull=False, party__merged_into__isnull=True)
        .values("grade_id")
        .annotate(n=Count("pk"))
        .values_list("grade_id", "n")
    )
    held = dict(rows)
    start = entry_grade(grades)
    if start is not None:
        never = live_parties().filter(membership__isnull=True).count()
        held[start.pk] = held.get(start.pk, 0) + never
    return held


def _delete_grade(request):
    grade = get_object_or_404(MemberGrade, pk=request.POST.get("pk") or 0)
    try:
        grade.delete()
    except ProtectedError:
        messages.error(
            request,
            _("%(grade)s is held by someone or kept in their history: rename it instead.")
            % {"grade": grade.name},
        )
    else:
        messages.success(request, _("Grade removed."))
    return redirect("grades_settings")


@allowed(roles.can_change_relationships)
@require_POST
def party_grade(request, pk: int):
    """A grade given by hand to a party, until a day."""
    party = get_party_for_user(request, pk)
    form = SetGradeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was changed: %s") % form.errors.as_text())
        return redirect("party", pk=party.pk)
    try:
        do_set_grade(
            party, form.cleaned_data["grade"], form.cleaned_data["until"], actor=request.user
        )
    except Problem as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Grade set."))
    return redirect(f"{reverse('party', args=[party.pk])}#points")


@member_required
@require_POST
def party_referral(request, pk: int):
    """Who brought this party, found by their phone number."""
    party = get_party_for_user(request, pk)
    form = ReferralForm(request.POST)
    try:
        if not form.is_valid():
            raise CounterRefused("counter.bad_phone")
        found = find_by_phone(form.cleaned_data["phone"])  # themselves: refused as such
        if not found:
            raise ReferralRefused("referral.nobody")
        if len(found) > 1:
            raise ReferralRefused("referral.many")
        do_record_referral(party, found[0], actor=request.user)
    except Problem as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request, _("Recorded: referred by %(name)s.") % {"name": found[0].display_name}
        )
    return redirect(f"{reverse('party', args=[party.pk])}#points")
