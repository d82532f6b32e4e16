"""A big import from the page runs in the background: its progress moves, it carries on when
the tab is closed, and it is complete (and its parties classified and scored) when reopened."""

from __future__ import annotations

import time

import pytest

from patron.accounts.roles import Role
from patron.accounts.services import do_add_member
from patron.commerce.models import ImportRun, Order
from patron.insight.models import PartyScore
from patron.parties.models import Relationship
from tests.exports import write_orders

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = 200_000  # large enough to be still running when the tab closes, on a fast machine


def _wait_for(condition, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_a_200000_row_import_moves_carries_on_closed_and_is_complete(
    page, login, background_worker, settings, tmp_path
):
    settings.PATRON_IMPORT_BATCH_ROWS = 1000
    export = write_orders(tmp_path / "big.csv", ROWS)
    do_add_member("studio", role=Role.OWNER, password="a-long-owner-password")
    login("studio", "a-long-owner-password")

    page.goto("/imports/")
    page.set_input_files("input[name=file]", str(export))
    page.click("button.primary:has-text('Upload and import')")
    page.wait_for_selector("#import-run")
    run_url = page.url

    seen = set()
    deadline = time.monotonic() + 60
    while len({v for v in seen if 0 < v < 1}) < 2 and time.monotonic() < deadline:
        seen.add(float(page.get_attribute("#import-progress", "value") or 0))
        page.wait_for_timeout(150)
    moving = sorted(v for v in seen if 0 < v < 1)
    assert len(moving) >= 2, f"the bar did not move: {sorted(seen)}"
    rows_shown = page.inner_text("[data-count=rows]")
    assert rows_shown not in ("0", ""), "the row count did not move"

    page.context.close()  # the tab (and the whole browser context) goes away mid-import
    run = ImportRun.objects.get()
    assert run.status == "running"
    _wait_for(lambda: ImportRun.objects.get().status == "done")
    assert Order.objects.count() == ROWS

    reopened = page.context.browser.new_context(base_url=run_url.split("/imports/")[0])
    again = reopened.new_page()
    again.goto("/login/")
    again.fill("input[name=username]", "studio")
    again.fill("input[name=password]", "a-long-owner-password")
    again.click("button.primary")
    again.goto(run_url)
    assert again.get_attribute("#import-run", "data-status") == "done"
    assert again.inner_text("[data-count=rows]") == f"{ROWS:,}"
    assert again.inner_text("[data-count=orders_created]") == f"{ROWS:,}"

    # The worker then reads the new parties (classified) and scores them.
    _wait_for(lambda: PartyScore.objects.count() > 0)
    assert not Relationship.objects.filter(classified_at__isnull=True).exists()
    reopened.close()
