"""/health/: is the app up and does its database answer? For a load balancer or a monitor:
no login, no session, one cheap round trip."""

from __future__ import annotations

import time

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def health(request):
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    took = round((time.monotonic() - started) * 1000, 1)
    return JsonResponse({"status": "ok", "database": "ok", "database_ms": took})
