"""Who is calling: an integration's token, its areas, its rate."""

from __future__ import annotations

from django.conf import settings
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.throttling import SimpleRateThrottle

from patron.accounts.tokens import allows, authenticate


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        return authenticate(token)


class PerToken(SimpleRateThrottle):
    """So many calls per token (PATRON_API_RATE, e.g. "600/m"), read at each call so a
    changed setting applies without a restart."""

    scope = "token"

    def __init__(self) -> None:
        super().__init__(settings.PATRON_API_RATE)

    def allow_request(self, request) -> bool:
        if self.rate != settings.PATRON_API_RATE:
            self.rate = settings.PATRON_API_RATE
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request) -> str:
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


def need(request, area: str, access: str = "read") -> None:
    """Refuse (403) a token that does not reach this area so."""
    if not allows(request.auth, area, access):
        raise HttpError(403, f"{area}:{access}")
