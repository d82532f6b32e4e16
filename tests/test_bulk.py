"""The bulk insert every import and scoring run writes through (core.bulk.insert_rows)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from patron.commerce.models import Order
from patron.core.bulk import insert_rows, reserve_ids
from patron.parties.models import ContactPoint, Party
from patron.parties.resolve import PARTY_COLUMNS

pytestmark = pytest.mark.django_db(transaction=True)

WHEN = dt.datetime(2026, 3, 1, 9, 30, 15, 250000, tzinfo=dt.UTC)


def _party(name: str) -> Party:
    return Party.objects.create(display_name=name, name_key=name.lower())


def _order_row(party_id: int, external_id: str) -> dict:
    return {
        "party_id": party_id,
        "source": "shop",
        "external_id": external_id,
        "occurred_at": WHEN,
        "status": "paid",
        "currency": "KRW",
        "amount": Decimal("12.5"),
        "refunded_amount": Decimal(0),
        "discount_amount": Decimal("0.25"),
        "discount_code": "",
        "channel": "",
        "note": "",
        "delivery_contact": "",
        "row_digest": "d",
        "source_row": 2,
    }


def test_rows_read_back_as_the_orm_writes_them():
    party = _party("Kim")
    Order.objects.create(**_order_row(party.pk, "A1"))
    row = _order_row(party.pk, "A2")
    with transaction.atomic():
        insert_rows(Order, list(row), [tuple(row.values())])
        row = _order_row(party.pk, "A3")
        insert_rows(Order, list(row), (tuple(row.values()) for _ in range(1)))  # streamed
    kept = {
        o.external_id: (o.occurred_at, o.amount, o.discount_amount, o.source_row)
        for o in Order.objects.all()
    }
    assert kept["A1"] == kept["A2"] == kept["A3"] == (WHEN, Decimal("12.5"), Decimal("0.25"), 2)


def test_conflicting_rows_are_skipped_and_the_first_of_a_batch_kept():
    party = _party("Park")
    ContactPoint.objects.create(party=party, kind="email", value="park@example.com", source="a")
    given = insert_rows(
        ContactPoint,
        ["party_id", "kind", "value", "source"],
        [
            (party.pk, "email", "park@example.com", "b"),  # already held
            (party.pk, "phone", "+821012345678", "first"),
            (party.pk, "phone", "+821012345678", "second"),  # the same key again
        ],
        ignore_conflicts=True,
    )
    assert given == 3
    held = dict(ContactPoint.objects.filter(party=party).values_list("kind", "source"))
    assert held == {"email": "a", "phone": "first"}


def test_a_batch_rolled_back_leaves_nothing_for_the_next():
    party = _party("Choi")
    columns = ["party_id", "kind", "value", "source"]
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(
            ContactPoint,
            columns,
            [(party.pk, "email", "a@example.com", "x"), (party.pk, "email", "a@example.com", "x")],
        )
    insert_rows(ContactPoint, columns, [(party.pk, "email", "b@example.com", "y")])
    assert list(ContactPoint.objects.values_list("value", flat=True)) == ["b@example.com"]


def test_the_same_table_with_its_columns_in_another_order():
    with transaction.atomic():
        first, second = reserve_ids(Party, 2)
        columns = ["id", *PARTY_COLUMNS[1:]]
        row = (first, "person", "Jung", "jung", "j@example.com", "", "", "b2c", WHEN)
        insert_rows(Party, columns, [row])
        insert_rows(
            Party,
            columns[::-1],
            [(WHEN, "b2b", "ko", "+8210", "", "han", "Han", "organisation", second)],
        )
    held = set(Party.objects.values_list("display_name", "party_type", "market", "locale", "phone"))
    assert held == {
        ("Jung", "person", "b2c", "", ""),
        ("Han", "organisation", "b2b", "ko", "+8210"),
    }
