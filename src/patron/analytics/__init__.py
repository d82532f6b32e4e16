"""Pure numerics for Patron: no Django here, so every function works in a notebook.

>>> from patron.analytics import summarize, BetaGeo, GammaGamma, clv
"""

from __future__ import annotations

from .base import ModelNotIdentified, NotFittedError, collapse
from .bgnbd import BetaGeo, ModifiedBetaGeo
from .classify import Classification, ClassifyThresholds, PartyFacts, classify
from .clv import clv
from .evaluate import HoldoutForecast, Tracking, cumulative_tracking, holdout_forecast
from .gammagamma import GammaGamma
from .lifecycle import (
    STAGE_REASONS,
    STAGES,
    ActivityReading,
    StageThresholds,
    lifecycle,
    lifecycle_stage,
    log_histogram,
    read_activity,
    usual_gap,
)
from .paretonbd import ParetoNBD
from .preferences import TIMES_OF_DAY, PreferenceProfile, PurchaseRecord, preference_profile
from .propensity import Explanations, PropensityWeights, conversion_propensity
from .simulate import Simulated, simulate, simulate_spend
from .summary import CalibrationHoldout, Summary, calibration_holdout, summarize

__all__ = [
    "STAGES",
    "STAGE_REASONS",
    "TIMES_OF_DAY",
    "ActivityReading",
    "BetaGeo",
    "CalibrationHoldout",
    "Classification",
    "ClassifyThresholds",
    "Explanations",
    "GammaGamma",
    "HoldoutForecast",
    "ModelNotIdentified",
    "ModifiedBetaGeo",
    "NotFittedError",
    "ParetoNBD",
    "PartyFacts",
    "PreferenceProfile",
    "PropensityWeights",
    "PurchaseRecord",
    "Simulated",
    "StageThresholds",
    "Summary",
    "Tracking",
    "calibration_holdout",
    "classify",
    "clv",
    "collapse",
    "conversion_propensity",
    "cumulative_tracking",
    "holdout_forecast",
    "lifecycle",
    "lifecycle_stage",
    "log_histogram",
    "preference_profile",
    "read_activity",
    "simulate",
    "simulate_spend",
    "summarize",
    "usual_gap",
]
