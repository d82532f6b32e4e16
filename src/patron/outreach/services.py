"""Changing outreach state: templates, campaigns, unsubscribes, preferences, notices."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from patron.core.business import business
from patron.core.problems import Problem
from patron.parties.activity import record_activity
from patron.parties.consent import (
    Decision,
    current_consents,
    decisions_in_force,
    do_record_decisions,
)
from patron.parties.models import Channel, Consent, Party, Purpose
from patron.parties.normalize import normalize_email
from patron.parties.resolve import Identity, PartyResolver

from . import links, rules
from .channels.status import channel_states, waiting_reason
from .models import (
    ADVERTISING,
    KAKAO_CLASSES,
    PURPOSE_OF,
    Campaign,
    CampaignChannel,
    CampaignStatus,
    KakaoTemplate,
    KakaoTemplateStatus,
    MessageClass,
    OutboxMessage,
    OutboxStatus,
    Segment,
    Task,
    TaskStatus,
    Template,
    TemplateFormat,
)
from .segments import check_filters
from .templating import _FIELD, check_kakao_template, check_template, outside_euc_kr


class CampaignRefused(Problem):
    """A campaign that cannot be launched as it is."""


# -- the business's settings --------------------------------------------------------------------


# What a paused channel's provider may have refused it for: a change to one of these fields
# (keys, provider, sender numbers) tries the channel again at once.
PAUSE_LIFTED_BY = {
    Channel.EMAIL: {"email_from"},
    Channel.SMS: {"text_provider", "keys", "sms_sender", "optout_number"},
    Channel.KAKAO: {"text_provider", "keys", "sms_sender", "kakao_sender_key"},
}


def do_save_business_settings(values, *, keys=None, clear_keys=(), actor=None) -> list[str]:
    """Save the business's settings; a channel its provider had refused is tried again at
    once when what it was refused for may have changed (the keys, the sender number...).
    Returns the fields that changed."""
    from patron.core.business import do_save_business

    with transaction.atomic():
        changed = set(do_save_business(values, keys=keys, clear_keys=clear_keys, actor=actor))
        _lift_pauses([c for c, fields in PAUSE_LIFTED_BY.items() if changed & fields])
    return sorted(changed)


def do_retry_channel(channel: str, *, actor=None) -> bool:
    """The owner asks to try a paused channel now (keys changed where the page cannot see
    them, the balance topped up): the pause goes and what it held is due. False when the
    channel was not paused."""
    with transaction.atomic():
        lifted = _lift_pauses([channel])
        if lifted:
            from patron.core.audit import CHANGE, log_change
            from patron.core.business import settings_row

            log_change(
                actor,
                settings_row(),
                CHANGE,
                {"changed": {"fields": ["pause"], "channel": channel}},
            )
    return lifted


def _lift_pauses(channels) -> bool:
    from .models import ChannelPause

    if not ChannelPause.objects.filter(channel__in=channels).delete()[0]:
        return False
    # What the pause held is due again, as it was when it was planned.
    OutboxMessage.objects.filter(
        channel__in=channels, status=OutboxStatus.QUEUED, reason__code="outreach.paused"
    ).update(next_attempt_at=F("created_at"), reason=None)
    return True


# -- templates, segments, campaigns -----------------------------------------------------------


def do_save_template(template: Template, *, actor=None) -> Template:
    """Save a template after refusing syntax outside the merge-field allowlist."""
    check_template(template.subject, template.body, template.client_subject, template.client_body)
    template.updated_at = timezone.now()
    if template.pk is None and actor is not None and actor.is_authenticated:
        template.created_by = actor
    template.save()
    return template


def do_save_kakao_template(template: KakaoTemplate) -> KakaoTemplate:
    check_kakao_template(template.text, template.variables)
    template.save()
    return template


def do_save_segment(segment: Segment, *, actor=None) -> Segment:
    segment.filters = check_filters(segment.filters)
    segment.updated_at = timezone.now()
    if segment.pk is None and actor is not None and actor.is_authenticated:
        segment.created_by = actor
    segment.save()
    return segment


def template_snapshot(template: Template, advertises: list[int]) -> dict[str, Any]:
    markdown = template.format == TemplateFormat.MARKDOWN
    texts = [template.subject, template.body, template.client_subject, template.client_body]
    fields = {m.group(1) for text in texts for m in _FIELD.finditer(text)}
    kakao = None
    # Only a template Kakao approved is sent (NHN -3005, Solapi 3105 otherwise).
    if template.kakao_id and template.kakao.status == KakaoTemplateStatus.APPROVED:
        approved = template.kakao
        kakao = {"code": approved.code, "text": approved.text, "variables": approved.variables}
        fields.update(approved.variables.values())
    customer = {"subject": template.subject, "body": template.body, "markdown": markdown}
    client = (
        {
            "subject": template.client_subject or template.subject,
            "body": template.client_body,
            "markdown": markdown,
        }
        if template.client_body.strip()
        else None
    )
    return {
        "template": template.pk,
        "message_class": template.message_class,
        "fields": sorted(fields),
        "kakao": kakao,
        "customer": customer,
        "client": client or customer,
        "advertises": advertises,
    }


def service_ad_signs(template: Template) -> list[str]:
    """What in a service template reads as an offer (empty for other classes)."""
    if template.message_class not in KAKAO_CLASSES:
        return []
    texts = [template.subject, template.body, template.client_subject, template.client_body]
    if template.kakao_id:
        texts.append(template.kakao.text)
    return rules.advertising_signs(*texts)


def check_campaign(campaign: Campaign, *, not_advertising: bool = False) -> None:
    template = campaign.template
    check_template(template.subject, template.body, template.client_subject, template.client_body)
    if template.message_class == MessageClass.PERSONAL:
        # A personal message is one person writing to one party, never a mailing.
        raise CampaignRefused("campaign.personal")
    if template.message_class in ADVERTISING:
        check_advertising(campaign.channel)
    if campaign.channel != CampaignChannel.EMAIL:
        check_texts_carry(template)
    if campaign.channel == CampaignChannel.KAKAO:
        if template.message_class not in KAKAO_CLASSES:
            # 알림톡 carries information only: Kakao forbids advertising through it.
            raise CampaignRefused("campaign.kakao_no_ads")
        if template.kakao_id is None:
            raise CampaignRefused("campaign.kakao_no_template")
        if template.kakao.status != KakaoTemplateStatus.APPROVED:
            raise CampaignRefused("campaign.kakao_not_approved", status=template.kakao.status)
    if campaign.channel == CampaignChannel.EMAIL and not template.subject.strip():
        raise CampaignRefused("campaign.no_subject")
    signs = service_ad_signs(template)
    if signs and not not_advertising:
        # It would reach people who refused advertising, at night, as 알림톡: only a person
        # who has seen what reads as an offer may say it is none.
        raise CampaignRefused("campaign.service_looks_like_ad", signs=", ".join(signs[:8]))


def check_texts_carry(template: Template) -> None:
    """A text message carries EUC-KR only: a character outside it (an emoji, a rare
    syllable) would make the provider refuse every message of the campaign (Solapi 1029,
    NHN Cloud -2023), so it is refused here, naming the characters, before anything goes."""
    texts = (template.subject, template.body, template.client_subject, template.client_body)
    bad = outside_euc_kr(" ".join(texts))
    if bad:
        raise CampaignRefused("campaign.not_euc_kr", characters=" ".join(bad[:12]))


def check_advertising(campaign_channel: str) -> None:
    """Advertising goes only where the business can frame it as the law asks: refused on a
    channel chosen without that (a text without the 080 number), and when no channel of the
    best-channel choice could carry it."""
    biz = business()
    channels = [campaign_channel]
    if campaign_channel == CampaignChannel.BEST:
        channels = [Channel.EMAIL, Channel.SMS]
    refusals = [rules.ad_refused_on(channel, biz) for channel in channels]
    if all(refusals):
        raise CampaignRefused(refusals[-1]["code"])


def do_launch_campaign(
    campaign: Campaign,
    *,
    actor=None,
    now: dt.datetime | None = None,
    not_advertising: bool = False,
) -> bool:
    """Freeze the words and mark it for planning (now, or at its time). False when it was
    launched already: a double click launches once. ``not_advertising``: the sender saw what
    in a service message reads as an offer and confirmed it is none (kept in the snapshot)."""
    check_campaign(campaign, not_advertising=not_advertising)
    now = now or timezone.now()
    advertises = list(campaign.advertises.values_list("pk", flat=True))
    snapshot = template_snapshot(campaign.template, advertises)
    signs = service_ad_signs(campaign.template)
    if signs:
        snapshot["not_advertising"] = {
            "signs": signs,
            "by": actor.pk if actor is not None and actor.is_authenticated else None,
            "at": now.isoformat(),
        }
    status = (
        CampaignStatus.SCHEDULED
        if campaign.send_at and campaign.send_at > now
        else CampaignStatus.PLANNING
    )
    launched = Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.DRAFT).update(
        status=status,
        snapshot=snapshot,
        launched_at=now,
        launched_by=actor if actor is not None and actor.is_authenticated else None,
    )
    campaign.refresh_from_db()
    return launched == 1


# -- unsubscribes, preferences, double opt-in ---------------------------------------------------


def do_unsubscribe(target: links.UnsubscribeTarget, *, via: str) -> bool:
    """Withdraw consent for what the link was about, at once; messages queued or being sent
    to that person for it are dropped; the person is told (정보통신망법 §50⑦)."""
    party = Party.objects.filter(pk=target.party_id).first()
    if party is None:
        return False
    party = _survivor(party)
    with transaction.atomic():
        changed = do_record_decisions(
            Decision(
                party_id,
                target.channel,
                target.purpose,
                False,
                source=f"unsubscribe:{via}",
                # The party the link was made for: after a merge it may be another's half,
                # and the decision goes back with it if the merge is undone.
                evidence={"via": via, "party": target.party_id},
            )
            for party_id in _deciders(party, target.party_id)
        )
        drop_queued(party.pk, target.channel, [target.purpose])
        if changed:
            queue_confirmation(party, target.channel, granted=[], withdrawn=[target.purpose])
    return bool(changed)


def _deciders(survivor: Party, own: int) -> list[int]:
    """Who a withdrawal is recorded for: the party in force (the survivor of a merge), and
    the party whose own link or page it came from, when that one was merged away: undoing
    the merge then gives them back their "no" even if the survivor had said no already."""
    return [survivor.pk] if own == survivor.pk else [survivor.pk, own]


def drop_queued(party_id: int, channel: str, purposes: list[str]) -> int:
    classes = [c for c, p in PURPOSE_OF.items() if p in purposes]
    return OutboxMessage.objects.filter(
        party_id=party_id,
        channel=channel,
        message_class__in=classes,
        status__in=(OutboxStatus.QUEUED, OutboxStatus.SENDING),
    ).update(status=OutboxStatus.SKIPPED, reason={"code": "outreach.skip.unsubscribed"})


TOPICS = (Purpose.MARKETING, Purpose.NEWSLETTER, Purpose.SURVEYS, Purpose.NIGHT)
PREFERENCE_CHANNELS = (Channel.EMAIL, Channel.SMS)


def preferences_of(party: Party) -> dict[tuple[str, str], bool]:
    """What the person receives now: a merged party's page shows the survivor's choices,
    which are the ones applied."""
    party = _survivor(party)
    found = {}
    for channel in PREFERENCE_CHANNELS:
        for purpose in TOPICS:
            found[(channel, purpose)] = bool(
                current_consents([party.pk], channel, purpose).get(party.pk)
            )
    return found


def do_set_preferences(
    party: Party, chosen: set[tuple[str, str]], *, wording: dict[str, str]
) -> dict[str, list]:
    """Apply a person's choices from their preference page. A withdrawal counts at once;
    a new "yes" is only asked for: a confirmation link goes to that address (double opt-in)
    and the consent is recorded when they follow it."""
    decided_by = party.pk  # the page's own party, kept as evidence (see do_unsubscribe)
    party = _survivor(party)
    now = preferences_of(party)
    withdrawn = [key for key, on in now.items() if on and key not in chosen]
    asked = [key for key, on in now.items() if not on and key in chosen]
    with transaction.atomic():
        do_record_decisions(
            Decision(
                party_id,
                channel,
                purpose,
                False,
                source="preferences",
                evidence={
                    "via": "preference_page",
                    "wording": wording.get(purpose, ""),
                    "party": decided_by,
                },
            )
            for channel, purpose in withdrawn
            for party_id in _deciders(party, decided_by)
        )
        for channel in PREFERENCE_CHANNELS:
            gone = [purpose for ch, purpose in withdrawn if ch == channel]
            if gone:
                drop_queued(party.pk, channel, gone)
                queue_confirmation(party, channel, granted=[], withdrawn=gone)
            wanted = [purpose for ch, purpose in asked if ch == channel]
            if wanted and party_address(party, channel):
                text = " / ".join(wording.get(purpose, purpose) for purpose in wanted)
                queue_opt_in_request(party, channel, wanted, text)
    return {"withdrawn": withdrawn, "asked": asked}


CAPTURE_WAYS = ("paper_form", "phone_call", "in_person", "kakao_channel")


class ConsentRefused(Problem):
    """A decision a member cannot record as given (no wording for a yes, a future date)."""


def do_capture_consent(
    party: Party,
    channel: str,
    purpose: str,
    *,
    granted: bool,
    how: str,
    wording: str,
    decided_on: dt.date,
    actor,
) -> bool:
    """A member records what the person decided, with the evidence the law asks for: how
    (a signed paper form at the counter, a phone call, in person, a KakaoTalk channel
    message), when, and for a yes the wording the person agreed to. A no counts at once
    (messages waiting for it are dropped); either way the person is told (§50⑦)."""
    if how not in CAPTURE_WAYS or purpose not in TOPICS or channel not in PREFERENCE_CHANNELS:
        raise ConsentRefused("consent.bad_choice")
    if granted and not wording.strip():
        raise ConsentRefused("consent.no_wording")
    if decided_on > timezone.localdate():
        raise ConsentRefused("consent.future")
    moment = dt.datetime.combine(decided_on, dt.time(12), tzinfo=timezone.get_current_timezone())
    evidence = {"via": how, "wording": wording.strip()[:500]}
    return _record_decision(
        party, channel, purpose, granted, f"staff:{how}", evidence, moment, actor=actor
    )


# What another system may say it got a decision through (the API).
SYSTEM_WAYS = ("online_form", "app", "pos", "kiosk")


def do_record_consent_from_system(
    party: Party,
    channel: str,
    purpose: str,
    *,
    granted: bool,
    system: str,
    how: str,
    wording: str,
    decided_at: dt.datetime,
) -> bool:
    """A decision another system collected (a shop's sign-up box, an app's settings), with
    its evidence: which system, how, when, and for a yes the words the person agreed to.
    The same rules as a member's: a later "no" stands, a "no" counts at once, the person is
    told."""
    if how not in SYSTEM_WAYS or purpose not in TOPICS or channel not in PREFERENCE_CHANNELS:
        raise ConsentRefused("consent.bad_choice")
    if granted and not wording.strip():
        raise ConsentRefused("consent.no_wording")
    if decided_at > timezone.now() + dt.timedelta(minutes=5):
        raise ConsentRefused("consent.future")
    evidence = {"via": how, "wording": wording.strip()[:500], "system": system[:100]}
    return _record_decision(
        party, channel, purpose, granted, f"api:{how}", evidence, decided_at, actor=None
    )


def _record_decision(party, channel, purpose, granted, source, evidence, moment, *, actor):
    party = _survivor(party)
    in_force = decisions_in_force([party.pk], channel, purpose).get(party.pk)
    if granted and in_force and not in_force[0] and in_force[1].date() >= moment.date():
        # A "no" the person gave since (or that day) outranks a "yes" dated before it.
        raise ConsentRefused("consent.before_refusal", refused=in_force[1].date().isoformat())
    with transaction.atomic():
        changed = do_record_decisions(
            [
                Decision(
                    party.pk,
                    channel,
                    purpose,
                    granted,
                    source=source,
                    evidence={**evidence, "party": party.pk},
                    at=min(moment, timezone.now()),
                )
            ],
            actor=actor,
        )
        if changed and not granted:
            drop_queued(party.pk, channel, [purpose])
        if changed and party_address(party, channel):
            queue_confirmation(
                party,
                channel,
                granted=[purpose] if granted else [],
                withdrawn=[] if granted else [purpose],
            )
    return bool(changed)


def consent_history(party: Party, limit: int = 30) -> list[Consent]:
    """The party's recorded decisions, newest first, with who recorded them."""
    return list(
        Consent.objects.filter(party=_survivor(party))
        .select_related("recorded_by")
        .order_by("-recorded_at", "-pk")[:limit]
    )


