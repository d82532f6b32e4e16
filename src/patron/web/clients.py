"""Who is asking: the client's network address, for the limits that count per client (the
public sign-up form, the login lockout)."""

from __future__ import annotations

from django.conf import settings


def client_address(request) -> str:
    """The client's address. Behind a proxy (PATRON_BEHIND_PROXY), every request comes from
    the proxy: the client is the address the proxy appended last to X-Forwarded-For (a
    client can forge the entries before it). Without this, one stranger's five wrong
    passwords would lock the owner out, as seen from behind the same proxy."""
    if settings.PATRON_BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()[:64]
    return request.META.get("REMOTE_ADDR", "")[:64]
