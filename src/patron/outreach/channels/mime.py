"""A campaign email as bytes, written directly for the SMTP path.

Written by hand because measured speed demands it (bench/delivery.py): Python's email
package took ~0.5 ms a message to build and fold the same MIME structure, most of the
courier's own time. The structure is fixed and small: a multipart/alternative with a UTF-8
text part and an HTML part, each 8bit when the server announced 8BITMIME (then sent with
BODY=8BITMIME), base64 otherwise or when a line is longer than SMTP allows; RFC 2047 encoded
words of at most 75 characters for non-ASCII headers; CRLF everywhere. The tests read every
message back with the standard library's parser (tests/outreach), so the two agree.
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
def header_value(value: str, name: str = "Subject") -> str:
    """ASCII as is; anything else as RFC 2047 encoded words of at most 75 characters, folded
    with CRLF (RFC 5322 §2.2.3; the email package folds with a bare LF unless told), cached:
    a campaign repeats its subject."""
    value = " ".join(value.split())
    if value.isascii() and len(name) + len(value) < 900:
        return value
    return Header(value, "utf-8", maxlinelen=75, header_name=name).encode(linesep="\r\n")


@lru_cache(maxsize=16)
def address_header(value: str) -> str:
    name, address = parseaddr(value)
    if not name:
        return address
    return formataddr((name, address), charset=Charset("utf-8"))


def _part(content_type: str, text: str, eight_bit: bool) -> tuple[bytes, bool]:
    """The part, and whether it is 8-bit: UTF-8 as is when the server takes 8-bit bodies
    and no line is too long for SMTP, base64 otherwise (RFC 6152: no 8-bit data to a server
    that did not announce 8BITMIME)."""
    data = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    lines = data.split(b"\n")
    plain = data.isascii() or eight_bit
    if plain and all(len(line) <= _LINE_LIMIT for line in lines):
        body = b"\r\n".join(lines)
        encoding = b"7bit" if data.isascii() else b"8bit"
    else:
        raw = base64.encodebytes(data).replace(b"\n", b"\r\n")
        body, encoding = raw.rstrip(b"\r\n"), b"base64"
    part = (
        b"Content-Type: " + content_type.encode() + b'; charset="utf-8"\r\n'
        b"Content-Transfer-Encoding: " + encoding + b"\r\n\r\n" + body + b"\r\n"
    )
    return part, encoding == b"8bit"


def encode_message(message: Outgoing, from_email: str, *, eight_bit: bool = True) -> tuple:
    """The message as bytes for SMTP, and whether it carries 8-bit data (then it must be
    sent with BODY=8BITMIME)."""
    boundary = "==patron-" + secrets.token_hex(12)
    headers = [
        ("From", address_header(from_email)),
        ("To", message.to),
        ("Subject", header_value(message.subject)),
        ("Date", formatdate()),
        ("Message-ID", message.message_id),
        ("MIME-Version", "1.0"),
        *((name, header_value(value, name)) for name, value in message.headers.items()),
    ]
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    parts = [_part("text/plain", message.text, eight_bit)]
    if message.html:
        parts.append(_part("text/html", message.html, eight_bit))
    has_8bit = any(is_8bit for _part_bytes, is_8bit in parts)
    if len(parts) == 1:
        return head.encode("ascii") + parts[0][0], has_8bit
    head += f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'
    marker = f"--{boundary}\r\n".encode()
    data = (
        head.encode("ascii")
        + b"".join(marker + part for part, _is_8bit in parts)
        + f"--{boundary}--\r\n".encode()
    )
    return data, has_8bit
