"""Only a plain mailbox is kept as an email address: it goes into SMTP's RCPT TO as it is."""

from __future__ import annotations

import pytest
from django.test import Client

from patron.parties.models import Party
from patron.parties.normalize import normalize_email

NOT_MAILBOXES = [
    "ann<evil>@example.com",
    "<ann@example.com>",
    "ann@example.com>",
    "ann\x00@example.com",
    "ann@exa\x00mple.com",
    "홍길동@example.com",
    "ann@예시.com",
    "ann@localhost",
    "ann..lee@example.com",
    ".ann@example.com",
    "ann.@example.com",
    "ann@-example.com",
    "ann@example-.com",
    "ann@exa_mple.com",
    '"ann lee"@example.com',
    "ann@@example.com",
    "a" * 65 + "@example.com",
    "ann@" + ".".join(["b" * 60] * 5) + ".com",
]


@pytest.mark.parametrize("written", NOT_MAILBOXES)
def test_it_refuses_what_is_not_a_mailbox(written):
    assert normalize_email(written) is None


@pytest.mark.parametrize(
    "written, kept",
    [
        ("Ann.Lee+tea@Example.CO.KR", "ann.lee+tea@example.co.kr"),
        ("ａｎｎ＠ｅｘａｍｐｌｅ．ｃｏｍ", "ann@example.com"),  # full-width, from a Korean keyboard
        ("o'brien_1@mail-1.example.com", "o'brien_1@mail-1.example.com"),
        ("a" * 64 + "@example.com", "a" * 64 + "@example.com"),
    ],
)
def test_it_keeps_a_plain_mailbox(written, kept):
    assert normalize_email(written) == kept


def test_the_sign_up_form_refuses_an_address_smtp_would_misread(db):
    answer = Client().post(
        "/subscribe/",
        {
            "email": "ann@example.com>, <victim@example.org",
            "topic": ["newsletter"],
            "privacy": "on",
        },
    )
    assert "name@example.com" in answer.content.decode()
    assert not Party.objects.exists()
