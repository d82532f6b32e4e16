"""A database that is busy or away answers with a clear page, never a traceback or a hang."""

from __future__ import annotations

import logging

from django.shortcuts import render

from patron.core.db import is_busy, is_unavailable

logger = logging.getLogger("patron.web")

RETRY_AFTER_SECONDS = 10


class DatabaseUnavailable:
    """Turns "database is locked" (SQLite: another process is writing past the busy timeout),
    a lock timeout (PostgreSQL) or a lost connection into a 503 page with Retry-After."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_unavailable(exception):
            return None
        busy = is_busy(exception)
        state = "busy" if busy else "unavailable"
        logger.warning("database %s: %s (%s)", state, request.path, exception)
        response = render(request, "503.html", {"busy": busy}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


SESSION_LANGUAGE = "patron_language"


class MemberLanguage:
    """A member who chose a language on their profile reads Patron in it, on any browser: it
    is put in the session at login (web.apps), and an explicit switch (the language cookie)
    still wins."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.session.get(SESSION_LANGUAGE) if hasattr(request, "session") else None
        if chosen and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        return self.get_response(request)


def remember_language(sender, request, user, **kwargs) -> None:
    """At login: the member's chosen language goes into their session."""
    from patron.accounts.models import Profile

    language = Profile.objects.filter(user=user).values_list("language", flat=True).first()
    if language:
        request.session[SESSION_LANGUAGE] = language
