"""SMS, LMS and KakaoTalk 알림톡 through a Korean provider (PATRON_SMS_PROVIDER).

With no provider configured, texts are printed on the console, as Django's console email
backend prints emails: what `make run` does, so the demo shows what would be sent.
"""

from __future__ import annotations

import sys

from django.conf import settings

from patron.parties.normalize import format_phone

from ..templating import sms_size
from . import Outgoing, Sender, TemporaryFailure


def text_sender(channel: str, provider: str) -> Sender:
    if not provider:
        return ConsoleTextSender(channel)
    if provider == "solapi":
        from .solapi import SolapiSender

        return SolapiSender(channel)
    if provider == "nhn":
        from .nhn import NhnSender

        return NhnSender(channel)
    raise TemporaryFailure("sms.unknown_provider", provider, connection_lost=True)


class ConsoleTextSender(Sender):
    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.sent = 0

    def send(self, message: Outgoing) -> str:
        size = sms_size(message.text)
        stream = sys.stdout
        to = format_phone(message.to, settings.PATRON_DEFAULT_REGION)
        stream.write(
            f"--- {self.channel.upper()} ({size.kind}, {size.size} bytes) to {to} "
            f"from {settings.PATRON_SMS_SENDER or '-'}\n{message.text}\n"
        )
        stream.flush()
        self.sent += 1
        return message.message_id
