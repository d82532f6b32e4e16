"""How the outreach app's messages read: skips, holds, failures, refusals, timeline entries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from patron.core.wording import number, say, span, wording
from patron.parties.models import Channel, Purpose

from .models import MessageClass


def topic_label(purpose: str) -> str:
    try:
        return str(Purpose(purpose).label)
    except ValueError:
        return purpose


def channel_label(channel: str) -> str:
    try:
        return str(Channel(channel).label)
    except ValueError:
        return channel


def class_label(message_class: str) -> str:
    try:
        return str(MessageClass(message_class).label)
    except ValueError:
        return message_class


def _local(moment: str) -> str:
    from .rules import KOREA

    try:
        return dt.datetime.fromisoformat(moment).astimezone(KOREA).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return moment


# -- refusals ------------------------------------------------------------------------------------


@wording("template.unknown_field")
def _unknown_field(field: str, allowed: list[str] = (), **_rest: Any) -> str:
    return _("“%(field)s” is not a merge field. Use one of: %(allowed)s.") % {
        "field": field,
        "allowed": ", ".join(f"{{{{ {name} }}}}" for name in allowed),
    }


@wording("template.syntax")
def _syntax(snippet: str = "", **_rest: Any) -> str:
    return _(
        "Templates may only use merge fields such as {{ first_name }}; this is not allowed: "
        "%(snippet)s"
    ) % {"snippet": snippet}


@wording("segment.unknown_filter")
def _unknown_filter(filter: str, **_rest: Any) -> str:
    return _("“%(filter)s” is not a filter Patron knows.") % {"filter": filter}


@wording("segment.bad_choice")
def _bad_choice(filter: str, value: str, **_rest: Any) -> str:
    return _("“%(value)s” is not a choice for %(filter)s.") % {"value": value, "filter": filter}


@wording("segment.not_a_number")
def _not_a_number(filter: str, **_rest: Any) -> str:
    return _("%(filter)s must be a number.") % {"filter": filter}


@wording("segment.not_a_date")
def _not_a_date(filter: str, value: str = "", **_rest: Any) -> str:
    return _("%(filter)s must be a date like 2026-03-01, not “%(value)s”.") % {
        "filter": filter,
        "value": value,
    }


@wording("segment.negative")
def _negative(filter: str, **_rest: Any) -> str:
    return _("%(filter)s cannot be below zero.") % {"filter": filter}


@wording("campaign.kakao_no_ads")
def _kakao_no_ads(**_rest: Any) -> str:
    return _(
        "KakaoTalk 알림톡 carries information only: Kakao does not allow advertising through "
        "it. Send promotions by email or SMS."
    )


@wording("campaign.no_subject")
def _no_subject(**_rest: Any) -> str:
    return _("An email needs a subject: give the template one.")


# -- what happened to a message ----------------------------------------------------------------


@wording("outreach.skip.no_consent")
def _no_consent(**_rest: Any) -> str:
    return _("Not sent: no recorded consent for this kind of message on this channel")


@wording("outreach.skip.unsubscribed")
def _unsubscribed(**_rest: Any) -> str:
    return _("Not sent: they said no to this kind of message")


@wording("outreach.skip.suppressed")
def _suppressed(**_rest: Any) -> str:
    return _("Not sent: the address bounced or complained before")


@wording("outreach.skip.unreachable")
def _unreachable(**_rest: Any) -> str:
    return _("Not sent: no address on this channel")


@wording("outreach.skip.holdout")
def _holdout(percent: int = 0, **_rest: Any) -> str:
    if not percent:
        return _("Not sent: kept out at random to measure what the message does")
    return _("Not sent: one of the %(percent)s%% kept out at random to measure what it does") % {
        "percent": percent
    }


@wording("outreach.skip.capped")
def _capped(max: int, days: int, **_rest: Any) -> str:
    return ngettext(
        "Not sent: they already had %(max)s message like this in %(days)s days",
        "Not sent: they already had %(max)s messages like this in %(days)s days",
        max,
    ) % {"max": number(max), "days": number(days)}


@wording("outreach.skip.too_long")
def _too_long(**_rest: Any) -> str:
    return _("Not sent: longer than an LMS can carry (2,000 bytes)")


@wording("outreach.skip.basis_expired")
def _basis_expired(**_rest: Any) -> str:
    return _("Not sent: six months have passed since their last purchase, and they never agreed")


@wording("outreach.held.quiet_hours")
def _held(until: str = "", **_rest: Any) -> str:
    return _("Held for the night-time rule until %(time)s (Korean time)") % {"time": _local(until)}


@wording("outreach.retry")
def _retry(error: str = "", attempts: int = 1, **_rest: Any) -> str:
    return ngettext(
        "Could not be sent yet (%(error)s); tried %(n)s time, trying again later",
        "Could not be sent yet (%(error)s); tried %(n)s times, trying again later",
        attempts,
    ) % {"error": error, "n": number(attempts)}


@wording("outreach.recheck")
def _recheck(**_rest: Any) -> str:
    return _("Waiting to go again; the provider is asked first whether an earlier try reached it")


@wording("outreach.failed")
def _failed(error: str = "", detail: str = "", fallback: str = "", **_rest: Any) -> str:
    if detail:
        return _("Could not be delivered: %(detail)s (%(error)s)") % {
            "detail": detail,
            "error": error,
        }
    return _("Could not be delivered (%(error)s)") % {"error": error}


@wording("outreach.skip.cannot_advertise")
def _cannot_advertise(**_rest: Any) -> str:
    return _(
        "Not sent: no channel can carry advertising as the business is set up (a text needs "
        "the free 080 refusal number, every advertisement your name and contact)"
    )


@wording("outreach.skip.cancelled")
def _skip_cancelled(**_rest: Any) -> str:
    return _("Not sent: the campaign was cancelled")


@wording("outreach.held.paused")
def _held_paused(**_rest: Any) -> str:
    return _("Held: the campaign is paused")


@wording("outreach.held.channel")
def _held_channel(channel: str = "", why=None, **_rest: Any) -> str:
    return _("Waiting: %(channel)s cannot send yet. %(why)s") % {
        "channel": channel_label(channel),
        "why": say(why),
    }


# What a provider's account-level refusal means for the owner, by its code (the providers'
# own tables: channels.solapi, channels.nhn); any other is "refused the account".
_ACCOUNT_REFUSALS = {
    "keys": {
        "solapi.InvalidAPIKey",
        "solapi.SignatureDoesNotMatch",
        "solapi.1020",
        "nhn.-1000",
        "nhn.-1001",
        "nhn-at.-1000",
        "nhn-at.-1001",
    },
    "balance": {"solapi.NotEnoughBalance", "solapi.1030", "solapi.2230"},
    "sender": {
        "solapi.1062",
        "solapi.2062",
        "solapi.3013",
        "solapi.3059",
        "nhn.-2312",
        "nhn.-2313",
        "nhn-at.-1003",
    },
    "allow_list": {"solapi.Forbidden", "nhn.-1004"},
    "clock": {"solapi.RequestTimeTooSkewed"},
    "optout": {"nhn.-6000", "nhn.-6004"},
}
_PROVIDER_NAMES = {"solapi": "Solapi", "nhn": "NHN Cloud", "nhn-at": "NHN Cloud"}


@wording("outreach.paused")
def _channel_paused(error: str = "", detail: str = "", **_rest: Any) -> str:
    kind = next((k for k, codes in _ACCOUNT_REFUSALS.items() if error in codes), "")
    why = {
        "keys": _("the provider refused the keys"),
        "balance": _("the provider account's balance ran out"),
        "sender": _("the sender number is not registered with the provider"),
        "allow_list": _("the provider does not accept requests from this server's address"),
        "clock": _("this server's clock is off by more than 15 minutes"),
        "optout": _("the 080 refusal service is not joined at the provider"),
    }.get(kind) or _("the provider refused the account")
    provider = _PROVIDER_NAMES.get(error.partition(".")[0], "")
    said = detail or error
    return f"{why} ({provider}: {said})" if provider and said else why


def failure_words(failure) -> str:
    """A DeliveryFailure as an owner reads it: what it means, the provider's own words after,
    never a library's exception text."""
    from .channels import ChannelRefused

    if isinstance(failure, ChannelRefused):
        return say({"code": "outreach.paused", "error": failure.code, "detail": failure.detail})
    source = failure.code.partition(".")[0]
    if failure.code.endswith(".unreachable"):
        if source == "email":
            return _("the mail server could not be reached; try again in a while")
        return _("%(provider)s could not be reached; try again in a while") % {
            "provider": _PROVIDER_NAMES.get(source, source)
        }
    return f"{failure.detail} ({failure.code})" if failure.detail else failure.code


