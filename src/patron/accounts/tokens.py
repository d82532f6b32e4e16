"""The tokens integrations reach the API with.

A token reads ``ptn_`` + 36 random base-62 characters (about 214 bits) + 6 characters of
checksum (CRC32 of the random part, base 62), as GitHub's do: a leaked one is recognisable
by its prefix (secret scanners match it), and a mistyped one is refused by its checksum
without a database lookup. Only its SHA-256 digest is stored: the token is shown once.
Each has its areas (read, or read and write) and an end (90 days by default, a year at
most); an owner revokes it at any time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import string
import zlib
from dataclasses import dataclass

from django.db import OperationalError, transaction
from django.utils import timezone

from patron.core.problems import Problem

from .models import ApiToken, TokenArea

PREFIX = "ptn_"
RANDOM_CHARS = 36
CHECK_CHARS = 6
DEFAULT_DAYS = 90
LONGEST_DAYS = 365
ACCESS = ("read", "write")
_ALPHABET = string.digits + string.ascii_letters  # base 62
_TOUCH_EVERY = dt.timedelta(minutes=5)  # last_used_at is written at most this often


class TokenRefused(Problem):
    """A token that cannot be made so, or is not (or no longer) valid."""


@dataclass(frozen=True)
class MadeToken:
    token: ApiToken
    secret: str  # shown once


def _base62(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, rest = divmod(number, 62)
        chars.append(_ALPHABET[rest])
    return "".join(reversed(chars))


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode()), CHECK_CHARS)


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def well_formed(secret: str) -> bool:
    """The shape and the checksum, before any lookup."""
    if not secret.startswith(PREFIX) or len(secret) != len(PREFIX) + RANDOM_CHARS + CHECK_CHARS:
        return False
    body = secret[len(PREFIX) : len(PREFIX) + RANDOM_CHARS]
    if any(char not in _ALPHABET for char in body):
        return False
    return secrets.compare_digest(_checksum(body), secret[-CHECK_CHARS:])


def check_scopes(raw: dict) -> dict[str, str]:
    scopes = {}
    for area, access in (raw or {}).items():
        if area not in TokenArea.values:
            raise TokenRefused("token.unknown_area", area=str(area)[:40])
        if access not in ACCESS:
            raise TokenRefused("token.bad_access", area=area, access=str(access)[:20])
        scopes[area] = access
    if not scopes:
        raise TokenRefused("token.no_area")
    return scopes


def do_make_token(
    name: str, scopes: dict, *, days: int = DEFAULT_DAYS, actor=None, now=None
) -> MadeToken:
    now = now or timezone.now()
    name = (name or "").strip()[:100]
    if not name:
        raise TokenRefused("token.no_name")
    if not 1 <= days <= LONGEST_DAYS:
        raise TokenRefused("token.bad_days", most=LONGEST_DAYS)
    body = "".join(secrets.choice(_ALPHABET) for _ in range(RANDOM_CHARS))
    secret = PREFIX + body + _checksum(body)
    token = ApiToken.objects.create(
        name=name,
        prefix=secret[: len(PREFIX) + 6],
        digest=digest_of(secret),
        scopes=check_scopes(scopes),
        created_by=actor if actor is not None and actor.is_authenticated else None,
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
    )
    return MadeToken(token, secret)


def do_revoke_token(token: ApiToken, *, actor=None, now=None) -> bool:
    """False when it was revoked already."""
    now = now or timezone.now()
    return bool(
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=now,
            revoked_by=actor if actor is not None and actor.is_authenticated else None,
        )
    )


def authenticate(secret: str, *, now=None) -> ApiToken | None:
    """The token in force that this secret is, or None (malformed, unknown, expired or
    revoked: the caller answers 401 alike, saying nothing of which)."""
    now = now or timezone.now()
    if not well_formed(secret or ""):
        return None
    token = ApiToken.objects.filter(digest=digest_of(secret)).first()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at > _TOUCH_EVERY:
        try:
            with transaction.atomic():
                ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        except OperationalError:
            pass  # a busy database: the read goes on; the time is written next time
    return token


def allows(token: ApiToken, area: str, access: str) -> bool:
    """Whether the token reaches the area so: write includes read."""
    held = (token.scopes or {}).get(area)
    return held == "write" or (held == "read" and access == "read")
