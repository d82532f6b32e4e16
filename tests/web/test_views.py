"""Pages for the owner, the account manager, the staff member, and the outsider refused."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from patron.commerce.imports import do_import_file
from patron.commerce.models import ImportRun, Order
from patron.parties.models import Activity, ContactPoint, Party, Relationship

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(sample):
    return do_import_file(sample("orders_ko_cp949.csv"))


def _pages(imported) -> list[str]:
    party = Party.objects.first()
    return [
        reverse("dashboard"),
        reverse("parties"),
        reverse("party", args=[party.pk]),
        reverse("at_risk"),
        reverse("candidates"),
        reverse("duplicates"),
        reverse("offerings"),
        reverse("import"),
        reverse("import_detail", args=[imported.run_id]),
        reverse("import_progress", args=[imported.run_id]),
        reverse("import_errors", args=[imported.run_id]),
    ]


def test_it_sends_anonymous_visitors_to_login(client, imported):
    for url in [*_pages(imported), reverse("team")]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_it_refuses_outsider_everywhere_without_a_traceback(client, outsider, imported, caplog):
    client.force_login(outsider)
    for url in [*_pages(imported), reverse("team")]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Not allowed" in response.content.decode()
    party = Party.objects.first()
    response = client.post(reverse("party_relationship", args=[party.pk]), {"kind": "client"})
    assert response.status_code == 403
    assert Relationship.objects.get(party=party).kind_source == "inferred"
    assert not [r for r in caplog.records if r.exc_info]


def test_it_shows_every_page_to_staff_but_the_team(client, teammate, imported):
    client.force_login(teammate)
    for url in _pages(imported):
        assert client.get(url).status_code == 200, url
    assert client.get(reverse("team")).status_code == 403


def test_foreign_or_missing_objects_answer_404_in_the_readers_language(client, teammate, imported):
    client.force_login(teammate)
    assert client.get(reverse("party", args=[999_999])).status_code == 404
    assert client.get(reverse("import_detail", args=[999_999])).status_code == 404
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="ko")
    assert response.status_code == 404 and 'lang="ko"' in response.content.decode()


def test_dashboard_counts_kinds_with_right_plurals(client, owner, imported):
    Relationship.objects.filter(party__in=Party.objects.all()[:3]).update(kind="client")
    client.force_login(owner)
    page = client.get(reverse("dashboard")).content.decode()
    assert "147" in page and "Client" in page and "orders_ko_cp949.csv" in page
    assert "150</span><span>Parties" in page
    Party.objects.exclude(pk=Party.objects.first().pk).update(merged_into=Party.objects.first())
    page = client.get(reverse("dashboard")).content.decode()
    assert "1</span><span>Party</span>" in page


def test_search_finds_by_name_email_and_phone(client, teammate, imported):
    client.force_login(teammate)
    order = Order.objects.get(external_id="K7-00001")
    party = order.party
    for query in (party.display_name, party.email.upper(), "010-5555-7964"):
        page = client.get(reverse("parties"), {"q": query}).content.decode()
        assert f'href="/parties/{party.pk}/"' in page, query


def test_an_exact_email_comes_first_and_its_digits_find_no_strangers(client, teammate):
    wanted = Party.objects.create(display_name="Kim", name_key="kim", email="kim7964@example.com")
    ContactPoint.objects.create(party=wanted, kind="email", value=wanted.email)
    Party.objects.create(
        display_name="Stranger", name_key="stranger", email="s@example.com", phone="+821055557964"
    )
    Party.objects.create(
        display_name="Akim7964 fan", name_key="akim7964fan", email="kim7964@example.com.au"
    )
    client.force_login(teammate)
    response = client.get(reverse("parties"), {"q": "kim7964@example.com"})
    names = [p.display_name for p in response.context["page"]]
    assert names[0] == "Kim" and "Stranger" not in names


def test_an_exact_phone_comes_first(client, teammate):
    Party.objects.create(display_name="Aa", name_key="aa", phone="+821099990000")
    wanted = Party.objects.create(display_name="Zz", name_key="zz", phone="+821012345678")
    ContactPoint.objects.create(party=wanted, kind="phone", value=wanted.phone)
    client.force_login(teammate)
    response = client.get(reverse("parties"), {"q": "010-1234-5678"})
    assert next(p.display_name for p in response.context["page"]) == "Zz"


def test_party_list_pages_filter_and_sort(client, teammate, imported):
    client.force_login(teammate)
    response = client.get(reverse("parties"), {"kind": "customer", "sort": "-name", "page": 2})
    page = response.context["page"]
    assert page.number == 2 and page.paginator.count == 150
    names = [p.display_name for p in page]
    assert names == sorted(names, reverse=True)
    html = response.content.decode()
    assert "kind=customer&amp;sort=-name&amp;page=3" in html  # the pager keeps the filters


def test_staff_cannot_change_a_relationship(client, teammate, imported):
    client.force_login(teammate)
    party = Party.objects.first()
    response = client.post(reverse("party_relationship", args=[party.pk]), {"kind": "client"})
    assert response.status_code == 403


def test_an_account_manager_changes_kind_and_manager(client, manager, teammate, imported):
    client.force_login(manager)
    party = Party.objects.first()
    response = client.post(
        reverse("party_relationship", args=[party.pk]), {"kind": "client", "owner": teammate.pk}
    )
    assert response.status_code == 302
    relationship = Relationship.objects.get(party=party)
    assert (relationship.kind, relationship.kind_source, relationship.owner) == (
        "client",
        "person",
        teammate,
    )
    page = client.get(reverse("party", args=[party.pk])).content.decode()
    assert "set by Mina on" in page and "Relationship set to Client, account manager: tom" in page


def test_a_kind_set_by_a_person_shows_patrons_reading_as_its_own(client, owner, imported):
    from patron.insight.classification import do_classify

    do_classify()
    party = Relationship.objects.filter(kind="customer").first().party
    client.force_login(owner)
    client.post(reverse("party_relationship", args=[party.pk]), {"kind": "client"})
    do_classify([party.pk])
    page = client.get(reverse("party", args=[party.pk])).content.decode()
    assert "Patron's own reading of the data would say: Customer" in page
    assert "set by olivia on" in page


def test_known_since_is_the_first_purchase_in_the_business_time_zone(client, owner, write_csv):
    rows = [
        ["Order ID", "Date", "Name", "Email", "Amount"],
        ["1", "2024-03-05 00:30", "Ann", "ann@example.com", "100"],
        ["2", "2024-05-01 12:00", "Ann", "ann@example.com", "100"],
    ]
    do_import_file(write_csv("a.csv", rows))
    client.force_login(owner)
    page = client.get(reverse("party", args=[Party.objects.get().pk])).content.decode()
    assert re.search(r"Known since</dt><dd>Tue 5 March 2024<", page)


def test_quantities_and_money_read_as_people_write_them(client, owner, write_csv):
    rows = [
        ["Order ID", "Date", "Company", "Product", "Quantity", "Unit price", "Amount"],
        ["1", "2024-01-01", "새솔중학교", "증명사진", "30", "15000", "450000"],
    ]
    do_import_file(write_csv("b.csv", rows))
    client.force_login(owner)
    page = client.get(reverse("party", args=[Party.objects.get().pk])).content.decode()
    assert "증명사진 × 30" in page and "E+" not in page
    assert "₩450,000" in page
    korean = client.get(reverse("party", args=[Party.objects.get().pk]), HTTP_ACCEPT_LANGUAGE="ko")
    assert "450,000원" in korean.content.decode()


def test_mass_assigned_fields_are_ignored(client, owner, imported):
    client.force_login(owner)
    party = Party.objects.first()
    client.post(
        reverse("party_relationship", args=[party.pk]),
        {"kind": "client", "is_staff": "on", "kind_source": "inferred"},
    )
    assert Relationship.objects.get(party=party).kind_source == "person"
    assert not owner.__class__.objects.get(pk=owner.pk).is_staff


def test_a_bad_kind_is_answered_with_a_message(client, owner, imported):
    client.force_login(owner)
    party = Party.objects.first()
    response = client.post(
        reverse("party_relationship", args=[party.pk]), {"kind": "<script>"}, follow=True
    )
    assert "was not saved" in response.content.decode()
    assert "<script>" not in response.content.decode().split("<main>")[1]


def test_the_timeline_reads_in_the_readers_language(client, owner, imported):
    party = Order.objects.get(external_id="K7-00001").party
    client.force_login(owner)
    english = client.get(reverse("party", args=[party.pk])).content.decode()
    korean = client.get(reverse("party", args=[party.pk]), HTTP_ACCEPT_LANGUAGE="ko")
    assert "Added from orders_ko_cp949.csv, row 3" in english
    assert "party.created" not in english and "party.created" not in korean.content.decode()
    assert "orders_ko_cp949.csv" in korean.content.decode()


def test_korean_interface_from_the_browser_language(client, teammate):
    client.force_login(teammate)
    page = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "대시보드" in page and 'lang="ko"' in page
    assert "거래처" not in page


def test_five_wrong_passwords_lock_the_login(client, teammate):
    for _ in range(5):
        client.post(reverse("login"), {"username": "tom", "password": "wrong-password-123"})
    response = client.post(
        reverse("login"), {"username": "tom", "password": "teammate-password-123"}
    )
    assert response.status_code == 429  # locked, even with the right password now
    assert client.get(reverse("dashboard")).status_code == 302  # still not logged in


def test_behind_a_proxy_a_strangers_wrong_passwords_lock_out_only_the_stranger(teammate, settings):
    """Every request comes from the proxy's address: the lockout must count the client the
    proxy names, or anyone could lock the real person out."""
    settings.PATRON_BEHIND_PROXY = True

    def login(client_address: str, password: str):
        proxied = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"{client_address}")
        return proxied.post(reverse("login"), {"username": "tom", "password": password})

    for _ in range(5):
        login("198.51.100.7", "wrong-password-123")
    assert login("198.51.100.7", "teammate-password-123").status_code == 429
    assert login("203.0.113.9", "teammate-password-123").status_code == 302


def test_the_right_password_logs_in(client, teammate):
    response = client.post(
        reverse("login"), {"username": "tom", "password": "teammate-password-123"}
    )
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


def test_rejected_rows_download_is_worded_and_safe_for_excel(client, teammate, sample):
    report = do_import_file(sample("stripe_payments.csv"))
    client.force_login(teammate)
    response = client.get(reverse("import_errors", args=[report.run_id]))
    assert response["Content-Type"].startswith("text/csv") and response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeffrow,field,reason,value")
    assert "This is not a real date: month 2 has no day 30." in body
    assert ImportRun.objects.get(pk=report.run_id).status == "done"


def test_a_refused_upload_is_shown_on_its_run_with_the_reason(client, teammate, tmp_path):
    from patron import jobs

    client.force_login(teammate)
    path = tmp_path / "orders.xlsx"
    path.write_text("not a workbook", encoding="utf-8")
    with path.open("rb") as upload:
        response = client.post(reverse("import"), {"file": upload})
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response.url == reverse("import_detail", args=[run.pk])
    jobs.import_file.call(run.pk)
    page = client.get(response.url).content.decode()
    assert "not an Excel workbook" in page and "Failed" in page


def test_a_preview_link_cannot_be_forged(client, teammate, sample):
    report = do_import_file(sample("stripe_payments.csv"))  # a real import, not a preview
    client.force_login(teammate)
    response = client.post(reverse("import_confirm", args=[report.run_id]), follow=True)
    assert ImportRun.objects.count() == 1
    assert "not a finished preview" in response.content.decode()


def test_activity_is_recorded_for_the_owner_changing_a_manager(client, owner, teammate, imported):
    client.force_login(owner)
    party = Party.objects.first()
    client.post(
        reverse("party_relationship", args=[party.pk]), {"kind": "customer", "owner": teammate.pk}
    )
    entry = Activity.objects.get(party=party, verb="relationship.changed")
    assert entry.actor == owner and entry.data["manager_to"] == teammate.pk


def test_the_dashboard_says_when_background_work_is_not_running(client, teammate):
    from django.utils import timezone

    from patron.core.models import WorkerBeat
    from patron.core.runs import this_process

    client.force_login(teammate)
    assert "Background work is not running" in client.get(reverse("dashboard")).content.decode()
    WorkerBeat.objects.create(token=this_process(), beat_at=timezone.now())
    assert "Background work is not running" not in client.get(reverse("dashboard")).content.decode()