# -- what a channel needs -----------------------------------------------------------------------


@wording("channel.no_provider")
def _no_provider(**_rest: Any) -> str:
    return _("no text-message provider is set up")


@wording("channel.no_keys")
def _no_keys(**_rest: Any) -> str:
    return _("the provider's API keys are missing")


@wording("channel.keys_unreadable")
def _keys_unreadable(**_rest: Any) -> str:
    return _(
        "the saved API keys cannot be read (the server's SECRET_KEY changed): enter them again"
    )


@wording("channel.no_sender")
def _no_sender_number(**_rest: Any) -> str:
    return _("no registered sender number (발신번호) is set")


@wording("channel.no_kakao_key")
def _no_kakao_key(**_rest: Any) -> str:
    return _("no KakaoTalk channel sender key is set")


@wording("channel.no_alimtalk_key")
def _no_alimtalk_key(**_rest: Any) -> str:
    return _("NHN Cloud's 알림톡 app key is missing")


@wording("channel.no_from")
def _no_from(**_rest: Any) -> str:
    return _("no address to send emails from is set")


# -- delivery reports ----------------------------------------------------------------------------


@wording("delivery.delivered")
def _delivered(fallback: str = "", **_rest: Any) -> str:
    if fallback:
        return _("Delivered as a text message (%(kind)s): KakaoTalk could not deliver it") % {
            "kind": fallback
        }
    return _("Delivered")


