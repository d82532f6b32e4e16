from __future__ import annotations

from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "patron.feedback"
    verbose_name = "Listening"

    def ready(self) -> None:
        from . import wording  # noqa: F401  (registers the app's message codes)
