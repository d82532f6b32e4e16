"""What follows what in the background: every import, merge and offering change ends with the
affected parties classified, then everyone scored, by the worker alone."""

from __future__ import annotations

import pytest
from django.urls import reverse

from patron import jobs
from patron.cli import main
from patron.commerce.models import ImportRun, Offering, Order
from patron.core.runs import RunStatus
from patron.insight.models import PartyScore, ScoringRun
from patron.parties.models import Party, Relationship
from tests.exports import write_orders

pytestmark = pytest.mark.django_db(transaction=True)


def _all_read_and_scored() -> None:
    relationships = Relationship.objects.filter(party__merged_into__isnull=True)
    assert relationships.exists()
    assert not relationships.filter(classified_at__isnull=True).exists()
    assert not relationships.filter(reasons=[]).exists()
    assert ScoringRun.objects.filter(status="done").exists()
    buyers = Order.objects.values("party").distinct().count()
    assert PartyScore.objects.count() == buyers


def test_a_cli_import_then_the_worker_leaves_parties_classified_and_scored(tmp_path, worker):
    export = write_orders(tmp_path / "orders.csv", 2000, products=("가족사진 촬영", "액자"))
    assert main(["import", str(export)]) == 0
    assert not Relationship.objects.exclude(classified_at=None).exists()  # not yet
    worker()
    _all_read_and_scored()
    assert Relationship.objects.filter(kind="client").exists()  # repeat tailored work


def test_a_web_import_then_the_worker_leaves_parties_classified_and_scored(
    client, teammate, tmp_path, worker
):
    export = write_orders(tmp_path / "orders.csv", 2000, products=("가족사진 촬영", "액자"))
    client.force_login(teammate)
    with export.open("rb") as upload:
        response = client.post(reverse("import"), {"file": upload})
    run = ImportRun.objects.get()
    assert response.url == reverse("import_detail", args=[run.pk])
    assert run.status == RunStatus.QUEUED and run.user == teammate
    worker()
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.summary["orders_created"] == 2000
    assert jobs.upload_path(run.upload) is None  # a kept import no longer needs its upload
    _all_read_and_scored()


def test_a_preview_from_the_page_then_import_this_file(client, teammate, sample, worker):
    client.force_login(teammate)
    with sample("stripe_payments.csv").open("rb") as upload:
        client.post(reverse("import"), {"file": upload, "preview": "on"})
    worker()
    preview = ImportRun.objects.get()
    assert preview.status == "done" and preview.dry_run and Order.objects.count() == 0
    assert preview.summary["purchases"] == 1114
    response = client.post(reverse("import_confirm", args=[preview.pk]))
    real = ImportRun.objects.exclude(pk=preview.pk).get()
    assert response.url == reverse("import_detail", args=[real.pk])
    worker()
    real.refresh_from_db()
    assert real.summary["purchases"] == 1114 and Order.objects.count() == 1198


def test_changing_an_offerings_kind_reads_its_buyers_again(client, manager, tmp_path, worker):
    export = write_orders(tmp_path / "orders.csv", 1500, products=("Print 4x6", "Frame A4"))
    main(["import", str(export)])
    worker()
    assert not Relationship.objects.filter(kind="client").exists()
    frame = Offering.objects.get(name="Frame A4")
    client.force_login(manager)
    response = client.post(reverse("offering_kind", args=[frame.pk]), {"kind": "tailored"})
    assert response.status_code == 302
    frame.refresh_from_db()
    assert (frame.kind, frame.kind_set_by) == ("tailored", manager)
    worker()
    assert Relationship.objects.filter(kind="client").exists()
    buyers = set(Order.objects.filter(lines__offering=frame).values_list("party", flat=True))
    reread = Relationship.objects.filter(party__in=buyers, reasons__icontains="tailored")
    assert reread.count() == len(buyers)


def test_staff_see_offerings_but_cannot_change_them(client, teammate, sample):
    main(["import", str(sample("orders_ko_cp949.csv"))])
    offering = Offering.objects.first()
    client.force_login(teammate)
    page = client.get(reverse("offerings")).content.decode()
    assert offering.name in page and 'name="kind"' not in page.split("<table")[1]
    response = client.post(reverse("offering_kind", args=[offering.pk]), {"kind": "tailored"})
    assert response.status_code == 403


def test_a_merge_from_the_page_reads_the_survivor_again(client, owner, write_csv, worker):
    rows = [
        ["Order ID", "Date", "Name", "Email", "Phone", "Amount"],
        ["1", "2024-01-01", "김민지", "a@example.com", "010-1111-2222", "100"],
        ["2", "2024-02-01", "김민지", "b@example.com", "", "100"],
    ]
    main(["import", str(write_csv("d.csv", rows))])
    worker()
    first, second = Party.objects.order_by("pk")
    from patron.parties.models import ContactPoint

    ContactPoint.objects.create(party=second, kind="phone", value="+821011112222")
    client.force_login(owner)
    page = client.get(reverse("duplicate_compare", args=[first.pk, second.pk]))
    assert "the same phone number" in page.content.decode()
    response = client.post(
        reverse("merge"), {"first": first.pk, "second": second.pk, "survivor": first.pk}
    )
    assert response.url == reverse("party", args=[first.pk])
    worker()
    relationship = Relationship.objects.get(party=first)
    assert {"code": "reason.catalogue_only", "purchases": 2} in relationship.reasons