def confirmation_spent(data: dict) -> bool:
    """A confirmation link confirms once, and never after a "no" recorded since it was made
    (replayed after an unsubscribe, it would otherwise grant again)."""
    party = Party.objects.filter(pk=data["party_id"]).first()
    if party is None:
        return True
    party = _survivor(party)
    decisions = Consent.objects.filter(
        party=party, channel=data["channel"], purpose__in=data["purposes"]
    )
    if data["nonce"] and decisions.filter(evidence__link=data["nonce"]).exists():
        return True
    return decisions.filter(granted=False, recorded_at__gt=data["issued"]).exists()


def do_confirm_subscription(data: dict, *, via: str = "confirmation_link") -> bool:
    """The person confirmed (their link followed, or the code sent to their phone typed in):
    record the consent with its evidence. False when nothing was recorded (a confirmation
    used before, or one a later "no" outranks)."""
    party = Party.objects.filter(pk=data["party_id"]).first()
    if party is None or confirmation_spent(data):
        return False
    party = _survivor(party)
    with transaction.atomic():
        changed = do_record_decisions(
            Decision(
                party.pk,
                data["channel"],
                purpose,
                True,
                source="double_opt_in",
                evidence={
                    "via": via,
                    "wording": data["wording"],
                    "confirmed_at": timezone.now().isoformat(),
                    "party": data["party_id"],
                    "link": data.get("nonce", ""),
                },
            )
            for purpose in data["purposes"]
            if purpose in TOPICS
        )
        if changed:
            queue_confirmation(party, data["channel"], granted=data["purposes"], withdrawn=[])
    return bool(changed)


