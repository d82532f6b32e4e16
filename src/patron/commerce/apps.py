from __future__ import annotations

from django.apps import AppConfig


class CommerceConfig(AppConfig):
    name = "patron.commerce"
    verbose_name = "Commerce"

    def ready(self) -> None:
        from . import wording  # noqa: F401  (registers this app's message codes)
