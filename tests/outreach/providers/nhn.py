"""NHN Cloud's SMS API v3.0 and AlimTalk API v2.3 as their documents state them.

Sources (public repositories ``TOAST-DOCS/SMS`` and ``TOAST-DOCS/Alimtalk``):
- S-API: SMS ``ko/api-guide.md`` (send endpoints, body, response, the ad-sms refusal line,
  the single-message query with ``recipientSeq``, msgStatus 0..7).
- S-ERR: SMS ``ko/error-code.md`` ("API 결과 코드"; "수신 결과 코드": 1000, 3003, ...).
- A-API: AlimTalk ``ko/alimtalk-api-guide.md`` (v2.3: ``appkeys``, ``X-NC-API-IDEMPOTENCY-KEY``,
  ``{"header", "message"}``, the single-message query, RSC01-05).
- A-ERR: AlimTalk ``ko/error-code.md`` (-1001, -1005, -1031, -2019, -3003, -3049, -5000; the
  delivery codes 1000 and 3019).
- A-REL: AlimTalk ``ko/release-notes.md`` 2025-04-29: a request whose every recipient failed
  answers a failure header (-1031) with a null requestId.
Where the documents say nothing, the answer is marked assumed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from zoneinfo import ZoneInfo

from .text import carries, euc_kr_size, filled, variables

NHN_APP_KEY, NHN_SECRET, NHN_ALIMTALK_KEY = "nhnAppKey", "nhnSecret", "nhnAlimtalkKey"

# S-API 광고성 SMS: the last words are 무료수신거부 or 무료거부 and the 080 number; spaces
# and '-' may be inside, brackets and other characters around (release notes 2020-2025).
_REFUSAL = re.compile(r"(무료\s*수신\s*거부|무료\s*거부)\s*\]?\s*080[\s-]?\d{3,4}[\s-]?\d{4}")
_SMS_PATH = re.compile(r"/sms/v3\.0/appKeys/([^/]+)/sender/(sms|mms|ad-sms|ad-mms)(?:/([^/]+))?")
_AT_PATH = re.compile(r"/alimtalk/v2\.3/appkeys/([^/]+)/messages(?:/([^/]+)/(\d+))?")


KST = ZoneInfo("Asia/Seoul")  # the documents' dates are Korean time


def now_kst() -> dt.datetime:
    return dt.datetime.now(KST).replace(tzinfo=None)


def _span(query: dict, form: str):
    """(start, end) of the request-date range, None when absent, "bad" when unreadable."""
    start, end = query.get("startRequestDate", [""])[0], query.get("endRequestDate", [""])[0]
    if not start and not end:
        return None
    try:
        return dt.datetime.strptime(start, form), dt.datetime.strptime(end, form)
    except ValueError:
        return "bad"


def _chosen(request_id: str, requested: dt.datetime, query: dict, span) -> bool:
    if query.get("requestId") and query["requestId"][0] != request_id:
        return False
    return not span or span[0] <= requested.replace(second=0, microsecond=0) <= span[1]


def _grouped(kept: dict, query: dict) -> bool:
    wanted = query.get("recipientGroupingKey", [""])[0]
    return not wanted or kept.get("recipientGroupingKey") == wanted


def header(code: int = 0, message: str = "SUCCESS") -> dict:
    return {"isSuccessful": code == 0, "resultCode": code, "resultMessage": message}


class NhnStandIn:
    def __init__(self, server) -> None:
        self.server = server
        self.sender = "0212345678"
        self.sender_key = "KA01PF2026HANOKTEA"
        self.optout_joined = True  # False: the 080 service is not joined (-6000)
        self.sms: dict[str, dict] = {}  # requestId -> the request as kept, with its result
        self.alimtalk: dict[str, dict] = {}
        self.idempotency_keys: set[str] = set()
        self.listed = True  # False: the message lists lag behind the sends (assumed possible)

    def route(self, method, path, query, headers, raw) -> tuple[int, dict]:
        try:
            body = json.loads(raw or b"{}") if method == "POST" else {}
        except ValueError:
            return 200, {"header": header(-9997, "Invalid API parameters.")}  # S-ERR
        match = _SMS_PATH.fullmatch(path)
        if match:
            if headers.get("x-secret-key") != NHN_SECRET or match[1] != NHN_APP_KEY:
                # S-ERR has no secret-key row; -1000 for both (assumed for the secret).
                return 200, {"header": header(-1000, "Invalid appKey.")}
            if method == "POST" and not match[3]:
                return self.send_sms(match[2], body)
            if method == "GET" and match[3]:
                return self.sms_result(match[3], query)
            if method == "GET" and not match[2].startswith("ad-"):
                return self.sms_list(match[2], query)
        match = _AT_PATH.fullmatch(path)
        if match:
            if headers.get("x-secret-key") != NHN_SECRET:
                return 200, {"header": header(-1001, "Invalid secretKey.")}  # A-ERR
            if match[1] != NHN_ALIMTALK_KEY:
                return 200, {"header": header(-1000, "Invalid appKey.")}
            if method == "POST" and not match[2]:
                return self.send_alimtalk(body, headers)
            if method == "GET" and match[2]:
                return self.alimtalk_result(match[2], int(match[3]))
            if method == "GET":
                return self.alimtalk_list(query)
        return 404, {"header": header(-9998, "Not exist API.")}

    # -- SMS ----------------------------------------------------------------------------------

    def send_sms(self, kind: str, body: dict) -> tuple[int, dict]:
        if body.get("sendNo") != self.sender:
            return 200, {"header": header(-2312, "Not regist sendno.")}
        text, title = body.get("body") or "", body.get("title") or ""
        if not text or (kind.endswith("mms") and not title):
            return 200, {"header": header(-2014, "The recipient can not be empty.")}
        if not carries(text + title):
            return 200, {"header": header(-2023, "Unacceptable characters in title and body.")}
        too_long = len(text) > 255 if kind.endswith("sms") else len(text) > 4000 or len(title) > 120
        if too_long:
            return 200, {"header": header(-2015, "Title or Body exceed maximum byte.")}
        if kind.startswith("ad-"):
            if not self.optout_joined:
                return 200, {"header": header(-6000, "Block service is not joined.")}
            last = text.rstrip().splitlines()[-1]
            if not _REFUSAL.search(last):
                return 200, {"header": header(-6003, "The body must contain block guide ment.")}
        recipients = body.get("recipientList") or []
        if not recipients:
            return 200, {"header": header(-2001, "RecipientList can not be null.")}
        request_id = (uuid.uuid4().hex + uuid.uuid4().hex)[:25]
        results, kept = [], []
        for seq, recipient in enumerate(recipients, 1):
            number = recipient.get("recipientNo") or ""
            country = str(recipient.get("countryCode") or "82")
            if kind.endswith("mms") and country != "82":
                code, words = -2024, "LMS/MMS Type is not sent to outside of Korea."
            elif not re.fullmatch(r"0?\d{7,14}", number):
                code, words = -2019, "RecipientNo is invalid."
            elif number in self.server.blocked:
                code, words = -6001, "Recipient Number is refused."
            else:
                code, words = 0, "SUCCESS"
            results.append(
                {
                    "recipientNo": number,
                    "resultCode": code,
                    "resultMessage": words,
                    "recipientSeq": seq,
                    "recipientGroupingKey": recipient.get("recipientGroupingKey"),
                }
            )
            if code == 0:
                kept.append((seq, number, recipient.get("recipientGroupingKey")))
                self.server.received.append(
                    {
                        "provider": "nhn",
                        "kind": kind,
                        "to": number,
                        "country": country,
                        **body,
                        # SMS over 90 bytes is accepted and may be cut on the phone (S-API).
                        "truncated": kind.endswith("sms") and euc_kr_size(text) > 90,
                    }
                )
        self.sms[request_id] = {
            "kind": kind.removeprefix("ad-"),
            "requested": now_kst(),
            "recipients": {
                seq: {"number": number, "msgStatus": "2", "recipientGroupingKey": grouping}
                for seq, number, grouping in kept
            },
        }
        data = {
            "requestId": request_id,
            "statusCode": "2",
            "senderGroupingKey": None,
            "sendResultList": results,
        }
        return 200, {"header": header(), "body": {"data": data}}

    def sms_result(self, request_id: str, query: dict) -> tuple[int, dict]:
        seq = int((query.get("recipientSeq") or ["0"])[0] or 0)
        kept = self.sms.get(request_id, {}).get("recipients", {}).get(seq)
        if kept is None:
            return 200, {"header": header(-2008, "Invalid requestId.")}
        code = kept.get("resultCode")
        data = {
            "requestId": request_id,
            "recipientSeq": seq,
            "recipientNo": kept["number"],
            "msgStatus": kept["msgStatus"],
            "msgStatusName": {"2": "처리 중", "3": "성공", "0": "실패"}[kept["msgStatus"]],
            "resultCode": code,
            "resultCodeName": "성공"
            if code == "1000"
            else ("수신 번호 형식 오류 또는 결번" if code else None),
        }
        return 200, {"header": header(), "body": {"data": data}}

    def sms_list(self, kind: str, query: dict) -> tuple[int, dict]:
        """S-API 메시지 검색: requestId or a request-date range is required (-2011), a range
        of at most a month (-4000), dates as yyyy-MM-dd HH:mm:ss."""
        span = _span(query, "%Y-%m-%d %H:%M:%S")
        if span is None and not query.get("requestId"):
            return 200, {"header": header(-2011, "RequestId or start/endRequestDate is required.")}
        if span == "bad":
            return 200, {"header": header(-2000, "Date format error.")}
        if span and span[1] - span[0] > dt.timedelta(days=31):
            return 200, {"header": header(-4000, "Search is possible within one month.")}
        found = []
        for request_id, request in self.sms.items() if self.listed else ():
            if request["kind"] != kind or not _chosen(
                request_id, request["requested"], query, span
            ):
                continue
            for seq, kept in request["recipients"].items():
                if _grouped(kept, query):
                    found.append(
                        {
                            "requestId": request_id,
                            "recipientSeq": seq,
                            "recipientNo": kept["number"],
                            "msgStatus": kept["msgStatus"],
                            "recipientGroupingKey": kept["recipientGroupingKey"],
                        }
                    )
        body = {"pageNum": 1, "pageSize": 15, "totalCount": len(found), "data": found[:15]}
        return 200, {"header": header(), "body": body}

    # -- 알림톡 ------------------------------------------------------------------------------

    def send_alimtalk(self, body: dict, headers: dict) -> tuple[int, dict]:
        key = headers.get("x-nc-api-idempotency-key")
        if key and key in self.idempotency_keys:
            # A-API: "10분간 동일한 key로 요청 시 해당 요청을 실패 처리합니다."
            return 200, {
                "header": header(
                    -1005, "The same 'X-NC-API-IDEMPOTENCY-KEY' was used within the last 10 minute."
                )
            }
        if key:
            self.idempotency_keys.add(key)
        if body.get("senderKey") != self.sender_key:
            return 200, {"header": header(-2017, "Not exist plus friend.")}
        approved = self.server.kakao_templates.get(body.get("templateCode"))
        request_id = (uuid.uuid4().hex + uuid.uuid4().hex)[:25]
        results, kept = [], {}
        for seq, recipient in enumerate(body.get("recipientList") or [], 1):
            code, words = self.recipient_problem(recipient, approved)
            results.append(
                {
                    "recipientSeq": seq,
                    "recipientNo": recipient.get("recipientNo"),
                    "resultCode": code,
                    "resultMessage": words,
                    "recipientGroupingKey": recipient.get("recipientGroupingKey"),
                }
            )
            if code:
                continue
            number = recipient["recipientNo"]
            resend = recipient.get("resendParameter") or {}
            entry = {
                "provider": "nhn",
                "kind": "alimtalk",
                "to": number,
                "templateCode": body["templateCode"],
                "parameters": recipient.get("templateParameter") or {},
            }
            if number in self.server.no_kakao and resend.get("isResend"):
                entry["delivered_as"] = resend.get("resendType")
                entry["resendContent"] = resend.get("resendContent")
            self.server.received.append(entry)
            kept[seq] = {
                "requested": now_kst(),
                "recipientGroupingKey": recipient.get("recipientGroupingKey"),
                "number": number,
                "resend": bool(resend.get("isResend")),
                "resendType": resend.get("resendType"),
                "status": None,
            }
        if not kept:
            # A-REL 2025-04-29 (A-ERR -1031): every recipient failed, requestId null.
            message = {"requestId": None, "senderGroupingKey": None, "sendResults": results}
            return 200, {
                "header": header(-1031, "All of receivers are failed to send."),
                "message": message,
            }
        self.alimtalk[request_id] = kept
        message = {"requestId": request_id, "senderGroupingKey": None, "sendResults": results}
        return 200, {"header": header(), "message": message}

    def recipient_problem(self, recipient: dict, approved: str | None) -> tuple[int, str]:
        if approved is None:
            return -3003, "Template does not exist."
        if not re.fullmatch(r"0\d{8,14}", recipient.get("recipientNo") or ""):
            return -5000, "RecipientNo is invalid."
        parameters = recipient.get("templateParameter") or {}
        # NHN names a parameter without its #{ }.
        if {name[2:-1] for name in variables(approved)} != set(parameters):
            return -3049, "The template parameter is not matched to template."
        values = {f"#{{{name}}}": value for name, value in parameters.items()}
        if len(filled(approved, values)) > 1300:
            return (
                -2019,
                "The content that is replaced by the template parameters can not exceed 1,300 characters.",
            )
        return 0, "success"

    def alimtalk_result(self, request_id: str, seq: int) -> tuple[int, dict]:
        kept = self.alimtalk.get(request_id, {}).get(seq)
        if kept is None:
            return 200, {
                "header": header(
                    -1016,
                    "It is not found any messages responding with that requestId or recipientSeq.",
                )
            }
        message = {
            "requestId": request_id,
            "recipientSeq": seq,
            "recipientNo": kept["number"],
            "messageStatus": kept.get("messageStatus"),
            "resultCode": kept.get("resultCode"),
            "resultCodeName": kept.get("resultCodeName"),
            "resendStatus": kept.get("resendStatus", "RSC02" if kept["resend"] else "RSC01"),
            "resendResultCode": kept.get("resendResultCode"),
            "resendType": kept.get("resendType"),
        }
        return 200, {"header": header(), "message": message}

    def alimtalk_list(self, query: dict) -> tuple[int, dict]:
        """A-API 메시지 리스트 조회: requestId or a request-date range (yyyy-MM-dd HH:mm) is
        required, at most 30 days (-4003)."""
        span = _span(query, "%Y-%m-%d %H:%M")
        if span == "bad" or (span is None and not query.get("requestId")):
            return 200, {"header": header(-4000, "Invalid parameter.")}
        if span and span[1] - span[0] > dt.timedelta(days=31):
            return 200, {"header": header(-4003, "Search is possible within 31 days.")}
        found = []
        for request_id, request in self.alimtalk.items() if self.listed else ():
            for seq, kept in request.items():
                if _chosen(request_id, kept["requested"], query, span) and _grouped(kept, query):
                    found.append(
                        {
                            "requestId": request_id,
                            "recipientSeq": seq,
                            "recipientNo": kept["number"],
                            "messageStatus": kept.get("messageStatus"),
                            "resultCode": kept.get("resultCode"),
                            "recipientGroupingKey": kept["recipientGroupingKey"],
                        }
                    )
        listed = {"messages": found[:15], "totalCount": len(found)}
        return 200, {"header": header(), "messageSearchResultResponse": listed}

    def report(self) -> None:
        for request in self.sms.values():
            for kept in request["recipients"].values():
                code = self.server.final_code(kept["number"], "1000")
                kept["msgStatus"] = "3" if code == "1000" else "0"
                kept["resultCode"] = code
        for request in self.alimtalk.values():
            for kept in request.values():
                if kept["number"] in self.server.no_kakao:
                    # A-ERR delivery code 3019: "메시지를 발송할 수 없음 / 카카오톡 유저가 아님".
                    kept.update(
                        messageStatus="FAILED",
                        resultCode="3019",
                        resultCodeName="카카오톡 유저가 아님",
                    )
                    kept["resendStatus"] = "RSC04" if kept["resend"] else "RSC01"
                else:
                    code = self.server.final_code(kept["number"], "1000")
                    kept.update(
                        messageStatus="COMPLETED" if code == "1000" else "FAILED",
                        resultCode=code,
                        resultCodeName="성공" if code == "1000" else "",
                    )
