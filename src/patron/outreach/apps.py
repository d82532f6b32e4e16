from __future__ import annotations

from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "patron.outreach"
    verbose_name = "Outreach"

    def ready(self) -> None:
        # wording registers message codes, checks the deployment checks.
        from . import bounces, checks, wording  # noqa: F401

        bounces.connect()
