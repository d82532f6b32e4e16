"""How a message leaves Patron: one sender per channel, all with the same small interface.

A sender is opened once per batch (one SMTP connection, one HTTP session), sends one
``Outgoing`` at a time and returns the provider's id for it, and says what went wrong with
``TemporaryFailure`` (try again later) or ``PermanentFailure`` (never; maybe suppress the
address). The courier (outreach.delivery) does the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from patron.parties.models import Channel


@dataclass(frozen=True)
class Outgoing:
    to: str
    subject: str
    text: str
    html: str = ""
    message_id: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    # KakaoTalk 알림톡: the registered template's code and its variables.
    template_code: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    fallback_text: str = ""  # the SMS sent when KakaoTalk cannot deliver


class DeliveryFailure(Exception):
    def __init__(self, code: str, detail: str = "", *, suppress: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail[:300]
        self.suppress = suppress  # a SuppressionReason when the address must not be used again


class TemporaryFailure(DeliveryFailure):
    """Try again later (server down, busy, rate limited). ``connection_lost``: stop this
    batch, the rest would fail the same way."""

    def __init__(self, code: str, detail: str = "", *, connection_lost: bool = False) -> None:
        super().__init__(code, detail)
        self.connection_lost = connection_lost


class PermanentFailure(DeliveryFailure):
    """Trying again would fail the same way (no such address, blocked number, bad key)."""


class Sender:
    channel = ""

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def prepare(self, message: Outgoing):
        """The message made ready to send (encoded), in the composing thread: no database,
        no network."""
        return message

    def send(self, message) -> str:
        """Send a prepared message; the provider's id for it."""
        raise NotImplementedError


def sender_for(channel: str) -> Sender:
    if channel == Channel.EMAIL:
        from .email import EmailSender

        return EmailSender()
    from .texts import text_sender

    return text_sender(channel, settings.PATRON_SMS_PROVIDER)
