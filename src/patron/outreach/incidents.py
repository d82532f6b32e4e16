"""Incidents: find exactly the parties a problem touched, tell them at once, keep them told.

The affected parties are those with a purchase (not a cancelled or failed order) of one of
the incident's offerings in its window, or an engagement for one of them running in it (any
offering when the incident names none). Notices are service messages: they reach people who
refused marketing, are never capped, and are not held at night.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from patron.commerce.models import NOT_PURCHASED, Engagement, OrderLine
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
from .rules import KOREA


class IncidentRefused(Problem):
    """An incident change that cannot be made (no words, already resolved)."""


def affected_parties(incident: Incident) -> QuerySet[Party]:
    offerings = list(incident.offerings.values_list("pk", flat=True))
    bought = OrderLine.objects.filter(
        order__party=OuterRef("pk"),
        order__occurred_at__gte=incident.starts_at,
        order__occurred_at__lte=incident.ends_at,
    ).exclude(order__status__in=NOT_PURCHASED)
    served = Engagement.objects.filter(
        party=OuterRef("pk"), started_at__lte=incident.ends_at
    ).filter(Q(ended_at__isnull=True) | Q(ended_at__gte=incident.starts_at))
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
            "start": incident.starts_at.astimezone(KOREA).strftime("%Y-%m-%d %H:%M"),
            "end": incident.ends_at.astimezone(KOREA).strftime("%Y-%m-%d %H:%M"),
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
    incident: Incident, kind: str, subject: str, body: str, *, actor, now=None
) -> IncidentNotice:
    """Approve words and send them to every affected party on their reachable channel."""
    from .templating import check_template

    if not subject.strip() or not body.strip():
        raise IncidentRefused("incident.no_words")
    if incident.status == IncidentStatus.RESOLVED:
        raise IncidentRefused("incident.resolved")
    check_template(subject, body)
    with transaction.atomic():
        notice = IncidentNotice.objects.create(
            incident=incident, kind=kind, subject=subject, body=body, approved_by=actor
        )
        fields = sorted({"first_name", "business", "name"} & set(_fields(subject, body)))
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
