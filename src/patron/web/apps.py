from __future__ import annotations

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "patron.web"
    verbose_name = "Web"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .middleware import remember_language

        user_logged_in.connect(remember_language, dispatch_uid="patron.remember_language")
