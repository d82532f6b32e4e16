"""Test sends: a message to the member looking, on the channel being tried, now (not through
the outbox: it is to a member of the team, not to a party, and nothing is recorded of it).
What the channel did is said as it happened: printed in demo mode, or accepted by the
provider (whether it arrives, the member's own phone or inbox tells).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _

from patron.core.business import Business, business
from patron.core.problems import Problem
from patron.parties.models import Channel

from . import links
from .channels import Outgoing, sender_for
from .channels.status import DEMO, channel_states
from .models import KakaoTemplate
from .templating import fill_kakao, texts_fit


class TrialRefused(Problem):
    """A test send that cannot be made (no address to send it to, a channel not set up)."""


@dataclass(frozen=True)
class TrialResult:
    demo: bool
    provider_id: str


def trial_message(channel: str, to: str, biz: Business, language: str) -> Outgoing:
    """What a test of a channel says: who sends it and from where."""
    with translation.override(language):
        if channel == Channel.EMAIL:
            subject = _("Test from %(business)s") % {"business": biz.display_name}
            text = _(
                "This test shows how your emails arrive: from %(sender)s, with your name on them."
            ) % {"sender": biz.email_from}
        else:
            subject = ""
            text = _("[%(business)s] A test text from your sender number %(number)s.") % {
                "business": biz.display_name,
                "number": biz.sms_sender or "-",
            }
    return Outgoing(to=to, subject=subject, text=text, message_id=unique_id(biz))


def unique_id(biz: Business) -> str:
    return f"<test-{uuid.uuid4().hex}@{links.message_id_domain(biz)}>"


def kakao_trial(template: KakaoTemplate, to: str, name: str, biz: Business) -> Outgoing:
    """A registered 알림톡 template filled for the member looking."""
    values = {"name": name, "first_name": name, "business": biz.display_name, "manager": name}
    text, variables = fill_kakao(template.text, template.variables, texts_fit(values))
    return Outgoing(
        to=to,
        subject="",
        text=text,
        message_id=unique_id(biz),
        template_code=template.code,
        variables=variables,
    )


def do_send_trial(channel: str, message: Outgoing, *, biz: Business | None = None) -> TrialResult:
    """Send a test now; raises TrialRefused when the channel cannot send, DeliveryFailure
    when the provider refused it."""
    biz = biz or business()
    if not message.to:
        raise TrialRefused(f"trial.no_address_{channel}")
    state = channel_states(biz)[channel]
    if not state.sends:
        raise TrialRefused("trial.channel_off", channel=channel, why=state.waits_reason)
    sender = sender_for(channel, biz)
    sender.open()
    try:
        provider_id = sender.send(sender.prepare(message))
    finally:
        sender.close()
    return TrialResult(demo=state.mode == DEMO, provider_id=provider_id)
