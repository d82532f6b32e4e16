"""NHN Cloud Notification: SMS/LMS (SMS API v3.0) and KakaoTalk 알림톡 (AlimTalk API v2.3).

From NHN Cloud's public documents (repositories ``TOAST-DOCS/SMS`` and
``TOAST-DOCS/Alimtalk``, ``ko/api-guide.md``, ``ko/alimtalk-api-guide.md``,
``ko/error-code.md``, ``ko/release-notes.md``):

- Both authenticate with the ``X-Secret-Key`` header. SMS answers ``{"header", "body":
  {"data"}}``, 알림톡 ``{"header", "message"}``; ``header.resultCode`` is 0 or a negative code.
- Advertising texts go to ``sender/ad-sms`` / ``ad-mms``, which refuse a body not ending with
  "무료수신거부" or "무료거부" and the 080 number (-6003).
- The two products have two code tables: -2019 is "수신자 번호가 유효하지 않은 경우" for SMS
  and "템플릿 본문 1,300글자 초과로 실패" for 알림톡. Each answer is read with its own table.
- Since 2025-04-29 a 알림톡 request whose every recipient failed answers a failure header,
  -1031, with a null requestId: with one recipient a request, that is the recipient's failure,
  not the account's.
- 알림톡 takes ``X-NC-API-IDEMPOTENCY-KEY``: a second request with the same key within ten
  minutes fails with -1005. Ours is the message and its try. The SMS API has no such key, and
  -1005 names no earlier request, so both products carry the message's own label as
  ``recipientGroupingKey`` (searchable, up to 100 characters): a message whose earlier try
  may have been taken (a courier killed, an answer lost, a -1005) is looked up by it in the
  message lists (``GET .../sender/{sms|mms}``, ``GET .../messages``, a date range required)
  before it goes again.
- Delivery results: ``GET .../sender/{sms|mms}/{requestId}?recipientSeq=`` (msgStatus 3 is
  success, 0, 4, 5 and 6 are failures) and ``GET .../messages/{requestId}/{recipientSeq}``
  for 알림톡 (COMPLETED with result 1000; a failed one may have been sent as a text instead:
  resendStatus RSC04).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from django.utils import timezone

from patron.core.business import Business, digits

from ..models import SuppressionReason
from ..rules import AD_MARK
from ..templating import fit_bytes, sms_size
from . import (
    DELIVERED,
    FAILED,
    PENDING,
    UNCONFIRMED,
    ChannelRefused,
    DeliveryFailure,
    Outgoing,
    PermanentFailure,
    Receipt,
    Sender,
    TemporaryFailure,
    message_key,
    split_number,
)
from .solapi import lms_title

TIMEOUT = 15
MMS_TITLE_BYTES = 40
# The message lists take a request-date range of at most a month (SMS -4000, 알림톡 -4003),
# in Korean time.
LOOK_BACK = dt.timedelta(days=28)
KST = ZoneInfo("Asia/Seoul")

# -- SMS API v3.0 result codes (TOAST-DOCS/SMS ko/error-code.md, "API 결과 코드") -------------
SMS_ACCOUNT = {
    -1000: "Invalid appKey.",
    -1001: "Service is not exist.",
    -1002: "Service is disabled.",
    -1003: "Not project member id.",
    -1004: "Not allow ip.",
    -1007: "MemberType is invalid.",
    -1008: "Service is blocked.",
    -2045: "International sending blocked by service.",
    -2047: "Blocked by total indicator.",
    -2051: "Conversion rate is lower than threshold.",
    -2052: "Blocked by organization message sending count exceed.",
    -2312: "Not regist sendno.",
    -2313: "This sendno is blocked.",
    -6000: "Block service is not joined.",
    -6004: "This is not a joined unsubscribeNo.",
}
SMS_MESSAGE = {
    4: "parameter validation failed",
    -2014: "title or body empty",
    -2015: "Title or Body exceed maximum byte.",
    -2023: "Unacceptable characters in title and body.",
    -2024: "LMS/MMS Type is not sent to outside of Korea.",
    -2048: "International message body exceed maximum length.",
    -6003: "The body must contain block guide ment.",
}
SMS_RECIPIENT = {
    -2018: "RecipientNo can not be empty.",
    -2019: "RecipientNo is invalid.",
    -2044: "Invalid countryCode for sending.",
    -2046: "Blocked country by service.",
    -2053: "Blocked by daily country send limit.",
    -6001: "Recipient Number is refused.",
}
SMS_SUPPRESSING = {-2019: SuppressionReason.INVALID, -6001: SuppressionReason.REFUSED}
SMS_TEMPORARY = {-9999: "System error.", -2021: "System error. Failed insert queue."}

# -- AlimTalk API v2.3 result codes (TOAST-DOCS/Alimtalk ko/error-code.md) -------------------
AT_ACCOUNT = {
    -1000: "Invalid appKey.",
    -1001: "Invalid secretKey.",
    -1002: "Invalid Sms appkey",
    -1003: "Invalid Sms Sendno",
    -1006: "Plus friend don't have senderKey.",
    -1019: "Invalid Sms UnSubscribeno",
    -1024: "The sender-group can't send the message.",
    -1027: "The sender is blocked status.",
    -1030: "Self verification is required to use this service.",
    -2017: "Not exist plus friend.",
    -2502: "Please set up plus-friend resend setting.",
    -4004: "Not exist appkey.",
    -4005: "Appkey is disabled status.",
}
AT_MESSAGE = {
    4: "parameter validation failed",
    -1028: "Blacklist can't use more than 14 characters in template value.",
    -2019: "The content that is replaced by the template parameters can not exceed 1,300.",
    -3003: "Template does not exist.",
    -3004: "Please check template parameter.",
    -3005: "Please check template status.",
    -3010: "The contents are not matched to template.",
    -3011: "The buttons or quickReplies are not matched to template.",
    -3048: "The template parameter's length can not exceed 1300 characters.",
    -3049: "The template parameter is not matched to template.",
    -4200: "Resend Message is invalid.",
    -8008: "The content has banned word.",
}
AT_RECIPIENT = {
    -3301: "The unsubscribed recipient are found.",
    -4019: "Invalid recipient number.",
    -5000: "RecipientNo is invalid.",
}
AT_SUPPRESSING = {
    -3301: SuppressionReason.REFUSED,
    -4019: SuppressionReason.INVALID,
    -5000: SuppressionReason.INVALID,
}
AT_TEMPORARY = {-7000: "Vender request API is failed.", -9999: "System error."}
AT_ALL_FAILED = -1031  # "All of receivers are failed to send." (since 2025-04-29)
AT_DUPLICATE = -1005  # the same X-NC-API-IDEMPOTENCY-KEY within ten minutes

# 알림톡 delivery results ("발송 결과 코드"): 1000 success; 3005 sent but not confirmed.
AT_DELIVERED = "1000"
AT_UNCONFIRMED = "3005"
# The number cannot take KakaoTalk: not a user, blocked 알림톡 (3019, 3020), phone number error.
AT_RESULT_SUPPRESSING = {"3008": SuppressionReason.INVALID}
# msgStatus of a text (SMS API v3.0): 3 success; 1, 2 and 7 still on their way.
SMS_DONE, SMS_WAITING = "3", {"1", "2", "7"}


class NhnSender(Sender):
    def __init__(self, channel: str, biz: Business) -> None:
        self.channel = channel
        self.biz = biz
        self.session: requests.Session | None = None

    def open(self) -> None:
        if not self.biz.has_keys_for("nhn"):
            raise ChannelRefused("channel.no_keys")
        if self.channel == "kakao" and not (
            self.biz.key("nhn_alimtalk_app_key") and self.biz.kakao_sender_key
        ):
            raise ChannelRefused("channel.no_kakao_key")
        if not digits(self.biz.sms_sender):
            raise ChannelRefused("channel.no_sender")
        self.session = requests.Session()
        self.session.headers.update(
            {
                "X-Secret-Key": self.biz.key("nhn_secret_key"),
                "Content-Type": "application/json;charset=UTF-8",
            }
        )

    def close(self) -> None:
        if self.session is not None:
            self.session.close()

    # -- sending ---------------------------------------------------------------------------

    def sms_request(self, message: Outgoing) -> tuple[str, str, dict]:
        """(kind, URL, body) for a text."""
        size = sms_size(message.text)
        if size.kind == "too_long":
            raise PermanentFailure("sms.too_long", str(size.size))
        country, national = split_number(message.to)
        if country != "82" and size.kind != "SMS":
            raise PermanentFailure("nhn.-2024", SMS_MESSAGE[-2024])
        kind = "sms" if size.kind == "SMS" else "mms"
        if message.text.startswith(AD_MARK):
            kind = f"ad-{kind}"
        recipient = {
            "recipientNo": national,
            "countryCode": country,
            "recipientGroupingKey": message_key(message),
        }
        body = {
            "body": message.text,
            "sendNo": digits(self.biz.sms_sender),
            "recipientList": [recipient],
        }
        if size.kind == "LMS":
            body["title"] = fit_bytes(lms_title(message.subject, message.text), MMS_TITLE_BYTES)
        return kind, f"{self._sms_base()}/sender/{kind}", body

    def alimtalk_request(self, message: Outgoing) -> tuple[str, dict]:
        country, national = split_number(message.to)
        if country != "82":
            raise PermanentFailure("kakao.foreign_number", message.to)
        recipient = {
            "recipientNo": national,
            # NHN names a variable without its #{ }: #{고객명} -> 고객명.
            "templateParameter": {name[2:-1]: value for name, value in message.variables.items()},
            "recipientGroupingKey": message_key(message),
        }
        if message.fallback_text:
            size = sms_size(message.fallback_text)
            resend = {
                "isResend": True,
                "resendType": "SMS" if size.kind == "SMS" else "LMS",
                "resendContent": message.fallback_text,
                "resendSendNo": digits(self.biz.sms_sender),
            }
            if size.kind != "SMS":
                resend["resendTitle"] = lms_title(message.subject, message.fallback_text)
            recipient["resendParameter"] = resend
        body = {
            "senderKey": self.biz.kakao_sender_key,
            "templateCode": message.template_code,
            "recipientList": [recipient],
        }
        return f"{self._alimtalk_base()}/messages", body

    def send(self, message) -> str:
        assert self.session is not None
        if self.channel == "kakao":
            url, body = self.alimtalk_request(message)
            headers = {"X-NC-API-IDEMPOTENCY-KEY": idempotency_key(message)}
            answer = self._post(url, body, headers)
            try:
                return "nhn-at:" + read_alimtalk_answer(answer)
            except KeyUsed as used:
                # This very try was sent before: NHN took it, or refused it and keeps the
                # key ten minutes. Which, only its list says.
                found = self.find_sent(message)
                if found:
                    return found
                raise TemporaryFailure(f"nhn-at.{AT_DUPLICATE}", str(used)) from used
        kind, url, body = self.sms_request(message)
        answer = self._post(url, body, {})
        reference = read_sms_answer(answer)
        return f"nhn-{kind.removeprefix('ad-')}:{reference}"

    def _post(self, url: str, body: dict, headers: dict) -> requests.Response:
        assert self.session is not None
        try:
            return self.session.post(url, json=body, headers=headers, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise TemporaryFailure("nhn.unreachable", str(exc), connection_lost=True) from exc

    def _sms_base(self) -> str:
        return (
            f"{settings.PATRON_NHN_SMS_URL.rstrip('/')}/sms/v3.0/appKeys/"
            f"{self.biz.key('nhn_app_key')}"
        )

    def _alimtalk_base(self) -> str:
        return (
            f"{settings.PATRON_NHN_ALIMTALK_URL.rstrip('/')}/alimtalk/v2.3/appkeys/"
            f"{self.biz.key('nhn_alimtalk_app_key')}"
        )

    def find_sent(self, message) -> str:
        key = message_key(message)
        if self.channel == "kakao":
            query = {**_recent("%Y-%m-%d %H:%M"), "recipientGroupingKey": key}
            data = self._get(f"{self._alimtalk_base()}/messages", query)
            found = (data.get("messageSearchResultResponse") or {}).get("messages") or []
            prefix = "nhn-at"
        else:
            kind = self.sms_request(message)[0].removeprefix("ad-")
            query = {**_recent("%Y-%m-%d %H:%M:%S"), "recipientGroupingKey": key}
            data = self._get(f"{self._sms_base()}/sender/{kind}", query)
            found = (data.get("body") or {}).get("data") or []
            prefix = f"nhn-{kind}"
        for item in found:
            if item.get("recipientGroupingKey") == key and item.get("requestId"):
                return f"{prefix}:{item['requestId']}:{item.get('recipientSeq') or 1}"
        return ""

    # -- delivery results ------------------------------------------------------------------

    def read_receipts(self, provider_ids: list[str]) -> dict[str, Receipt]:
        """One query a message (NHN has no query by many ids). One that cannot be read is
        asked again later; only when none can is the provider unreadable."""
        found: dict[str, Receipt] = {}
        unreadable: TemporaryFailure | None = None
        for provider_id in provider_ids:
            try:
                receipt = self._read_receipt(provider_id)
            except TemporaryFailure as failure:
                unreadable = failure
                continue
            if receipt is not None:
                found[provider_id] = receipt
        if unreadable is not None and not found:
            raise unreadable
        return found

    def _read_receipt(self, provider_id: str) -> Receipt | None:
        kind, _, reference = provider_id.partition(":")
        request_id, _, seq = reference.rpartition(":")
        if not request_id or not seq.isdigit():
            return None
        if kind == "nhn-at":
            url = f"{self._alimtalk_base()}/messages/{request_id}/{seq}"
            return alimtalk_receipt(self._get(url, {}).get("message") or {})
        if kind in ("nhn-sms", "nhn-mms"):
            url = f"{self._sms_base()}/sender/{kind[4:]}/{request_id}"
            data = (self._get(url, {"recipientSeq": seq}).get("body") or {}).get("data")
            return sms_receipt(data or {})
        return None

    def _get(self, url: str, params: dict) -> dict:
        assert self.session is not None
        try:
            answer = self.session.get(url, params=params, timeout=TIMEOUT)
            data = answer.json()
        except (requests.RequestException, ValueError) as exc:
            raise TemporaryFailure("nhn.unreachable", str(exc)) from exc
        header = data.get("header") or {}
        if answer.status_code != 200 or not header.get("isSuccessful"):
            raise TemporaryFailure(f"nhn.{header.get('resultCode', answer.status_code)}")
        return data


def _recent(form: str) -> dict[str, str]:
    """The request-date range of the message lists: the last LOOK_BACK, in Korean time,
    written as each list wants it (알림톡 to the minute, SMS to the second)."""
    now = timezone.now().astimezone(KST)
    return {
        "startRequestDate": (now - LOOK_BACK).strftime(form),
        "endRequestDate": (now + dt.timedelta(minutes=1)).strftime(form),
    }


class KeyUsed(Exception):
    """-1005: a request with this idempotency key came within ten minutes."""


def idempotency_key(message: Outgoing) -> str:
    """The message and its try: the same on a resend after a crash, new on a retry after a
    recorded failure."""
    seed = f"{message.message_id}|{message.attempt}"
    return hashlib.sha256(seed.encode()).hexdigest()[:40]


def _header(answer: requests.Response, product: str) -> tuple[dict, dict]:
    if answer.status_code >= 500 or answer.status_code == 429:
        raise TemporaryFailure(f"{product}.{answer.status_code}", answer.text[:200])
    try:
        data = answer.json()
        header = data["header"]
    except (ValueError, KeyError, TypeError) as exc:
        if answer.status_code in (401, 403):
            raise ChannelRefused(f"{product}.{answer.status_code}", answer.text[:200]) from exc
        raise TemporaryFailure(f"{product}.{answer.status_code}", answer.text[:200]) from exc
    return data, header


def read_sms_answer(answer: requests.Response) -> str:
    """ "<requestId>:<recipientSeq>" of the accepted text, or its failure."""
    data, header = _header(answer, "nhn")
    if not header.get("isSuccessful"):
        raise sms_failure(int(header.get("resultCode", 0)), str(header.get("resultMessage", "")))
    result = (data.get("body") or {}).get("data") or {}
    results = result.get("sendResultList") or []
    if results:
        item = results[0]
        code = int(item.get("resultCode", 0))
        if code != 0:
            raise sms_failure(code, str(item.get("resultMessage", "")))
        return f"{result.get('requestId', '')}:{item.get('recipientSeq', 1)}"
    return f"{result.get('requestId', '')}:1"


def read_alimtalk_answer(answer: requests.Response) -> str:
    data, header = _header(answer, "nhn-at")
    code = int(header.get("resultCode", 0))
    message = data.get("message") or {}
    results = message.get("sendResults") or []
    if code == AT_DUPLICATE:
        raise KeyUsed(str(header.get("resultMessage", "")))
    if not header.get("isSuccessful"):
        if code == AT_ALL_FAILED and results:
            item = results[0]
            raise alimtalk_failure(int(item.get("resultCode", 0)), str(item.get("resultMessage")))
        if code == AT_ALL_FAILED:
            # One recipient a request: "every recipient failed" is this recipient's failure.
            raise PermanentFailure(f"nhn-at.{code}", str(header.get("resultMessage", "")))
        raise alimtalk_failure(code, str(header.get("resultMessage", "")))
    if results:
        item = results[0]
        item_code = int(item.get("resultCode", 0))
        if item_code != 0:
            raise alimtalk_failure(item_code, str(item.get("resultMessage", "")))
        return f"{message.get('requestId', '')}:{item.get('recipientSeq', 1)}"
    return f"{message.get('requestId', '')}:1"


def _classify(
    code: int, detail: str, product: str, tables: tuple[dict, dict, dict, dict, dict]
) -> DeliveryFailure:
    account, message, recipient, suppressing, temporary = tables
    name = f"{product}.{code}"
    if code in temporary:
        return TemporaryFailure(name, detail or temporary[code])
    if code in message:
        return PermanentFailure(name, detail or message[code])
    if code in recipient:
        return PermanentFailure(name, detail or recipient[code], suppress=suppressing.get(code, ""))
    # The account, the keys, the sender number, the 080 service, or a code NHN added since:
    # every message would meet it, so the channel pauses until a person looks.
    return ChannelRefused(name, detail or account.get(code, ""))


def sms_failure(code: int, detail: str) -> DeliveryFailure:
    tables = (SMS_ACCOUNT, SMS_MESSAGE, SMS_RECIPIENT, SMS_SUPPRESSING, SMS_TEMPORARY)
    return _classify(code, detail, "nhn", tables)


def alimtalk_failure(code: int, detail: str) -> DeliveryFailure:
    tables = (AT_ACCOUNT, AT_MESSAGE, AT_RECIPIENT, AT_SUPPRESSING, AT_TEMPORARY)
    return _classify(code, detail, "nhn-at", tables)


def sms_receipt(item: dict) -> Receipt:
    status = str(item.get("msgStatus") or "")
    code = str(item.get("resultCode") or "")
    detail = str(item.get("resultCodeName") or item.get("msgStatusName") or "")
    if not status or status in SMS_WAITING:
        return Receipt(PENDING)
    if status == SMS_DONE:
        return Receipt(DELIVERED, f"nhn.{code or '1000'}", detail)
    return Receipt(FAILED, f"nhn.{code or 'status' + status}", detail)


def alimtalk_receipt(item: dict) -> Receipt:
    status = str(item.get("messageStatus") or "")
    code = str(item.get("resultCode") or "")
    detail = str(item.get("resultCodeName") or "")
    resend = str(item.get("resendStatus") or "")
    if not code and resend not in ("RSC04", "RSC05"):
        return Receipt(PENDING)  # no result from Kakao yet
    if status == "COMPLETED" and code == AT_DELIVERED:
        return Receipt(DELIVERED, f"nhn-at.{code}", detail)
    if status == "COMPLETED" and code == AT_UNCONFIRMED:
        return Receipt(UNCONFIRMED, f"nhn-at.{code}", detail)
    if resend in ("RSC02", "RSC03") or status not in ("COMPLETED", "FAILED", "CANCEL"):
        return Receipt(PENDING)
    if resend == "RSC04":
        kind = "LMS" if item.get("resendType") == "LMS" else "SMS"
        return Receipt(DELIVERED, f"nhn-at.{code}", detail, fallback=kind)
    if resend == "RSC05":
        resent = str(item.get("resendResultCode") or "")
        return Receipt(FAILED, f"nhn-at.{code}", f"{detail} / SMS {resent}".strip(" /"))
    return Receipt(FAILED, f"nhn-at.{code}", detail, suppress=AT_RESULT_SUPPRESSING.get(code, ""))
