"""The points ledger: lots and allocations, never changed, never negative, never twice."""

from __future__ import annotations

import contextlib
import datetime as dt
import zoneinfo

import pytest
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from patron.loyalty import ledger
from patron.loyalty.ledger import PointsRefused
from patron.loyalty.models import PointAllocation, PointEntry

from .conftest import make_party

pytestmark = pytest.mark.django_db

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
T0 = dt.datetime(2026, 12, 7, 10, tzinfo=SEOUL)


def earn(party, points, *, key, days_pending=0, months=36, now=T0):
    return ledger.earn(
        party.pk,
        points,
        key=key,
        reason={"code": "points.earn.test"},
        available_at=now + dt.timedelta(days=days_pending),
        expires_at=now + dt.timedelta(days=30 * months),
        now=now,
    )


def test_a_pending_lot_is_usable_only_after_its_days(db):
    party = make_party(1)
    earn(party, 1000, key="o1", days_pending=7)
    assert ledger.balance_of(party.pk) == 0
    with pytest.raises(PointsRefused) as refused:
        ledger.spend(party.pk, 100, key="s1", reason={}, now=T0 + dt.timedelta(days=6))
    assert refused.value.code == "points.not_enough"
    assert ledger.release_due(T0 + dt.timedelta(days=6, hours=23)) == 0
    assert ledger.release_due(T0 + dt.timedelta(days=7)) == 1
    assert ledger.release_due(T0 + dt.timedelta(days=8)) == 0  # once
    assert ledger.balance_of(party.pk) == 1000


def test_spending_draws_the_soonest_to_expire_first_and_says_from_which(db):
    party = make_party(1)
    late = earn(party, 500, key="late", months=36)
    soon = earn(party, 300, key="soon", months=2)
    spent = ledger.spend(party.pk, 400, key="s1", reason={}, now=T0)
    drawn = dict(PointAllocation.objects.filter(entry=spent).values_list("lot_id", "amount"))
    assert drawn == {soon.pk: -300, late.pk: -100}
    assert ledger.balance_of(party.pk) == 400 and ledger.consistent(party.pk)


def test_a_replayed_key_writes_one_entry(db):
    party = make_party(1)
    first = earn(party, 1000, key="order:1:earn")
    again = earn(party, 1000, key="order:1:earn")
    assert first.pk == again.pk and ledger.balance_of(party.pk) == 1000
    one = ledger.spend(party.pk, 300, key="counter:77", reason={})
    two = ledger.spend(party.pk, 300, key="counter:77", reason={})
    assert one.pk == two.pk and ledger.balance_of(party.pk) == 700
    assert PointEntry.objects.filter(kind="spend").count() == 1


def test_expiry_takes_what_a_lot_still_holds_once(db):
    party = make_party(1)
    earn(party, 500, key="a", months=1)
    earn(party, 500, key="b", months=12)
    ledger.spend(party.pk, 200, key="s", reason={})
    later = T0 + dt.timedelta(days=31)
    assert ledger.expire_due(later) == 1
    assert ledger.expire_due(later) == 0
    assert ledger.balance_of(party.pk) == 500  # 300 left of "a" expired
    assert ledger.consistent(party.pk)


def test_spending_after_an_expiry_date_uses_only_what_is_still_valid(db):
    party = make_party(1)
    earn(party, 500, key="a", months=1)
    with pytest.raises(PointsRefused):
        ledger.spend(party.pk, 100, key="s", reason={}, now=T0 + dt.timedelta(days=31))
    assert ledger.balance_of(party.pk) == 0 and ledger.consistent(party.pk)


def test_a_return_takes_back_its_earning_and_gives_back_its_spending(db):
    party = make_party(1)
    lot = earn(party, 1000, key="order:1")
    spent = ledger.spend(party.pk, 600, key="order:2:spend", reason={})
    ledger.refund(spent, 300, key="order:2:return:1", reason={"code": "points.refund"})
    assert ledger.balance_of(party.pk) == 700
    taken = ledger.revoke(lot, 900, key="order:1:cancel", reason={"code": "points.revoke"})
    # 700 were there to take back; 200 of the 900 had been spent already.
    assert (taken.amount, -taken.delta, taken.reason["short"]) == (900, 700, 200)
    assert ledger.balance_of(party.pk) == 0 and ledger.consistent(party.pk)
    assert ledger.revoke(lot, 900, key="order:1:cancel", reason={}) == taken  # replay


