"""At the counter, on a phone: a staff member finds a party by phone, records a sale that
earns points, then one that uses them; the party page shows the balance, the grade and the
history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from patron.accounts.roles import Role
from patron.accounts.services import do_add_member
from patron.loyalty import ledger
from patron.loyalty.grades import grade_program
from patron.loyalty.models import MemberGrade
from patron.loyalty.program import program
from tests.outreach.conftest import make_party

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_staff_member_earns_and_redeems_at_the_counter(
    browser,
    _plain_http_server,
    live_server,
):
    rules = program()
    rules.enabled, rules.starts_on, rules.rate_percent = True, dt.date(2020, 1, 1), Decimal(5)
    rules.pending_days, rules.min_balance_to_use = 0, 1000
    rules.save()
    grading = grade_program()
    grading.enabled = True
    grading.save()
    MemberGrade.objects.create(name="새싹", threshold=0)
    MemberGrade.objects.create(name="VIP", threshold=1_000_000, rate_percent=Decimal(7))
    do_add_member("alba", role=Role.STAFF, password="a-long-staff-password")
    party = make_party(1, name="김민지", phone=True)  # +821010000001
    context = browser.new_context(
        base_url=live_server.url, locale="ko-KR", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.goto("/login/")
    page.fill("input[name=username]", "alba")
    page.fill("input[name=password]", "a-long-staff-password")
    page.click("button.primary")
    page.goto("/counter/")
    page.fill("input[name=phone]", "010-1000-0001")
    page.click("[data-testid=find] button")
    assert "김민지" in page.inner_text("[data-testid=counter-party]")
    assert "새싹" in page.inner_text("[data-testid=grade]")  # where everyone starts
    page.fill("input[name=amount]", "40,000")
    page.click("[data-testid=sale] button")
    assert "2,000" in page.inner_text("[data-testid=balance]")  # 5% of 40,000
    page.fill("input[name=amount]", "10000")
    page.fill("input[name=use]", "1500")
    page.click("[data-testid=sale] button")
    # 2,000 - 1,500 used + 5% of the 8,500 paid in money (425) = 925
    assert "925" in page.inner_text("[data-testid=balance]")
    assert ledger.balance_of(party.pk) == 925 and ledger.consistent(party.pk)
    page.goto(f"/parties/{party.pk}/")
    points = page.inner_text("[data-testid=party-points]")
    assert "925" in points and "-1,500" in points and "+2,000" in points
    assert "새싹" in page.inner_text("[data-testid=party-grade]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
