"""Solapi (solapi.com): SMS, LMS and KakaoTalk 알림톡 through its HTTP API.

Requests are signed as Solapi documents (``authentication/api-key.md`` in the public
``solapi/documents`` repository: HMAC-SHA256 over date + salt with the API secret, in the
``Authorization`` header) and sent to ``POST /messages/v4/send-many/detail`` with
``showMessageList`` (without it the answer carries no message id), one message a request so
each is recorded as soon as Solapi accepts it. Delivery results are read back with
``GET /messages/v4/list``: status 4000 is delivered, 2000 and 3000 are on their way, every
other code is a failure (``api-reference/message-status-codes.md``).

We speak the HTTP API with requests rather than the ``solapi`` SDK (the tests drive our
local stand-in with the SDK, so both speak the same contract): the SDK raises bare
``Exception`` for every refusal, which we would have to pick apart all the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

import requests
from django.conf import settings
from django.utils import timezone

from patron.core.business import Business, digits

from ..models import SuppressionReason
from ..templating import fit_bytes, sms_size
from . import (
    DELIVERED,
    FAILED,
    PENDING,
    UNCONFIRMED,
    ChannelRefused,
    Outgoing,
    PermanentFailure,
    Receipt,
    Sender,
    TemporaryFailure,
    message_key,
    split_number,
)

SEND_PATH = "/messages/v4/send-many/detail"
LIST_PATH = "/messages/v4/list"
TIMEOUT = 15
PREFIX = "solapi:"
LMS_TITLE_BYTES = 40  # status 1014: "제목은 40byte까지 사용 가능합니다."
REPORTS_PER_REQUEST = 100
CUSTOM_FIELD = "patron"  # key up to 30 characters, value up to 100 (status 1032)
LOOK_BACK = dt.timedelta(days=28)
PAGES_LOOKED_AT = 5  # of a number's recent messages, newest first, when finding an earlier try

# Status codes (message-status-codes.md) that are about the account, not the recipient: every
# message would meet them, so the channel pauses.
ACCOUNT_STATUS = {
    "1020": "등록된 계정이 아니거나 패스워드가 틀림",
    "1030": "잔액 부족",
    "1041": "유효한 플러스 친구 값이 아닙니다.",
    "1062": "발신번호 미등록",
    "2062": "발신번호 미등록",
    "2063": "차단된 계정",
    "2230": "잔액 부족",
    "3013": "발신번호 형식 오류(세칙 위반)",
    "3059": "변작된 발신번호.",
    "3101": "발신 프로필 키가 유효하지 않음",
    "3106": "유효하지 않은 채널",
}
# Codes meaning this number will never take a message from us.
SUPPRESSING = {
    "1060": SuppressionReason.INVALID,  # 차단된 수신번호
    "2060": SuppressionReason.INVALID,
    "1061": SuppressionReason.REFUSED,  # 사용자에 의해 수신거부 됨(080무료수신거부)
    "2061": SuppressionReason.REFUSED,
    "1064": SuppressionReason.COMPLAINT,  # KISA 신고로 인한 차단
    "2064": SuppressionReason.COMPLAINT,
    "3032": SuppressionReason.INVALID,  # 미가입자
}
PENDING_STATUS = {"2000", "2100", "3000"}
DELIVERED_STATUS = "4000"
# A signature seen twice within 15 minutes (DuplicatedSignature): a new salt fixes it.
RETRY_AT_ONCE = {"DuplicatedSignature"}


def authorization(api_key: str, api_secret: str, *, now: dt.datetime | None = None) -> str:
    date = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds").replace("+00:00", "Z")
    salt = secrets.token_hex(16)
    signature = hmac.new(api_secret.encode(), (date + salt).encode(), hashlib.sha256).hexdigest()
    return f"HMAC-SHA256 apiKey={api_key}, date={date}, salt={salt}, signature={signature}"


class SolapiSender(Sender):
    def __init__(self, channel: str, biz: Business) -> None:
        self.channel = channel
        self.biz = biz
        self.session: requests.Session | None = None

    def open(self) -> None:
        if not self.biz.has_keys_for("solapi"):
            raise ChannelRefused("channel.no_keys")
        if not self.biz.sms_sender:
            raise ChannelRefused("channel.no_sender")
        self.session = requests.Session()

    def close(self) -> None:
        if self.session is not None:
            self.session.close()

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": authorization(
                self.biz.key("solapi_api_key"), self.biz.key("solapi_api_secret")
            ),
            "Content-Type": "application/json",
        }

    def payload(self, message: Outgoing) -> dict:
        country, national = split_number(message.to)
        base = {
            "to": national,
            "from": digits(self.biz.sms_sender),
            "country": country,
            # Echoed back in the message list: how an earlier try is found (find_sent).
            "customFields": {CUSTOM_FIELD: message_key(message)},
        }
        if self.channel == "kakao":
            if country != "82":
                raise PermanentFailure("kakao.foreign_number", message.to)
            fallback = message.fallback_text
            payload = {
                **base,
                "type": "ATA",
                # Used by Solapi only when KakaoTalk cannot deliver (the SMS fallback).
                "text": fallback or message.text,
                "kakaoOptions": {
                    "pfId": self.biz.kakao_sender_key,
                    "templateId": message.template_code,
                    "variables": message.variables,
                    "disableSms": not fallback,
                },
            }
            if fallback and sms_size(fallback).kind == "LMS":
                payload["subject"] = lms_title(message.subject, fallback)
            return payload
        size = sms_size(message.text)
        if size.kind == "too_long":
            raise PermanentFailure("sms.too_long", str(size.size))
        payload = {**base, "type": size.kind, "text": message.text}
        if size.kind == "LMS":
            payload["subject"] = lms_title(message.subject, message.text)
        return payload

    def send(self, message: Outgoing) -> str:
        assert self.session is not None
        body = {"messages": [self.payload(message)], "showMessageList": True}
        try:
            answer = self.session.post(
                settings.PATRON_SOLAPI_URL.rstrip("/") + SEND_PATH,
                json=body,
                headers=self._headers(),
                timeout=TIMEOUT,
            )
        except requests.RequestException as exc:
            raise TemporaryFailure("solapi.unreachable", str(exc), connection_lost=True) from exc
        message_id = read_answer(answer)
        return PREFIX + message_id if message_id else ""

    def find_sent(self, message: Outgoing) -> str:
        """Solapi has no idempotency key: an earlier try is found in the number's recent
        messages by the custom field every try carries."""
        assert self.session is not None
        key = message_key(message)
        start = (timezone.now() - LOOK_BACK).isoformat()
        query = {"to": split_number(message.to)[1], "startDate": start, "limit": "100"}
        for _ in range(PAGES_LOOKED_AT):
            listed = self._list(query)
            for message_id, item in (listed.get("messageList") or {}).items():
                if (item.get("customFields") or {}).get(CUSTOM_FIELD) == key:
                    return PREFIX + str(item.get("messageId") or message_id)
            if not listed.get("nextKey"):
                return ""
            query["startKey"] = str(listed["nextKey"])
        return ""

    def _list(self, query) -> dict:
        assert self.session is not None
        try:
            answer = self.session.get(
                settings.PATRON_SOLAPI_URL.rstrip("/") + LIST_PATH,
                params=query,
                headers=self._headers(),
                timeout=TIMEOUT,
            )
        except requests.RequestException as exc:
            raise TemporaryFailure("solapi.unreachable", str(exc)) from exc
        if answer.status_code != 200:
            raise _refusal(answer)
        try:
            return answer.json() or {}
        except ValueError as exc:
            raise TemporaryFailure("solapi.bad_answer", answer.text[:200]) from exc

    def read_receipts(self, provider_ids: list[str]) -> dict[str, Receipt]:
        assert self.session is not None
        ids = [pid.removeprefix(PREFIX) for pid in provider_ids if pid.startswith(PREFIX)]
        found: dict[str, Receipt] = {}
        for start in range(0, len(ids), REPORTS_PER_REQUEST):
            chunk = ids[start : start + REPORTS_PER_REQUEST]
            # Repeated messageIds, as Solapi's own Node SDK sends them.
            query = [("messageIds", message_id) for message_id in chunk]
            query.append(("limit", str(len(chunk))))
            listed = self._list(query).get("messageList") or {}
            for message_id, item in listed.items():
                found[PREFIX + message_id] = receipt(item)
        return found


def lms_title(subject: str, text: str) -> str:
    """An LMS title is shown before the text, at most 40 bytes of EUC-KR (status 1014); an
    advertisement's starts with the mark too."""
    from ..rules import AD_MARK

    title = (subject or text.splitlines()[0]).strip()
    if text.startswith(AD_MARK) and not title.startswith(AD_MARK):
        title = f"{AD_MARK} {title}"
    return fit_bytes(title, LMS_TITLE_BYTES)


