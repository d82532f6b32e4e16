"""Solapi (solapi.com): SMS, LMS and KakaoTalk 알림톡 through its documented HTTP API.

Requests are signed as Solapi documents (HMAC-SHA256 over date + salt with the API secret, in
the ``Authorization`` header) and sent to ``POST /messages/v4/send-many/detail``, one message
per request so each is recorded as soon as Solapi accepts it. We speak the HTTP API with
requests rather than the ``solapi`` SDK: one endpoint, and the SDK's error types would need
mapping all the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

import requests
from django.conf import settings

from ..models import SuppressionReason
from ..templating import sms_size
from . import Outgoing, PermanentFailure, Sender, TemporaryFailure

SEND_PATH = "/messages/v4/send-many/detail"
TIMEOUT = 15
# errorCode answers about Patron's own configuration: nothing can be sent until a person fixes
# it, so the batch stops and its messages wait (they are not the recipients' fault).
CONFIGURATION = {
    "InvalidAPIKey",
    "SignatureDoesNotMatch",
    "RequestTimeTooSkewed",
    "DuplicatedSignature",
    "NotEnoughBalance",
    "Forbidden",
}
# Per-message status codes meaning this number will never take a message from us.
REFUSED_NUMBERS = {"1061": SuppressionReason.REFUSED, "1060": SuppressionReason.INVALID}
UNREGISTERED_SENDER = {"1062"}


def authorization(api_key: str, api_secret: str, *, now: dt.datetime | None = None) -> str:
    date = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds").replace("+00:00", "Z")
    salt = secrets.token_hex(16)
    signature = hmac.new(api_secret.encode(), (date + salt).encode(), hashlib.sha256).hexdigest()
    return f"HMAC-SHA256 apiKey={api_key}, date={date}, salt={salt}, signature={signature}"


def national(e164: str) -> str:
    """Solapi takes Korean numbers in national form: +821012345678 -> 01012345678."""
    return "0" + e164[3:] if e164.startswith("+82") else e164.lstrip("+")


class SolapiSender(Sender):
    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.session: requests.Session | None = None

    def open(self) -> None:
        if not (settings.PATRON_SOLAPI_API_KEY and settings.PATRON_SOLAPI_API_SECRET):
            raise TemporaryFailure("solapi.not_configured", connection_lost=True)
        if not settings.PATRON_SMS_SENDER:
            raise TemporaryFailure("sms.no_sender_number", connection_lost=True)
        self.session = requests.Session()

    def close(self) -> None:
        if self.session is not None:
            self.session.close()

    def payload(self, message: Outgoing) -> dict:
        base = {"to": national(message.to), "from": national_sender()}
        if self.channel == "kakao":
            return {
                **base,
                "type": "ATA",
                # Used by Solapi only when KakaoTalk cannot deliver (the SMS fallback).
                "text": message.fallback_text or message.text,
                "kakaoOptions": {
                    "pfId": settings.PATRON_KAKAO_SENDER_KEY,
                    "templateId": message.template_code,
                    "variables": message.variables,
                    "disableSms": not message.fallback_text,
                },
            }
        size = sms_size(message.text)
        if size.kind == "too_long":
            raise PermanentFailure("sms.too_long", str(size.size))
        payload = {**base, "type": size.kind, "text": message.text}
        if size.kind == "LMS" and message.subject:
            payload["subject"] = lms_title(message)
        return payload

    def send(self, message: Outgoing) -> str:
        assert self.session is not None
        body = {"messages": [self.payload(message)]}
        headers = {
            "Authorization": authorization(
                settings.PATRON_SOLAPI_API_KEY, settings.PATRON_SOLAPI_API_SECRET
            ),
            "Content-Type": "application/json",
        }
        try:
            answer = self.session.post(
                settings.PATRON_SOLAPI_URL.rstrip("/") + SEND_PATH,
                json=body,
                headers=headers,
                timeout=TIMEOUT,
            )
        except requests.RequestException as exc:
            raise TemporaryFailure("solapi.unreachable", str(exc), connection_lost=True) from exc
        return read_answer(answer)


def lms_title(message: Outgoing) -> str:
    """An LMS title is shown before the text: an advertisement's starts with the mark too."""
    from ..rules import AD_MARK

    title = message.subject or message.text.splitlines()[0]
    if message.text.startswith(AD_MARK) and not title.startswith(AD_MARK):
        title = f"{AD_MARK} {title}"
    return title[:40]


def national_sender() -> str:
    return "".join(ch for ch in settings.PATRON_SMS_SENDER if ch.isdigit())


def read_answer(answer: requests.Response) -> str:
    try:
        data = answer.json()
    except ValueError:
        data = {}
    if answer.status_code >= 500 or answer.status_code == 429:
        raise TemporaryFailure(f"solapi.{answer.status_code}", answer.text[:200])
    if answer.status_code != 200:
        code = str(data.get("errorCode") or answer.status_code)
        detail = str(data.get("errorMessage") or "")
        if code in CONFIGURATION:
            raise TemporaryFailure(f"solapi.{code}", detail, connection_lost=True)
        raise PermanentFailure(f"solapi.{code}", detail)
    failed = data.get("failedMessageList") or []
    if failed:
        item = failed[0]
        status = str(item.get("statusCode", ""))
        detail = str(item.get("statusMessage", ""))
        if status in UNREGISTERED_SENDER:
            raise TemporaryFailure(f"solapi.{status}", detail, connection_lost=True)
        raise PermanentFailure(f"solapi.{status}", detail, suppress=REFUSED_NUMBERS.get(status, ""))
    accepted = data.get("messageList") or []
    if isinstance(accepted, dict):  # older answers key the list by message id
        accepted = list(accepted.values())
    return str(accepted[0].get("messageId", "")) if accepted else ""
