"""The Korean interface is Korean: every page, rendered with Korean data, holds no generated
English; and the catalogue has no untranslated or fuzzy entry."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.urls import reverse
from django.utils import timezone

from patron.commerce.imports import do_import_file
from patron.commerce.models import Engagement, ImportRun, Order
from patron.core.runs import RunStatus
from patron.feedback.models import SurveyInvitation
from patron.insight.classification import do_classify
from patron.insight.scoring import do_score
from patron.parties.consent import do_record_consent
from patron.parties.merge import do_merge_parties
from patron.parties.models import ContactPoint, Party
from patron.parties.services import do_set_relationship
from tests.conftest import add_member
from tests.exports import write_orders

CATALOGUE = Path(__file__).parents[2] / "src" / "patron" / "locale" / "ko" / "LC_MESSAGES"
# Latin words that are names, not prose: the product, file types, currency codes, markets,
# commands (in code style) and the data this test made (user names, file names, emails).
ALLOWED = {
    "Patron", "Shopify", "Stripe", "WooCommerce", "Square", "CSV", "XLSX", "KRW", "B2B",
    "B2C", "English", "make", "run", "patron", "worker", "serve", "with", "import", "JSON", "ZIP",
    "orders", "csv", "daepyo", "mina", "tom", "example", "com", "kr", "MB",
    "Date",  # a column of the test's own export file, shown beside its rejected row
    "UTF", "CP", "EUC", "Shift", "JIS", "Windows",  # names of text encodings
    # Merge fields are code ({{ first_name }}), written the same in every language.
    "first", "name", "business", "manager", "years", "since", "preferences", "url", "rsvp",
    "survey", "grade", "points", "recommended",
    "VIP",  # a member grade's name, as Korean shops write it
    "SMS", "LMS", "SHIP",  # message types, a template code
    "NPS", "CSAT", "subject",  # the surveys' names, as Korean businesses say them; a placeholder
    "Cafe", "Wing", "ESM", "XLS",  # marketplaces' own names (Cafe24, 쿠팡 Wing), a file type
    "Solapi", "NHN", "Cloud", "API", "pfId",  # text providers' names and their own terms
    "haru", "studio",  # an example KakaoTalk channel id (@haru-studio)
}  # fmt: skip
EMAIL = re.compile(r"[\w.+-]+@[\w.-]+")
WORD = re.compile(r"[A-Za-z]{2,}")


class _Text(HTMLParser):
    """Visible text, leaving out scripts, styles, and anything marked lang="en"."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "input", "meta", "link", "img", "hr"):
            return
        hidden = tag in ("script", "style", "title") or dict(attrs).get("lang") == "en"
        self.stack.append((tag, hidden))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not any(hidden for _, hidden in self.stack):
            self.parts.append(data)


def english_words(html: str) -> set[str]:
    parser = _Text()
    parser.feed(html)
    text = EMAIL.sub(" ", " ".join(parser.parts))
    text = re.sub(r"https?://\S+", " ", text)  # links in previewed messages are addresses
    # Quoted names (“Created at”, a column of the file) and command-line options are names.
    text = re.sub(r"“[^”]*”|--[\w-]+(?:[ =][^\s)]+)?", " ", text)
    text = re.sub(r"K[0-9A-Z-]+|O\d+", " ", text)  # order numbers
    return {word for word in WORD.findall(text) if word not in ALLOWED}


