"""What a campaign will look like to a real party, before anything is sent."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from patron.core.business import business
from patron.parties.models import Channel, Party, RelationshipKind

from . import audience, links, rules
from .channels import Outgoing
from .models import ADVERTISING, PURPOSE_OF, Campaign
from .segments import segment_parties
from .services import template_snapshot
from .templating import (
    SmsSize,
    euc_kr_ready,
    fill_kakao,
    outside_euc_kr,
    render,
    sms_size,
    texts_fit,
)


@dataclass(frozen=True)
class Preview:
    party: Party
    variant: str
    subject: str
    html: str
    text: str
    sms: str
    sms_size: SmsSize
    kakao: str
    not_in_texts: list[str]  # characters a text message cannot carry (providers refuse them)


def example_parties(campaign: Campaign) -> dict[str, Party | None]:
    """A customer and a client of the segment, to preview both variants with real people."""
    parties = segment_parties(campaign.segment.filters).order_by("pk")
    return {
        kind: parties.filter(relationship__kind=kind).first()
        for kind in (RelationshipKind.CUSTOMER, RelationshipKind.CLIENT)
    }


def preview(campaign: Campaign, party: Party) -> Preview:
    snapshot = campaign.snapshot or template_snapshot(campaign.template, [])
    person = audience.people([party.pk], snapshot["fields"])[party.pk]
    variant = (
        RelationshipKind.CLIENT
        if person.kind == RelationshipKind.CLIENT
        else RelationshipKind.CUSTOMER
    )
    words = snapshot[variant]
    biz = business()
    values = audience.merge_values(person, snapshot["fields"], timezone.now(), biz)
    # Inert links: whoever looks is not the customer (links.inert).
    values["preferences_url"] = links.inert(links.preferences_url(party.pk))
    rendered = render(words["subject"], words["body"], values, markdown=words["markdown"])
    advertising = snapshot["message_class"] in ADVERTISING
    purpose = PURPOSE_OF[snapshot["message_class"]]
    email = rules.frame(
        rendered,
        channel=Channel.EMAIL,
        advertising=advertising,
        language=person.language,
        preferences_url=values["preferences_url"],
        unsubscribe_url=links.inert(links.unsubscribe_url(party.pk, Channel.EMAIL, purpose)),
        biz=biz,
    )
    sms = rules.frame(
        rendered,
        channel=Channel.SMS,
        advertising=advertising,
        language=person.language,
        preferences_url=values["preferences_url"],
        biz=biz,
    )
    kakao = ""
    if snapshot.get("kakao"):
        kakao = fill_kakao(snapshot["kakao"]["text"], snapshot["kakao"]["variables"], values)[0]
    return Preview(
        party=party,
        variant=variant,
        subject=email.subject,
        html=email.html,
        text=email.text,
        sms=sms.text,
        sms_size=sms_size(sms.text),
        kakao=kakao,
        not_in_texts=outside_euc_kr(sms.text),
    )


def preview_as_test(campaign: Campaign, party: Party, channel: str, to: str) -> Outgoing:
    """The preview for a party as a test to a member, on one channel: the email (its subject
    marked as a test), the text, or the 알림톡 with its fallback text. The links in it open
    nothing (links.inert), as in the preview."""
    from django.utils.translation import gettext as _

    from .trial import unique_id

    shown = preview(campaign, party)
    biz = business()
    if channel == Channel.EMAIL:
        return Outgoing(
            to=to,
            subject=_("[Test] %(subject)s") % {"subject": shown.subject},
            text=shown.text,
            html=shown.html,
            message_id=unique_id(biz),
        )
    snapshot = campaign.snapshot or template_snapshot(campaign.template, [])
    if channel == Channel.KAKAO and snapshot.get("kakao"):
        person = audience.people([party.pk], snapshot["fields"])[party.pk]
        values = audience.merge_values(person, snapshot["fields"], timezone.now(), biz)
        _text, variables = fill_kakao(
            snapshot["kakao"]["text"], snapshot["kakao"]["variables"], texts_fit(values)
        )
        return Outgoing(
            to=to,
            subject="",
            text=shown.kakao,
            message_id=unique_id(biz),
            template_code=snapshot["kakao"]["code"],
            variables=variables,
            fallback_text=euc_kr_ready(shown.sms),
        )
    return Outgoing(
        to=to, subject=shown.subject, text=euc_kr_ready(shown.sms), message_id=unique_id(biz)
    )
