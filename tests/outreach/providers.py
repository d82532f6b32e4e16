"""Local servers on 127.0.0.1 that speak the Korean providers' documented contracts, so the
real adapters are tested without calling a real provider.

- Solapi: ``POST /messages/v4/send-many/detail``, HMAC-SHA256 ``Authorization`` header checked
  (key, clock skew, reused salt, signature), errors as ``{"errorCode", "errorMessage"}``,
  per-message refusals in ``failedMessageList``, a balance that runs out.
- NHN Cloud: SMS v3.0 ``/sms/v3.0/appKeys/{appKey}/sender/{sms,mms,ad-sms,ad-mms}`` and
  AlimTalk v2.3 ``/alimtalk/v2.3/appkeys/{appkey}/messages``, ``X-Secret-Key`` checked,
  answers ``{"header": {"isSuccessful", "resultCode", "resultMessage"}, ...}``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from patron.outreach.templating import KAKAO_VARIABLE, sms_size

SOLAPI_KEY, SOLAPI_SECRET = "NCSTESTKEY000001", "TESTSECRET0123456789ABCDEFGHIJKL"
NHN_APP_KEY, NHN_SECRET, NHN_ALIMTALK_KEY = "nhnAppKey", "nhnSecret", "nhnAlimtalkKey"
SENDER = "0212345678"
_AUTH = re.compile(
    r"HMAC-SHA256 apiKey=(?P<key>[^,]+), date=(?P<date>[^,]+), salt=(?P<salt>[^,]+), "
    r"signature=(?P<signature>[0-9a-f]+)$"
)


class ProviderServer:
    """A threaded HTTP server; ``received`` is every accepted message, as the provider saw it."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.balance = 1_000_000  # won
        self.blocked: set[str] = set()  # national numbers on the 080 opt-out list
        self.salts: set[str] = set()
        self.kakao_templates: dict[str, str] = {}  # code -> approved text
        self.no_kakao: set[str] = set()  # numbers without KakaoTalk: fallback to SMS
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    return self.answer(400, {"errorCode": "ValidationError"})
                status, answer = server.route(self.path, dict(self.headers), body)
                self.answer(status, answer)

            def answer(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def route(self, path: str, headers: dict, body: dict) -> tuple[int, dict]:
        if path == "/messages/v4/send-many/detail":
            return self.solapi(headers, body)
        match = re.fullmatch(r"/sms/v3\.0/appKeys/([^/]+)/sender/(sms|mms|ad-sms|ad-mms)", path)
        if match:
            return self.nhn_sms(match.group(1), match.group(2), headers, body)
        match = re.fullmatch(r"/alimtalk/v2\.3/appkeys/([^/]+)/messages", path)
        if match:
            return self.nhn_alimtalk(match.group(1), headers, body)
        return 404, {"errorCode": "NotFound"}

    # -- Solapi ---------------------------------------------------------------------------

    def solapi_refusal(self, headers: dict) -> tuple[int, dict] | None:
        match = _AUTH.match(headers.get("Authorization", ""))
        if not match:
            return 403, {"errorCode": "InvalidAuthType", "errorMessage": "bad header"}
        if match["key"] != SOLAPI_KEY:
            return 403, {"errorCode": "InvalidAPIKey", "errorMessage": "unknown key"}
        date = dt.datetime.fromisoformat(match["date"].replace("Z", "+00:00"))
        if abs((dt.datetime.now(dt.UTC) - date).total_seconds()) > 900:
            return 403, {"errorCode": "RequestTimeTooSkewed", "errorMessage": "clock"}
        if match["salt"] in self.salts:
            return 403, {"errorCode": "DuplicatedSignature", "errorMessage": "salt reused"}
        expected = hmac.new(
            SOLAPI_SECRET.encode(), (match["date"] + match["salt"]).encode(), hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(expected, match["signature"]):
            return 403, {"errorCode": "SignatureDoesNotMatch", "errorMessage": "signature"}
        self.salts.add(match["salt"])
        return None

    def solapi(self, headers: dict, body: dict) -> tuple[int, dict]:
        refused = self.solapi_refusal(headers)
        if refused:
            return refused
        accepted, failed = [], []
        for message in body.get("messages", []):
            kind = message.get("type")
            cost = {"SMS": 20, "LMS": 50, "ATA": 15}.get(kind, 0)
            if self.balance < cost:
                return 402, {"errorCode": "NotEnoughBalance", "errorMessage": "잔액 부족"}
            problem = self.solapi_problem(message)
            if problem:
                failed.append({**problem, "to": message.get("to"), "type": kind})
                continue
            self.balance -= cost
            message_id = "M4V" + uuid.uuid4().hex[:20].upper()
            self.received.append({"provider": "solapi", "id": message_id, **message})
            accepted.append(
                {
                    "messageId": message_id,
                    "statusCode": "2000",
                    "statusMessage": "정상 접수(이통사로 접수 예정) ",
                }
            )
        return 200, {
            "groupInfo": {"count": {"total": len(accepted) + len(failed)}},
            "failedMessageList": failed,
            "messageList": accepted,
        }

    def solapi_problem(self, message: dict) -> dict | None:
        if message.get("from") != SENDER:
            return {"statusCode": "1062", "statusMessage": "발신번호 미등록"}
        if message.get("to") in self.blocked:
            return {"statusCode": "1061", "statusMessage": "080 수신거부"}
        kind, text = message.get("type"), message.get("text", "")
        if kind in ("SMS", "LMS") and sms_size(text).kind != kind:
            return {"statusCode": "1022", "statusMessage": "메시지 타입과 길이가 맞지 않음"}
        if kind == "ATA":
            options = message.get("kakaoOptions") or {}
            approved = self.kakao_templates.get(options.get("templateId"))
            if approved is None:
                return {"statusCode": "3034", "statusMessage": "템플릿 없음"}
            variables = options.get("variables") or {}
            if set(KAKAO_VARIABLE.findall(approved)) != set(variables):
                return {"statusCode": "3042", "statusMessage": "템플릿 변수 불일치"}
            if message["to"] in self.no_kakao:
                if options.get("disableSms"):
                    return {"statusCode": "3016", "statusMessage": "카카오톡 미사용자"}
                message["delivered_as"] = sms_size(text).kind  # Solapi's SMS fallback
        return None

    # -- NHN Cloud ------------------------------------------------------------------------

    @staticmethod
    def nhn_header(code: int = 0, message: str = "SUCCESS") -> dict:
        return {"isSuccessful": code == 0, "resultCode": code, "resultMessage": message}

    def nhn_sms(self, app_key, kind, headers, body) -> tuple[int, dict]:
        if headers.get("X-Secret-Key") != NHN_SECRET:
            return 401, {"header": self.nhn_header(-1000, "Invalid secret key.")}
        if app_key != NHN_APP_KEY:
            return 200, {"header": self.nhn_header(-1000, "Invalid appKey.")}
        if body.get("sendNo") != SENDER:
            return 200, {"header": self.nhn_header(-2312, "Not regist sendno.")}
        text = body.get("body", "")
        size = sms_size(text)
        if (size.kind == "SMS") != kind.endswith("sms") or size.kind == "too_long":
            return 200, {"header": self.nhn_header(-2015, "Title or Body exceed maximum byte.")}
        if kind.startswith("ad-") and "080" not in text.splitlines()[-1]:
            return 200, {
                "header": self.nhn_header(-6003, "The body must contain block guide ment.")
            }
        results = []
        for seq, recipient in enumerate(body.get("recipientList", []), 1):
            number = recipient.get("recipientNo")
            code, message = (
                (-6001, "Recipient Number is refused.")
                if number in self.blocked
                else (0, "SUCCESS")
            )
            if code == 0:
                self.received.append({"provider": "nhn", "kind": kind, "to": number, **body})
            results.append(
                {
                    "recipientNo": number,
                    "resultCode": code,
                    "resultMessage": message,
                    "recipientSeq": seq,
                }
            )
        request_id = uuid.uuid4().hex
        return 200, {
            "header": self.nhn_header(),
            "body": {
                "data": {"requestId": request_id, "statusCode": "2", "sendResultList": results}
            },
        }

    def nhn_alimtalk(self, app_key, headers, body) -> tuple[int, dict]:
        if headers.get("X-Secret-Key") != NHN_SECRET or app_key != NHN_ALIMTALK_KEY:
            return 200, {"header": self.nhn_header(-1000, "Invalid appKey.")}
        approved = self.kakao_templates.get(body.get("templateCode"))
        if approved is None:
            return 200, {"header": self.nhn_header(-3012, "Template not found.")}
        results = []
        for seq, recipient in enumerate(body.get("recipientList", []), 1):
            parameters = recipient.get("templateParameter") or {}
            wanted = {name[2:-1] for name in KAKAO_VARIABLE.findall(approved)}
            if set(parameters) != wanted:
                results.append(
                    {
                        "recipientSeq": seq,
                        "resultCode": -3021,
                        "resultMessage": "Template parameter mismatch.",
                    }
                )
                continue
            entry = {
                "provider": "nhn",
                "kind": "alimtalk",
                "to": recipient["recipientNo"],
                "templateCode": body["templateCode"],
                "parameters": parameters,
            }
            if recipient["recipientNo"] in self.no_kakao:
                resend = recipient.get("resendParameter") or {}
                if not resend.get("isResend"):
                    results.append(
                        {
                            "recipientSeq": seq,
                            "resultCode": -3016,
                            "resultMessage": "Not a KakaoTalk user.",
                        }
                    )
                    continue
                entry["delivered_as"] = resend["resendType"]
                entry["resendContent"] = resend["resendContent"]
            self.received.append(entry)
            results.append({"recipientSeq": seq, "resultCode": 0, "resultMessage": "success"})
        return 200, {
            "header": self.nhn_header(),
            "message": {"requestId": uuid.uuid4().hex, "sendResults": results},
        }
