"""A withdrawal always wins: no import, no older evidence, no undone merge and no busy
database brings back a "yes" the person took back."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

from django.test import Client
from django.utils import timezone

from patron.commerce.imports import do_import_file
from patron.outreach import links
from patron.outreach.services import do_unsubscribe, preferences_of
from patron.parties.consent import Decision, current_consents, do_record_decisions
from patron.parties.merge import do_merge_parties, do_undo_merge
from patron.parties.models import Consent, Party

from .conftest import grant, make_party

HEADER = ["Order ID", "Date", "Name", "Email", "Accepts Marketing", "Amount"]


def marketing(party) -> bool | None:
    return current_consents([party.pk], "email", "marketing").get(party.pk)


def test_an_imported_yes_never_undoes_an_unsubscribe_even_dated_in_the_future(db, write_csv):
    do_import_file(
        write_csv("a.csv", [HEADER, ["A1", "2026-01-05", "Ann", "ann@example.com", "yes", "9"]])
    )
    ann = Party.objects.get(email="ann@example.com")
    assert marketing(ann) is True
    target = links.read_unsubscribe_token(links.unsubscribe_token(ann.pk, "email", "marketing"))
    assert do_unsubscribe(target, via="link")
    # Any later export, even one whose order is dated years ahead, says "yes" again.
    do_import_file(
        write_csv("b.csv", [HEADER, ["A2", "2030-01-01", "Ann", "ann@example.com", "yes", "9"]])
    )
    assert marketing(ann) is False
    assert not Consent.objects.filter(recorded_at__gt=timezone.now()).exists()
    assert not Consent.objects.filter(decided_at__gt=timezone.now()).exists()


def test_an_imported_decision_is_recorded_when_imported_and_dated_when_decided(db, write_csv):
    do_import_file(
        write_csv("a.csv", [HEADER, ["A1", "2025-03-05", "Ann", "ann@example.com", "yes", "9"]])
    )
    consent = Consent.objects.get()
    assert timezone.now() - consent.recorded_at < dt.timedelta(minutes=1)
    assert timezone.localtime(consent.decided_at).date() == dt.date(2025, 3, 5)


def test_an_older_exported_no_does_not_withdraw_a_newer_confirmed_yes(db):
    party = make_party(1)
    do_record_decisions(
        [Decision(party.pk, "email", "marketing", True, "double_opt_in", {"via": "link"})]
    )
    last_year = timezone.now() - dt.timedelta(days=365)
    stale = Decision(party.pk, "email", "marketing", False, "import:shopify", {}, at=last_year)
    assert do_record_decisions([stale]) == 0
    assert marketing(party) is True


def test_a_withdrawal_outranks_every_grant_recorded_before_it(db):
    party = make_party(1)
    grant([party], "email", "marketing")
    later = timezone.now() + dt.timedelta(days=30)  # a grant dated ahead, by mistake
    do_record_decisions(
        [Decision(party.pk, "email", "marketing", True, "page", {"wording": "x"}, at=later)]
    )
    do_record_decisions([Decision(party.pk, "email", "marketing", False, "page", {})])
    assert marketing(party) is False


def test_undoing_a_merge_keeps_the_withdrawal_the_merged_person_made_while_merged(db, owner):
    kept, merged = make_party(1), make_party(2)
    grant([kept, merged], "email", "marketing")
    merge = do_merge_parties(kept, merged, actor=owner)
    # The merged person unsubscribes from an old email of theirs (their own link).
    target = links.read_unsubscribe_token(links.unsubscribe_token(merged.pk, "email", "marketing"))
    do_unsubscribe(target, via="link")
    # While merged, their preference page shows the choices applied: the survivor's.
    merged.refresh_from_db()
    assert preferences_of(merged)[("email", "marketing")] is False
    do_undo_merge(merge, actor=owner)
    assert marketing(merged) is False  # they said no, and stay so
    assert marketing(kept) is True  # the other person never did


def test_the_merged_partys_preference_page_shows_the_survivors_choices(db, owner):
    kept, merged = make_party(1), make_party(2)
    grant([kept], "email", "newsletter")
    do_merge_parties(kept, merged, actor=owner)
    page = Client().get(urlsplit(links.preferences_url(merged.pk)).path).content.decode()
    assert re.search(r'name="email:newsletter"[^>]*checked', page)
    assert not re.search(r'name="email:marketing"[^>]*checked', page)


def test_a_no_made_while_merged_returns_with_its_person_even_if_the_survivor_said_no(db, owner):
    kept, merged = make_party(1), make_party(2)
    grant([merged], "email", "marketing")
    grant([kept], "email", "marketing", granted=False)  # the survivor had said no already
    merge = do_merge_parties(kept, merged, actor=owner)
    do_unsubscribe(
        links.read_unsubscribe_token(links.unsubscribe_token(merged.pk, "email", "marketing")),
        via="link",
    )
    do_undo_merge(merge, actor=owner)
    assert marketing(merged) is False
