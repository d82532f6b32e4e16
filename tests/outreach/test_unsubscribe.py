"""Unsubscribe links, the preference page and double opt-in, as a party and an attacker use them."""

from __future__ import annotations

import json
import socket
import sqlite3
import threading

import pytest
from django.test import Client

from patron.outreach import links
from patron.outreach.models import OutboxMessage
from patron.parties.consent import current_consents
from patron.parties.models import Consent, Party

from .conftest import grant, make_party

SITE = "https://crm.hanok.example"


@pytest.fixture(autouse=True)
def site(settings):
    settings.PATRON_SITE_URL = SITE


def path(url: str) -> str:
    return url[len(SITE) :]


def marketing(party, channel="email"):
    return current_consents([party.pk], channel, "marketing").get(party.pk)


def queued_promotion(party):
    return OutboxMessage.objects.create(
        party=party,
        dedupe_key=f"c:{party.pk}",
        channel="email",
        address=party.email,
        message_class="promotional",
    )


def test_one_click_post_unsubscribes_at_once_and_drops_queued_messages(db):
    party = make_party(1)
    grant([party], "email", "marketing")
    waiting = queued_promotion(party)
    response = Client().post(
        path(links.unsubscribe_url(party.pk, "email", "marketing")),
        {"List-Unsubscribe": "One-Click"},
    )
    assert response.status_code == 200
    assert marketing(party) is False
    waiting.refresh_from_db()
    assert waiting.status == "skipped" and waiting.reason["code"] == "outreach.skip.unsubscribed"
    evidence = Consent.objects.filter(party=party).latest("recorded_at")
    assert evidence.source == "unsubscribe:one_click"
    # The party is told (a service message, queued at once).
    assert OutboxMessage.objects.filter(party=party, topic__startswith="consent:").count() == 1


