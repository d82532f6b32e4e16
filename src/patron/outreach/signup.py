"""Signing up by phone on the public form: a code sent by SMS proves the number is theirs
before anything is recorded (the email path confirms with a link: services).

The form carries a signed token with the party, the topics, the wording they agreed to and a
keyed hash of the code, never the code itself (which is in the text message the outbox sends,
and so in its row); the code expires in ten minutes, and five wrong tries spend it.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import time

from django.core import signing
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from patron.core.business import business
from patron.core.problems import Problem
from patron.parties.models import Channel, Party
from patron.parties.resolve import Identity, PartyResolver

from .models import OutboxMessage
from .services import SUBSCRIBE_TOPICS, SubscribeRefused, do_confirm_subscription, queue_notice

CODE_MINUTES = 10
CODE_TRIES = 5
_SALT = "patron.outreach.phone_code"


class CodeRefused(Problem):
    """A code that does not confirm the number (wrong, expired, too many tries)."""


def _code_hash(code: str, party_id: int) -> str:
    from django.conf import settings

    key = f"{settings.SECRET_KEY}|{_SALT}".encode()
    return hmac.new(key, f"{party_id}:{code}".encode(), "sha256").hexdigest()[:32]


def do_request_phone_subscription(
    phone: str, name: str, purposes: list[str], *, wording: str
) -> str:
    """Send a code to the number (a new party if it is new); the token the form carries to
    the code page. At most one code every few minutes per number."""
    chosen = [purpose for purpose in purposes if purpose in SUBSCRIBE_TOPICS]
    if not chosen:
        raise SubscribeRefused("subscribe.no_topic")
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        resolver = PartyResolver("subscribe", file_name="subscribe")
        identity = Identity(phone=phone, name=" ".join(name.split())[:200] or phone)
        party = Party.objects.get(pk=resolver.resolve([identity], [0])[0])
        if not party.locale:
            party.locale = (translation.get_language() or "")[:2]
            party.save(update_fields=["locale"])
        window = timezone.now().strftime("%Y%m%d%H") + str(timezone.now().minute // 5)
        with translation.override(party.locale or None):
            text = _("[%(business)s] Your code: %(code)s (valid %(minutes)s minutes)") % {
                "business": business().display_name,
                "code": code,
                "minutes": CODE_MINUTES,
            }
        queued = queue_notice(
            party, Channel.SMS, topic=f"opt-in:form:code:{window}", subject="", body=text
        )
        if queued is None:
            raise SubscribeRefused("subscribe.code_sent_already")
    return signing.dumps(
        {
            "p": party.pk,
            "u": chosen,
            "w": wording,
            "h": _code_hash(code, party.pk),
            "m": queued.pk,  # the code's own message: its tries are counted on it
            "t": int(time.time()),
            "n": secrets.token_hex(8),
        },
        salt=_SALT,
        compress=True,
    )


def read_code_token(token: str) -> dict:
    try:
        data = signing.loads(token, salt=_SALT, max_age=CODE_MINUTES * 60)
        return {
            "party_id": int(data["p"]),
            "channel": Channel.SMS,
            "purposes": list(data["u"]),
            "wording": str(data["w"]),
            "hash": str(data["h"]),
            "message": int(data["m"]),
            "issued": dt.datetime.fromtimestamp(int(data["t"]), tz=dt.UTC),
            "nonce": str(data["n"]),
        }
    except (signing.BadSignature, ValueError, TypeError, KeyError) as exc:
        raise CodeRefused("subscribe.code_expired") from exc


def do_confirm_phone(token: str, code: str) -> bool:
    """The code from the SMS, typed on the page: the consent is recorded (as a confirmed
    link is: once, never after a later "no"), and the person is told. Five wrong tries spend
    the code; they are counted in the database, on the code's own message, so no client can
    reset them."""
    data = read_code_token(token)
    digits = "".join(ch for ch in code if ch.isdigit())
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=data["message"]).first()
        if message is None or message.party_id != data["party_id"]:
            raise CodeRefused("subscribe.code_expired")
        tries = int((message.values or {}).get("tries", 0))
        if tries >= CODE_TRIES:
            raise CodeRefused("subscribe.code_tries")
        right = hmac.compare_digest(_code_hash(digits, data["party_id"]), data["hash"])
        if not right:  # counted, and kept: the refusal is raised after the commit
            message.values = {**(message.values or {}), "tries": tries + 1}
            message.save(update_fields=["values"])
    if not right:
        raise CodeRefused("subscribe.code_wrong")
    return do_confirm_subscription(data, via="sms_code")