def _survivor(party: Party) -> Party:
    while party.merged_into_id:
        party = party.merged_into
    return party


def party_address(party: Party, channel: str) -> str:
    return party.email if channel == Channel.EMAIL else party.phone


# -- one-off notices to one party --------------------------------------------------------------


def queue_notice(
    party: Party,
    channel: str,
    *,
    topic: str,
    subject: str,
    body: str,
    message_class: str = MessageClass.SERVICE,
    markdown: bool = False,
    states: dict | None = None,
    at: dt.datetime | None = None,
    kinds: list[str] | None = None,
    parts: list[dict] | None = None,
    basis: dict | None = None,
    kakao: dict | None = None,
    values: dict | None = None,
) -> OutboxMessage | None:
    """A message to one party outside any campaign (a confirmation, a reconfirmation, an
    event's reminder). ``topic`` makes it once-only: the same topic to the same party and
    channel is not queued twice. On a channel that cannot send now it waits, saying why
    (``states``: the channels' states, read once by a caller queueing many). ``at``: when it
    is due (now by default); ``kinds`` and ``parts``: what it gathers (the day's notices);
    ``basis``: why it may go (a survey's); ``kakao`` and ``values``: the 알림톡 template and
    the values of its variables."""
    address = party_address(party, channel)
    if not address:
        return None
    state = (states or channel_states())[channel]
    key = f"{topic}:party:{party.pk}:{channel}"
    row, created = OutboxMessage.objects.get_or_create(
        dedupe_key=key,
        defaults={
            "party": party,
            "topic": topic[:64],
            "channel": channel,
            "address": address,
            "message_class": message_class,
            "content": {
                "subject": subject,
                "body": body,
                "markdown": markdown,
                **({"kinds": kinds} if kinds else {}),
                **({"parts": parts} if parts else {}),
                **({"kakao": kakao} if kakao else {}),
            },
            "values": values or {},
            "basis": basis or {},
            "reason": waiting_reason(state),
            "next_attempt_at": at or timezone.now(),
        },
    )
    return row if created else None


