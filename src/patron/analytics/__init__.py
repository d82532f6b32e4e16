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
from .lifecycle import STAGES, StageThresholds, lifecycle_stage, log_histogram, usual_gap
from .paretonbd import ParetoNBD
from .preferences import (
    PreferenceProfile,
    PurchaseRecord,
    describe_duration,
    describe_interval,
    preference_profile,
)
from .propensity import PropensityWeights, conversion_propensity
from .simulate import Simulated, simulate, simulate_spend
from .summary import CalibrationHoldout, Summary, calibration_holdout, summarize

__all__ = [
    "STAGES",
    "BetaGeo",
    "CalibrationHoldout",
    "Classification",
    "ClassifyThresholds",
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
    "describe_duration",
    "describe_interval",
    "holdout_forecast",
    "lifecycle_stage",
    "log_histogram",
    "preference_profile",
    "simulate",
    "simulate_spend",
    "summarize",
    "usual_gap",
]
