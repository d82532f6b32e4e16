from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "patron.accounts"
    verbose_name = "Team"

    def ready(self) -> None:
        from . import wording  # noqa: F401  (registers this app's message codes)
