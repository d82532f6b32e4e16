from __future__ import annotations

from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "patron.loyalty"
    verbose_name = "Loyalty"

    def ready(self) -> None:
        from . import wording  # noqa: F401  (registers the app's message codes)
