"""Local servers on 127.0.0.1 that speak the Korean providers' published contracts, so the
real adapters are tested without calling a real provider.

Each is built from the provider's own documents, and every status code it answers names its
source there (``solapi.py``: Solapi's ``solapi/documents`` repository and its SDKs;
``nhn.py``: NHN Cloud's ``TOAST-DOCS/SMS`` and ``TOAST-DOCS/Alimtalk``). The Solapi server is
also driven by the official ``solapi`` SDK in the tests (tests/outreach/test_solapi_contract.py),
so it accepts what the real service accepts, signature spelling included.

One ``ProviderServer`` serves both on one port; the tests point the adapters at its URL. What
the carriers would report later is decided by ``outcome`` (a national number -> a provider
status code) and released by ``report()``: until then every accepted message is on its way.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .nhn import NHN_ALIMTALK_KEY, NHN_APP_KEY, NHN_SECRET, NhnStandIn
from .solapi import SOLAPI_KEY, SOLAPI_SECRET, SolapiStandIn

SENDER = "0212345678"  # the sender number registered with both providers
KAKAO_SENDER_KEY = "KA01PF2026HANOKTEA"

__all__ = [
    "KAKAO_SENDER_KEY",
    "NHN_ALIMTALK_KEY",
    "NHN_APP_KEY",
    "NHN_SECRET",
    "SENDER",
    "SOLAPI_KEY",
    "SOLAPI_SECRET",
    "ProviderServer",
]


class ProviderServer:
    """A threaded HTTP server speaking Solapi and NHN Cloud. ``received`` is every message a
    provider accepted, as it saw it."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.blocked: set[str] = set()  # national numbers on the 080 refusal list
        self.no_kakao: set[str] = set()  # numbers without KakaoTalk: 알림톡 falls back to a text
        self.kakao_templates: dict[str, str] = {}  # approved code -> exact text
        self.outcome: dict[str, str] = {}  # national number -> the carrier's final code
        self.requests: list[tuple[str, str, dict]] = []  # (method, path, headers)
        # The next N sends are taken but their answers lost: the connection drops before
        # the answer leaves, as when a network or a courier fails at that moment.
        self.lose_answers = 0
        self.lock = threading.Lock()
        self.solapi = SolapiStandIn(self)
        self.nhn = NhnStandIn(self)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                self.handle_call("GET", b"")

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                self.handle_call("POST", self.rfile.read(length))

            def handle_call(self, method: str, raw: bytes):
                url = urlsplit(self.path)
                query = parse_qs(url.query, keep_blank_values=True)
                headers = {name.lower(): value for name, value in self.headers.items()}
                with server.lock:
                    server.requests.append((method, url.path, headers))
                    status, answer = server.route(method, url.path, query, headers, raw)
                    lose = method == "POST" and server.lose_answers > 0
                    if lose:
                        server.lose_answers -= 1
                if lose:
                    self.close_connection = True
                    return
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
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

    def route(self, method, path, query, headers, raw) -> tuple[int, dict]:
        if path.startswith("/messages/v4/"):
            return self.solapi.route(method, path, query, headers, raw)
        if path.startswith(("/sms/v3.0/", "/alimtalk/v2.3/")):
            return self.nhn.route(method, path, query, headers, raw)
        return 404, {"errorCode": "NotFound", "errorMessage": path}

    def report(self) -> None:
        """The carriers report: every message on its way reaches its final state."""
        with self.lock:
            self.solapi.report()
            self.nhn.report()

    def final_code(self, number: str, default: str) -> str:
        return self.outcome.get(number, default)
