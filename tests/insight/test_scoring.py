"""Scoring runs over the database: statistics, fits, stored scores, scheduling, worker."""

from __future__ import annotations

import json

import numpy as np
import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from patron.analytics import BetaGeo, summarize
from patron.cli import main
from patron.commerce.imports import do_import_file
from patron.commerce.models import Order
from patron.demo import do_load_demo
from patron.insight.models import PartyScore, ScoringRun
from patron.insight.scoring import ScoringFailed, do_score
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
    assert run.model == model and run.parties_scored == PartyScore.objects.count() > 0


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
    assert run.status == "failed" and run.problem == {"code": "score.no_purchases"}


def test_too_few_repeat_buyers_fails_clearly(write_csv):
    rows = [["Order ID", "Date", "Name", "Amount"]] + [
        [str(i), "2024-01-01", f"P{i}", "100"] for i in range(30)
    ]
    do_import_file(write_csv("one-off.csv", rows))
    with pytest.raises(ScoringFailed, match="bought more than once"):
        do_score()
    assert PartyScore.objects.count() == 0


def test_a_reimport_that_changes_nothing_schedules_nothing(
    sample, django_capture_on_commit_callbacks
):
    path = sample("stripe_payments.csv")
    from patron import jobs

    with django_capture_on_commit_callbacks(execute=True):
        assert main(["import", str(path)]) == 0
    task = DBTaskResult.objects.get()
    assert task.task_path == "patron.jobs.refresh_parties"
    jobs.refresh_parties.call(**task.args_kwargs["kwargs"])  # the worker reads the parties
    with django_capture_on_commit_callbacks(execute=True):
        assert main(["import", str(path)]) == 0
    assert DBTaskResult.objects.count() == 1


def test_cli_score_json(studio, capsys):
    assert main(["score", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["parties_scored"] == PartyScore.objects.count()
    assert set(summary["params"]["transactions"]) == {"r", "alpha", "a", "b"}
    assert "log_likelihood" in summary["fit"] and summary["seconds"] >= 0


def test_cli_score_failure_is_one_line(capsys):
    assert main(["score"]) == 1
    assert capsys.readouterr().err.strip() == (
        "patron score: There are no purchases to learn from yet: import orders first."
    )


def test_a_client_set_by_a_person_is_scored_as_a_client(studio, owner):
    from patron.parties.services import do_set_relationship

    score_party = Relationship.objects.filter(kind="customer").first().party
    do_set_relationship(score_party, actor=owner, kind="client")
    do_score()
    assert PartyScore.objects.get(party=score_party).propensity is None


def test_a_fit_that_does_not_converge_is_recorded_and_keeps_the_old_scores(studio, monkeypatch):
    do_score("bgnbd")
    kept = list(PartyScore.objects.order_by("pk").values_list("pk", "clv", "stage"))
    monkeypatch.setattr(BetaGeo, "fit", _not_converged)
    with pytest.raises(ScoringFailed, match="did not settle"):
        do_score("bgnbd")
    failed = ScoringRun.objects.latest("pk")
    assert failed.status == "failed" and failed.problem["code"] == "score.not_converged"
    assert list(PartyScore.objects.order_by("pk").values_list("pk", "clv", "stage")) == kept


def _not_converged(self, frequency, recency, T, *args, **kwargs):
    self.params_ = {"r": float("nan"), "alpha": 1.0, "a": 1.0, "b": 1.0}
    self.converged_ = False
    self.log_likelihood_ = float("nan")
    self.standard_errors_ = {"r": float("nan")}
    return self


def test_json_safe_turns_nan_into_null():
    from patron.insight.scoring import json_safe

    assert json_safe({"se": [float("nan"), 1.0], "x": float("inf")}) == {
        "se": [None, 1.0],
        "x": None,
    }


def test_the_best_quarter_of_customers_are_told_why_and_clients_are_not_ranked(studio):
    do_score()
    customers = PartyScore.objects.exclude(party__relationship__kind="client")
    stored = list(customers.values_list("propensity", "clv", "propensity_reasons"))
    cutoff = np.quantile([p for p, _, _ in stored], 0.75)
    best = [(clv, reasons) for p, clv, reasons in stored if p >= cutoff]
    rest = [reasons for p, _, reasons in stored if p < cutoff]
    assert all(reasons == [] for reasons in rest)
    assert sum(bool(reasons) for _, reasons in best) >= 0.9 * len(best)
    # The most valuable customer of all is named as such, with its percentile.
    clvs = sorted(clv for _, clv, _ in stored)
    top_value, top_reasons = max(best)
    assert top_value == clvs[-1]
    assert {"code": "candidate.value_top", "percent": 1} in top_reasons
    clients = PartyScore.objects.filter(party__relationship__kind="client")
    assert all(s.propensity is None and s.propensity_reasons == [] for s in clients)
