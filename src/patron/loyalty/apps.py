from __future__ import annotations

from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "patron.loyalty"
    verbose_name = "Loyalty"

    def ready(self) -> None:
        from patron.commerce.signals import orders_undone
        from patron.parties.signals import merge_undone, parties_merged

        from . import wording  # noqa: F401  (registers the app's message codes)
        from .hooks import register
        from .program import move_points_back, move_points_on_merge, settle_undone_orders

        register()
        orders_undone.connect(settle_undone_orders, dispatch_uid="loyalty.orders_undone")
        parties_merged.connect(move_points_on_merge, dispatch_uid="loyalty.parties_merged")
        merge_undone.connect(move_points_back, dispatch_uid="loyalty.merge_undone")
