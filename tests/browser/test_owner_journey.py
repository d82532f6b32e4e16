"""A studio owner logs in, reads the dashboard, imports an export in the background, finds and
opens a party."""

from __future__ import annotations

from pathlib import Path

import pytest

from patron.accounts.roles import Role
from patron.accounts.services import do_add_member
from patron.parties.models import Party

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAMPLE = Path(__file__).parents[1] / "data" / "stripe_payments.csv"


def test_owner_imports_searches_and_opens_a_party(page, login, background_worker):
    do_add_member("studio", role=Role.OWNER, password="a-long-owner-password")
    login("studio", "a-long-owner-password")
    assert "No imports yet" in page.inner_text("main")

    page.click("nav >> text=Import")
    page.set_input_files("input[name=file]", str(SAMPLE))
    page.click("button.primary:has-text('Upload and import')")
    page.wait_for_selector("#import-run[data-status=done]", timeout=60_000)
    counts = page.inner_text("table.counts")
    assert "1,114" in counts  # purchases in the file
    assert "Download the rejected rows" in page.inner_text("main")

    page.click("nav >> text=Dashboard")
    assert "stripe_payments.csv" in page.inner_text("main")
    assert "200" in page.inner_text(".tiles")

    target = Party.objects.filter(display_name__regex=r"[가-힣]").order_by("pk").first()
    page.click("nav >> text=Parties")
    page.fill("input[name=q]", target.email)
    page.click("button:has-text('Search')")
    page.click(f"a:has-text('{target.display_name}')")
    page.wait_for_selector("h2:has-text('Timeline')")
    assert target.display_name in page.inner_text("h1")
    assert "Stripe ch_" in page.inner_text(".timeline")

    assert page.outside_requests == [], "pages must work offline: no CDN"
