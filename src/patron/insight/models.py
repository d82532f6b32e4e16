"""Scoring runs and the scores they leave on each party."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from patron.core.runs import TrackedRun
from patron.parties.models import Party


class Stage(models.TextChoices):
    NEW = "new", _("New")
    ACTIVE = "active", _("Active")
    AT_RISK = "at_risk", _("At risk")
    DORMANT = "dormant", _("Dormant")
    LOST = "lost", _("Lost")


# Stages of a party slipping away: the ones a "we miss you" contact is for.
SLIPPING = (Stage.AT_RISK, Stage.DORMANT, Stage.LOST)


class ScoringRun(TrackedRun):
    """One fit of the models and the scores it wrote: a tracked run (core.runs)."""

    model = models.CharField(max_length=16)
    observation_end = models.DateField(null=True, blank=True)
    parties_scored = models.PositiveIntegerField(default=0)
    params = models.JSONField(default=dict, blank=True)  # transaction and spend models
    fit = models.JSONField(default=dict, blank=True)  # log-likelihoods, standard errors, holdout
    tracking = models.JSONField(default=dict, blank=True)  # the calibration/holdout chart
    value_histogram = models.JSONField(default=dict, blank=True)  # 12-month values, log bins
    seconds = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"{self.model} run {self.pk} ({self.status})"


class PartyKey(models.OneToOneField):
    """A party as the primary key of a table written whole by each run. On SQLite the column
    is declared INTEGER: only then is it the table's rowid, so rows written in party order
    are appended and no unique index of their own is kept beside them (a BIGINT key is;
    writing a million scores took 0.5 s longer with one, bench/score_end_to_end.py)."""

    def db_type(self, connection):
        if connection.vendor == "sqlite":
            return "integer"
        return super().db_type(connection)


class PartyScore(models.Model):
    """The latest scores of a party; each run replaces them all, so every row is the latest
    done run's (queries.latest_run: its model, its time). One row per party, keyed by it:
    no id, no run or model repeated on a million rows."""

    party = PartyKey(Party, on_delete=models.CASCADE, primary_key=True, related_name="score")
    frequency = models.PositiveIntegerField()
    recency = models.FloatField()  # weeks from the first purchase day to the last
    age = models.FloatField()  # weeks from the first purchase day to the run's end
    monetary = models.FloatField()
    first_purchase = models.DateField()
    last_purchase = models.DateField()
    p_alive = models.FloatField()
    expected_purchases_90d = models.FloatField()
    expected_spend = models.FloatField()
    clv = models.FloatField(help_text="Discounted value of the next 12 months")
    # Neither stage, value nor propensity is indexed. The pages that sort by them count
    # their rows first, which reads the scores whole: at a million parties the at-risk
    # and candidates pages took as long without the indexes (0.32 s and 0.67 s on SQLite),
    # and building them was a fifth of a scoring run.
    stage = models.CharField(max_length=16, choices=Stage)
    propensity = models.FloatField(null=True, blank=True)
    propensity_reasons = models.JSONField(default=list, blank=True)  # messages

    def __str__(self) -> str:
        return f"{self.party_id}: {self.stage}"

    @property
    def quiet_days(self) -> int:
        """Days since the last purchase (recency and age are in weeks, as the models read
        them)."""
        return round((self.age - self.recency) * 7)