@wording("delivery.failed")
def _delivery_failed(error: str = "", detail: str = "", **_rest: Any) -> str:
    return _failed(error=error, detail=detail)


@wording("delivery.no_report")
def _no_report(**_rest: Any) -> str:
    return _("Sent; the carrier never reported whether it arrived")


@wording("delivery.unconfirmed")
def _unconfirmed(**_rest: Any) -> str:
    return _("Sent; KakaoTalk could not confirm it was received")


@wording("basis.consent")
def _basis_consent(**_rest: Any) -> str:
    return _("They agreed to it")


@wording("basis.service")
def _basis_service(**_rest: Any) -> str:
    return _("A service message: no consent needed")


@wording("basis.survey_service")
def _basis_survey(**_rest: Any) -> str:
    return _("A survey about what they bought, with no reward: no consent needed unless refused")


@wording("basis.transaction")
def _basis_transaction(purchased: str, expires: str, **_rest: Any) -> str:
    return _(
        "Bought the same kind of goods on %(purchased)s (exception valid until %(expires)s)"
    ) % {"purchased": purchased, "expires": expires}


@wording(
    "activity.outreach.queued",
    "activity.outreach.held",
    "activity.outreach.sending",
    "activity.outreach.sent",
    "activity.outreach.delivered",
    "activity.outreach.demo",
    "activity.outreach.failed",
    "activity.outreach.skipped",
)
def _message_entry(
    status: str,
    channel: str,
    message_class: str,
    name: str = "",
    reason=None,
    report=None,
    **_rest: Any,
) -> str:
    what = name or class_label(message_class)
    parts = {"what": what, "channel": channel_label(channel)}
    if status == "sent":
        line = _("%(what)s sent by %(channel)s") % parts
    elif status == "delivered":
        line = _("%(what)s delivered by %(channel)s") % parts
    elif status == "demo":
        line = _("%(what)s by %(channel)s: demo, printed, not sent") % parts
    elif status in ("queued", "sending", "held"):
        line = _("%(what)s waiting to be sent by %(channel)s") % parts
    elif status == "failed":
        line = _("%(what)s could not be delivered by %(channel)s") % parts
    else:
        line = _("%(what)s not sent") % parts
    note = report if status in ("sent", "delivered") and report else reason
    return f"{line}. {say(note)}" if note else line


@wording("campaign.kakao_no_template")
def _kakao_no_template(**_rest: Any) -> str:
    return _(
        "A KakaoTalk 알림톡 can only be sent with a template registered with Kakao: choose one "
        "for this template first."
    )


@wording("kakao.unmapped_variable")
def _unmapped_variable(variable: str, **_rest: Any) -> str:
    return _("Say which merge field fills %(variable)s.") % {"variable": variable}


def report_label(key: str) -> str:
    """A campaign report's key ("sent_email", "skipped_capped") in the reader's words."""
    from .models import OutboxStatus

    status, _sep, rest = key.partition("_")
    if status == "skipped":
        return say({"code": f"outreach.skip.{rest}"})
    if status == "waiting":
        return _("Waiting: %(channel)s not set up") % {"channel": channel_label(rest)}
    try:
        state = str(OutboxStatus(status).label)
    except ValueError:
        return key
    return f"{state} ({channel_label(rest)})"


