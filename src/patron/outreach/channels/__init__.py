"""How a message leaves Patron: one sender per channel, all with the same small interface.

A sender is opened once per batch (one SMTP connection, one HTTP session), sends one
``Outgoing`` at a time and returns the provider's id for it, and says what went wrong with
``TemporaryFailure`` (try again later) or ``PermanentFailure`` (never; maybe suppress the
address). The courier (outreach.delivery) does the rest.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from patron.core.business import Business
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
    attempt: int = 0  # tries recorded before this one (a provider's idempotency key uses it)
    # An earlier try may have reached the provider (the courier died, or the connection
    # dropped, before its answer was read): the sender looks for it before sending again.
    unsure: bool = False


def message_key(message: Outgoing) -> str:
    """The message's own label at the provider (NHN's recipientGroupingKey, a Solapi custom
    field): the same on every try, so an earlier try can be found by it."""
    return "patron-" + hashlib.sha256(message.message_id.encode()).hexdigest()[:32]


DELIVERED, FAILED, PENDING, UNCONFIRMED = "delivered", "failed", "pending", "unconfirmed"


@dataclass(frozen=True)
class Receipt:
    """What a provider reports about a message it accepted."""

    state: str  # DELIVERED, FAILED, PENDING, or UNCONFIRMED (sent, arrival never reported)
    code: str = ""  # the provider's own code ("solapi.3043", "nhn-at.3019")
    detail: str = ""  # the provider's words for it
    fallback: str = ""  # "SMS"/"LMS": KakaoTalk could not deliver, a text went instead
    suppress: str = ""  # a SuppressionReason: the number will never take a message


def split_number(e164: str) -> tuple[str, str]:
    """(country calling code, national number) of an E.164 number: "+821012345678" ->
    ("82", "01012345678"). Korean numbers keep their trunk 0, as Korean providers want them;
    a foreign one is never sent as if it were Korean."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return "82", "".join(ch for ch in e164 if ch.isdigit())
    national = phonenumbers.national_significant_number(parsed)
    if parsed.country_code == 82:
        national = "0" + national
    return str(parsed.country_code), national


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
        # The request may have reached the provider before the connection dropped.
        self.unsure = connection_lost


class PermanentFailure(DeliveryFailure):
    """Trying again would fail the same way (no such address, blocked number, too long)."""


class ChannelRefused(DeliveryFailure):
    """The provider refused the account, not the message (keys, balance, an IP allow-list,
    an unregistered sender number): every message would meet the same answer, so the
    channel is paused and the message waits, untried."""


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

    def find_sent(self, message) -> str:
        """The provider's id for this message when an earlier, unanswered try of it was
        taken; "" when the provider has none. Asked before an unsure message goes again.
        (Email needs none: a resent mail keeps its Message-ID, which mail clients fold.)"""
        return ""

    def read_receipts(self, provider_ids: list[str]) -> dict[str, Receipt]:
        """What the provider reports for these messages (absent: nothing known yet)."""
        return {}


def sender_for(channel: str, biz: Business) -> Sender:
    if channel == Channel.EMAIL:
        from .email import EmailSender

        return EmailSender(biz)
    from .texts import text_sender

    return text_sender(channel, biz)
