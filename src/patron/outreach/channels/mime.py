"""A campaign email as bytes, written directly for the SMTP path.

Written by hand because measured speed demands it (bench/delivery.py): Python's email
package took ~0.5 ms a message to build and fold the same MIME structure, most of the
courier's own time. The structure is fixed and small: a multipart/alternative with a UTF-8
text part and an HTML part, each 8bit (base64 when a line is longer than SMTP allows), and
RFC 2047 encoded words for non-ASCII headers. The tests read every message back with the
standard library's parser (tests/outreach), so the two agree.
"""

from __future__ import annotations

import base64
import secrets
from email.charset import Charset
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr
from functools import lru_cache

from . import Outgoing

_LINE_LIMIT = 998  # RFC 5322: octets per line, without CRLF


@lru_cache(maxsize=256)
def header_value(value: str) -> str:
    """ASCII as is; anything else as encoded words (cached: a campaign repeats its subject)."""
    if value.isascii() and len(value) < 900 and "\n" not in value and "\r" not in value:
        return value
    return Header(" ".join(value.split()), "utf-8").encode()


@lru_cache(maxsize=16)
def address_header(value: str) -> str:
    name, address = parseaddr(value)
    return formataddr((name, address), charset=Charset("utf-8")) if name else address


def _part(content_type: str, text: str) -> bytes:
    data = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    lines = data.split(b"\n")
    if all(len(line) <= _LINE_LIMIT for line in lines):
        body, encoding = b"\r\n".join(lines), b"8bit"
    else:
        raw = base64.encodebytes(data).replace(b"\n", b"\r\n")
        body, encoding = raw.rstrip(b"\r\n"), b"base64"
    return (
        b"Content-Type: " + content_type.encode() + b'; charset="utf-8"\r\n'
        b"Content-Transfer-Encoding: " + encoding + b"\r\n\r\n" + body + b"\r\n"
    )


def encode_message(message: Outgoing, from_email: str) -> bytes:
    boundary = "==patron-" + secrets.token_hex(12)
    headers = [
        ("From", address_header(from_email)),
        ("To", message.to),
        ("Subject", header_value(message.subject)),
        ("Date", formatdate()),
        ("Message-ID", message.message_id),
        ("MIME-Version", "1.0"),
        *((name, header_value(value)) for name, value in message.headers.items()),
    ]
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    parts = [_part("text/plain", message.text)]
    if message.html:
        parts.append(_part("text/html", message.html))
    if len(parts) == 1:
        return head.encode("ascii") + parts[0]
    head += f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'
    marker = f"--{boundary}\r\n".encode()
    return (
        head.encode("ascii")
        + b"".join(marker + part for part in parts)
        + f"--{boundary}--\r\n".encode()
    )
