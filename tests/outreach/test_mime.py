"""The hand-written MIME of the SMTP path reads back, with the standard parser, as written."""

from __future__ import annotations

from email import message_from_bytes, policy

from patron.outreach.channels import Outgoing
from patron.outreach.channels.mime import encode_message


def content(part) -> str:
    return part.get_content().replace("\r\n", "\n").rstrip("\n")


def read_back(outgoing: Outgoing, sender: str = "한옥찻집 <hello@hanok.example>"):
    return message_from_bytes(encode_message(outgoing, sender), policy=policy.default)


def test_headers_and_both_parts_read_back_exactly():
    text = "고객님, 안녕하세요.\n\n두 번째 줄 — “따옴표”와 이모지 🍵"
    html = "<p>고객님, <strong>안녕하세요</strong>.</p>"
    message = read_back(
        Outgoing(
            to="p1@example.com",
            subject="(광고) 봄 햇차 20% 할인",
            text=text,
            html=html,
            message_id="<abc@hanok.example>",
            headers={
                "List-Unsubscribe": "<https://crm.hanok.example/u/tok/>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
    )
    assert message["Subject"] == "(광고) 봄 햇차 20% 할인"
    assert message["From"].addresses[0].display_name == "한옥찻집"
    assert message["From"].addresses[0].addr_spec == "hello@hanok.example"
    assert message["Message-ID"] == "<abc@hanok.example>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert content(message.get_body(("plain",))) == text
    assert content(message.get_body(("html",))) == html


def test_a_line_longer_than_smtp_allows_goes_as_base64_and_reads_back():
    long_line = "가" * 600  # 1,800 bytes on one line
    data = encode_message(Outgoing(to="a@b.c", subject="s", text=long_line), "a@b.c")
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    message = message_from_bytes(data, policy=policy.default)
    assert content(message) == long_line


def test_a_subject_cannot_smuggle_a_header():
    message = read_back(Outgoing(to="a@b.c", subject="안녕\r\nBcc: victim@example.com", text="x"))
    assert message["Bcc"] is None
