"""Listening: feedback items (lists, one item and its actions) and the surveys (their words,
their schedule and their results)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patron.accounts import roles
from patron.commerce.models import Offering
from patron.core.problems import Problem
from patron.feedback import dues, results
from patron.feedback.items import (
    SOONEST_DUE,
    do_close,
    do_log_call,
    do_open_item,
    do_reopen,
    do_reply,
    do_resume,
    do_wait_on_party,
    due_soon_items,
    open_items,
    overdue_items,
)
from patron.feedback.models import FeedbackItem, ItemStatus, Survey, SurveyKind
from patron.feedback.surveys import do_save_survey, general_survey, listening_settings
from patron.outreach.models import OutboxMessage
from patron.parties.models import Activity

from ..access import allowed, get_party_for_user, member_required
from ..charts import score_bars
from ..listening_forms import (
    CloseForm,
    NewItemForm,
    NoteForm,
    NpsScheduleForm,
    ResponseTimesForm,
    SurveyWordsForm,
)

VIEWS = ("overdue", "due_soon", "mine", "open", "waiting", "escalated", "closed")
SHOWN = 200


def _listed(view: str, user, now):
    if view == "overdue":
        return overdue_items(now)
    if view == "due_soon":
        return due_soon_items(now)
    if view == "mine":
        return open_items().filter(Q(owner=user) | Q(escalated_to=user))
    if view == "waiting":
        return FeedbackItem.objects.filter(status=ItemStatus.WAITING)
    if view == "escalated":
        return open_items().filter(escalated_at__isnull=False)
    if view == "closed":
        return FeedbackItem.objects.filter(status=ItemStatus.CLOSED).order_by("-closed_at")
    return open_items()


@member_required
def feedback_list(request):
    now = timezone.now()
    view = request.GET.get("view") or ("overdue" if overdue_items(now).exists() else "open")
    view = view if view in VIEWS else "open"
    items = _listed(view, request.user, now).select_related("party", "owner")
    if view != "closed":
        items = items.order_by(*SOONEST_DUE)
    rows = [(item, dues.next_due(item), dues.hours_late(item, now)) for item in items[:SHOWN]]
    counts = {
        "overdue": overdue_items(now).count(),
        "due_soon": due_soon_items(now).count(),
        "open": open_items().count(),
        "escalated": open_items().filter(escalated_at__isnull=False).count(),
    }
    return render(
        request,
        "patron/feedback_list.html",
        {
            "rows": rows,
            "view": view,
            "views": VIEWS,
            "counts": counts,
            "now": now,
            "may_change": roles.can_run_campaigns(request.user),
        },
    )


def item_history(item: FeedbackItem):
    return (
        Activity.objects.filter(party_id=item.party_id, verb__startswith="feedback.")
        .filter(data__item=item.pk)
        .select_related("actor")
        .order_by("-occurred_at", "-pk")
    )


@member_required
def feedback_detail(request, pk: int):
    item = get_object_or_404(
        FeedbackItem.objects.select_related("party", "owner", "invitation", "escalated_to"), pk=pk
    )
    now = timezone.now()
    replies = OutboxMessage.objects.filter(topic__startswith=f"feedback:{item.pk}:").order_by("pk")
    return render(
        request,
        "patron/feedback_detail.html",
        {
            "item": item,
            "due": dues.next_due(item),
            "late": dues.hours_late(item, now),
            "history": item_history(item),
            "replies": replies,
            "follow_ups": item.follow_ups.select_related("message").order_by("pk"),
            "note_form": NoteForm(),
            "may_answer": may_answer(request.user, item),
            "close_form": CloseForm(),
        },
    )


@member_required
@require_POST
def feedback_new(request, party_pk: int):
    """A member writes down what a party told them."""
    party = get_party_for_user(request, party_pk)
    form = NewItemForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was recorded: %s") % form.errors.as_text())
        return redirect("party", pk=party.pk)
    try:
        incident = form.cleaned_data["incident"]
        item = do_open_item(
            party,
            source="incident" if incident else "member",
            severity=form.cleaned_data["severity"],
            text=form.cleaned_data["text"],
            incident=incident,
            actor=request.user,
        )
    except Problem as problem:
        messages.error(request, str(problem))
        return redirect("party", pk=party.pk)
    messages.success(request, _("Recorded. It is on the owner's list with its due time."))
    return redirect("feedback_item", pk=item.pk)


@member_required
@require_POST
def feedback_change(request, pk: int, change: str):
    item = get_object_or_404(FeedbackItem, pk=pk)
    if not may_answer(request.user, item):
        return render(request, "403.html", status=403)
    if change not in CHANGES:
        return redirect("feedback_item", pk=pk)
    try:
        _change(request, item, change)
    except Problem as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("Saved on their timeline."))
    return redirect("feedback_item", pk=pk)


CHANGES = ("call", "reply", "wait", "resume", "close", "reopen")


def may_answer(user, item: FeedbackItem) -> bool:
    """The item's owner, whoever it was passed to, and owners and managers: a staff member
    does not write to, close or reopen someone else's feedback."""
    return user.pk in (item.owner_id, item.escalated_to_id) or roles.can_run_campaigns(user)


def _change(request, item: FeedbackItem, change: str) -> None:
    actor = request.user
    if change in ("call", "reply"):
        form = NoteForm(request.POST)
        note = form.data.get("note", "")[:4000]
        if change == "call":
            do_log_call(item, note, actor=actor)
        else:
            do_reply(item, note, actor=actor, channel=request.POST.get("channel", ""))
    elif change == "wait":
        do_wait_on_party(item, actor=actor)
    elif change == "resume":
        do_resume(item, actor=actor)
    elif change == "close":
        do_close(
            item,
            resolution=request.POST.get("resolution", "")[:4000],
            cause=request.POST.get("cause", ""),
            actor=actor,
        )
    elif change == "reopen":
        do_reopen(item, reason={"code": "feedback.reopened_by_member"}, actor=actor)


