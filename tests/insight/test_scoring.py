"""Scoring runs over the database: statistics, fits, stored scores, scheduling, worker."""

from __future__ import annotations

import json

import numpy as np
import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from patron.analytics import BetaGeo, summarize
from patron.cli import main
from patron.commerce.demo import do_load_demo
from patron.commerce.models import Order
from patron.commerce.services import do_import_file
from patron.insight.models import PartyScore, ScoringRun
from patron.insight.services import ScoringFailed, do_score
from patron.parties.models import Relationship

pytestmark = pytest.mark.django_db


@pytest.fixture
def studio():
    do_load_demo(seed=5, parties=400)


def test_every_party_with_a_purchase_gets_scores(studio):
    run = do_score("bgnbd")
    buyers = Order.objects.exclude(status__in=["cancelled", "failed"]).values("party").distinct()
    assert run.status == "done" and run.parties_scored == buyers.count()
    assert PartyScore.objects.count() == buyers.count()
    assert set(run.params["transactions"]) == {"r", "alpha", "a", "b"}
    assert set(run.params["spend"]) == {"p", "q", "gamma"}
    assert np.isfinite(run.fit["log_likelihood"]) and run.fit["holdout"]["parties"] > 0
    assert len(run.tracking["actual"]) == len(run.tracking["predicted"]) > 52
    valued = PartyScore.objects.filter(clv__gt=0).count()
    assert sum(run.value_histogram["counts"]) == valued > 0
    score = PartyScore.objects.order_by("-clv").first()
    assert 0 <= score.p_alive <= 1 and score.clv > 0 and score.expected_purchases_90d >= 0


def test_database_statistics_equal_the_pure_summary(studio):
    """The SQL aggregation and patron.analytics.summarize agree party by party."""
    do_score("bgnbd")
    orders = Order.objects.exclude(status__in=["cancelled", "failed"]).values_list(
        "party_id", "occurred_at", "amount", "refunded_amount"
    )
    party, when, net = [], [], []
    for party_id, occurred_at, amount, refunded in orders:
        party.append(party_id)
        when.append(timezone.localdate(occurred_at))
        net.append(float(amount - refunded))
    expected = summarize(party, when, net, observation_end=timezone.localdate())
    stored = {s.party_id: s for s in PartyScore.objects.all()}
    for i, party_id in enumerate(expected.party_id.tolist()):
        score = stored[party_id]
        assert score.frequency == expected.frequency[i]
        assert score.recency == pytest.approx(expected.recency[i])
        assert score.age == pytest.approx(expected.T[i])
        assert score.monetary == pytest.approx(expected.monetary[i])


def test_scores_use_the_fitted_model(studio):
    run = do_score("bgnbd")
    model = BetaGeo()
    model.params_ = run.params["transactions"]
    score = PartyScore.objects.filter(frequency__gt=2).first()
    alive = model.probability_alive(score.frequency, score.recency, score.age)
    assert score.p_alive == pytest.approx(float(alive))


@pytest.mark.parametrize("model", ["mbgnbd", "paretonbd"])
def test_other_models_score_too(studio, model):
    run = do_score(model)
    assert run.model == model and PartyScore.objects.filter(model=model).count() > 0


def test_quiet_clients_are_dormant_not_lost(studio):
    do_score("bgnbd")
    clients = PartyScore.objects.filter(party__relationship__kind="client")
    customers = PartyScore.objects.exclude(party__relationship__kind="client")
    assert not clients.filter(stage="lost").exists()
    assert not customers.filter(stage="dormant").exists()
    assert clients.filter(propensity__isnull=False).count() == 0
    assert customers.filter(propensity__isnull=True).count() == 0


def test_no_purchases_is_a_clear_failure_recorded_on_the_run():
    with pytest.raises(ScoringFailed, match="no purchases"):
        do_score()
    run = ScoringRun.objects.get()
    assert run.status == "failed" and "import orders first" in run.message


def test_too_few_repeat_buyers_fails_clearly(write_csv):
    rows = [["Order ID", "Date", "Name", "Amount"]] + [
        [str(i), "2024-01-01", f"P{i}", "100"] for i in range(30)
    ]
    do_import_file(write_csv("one-off.csv", rows))
    with pytest.raises(ScoringFailed, match="repeat buyers"):
        do_score()
    assert PartyScore.objects.count() == 0


# Transactional: the worker closes its database connection when it is done, as it should.
@pytest.mark.django_db(transaction=True)
def test_an_import_schedules_a_scoring_run_and_the_worker_runs_it(sample):
    do_import_file(sample("stripe_payments.csv"))
    task = DBTaskResult.objects.get()
    assert task.task_path.endswith("score_parties")
    call_command("db_worker", batch=True, queue_name="*", reload=False, verbosity=0)
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    assert ScoringRun.objects.filter(status="done").exists()
    assert PartyScore.objects.count() > 0


def test_a_reimport_that_changes_nothing_schedules_nothing(
    sample, django_capture_on_commit_callbacks
):
    path = sample("stripe_payments.csv")
    do_import_file(path)
    with django_capture_on_commit_callbacks(execute=True):
        do_import_file(path)
    assert DBTaskResult.objects.count() == 0


def test_cli_score_json(studio, capsys):
    assert main(["score", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["parties_scored"] == PartyScore.objects.count()
    assert set(summary["params"]["transactions"]) == {"r", "alpha", "a", "b"}
    assert "log_likelihood" in summary["fit"] and summary["seconds"] >= 0


def test_cli_score_failure_is_one_line(capsys):
    assert main(["score"]) == 1
    assert capsys.readouterr().err.strip().startswith("patron score: there are no purchases")


def test_a_client_set_by_a_person_is_scored_as_a_client(studio, owner):
    from patron.parties.services import do_set_relationship

    score_party = Relationship.objects.filter(kind="customer").first().party
    do_set_relationship(score_party, actor=owner, kind="client")
    do_score()
    assert PartyScore.objects.get(party=score_party).propensity is None