# -- tasks and the daily plan ------------------------------------------------------------------


@wording("task.check_in")
def _task_check_in(days: int = 90, **_rest: Any) -> str:
    return ngettext(
        "Check in: nobody has been in touch for %(days)s day",
        "Check in: nobody has been in touch for %(days)s days",
        days,
    ) % {"days": number(days)}


def _action(action) -> str:
    return say(action) if action else ""


@wording("activity.task.done")
def _task_done(action=None, **_rest: Any) -> str:
    return _("Done: %(action)s") % {"action": _action(action)}


@wording("activity.task.snoozed")
def _task_snoozed(action=None, until: str = "", **_rest: Any) -> str:
    return _("Put off until %(date)s: %(action)s") % {"date": until, "action": _action(action)}


@wording("task.already_done")
def _task_already_done(**_rest: Any) -> str:
    return _("This task is already done.")


@wording("task.bad_snooze")
def _task_bad_snooze(**_rest: Any) -> str:
    return _("A task can be put off by 1, 3 or 7 days.")


# -- next best actions ---------------------------------------------------------------------------


def _quiet(days: int) -> str:
    return ngettext("quiet for %(n)s day", "quiet for %(n)s days", days) % {"n": number(days)}


def action_label(code: str) -> str:
    """A next best action's kind, in a few words (the conversion follow-up's rows)."""
    labels = {
        "nba.call": _("A personal call"),
        "nba.offer": _("A tailored offer"),
        "nba.survey": _("A short survey"),
        "nba.invite": _("A personal invitation to become a client"),
    }
    return str(labels.get(code, code))


@wording("nba.call")
def _nba_call(days: int = 0, **_rest: Any) -> str:
    return _(
        "Personal call from their account manager: a client %(quiet)s. Ask how things are; "
        "do not lead with a discount."
    ) % {"quiet": _quiet(days)}


@wording("nba.tailored_offer")
def _nba_offer(days: int = 0, value: int = 0, **_rest: Any) -> str:
    return _("A tailored offer: a valuable customer (12-month value %(value)s) %(quiet)s.") % {
        "value": number(value),
        "quiet": _quiet(days),
    }


@wording("nba.check_in")
def _nba_check_in(days: int = 0, **_rest: Any) -> str:
    return _("A short check-in message: %(quiet)s.") % {"quiet": _quiet(days)}


@wording("nba.survey")
def _nba_survey(days: int = 0, **_rest: Any) -> str:
    return _("A survey asking what we could do better: %(quiet)s, likely lost.") % {
        "quiet": _quiet(days)
    }


@wording("nba.booked_ahead")
def _nba_booked_ahead(in_days: float = 0, **_rest: Any) -> str:
    if in_days < 1:
        return _("None for now: they have a booking later today.")
    return _("None for now: they have a booking in %(span)s.") % {"span": span(in_days)}


@wording("nba.invite")
def _nba_invite(chance: float = 0, **_rest: Any) -> str:
    return _(
        "Invite them into a closer relationship: a personal call offering tailored service "
        "(%(chance)s likely to become a client)."
    ) % {"chance": f"{chance:.0%}"}


@wording("incident.no_words")
def _incident_no_words(**_rest: Any) -> str:
    return _("Write the subject and the message before sending.")


@wording("incident.resolved")
def _incident_resolved(**_rest: Any) -> str:
    return _("This incident is resolved: nothing more is sent about it.")


# -- events ---------------------------------------------------------------------------------------


@wording("event.full")
def _event_full(**_rest: Any) -> str:
    return _("Sorry, every place is taken.")


@wording("activity.event.rsvp")
def _event_rsvp(event: str = "", coming: bool = True, **_rest: Any) -> str:
    if coming:
        return _("Will come to %(event)s") % {"event": event}
    return _("Will not come to %(event)s") % {"event": event}


@wording("activity.event.attended")
def _event_attended(event: str = "", **_rest: Any) -> str:
    return _("Came to %(event)s") % {"event": event}


@wording("subscribe.bad_email")
def _subscribe_bad_email(**_rest: Any) -> str:
    return _("Please give an email address like name@example.com.")


@wording("subscribe.no_topic")
def _subscribe_no_topic(**_rest: Any) -> str:
    return _("Choose at least one kind of news to receive.")


