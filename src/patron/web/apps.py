from __future__ import annotations

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "patron.web"
    verbose_name = "Web"
