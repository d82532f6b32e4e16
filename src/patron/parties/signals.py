"""What parties tells the apps above it, which it does not know by name."""

from __future__ import annotations

from django.dispatch import Signal

# A merge (``merge``: the PartyMerge) moved the merged party's rows to the survivor, or its
# undoing moved them back; sent in the same transaction. An app whose records cannot simply
# move (the points ledger, which is never changed) moves what they hold its own way.
parties_merged = Signal()
merge_undone = Signal()
