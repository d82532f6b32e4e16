from __future__ import annotations

from django.apps import AppConfig


class CommerceConfig(AppConfig):
    name = "patron.commerce"
    verbose_name = "Commerce"
