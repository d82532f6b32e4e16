"""Incidents: find exactly the parties a problem touched, tell them at once, keep them told.

The affected parties are those with a purchase (not a cancelled or failed order) of one of
the incident's offerings in its window, or an engagement for one of them running in it (any
offering when the incident names none) that was not cancelled or missed. Notices are service
messages: they reach people who refused marketing, are never capped, and are not held at
night.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from patron.commerce.models import NOT_PURCHASED, NOT_SERVED, Engagement, OrderLine
from patron.core.formats import long_datetime
from patron.core.problems import Problem
from patron.parties.models import Party
from patron.parties.queries import live_parties

from .models import (
    CampaignChannel,
    Incident,
    IncidentNotice,
    IncidentNoticeKind,
    IncidentStatus,
    MessageClass,
    OutboxMessage,
)
from .planner import Mailing, do_plan_mailing


class IncidentRefused(Problem):
    """An incident change that cannot be made (no words, already resolved, a merge field a
    notice cannot fill)."""


# What a notice can fill: what the planner fills for anyone (audience.merge_values), and the
# preferences link the courier adds to every message. Not rsvp_url: it belongs to an event.
NOTICE_FIELDS = frozenset(
    {"name", "first_name", "business", "manager", "years", "since", "preferences_url"}
)


def affected_parties(incident: Incident) -> QuerySet[Party]:
    offerings = list(incident.offerings.values_list("pk", flat=True))
    bought = OrderLine.objects.filter(
        order__party=OuterRef("pk"),
        order__occurred_at__gte=incident.starts_at,
        order__occurred_at__lte=incident.ends_at,
    ).exclude(order__status__in=NOT_PURCHASED)
    # A cancelled booking or a no-show was never served: the problem did not touch them. A
    # booking still ahead inside the window is (the notice tells them before they come).
    served = (
        Engagement.objects.filter(party=OuterRef("pk"), started_at__lte=incident.ends_at)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=incident.starts_at))
        .exclude(status__in=NOT_SERVED)
    )
    if offerings:
        bought = bought.filter(offering_id__in=offerings)
        served = served.filter(offering_id__in=offerings)
    return live_parties().filter(Q(Exists(bought)) | Q(Exists(served)))


def draft_notice(incident: Incident) -> tuple[str, str]:
    """A first notice to start from, in the business's message language."""
    names = ", ".join(incident.offerings.values_list("name", flat=True)[:5])
    with translation.override(settings.PATRON_MESSAGE_LANGUAGE):
        subject = _("About a problem with your order: %(title)s") % {"title": incident.title}
        window = _("between %(start)s and %(end)s") % {
            "start": long_datetime(incident.starts_at, settings.PATRON_MESSAGE_LANGUAGE),
            "end": long_datetime(incident.ends_at, settings.PATRON_MESSAGE_LANGUAGE),
        }
        what = (
            _("It affects %(offerings)s bought or served %(window)s.")
            % {"offerings": names, "window": window}
            if names
            else _("It affects orders and appointments %(window)s.") % {"window": window}
        )
        body = "\n\n".join(
            part
            for part in (
                _("{{ first_name }}, we are sorry: %(title)s.") % {"title": incident.title},
                what,
                incident.description.strip(),
                _("We will tell you as soon as we know more. — {{ business }}"),
            )
            if part
        )
    return subject, body


def do_send_notice(
    incident: Incident,
    kind: str,
    subject: str,
    body: str,
    *,
    actor,
    now=None,
    not_advertising: bool = False,
) -> IncidentNotice:
    """Approve words and send them to every affected party on their reachable channel.
    Words that read as an offer need ``not_advertising``: the approver saw them and says the
    notice carries no advertising (a notice reaches everyone, whatever they agreed to)."""
    from .rules import advertising_signs
    from .templating import check_template

    if not subject.strip() or not body.strip():
        raise IncidentRefused("incident.no_words")
    if incident.status == IncidentStatus.RESOLVED:
        raise IncidentRefused("incident.resolved")
    check_template(subject, body)
    fields = check_notice_fields(subject, body)
    signs = advertising_signs(subject, body)
    if signs and not not_advertising:
        raise IncidentRefused("incident.looks_like_ad", signs=", ".join(signs[:8]))
    with transaction.atomic():
        notice = IncidentNotice.objects.create(
            incident=incident, kind=kind, subject=subject, body=body, approved_by=actor
        )
        words = {"subject": subject, "body": body, "markdown": False}
        mailing = Mailing(
            key=f"incident:{incident.pk}:notice:{notice.pk}",
            snapshot={
                "message_class": MessageClass.SERVICE,
                "fields": fields,
                "customer": words,
                "client": words,
                "advertises": [],
            },
            channel=CampaignChannel.BEST,
            topic=f"incident:{incident.pk}",
        )
        # Everyone told before hears the update too, and anyone found affected since.
        told = OutboxMessage.objects.filter(topic=f"incident:{incident.pk}")
        ids = set(affected_parties(incident).values_list("pk", flat=True))
        ids.update(told.values_list("party_id", flat=True))
        moment = now or timezone.now()
        notice.planned = do_plan_mailing(mailing, ids, moment=moment).as_dict()
        notice.save(update_fields=["planned"])
        status = (
            IncidentStatus.RESOLVED
            if kind == IncidentNoticeKind.RESOLUTION
            else IncidentStatus.OPEN
        )
        Incident.objects.filter(pk=incident.pk).update(
            status=status,
            resolved_at=timezone.now() if status == IncidentStatus.RESOLVED else None,
        )
    incident.refresh_from_db()
    return notice


def check_notice_fields(*texts: str) -> list[str]:
    """The merge fields the words use, refusing one a notice would leave empty."""
    used = _fields(*texts)
    unfilled = sorted(used - NOTICE_FIELDS)
    if unfilled:
        raise IncidentRefused(
            "incident.unknown_field", field=unfilled[0], allowed=sorted(NOTICE_FIELDS)
        )
    return sorted(used)


def _fields(*texts: str) -> set[str]:
    from .templating import _FIELD

    return {match.group(1) for text in texts for match in _FIELD.finditer(text)}


def who_was_told(incident: Incident):
    """Every message about the incident: to whom, which notice, which channel, what became
    of it."""
    return (
        OutboxMessage.objects.filter(topic=f"incident:{incident.pk}")
        .select_related("party")
        .order_by("dedupe_key")
    )


def incident_report(incident: Incident) -> dict[str, int]:
    """How many of the incident's messages are in each state, and why those not sent were not
    (the same keys as a campaign's report)."""
    from .queries import outbox_report

    return outbox_report(OutboxMessage.objects.filter(topic=f"incident:{incident.pk}"))
