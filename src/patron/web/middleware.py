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
