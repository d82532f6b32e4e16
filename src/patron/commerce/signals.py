"""What commerce tells the apps above it, which it does not know by name."""

from __future__ import annotations

from django.dispatch import Signal

# Orders about to be removed because the import that brought them is undone (``ids``), in
# the transaction that removes them: an app with records of them settles those first (the
# points ledger takes back what they earned and gives back what they used).
orders_undone = Signal()