@wording("subscribe.too_many")
def _subscribe_too_many(**_rest: Any) -> str:
    return _("Too many sign-ups came from here in the last hour. Please try again later.")


@wording("campaign.personal")
def _campaign_personal(**_rest: Any) -> str:
    return _("A personal message goes to one person: choose another kind for a campaign.")


@wording("campaign.no_sender")
def _campaign_no_sender(**_rest: Any) -> str:
    return _(
        "An advertisement must say how to reach you: give your business's phone number on "
        "Business settings."
    )


@wording("campaign.no_business_name")
def _campaign_no_business_name(**_rest: Any) -> str:
    return _(
        "An advertisement must name who sends it: give your business's name on Business settings."
    )


@wording("campaign.no_optout_number")
def _campaign_no_optout(**_rest: Any) -> str:
    return _(
        "An advertising text must end with a free way to refuse: give your 080 refusal "
        "number (무료수신거부) on Business settings, or send this by email."
    )


@wording("campaign.paused_from")
def _campaign_paused_from(held: int = 0, **_rest: Any) -> str:
    return ngettext(
        "Paused: %(n)s message is held until it is resumed",
        "Paused: %(n)s messages are held until it is resumed",
        held,
    ) % {"n": number(held)}


@wording("campaign.not_pausable", "campaign.not_paused", "campaign.not_cancellable")
def _campaign_wrong_state(status: str = "", **_rest: Any) -> str:
    from .models import CampaignStatus

    try:
        label = str(CampaignStatus(status).label)
    except ValueError:
        label = status
    return _("A campaign that is “%(status)s” cannot be changed that way.") % {"status": label}


@wording("campaign.archive_active")
def _campaign_archive_active(**_rest: Any) -> str:
    return _("Pause or cancel the campaign before archiving it: it may still send.")


@wording("segment.too_large")
def _segment_too_large(filter: str, most: float = 0, **_rest: Any) -> str:
    return _("%(filter)s can be at most %(most)s.") % {"filter": filter, "most": number(most)}


@wording("plan.running")
def _plan_running(day: str = "", **_rest: Any) -> str:
    return _("The plan for %(day)s is running in another process.") % {"day": day}


# -- test sends --------------------------------------------------------------------------------


@wording("trial.no_address_email")
def _trial_no_email(**_rest: Any) -> str:
    return _("Add your email address on My profile first: the test goes there.")


@wording("trial.no_address_sms", "trial.no_address_kakao")
def _trial_no_phone(**_rest: Any) -> str:
    return _("Add your mobile number on My profile first: the test goes there.")


@wording("trial.channel_off")
def _trial_channel_off(channel: str = "", why=None, **_rest: Any) -> str:
    return _("%(channel)s cannot send now: %(why)s") % {
        "channel": channel_label(channel),
        "why": say(why),
    }


@wording("campaign.service_looks_like_ad")
def _service_looks_like_ad(signs: str = "", **_rest: Any) -> str:
    return _(
        "This service message reads like advertising (%(signs)s). A service message reaches "
        "people who refused advertising, also at night. If it advertises, make it a promotion; "
        "if it does not, confirm that it carries no advertising."
    ) % {"signs": signs}


@wording("incident.looks_like_ad")
def _incident_looks_like_ad(signs: str = "", **_rest: Any) -> str:
    return _(
        "This notice reads like advertising (%(signs)s). A notice about a problem reaches "
        "everyone affected, whatever they agreed to: remove the offer, or confirm that it "
        "carries no advertising."
    ) % {"signs": signs}


@wording("campaign.not_euc_kr")
def _campaign_not_euc_kr(characters: str = "", **_rest: Any) -> str:
    return _(
        "A text message cannot carry these characters: %(characters)s. Providers refuse every "
        "message that has them. Remove them, or send this campaign by email only."
    ) % {"characters": characters}


# -- links in templates, incident notices ---------------------------------------------------------


def _as_fields(names: list[str]) -> str:
    return ", ".join(f"{{{{ {name} }}}}" for name in names)


@wording("template.field_in_link")
def _field_in_link(field: str = "", allowed: list[str] = (), **_rest: Any) -> str:
    return _(
        "A link or image address cannot contain %(field)s. Only %(allowed)s may be used, "
        "as the whole address."
    ) % {"field": _as_fields([field]), "allowed": _as_fields(allowed)}


@wording("template.link_scheme")
def _link_scheme(link: str = "", **_rest: Any) -> str:
    return _(
        "A link must start with https://, http:// or mailto:. This one cannot be used: %(link)s"
    ) % {"link": link}


