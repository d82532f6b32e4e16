"""Keeping in touch: segments, templates, campaigns (preview, test send, launch, report)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from patron import jobs
from patron.accounts import roles
from patron.accounts.services import profile_of
from patron.commerce.models import Offering
from patron.core.audit import do_set_archived
from patron.core.problems import Problem
from patron.loyalty.coupons import coupon_results
from patron.loyalty.grades import all_grades
from patron.loyalty.models import Coupon
from patron.outreach.bounces import do_lift_suppression
from patron.outreach.campaigns import (
    do_archive_campaign,
    do_cancel_campaign,
    do_pause_campaign,
)
from patron.outreach.channels import DeliveryFailure
from patron.outreach.holdouts import cadence_lift, campaign_lift
from patron.outreach.models import (
    ANY,
    CAPPED,
    Cadence,
    Campaign,
    CampaignStatus,
    KakaoTemplate,
    OutboxMessage,
    PressureRule,
    Segment,
    Suppression,
    Template,
)
from patron.outreach.planner import holdout_of
from patron.outreach.preview import example_parties, preview, preview_as_test
from patron.outreach.queries import campaign_reach, campaign_report
from patron.outreach.rules import pressure_rules
from patron.outreach.segments import segment_parties
from patron.outreach.services import (
    do_save_kakao_template,
    do_save_segment,
    do_save_template,
    service_ad_signs,
)
from patron.outreach.templating import MERGE_FIELDS
from patron.outreach.trial import do_send_trial
from patron.parties.models import Channel, Party, RelationshipKind

from ..access import allowed, member_required
from ..forms import CadenceForm, CampaignForm, KakaoTemplateForm, SegmentForm, TemplateForm

OFFERING_CHOICES = 200  # the most bought offerings offered as a segment filter


@member_required
def outreach_home(request):
    archived = request.GET.get("archived") == "1"
    listed = Campaign.objects.filter(archived_at__isnull=not archived)
    campaigns = list(listed.select_related("segment", "template").order_by("-pk")[:50])
    return render(
        request,
        "patron/outreach.html",
        {
            "campaigns": [(c, campaign_report(c)) for c in campaigns],
            "segments": [
                (s, segment_parties(s.filters).count())
                for s in Segment.objects.filter(archived_at__isnull=not archived)
            ],
            "templates": Template.objects.filter(archived_at__isnull=not archived).order_by("name"),
            "may_run": roles.can_run_campaigns(request.user),
            "archived": archived,
        },
    )


def _offerings():
    return Offering.objects.order_by("name")[:OFFERING_CHOICES]


@allowed(roles.can_run_campaigns)
def segment_edit(request, pk: int | None = None):
    segment = get_object_or_404(Segment, pk=pk) if pk else Segment()
    initial = {"name": segment.name, **segment.filters}
    for name in ("offerings", "grade"):
        if name in initial:
            initial[name] = [str(o) for o in initial[name]]
    form = SegmentForm(
        request.POST or None, initial=initial, offerings=_offerings(), grades=all_grades()
    )
    count = None
    if request.method == "POST" and form.is_valid():
        segment.name = form.cleaned_data["name"]
        segment.filters = form.filters()
        try:
            do_save_segment(segment, actor=request.user)
        except Problem as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, _("Segment saved."))
            return redirect("segment", segment.pk)
    if segment.pk:
        count = segment_parties(segment.filters).count()
    return render(
        request, "patron/segment_form.html", {"form": form, "segment": segment, "count": count}
    )


@allowed(roles.can_run_campaigns)
def template_edit(request, pk: int | None = None):
    template = get_object_or_404(Template, pk=pk) if pk else Template()
    form = TemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        try:
            do_save_template(form.save(commit=False), actor=request.user)
        except Problem as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, _("Template saved."))
            return redirect("outreach")
    fields = [("{{ %s }}" % name, meaning) for name, meaning in MERGE_FIELDS.items()]  # noqa: UP031
    return render(
        request,
        "patron/template_form.html",
        {"form": form, "template": template, "merge_fields": fields},
    )


@allowed(roles.can_run_campaigns)
def campaign_new(request, pk: int | None = None):
    """A new campaign, or a draft changed (a launched one keeps the words it was sent with)."""
    campaign = get_object_or_404(Campaign, pk=pk, status=CampaignStatus.DRAFT) if pk else None
    form = CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        campaign = form.save(commit=False)
        if campaign.created_by_id is None:
            campaign.created_by = request.user
        campaign.save()
        form.save_m2m()
        return redirect("campaign", campaign.pk)
    return render(request, "patron/campaign_form.html", {"form": form, "campaign": campaign})


CAMPAIGN_CHANGES = {
    "pause": do_pause_campaign,
    "resume": jobs.resume_campaign,
    "cancel": do_cancel_campaign,
    "archive": do_archive_campaign,
    "unarchive": lambda campaign, actor: do_archive_campaign(campaign, archived=False, actor=actor),
}


@allowed(roles.can_run_campaigns)
@require_POST
def campaign_change(request, pk: int, change: str):
    """Pause, resume, cancel, archive: what has gone stays in the report."""
    campaign = get_object_or_404(Campaign, pk=pk)
    action = CAMPAIGN_CHANGES.get(change)
    if action is None:
        return redirect("campaign", pk)
    try:
        action(campaign, actor=request.user)
    except Problem as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, CAMPAIGN_CHANGED[change])
    return redirect("campaign", pk)


CAMPAIGN_CHANGED = {
    "pause": gettext_lazy("Paused: what has not gone waits until you resume it."),
    "resume": gettext_lazy("Resumed: what waited is being sent."),
    "cancel": gettext_lazy("Cancelled: nothing more goes. What went stays in the report."),
    "archive": gettext_lazy("Archived: kept with its report, out of the list."),
    "unarchive": gettext_lazy("Back in the list."),
}


@member_required
def campaign_detail(request, pk: int):
    campaign = get_object_or_404(Campaign.objects.select_related("segment", "template"), pk=pk)
    chosen = request.GET.get("party", "")
    examples = example_parties(campaign)
    if chosen.isdigit():
        party = Party.objects.filter(pk=int(chosen)).first()
        if party is not None:
            examples = {"chosen": party}
    previews = [preview(campaign, party) for party in examples.values() if party is not None]
    recent = (
        OutboxMessage.objects.filter(campaign=campaign)
        .select_related("party")
        .exclude(status="queued")
        .order_by("-pk")[:30]
    )
    return render(
        request,
        "patron/campaign_detail.html",
        {
            "campaign": campaign,
            "audience": segment_parties(campaign.segment.filters).count(),
            "reach": campaign_reach(campaign) if campaign.status == "draft" else None,
            "ad_signs": service_ad_signs(campaign.template) if campaign.status == "draft" else [],
            "previews": previews,
            "report": campaign_report(campaign),
            "lift": None if campaign.status == CampaignStatus.DRAFT else campaign_lift(campaign),
            "coupons": [
                (coupon, coupon_results(coupon))
                for coupon in Coupon.objects.filter(campaign=campaign).order_by("pk")
            ],
            "recent": recent,
            "may_run": roles.can_run_campaigns(request.user),
            "is_draft": campaign.status == CampaignStatus.DRAFT,
        },
    )


@allowed(roles.can_run_campaigns)
@require_POST
def campaign_test(request, pk: int):
    """Send the preview for one party to the person looking, now, on the channel tried: an
    email to their email, a text or 알림톡 to their phone (not through the outbox)."""
    campaign = get_object_or_404(Campaign.objects.select_related("template__kakao"), pk=pk)
    chosen = request.POST.get("party", "")
    party = get_object_or_404(Party, pk=int(chosen) if chosen.isdigit() else 0)
    channel = request.POST.get("channel", Channel.EMAIL)
    if channel not in (Channel.EMAIL, Channel.SMS, Channel.KAKAO):
        channel = Channel.EMAIL
    to = request.user.email if channel == Channel.EMAIL else profile_of(request.user).phone
    message = preview_as_test(campaign, party, channel, to)
    try:
        result = do_send_trial(channel, message)
    except (Problem, DeliveryFailure) as failure:
        messages.error(request, _("The test could not be sent: %(error)s") % {"error": failure})
    else:
        if result.demo:
            messages.warning(
                request,
                _("Demo mode: the test was printed in the server's terminal, not sent to %(to)s.")
                % {"to": to},
            )
        else:
            messages.success(request, _("Test sent to %(email)s.") % {"email": to})
    return redirect("campaign", pk)


@allowed(roles.can_run_campaigns)
@require_POST
def campaign_launch(request, pk: int):
    campaign = get_object_or_404(Campaign.objects.select_related("template"), pk=pk)
    not_advertising = request.POST.get("not_advertising") == "on"
    try:
        launched = jobs.launch_campaign(
            campaign, user=request.user, not_advertising=not_advertising
        )
    except Problem as problem:
        messages.error(request, str(problem))
    else:
        if launched:
            messages.success(request, _("Launched: the background worker sends it."))
    return redirect("campaign", pk)


@member_required
def contact_rules(request):
    """The contact-pressure budget per relationship kind (owners change it) and the
    registered KakaoTalk templates."""
    may_change = roles.is_owner(request.user)
    kakao_form = KakaoTemplateForm(request.POST or None) if may_change else None
    if request.method == "POST" and may_change:
        if "rule" in request.POST:
            _save_rule(request)
            return redirect("contact_rules")
        if kakao_form.is_valid():
            template = kakao_form.save(commit=False)
            template.variables = kakao_form.cleaned_data["variables_text"]
            try:
                do_save_kakao_template(template)
            except Problem as problem:
                kakao_form.add_error(None, str(problem))
            else:
                messages.success(request, _("KakaoTalk template saved."))
                return redirect("contact_rules")
    rules = [
        (kind, rule)
        for kind, group in sorted(pressure_rules().items())
        for rule in sorted(group, key=lambda r: r.message_class)
    ]
    return render(
        request,
        "patron/contact_rules.html",
        {
            "rules": rules,
            "kakao_templates": KakaoTemplate.objects.order_by("name"),
            "kakao_form": kakao_form,
            "may_change": may_change,
        },
    )


def _save_rule(request) -> None:
    kind, message_class = request.POST.get("kind", ""), request.POST.get("message_class", "")
    try:
        limit, days = int(request.POST.get("max_messages", "")), int(request.POST.get("days", ""))
    except ValueError:
        messages.error(request, _("Give whole numbers for the messages and the days."))
        return
    if not (0 <= limit <= 100 and 1 <= days <= 365):
        messages.error(request, _("Between 0 and 100 messages, in 1 to 365 days."))
        return
    if kind not in (ANY, *RelationshipKind.values) or message_class not in (ANY, *CAPPED):
        messages.error(request, _("That rule does not exist."))
        return
    PressureRule.objects.update_or_create(
        kind=kind, message_class=message_class, defaults={"max_messages": limit, "days": days}
    )
    messages.success(request, _("Rule saved."))


@member_required
def cadences(request):
    """The keep-in-touch rules the planner applies each morning (owners and managers edit)."""
    may_run = roles.can_run_campaigns(request.user)
    toggled = request.POST.get("toggle", "")
    if may_run and request.method == "POST" and toggled.isdigit():
        cadence = get_object_or_404(Cadence, pk=int(toggled))
        cadence.enabled = not cadence.enabled
        cadence.save(update_fields=["enabled"])
        return redirect("cadences")
    form = CadenceForm(request.POST or None) if may_run else None
    if request.method == "POST" and form is not None and form.is_valid():
        form.save()
        messages.success(request, _("Cadence saved."))
        return redirect("cadences")
    return render(
        request,
        "patron/cadences.html",
        {
            "cadences": [
                (cadence, cadence_lift(cadence) if _keeps_holdout(cadence) else None)
                for cadence in Cadence.objects.select_related("template").order_by("name")
            ],
            "form": form,
            "may_run": may_run,
        },
    )


def _keeps_holdout(cadence: Cadence) -> bool:
    """Only a cadence that keeps people out has a comparison to read."""
    if cadence.template is None:
        return False
    return holdout_of(cadence.holdout_percent, cadence.template.message_class) > 0


SUPPRESSIONS_SHOWN = 100


@member_required
def suppressions(request):
    """Addresses and numbers Patron no longer uses (bounced, complained, refused), newest
    first, searchable; an owner lifts one with the reason."""
    found = Suppression.objects.order_by("-created_at")
    query = request.GET.get("q", "").strip()[:100]
    if query:
        found = found.filter(address__icontains=query)
    return render(
        request,
        "patron/suppressions.html",
        {
            "suppressions": found[:SUPPRESSIONS_SHOWN],
            "count": found.count(),
            "query": query,
            "may_lift": roles.is_owner(request.user),
        },
    )


@allowed(roles.is_owner)
@require_POST
def suppression_lift(request, pk: int):
    suppression = get_object_or_404(Suppression, pk=pk)
    try:
        do_lift_suppression(suppression, reason=request.POST.get("reason", ""), actor=request.user)
    except Problem as problem:
        messages.error(request, str(problem))
    else:
        messages.success(
            request, _("%(address)s is used again.") % {"address": suppression.address}
        )
    return redirect("suppressions")


ARCHIVABLE = {"segments": Segment, "templates": Template}


@allowed(roles.can_run_campaigns)
@require_POST
def archive_toggle(request, kind: str, pk: int):
    """A segment or template out of the lists and choices (campaigns that used it keep
    it), or back."""
    model = ARCHIVABLE.get(kind)
    if model is None:
        return redirect("outreach")
    item = get_object_or_404(model, pk=pk)
    archived = item.archived_at is None
    do_set_archived(item, archived, actor=request.user)
    messages.success(request, _("Archived.") if archived else _("Back in the list."))
    return redirect("outreach")