def queue_confirmation(party: Party, channel: str, *, granted: list, withdrawn: list) -> None:
    """Tell the person at once what they agreed to or refused (§50⑦ asks within 14 days)."""
    from .wording import topic_label

    with translation.override(party.locale or settings.PATRON_MESSAGE_LANGUAGE):
        lines = [_("%(business)s has recorded your choice:") % {"business": _business()}]
        lines += [_("Yes to: %(topic)s") % {"topic": topic_label(p)} for p in granted]
        lines += [_("No to: %(topic)s") % {"topic": topic_label(p)} for p in withdrawn]
        lines.append(_("Recorded on %(date)s.") % {"date": timezone.localdate().isoformat()})
        subject = _("Your choices were saved")
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    queue_notice(party, channel, topic=f"consent:{stamp}", subject=subject, body="\n".join(lines))


def queue_opt_in_request(
    party: Party, channel: str, purposes: list[str], wording: str, *, topic: str = ""
) -> OutboxMessage | None:
    """Ask the person to confirm what they asked for (double opt-in): a link that records
    the consent when followed. ``topic`` makes it once-only (default: every request)."""
    url = links.confirm_url(party.pk, channel, purposes, wording)
    with translation.override(party.locale or settings.PATRON_MESSAGE_LANGUAGE):
        subject = _("Please confirm your subscription")
        body = _("You asked to receive: %(topics)s. Confirm here: %(url)s") % {
            "topics": wording,
            "url": url,
        }
    # One request a channel a day: ticking boxes again and again sends one message, not one
    # a click (its link confirms what was asked first; the page says one is on its way).
    topic = topic or f"opt-in:{timezone.localdate().isoformat()}"
    return queue_notice(party, channel, topic=topic, subject=subject, body=body)


