from __future__ import annotations

import unicodedata

import pytest

from patron.parties.normalize import name_key, normalize_email, normalize_phone


@pytest.mark.parametrize(
    "written",
    [
        "010-1234-5678",
        "01012345678",
        "10-1234-5678",
        "'010-1234-5678",
        "+82 10 1234 5678",
        "０１０-１２３４-５６７８",
    ],
)
def test_korean_mobile_numbers_normalise_to_e164(written):
    assert normalize_phone(written, "KR") == "+821012345678"


def test_default_region_is_configurable():
    assert normalize_phone("(415) 555-0100", "US") == "+14155550100"


def test_not_a_phone():
    assert normalize_phone("call me", "KR") is None


@pytest.mark.parametrize(
    "written", [" Ann@Example.COM", "ann @example.com", "mailto:ann@example.com"]
)
def test_emails_normalise(written):
    assert normalize_email(written) == "ann@example.com"


def test_not_an_email():
    assert normalize_email("ann at example") is None


def test_name_key_ignores_nfd_spacing_and_case():
    assert name_key(unicodedata.normalize("NFD", "홍 길동")) == name_key("홍길동")
    assert name_key("Kim  MinJi") == name_key("kim minji")
