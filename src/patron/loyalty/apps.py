from __future__ import annotations

from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "patron.loyalty"
    verbose_name = "Loyalty"

    def ready(self) -> None:
        from patron.commerce.signals import orders_undone

        from . import wording  # noqa: F401  (registers the app's message codes)
        from .hooks import register
        from .program import settle_undone_orders

        register()
        orders_undone.connect(settle_undone_orders, dispatch_uid="loyalty.orders_undone")
