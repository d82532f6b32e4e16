from __future__ import annotations

from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "patron.parties"
    verbose_name = "Parties"
