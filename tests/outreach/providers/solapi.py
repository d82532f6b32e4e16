"""Solapi's HTTP API as its documents and SDKs state it.

Sources (public repositories):
- D: ``solapi/documents`` ``authentication/api-key.md`` (the header, the 15-minute clock and
  replay rules, the four 403 error codes), ``api-reference/message-status-codes.md`` (every
  per-message status code below), ``api-reference/messages/getMessageList.md`` (the list).
- P: the official Python SDK ``solapi`` 5.0.3 (``lib/authenticator.py`` signs with
  ``ApiKey=``/``Date=`` and a local-offset date: header keys are case-insensitive;
  ``model/response/*`` is the exact response shape it validates).
- N: ``solapi/solapi-nodejs`` (``messageIds`` repeated in the list query, ``sentFailed``).
Where the documents say nothing (an IP allow-list refusal), the answer is marked assumed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import uuid

from .text import carries, euc_kr_size, variables

SOLAPI_KEY, SOLAPI_SECRET = "NCSTESTKEY000001", "TESTSECRET0123456789ABCDEFGHIJKL"
ACCOUNT_ID = "12925149"
SKEW = dt.timedelta(minutes=15)  # D: ±15분

# D message-status-codes.md: the codes this stand-in answers, in the documents' words.
STATUS = {
    "1010": "필수 입력 값 미입력",
    "1013": "제목은 문자 타입이 'SMS'일 경우 사용이 불가능합니다.",
    "1014": "제목은 40byte까지 사용 가능합니다.",
    "1025": "잘못된 메시지 타입 ['SMS','LMS','MMS','ATA','CTA']중에서 사용 가능하며 대소문자는 "
    "구분하지 않습니다.",
    "1026": "중복 수신번호",
    "1030": "잔액 부족",
    "1032": "유효한 커스텀 필드 값이 아닙니다. 필드명은 30자 설정값은 100자까지 가능하며 "
    "'String'형식만 지원 합니다.",
    "1029": "문자메시지의 경우 EUC-KR(완성형 한글) 범위 안에 있는 문자만 사용 합니다.",
    "1031": "SMS는 90byte LMS, MMS는 2000byte ATA, CTA는 한/영포함 1000자 CTI는 한/영포함 400자까지 "
    "사용 가능 합니다.",
    "1033": "kakaoOptions은 메시지가 ATA 나 CTA인 경우에만 사용가능합니다.",
    "1041": "유효한 플러스 친구 값이 아닙니다.",
    "1042": "유효한 템플릿 아이디가 아닙니다.",
    "1043": "등록한 템플릿과 내용이 다릅니다.",
    "1061": "사용자에 의해 수신거부 됨(080무료수신거부)",
    "1062": "발신번호 미등록",
    "2000": "정상 접수(이통사로 접수 예정)",
    "2063": "차단된 계정",
    "2230": "잔액 부족",
    "3000": "이통사로 접수(리포트를 기다리는 중)",
    "3043": "단말기 Power off",
    "3032": "미가입자",
    "3059": "변작된 발신번호.",
    "3101": "발신 프로필 키가 유효하지 않음",
    "3104": "카카오톡 미사용자",
    "3105": "미등록 템플릿",
    "3106": "유효하지 않은 채널",
    "4000": "발송 처리  완료",
}
_AUTH = re.compile(r"^(?P<method>HMAC-SHA256|HMAC-MD5)\s+(?P<params>.+)$")


class SolapiStandIn:
    def __init__(self, server) -> None:
        self.server = server
        self.balance = 1_000_000  # won
        self.ip_allowed = True  # False: the account's IP allow-list refuses this machine
        self.pf_id = "KA01PF2026HANOKTEA"
        self.sender = "0212345678"
        self.signatures: set[str] = set()
        self.messages: dict[str, dict] = {}  # every accepted message, by id, as listed

    # -- authentication (D authentication/api-key.md) --------------------------------------

    def refusal(self, headers: dict) -> tuple[int, dict] | None:
        match = _AUTH.match(headers.get("authorization", ""))
        if not match:
            # Not documented; answered as the documents answer a wrong request (assumed).
            return 403, {"errorCode": "Forbidden", "errorMessage": "잘못된 접근입니다."}
        params = {}
        for part in match["params"].split(","):
            name, _, value = part.strip().partition("=")
            params[name.strip().lower()] = value.strip()  # P: ApiKey=, Date=: case-insensitive
        if params.get("apikey") != SOLAPI_KEY:
            return 403, {"errorCode": "InvalidAPIKey", "errorMessage": "유효한 API Key가 아님"}
        try:
            date = dt.datetime.fromisoformat(params.get("date", "").replace("Z", "+00:00"))
        except ValueError:
            return 403, {"errorCode": "RequestTimeTooSkewed", "errorMessage": "date"}
        if date.tzinfo is None or abs(dt.datetime.now(dt.UTC) - date) > SKEW:
            return 403, {
                "errorCode": "RequestTimeTooSkewed",
                "errorMessage": "시간 값이 서버 시간을 15분 이상 벗어남",
            }
        salt, signature = params.get("salt", ""), params.get("signature", "")
        digest = hashlib.sha256 if match["method"] == "HMAC-SHA256" else hashlib.md5
        expected = hmac.new(
            SOLAPI_SECRET.encode(), (params["date"] + salt).encode(), digest
        ).hexdigest()
        if not 12 <= len(salt) <= 64 or not hmac.compare_digest(expected, signature):
            return 403, {
                "errorCode": "SignatureDoesNotMatch",
                "errorMessage": "생성한 Signature가 일치하지 않음",
            }
        if signature in self.signatures:
            return 403, {
                "errorCode": "DuplicatedSignature",
                "errorMessage": "15분 안에 동일한 signature 값",
            }
        self.signatures.add(signature)
        if not self.ip_allowed:
            # Assumed: Solapi documents IP allow-lists for its app tokens, not this answer.
            return 403, {"errorCode": "Forbidden", "errorMessage": "허용되지 않은 IP입니다."}
        return None

    def route(self, method, path, query, headers, raw) -> tuple[int, dict]:
        refused = self.refusal(headers)
        if refused:
            return refused
        if method == "POST" and path == "/messages/v4/send-many/detail":
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                return 400, {"errorCode": "ValidationError", "errorMessage": "JSON"}
            return self.send_many(body)
        # The Python SDK reads /messages/v4/list-old, the Node SDK and the documents /list.
        if method == "GET" and path in ("/messages/v4/list", "/messages/v4/list-old"):
            return self.list(query)
        return 404, {"errorCode": "NotFound", "errorMessage": path}

    # -- sending ----------------------------------------------------------------------------

    def send_many(self, body: dict) -> tuple[int, dict]:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return 400, {
                "errorCode": "ValidationError",
                "errorMessage": "messages 의 데이터 타입은 배열이어야 됩니다.",
            }
        accepted, failed, seen = [], [], set()
        for message in messages:
            kind = str(message.get("type") or "").upper()
            cost = {"SMS": 20, "LMS": 50, "ATA": 15}.get(kind, 0)
            if self.balance < cost:
                return 402, {
                    "errorCode": "NotEnoughBalance",
                    "errorMessage": "보유 잔액이 부족합니다.",
                }
            message_id = "M4V" + uuid.uuid4().hex[:17].upper()
            code = self.problem(message, kind)
            if code is None and not body.get("allowDuplicates") and message.get("to") in seen:
                code = "1026"
            seen.add(message.get("to"))
            if code:
                failed.append(self.failure(message, kind, message_id, code))
                continue
            self.balance -= cost
            self.accept(message, kind, message_id)
            accepted.append(
                {"messageId": message_id, "statusCode": "2000", "statusMessage": STATUS["2000"]}
            )
        answer = {"groupInfo": self.group(len(accepted), len(failed)), "failedMessageList": failed}
        if body.get("showMessageList"):  # P SendRequestConfig.show_message_list
            answer["messageList"] = accepted
        return 200, answer

    def problem(self, message: dict, kind: str) -> str | None:
        """The per-message status code a message is refused with (D), or None."""
        to, text = message.get("to"), message.get("text") or ""
        if not to or not message.get("from") or (kind != "ATA" and not text):
            return "1010"
        if kind not in ("SMS", "LMS", "ATA"):
            return "1025"
        if message.get("from") != self.sender:
            return "1062"
        if to in self.server.blocked:
            return "1061"
        if not carries(text):
            return "1029"
        subject = message.get("subject")
        if subject and kind == "SMS":
            return "1013"
        if subject and euc_kr_size(subject) > 40:
            return "1014"
        if (kind == "SMS" and euc_kr_size(text) > 90) or euc_kr_size(text) > 2000:
            return "1031"
        fields = message.get("customFields") or {}
        if not isinstance(fields, dict) or any(
            not isinstance(value, str) or len(name) > 30 or len(value) > 100
            for name, value in fields.items()
        ):
            return "1032"
        if message.get("kakaoOptions") and kind != "ATA":
            return "1033"
        if kind == "ATA":
            return self.kakao_problem(message.get("kakaoOptions") or {})
        return None

    def kakao_problem(self, options: dict) -> str | None:
        if options.get("pfId") != self.pf_id:
            return "1041"
        approved = self.server.kakao_templates.get(options.get("templateId"))
        if approved is None:
            return "1042"
        given = options.get("variables") or {}
        if variables(approved) != set(given):
            return "1043"
        return None

    def accept(self, message: dict, kind: str, message_id: str) -> None:
        to = message["to"]
        final = self.server.final_code(to, "4000")
        replacement = False
        if kind == "ATA" and to in self.server.no_kakao:
            options = message.get("kakaoOptions") or {}
            if options.get("disableSms"):
                final = "3104"
            else:
                # Assumed (D says only that the fallback sets `replacement`): the text goes
                # as an SMS/LMS and is reported delivered.
                replacement = True
        entry = {"provider": "solapi", "id": message_id, "type": kind, **message}
        if replacement:
            entry["delivered_as"] = "SMS" if euc_kr_size(message.get("text", "")) <= 90 else "LMS"
        self.server.received.append(entry)
        now = dt.datetime.now(dt.UTC).isoformat()
        self.messages[message_id] = {
            "messageId": message_id,
            "groupId": "G4V" + message_id[3:],
            "accountId": ACCOUNT_ID,
            "to": to,
            "from": message.get("from"),
            "type": kind,
            "country": message.get("country", "82"),
            "text": message.get("text", ""),
            "statusCode": "3000",
            "status": "SENDING",
            "reason": STATUS["3000"],
            "replacement": False,
            "customFields": message.get("customFields") or {},
            "dateCreated": now,
            "dateUpdated": now,
            "log": [],
            "_final": final,
            "_replacement": replacement,
        }

    def report(self) -> None:
        for item in self.messages.values():
            item["statusCode"] = item["_final"]
            item["reason"] = STATUS.get(item["_final"], "")
            item["status"] = "COMPLETE"
            item["replacement"] = item["_replacement"]

    def failure(self, message: dict, kind: str, message_id: str, code: str) -> dict:
        """P FailedMessage: every key present (to, from and country may be null)."""
        return {
            "to": message.get("to"),
            "from": message.get("from"),
            "type": kind or "SMS",
            "statusMessage": STATUS[code],
            "country": message.get("country", "82"),
            "messageId": message_id,
            "statusCode": code,
            "accountId": ACCOUNT_ID,
        }

    def group(self, accepted: int, failed: int) -> dict:
        """The groupInfo P's GroupMessageResponse and N's schema both validate."""
        now = dt.datetime.now(dt.UTC).isoformat()
        kinds = ["sms", "lms", "mms", "ata", "cta", "cti", "nsa", "rcs_sms", "rcs_lms"]
        kinds += ["rcs_mms", "rcs_tpl"]
        cash = {"requested": 0, "replacement": 0, "refund": 0, "sum": 0}
        return {
            "count": {
                "total": accepted + failed,
                "sentTotal": 0,
                "sentFailed": 0,
                "sentSuccess": 0,
                "sentPending": accepted,
                "sentReplacement": 0,
                "refund": 0,
                "registeredFailed": failed,
                "registeredSuccess": accepted,
            },
            "countForCharge": {kind: {"82": 0} for kind in kinds},
            "balance": cash,
            "point": cash,
            "app": {"profit": {kind: 0 for kind in kinds}, "appId": None},
            "log": [],
            "status": "SENDING" if accepted else "FAILED",
            "allowDuplicates": False,
            "isRefunded": False,
            "accountId": ACCOUNT_ID,
            "masterAccountId": None,
            "apiVersion": "4",
            "groupId": "G4V" + uuid.uuid4().hex[:17].upper(),
            "price": {},
            "dateCreated": now,
            "dateUpdated": now,
        }

    # -- reading results (D getMessageList.md) -------------------------------------------------

    def list(self, query: dict) -> tuple[int, dict]:
        wanted: list[str] = []
        for value in query.get("messageIds", []) + query.get("messageId", []):
            if value.startswith("["):  # the JSON-array form the web documents show
                try:
                    wanted += [str(item) for item in json.loads(value)]
                except ValueError:
                    return 400, {"errorCode": "ValidationError", "errorMessage": "messageIds"}
            else:
                wanted.append(value)
        chosen = [m for m in (wanted or reversed(list(self.messages))) if m in self.messages]
        for name in ("to", "from", "groupId", "type", "statusCode"):
            if query.get(name):
                chosen = [m for m in chosen if self.messages[m].get(name) == query[name][0]]
        try:
            if query.get("startDate"):
                start = dt.datetime.fromisoformat(query["startDate"][0].replace("Z", "+00:00"))
                chosen = [
                    m
                    for m in chosen
                    if dt.datetime.fromisoformat(self.messages[m]["dateCreated"]) >= start
                ]
            limit = int((query.get("limit") or ["20"])[0])
        except ValueError:
            return 400, {"errorCode": "ValidationError", "errorMessage": "query"}
        # Paged by startKey/nextKey, the next page's first message id (D getMessageList.md).
        first = query.get("startKey", [""])[0]
        if first in chosen:
            chosen = chosen[chosen.index(first) :]
        page, rest = chosen[:limit], chosen[limit:]
        listed = {
            message_id: {k: v for k, v in self.messages[message_id].items() if k[0] != "_"}
            for message_id in page
        }
        return 200, {
            "startKey": first or None,
            "nextKey": rest[0] if rest else None,
            "limit": limit,
            "messageList": listed,
        }
