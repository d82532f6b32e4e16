"""A channel is set up (a real provider), in demo mode (printed, never "sent"), or not set up
(its messages wait, with the reason, and every page says how many). Run on the demo studio
through the commands an owner runs."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from patron.cli import main
from patron.core.business import do_save_business
from patron.outreach.models import OutboxMessage

TEXTS = ("sms", "kakao")


@pytest.fixture
def demo(db, settings):
    # The demo studio's own settings, not the outreach tests' pinned business.
    for name in ("PATRON_SENDER_NAME", "PATRON_SENDER_CONTACT", "DEFAULT_FROM_EMAIL"):
        setattr(settings, name, "")
    assert main(["demo", "--parties", "400"]) == 0


def plan_and_deliver(capsys) -> dict:
    assert main(["plan", "--date", timezone.localdate().isoformat(), "--json"]) == 0
    capsys.readouterr()
    assert main(["deliver", "--until-empty", "--json"]) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_with_no_text_provider_no_text_is_marked_sent_and_each_says_why_it_waits(
    demo, capsys, owner
):
    do_save_business({"text_provider": ""})
    history = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first()
    # A service notice to everyone reachable: texts included, whatever consent says.
    from patron.outreach.incidents import do_send_notice
    from patron.outreach.models import Incident

    incident = Incident.objects.create(
        title="촬영 일정 변경",
        starts_at=timezone.now() - timezone.timedelta(days=900),
        ends_at=timezone.now(),
    )
    do_send_notice(
        incident, "notice", "일정 변경", "{{ first_name }} 님, 일정이 바뀌었습니다.", actor=owner
    )
    out = plan_and_deliver(capsys)

    texts = OutboxMessage.objects.filter(channel__in=TEXTS, pk__gt=history)
    assert texts.filter(status__in=("sent", "delivered", "demo", "sending")).count() == 0
    waiting = texts.filter(status="queued")
    assert waiting.exists()
    assert set(waiting.values_list("reason__why__code", flat=True)) == {"channel.no_provider"}
    assert out["waiting"]["sms"] == {
        "count": waiting.filter(channel="sms").count(),
        "reason": "no text-message provider is set up",
        "code": "channel.no_provider",
    }
    # Every page says so, with the count, in the owner's language.
    client = Client()
    client.force_login(owner)
    page = " ".join(client.get("/", HTTP_ACCEPT_LANGUAGE="ko").content.decode().split())
    count = f"{waiting.filter(channel='sms').count():,}"
    assert (
        f"문자 발송이 설정되지 않았습니다: 문자 발송 업체가 설정되지 않음. {count}건 대기 중."
        in page
    )


def test_in_demo_mode_texts_are_printed_and_marked_demo_never_sent(demo, capsys, owner):
    out = plan_and_deliver(capsys)
    assert "waiting" in out and "sms" not in out["waiting"]
    texts = OutboxMessage.objects.filter(channel__in=TEXTS)
    assert texts.filter(status__in=("sent", "delivered")).count() == 0
    assert texts.filter(status="demo").exists()  # the demo's history and today's plan
    client = Client()
    client.force_login(owner)
    page = client.get("/outreach/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "데모 모드" in page and "발송되지 않습니다" in page


@pytest.mark.django_db(transaction=True)
def test_a_save_inside_a_transaction_is_seen_by_other_threads_once_it_commits(settings):
    """The worker reads the business in its own thread: a read that overlapped a save
    (still uncommitted) must not be kept as the business for the next seconds."""
    import threading

    from django.db import connection, transaction

    from patron.core.business import business

    settings.PATRON_SENDER_NAME = ""  # the name as saved, not pinned
    seen = []

    def read_elsewhere():
        seen.append(business().display_name)
        connection.close()

    with transaction.atomic():
        do_save_business({"name": "새 이름"})
        reader = threading.Thread(target=read_elsewhere)
        reader.start()
        reader.join()
    assert business().display_name == "새 이름"
    other = threading.Thread(target=read_elsewhere)
    other.start()
    other.join()
    assert seen[-1] == "새 이름"


def test_the_email_from_is_kept_as_the_owner_wrote_it_and_encoded_only_in_the_header(db, settings):
    from patron.core.business import business, settings_row

    settings.DEFAULT_FROM_EMAIL = ""  # not pinned
    do_save_business({"email_from": "하루 사진관 <hello@haru.example>"})
    assert settings_row().email_from == "하루 사진관 <hello@haru.example>"
    assert business().from_header == "=?utf-8?b?7ZWY66OoIOyCrOynhOq0gA==?= <hello@haru.example>"
    do_save_business({"email_from": "=?utf-8?b?7ZWY66OoIOyCrOynhOq0gA==?= <hello@haru.example>"})
    assert settings_row().email_from == "하루 사진관 <hello@haru.example>"  # given encoded
