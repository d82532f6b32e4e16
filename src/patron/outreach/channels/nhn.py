"""NHN Cloud Notification: SMS/LMS (SMS API v3.0) and KakaoTalk 알림톡 (AlimTalk API v2.3).

Both answer ``{"header": {"isSuccessful", "resultCode", "resultMessage"}, "body": ...}`` and
authenticate with the ``X-Secret-Key`` header. Advertising texts go to the ``ad-sms`` /
``ad-mms`` endpoints, which NHN checks for the 080 refusal line (-6003 without it).
"""

from __future__ import annotations

import requests
from django.conf import settings

from ..models import SuppressionReason
from ..templating import sms_size
from . import Outgoing, PermanentFailure, Sender, TemporaryFailure
from .solapi import lms_title, national, national_sender

TIMEOUT = 15
TEMPORARY = {-9999, -2021}
# The message or the number itself is at fault: trying again changes nothing.
PERMANENT = {-2014, -2015, -2018, -2019, -2023, -6001}
REFUSED = {-6001: SuppressionReason.REFUSED, -2019: SuppressionReason.INVALID}


class NhnSender(Sender):
    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.session: requests.Session | None = None

    def open(self) -> None:
        if not settings.PATRON_NHN_SECRET_KEY:
            raise TemporaryFailure("nhn.not_configured", connection_lost=True)
        if self.channel == "kakao" and not (
            settings.PATRON_NHN_ALIMTALK_APP_KEY and settings.PATRON_KAKAO_SENDER_KEY
        ):
            raise TemporaryFailure("nhn.not_configured", connection_lost=True)
        if self.channel != "kakao" and not (settings.PATRON_NHN_APP_KEY and national_sender()):
            raise TemporaryFailure("nhn.not_configured", connection_lost=True)
        self.session = requests.Session()
        self.session.headers.update(
            {"X-Secret-Key": settings.PATRON_NHN_SECRET_KEY, "Content-Type": "application/json"}
        )

    def close(self) -> None:
        if self.session is not None:
            self.session.close()

    def request(self, message: Outgoing) -> tuple[str, dict]:
        """The endpoint and the body for this message."""
        if self.channel == "kakao":
            recipient = {
                "recipientNo": national(message.to),
                # NHN names a variable without its #{ }: #{고객명} -> 고객명.
                "templateParameter": {
                    name[2:-1]: value for name, value in message.variables.items()
                },
            }
            if message.fallback_text:
                size = sms_size(message.fallback_text)
                recipient["resendParameter"] = {
                    "isResend": True,
                    "resendType": "SMS" if size.kind == "SMS" else "LMS",
                    "resendContent": message.fallback_text,
                    "resendSendNo": national_sender(),
                }
            url = (
                f"{settings.PATRON_NHN_ALIMTALK_URL.rstrip('/')}/alimtalk/v2.3/appkeys/"
                f"{settings.PATRON_NHN_ALIMTALK_APP_KEY}/messages"
            )
            return url, {
                "senderKey": settings.PATRON_KAKAO_SENDER_KEY,
                "templateCode": message.template_code,
                "recipientList": [recipient],
            }
        size = sms_size(message.text)
        if size.kind == "too_long":
            raise PermanentFailure("sms.too_long", str(size.size))
        kind = "sms" if size.kind == "SMS" else "mms"
        if message.text.startswith("(광고)"):
            kind = f"ad-{kind}"
        body = {
            "body": message.text,
            "sendNo": national_sender(),
            "recipientList": [{"recipientNo": national(message.to)}],
        }
        if size.kind == "LMS":
            body["title"] = lms_title(message)
        url = (
            f"{settings.PATRON_NHN_SMS_URL.rstrip('/')}/sms/v3.0/appKeys/"
            f"{settings.PATRON_NHN_APP_KEY}/sender/{kind}"
        )
        return url, body

    def send(self, message: Outgoing) -> str:
        assert self.session is not None
        url, body = self.request(message)
        try:
            answer = self.session.post(url, json=body, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise TemporaryFailure("nhn.unreachable", str(exc), connection_lost=True) from exc
        return read_answer(answer)


def read_answer(answer: requests.Response) -> str:
    if answer.status_code >= 500 or answer.status_code == 429:
        raise TemporaryFailure(f"nhn.{answer.status_code}", answer.text[:200])
    try:
        data = answer.json()
        header = data["header"]
    except (ValueError, KeyError, TypeError) as exc:
        raise TemporaryFailure(f"nhn.{answer.status_code}", answer.text[:200]) from exc
    code = int(header.get("resultCode", 0))
    detail = str(header.get("resultMessage", ""))
    if not header.get("isSuccessful"):
        _raise_for(code, detail)
    result = (data.get("body") or {}).get("data") or {}
    per_recipient = (
        result.get("sendResultList") or (data.get("message") or {}).get("sendResults") or []
    )
    if per_recipient:
        item = per_recipient[0]
        item_code = int(item.get("resultCode", 0))
        if item_code != 0:
            _raise_for(item_code, str(item.get("resultMessage", "")))
    return str(result.get("requestId") or (data.get("message") or {}).get("requestId") or "")


def _raise_for(code: int, detail: str) -> None:
    if code in PERMANENT:
        raise PermanentFailure(f"nhn.{code}", detail, suppress=REFUSED.get(code, ""))
    if code in TEMPORARY:
        raise TemporaryFailure(f"nhn.{code}", detail)
    # Anything else is about the account or its setup (keys, sender number, 080 service):
    # every message would meet it, so the batch stops and waits for a person to fix it.
    raise TemporaryFailure(f"nhn.{code}", detail, connection_lost=True)
