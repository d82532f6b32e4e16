"""Signed links in messages: unsubscribe, preferences, confirming a subscription.

A link carries the party and what it acts on, signed with the site's SECRET_KEY (Django's
signing), so nobody can unsubscribe or read the preferences of another person by editing it.
Unsubscribe and preference links never expire (a message read a year later still works);
a double opt-in confirmation lasts CONFIRM_DAYS.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.urls import reverse

from patron.core.business import Business, business

CONFIRM_DAYS = 7
_UNSUBSCRIBE = "patron.outreach.unsubscribe"
_PREFERENCES = "patron.outreach.preferences"
_CONFIRM = "patron.outreach.confirm"
_RSVP = "patron.outreach.rsvp"


class LinkInvalid(Exception):
    """A tampered, truncated or expired link."""


@dataclass(frozen=True)
class UnsubscribeTarget:
    party_id: int
    channel: str
    purpose: str


def unsubscribe_token(party_id: int, channel: str, purpose: str) -> str:
    return signing.dumps([party_id, channel, purpose], salt=_UNSUBSCRIBE, compress=True)


def read_unsubscribe_token(token: str) -> UnsubscribeTarget:
    try:
        party_id, channel, purpose = signing.loads(token, salt=_UNSUBSCRIBE)
        return UnsubscribeTarget(int(party_id), str(channel), str(purpose))
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise LinkInvalid from exc


def preferences_token(party_id: int) -> str:
    return signing.dumps(party_id, salt=_PREFERENCES)


def read_preferences_token(token: str) -> int:
    try:
        return int(signing.loads(token, salt=_PREFERENCES))
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise LinkInvalid from exc


def confirm_token(party_id: int, channel: str, purposes: list[str], wording: str) -> str:
    """A link that confirms once: it carries when it was made (a withdrawal recorded after
    that outranks it) and a random id (the consent it records is marked with it)."""
    return signing.dumps(
        {
            "p": party_id,
            "c": channel,
            "u": purposes,
            "w": wording,
            "t": int(time.time()),
            "n": secrets.token_hex(8),
        },
        salt=_CONFIRM,
        compress=True,
    )


def read_confirm_token(token: str) -> dict:
    try:
        data = signing.loads(token, salt=_CONFIRM, max_age=CONFIRM_DAYS * 86400)
        issued = data.get("t", time.time() - CONFIRM_DAYS * 86400)  # older links: their oldest
        return {
            "party_id": int(data["p"]),
            "channel": data["c"],
            "purposes": list(data["u"]),
            "wording": str(data["w"]),
            "issued": dt.datetime.fromtimestamp(int(issued), tz=dt.UTC),
            "nonce": str(data.get("n", "")),
        }
    except (signing.BadSignature, ValueError, TypeError, KeyError) as exc:
        raise LinkInvalid from exc


_PLACEHOLDER = "patrontoken"


@lru_cache(maxsize=8)
def _route(name: str) -> str:
    # Resolved once per route: every message carries two links, and reverse() per link was
    # a measurable share of the courier's time (bench/delivery.py).
    return reverse(name, args=[_PLACEHOLDER])


def absolute(name: str, token: str) -> str:
    return settings.PATRON_SITE_URL + _route(name).replace(_PLACEHOLDER, token)


def unsubscribe_url(party_id: int, channel: str, purpose: str) -> str:
    return absolute("unsubscribe", unsubscribe_token(party_id, channel, purpose))


def preferences_url(party_id: int) -> str:
    return absolute("preferences", preferences_token(party_id))


def inert(url: str) -> str:
    """The link with its token replaced by one of the same length that opens nothing. A
    campaign's preview and its test send show the links as the message will carry them (their
    length counts in an SMS), but the person looking gets no working link of the customer's:
    with one, they could change the customer's consent as if the customer had."""
    base, _, token = url.removesuffix("/").rpartition("/")
    return f"{base}/{('preview-' * (len(token) // 8 + 1))[: len(token)]}/"


def confirm_url(party_id: int, channel: str, purposes: list[str], wording: str) -> str:
    return absolute("confirm_subscription", confirm_token(party_id, channel, purposes, wording))


def rsvp_token(event_id: int, party_id: int) -> str:
    return signing.dumps([event_id, party_id], salt=_RSVP)


def read_rsvp_token(token: str) -> tuple[int, int]:
    try:
        event_id, party_id = signing.loads(token, salt=_RSVP)
        return int(event_id), int(party_id)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise LinkInvalid from exc


def rsvp_url(event_id: int, party_id: int) -> str:
    return absolute("rsvp", rsvp_token(event_id, party_id))


def message_id(dedupe_key: str, channel: str, biz: Business | None = None) -> str:
    """The same Message-ID on every try of one message (a duplicate after a crash is known),
    and never the same for two installations: the installation's own random id is in it, so
    a reinstalled Patron, whose campaigns count from 1 again, repeats no earlier id."""
    biz = biz or business()
    seed = f"{biz.installation}|{dedupe_key}|{channel}"
    digest = hashlib.sha256(seed.encode()).hexdigest()[:32]
    return f"<{digest}@{message_id_domain(biz)}>"


def message_id_domain(biz: Business | None = None) -> str:
    address = (biz or business()).from_address
    return address.rpartition("@")[2] or "patron.invalid"