# -- surveys ------------------------------------------------------------------------------------


@member_required
def surveys(request):
    """The results (everyone sees them) and the surveys' words and schedule (owners and
    managers change them)."""
    nps_survey, csat_survey = general_survey(SurveyKind.NPS), general_survey(SurveyKind.CSAT)
    context = {
        "results": _results(),
        "nps": nps_survey,
        "csat": csat_survey,
        "own": general_survey_rows(),
        "may_change": roles.can_run_campaigns(request.user),
        "language": request.LANGUAGE_CODE,
    }
    return render(request, "patron/surveys.html", context)


def general_survey_rows():
    return Survey.objects.filter(offering__isnull=False).select_related("offering")


def _results() -> dict:
    found = {}
    for kind in (SurveyKind.NPS, SurveyKind.CSAT):
        overall = results.overall(kind)
        low, high = (-100, 100) if kind == SurveyKind.NPS else (0, 100)
        charts = {}
        for by, title in _breakdown_titles(kind).items():
            rows = results.breakdown(kind, by)
            if rows:
                charts[by] = (title, score_bars(_labelled(rows, by), low, high, title))
        found[kind] = {"overall": overall, "charts": charts}
    return found


def _breakdown_titles(kind: str) -> dict[str, str]:
    name = "NPS" if kind == SurveyKind.NPS else "CSAT"
    titles = {
        "relationship_kind": _("%(name)s by relationship") % {"name": name},
        "offering": _("%(name)s by offering") % {"name": name},
        "manager": _("%(name)s by account manager") % {"name": name},
        "month": _("%(name)s by month") % {"name": name},
    }
    if kind == SurveyKind.NPS:
        del titles["offering"]  # NPS asks about the relationship, not about one offering
    return titles


def _labelled(rows, by: str) -> list[tuple[str, float | None, str]]:
    from patron.parties.models import RelationshipKind

    def label(row) -> str:
        if by == "relationship_kind":
            try:
                return str(RelationshipKind(row.key).label)
            except ValueError:
                return _("not known")
        return row.label or _("none")

    return [
        (
            label(row),
            row.score,
            _("%(answered)s/%(asked)s answered") % {"answered": row.answered, "asked": row.asked},
        )
        for row in rows
    ]


@allowed(roles.can_run_campaigns)
def survey_edit(request, kind: str):
    """The words of a survey (the general one, or an offering's own CSAT) and, for NPS,
    its schedule and the gap between two surveys."""
    if kind not in SurveyKind.values:
        return redirect("surveys")
    offering_id = request.GET.get("offering") or request.POST.get("offering") or ""
    survey = _survey_to_edit(kind, offering_id)
    settings_row = listening_settings()
    form = SurveyWordsForm(request.POST or None, instance=survey)
    schedule = (
        NpsScheduleForm(
            request.POST or None,
            initial=NpsScheduleForm.initial_from(survey, settings_row.gap_days),
        )
        if kind == SurveyKind.NPS
        else None
    )
    if request.method == "POST" and form.is_valid() and (schedule is None or schedule.is_valid()):
        edited = form.save(commit=False)
        if schedule is not None:
            edited.every_days = schedule.every_days()
        try:
            do_save_survey(edited)
        except Problem as problem:
            form.add_error(None, str(problem))
        else:
            if schedule is not None:
                settings_row.gap_days = schedule.cleaned_data["gap_days"]
                settings_row.save(update_fields=["gap_days"])
            messages.success(request, _("Survey saved."))
            return redirect("surveys")
    language = request.LANGUAGE_CODE
    return render(
        request,
        "patron/survey_form.html",
        {
            "form": form,
            "schedule": schedule,
            "survey": survey,
            "kind": kind,
            "offerings": Offering.objects.order_by("name")[:500] if kind == SurveyKind.CSAT else [],
            "offering_id": str(offering_id),
            "example": survey.question(language)
            .replace("{business}", _business_name())
            .replace("{subject}", _("your purchase")),
        },
    )


def _business_name() -> str:
    from patron.core.business import business

    return business().display_name


def _survey_to_edit(kind: str, offering_id: str):
    general = general_survey(kind)
    if kind != SurveyKind.CSAT or not offering_id.isdigit():
        return general
    offering = get_object_or_404(Offering, pk=int(offering_id))
    own = Survey.objects.filter(kind=kind, offering=offering).first()
    if own is not None:
        return own
    return Survey(
        kind=kind,
        offering=offering,
        question_en=general.question_en,
        question_ko=general.question_ko,
        reason_en=general.reason_en,
        reason_ko=general.reason_ko,
        delay_hours=general.delay_hours,
    )


@allowed(roles.can_run_campaigns)
def response_times(request):
    """How fast feedback is answered and resolved, in working hours (a day is 9)."""
    table = dues.rules()
    form = ResponseTimesForm(request.POST or None, table=table)
    if request.method == "POST" and form.is_valid():
        dues.do_save_rules(
            {
                (kind, severity): (
                    form.cleaned_data[f"{kind}|{severity}|respond"],
                    form.cleaned_data[f"{kind}|{severity}|resolve"],
                )
                for kind, severity in table
            }
        )
        messages.success(request, _("Saved. Feedback opened from now on is due so."))
        return redirect("response_times")
    return render(request, "patron/response_times.html", {"form": form})
