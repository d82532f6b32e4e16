"""An incident notice uses only the merge fields it can fill, and fills every one of them."""

from __future__ import annotations

import pytest

from patron.commerce.models import Offering, Order, OrderLine
from patron.outreach.incidents import IncidentRefused, do_send_notice
from patron.outreach.models import Incident, IncidentNotice, OutboxMessage

from .conftest import at_kst, make_party

START, END = at_kst(2026, 6, 1, 9), at_kst(2026, 6, 3, 18)


@pytest.fixture
def incident(db):
    tea = Offering.objects.create(name="녹차")
    placed = Order.objects.create(
        source="test",
        external_id="1",
        party=make_party(1),
        occurred_at=at_kst(2026, 6, 2, 12),
        currency="KRW",
        amount=10000,
        status="paid",
        row_digest="x",
    )
    OrderLine.objects.create(order=placed, line_no=1, offering=tea, name=tea.name)
    declared = Incident.objects.create(title="녹차 변질", starts_at=START, ends_at=END)
    declared.offerings.add(tea)
    return declared


def test_it_refuses_a_field_a_notice_cannot_fill(incident, manager):
    with pytest.raises(IncidentRefused) as refused:
        do_send_notice(incident, "notice", "안내", "답해 주세요: {{ rsvp_url }}", actor=manager)
    assert refused.value.code == "incident.unknown_field"
    assert "{{ rsvp_url }}" in str(refused.value) and "{{ first_name }}" in str(refused.value)
    assert not IncidentNotice.objects.exists() and not OutboxMessage.objects.exists()


def test_it_fills_every_field_the_planner_fills(incident, manager):
    body = "{{ name }} {{ first_name }} {{ manager }} {{ years }} {{ since }} {{ preferences_url }}"
    do_send_notice(
        incident, "notice", "{{ business }}", body, actor=manager, now=at_kst(2026, 6, 2, 13)
    )
    (told,) = OutboxMessage.objects.filter(topic=f"incident:{incident.pk}")
    assert {"name", "first_name", "business", "manager", "years", "since"} <= set(told.values)