@pytest.fixture
def korean_business(db, tmp_path, settings):
    settings.PATRON_IMPORT_BATCH_ROWS = 500
    owner = add_member("daepyo", "owner", "owner-password-123", "대표")
    add_member("mina", "manager", "manager-password-123", "민아")
    add_member("tom", "staff", "teammate-password-123", "토미")
    export = write_orders(tmp_path / "orders.csv", 3000, products=("가족사진 촬영", "액자", "앨범"))
    with export.open("a", encoding="utf-8") as handle:
        handle.write("O9999,2024-02-30,고객1,c1@example.com,,액자,1000\n")  # a rejected row
    report = do_import_file(export)
    do_import_file(export, dry_run=True)
    failed = ImportRun.objects.create(file_name="orders.csv", status=RunStatus.FAILED)
    failed.mark_finished(RunStatus.FAILED, {"code": "file.no_date_column"})
    ImportRun.objects.create(
        file_name="orders.csv", status=RunStatus.INTERRUPTED, problem={"code": "run.interrupted"}
    )
    do_classify()
    do_score()
    first, second, third = Party.objects.order_by("pk")[:3]
    do_set_relationship(first, actor=owner, kind="client", owner=owner)
    Engagement.objects.create(
        party=first, kind="appointment", title="가족사진 촬영", started_at=timezone.now()
    )
    do_record_consent(
        first, "email", "marketing", granted=True, source="page", evidence={"form": "가입"}
    )
    do_merge_parties(first, third, actor=owner)
    ContactPoint.objects.create(party=second, kind="phone", value=first.phone or "+821011112222")
    outreach = _keeping_in_touch(owner, first, second)
    listening = _listening(owner, second)
    coupon = _grades(owner, first)
    return {
        "coupon": coupon,
        "owner": owner,
        "party": first,
        "other": second,
        "run": report.run_id,
        **outreach,
        **listening,
    }


def _grades(owner, party):
    """Grades on, two of them, one given by hand, and a coupon given and used: the loyalty
    pages show all they can. The coupon."""
    import datetime as dt

    from patron.loyalty.grades import do_recompute_grades, do_set_grade, grade_program
    from patron.loyalty.models import MemberGrade

    rules = grade_program()
    rules.enabled = True
    rules.save()
    MemberGrade.objects.create(name="일반", threshold=0)
    vip = MemberGrade.objects.create(
        name="VIP", threshold=50_000, rate_percent=3, priority_booking=True, perks="생일 쿠폰"
    )
    do_recompute_grades(timezone.localdate())
    do_set_grade(party, vip, timezone.localdate() + dt.timedelta(days=30), actor=owner)
    from patron.loyalty.counter import do_counter_sale
    from patron.loyalty.coupons import do_issue_to_party, do_save_coupon
    from patron.loyalty.models import Coupon

    coupon = do_save_coupon(
        Coupon(
            name="봄 쿠폰",
            code="봄맞이",
            kind="percent",
            value=10,
            max_discount=5000,
            min_order=10_000,
            expires_on=timezone.localdate() + dt.timedelta(days=30),
            uses_per_party=2,
        )
    )
    do_issue_to_party(coupon, party, actor=owner)
    do_counter_sale(party, 30_000, 0, number="K1", actor=owner, coupon_code="봄맞이")
    return coupon


def _listening(owner, party) -> dict:
    """A detractor's answer and its item, called, waiting, escalated; the survey pages."""
    from patron.feedback.items import do_log_call, escalate_overdue
    from patron.feedback.models import FeedbackItem
    from patron.feedback.surveys import (
        Ask,
        ask_party,
        do_answer_survey,
        general_survey,
        survey_url,
    )

    asked_at = timezone.now() - dt.timedelta(days=10)
    ask_party(Ask(general_survey("nps"), party.pk, "nps:test", asked_at))
    invitation = SurveyInvitation.objects.get(party=party)
    do_answer_survey(invitation, 3, "사진이 늦게 왔어요", now=asked_at)
    item = FeedbackItem.objects.get(party=party)
    escalate_overdue()
    do_log_call(item, "사과드림", actor=owner)
    from patron.commerce.models import Offering
    from patron.feedback.changes import do_save_change
    from patron.feedback.models import Change, Pilot
    from patron.feedback.plans import do_add_goal, do_add_milestone, do_save_plan

    change = do_save_change(Change(title="토요일 20시까지 영업"), [item.pk], actor=owner)
    pilot = Pilot.objects.create(offering=Offering.objects.first(), title="무광 앨범 시범")
    do_save_plan(party, summary="연 2회 촬영", next_review=timezone.localdate(), actor=owner)
    goal = do_add_goal(party, title="재촬영", measure="2회", target_date=None, actor=owner)
    do_add_milestone(goal, title="봄 예약", due=None, actor=owner)
    return {
        "item": item.pk,
        "survey_link": survey_url(invitation),
        "change": change.pk,
        "pilot": pilot.pk,
        "planned": party.pk,
    }


