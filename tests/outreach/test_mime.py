"""The hand-written MIME of the SMTP path reads back, with the standard parser, as written,
and keeps the RFCs a strict receiving server checks: CRLF line ends only (RFC 5321 §2.3.8,
RFC 5322 §2.2.3), encoded words of at most 75 characters (RFC 2047 §2), 8-bit parts only
where the server announced 8BITMIME (RFC 6152)."""

from __future__ import annotations

import re
from email import message_from_bytes, policy

from patron.outreach.channels import Outgoing
from patron.outreach.channels.mime import encode_message

ENCODED_WORD = re.compile(rb"=\?[^?]+\?[bBqQ]\?[^?]*\?=")


def content(part) -> str:
    return part.get_content().replace("\r\n", "\n").rstrip("\n")


def encode(outgoing: Outgoing, sender: str = "한옥찻집 <hello@hanok.example>", **kwargs):
    data, _eight_bit = encode_message(outgoing, sender, **kwargs)
    return data


def read_back(outgoing: Outgoing, sender: str = "한옥찻집 <hello@hanok.example>", **kwargs):
    return message_from_bytes(encode(outgoing, sender, **kwargs), policy=policy.default)


LONG_SUBJECT = "(광고) 봄 햇차 20% 할인: 새로 들어온 녹차와 다구, 한옥찻집의 봄 이야기를 만나보세요"


def an_ad(**changes) -> Outgoing:
    fields = {
        "to": "p1@example.com",
        "subject": LONG_SUBJECT,
        "text": "고객님, 안녕하세요.\n\n두 번째 줄 — “따옴표”와 이모지 🍵",
        "html": "<p>고객님, <strong>안녕하세요</strong>.</p>",
        "message_id": "<abc@hanok.example>",
        "headers": {
            "List-Unsubscribe": "<https://crm.hanok.example/u/tok/>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    }
    return Outgoing(**{**fields, **changes})


def test_headers_and_both_parts_read_back_exactly():
    outgoing = an_ad()
    message = read_back(outgoing)
    assert message["Subject"] == LONG_SUBJECT
    assert message["From"].addresses[0].display_name == "한옥찻집"
    assert message["From"].addresses[0].addr_spec == "hello@hanok.example"
    assert message["Message-ID"] == "<abc@hanok.example>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert content(message.get_body(("plain",))) == outgoing.text
    assert content(message.get_body(("html",))) == outgoing.html


def test_every_line_ends_with_crlf_and_no_bare_lf_or_cr_is_left():
    data = encode(an_ad(text="one\ntwo\r\nthree\rfour"))
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"\r" not in data.replace(b"\r\n", b"")


def test_a_long_korean_subject_folds_into_encoded_words_of_at_most_75_characters():
    head = encode(an_ad()).split(b"\r\n\r\n", 1)[0]
    words = ENCODED_WORD.findall(head)
    assert len(words) > 1  # folded
    assert max(len(word) for word in words) <= 75
    subject = head.split(b"Subject: ", 1)[1].split(b"\r\nDate:", 1)[0]
    assert max(len(line) for line in (b"Subject: " + subject).split(b"\r\n")) <= 78


def test_8bit_parts_only_when_the_server_takes_them():
    data, eight_bit = encode_message(an_ad(), "a@b.c", eight_bit=True)
    assert eight_bit and b"Content-Transfer-Encoding: 8bit" in data
    data, eight_bit = encode_message(an_ad(), "a@b.c", eight_bit=False)
    assert not eight_bit
    assert data.isascii()  # a 7-bit server gets base64, which still reads back exactly
    assert content(message_from_bytes(data, policy=policy.default).get_body(("plain",))) == (
        an_ad().text
    )


def test_a_line_longer_than_smtp_allows_goes_as_base64_and_reads_back():
    long_line = "가" * 600  # 1,800 bytes on one line
    data = encode(Outgoing(to="a@b.c", subject="s", text=long_line), "a@b.c")
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    message = message_from_bytes(data, policy=policy.default)
    assert content(message) == long_line


def test_a_subject_cannot_smuggle_a_header():
    message = read_back(Outgoing(to="a@b.c", subject="안녕\r\nBcc: victim@example.com", text="x"))
    assert message["Bcc"] is None
