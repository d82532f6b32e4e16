"""Business settings (owners): the business's name and contacts, how its messages leave, the
provider's keys, the quiet hours; each channel's state with a test to oneself. My profile
(every member): email, phone, language, password."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patron.accounts import roles
from patron.accounts.services import (
    TeamChangeRefused,
    display_name,
    do_change_profile,
    do_reset_password,
    profile_of,
)
from patron.core.business import business
from patron.core.problems import Problem
from patron.outreach.channels import DeliveryFailure
from patron.outreach.channels.status import channel_states
from patron.outreach.models import KakaoTemplate, KakaoTemplateStatus
from patron.outreach.services import do_retry_channel, do_save_business_settings
from patron.outreach.trial import do_send_trial, kakao_trial, trial_message
from patron.outreach.wording import channel_label, failure_words
from patron.parties.models import Channel
from patron.parties.normalize import normalize_phone

from ..access import allowed, member_required
from ..business_forms import BusinessForm, ProfileForm, business_initial
from ..middleware import SESSION_LANGUAGE


@allowed(roles.is_owner)
def business_settings(request):
    biz = business()
    form = BusinessForm(request.POST or None, biz=biz, initial=business_initial(biz))
    if request.method == "POST" and form.is_valid():
        try:
            do_save_business_settings(
                form.values(),
                keys=form.keys(),
                clear_keys=form.cleared_keys(),
                actor=request.user,
            )
        except Problem as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, _("Business settings saved."))
            return redirect("business_settings")
    return render(
        request,
        "patron/business_settings.html",
        {
            "form": form,
            "states": channel_states(biz).values(),
            "kakao_templates": KakaoTemplate.objects.order_by("name"),
            "approved": KakaoTemplate.objects.filter(status=KakaoTemplateStatus.APPROVED),
            "profile": profile_of(request.user),
        },
    )


@allowed(roles.is_owner)
@require_POST
def business_retry(request, channel: str):
    """Try a paused channel now, after the owner fixed what its provider refused."""
    name = channel_label(channel)
    if do_retry_channel(channel, actor=request.user):
        messages.success(
            request,
            _("%(channel)s is no longer paused: what waits goes in the next round.")
            % {"channel": name},
        )
    else:
        messages.info(request, _("%(channel)s was not paused.") % {"channel": name})
    return redirect("business_settings")


@allowed(roles.is_owner)
@require_POST
def business_test(request, channel: str):
    """Send a test on one channel to the owner's own address or phone."""
    if channel not in (Channel.EMAIL, Channel.SMS, Channel.KAKAO):
        return redirect("business_settings")
    biz = business()
    profile = profile_of(request.user)
    to = request.user.email if channel == Channel.EMAIL else profile.phone
    if not to:
        messages.error(request, _("Add your email and phone on My profile first: tests go there."))
        return redirect("business_settings")
    language = translation.get_language() or settings.PATRON_MESSAGE_LANGUAGE
    if channel == Channel.KAKAO:
        template = get_object_or_404(
            KakaoTemplate, pk=request.POST.get("template") or 0, status="approved"
        )
        message = kakao_trial(template, to, display_name(request.user), biz)
    else:
        message = trial_message(channel, to, biz, language)
    _report_trial(request, channel, message, biz)
    return redirect("business_settings")


def _report_trial(request, channel: str, message, biz) -> None:
    try:
        result = do_send_trial(channel, message, biz=biz)
    except Problem as problem:
        messages.error(request, _("The test could not be sent: %(error)s") % {"error": problem})
        return
    except DeliveryFailure as failure:
        messages.error(
            request, _("The test could not be sent: %(error)s") % {"error": failure_words(failure)}
        )
        return
    if result.demo:
        messages.warning(
            request,
            _("Demo mode: the test was printed in the server's terminal, not sent to %(to)s.")
            % {"to": message.to},
        )
    else:
        messages.success(
            request,
            _(
                "The provider took the test for %(to)s. Whether it arrives, your phone or "
                "inbox tells; Patron reads the delivery report like any other message's."
            )
            % {"to": message.to},
        )


@member_required
def my_profile(request):
    profile = profile_of(request.user)
    initial = {"email": request.user.email, "phone": profile.phone, "language": profile.language}
    form = ProfileForm(request.POST if "profile" in request.POST else None, initial=initial)
    password = PasswordChangeForm(
        request.user, request.POST if "password" in request.POST else None
    )
    if request.method == "POST" and "profile" in request.POST and form.is_valid():
        typed = form.cleaned_data["phone"]
        number = normalize_phone(typed, settings.PATRON_DEFAULT_REGION) if typed else ""
        try:
            do_change_profile(
                request.user,
                email=form.cleaned_data["email"],
                phone=number or typed,
                language=form.cleaned_data["language"],
            )
        except TeamChangeRefused as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, _("Your profile was saved."))
            request.session[SESSION_LANGUAGE] = form.cleaned_data["language"]
            return _with_language(redirect("my_profile"), form.cleaned_data["language"])
    if request.method == "POST" and "password" in request.POST and password.is_valid():
        password.save()
        update_session_auth_hash(request, password.user)
        messages.success(request, _("Your password was changed."))
        return redirect("my_profile")
    return render(
        request, "patron/profile.html", {"form": form, "password": password, "profile": profile}
    )


def _with_language(response, language: str):
    """The member's language, also for the pages before their next login."""
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
    return response


@allowed(roles.can_manage_team)
@require_POST
def member_password(request, pk: int):
    from django.contrib.auth.models import User

    member = get_object_or_404(User, pk=pk)
    try:
        password = do_reset_password(member, actor=request.user)
    except TeamChangeRefused as problem:
        messages.error(request, str(problem))
    else:
        messages.success(
            request,
            _("%(name)s's new password, shown only this once: %(password)s")
            % {"name": display_name(member), "password": password},
        )
    return redirect("team")