def test_a_pending_lot_revoked_releases_only_the_rest(db):
    party = make_party(1)
    lot = earn(party, 1000, key="order:1", days_pending=7)
    ledger.revoke(lot, 400, key="order:1:return", reason={})
    ledger.release_due(T0 + dt.timedelta(days=7))
    assert ledger.balance_of(party.pk) == 600 and ledger.consistent(party.pk)


@pytest.mark.parametrize("statement", ["UPDATE {t} SET amount = 1", "DELETE FROM {t}"])
def test_raw_sql_cannot_change_or_delete_the_ledger(db, statement):
    party = make_party(1)
    earn(party, 1000, key="o1")
    for table in ("loyalty_pointentry", "loyalty_pointallocation"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement.format(t=table))
    assert ledger.balance_of(party.pk) == 1000 and ledger.consistent(party.pk)


def test_the_balance_can_never_be_set_below_zero(db):
    party = make_party(1)
    earn(party, 10, key="o1")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE loyalty_pointbalance SET available = -1")


class LedgerMachine(RuleBasedStateMachine):
    """Any sequence of earn, release, spend, expire, revoke and refund keeps the cached
    balance equal to the ledger, never negative, and no lot below zero."""

    made = 0

    def __init__(self) -> None:
        super().__init__()
        LedgerMachine.made += 1
        self.party = make_party(1000 + LedgerMachine.made)
        self.now = T0
        self.step = 0
        self.lots: list[PointEntry] = []
        self.spends: list[PointEntry] = []

    def key(self) -> str:
        self.step += 1
        return f"m{self.party.pk}:{self.step}"

    @rule(points=st.integers(1, 5000), pending=st.integers(0, 10), months=st.integers(1, 40))
    def earn(self, points, pending, months):
        self.lots.append(
            earn(
                self.party,
                points,
                key=self.key(),
                days_pending=pending,
                months=months,
                now=self.now,
            )
        )

    @rule(days=st.integers(1, 400))
    def time_passes(self, days):
        self.now += dt.timedelta(days=days)
        ledger.release_due(self.now)
        ledger.expire_due(self.now)

    @rule(points=st.integers(1, 8000))
    def spend(self, points):
        with contextlib.suppress(PointsRefused):
            self.spends.append(
                ledger.spend(self.party.pk, points, key=self.key(), reason={}, now=self.now)
            )

    @rule(data=st.data(), points=st.integers(1, 5000))
    def revoke(self, data, points):
        if self.lots:
            lot = data.draw(st.sampled_from(self.lots))
            ledger.revoke(lot, points, key=self.key(), reason={}, now=self.now)

    @rule(data=st.data(), points=st.integers(1, 5000))
    def refund(self, data, points):
        if self.spends:
            spent = data.draw(st.sampled_from(self.spends))
            ledger.refund(spent, points, key=self.key(), reason={}, now=self.now)

    @rule()
    def replay(self):
        if self.step:
            # The last key again, as a retried request: nothing changes.
            before = ledger.ledger_sum(self.party.pk)
            last = PointEntry.objects.filter(party=self.party).order_by("-pk").first()
            if last is not None and last.kind == "spend":
                ledger.spend(
                    self.party.pk, last.amount, key=last.idempotency_key, reason={}, now=self.now
                )
            assert ledger.ledger_sum(self.party.pk) == before

    @invariant()
    def balance_is_the_ledger(self):
        assert ledger.balance_of(self.party.pk) >= 0
        assert ledger.consistent(self.party.pk)


