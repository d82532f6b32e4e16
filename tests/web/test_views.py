"""Pages for the owner, the teammate, and the outsider who must be refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from patron.commerce.models import ImportRun, Order
from patron.commerce.services import do_import_file
from patron.parties.models import Party, Relationship

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(sample):
    report = do_import_file(sample("orders_ko_cp949.csv"))
    return report


def _pages(imported) -> list[str]:
    party = Party.objects.first()
    return [
        reverse("dashboard"),
        reverse("parties"),
        reverse("party", args=[party.pk]),
        reverse("duplicates"),
        reverse("import"),
        reverse("import_detail", args=[imported.run_id]),
        reverse("import_errors", args=[imported.run_id]),
    ]


def test_it_sends_anonymous_visitors_to_login(client, imported):
    for url in _pages(imported):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_it_refuses_outsider_everywhere(client, outsider, imported):
    client.force_login(outsider)
    for url in _pages(imported):
        assert client.get(url).status_code == 403, url
    party = Party.objects.first()
    response = client.post(reverse("party_relationship", args=[party.pk]), {"kind": "client"})
    assert response.status_code == 403
    assert Relationship.objects.get(party=party).kind_source == "inferred"


def test_it_shows_every_page_to_teammate(client, teammate, imported):
    client.force_login(teammate)
    for url in _pages(imported):
        assert client.get(url).status_code == 200, url


def test_foreign_or_missing_objects_answer_404(client, teammate, imported):
    client.force_login(teammate)
    assert client.get(reverse("party", args=[999_999])).status_code == 404
    assert client.get(reverse("import_detail", args=[999_999])).status_code == 404


def test_dashboard_counts_kinds(client, owner, imported):
    Relationship.objects.filter(party__in=Party.objects.all()[:3]).update(kind="client")
    client.force_login(owner)
    page = client.get(reverse("dashboard")).content.decode()
    assert "147" in page and "Client" in page and "orders_ko_cp949.csv" in page


def test_party_search_by_name_email_and_phone(client, teammate, imported):
    client.force_login(teammate)
    order = Order.objects.get(external_id="K7-00001")
    party = order.party
    for query in (party.display_name, party.email.upper(), "010-5555-7964"):
        page = client.get(reverse("parties"), {"q": query}).content.decode()
        assert f'href="/parties/{party.pk}/"' in page, query


def test_party_list_pages_filter_and_sort(client, teammate, imported):
    client.force_login(teammate)
    response = client.get(reverse("parties"), {"kind": "customer", "sort": "-name", "page": 2})
    page = response.context["page"]
    assert page.number == 2 and page.paginator.count == 150
    names = [p.display_name for p in page]
    assert names == sorted(names, reverse=True)


def test_teammate_cannot_change_a_relationship(client, teammate, imported):
    client.force_login(teammate)
    party = Party.objects.first()
    response = client.post(reverse("party_relationship", args=[party.pk]), {"kind": "client"})
    assert response.status_code == 403


def test_owner_changes_kind_and_manager(client, owner, teammate, imported):
    client.force_login(owner)
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
    assert "Set by a person" in page and "account manager → tom" in page


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


def test_import_page_upload_preview_then_import(client, teammate, sample):
    client.force_login(teammate)
    with sample("stripe_payments.csv").open("rb") as upload:
        response = client.post(reverse("import"), {"file": upload, "dry_run": "on"})
    assert response.status_code == 200 and response.context["report"].dry_run
    assert Order.objects.count() == 0
    digest = response.context["file_digest"]
    confirm = client.post(
        reverse("import_confirm"), {"file": digest, "name": "stripe_payments.csv", "profile": ""}
    )
    report = confirm.context["report"]
    assert (report.purchases, report.rejected_rows) == (1114, 2)
    assert ImportRun.objects.get(pk=report.run_id).user == teammate
    errors = client.get(reverse("import_errors", args=[report.run_id]))
    assert errors["Content-Type"].startswith("text/csv")
    assert "not a real date" in errors.content.decode("utf-8-sig")


def test_import_page_answers_an_unreadable_file_clearly(client, teammate, tmp_path):
    client.force_login(teammate)
    path = tmp_path / "orders.xlsx"
    path.write_text("not a workbook", encoding="utf-8")
    with path.open("rb") as upload:
        response = client.post(reverse("import"), {"file": upload})
    assert response.status_code == 400
    assert "not an Excel workbook" in response.content.decode()


def test_import_confirm_refuses_a_forged_file_token(client, teammate):
    client.force_login(teammate)
    response = client.post(reverse("import_confirm"), {"file": "../../etc/passwd", "name": "x"})
    assert response.status_code == 400


def test_owner_merges_duplicates_from_the_page(client, owner, write_csv):
    rows = [
        ["Order ID", "Date", "Name", "Email", "Amount"],
        ["1", "2024-01-01", "Kim Minji", "a@example.com", "100"],
        ["2", "2024-01-02", "kim  minji", "b@example.com", "100"],
    ]
    do_import_file(write_csv("d.csv", rows))
    client.force_login(owner)
    page = client.get(reverse("duplicates")).content.decode()
    assert "same name written differently" in page
    first, second = Party.objects.order_by("pk")
    response = client.post(reverse("merge"), {"survivor": first.pk, "other": second.pk})
    assert response.status_code == 302
    assert Order.objects.filter(party=first).count() == 2


def test_teammate_cannot_merge(client, teammate, write_csv):
    rows = [
        ["Order ID", "Date", "Name", "Amount"],
        ["1", "2024-01-01", "Ann", "1"],
        ["2", "2024-01-02", "Bo", "1"],
    ]
    do_import_file(write_csv("d.csv", rows))
    client.force_login(teammate)
    first, second = Party.objects.order_by("pk")
    assert (
        client.post(reverse("merge"), {"survivor": first.pk, "other": second.pk}).status_code == 403
    )


def test_korean_interface_from_the_browser_language(client, teammate):
    client.force_login(teammate)
    page = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "대시보드" in page and 'lang="ko"' in page


def test_five_wrong_passwords_lock_the_login(client, teammate):
    for _ in range(5):
        client.post(reverse("login"), {"username": "tom", "password": "wrong-password-123"})
    response = client.post(
        reverse("login"), {"username": "tom", "password": "teammate-password-123"}
    )
    assert response.status_code == 429  # locked, even with the right password now
    assert client.get(reverse("dashboard")).status_code == 302  # still not logged in


def test_the_right_password_logs_in(client, teammate):
    response = client.post(
        reverse("login"), {"username": "tom", "password": "teammate-password-123"}
    )
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
