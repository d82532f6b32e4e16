"""Member grades: the 12 months counted, the month boundary, the downgrade policies, a grade
set by hand, the grade kept on each order, and what a grade gives."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest

from patron.commerce.models import Engagement, Order, OrderLine
from patron.loyalty import ledger
from patron.loyalty.counter import do_counter_sale
from patron.loyalty.grades import (
    do_recompute_grades,
    do_set_grade,
    end_hand_grades,
    grade_of,
    grade_program,
    paid_amounts,
    stamp_orders,
)
from patron.loyalty.models import DowngradePolicy, GradeChange, MemberGrade, Membership
from patron.loyalty.program import program
from patron.outreach.audience import people
from patron.outreach.models import MessageClass, OutboxMessage
from patron.outreach.segments import SegmentRefused, check_filters, segment_parties
from patron.parties.models import Activity

from .conftest import make_party

pytestmark = pytest.mark.django_db

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


def at(year, month, day, hour=12):
    return dt.datetime(year, month, day, hour, tzinfo=SEOUL)


@pytest.fixture
def grades():
    rules = grade_program()
    rules.enabled, rules.downgrade = True, DowngradePolicy.ONE_STEP
    rules.save()
    return {
        "basic": MemberGrade.objects.create(name="일반", threshold=0),
        "silver": MemberGrade.objects.create(name="실버", threshold=300_000),
        "gold": MemberGrade.objects.create(
            name="골드", threshold=1_000_000, rate_percent=Decimal("3"), priority_booking=True
        ),
    }


def gift(party, points):
    """Points usable now, for a test that spends them."""
    now = dt.datetime.now(SEOUL)
    return ledger.earn(
        party.pk,
        points,
        key=f"t:gift:{party.pk}",
        reason={"code": "t"},
        available_at=now,
        expires_at=now + dt.timedelta(days=365),
        now=now,
    )


def order(party, amount, when, *, status="paid", refunded=0, n=[0]):  # noqa: B006
    n[0] += 1
    made = Order.objects.create(
        source="cafe24",
        external_id=f"G{n[0]}",
        party=party,
        occurred_at=when,
        status=status,
        currency="KRW",
        amount=amount,
        refunded_amount=refunded,
        row_digest="x",
    )
    OrderLine.objects.create(order=made, line_no=1, name="앨범", unit_price=amount)
    return made


def test_the_twelve_months_end_before_the_month_that_is_computed(grades):
    party = make_party(1)
    order(party, 600_000, at(2025, 12, 1, 0))  # the first moment of the window for Dec 2026
    order(party, 500_000, at(2026, 11, 30, 23))  # the last day before it
    order(party, 400_000, at(2026, 12, 1, 0))  # counts from next month on
    order(party, 300_000, at(2025, 11, 30, 23))  # a day too old
    assert paid_amounts(dt.date(2026, 12, 1)) == {party.pk: Decimal(1_100_000)}
    assert paid_amounts(dt.date(2027, 1, 1)) == {party.pk: Decimal(900_000)}


def test_refunds_cancellations_and_points_used_do_not_count_but_services_do(grades):
    party = make_party(1)
    order(party, 500_000, at(2026, 6, 1), refunded=100_000, status="partially_refunded")
    order(party, 900_000, at(2026, 6, 2), status="cancelled")
    paid = order(party, 200_000, at(2026, 6, 3))
    gift(party, 50_000)
    ledger.spend(party.pk, 30_000, key="t:use", reason={"code": "t"}, order_id=paid.pk)
    Engagement.objects.create(
        party=party, kind="appointment", title="촬영", started_at=at(2026, 7, 1), amount=250_000
    )
    Engagement.objects.create(
        party=party,
        kind="appointment",
        title="촬영",
        started_at=at(2026, 7, 2),
        amount=999_000,
        status="no_show",
    )
    # 400,000 kept + 200,000 - 30,000 paid with points + 250,000 of service
    assert paid_amounts(dt.date(2026, 12, 1)) == {party.pk: Decimal(820_000)}


def test_grades_across_a_month_boundary_go_up_at_once_and_down_one_step(grades):
    party = make_party(1)
    order(party, 1_200_000, at(2025, 12, 15))
    do_recompute_grades(dt.date(2026, 12, 1), now=at(2026, 12, 1, 6))
    assert grade_of(party) == grades["gold"]
    # On 1 January the purchase of 15 December 2025 has left the window: nothing is left, but
    # one step down is as far as the policy goes in a month.
    do_recompute_grades(dt.date(2027, 1, 1), now=at(2027, 1, 1, 6))
    assert grade_of(party) == grades["silver"]
    # Computing January again (a run interrupted, a second worker) lowers nothing twice.
    do_recompute_grades(dt.date(2027, 1, 5), now=at(2027, 1, 5, 6))
    assert grade_of(party) == grades["silver"]
    do_recompute_grades(dt.date(2027, 2, 1), now=at(2027, 2, 1, 6))
    assert grade_of(party) == grades["basic"]
    changes = GradeChange.objects.filter(party=party).order_by("at", "pk")
    causes = list(changes.values_list("new__name", flat=True))
    assert causes == ["골드", "실버", "일반"]


@pytest.mark.parametrize(
    ("policy", "expected"),
    [(DowngradePolicy.NONE, "gold"), (DowngradePolicy.RECOMPUTE, "basic")],
)
def test_the_owner_chooses_what_lowers_a_grade(grades, policy, expected):
    rules = grade_program()
    rules.downgrade = policy
    rules.save()
    party = make_party(1)
    order(party, 1_200_000, at(2025, 12, 15))
    do_recompute_grades(dt.date(2026, 12, 1), now=at(2026, 12, 1, 6))
    do_recompute_grades(dt.date(2027, 1, 1), now=at(2027, 1, 1, 6))
    assert grade_of(party) == grades[expected]


def test_everyone_starts_at_the_entry_grade_and_nothing_is_computed_when_off(grades):
    party = make_party(1)
    assert grade_of(party) == grades["basic"]
    rules = grade_program()
    rules.enabled = False
    rules.save()
    order(party, 2_000_000, at(2026, 6, 1))
    assert do_recompute_grades(dt.date(2026, 12, 1)) == {}
    assert grade_of(party) is None
    assert not Membership.objects.exists()


def test_a_grade_set_by_hand_holds_until_its_end_then_the_earned_one_applies(
    grades, django_user_model
):
    owner = django_user_model.objects.create(username="owner")
    party = make_party(1)
    do_set_grade(party, grades["gold"], dt.date(2027, 1, 15), actor=owner, now=at(2026, 12, 2))
    do_recompute_grades(dt.date(2027, 1, 1), now=at(2027, 1, 1, 6))
    assert grade_of(party) == grades["gold"]  # the month's computation does not undo it
    assert end_hand_grades(dt.date(2027, 1, 15)) == {}
    assert end_hand_grades(dt.date(2027, 1, 16), now=at(2027, 1, 16, 6))["ended"] == 1
    assert grade_of(party) == grades["basic"]
    assert end_hand_grades(dt.date(2027, 1, 17)) == {}  # once
    verbs = Activity.objects.filter(party=party, verb="loyalty.grade_changed")
    assert [a.data["cause"] for a in verbs.order_by("pk")] == ["by_hand", "hand_ended"]


def test_a_grade_by_hand_needs_an_end_date_ahead(grades, django_user_model):
    from patron.loyalty.grades import GradeRefused

    party = make_party(1)
    with pytest.raises(GradeRefused):
        do_set_grade(party, grades["gold"], dt.date(2020, 1, 1), actor=None)
    with pytest.raises(GradeRefused):
        do_set_grade(party, grades["gold"], dt.date(2099, 1, 1), actor=None)
    assert not Membership.objects.exists()


def test_each_order_keeps_the_grade_it_came_in_with_and_earns_its_rate(grades, settings):
    rules = program()
    rules.enabled, rules.starts_on, rules.rate_percent = True, dt.date(2026, 1, 1), Decimal(1)
    rules.save()
    party = make_party(1, phone=True)
    order(party, 1_200_000, at(2025, 12, 15))
    now = dt.datetime.now(SEOUL)
    do_recompute_grades(now.date(), now=now)
    sale = do_counter_sale(party, 100_000, 0, number="A1", actor=None, now=now)
    assert Order.objects.get(pk=sale.order.pk).member_grade == "골드"
    assert sale.earned == 3_000  # the grade's 3%, not the programme's 1%
    # An imported order from before the grade was given keeps no grade: it is not known.
    old = order(party, 10_000, at(2024, 3, 1))
    stamp_orders([old.pk])
    old.refresh_from_db()
    assert old.member_grade == ""
    # A renamed grade does not rewrite the orders that came in under its old name.
    grades["gold"].name = "VIP"
    grades["gold"].save()
    assert Order.objects.get(pk=sale.order.pk).member_grade == "골드"


def test_a_change_is_told_to_the_party_as_a_service_message(grades):
    party = make_party(1)
    order(party, 400_000, at(2026, 6, 1))
    # The first computation after grades are turned on tells nobody (an introduction).
    first = do_recompute_grades(dt.date(2026, 11, 1), now=at(2026, 11, 1, 6))
    assert first == {"computed": 1, "changed": 1} and not OutboxMessage.objects.exists()
    order(party, 700_000, at(2026, 11, 10))
    counts = do_recompute_grades(dt.date(2026, 12, 1), now=at(2026, 12, 1, 6))
    assert counts["changed"] == 1 and counts["told_email"] == 1
    message = OutboxMessage.objects.get(party=party)
    assert message.message_class == MessageClass.SERVICE
    assert "골드" in message.content["subject"] and "1,100,000" in message.content["body"]
    # Computed again: nothing new is said.
    do_recompute_grades(dt.date(2026, 12, 1), now=at(2026, 12, 1, 7))
    assert OutboxMessage.objects.filter(party=party).count() == 1


def test_grades_are_a_segment_filter_and_a_merge_field(grades):
    low, high, new = make_party(1), make_party(2), make_party(3)
    order(low, 100_000, at(2026, 6, 1))
    order(high, 1_500_000, at(2026, 6, 1))
    do_recompute_grades(dt.date(2026, 12, 1), now=at(2026, 12, 1, 6))
    gold = check_filters({"grade": [str(grades["gold"].pk)]})
    assert list(segment_parties(gold)) == [high]
    basic = check_filters({"grade": [grades["basic"].pk]})
    assert set(segment_parties(basic)) == {low, new}  # never computed: the entry grade
    with pytest.raises(SegmentRefused):
        check_filters({"grade": ["999999"]})
    gift(high, 2_500)
    found = people([low.pk, high.pk, new.pk], ["grade", "points"])
    assert found[high.pk].extra == {"grade": "골드", "points": "2,500"}
    assert found[new.pk].extra == {"grade": "일반", "points": "0"}


def test_the_owner_defines_grades_on_their_page_and_staff_cannot(client, owner, teammate):
    client.force_login(teammate)
    assert client.get("/grades/settings/").status_code in (403, 404)
    client.force_login(owner)
    page = client.post(
        "/grades/settings/",
        {"form": "program", "enabled": "on", "downgrade": "none", "tell_party": "on"},
    )
    assert page.status_code == 302 and grade_program().downgrade == "none"
    client.post("/grades/settings/", {"form": "grade", "name": "일반", "threshold": "0"})
    added = client.post(
        "/grades/settings/",
        {"form": "grade", "name": "골드", "threshold": "1000000", "rate_percent": "3"},
    )
    assert added.status_code == 302
    refused = client.post(
        "/grades/settings/",
        {"form": "grade", "name": "이상", "threshold": "-5", "rate_percent": "300"},
    )
    assert refused.status_code == 200 and not MemberGrade.objects.filter(name="이상").exists()
    assert "0 이상" in refused.content.decode() or "zero or more" in refused.content.decode()
    gold = MemberGrade.objects.get(name="골드")
    assert gold.rate_percent == 3
    # A grade someone holds is not removed: it would erase their history.
    party = make_party(1)
    do_set_grade(party, gold, dt.date.today() + dt.timedelta(days=10), actor=owner)
    client.post("/grades/settings/", {"form": "delete", "pk": gold.pk})
    assert MemberGrade.objects.filter(pk=gold.pk).exists()


def test_a_manager_gives_a_grade_by_hand_from_the_party_page(client, manager, grades):
    party = make_party(1)
    client.force_login(manager)
    until = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    client.post(f"/parties/{party.pk}/grade/", {"grade": grades["gold"].pk, "until": until})
    assert grade_of(party) == grades["gold"]
    page = client.get(f"/parties/{party.pk}/").content.decode()
    assert "골드" in page and 'data-testid="grade-history"' in page
    client.post(
        f"/parties/{party.pk}/grade/", {"grade": grades["silver"].pk, "until": "2001-01-01"}
    )
    assert grade_of(party) == grades["gold"]  # refused, said on the page
