"""Whether each channel can send, and how: set up (a real provider), demo, or not set up.

- **live**: a real mail server or provider takes the messages; what it accepts is "sent", what
  it reports arrived is "delivered".
- **demo**: messages are printed on the console (what `make run` does); they are marked
  "demo: printed, not sent" and every page says the channel is in demo mode.
- **off**: no provider, no keys, no sender number...: messages wait, with the reason, and
  every outreach page says how many wait and why.

A live channel the provider refused as a whole (keys, balance, IP allow-list) is *paused*
until its retry time (``ChannelPause``): its messages wait too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from patron.core.business import Business, business
from patron.parties.models import Channel

from ..models import ChannelPause

LIVE, DEMO, OFF = "live", "demo", "off"
OUTREACH_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.KAKAO)
# Django email backends that deliver nothing anywhere: demo mode for email.
_NOWHERE = ("console", "locmem", "filebased", "dummy")


@dataclass(frozen=True)
class ChannelState:
    channel: str
    mode: str  # LIVE, DEMO or OFF
    provider: str  # "smtp", "postmark", "console", "solapi", "nhn", "demo", ""
    problem: dict | None = None  # why it is off, as a message
    paused: dict | None = None  # the provider's refusal while paused, as a message
    paused_until: dt.datetime | None = None

    @property
    def sends(self) -> bool:
        """Whether the courier takes this channel's messages now."""
        return self.mode != OFF and self.paused is None

    @property
    def waits_reason(self) -> dict | None:
        """Why this channel's messages wait, when they do."""
        if self.mode == OFF:
            return self.problem
        return self.paused


def waiting_reason(state: ChannelState) -> dict | None:
    """The reason a message queued on this channel now carries: why it waits, if it does."""
    if state.sends:
        return None
    return {"code": "outreach.held.channel", "channel": state.channel, "why": state.waits_reason}


def email_state(biz: Business) -> ChannelState:
    backend = settings.EMAIL_BACKEND.lower()
    if any(f".{name}." in backend for name in _NOWHERE):
        return ChannelState(Channel.EMAIL, DEMO, "console")
    provider = "smtp" if backend.endswith("smtp.emailbackend") else _anymail_name(backend)
    if not biz.from_address:
        return ChannelState(Channel.EMAIL, OFF, provider, {"code": "channel.no_from"})
    return ChannelState(Channel.EMAIL, LIVE, provider)


def _anymail_name(backend: str) -> str:
    # "anymail.backends.postmark.EmailBackend" -> "postmark"
    parts = backend.split(".")
    return parts[2] if len(parts) > 3 and parts[0] == "anymail" else parts[-2]


def text_state(channel: str, biz: Business) -> ChannelState:
    provider = biz.text_provider
    if provider == "demo":
        return ChannelState(channel, DEMO, "demo")
    if not provider:
        return ChannelState(channel, OFF, "", {"code": "channel.no_provider"})
    if biz.keys_unreadable and not biz.has_keys_for(provider):
        return ChannelState(channel, OFF, provider, {"code": "channel.keys_unreadable"})
    if not biz.has_keys_for(provider):
        return ChannelState(channel, OFF, provider, {"code": "channel.no_keys"})
    if not biz.sms_sender:
        # Kakao's SMS fallback needs it too, and both providers ask for it.
        return ChannelState(channel, OFF, provider, {"code": "channel.no_sender"})
    if channel == Channel.KAKAO:
        if not biz.kakao_sender_key:
            return ChannelState(channel, OFF, provider, {"code": "channel.no_kakao_key"})
        if provider == "nhn" and not biz.key("nhn_alimtalk_app_key"):
            return ChannelState(channel, OFF, provider, {"code": "channel.no_alimtalk_key"})
    return ChannelState(channel, LIVE, provider)


def channel_states(
    biz: Business | None = None, now: dt.datetime | None = None
) -> dict[str, ChannelState]:
    """Each outreach channel's state now (one read of the settings and the pauses)."""
    biz = biz or business()
    now = now or timezone.now()
    states = {Channel.EMAIL: email_state(biz)}
    for channel in (Channel.SMS, Channel.KAKAO):
        states[channel] = text_state(channel, biz)
    for pause in ChannelPause.objects.filter(retry_at__gt=now):
        state = states.get(pause.channel)
        if state is not None and state.mode == LIVE:
            states[pause.channel] = ChannelState(
                state.channel,
                state.mode,
                state.provider,
                paused=pause.reason,
                paused_until=pause.retry_at,
            )
    return states