def _business() -> str:
    return business().display_name


# -- tasks ---------------------------------------------------------------------------------------


class TaskRefused(Problem):
    """A task that cannot be changed so (already done, snoozed into the past)."""


SNOOZE_DAYS = (1, 3, 7)


def do_finish_task(task, *, actor) -> None:
    """Done: the party's timeline says what was done and by whom."""
    with transaction.atomic():
        changed = Task.objects.filter(pk=task.pk, status=TaskStatus.OPEN).update(
            status=TaskStatus.DONE, done_at=timezone.now(), done_by=actor
        )
        if not changed:
            raise TaskRefused("task.already_done")
        record_activity(task.party_id, "task.done", actor=actor, data={"action": task.action})


def do_snooze_task(task, days: int, *, actor) -> None:
    if days not in SNOOZE_DAYS:
        raise TaskRefused("task.bad_snooze")
    until = timezone.localdate() + dt.timedelta(days=days)
    with transaction.atomic():
        changed = Task.objects.filter(pk=task.pk, status=TaskStatus.OPEN).update(
            snoozed_until=until
        )
        if not changed:
            raise TaskRefused("task.already_done")
        record_activity(
            task.party_id,
            "task.snoozed",
            actor=actor,
            data={"action": task.action, "until": until.isoformat()},
        )


