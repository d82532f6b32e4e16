"""Pages a party reaches from a message, without an account: unsubscribe, preferences,
confirming a subscription. Each is opened by a signed link (outreach.links); a tampered link
changes nothing and says so. A GET never changes anything: mail scanners follow links."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from patron.core.problems import Problem
from patron.core.wording import say
from patron.outreach import links
from patron.outreach.events import do_answer
from patron.outreach.models import Event, Rsvp
from patron.outreach.services import (
    PREFERENCE_CHANNELS,
    SUBSCRIBE_TOPICS,
    TOPICS,
    do_confirm_subscription,
    do_request_subscription,
    do_set_preferences,
    do_unsubscribe,
    preferences_of,
)
from patron.outreach.wording import channel_label, topic_label
from patron.parties.models import Party

from ..clients import client_address


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
        do_unsubscribe(target, via="one_click" if one_click else "page")
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


# The provider authenticates with the HTTP basic auth in ANYMAIL_WEBHOOK_SECRET (anymail checks
# it); with no secret configured the endpoint does not exist, so nobody can forge bounces.
@csrf_exempt
def email_webhook(request, provider: str):
    from django.http import Http404

    view = _tracking_views().get(provider)
    if view is None or not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        raise Http404
    return view(request)


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
def subscribe(request):
    """The public sign-up form (link it from the shop's site). Whatever the address, the
    answer is the same ("check your inbox"): the form never tells who is already known."""
    if request.GET.get("lang") in ("ko", "en"):  # a shop's site may link either language
        translation.activate(request.GET["lang"])
    topics = [(purpose, topic_label(purpose)) for purpose in SUBSCRIBE_TOPICS]
    error, status = None, 200
    if request.method == "POST" and not _sign_up_allowed(request):
        error, status = say({"code": "subscribe.too_many"}), 429
    elif request.method == "POST":
        if request.POST.get("website"):  # a field people never see: only robots fill it
            return render(request, "patron/public/subscribe_sent.html")
        chosen = request.POST.getlist("topic")
        wording = " / ".join(str(label) for purpose, label in topics if purpose in chosen)
        try:
            do_request_subscription(
                request.POST.get("email", "")[:254],
                request.POST.get("name", "")[:200],
                chosen,
                wording=wording,
            )
        except Problem as refused:
            error = str(refused)
        else:
            return render(request, "patron/public/subscribe_sent.html")
    return render(
        request,
        "patron/public/subscribe.html",
        {"topics": topics, "error": error, "values": request.POST},
        status=status,
    )


def _sign_up_allowed(request) -> bool:
    """At most PATRON_SUBSCRIBE_HOURLY_PER_CLIENT sign-ups an hour from one address, and
    PATRON_SUBSCRIBE_HOURLY from everyone: the form takes no login, and each sign-up makes a
    party and sends an email, so a script could otherwise fill the database with made-up
    people and send the shop's mail to any address. Counted in the cache (per process with
    the default cache: a bound, not an exact count)."""
    hour = f"subscribe:{timezone.now():%Y%m%d%H}"
    # One client past its own limit does not use up everyone's (it would shut the form).
    return _within(
        f"{hour}:{client_address(request)}", settings.PATRON_SUBSCRIBE_HOURLY_PER_CLIENT
    ) and _within(hour, settings.PATRON_SUBSCRIBE_HOURLY)


def _within(key: str, limit: int) -> bool:
    """Count one more under `key` for the hour; whether the count is still within `limit`."""
    cache.add(key, 0, timeout=3600)
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr: a new hour
        cache.add(key, 1, timeout=3600)
        return True