@wording("incident.unknown_field")
def _incident_unknown_field(field: str = "", allowed: list[str] = (), **_rest: Any) -> str:
    return _("A notice cannot fill %(field)s. Use only: %(allowed)s.") % {
        "field": _as_fields([field]),
        "allowed": _as_fields(allowed),
    }


@wording("outreach.held.by_owner")
def _held_by_owner(**_rest: Any) -> str:
    return _("Held by an owner: it goes when they let it go")


@wording("consent.bad_choice")
def _consent_bad_choice(**_rest: Any) -> str:
    return _("Choose the channel, what it is about, and how the person told you.")


@wording("consent.no_wording")
def _consent_no_wording(**_rest: Any) -> str:
    return _("Write what the person agreed to, as they saw or heard it: it is the evidence.")


@wording("consent.future")
def _consent_future(**_rest: Any) -> str:
    return _("The person cannot have decided on a day still to come.")


@wording("subscribe.privacy")
def _subscribe_privacy(**_rest: Any) -> str:
    return _(
        "Please agree to the collection and use of your personal data: without it we cannot "
        "send you anything."
    )


@wording("subscribe.no_address")
def _subscribe_no_address(**_rest: Any) -> str:
    return _("Give an email address, or a mobile number with “also by text message” ticked.")


@wording("subscribe.bad_phone")
def _subscribe_bad_phone(**_rest: Any) -> str:
    return _("Please give a mobile number like 010-1234-5678.")


@wording("subscribe.code_sent_already")
def _subscribe_code_sent(**_rest: Any) -> str:
    return _("A code went to this number a moment ago. Please wait a few minutes and try again.")


@wording("subscribe.code_expired")
def _subscribe_code_expired(**_rest: Any) -> str:
    return _("This code has expired. Please sign up again to get a new one.")


@wording("subscribe.code_tries")
def _subscribe_code_tries(**_rest: Any) -> str:
    return _("Too many wrong codes. Please sign up again to get a new one.")


@wording("subscribe.code_wrong")
def _subscribe_code_wrong(**_rest: Any) -> str:
    return _("That is not the code we sent. Please check the text message and try again.")


@wording("campaign.kakao_not_approved")
def _kakao_not_approved(status: str = "", **_rest: Any) -> str:
    from .models import KakaoTemplateStatus

    try:
        label = str(KakaoTemplateStatus(status).label)
    except ValueError:
        label = status
    return _(
        "Its KakaoTalk template is not approved by Kakao (%(status)s): Kakao refuses to deliver "
        "it. Mark it approved on Contact rules once Kakao has approved it."
    ) % {"status": label}


@wording("segment.min_above_max")
def _segment_min_above_max(low: float = 0, high: float = 0, **_rest: Any) -> str:
    return _(
        "The value at least (%(low)s) is above the value at most (%(high)s): nobody could match."
    ) % {"low": number(low), "high": number(high)}


@wording("event.past")
def _event_past(**_rest: Any) -> str:
    return _("That time has passed: an event needs a time still to come.")


@wording("event.no_places")
def _event_no_places(**_rest: Any) -> str:
    return _("An event needs at least one place (leave it empty for no limit).")


@wording("event.cancelled")
def _event_cancelled(**_rest: Any) -> str:
    return _("This event is cancelled.")


@wording("activity.event.cancelled")
def _event_cancelled_entry(event: str = "", **_rest: Any) -> str:
    return _("Told that %(event)s is cancelled") % {"event": event}


@wording("suppression.no_reason")
def _suppression_no_reason(**_rest: Any) -> str:
    return _("Say why the address may be used again: the reason is kept with the change.")


@wording("activity.suppression.lifted")
def _suppression_lifted(address: str = "", reason: str = "", **_rest: Any) -> str:
    return _("%(address)s may be used again: %(reason)s") % {"address": address, "reason": reason}


@wording("consent.before_refusal")
def _consent_before_refusal(refused: str = "", **_rest: Any) -> str:
    return _(
        "They said no on %(date)s: a yes given before that day cannot outrank it. Record "
        "a yes they give now, with today's date."
    ) % {"date": refused}


@wording("suppression.person_refused")
def _suppression_person_refused(**_rest: Any) -> str:
    return _(
        "The person refused this themselves (a spam complaint, or the 080 refusal list, which "
        "the provider keeps too): it cannot be lifted here."
    )