def _keeping_in_touch(owner, client_party, customer) -> dict:
    """A campaign planned with sends and skips, a task, an incident and a seminar."""
    import datetime as dt

    from patron.core.business import do_save_business
    from patron.outreach import links
    from patron.outreach.daily import do_plan_day
    from patron.outreach.events import do_answer, do_invite
    from patron.outreach.incidents import do_send_notice, draft_notice
    from patron.outreach.models import (
        Cadence,
        Campaign,
        Event,
        Incident,
        KakaoTemplate,
        Segment,
        Template,
    )
    from patron.outreach.planner import do_plan_campaign
    from patron.outreach.services import do_launch_campaign

    # A business that may advertise by email; texts not set up (every page says so).
    do_save_business(
        {"name": "한옥찻집", "phone": "02-123-4567", "email_from": "차집 <hello@hanok.kr>"}
    )
    KakaoTemplate.objects.create(
        name="배송 안내",
        code="SHIP01",
        text="#{고객명}님, 발송했습니다.",
        variables={"#{고객명}": "first_name"},
    )
    template = Template.objects.create(
        name="봄 할인",
        message_class="promotional",
        subject="봄 할인",
        body="{{ first_name }} 님, **봄 할인**입니다.",
        client_body="{{ first_name }} 님, 감사합니다.",
    )
    segment = Segment.objects.create(name="모두", filters={})
    campaign = Campaign.objects.create(name="봄 할인", template=template, segment=segment)
    do_launch_campaign(campaign)
    do_plan_campaign(campaign)
    Cadence.objects.create(name="안부", rule="check_in", kind="client", days=1)
    client_party.relationship.since = timezone.localdate() - dt.timedelta(days=30)
    client_party.relationship.save()
    do_plan_day(timezone.localdate())
    start = timezone.now() - dt.timedelta(days=400)
    incident = Incident.objects.create(title="배송 지연", starts_at=start, ends_at=timezone.now())
    subject, body = draft_notice(incident)
    do_send_notice(incident, "notice", subject, body, actor=owner)
    event = Event.objects.create(
        title="다도 교실",
        starts_at=timezone.now() + dt.timedelta(days=3),
        place="2층",
        capacity=10,
        segment=segment,
    )
    do_invite(event)
    do_answer(event, customer, coming=True)
    return {
        "campaign": campaign.pk,
        "segment": segment.pk,
        "template": template.pk,
        "incident": incident.pk,
        "event": event.pk,
        "public": [
            links.unsubscribe_url(customer.pk, "email", "marketing"),
            links.preferences_url(customer.pk),
            links.rsvp_url(event.pk, customer.pk),
            links.confirm_url(customer.pk, "email", ["newsletter"], "소식지"),
        ],
    }