def receipt(item: dict) -> Receipt:
    status = str(item.get("statusCode") or "")
    detail = str(item.get("reason") or item.get("statusMessage") or "")
    replaced = item.get("replacement") in (True, 1, "1", "true")
    fallback = str(item.get("type") or "SMS") if replaced else ""
    if fallback == "ATA":
        fallback = "SMS"
    if status in PENDING_STATUS or not status:
        return Receipt(PENDING)
    if status == DELIVERED_STATUS:
        return Receipt(DELIVERED, f"solapi.{status}", detail, fallback=fallback)
    if fallback and status.startswith("31"):
        # Solapi does not document the code a replaced 알림톡 ends with: a Kakao reason (31xx,
        # "카카오톡 미사용자") beside replacement=true says why the text went, not that the
        # text failed. It went; its arrival is not reported apart.
        return Receipt(UNCONFIRMED, f"solapi.{status}", detail, fallback=fallback)
    return Receipt(FAILED, f"solapi.{status}", detail, suppress=SUPPRESSING.get(status, ""))


def _refusal(answer: requests.Response) -> Exception:
    """A refusal of the whole request, by its HTTP status and errorCode."""
    if answer.status_code >= 500 or answer.status_code == 429:
        return TemporaryFailure(f"solapi.{answer.status_code}", answer.text[:200])
    try:
        data = answer.json()
    except ValueError:
        data = {}
    code = str(data.get("errorCode") or answer.status_code)
    detail = str(data.get("errorMessage") or "")
    if code in RETRY_AT_ONCE:
        return TemporaryFailure(f"solapi.{code}", detail)
    if answer.status_code == 400 and code == "ValidationError":
        return PermanentFailure(f"solapi.{code}", detail)
    # Keys, signature, clock, balance, an IP allow-list, a blocked app, or anything else
    # Solapi says about the account: nothing can be sent until it changes.
    return ChannelRefused(f"solapi.{code}", detail)


def read_answer(answer: requests.Response) -> str:
    """The accepted message's id, or the failure as Solapi stated it."""
    if answer.status_code != 200:
        raise _refusal(answer)
    try:
        data = answer.json()
    except ValueError as exc:
        raise TemporaryFailure("solapi.bad_answer", answer.text[:200]) from exc
    failed = data.get("failedMessageList") or []
    if failed:
        item = failed[0]
        status = str(item.get("statusCode", ""))
        detail = str(item.get("statusMessage", ""))
        if status in ACCOUNT_STATUS:
            raise ChannelRefused(f"solapi.{status}", detail or ACCOUNT_STATUS[status])
        raise PermanentFailure(f"solapi.{status}", detail, suppress=SUPPRESSING.get(status, ""))
    accepted = data.get("messageList") or []
    if isinstance(accepted, dict):  # older answers key the list by message id
        accepted = list(accepted.values())
    if not accepted:
        # Accepted, but without showMessageList Solapi names no message: nothing to report.
        return ""
    return str(accepted[0].get("messageId", ""))
