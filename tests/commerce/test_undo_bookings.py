"""Undoing a booking import: the engagements it created go with the parties only it brought
in; the engagements it updated stay as it left them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from patron.commerce.models import Engagement, ImportRun
from patron.commerce.undo import do_undo_import
from patron.parties.activity import activity_row, record_activities
from patron.parties.models import Activity, Party, Relationship

pytestmark = pytest.mark.django_db


def person(name: str, run: ImportRun | None = None) -> Party:
    party = Party.objects.create(display_name=name, name_key=name)
    Relationship.objects.create(party=party)
    if run is not None:  # as the importer writes it
        record_activities(
            [
                activity_row(
                    party.pk, "party.created", data={"file": run.file_name, "import": run.pk}
                )
            ]
        )
    return party


def booking(party: Party, number: str, *, created_by=None, read_by=None) -> Engagement:
    return Engagement.objects.create(
        party=party,
        kind="appointment",
        title="커트",
        started_at=timezone.now() + dt.timedelta(days=3),
        status="booked",
        source="naver",
        external_id=number,
        created_by_run=created_by,
        import_run=read_by or created_by,
    )


def test_undo_removes_the_bookings_it_created_and_keeps_those_it_updated(owner):
    earlier = ImportRun.objects.create(file_name="bookings-1.csv", status="done")
    run = ImportRun.objects.create(file_name="bookings-2.csv", status="done")
    ann = person("Ann", earlier)
    updated = booking(ann, "N1", created_by=earlier, read_by=run)  # there before; run changed it
    booking(ann, "N2", created_by=run)  # Ann's new booking
    bo = person("Bo", run)  # a new person with two bookings, only this file knew her
    booking(bo, "N3", created_by=run)
    booking(bo, "N4", created_by=run)
    counts = do_undo_import(run, actor=owner)
    assert counts["engagements_removed"] == 3 and counts["parties_removed"] == 1
    assert counts["engagements_left_updated"] == 1 and counts["orders_removed"] == 0
    assert counts["touched"] == [ann.pk]
    assert list(Engagement.objects.values_list("pk", flat=True)) == [updated.pk]
    assert list(Party.objects.values_list("display_name", flat=True)) == ["Ann"]
    assert Activity.objects.filter(party=ann, verb="import.undone").exists()
    run.refresh_from_db()
    assert run.summary["undone"]["engagements_removed"] == 3
