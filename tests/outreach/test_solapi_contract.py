"""The local Solapi server is checked by the real client: Solapi's official Python SDK sends
SMS, LMS and 알림톡 to it and reads its answers with its own models, so the server takes what
the real service takes (the SDK signs "ApiKey=", "Date=" with a local-offset date) and answers
in the shape the SDK validates. Each refusal is answered with Solapi's documented code."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pytest
import requests
from solapi import SolapiMessageService
from solapi.error.MessageNotReceiveError import MessageNotReceivedError
from solapi.model import KakaoOption, RequestMessage, SendRequestConfig
from solapi.model.request.messages.get_messages import GetMessagesRequest

from patron.outreach.channels.solapi import authorization

from . import providers

APPROVED = "#{고객명}님, 주문하신 상품의 배송이 하루 늦어집니다."


@pytest.fixture
def server():
    with providers.ProviderServer() as running:
        running.kakao_templates["DELAY01"] = APPROVED
        yield running


@pytest.fixture
def sdk(server):
    service = SolapiMessageService(providers.SOLAPI_KEY, providers.SOLAPI_SECRET)
    service.base_url = server.url  # the SDK's only address is api.solapi.com
    return service


def sms(text: str, **fields) -> RequestMessage:
    return RequestMessage(
        **{"from_": providers.SENDER, "to": "010-1234-5678", "text": text, **fields}
    )


def test_the_official_sdk_sends_sms_lms_and_alimtalk_and_reads_the_answers(sdk, server):
    shown = SendRequestConfig(show_message_list=True)
    short = sdk.send(sms("봄 신상품", type="SMS"), shown)
    long = sdk.send(sms("녹차 " * 60, type="LMS", subject="봄 신상품 안내"), shown)
    kakao = sdk.send(
        RequestMessage(
            from_=providers.SENDER,
            to="01012345678",
            text="배송 지연 안내",
            type="ATA",
            kakao_options=KakaoOption(
                pf_id=providers.KAKAO_SENDER_KEY,
                template_id="DELAY01",
                variables={"고객명": "홍길동"},  # the SDK writes it #{고객명}
            ),
        ),
        shown,
    )
    for answer in (short, long, kakao):
        assert answer.group_info.count.registered_success == 1
        assert answer.message_list[0].status_code == "2000"
    assert [m["type"] for m in server.received] == ["SMS", "LMS", "ATA"]
    listed = sdk.get_messages(GetMessagesRequest(message_id=short.message_list[0].message_id))
    assert listed.message_list[short.message_list[0].message_id].status_code == "3000"
    server.report()
    listed = sdk.get_messages(GetMessagesRequest(message_id=short.message_list[0].message_id))
    assert listed.message_list[short.message_list[0].message_id].status_code == "4000"


def test_without_show_message_list_no_message_id_comes_back(sdk):
    answer = sdk.send(sms("봄 신상품", type="SMS"))
    assert answer.message_list is None


def test_a_tampered_or_replayed_signature_is_refused_as_documented(server):
    url = server.url + "/messages/v4/send-many/detail"
    body = {
        "messages": [{"to": "01012345678", "from": providers.SENDER, "text": "x", "type": "SMS"}]
    }
    header = authorization(providers.SOLAPI_KEY, providers.SOLAPI_SECRET)
    tampered = header[:-1] + ("0" if header[-1] != "0" else "1")
    answer = requests.post(url, json=body, headers={"Authorization": tampered}, timeout=5)
    assert (answer.status_code, answer.json()["errorCode"]) == (403, "SignatureDoesNotMatch")
    assert requests.post(url, json=body, headers={"Authorization": header}, timeout=5).ok
    again = requests.post(url, json=body, headers={"Authorization": header}, timeout=5)
    assert (again.status_code, again.json()["errorCode"]) == (403, "DuplicatedSignature")
    stale = authorization(
        providers.SOLAPI_KEY,
        providers.SOLAPI_SECRET,
        now=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16),
    )
    answer = requests.post(url, json=body, headers={"Authorization": stale}, timeout=5)
    assert answer.json()["errorCode"] == "RequestTimeTooSkewed"


def test_the_sdk_meets_a_wrong_key_as_solapi_says_it(server):
    wrong = SolapiMessageService("NCSWRONGKEY00001", providers.SOLAPI_SECRET)
    wrong.base_url = server.url
    with pytest.raises(Exception) as refused:
        wrong.send(sms("x", type="SMS"))
    assert refused.value.args[0] == "InvalidAPIKey"


def test_a_lowercase_md5_signature_is_accepted_too(server):
    date = dt.datetime.now(dt.UTC).isoformat()
    salt = "0123456789abcdef"
    signature = hmac.new(
        providers.SOLAPI_SECRET.encode(), (date + salt).encode(), hashlib.md5
    ).hexdigest()
    header = (
        f"HMAC-MD5 apikey={providers.SOLAPI_KEY}, date={date}, salt={salt}, signature={signature}"
    )
    body = {
        "messages": [{"to": "01012345678", "from": providers.SENDER, "text": "x", "type": "SMS"}]
    }
    answer = requests.post(
        server.url + "/messages/v4/send-many/detail",
        json=body,
        headers={"Authorization": header},
        timeout=5,
    )
    assert answer.ok


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"text": "봄 신상품", "type": "SMS", "from_": "0299999999"}, "1062"),  # 발신번호 미등록
        ({"text": "햇차 🍵", "type": "SMS"}, "1029"),  # EUC-KR 범위 밖
        ({"text": "녹차 " * 60, "type": "LMS", "subject": "가" * 21}, "1014"),  # 제목 40byte
        ({"text": "봄", "type": "SMS", "subject": "제목"}, "1013"),  # SMS에는 제목 불가
        ({"text": "녹차 " * 40, "type": "SMS"}, "1031"),  # SMS 90byte
    ],
)
def test_each_refused_message_is_answered_with_its_documented_status(sdk, fields, code):
    with pytest.raises(MessageNotReceivedError) as refused:
        sdk.send(sms(**fields))
    [failed] = refused.value.failed_messages
    assert failed.status_code == code


def test_the_080_refusal_list_and_the_balance_are_answered_as_documented(sdk, server):
    server.blocked = {"01012345678"}
    with pytest.raises(MessageNotReceivedError) as refused:
        sdk.send(sms("봄 신상품", type="SMS"))
    assert refused.value.failed_messages[0].status_code == "1061"
    server.solapi.balance = 0
    with pytest.raises(Exception) as empty:
        sdk.send(sms("봄 신상품", type="SMS", to="01099998888"))
    assert empty.value.args[0] == "NotEnoughBalance"


def test_alimtalk_with_variables_other_than_the_templates_is_refused(sdk):
    message = RequestMessage(
        from_=providers.SENDER,
        to="01012345678",
        type="ATA",
        kakao_options=KakaoOption(
            pf_id=providers.KAKAO_SENDER_KEY, template_id="DELAY01", variables={"이름": "홍"}
        ),
    )
    with pytest.raises(MessageNotReceivedError) as refused:
        sdk.send(message)
    assert refused.value.failed_messages[0].status_code == "1043"
