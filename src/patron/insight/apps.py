from __future__ import annotations

from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "patron.insight"
    verbose_name = "Insight"

    def ready(self) -> None:
        from . import wording  # noqa: F401  (registers this app's message codes)
