"""Pure numerics for Patron: no Django here, so every function works in a notebook."""

from __future__ import annotations

from .classify import Classification, ClassifyThresholds, PartyFacts, classify

__all__ = ["Classification", "ClassifyThresholds", "PartyFacts", "classify"]