def _pages(data) -> list[str]:
    preview = ImportRun.objects.filter(dry_run=True).first()
    failed = ImportRun.objects.filter(status="failed").first()
    interrupted = ImportRun.objects.filter(status="interrupted").first()
    party, other = data["party"], data["other"]
    return [
        reverse("dashboard"),
        reverse("business_settings"),
        reverse("my_profile"),
        reverse("suppressions"),
        reverse("event_edit", args=[data["event"]]),
        reverse("parties"),
        reverse("parties") + "?q=없는사람",
        reverse("party", args=[party.pk]),
        reverse("party", args=[other.pk]),
        reverse("party", args=[Order.objects.last().party_id]),
        reverse("at_risk"),
        reverse("candidates"),
        reverse("duplicates"),
        reverse("duplicate_compare", args=[min(party.pk, other.pk), max(party.pk, other.pk)]),
        reverse("offerings"),
        reverse("import"),
        reverse("import_detail", args=[data["run"]]),
        reverse("import_detail", args=[preview.pk]),
        reverse("import_detail", args=[failed.pk]),
        reverse("import_detail", args=[interrupted.pk]),
        reverse("team"),
        "/no-such-page/",
        reverse("today"),
        reverse("outreach"),
        reverse("campaign", args=[data["campaign"]]),
        reverse("campaign_new"),
        reverse("segment", args=[data["segment"]]),
        reverse("segment_new"),
        reverse("template", args=[data["template"]]),
        reverse("contact_rules"),
        reverse("cadences"),
        reverse("incidents"),
        reverse("incident", args=[data["incident"]]),
        reverse("events"),
        reverse("event", args=[data["event"]]),
        *[url.split("8000", 1)[-1] for url in data["public"]],
        reverse("feedback"),
        reverse("feedback") + "?view=closed",
        reverse("feedback_item", args=[data["item"]]),
        reverse("surveys"),
        reverse("survey_edit", args=["nps"]),
        reverse("survey_edit", args=["csat"]),
        reverse("changes"),
        reverse("change", args=[data["change"]]),
        reverse("pilots"),
        reverse("pilot", args=[data["pilot"]]),
        reverse("account_plan", args=[data["planned"]]),
        reverse("party", args=[data["planned"]]),
        reverse("book"),
        reverse("response_times"),
        reverse("counter"),
        reverse("points_settings"),
        reverse("grades_settings"),
        reverse("api_tokens"),
        reverse("access_review"),
        reverse("coupons"),
        reverse("coupon_new"),
        reverse("coupon", args=[data["coupon"].pk]),
        reverse("coupon_edit", args=[data["coupon"].pk]),
        reverse("counter") + f"?party={party.pk}",
        reverse("counter") + "?phone=없는번호",
        data["survey_link"].split("8000", 1)[-1],
        reverse("subscribe"),
    ]


def test_every_page_reads_as_korean_in_korean(client, korean_business):
    client.force_login(korean_business["owner"])
    found = {}
    for url in _pages(korean_business):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="ko")
        assert response.status_code in (200, 404), url
        words = english_words(response.content.decode())
        if words:
            found[url] = sorted(words)
    client.logout()
    login = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    if english_words(login):
        found["login"] = sorted(english_words(login))
    assert not found, "English on Korean pages:\n" + "\n".join(
        f"{u}: {w}" for u, w in found.items()
    )


def test_the_same_pages_read_as_english_in_english(client, korean_business):
    client.force_login(korean_business["owner"])
    page = client.get(reverse("party", args=[korean_business["party"].pk])).content.decode()
    assert "Relationship set to Client" in page and "was merged into this party" in page


def test_a_stored_reason_reads_right_after_a_language_switch(client, korean_business):
    client.force_login(korean_business["owner"])
    url = reverse("party", args=[korean_business["other"].pk])
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.post(reverse("set_language"), {"language": "ko", "next": url})
    korean = client.get(url).content.decode()
    assert "Chance they are still an active buyer" in english or "Bought once" in english
    assert "Chance they are still" not in korean and "Bought once" not in korean


def test_the_korean_catalogue_is_complete():
    catalogue = polib.pofile(str(CATALOGUE / "django.po"))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == [] and fuzzy == []


def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    """Extract the strings from the code again (Django's makemessages, on a copy): none is
    missing from the committed catalogue, and the compiled .mo says what the .po says."""
    if shutil.which("xgettext") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("gettext is missing in CI: scripts/install_chromium.sh installs it")
        pytest.skip("gettext tools are not installed")
    package = CATALOGUE.parents[2]
    copy = tmp_path / "patron"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "patron.settings"}
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "ko", "--no-obsolete"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    extracted = polib.pofile(str(copy / "locale" / "ko" / "LC_MESSAGES" / "django.po"))
    committed = {e.msgid: e for e in polib.pofile(str(CATALOGUE / "django.po"))}
    missing = [e.msgid for e in extracted if e.msgid not in committed]
    untranslated = [
        e.msgid for e in extracted if e.msgid in committed and not committed[e.msgid].translated()
    ]
    assert missing == [] and untranslated == []
    compiled = {(e.msgid, e.msgstr) for e in polib.mofile(str(CATALOGUE / "django.mo"))}
    written = {
        (e.msgid, e.msgstr) for e in committed.values() if e.translated() and not e.msgid_plural
    }
    assert written <= compiled, "django.mo is older than django.po: run compilemessages"
