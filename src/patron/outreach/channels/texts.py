"""SMS, LMS and KakaoTalk 알림톡 through a Korean provider (the business's text provider).

In demo mode texts are printed on the console, as Django's console email backend prints
emails (what `make run` does): each is marked "demo: printed, not sent", never "sent".
"""

from __future__ import annotations

import sys

from django.conf import settings

from patron.core.business import Business
from patron.parties.normalize import format_phone

from ..templating import sms_size
from . import Outgoing, Sender, TemporaryFailure


def text_sender(channel: str, biz: Business) -> Sender:
    provider = biz.text_provider
    if provider == "demo":
        return ConsoleTextSender(channel, biz)
    if provider == "solapi":
        from .solapi import SolapiSender

        return SolapiSender(channel, biz)
    if provider == "nhn":
        from .nhn import NhnSender

        return NhnSender(channel, biz)
    raise TemporaryFailure("channel.no_provider", provider, connection_lost=True)


class ConsoleTextSender(Sender):
    def __init__(self, channel: str, biz: Business) -> None:
        self.channel = channel
        self.biz = biz
        self.sent = 0

    def send(self, message: Outgoing) -> str:
        text = message.text
        if self.channel == "kakao" and message.template_code:
            text = f"[{message.template_code}]\n{text}"
        size = sms_size(text)
        stream = sys.stdout
        to = format_phone(message.to, settings.PATRON_DEFAULT_REGION)
        stream.write(
            f"--- DEMO {self.channel.upper()} ({size.kind}, {size.size} bytes; printed, not "
            f"sent) to {to} from {self.biz.sms_sender or '-'}\n{text}\n"
        )
        stream.flush()
        self.sent += 1
        return message.message_id