def do_handle_next_action(party_id: int, action: dict, *, actor, days: int = 0) -> Task:
    """Done (days=0) or put off for days: a next best action from the Today page becomes a
    task of the person who handled it, on the party's timeline, and is not proposed again
    meanwhile."""
    if days and days not in SNOOZE_DAYS:
        raise TaskRefused("task.bad_snooze")  # before a task exists that nobody asked for
    today = timezone.localdate()
    with transaction.atomic():
        task, _created = Task.objects.get_or_create(
            dedupe_key=f"nba:{party_id}:{action.get('code', '')}:{today.isoformat()}",
            defaults={"party_id": party_id, "assignee": actor, "action": action, "due": today},
        )
        if days:
            do_snooze_task(task, days, actor=actor)
        else:
            do_finish_task(task, actor=actor)
    return task


# -- new subscribers (double opt-in) --------------------------------------------------------------


class SubscribeRefused(Problem):
    """A subscription request Patron cannot take (not an email address)."""


SUBSCRIBE_TOPICS = (Purpose.MARKETING, Purpose.NEWSLETTER)


def do_request_subscription(email: str, name: str, purposes: list[str], *, wording: str) -> bool:
    """Someone asked on the public form: they (a new party if the address is new) get a
    link to confirm; nothing is recorded as consent until they follow it. At most one
    confirmation an hour per address, so the form cannot be used to flood someone."""
    address = normalize_email(email or "")
    if not address:
        raise SubscribeRefused("subscribe.bad_email")
    chosen = [purpose for purpose in purposes if purpose in SUBSCRIBE_TOPICS]
    if not chosen:
        raise SubscribeRefused("subscribe.no_topic")
    with transaction.atomic():
        resolver = PartyResolver("subscribe", file_name="subscribe")
        identity = Identity(email=address, name=" ".join(name.split())[:200] or address)
        party = Party.objects.get(pk=resolver.resolve([identity], [0])[0])
        if not party.locale:  # they wrote to us in this language: we answer in it
            party.locale = (translation.get_language() or "")[:2]
            party.save(update_fields=["locale"])
        # One confirmation an hour per address, whoever fills in the form.
        hour = timezone.now().strftime("%Y%m%d%H")
        request = queue_opt_in_request(
            party, Channel.EMAIL, chosen, wording, topic=f"opt-in:form:{hour}"
        )
        return request is not None