@pytest.mark.django_db
def test_any_sequence_keeps_the_ledger_and_the_balance_equal():
    LedgerMachine.TestCase.settings = settings(
        max_examples=25,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    LedgerMachine.TestCase().runTest()


def test_a_redemption_replayed_after_the_points_ran_out_returns_the_first(db):
    party = make_party(1)
    earn(party, 300, key="o1")
    first = ledger.spend(party.pk, 300, key="counter:1", reason={})
    again = ledger.spend(party.pk, 300, key="counter:1", reason={})
    assert again.pk == first.pk and ledger.balance_of(party.pk) == 0
    with pytest.raises(PointsRefused):
        ledger.spend(party.pk, 300, key="counter:2", reason={})
    assert not PointEntry.objects.filter(idempotency_key="counter:2").exists()


def test_a_key_used_for_another_party_or_operation_is_refused(db):
    first, second = make_party(1), make_party(2)
    earn(first, 1000, key="o1")
    earn(second, 1000, key="o2")
    ledger.spend(first.pk, 100, key="counter:77", reason={})
    with pytest.raises(PointsRefused) as refused:
        ledger.spend(second.pk, 100, key="counter:77", reason={})
    assert refused.value.code == "points.key_reused"
    with pytest.raises(PointsRefused):
        earn(first, 5, key="counter:77")
    assert ledger.balance_of(second.pk) == 1000


def test_a_take_back_with_nothing_left_still_records_its_claim(db):
    party = make_party(1)
    lot = earn(party, 1000, key="o1")
    ledger.spend(party.pk, 1000, key="s1", reason={})
    claim = ledger.revoke(lot, 400, key="o1:return", reason={})
    assert (claim.amount, claim.delta, claim.reason["short"]) == (400, 0, 400)
    assert ledger.revoke(lot, 400, key="o1:return", reason={}).pk == claim.pk
    assert ledger.consistent(party.pk)


def test_points_given_back_from_points_that_never_expire_never_expire(db):
    party = make_party(1)
    ledger.earn(party.pk, 500, key="o1", reason={}, available_at=T0, expires_at=None, now=T0)
    spent = ledger.spend(party.pk, 500, key="s1", reason={}, now=T0)
    back = ledger.refund(spent, 500, key="s1:back", reason={}, now=T0)
    assert back.expires_at is None


def test_naive_moments_and_fractions_are_refused(db):
    party = make_party(1)
    with pytest.raises(ValueError):
        ledger.earn(
            party.pk, 10, key="n", reason={}, available_at=dt.datetime(2026, 1, 1), expires_at=None
        )
    with pytest.raises(PointsRefused):
        ledger.earn(party.pk, 10.5, key="f", reason={}, available_at=T0, expires_at=None, now=T0)
    assert not PointEntry.objects.exists()


def test_the_worker_releases_and_expires_points_on_its_rounds(db, monkeypatch):
    import patron.jobs as jobs

    party = make_party(1)
    earn(party, 700, key="pending", days_pending=1, now=T0 - dt.timedelta(days=2))
    earn(party, 300, key="old", months=1, now=T0 - dt.timedelta(days=40))
    monkeypatch.setattr(jobs, "_settled_at", -1e9)  # the round that settles has come
    counts = jobs.courier_round()
    assert counts.get("points_released") == 1 and counts.get("points_expired") == 1
    assert ledger.balance_of(party.pk) == 700 and ledger.consistent(party.pk)


def test_a_merge_moves_the_points_lot_by_lot_and_its_undoing_takes_them_back(owner):
    import datetime as _dt

    from patron.loyalty.models import EntryKind
    from patron.parties.merge import do_merge_parties, do_undo_merge

    survivor, other = make_party(1), make_party(2)
    now = _dt.datetime.now(_dt.UTC)
    usable = ledger.earn(
        other.pk,
        1500,
        key="m:usable",
        reason={"code": "points.earn.order", "order": "A-1", "rate": "1"},
        available_at=now,
        expires_at=now + _dt.timedelta(days=100),
    )
    ledger.earn(
        other.pk,
        700,
        key="m:pending",
        reason={"code": "points.earn.order", "order": "A-2", "rate": "1"},
        available_at=now + _dt.timedelta(days=5),
        expires_at=now + _dt.timedelta(days=400),
    )
    ledger.spend(other.pk, 500, key="m:spent", reason={"code": "t"})
    ledger.earn(
        survivor.pk,
        300,
        key="m:own",
        reason={"code": "t"},
        available_at=now,
        expires_at=None,
    )
    merge = do_merge_parties(survivor, other, actor=owner)
    assert ledger.balance_of(other.pk) == 0 and ledger.balance_of(survivor.pk) == 1300
    moved = PointEntry.objects.get(idempotency_key=f"merge:{merge.pk}:in:{usable.pk}")
    assert moved.expires_at == usable.expires_at and moved.reason["order"] == "A-1"
    assert PointEntry.objects.filter(party=other, kind=EntryKind.MOVE).count() == 1
    ledger.release_due(now + _dt.timedelta(days=6))  # the pending lot releases on the survivor
    assert ledger.balance_of(survivor.pk) == 2000 and ledger.balance_of(other.pk) == 0
    assert ledger.consistent(survivor.pk) and ledger.consistent(other.pk)
    ledger.spend(survivor.pk, 200, key="m:survivor-spent", reason={"code": "t"})
    do_undo_merge(merge, actor=owner)
    # What the merge brought and is still held goes back; the survivor keeps its own.
    # The survivor's 200 came from the brought lot that expires first (1,000 -> 800).
    assert ledger.balance_of(survivor.pk) == 300 and ledger.balance_of(other.pk) == 1500
    assert ledger.consistent(survivor.pk) and ledger.consistent(other.pk)
