"""Pages a party reaches from a message, without an account: unsubscribe, preferences,
confirming a subscription. Each is opened by a signed link (outreach.links); a tampered link
changes nothing and says so. A GET never changes anything: mail scanners follow links."""

from __future__ import annotations

import datetime as dt
import logging

from anymail.exceptions import AnymailWebhookValidationFailure
from anymail.utils import get_request_basic_auth
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, transaction
from django.http import (
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
)
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from patron.core.db import is_unavailable
from patron.core.problems import Problem
from patron.core.wording import say
from patron.feedback.models import SCALE
from patron.feedback.surveys import LinkInvalid as SurveyLinkInvalid
from patron.feedback.surveys import (
    do_answer_survey,
    may_change,
    question_text,
    read_invitation,
)
from patron.feedback.surveys import is_expired as survey_expired
from patron.outreach import links
from patron.outreach.channels.status import channel_states
from patron.outreach.events import do_answer
from patron.outreach.models import Event, OutboxMessage, Rsvp
from patron.outreach.pending import keep_for_later
from patron.outreach.services import (
    PREFERENCE_CHANNELS,
    SUBSCRIBE_TOPICS,
    TOPICS,
    SubscribeRefused,
    confirmation_spent,
    do_confirm_subscription,
    do_request_subscription,
    do_set_preferences,
    do_unsubscribe,
    preferences_of,
)
from patron.outreach.signup import do_confirm_phone, do_request_phone_subscription
from patron.outreach.wording import channel_label, topic_label
from patron.parties.models import Channel, ContactKind, ContactPoint, Party
from patron.parties.normalize import normalize_email, normalize_phone

from ..clients import client_address

logger = logging.getLogger(__name__)
# The topic of the confirmation a sign-up queues (services.do_request_subscription).
SIGN_UP_TOPIC = "opt-in:form:"


def _invalid(request):
    return render(request, "patron/public/link_invalid.html", status=400)


def _speak_their_language(party: Party | None) -> None:
    if party is not None:
        translation.activate(party.locale or settings.PATRON_MESSAGE_LANGUAGE)


