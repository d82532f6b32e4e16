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

from patron.accounts.tokens import authenticate
from patron.core.models import IdempotencyRecord

from .problems import problem

HEADER = "HTTP_IDEMPOTENCY_KEY"
LONGEST_KEY = 255
# Kept at least the promised 24 hours: core.retention forgets them after IDEMPOTENCY_KEPT.
# A first request still unanswered after this long died with its process: a retry takes
# its place rather than being told "in flight" for two days.
ABANDONED = dt.timedelta(seconds=60)


# Answers that say nothing happened are not kept: the same key may be tried again (after a
# wait, with a token in force, with the input corrected; every refusal here rolls back).
NOT_KEPT = {400, 401, 403, 422, 429}


def _scope(request) -> str | None:
    """The caller: the token in force that sent it, or None (no token, a bad, expired or
    revoked one): such a request goes on to be refused by the API, keeping nothing."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _sep, secret = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    token = authenticate(secret.strip())
    return f"t{token.pk}" if token is not None else None


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
        scope = _scope(request)
        if scope is None:
            return self.get_response(request)
        claimed, record = _claim(scope, key, _fingerprint(request))
        if claimed is not None:
            return claimed
        response = self.get_response(request)
        _settle(record, response)
        return response


def _claim(scope: str, key: str, fingerprint: str) -> tuple[HttpResponse | None, int | None]:
    """(None, its record) when this request is the key's first (it goes on); else the
    answer to give."""
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(scope=scope, key=key, fingerprint=fingerprint)
            return None, record.pk
    except IntegrityError:
        pass
    first = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
    if first is None:  # settled as a server error and let go meanwhile: try once more
        return _claim(scope, key, fingerprint)
    if first.fingerprint != fingerprint:
        return (
            problem(
                422,
                "idempotency-key-reused",
                _("This Idempotency-Key was used for another request."),
                _("Use a new key for a new request."),
            ),
            None,
        )
    if not first.done and first.created_at < timezone.now() - ABANDONED:
        IdempotencyRecord.objects.filter(pk=first.pk, done=False).delete()
        return _claim(scope, key, fingerprint)
    if not first.done:
        busy = problem(
            409,
            "in-flight",
            _("A request with this Idempotency-Key is still being answered."),
            _("Try again in a moment."),
            headers={"Retry-After": "1"},
        )
        return busy, None
    replay = HttpResponse(bytes(first.body), status=first.status, content_type=first.content_type)
    replay["Idempotent-Replayed"] = "true"
    return replay, None


def _settle(record: int | None, response) -> None:
    """Keep the answer in this request's own record; a server error, or an answer that
    says nothing was done, is not kept (the request may be tried again)."""
    mine = IdempotencyRecord.objects.filter(pk=record, done=False)
    status = response.status_code
    if status >= 500 or status in NOT_KEPT or getattr(response, "streaming", False):
        mine.delete()
        return
    mine.update(
        done=True,
        status=response.status_code,
        content_type=response.get("Content-Type", ""),
        body=response.content,
    )