def test_a_scanner_following_the_link_changes_nothing(db):
    party = make_party(1)
    grant([party], "email", "marketing")
    waiting = queued_promotion(party)
    url = path(links.unsubscribe_url(party.pk, "email", "marketing"))
    for method in ("get", "head"):
        assert getattr(Client(), method)(url).status_code == 200
    assert marketing(party) is True
    waiting.refresh_from_db()
    assert waiting.status == "queued"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature edited
        lambda token: token[: len(token) // 2],  # cut short
        lambda token: "W1s5OTksImVtYWlsIiwibWFya2V0aW5nIl0" + token[token.index(":") :],
        lambda token: "nonsense",
    ],
)
def test_a_tampered_link_is_refused_and_changes_nothing(db, tamper):
    party, other = make_party(1), make_party(2)
    grant([party, other], "email", "marketing")
    token = links.unsubscribe_token(party.pk, "email", "marketing")
    response = Client().post(f"/u/{tamper(token)}/", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 400
    assert marketing(party) is True and marketing(other) is True


def test_a_preference_link_cannot_open_another_partys_page(db):
    party = make_party(1)
    token = links.preferences_token(party.pk)
    forged = links.preferences_token(party.pk + 1)[:-5] + token[-5:]
    assert Client().get(f"/preferences/{forged}/").status_code == 400


def test_the_preference_page_withdraws_at_once_and_asks_to_confirm_a_new_yes(db, settings):
    party = make_party(1, phone=True)
    grant([party], "email", "marketing")
    client = Client()
    url = path(links.preferences_url(party.pk))
    page = client.get(url)
    assert page.status_code == 200
    assert "혜택·프로모션 소식" in page.content.decode()  # in the party's own language
    # Keep nothing by email, ask for the newsletter by SMS.
    response = client.post(url, {"sms:newsletter": "on"})
    assert response.status_code == 200
    assert marketing(party) is False
    assert current_consents([party.pk], "sms", "newsletter") == {}  # not before confirming
    request = OutboxMessage.objects.get(party=party, topic__startswith="opt-in:")
    assert request.channel == "sms" and request.message_class == "service"
    confirm = path(request.content["body"].rsplit(" ", 1)[1])
    assert client.get(confirm).status_code == 200  # a scanner's GET confirms nothing
    assert current_consents([party.pk], "sms", "newsletter") == {}
    assert client.post(confirm).status_code == 200
    assert current_consents([party.pk], "sms", "newsletter") == {party.pk: True}
    given = Consent.objects.filter(party=party, channel="sms").latest("recorded_at")
    assert given.source == "double_opt_in" and given.evidence["wording"] == "소식지"


def test_an_old_confirmation_link_has_expired(db, settings):
    import time

    from django.core import signing

    party = make_party(1)
    token = links.confirm_token(party.pk, "email", ["newsletter"], "Newsletter")
    later = time.time() + (links.CONFIRM_DAYS + 1) * 86400
    real = signing.time.time
    signing.time.time = lambda: later
    try:
        assert Client().post(f"/confirm/{token}/").status_code == 400
    finally:
        signing.time.time = real
    assert current_consents([party.pk], "email", "newsletter") == {}


def test_a_new_subscriber_confirms_before_anything_is_recorded(db):
    client = Client()
    page = client.post(
        "/subscribe/",
        {
            "name": "한지민",
            "email": " Jimin@Example.COM ",
            "topic": ["newsletter"],
            "privacy": "on",
        },
        HTTP_ACCEPT_LANGUAGE="ko",
    )
    assert page.status_code == 200 and "메일함" in page.content.decode()
    party = Party.objects.get(email="jimin@example.com")
    assert current_consents([party.pk], "email", "newsletter") == {}
    request = OutboxMessage.objects.get(party=party, topic__startswith="opt-in:form:")
    confirm = path(request.content["body"].rsplit(" ", 1)[1])
    client.post(confirm)
    assert current_consents([party.pk], "email", "newsletter") == {party.pk: True}
    evidence = Consent.objects.get(party=party, purpose="newsletter").evidence
    assert evidence["via"] == "confirmation_link"
    # The wording they agreed to: the topic, and the 개인정보 수집·이용 동의 they read.
    assert evidence["wording"].startswith("소식지 · ") and "개인정보" in evidence["wording"]
    # Asking again within the hour sends nothing more; a robot's post does nothing at all.
    client.post(
        "/subscribe/", {"email": "jimin@example.com", "topic": ["newsletter"], "privacy": "on"}
    )
    assert OutboxMessage.objects.filter(topic__startswith="opt-in:form:").count() == 1
    client.post(
        "/subscribe/",
        {"email": "bot@example.com", "topic": ["newsletter"], "website": "http://spam"},
    )
    assert not OutboxMessage.objects.filter(address="bot@example.com").exists()


def test_the_subscribe_form_refuses_a_bad_address_clearly(db):
    answer = Client().post(
        "/subscribe/", {"email": "not an email", "topic": ["newsletter"], "privacy": "on"}
    )
    assert "name@example.com" in answer.content.decode()
    assert not OutboxMessage.objects.exists()


def test_the_subscribe_form_takes_only_so_many_sign_ups_an_hour(db, settings):
    """The form needs no login: a script posting made-up people is stopped per client
    address and in all, with a message that says to try later; nobody past it is created."""
    settings.PATRON_SUBSCRIBE_HOURLY_PER_CLIENT = 3
    settings.PATRON_SUBSCRIBE_HOURLY = 5

    def sign_up(i: int, address: str):
        return Client(REMOTE_ADDR=address).post(
            "/subscribe/", {"email": f"p{i}@example.com", "topic": ["newsletter"], "privacy": "on"}
        )

    answers = [sign_up(i, "198.51.100.7").status_code for i in range(5)]
    assert answers == [200, 200, 200, 429, 429]
    refused = sign_up(5, "198.51.100.7").content.decode()
    assert "try again later" in refused
    assert [sign_up(i, "203.0.113.9").status_code for i in range(6, 9)] == [200, 200, 429]
    assert Party.objects.count() == 5  # 3 from the first address, 2 more before the cap
    korean = Client(REMOTE_ADDR="192.0.2.1").post(
        "/subscribe/?lang=ko", {"email": "k@example.com", "topic": ["newsletter"], "privacy": "on"}
    )
    assert korean.status_code == 429 and "잠시 후" in korean.content.decode()


class _WriteLockHeld:
    """Another process holding the database's write lock (SQLite), or the consent table
    (PostgreSQL), for as long as the block lasts."""

    def __init__(self, settings_dict: dict) -> None:
        self.settings = settings_dict
        self.release, self.held = threading.Event(), threading.Event()

    def __enter__(self):
        self.thread = threading.Thread(target=self._hold, daemon=True)
        self.thread.start()
        assert self.held.wait(10)
        return self

    def _hold(self) -> None:
        if self.settings["ENGINE"].endswith("sqlite3"):
            db = sqlite3.connect(self.settings["NAME"], isolation_level=None, timeout=5)
            db.execute("BEGIN IMMEDIATE")
            self.held.set()
            self.release.wait(60)
            db.execute("ROLLBACK")
            db.close()
            return
        import psycopg

        s = self.settings
        with psycopg.connect(
            host=s["HOST"], port=s["PORT"] or 5432, user=s["USER"], dbname=s["NAME"]
        ) as db:
            db.execute("LOCK TABLE parties_consent IN EXCLUSIVE MODE")
            self.held.set()
            self.release.wait(60)
            db.rollback()

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.thread.join(30)


@pytest.mark.django_db(transaction=True)
def test_a_one_click_unsubscribe_that_meets_a_busy_database_is_kept_and_recorded_first():
    from django.db import connection

    from patron.jobs import courier_round

    party = make_party(1)
    grant([party], "email", "marketing")
    waiting = queued_promotion(party)
    options = connection.settings_dict.setdefault("OPTIONS", {})
    saved = dict(options)
    if connection.vendor == "sqlite":
        options["timeout"] = 1
    else:
        options["options"] = "-c lock_timeout=1000"
    connection.close()
    try:
        with _WriteLockHeld(connection.settings_dict):
            response = Client().post(
                path(links.unsubscribe_url(party.pk, "email", "marketing")),
                {"List-Unsubscribe": "One-Click"},
            )
            assert response.status_code == 200  # answered, not 503: a mail client never retries
    finally:
        options.clear()
        options.update(saved)
        connection.close()
    assert marketing(party) is True  # not yet: it waits on disk
    counts = courier_round()  # recorded before anything is sent
    assert counts["unsubscribes_recorded"] == 1
    assert marketing(party) is False
    waiting.refresh_from_db()
    assert waiting.status == "skipped"


def test_ticking_a_box_again_and_again_sends_one_confirmation(db, settings):
    party = make_party(1)
    page = path(links.preferences_url(party.pk))
    for _ in range(5):
        Client().post(page, {"email:newsletter": "on"})
    assert OutboxMessage.objects.filter(party=party, topic__startswith="opt-in:").count() == 1


def test_a_confirmation_link_confirms_once_and_never_after_a_later_no(db):
    party = make_party(1)
    link = path(links.confirm_url(party.pk, "email", ["newsletter"], "소식지"))
    Client().post(link)
    assert current_consents([party.pk], "email", "newsletter")[party.pk] is True
    assert Consent.objects.filter(party=party).count() == 1
    Client().post(link)  # replayed: nothing new
    assert Consent.objects.filter(party=party).count() == 1
    Client().post(
        path(links.unsubscribe_url(party.pk, "email", "newsletter")),
        {"List-Unsubscribe": "One-Click"},
    )
    assert "이미 사용한 링크입니다" in Client().get(link).content.decode()
    Client().post(link)  # replayed after the "no": the "no" stands
    assert current_consents([party.pk], "email", "newsletter")[party.pk] is False


def test_unsubscribes_kept_on_disk_are_recorded_in_order_each_once(db, settings, tmp_path):
    """Each kept request is a file of its own: two couriers never record one twice, one left
    half-taken by a courier that died goes back, and the old one-file list is adopted."""
    from patron.jobs import courier_round
    from patron.outreach import pending

    settings.DATA_DIR = str(tmp_path)
    parties = [make_party(i) for i in range(3)]
    grant(parties, "email", "marketing")
    waiting = queued_promotion(parties[0])
    pending.keep_for_later(links.UnsubscribeTarget(parties[0].pk, "email", "marketing"), "link")
    folder = tmp_path / "pending"
    [kept] = folder.glob("*.json")
    # A courier that died while recording the second one:
    pending.keep_for_later(links.UnsubscribeTarget(parties[1].pk, "email", "marketing"), "link")
    second = sorted(folder.glob("*.json"))[1]
    second.rename(folder / f"{second.name}.taken-{socket.gethostname()[:60]}:999999999:1")
    # One written by an older Patron, to its single file:
    line = {"party": parties[2].pk, "channel": "email", "purpose": "marketing", "via": "link"}
    (folder / "unsubscribes.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")

    counts = courier_round()
    assert counts["unsubscribes_recorded"] == 3
    assert [marketing(party) for party in parties] == [False, False, False]
    assert list(folder.iterdir()) == []
    waiting.refresh_from_db()
    assert waiting.status == "skipped"
    assert courier_round().get("unsubscribes_recorded") is None  # nothing twice
    assert not kept.exists()


def test_the_courier_sends_nothing_while_a_kept_unsubscribe_cannot_be_recorded(
    db, settings, tmp_path, monkeypatch
):
    from django.db import OperationalError

    from patron.jobs import courier_round
    from patron.outreach import pending, services

    settings.DATA_DIR = str(tmp_path)
    party = make_party(1)
    grant([party], "email", "marketing")
    waiting = queued_promotion(party)
    pending.keep_for_later(links.UnsubscribeTarget(party.pk, "email", "marketing"), "link")

    def busy(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "do_unsubscribe", busy)
    counts = courier_round()
    assert counts["unsubscribes_waiting"] == 1
    waiting.refresh_from_db()
    assert waiting.status == "queued"  # not sent while the "no" waits
    monkeypatch.undo()
    assert courier_round()["unsubscribes_recorded"] == 1
    waiting.refresh_from_db()
    assert waiting.status == "skipped"