# RFC 8058: mail clients POST "List-Unsubscribe=One-Click" with no cookie and no CSRF token;
# the signed link is the authority.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token: str):
    try:
        target = links.read_unsubscribe_token(token)
    except links.LinkInvalid:
        return _invalid(request)
    party = Party.objects.filter(pk=target.party_id).first()
    if party is None:
        return _invalid(request)
    _speak_their_language(party)
    context = {
        "topic": topic_label(target.purpose),
        "channel": channel_label(target.channel),
        "preferences": links.preferences_url(party.pk),
    }
    if request.method == "POST":
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        via = "one_click" if one_click else "page"
        try:
            do_unsubscribe(target, via=via)
        except DatabaseError as exc:
            if not is_unavailable(exc):
                raise
            # Held by another process: kept on disk, recorded before anything is sent.
            keep_for_later(target, via)
        return render(request, "patron/public/unsubscribed.html", context)
    return render(request, "patron/public/unsubscribe.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request, token: str):
    try:
        party = Party.objects.filter(pk=links.read_preferences_token(token)).first()
    except links.LinkInvalid:
        return _invalid(request)
    if party is None:
        return _invalid(request)
    _speak_their_language(party)
    wording = {purpose: str(topic_label(purpose)) for purpose in TOPICS}
    result = None
    if request.method == "POST":
        chosen = {
            (channel, purpose)
            for channel in PREFERENCE_CHANNELS
            for purpose in TOPICS
            if request.POST.get(f"{channel}:{purpose}") == "on"
        }
        result = do_set_preferences(party, chosen, wording=wording)
    current = preferences_of(party)
    rows = [
        (
            wording[purpose],
            [
                (f"{channel}:{purpose}", channel_label(channel), current[(channel, purpose)])
                for channel in PREFERENCE_CHANNELS
            ],
        )
        for purpose in TOPICS
    ]
    return render(
        request,
        "patron/public/preferences.html",
        {"party": party, "rows": rows, "result": result},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def confirm_subscription(request, token: str):
    try:
        data = links.read_confirm_token(token)
    except links.LinkInvalid:
        return _invalid(request)
    party = Party.objects.filter(pk=data["party_id"]).first()
    _speak_their_language(party)
    if party is None:
        return _invalid(request)
    topics = [topic_label(purpose) for purpose in data["purposes"]]
    if confirmation_spent(data):
        return render(request, "patron/public/confirm_spent.html", {"topics": topics})
    if request.method == "POST":
        do_confirm_subscription(data)
        return render(request, "patron/public/confirmed.html", {"topics": topics})
    return render(request, "patron/public/confirm.html", {"topics": topics})


def _tracking_views() -> dict[str, object]:
    """django-anymail's tracking webhook per provider ("postmark", "amazon_ses", ...)."""
    from anymail.urls import urlpatterns

    return {
        pattern.name.removesuffix("_tracking_webhook"): pattern.callback
        for pattern in urlpatterns
        if pattern.name and pattern.name.endswith("_tracking_webhook")
    }


# A provider posts a few kB of events at a time; a bigger body is not a provider's.
WEBHOOK_MOST_BYTES = 1024 * 1024
# What a provider's parser raises on a body that is not what it expects (anymail reads the
# JSON or the form and takes what it wants from it).
_MALFORMED = (ValueError, LookupError, TypeError, AttributeError, RecursionError)


# The provider authenticates with the HTTP basic auth in ANYMAIL_WEBHOOK_SECRET; with no
# secret configured the endpoint does not exist, so nobody can forge bounces. Whatever is
# wrong with a call is answered with a 4xx, never a 500: a provider retries a 500 for days.
@csrf_exempt
def email_webhook(request, provider: str):
    view = _tracking_views().get(provider)
    secrets = _webhook_secrets()
    if view is None or not secrets:
        return HttpResponseNotFound()
    if _declared_length(request) > WEBHOOK_MOST_BYTES:
        return HttpResponse(status=413)
    # A HEAD (some providers probe the URL with one) changes nothing: anymail answers it.
    if request.method == "POST" and not _signed(request, secrets):
        answer = HttpResponse(status=401)
        answer["WWW-Authenticate"] = 'Basic realm="webhooks"'
        return answer
    return _tracking_answer(view, request, provider)


def _tracking_answer(view, request, provider: str):
    """What anymail's view answers, with what it would let through as a 500 made a 4xx."""
    try:
        return view(request)
    except ImproperlyConfigured:
        # The provider's own key (Mailgun's signing key, ...) or library is missing.
        logger.warning("email webhook %s is not set up", provider, exc_info=True)
        return HttpResponseNotFound()
    except AnymailWebhookValidationFailure:  # the provider's own signature does not match
        return HttpResponseForbidden()
    except (*_MALFORMED, MultiPartParserError):
        logger.warning("malformed email webhook call for %s", provider, exc_info=True)
        return HttpResponseBadRequest()


def _webhook_secrets() -> list[str]:
    """ANYMAIL_WEBHOOK_SECRET, "user:password" or a list of them (as anymail takes it)."""
    secret = settings.ANYMAIL.get("WEBHOOK_SECRET") or ()
    return [s for s in ([secret] if isinstance(secret, str) else secret) if s]


def _declared_length(request) -> int:
    # Django reads no more of the body than Content-Length says: checked before reading.
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _signed(request, secrets: list[str]) -> bool:
    given = get_request_basic_auth(request) or ""
    return any(constant_time_compare(given, secret) for secret in secrets)


@require_http_methods(["GET", "HEAD", "POST"])
def rsvp(request, token: str):
    try:
        event_id, party_id = links.read_rsvp_token(token)
    except links.LinkInvalid:
        return _invalid(request)
    event = Event.objects.filter(pk=event_id).first()
    party = Party.objects.filter(pk=party_id).first()
    if event is None or party is None:
        return _invalid(request)
    _speak_their_language(party)
    problem = None
    if request.method == "POST" and request.POST.get("coming") in ("yes", "no"):
        try:
            do_answer(event, party, coming=request.POST["coming"] == "yes")
        except Problem as refused:
            problem = str(refused)
    answer = Rsvp.objects.filter(event=event, party=party).first()
    return render(
        request,
        "patron/public/rsvp.html",
        {"event": event, "answer": answer, "problem": problem},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def survey(request, token: str):
    """A survey answered from its link, no login: one answer per link, which can be changed
    for a while (feedback.surveys.may_change), then only shown."""
    try:
        invitation = read_invitation(token)
    except SurveyLinkInvalid:
        return _invalid(request)
    _speak_their_language(invitation.party)
    now = timezone.now()
    problem = None
    if request.method == "POST":
        try:
            score = int(request.POST.get("score", ""))
        except ValueError:
            score = -1
        try:
            do_answer_survey(invitation, score, request.POST.get("comment", ""), now=now)
        except Problem as refused:
            problem = str(refused)
        else:
            return redirect(request.path + "?saved=1")
        invitation.refresh_from_db()
    low, high = SCALE[invitation.kind]
    language = translation.get_language() or settings.PATRON_MESSAGE_LANGUAGE
    return render(
        request,
        "patron/public/survey.html",
        {
            "invitation": invitation,
            "question": question_text(invitation, language),
            "reason_question": invitation.survey.reason_question(language),
            "scores": range(low, high + 1),
            "nps": invitation.kind == "nps",
            "expired": survey_expired(invitation, now),
            "may_change": may_change(invitation, now),
            "saved": request.GET.get("saved") == "1" and invitation.answered_at is not None,
            "problem": problem,
        },
        status=400 if problem else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request):
    """The public sign-up form (link it from the shop's site): by email (a link to confirm),
    by phone (a code sent by SMS), or both, after the 개인정보 수집·이용 동의. Whatever the
    address, the answer is the same: the form never tells who is already known."""
    if request.GET.get("lang") in ("ko", "en"):  # a shop's site may link either language
        translation.activate(request.GET["lang"])
    topics = [(purpose, topic_label(purpose)) for purpose in SUBSCRIBE_TOPICS]
    texts = channel_states()[Channel.SMS].sends  # a code must be able to reach the phone
    error, status = None, 200
    if request.method == "POST" and not _sign_up_allowed(request):
        error, status = say({"code": "subscribe.too_many"}), 429
    elif request.method == "POST":
        if request.POST.get("website"):  # a field people never see: only robots fill it
            return render(request, "patron/public/subscribe_sent.html")
        error, code_token = _sign_up(request, topics, texts)
        if error is None and code_token:
            return render(request, "patron/public/subscribe_code.html", {"token": code_token})
        if error is None:
            return render(request, "patron/public/subscribe_sent.html")
    return render(
        request,
        "patron/public/subscribe.html",
        {
            "topics": topics,
            "error": error,
            "values": request.POST,
            "texts": texts,
            "privacy": privacy_notice(),
        },
        status=status,
    )


def privacy_notice() -> dict[str, str]:
    """개인정보 수집·이용 동의: what is collected, why, for how long (개인정보 보호법 §15②)."""
    return {
        "what": _("your name, email address and mobile phone number"),
        "why": _("to send you the news you choose, and to keep the record of your consent"),
        "how_long": _(
            "until you withdraw your consent; the record of your consent and its withdrawal "
            "is kept as the law requires"
        ),
    }


def _sign_up(request, topics: list, texts: bool) -> tuple[str | None, str]:
    """Queue what the form asks for; (the refusal, worded, or None; the code page's token
    when a code went to a phone)."""
    if request.POST.get("privacy") != "on":
        return say({"code": "subscribe.privacy"}), ""
    chosen = request.POST.getlist("topic")
    notice = privacy_notice()
    wording = " / ".join(str(label) for purpose, label in topics if purpose in chosen)
    wording += " · " + _("Personal data: %(what)s; %(why)s; kept %(how_long)s.") % notice
    email = request.POST.get("email", "")[:254].strip()
    phone = request.POST.get("phone", "")[:40].strip()
    by_text = texts and request.POST.get("by_sms") == "on" and phone
    if not email and not by_text:
        return say({"code": "subscribe.no_address"}), ""
    asked_at = timezone.now()
    name = request.POST.get("name", "")[:200]
    try:
        with transaction.atomic():  # counted by other processes once its client is noted
            if email and do_request_subscription(email, name, chosen, wording=wording):
                _note_client(ContactKind.EMAIL, normalize_email(email) or "", request, asked_at)
            token = ""
            if by_text:
                number = normalize_phone(phone, settings.PATRON_DEFAULT_REGION)
                if not number:
                    raise SubscribeRefused("subscribe.bad_phone")
                token = do_request_phone_subscription(number, name, chosen, wording=wording)
                _note_client(ContactKind.PHONE, number, request, asked_at)
    except Problem as refused:
        return str(refused), ""
    return None, token


@require_http_methods(["POST"])
def subscribe_code(request):
    """The code sent to the phone, typed in: the number is theirs, the consent recorded."""
    token, code = request.POST.get("token", "")[:2000], request.POST.get("code", "")[:20]
    try:
        do_confirm_phone(token, code)
    except Problem as refused:
        context = {"token": token, "error": str(refused)}
        return render(request, "patron/public/subscribe_code.html", context, status=400)
    return render(request, "patron/public/subscribe_confirmed.html")


def _sign_up_allowed(request) -> bool:
    """At most PATRON_SUBSCRIBE_HOURLY_PER_CLIENT sign-ups in the last hour from one
    address, and PATRON_SUBSCRIBE_HOURLY from everyone: the form takes no login, and each
    sign-up makes a party and sends an email, so a script could otherwise fill the database
    with made-up people and send the shop's mail to any address. A sign-up is the
    confirmation email it queued, counted in the database: every web process sees the same
    count (a per-process cache let each worker take the whole limit)."""
    recent = OutboxMessage.objects.filter(
        topic__startswith=SIGN_UP_TOPIC, created_at__gte=timezone.now() - dt.timedelta(hours=1)
    )
    mine = recent.filter(values__sign_up_from=_client_key(request)).count()
    return (
        mine < settings.PATRON_SUBSCRIBE_HOURLY_PER_CLIENT
        and recent.count() < settings.PATRON_SUBSCRIBE_HOURLY
    )


def _note_client(kind: str, value: str, request, since: dt.datetime) -> None:
    """Write who asked on the confirmation just queued, for the per-client count. Its
    party is whoever holds the address or number (the one created, or one known by it)."""
    holders = ContactPoint.objects.filter(kind=kind, value=value).values("party_id")
    queued = OutboxMessage.objects.filter(
        topic__startswith=SIGN_UP_TOPIC, party_id__in=holders, created_at__gte=since
    )
    client = _client_key(request)
    for row in queued.only("pk", "values"):  # one or two: added to what the row holds
        OutboxMessage.objects.filter(pk=row.pk).update(
            values={**(row.values or {}), "sign_up_from": client}
        )


def _client_key(request) -> str:
    # Keyed with the secret key: the stored value does not give the client's address back.
    return salted_hmac("patron.subscribe.client", client_address(request)).hexdigest()[:32]
