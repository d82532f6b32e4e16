"""A merge is compared side by side, confirmed, then undone; every page fits a phone."""

from __future__ import annotations

import pytest

from patron.accounts.roles import Role
from patron.accounts.services import do_add_member
from patron.commerce.models import Order
from patron.demo import do_load_demo
from patron.parties.models import ContactPoint, Party

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _owner():
    do_add_member("studio", role=Role.OWNER, password="a-long-owner-password")


def test_a_merge_is_confirmed_then_undone(page, login):
    do_load_demo(seed=2, parties=40)
    first, second = Party.objects.order_by("pk")[:2]
    ContactPoint.objects.create(party=second, kind="phone", value=first.phone)
    orders = {p.pk: Order.objects.filter(party=p).count() for p in (first, second)}
    _owner()
    login("studio", "a-long-owner-password")

    page.click("nav >> text=Duplicates")
    page.click("a.button:has-text('Compare')")
    page.wait_for_selector("h1:has-text('The same person?')")
    assert "the same phone number" in page.inner_text("main")
    page.check(f"input[name=survivor][value='{first.pk}']")
    assert first.display_name in page.inner_text(".merge-summary:not([hidden])")
    page.click("#merge-button")
    page.wait_for_selector(".flash.success")
    assert "was merged into" in page.inner_text(".flash.success")
    second.refresh_from_db()
    assert second.merged_into_id == first.pk
    assert Order.objects.filter(party=first).count() == sum(orders.values())

    page.click("button:has-text('Undo')")
    page.wait_for_selector(".flash.success")
    assert "is a party of its own again" in page.inner_text(".flash.success")
    second.refresh_from_db()
    assert second.merged_into_id is None
    assert {p.pk: Order.objects.filter(party=p).count() for p in (first, second)} == orders


@pytest.mark.parametrize("language", ["en-US", "ko-KR"])
def test_every_page_fits_a_phone(browser, live_server, _plain_http_server, language, tmp_path):
    do_load_demo(seed=2, parties=60)
    party = Party.objects.order_by("pk").first()
    Party.objects.filter(pk=party.pk).update(
        email="a.very.long.email.address.for.testing.phones@an-example-company.co.kr"
    )
    from patron.insight.scoring import do_score

    do_score()
    _owner()
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale=language)
    page = context.new_page()
    page.goto("/login/")
    page.fill("input[name=username]", "studio")
    page.fill("input[name=password]", "a-long-owner-password")
    page.click("button.primary")
    page.wait_for_selector("main h1")
    for path in (
        "/",
        "/parties/",
        f"/parties/{party.pk}/",
        "/at-risk/",
        "/candidates/",
        "/duplicates/",
        "/offerings/",
        "/imports/",
        "/team/",
    ):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width}px wide at {PHONE['width']}px"
        if language == "ko-KR" and path == f"/parties/{party.pk}/":
            page.screenshot(path=str(tmp_path / "party-ko-390.png"), full_page=True)
    context.close()
