from __future__ import annotations

from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "patron.parties"
    verbose_name = "Parties"

    def ready(self) -> None:
        from . import wording  # noqa: F401  (registers this app's message codes)
