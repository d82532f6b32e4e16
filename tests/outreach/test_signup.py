"""The public sign-up form asks the 개인정보 수집·이용 동의 (what, why, how long), takes a
phone for text messages, and confirms the number with a code sent to it before anything is
recorded."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client

from patron.outreach.models import OutboxMessage
from patron.parties.consent import current_consents
from patron.parties.models import Consent, Party


@pytest.fixture(autouse=True)
def texts_in_demo_mode(settings):
    settings.PATRON_SMS_PROVIDER = "demo"


def sign_up(client, **fields):
    form = {"name": "한지민", "phone": "010-2345-6789", "by_sms": "on", "topic": ["marketing"],
            "privacy": "on", **fields}  # fmt: skip
    return client.post("/subscribe/", form, HTTP_ACCEPT_LANGUAGE="ko")


def code_sent() -> str:
    message = OutboxMessage.objects.get(channel="sms", topic__startswith="opt-in:form:code:")
    return re.search(r"\b(\d{6})\b", message.content["body"]).group(1)


def test_the_form_shows_what_is_collected_why_and_for_how_long(db):
    page = Client().get("/subscribe/?lang=ko").content.decode()
    assert "개인정보 수집·이용 동의" in page
    assert 'name="phone"' in page  # texts can be sent: the phone is asked


def test_nothing_is_taken_without_the_privacy_consent(db):
    page = sign_up(Client(), privacy="").content.decode()
    assert "개인정보 수집·이용에 동의" in page
    assert not Party.objects.exists()


def test_a_phone_is_confirmed_by_the_code_sent_to_it_then_recorded_with_its_wording(db):
    client = Client()
    page = sign_up(client).content.decode()
    assert "휴대전화로 보낸" in page
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    party = Party.objects.get(phone="+821023456789")
    assert current_consents([party.pk], "sms", "marketing") == {}  # not before the code
    wrong = client.post("/subscribe/code/", {"token": token, "code": "000000"})
    assert wrong.status_code == 400
    client.post("/subscribe/code/", {"token": token, "code": code_sent()})
    assert current_consents([party.pk], "sms", "marketing") == {party.pk: True}
    evidence = Consent.objects.get(party=party).evidence
    assert evidence["via"] == "sms_code" and "개인정보" in evidence["wording"]


def test_five_wrong_codes_spend_the_code_whatever_the_client_sends(db):
    page = sign_up(Client()).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    for _ in range(5):  # each from a fresh client with no cookie: the count is not theirs
        Client().post("/subscribe/code/", {"token": token, "code": "000000"})
    Client().post("/subscribe/code/", {"token": token, "code": code_sent()})
    assert not Consent.objects.exists()


def test_a_code_confirms_once_and_never_after_a_later_no(db):
    from patron.outreach import links

    page = sign_up(Client()).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    code = code_sent()
    Client().post("/subscribe/code/", {"token": token, "code": code})
    party = Party.objects.get(phone="+821023456789")
    Client().post(
        urlsplit(links.unsubscribe_url(party.pk, "sms", "marketing")).path,
        {"List-Unsubscribe": "One-Click"},
    )
    Client().post("/subscribe/code/", {"token": token, "code": code})  # replayed
    assert current_consents([party.pk], "sms", "marketing") == {party.pk: False}


def test_without_a_text_provider_the_form_asks_no_phone(db, settings):
    settings.PATRON_SMS_PROVIDER = ""
    assert 'name="phone"' not in Client().get("/subscribe/").content.decode()
