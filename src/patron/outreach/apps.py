from __future__ import annotations

from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "patron.outreach"
    verbose_name = "Outreach"

    def ready(self) -> None:
        from . import bounces, wording  # noqa: F401  (wording registers message codes)

        bounces.connect()
