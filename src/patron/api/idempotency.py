"""Idempotency-Key on the API's POSTs (Stripe's design), as middleware around /api/.

A caller sends a key of its own (at most 255 characters) with a POST: the first answer
(anything but a server error) is kept with the key for at least 24 hours, and the same key
again gets that answer again, byte for byte, without the work being done twice. The same key
with another request (method, path or body) is refused (422); the same key while the first
request is still being answered is refused (409: try again shortly). Keys belong to the
caller: two tokens may use the same key for different things.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from patron.core.models import IdempotencyRecord

from .problems import problem

HEADER = "HTTP_IDEMPOTENCY_KEY"
LONGEST_KEY = 255
KEPT = dt.timedelta(hours=48)  # at least the promised 24 hours
# A first request still unanswered after this long died with its process: a retry takes
# its place rather than being told "in flight" for two days.
ABANDONED = dt.timedelta(seconds=60)


def _scope(request) -> str:
    """The caller: a fingerprint of its Authorization header (a token's secret is never
    stored; a request without one is refused by the API before any work anyway)."""
    return hashlib.sha256(request.META.get("HTTP_AUTHORIZATION", "").encode()).hexdigest()


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request.body):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


class IdempotentPosts:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        key = request.META.get(HEADER)
        if request.method != "POST" or key is None or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not key or len(key) > LONGEST_KEY:
            return problem(
                422,
                "invalid",
                _("The request's input is not valid."),
                errors=[{"field": "Idempotency-Key", "detail": _("1 to 255 characters")}],
            )
        scope, fingerprint = _scope(request), _fingerprint(request)
        claimed = _claim(scope, key, fingerprint)
        if claimed is not None:
            return claimed
        response = self.get_response(request)
        _settle(scope, key, response)
        return response


def _claim(scope: str, key: str, fingerprint: str) -> HttpResponse | None:
    """None when this request is the key's first (it goes on); else the answer to give."""
    _forget_old()
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(scope=scope, key=key, fingerprint=fingerprint)
            return None
    except IntegrityError:
        pass
    first = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
    if first is None:  # settled as a server error and let go meanwhile: try once more
        return _claim(scope, key, fingerprint)
    if first.fingerprint != fingerprint:
        return problem(
            422,
            "idempotency-key-reused",
            _("This Idempotency-Key was used for another request."),
            _("Use a new key for a new request."),
        )
    if not first.done and first.created_at < timezone.now() - ABANDONED:
        IdempotencyRecord.objects.filter(pk=first.pk, done=False).delete()
        return _claim(scope, key, fingerprint)
    if not first.done:
        return problem(
            409,
            "in-flight",
            _("A request with this Idempotency-Key is still being answered."),
            _("Try again in a moment."),
            headers={"Retry-After": "1"},
        )
    replay = HttpResponse(bytes(first.body), status=first.status, content_type=first.content_type)
    replay["Idempotent-Replayed"] = "true"
    return replay


def _settle(scope: str, key: str, response) -> None:
    """Keep the answer; a server error is not kept (the request may be tried again)."""
    mine = IdempotencyRecord.objects.filter(scope=scope, key=key, done=False)
    if response.status_code >= 500 or getattr(response, "streaming", False):
        mine.delete()
        return
    mine.update(
        done=True,
        status=response.status_code,
        content_type=response.get("Content-Type", ""),
        body=response.content,
    )


def _forget_old() -> None:
    IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - KEPT).delete()
