"""The business: its name and contacts, how its messages leave, and the keys they need.

Owners keep these on the Business settings page (one ``BusinessSettings`` row). An operator
may pin any of them with an environment variable (README, Configuration): a value set there
wins over the page field by field, and the page shows that field as set by the server.
Everything that names the business or sends for it reads ``business()``.

Provider keys are sealed with a key derived from ``SECRET_KEY`` before they are stored, and
never shown again: the page only says whether one is saved, and takes a new one.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.headerregistry import Address
from email.utils import formataddr, parseaddr

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .audit import CHANGE, log_change
from .models import BusinessSettings
from .problems import Problem

# Field -> the Django setting an operator's environment variable fills (README).
PINNED_BY = {
    "name": "PATRON_SENDER_NAME",
    "phone": "PATRON_SENDER_CONTACT",
    "optout_number": "PATRON_SMS_OPTOUT_NUMBER",
    "sms_sender": "PATRON_SMS_SENDER",
    "email_from": "DEFAULT_FROM_EMAIL",
    "kakao_sender_key": "PATRON_KAKAO_SENDER_KEY",
    "text_provider": "PATRON_SMS_PROVIDER",
    "quiet_hours": "PATRON_QUIET_HOURS",
    "email_quiet_hours": "PATRON_EMAIL_QUIET_HOURS",
}
KEY_SETTINGS = {
    "solapi_api_key": "PATRON_SOLAPI_API_KEY",
    "solapi_api_secret": "PATRON_SOLAPI_API_SECRET",
    "nhn_app_key": "PATRON_NHN_APP_KEY",
    "nhn_secret_key": "PATRON_NHN_SECRET_KEY",
    "nhn_alimtalk_app_key": "PATRON_NHN_ALIMTALK_APP_KEY",
}
# The keys each provider needs before anything can be sent through it.
PROVIDER_KEYS = {
    "solapi": ("solapi_api_key", "solapi_api_secret"),
    "nhn": ("nhn_app_key", "nhn_secret_key"),
}
TEXT_PROVIDERS = ("", "demo", "solapi", "nhn")
DEFAULT_NAME = "Patron"  # what messages say before the business has given its name


@dataclass(frozen=True)
class Business:
    name: str = ""
    phone: str = ""
    address: str = ""
    optout_number: str = ""
    sms_sender: str = ""
    email_from: str = ""
    kakao_channel: str = ""
    kakao_sender_key: str = ""
    text_provider: str = ""
    keys: Mapping[str, str] = field(default_factory=dict)
    keys_unreadable: bool = False  # sealed with another SECRET_KEY: enter them again
    quiet_hours: tuple[int, int] = (21, 8)
    email_quiet_hours: bool = True
    notice_hour: int = 10
    installation: str = ""
    pinned: frozenset[str] = frozenset()  # fields an environment variable set

    @property
    def display_name(self) -> str:
        """How messages and public pages name the business."""
        return self.name or DEFAULT_NAME

    @property
    def contact(self) -> str:
        """How to reach the business (§50④): its phone, else the address mail comes from."""
        return self.phone or parseaddr(self.email_from)[1]

    @property
    def from_address(self) -> str:
        return parseaddr(self.email_from)[1]

    @property
    def from_header(self) -> str:
        """The From header: the business's name with the address, when the name is not in it."""
        name, address = parseaddr(self.email_from)
        return formataddr((name or self.name, address)) if address else ""

    def key(self, name: str) -> str:
        return self.keys.get(name, "")

    def has_keys_for(self, provider: str) -> bool:
        return all(self.key(name) for name in PROVIDER_KEYS.get(provider, ()))


# -- reading -------------------------------------------------------------------------------------

_MEMO_SECONDS = 5.0  # another process's save is seen within this
_memo: tuple[float, dict] | None = None
_generation = 0  # counts saves, so a read that overlapped one is not kept
_lock = threading.Lock()


def business() -> Business:
    """The business as it stands: the saved settings under the operator's pinned values."""
    stored = _stored()
    keys = dict(stored.pop("keys"))
    pinned = set()
    for name, setting in PINNED_BY.items():
        value = getattr(settings, setting, None)
        if value not in (None, ""):
            stored[name] = value
            pinned.add(name)
    for name, setting in KEY_SETTINGS.items():
        value = getattr(settings, setting, "")
        if value:
            keys[name] = value
            pinned.add(name)
    return Business(**stored, keys=keys, pinned=frozenset(pinned))


def _stored() -> dict:
    global _memo
    with _lock:
        if _memo is not None and time.monotonic() - _memo[0] < _MEMO_SECONDS:
            return {**_memo[1]}
        generation = _generation
    row = settings_row()
    keys, unreadable = unseal(row.sealed_keys)
    values = {
        "name": row.name,
        "phone": row.phone,
        "address": row.address,
        "optout_number": row.optout_number,
        "sms_sender": row.sms_sender,
        "email_from": row.email_from,
        "kakao_channel": row.kakao_channel,
        "kakao_sender_key": row.kakao_sender_key,
        "text_provider": row.text_provider,
        "keys": keys,
        "keys_unreadable": unreadable,
        "quiet_hours": (row.quiet_start, row.quiet_end),
        "email_quiet_hours": row.email_quiet_hours,
        "notice_hour": row.notice_hour,
        "installation": row.installation,
    }
    with _lock:
        # Not kept when a save came while it was read: what was read may be the old row.
        if generation == _generation:
            _memo = (time.monotonic(), values)
    return {**values}


def forget() -> None:
    """Read the settings again next time (after a save, and between tests)."""
    global _memo, _generation
    with _lock:
        _memo = None
        _generation += 1


def settings_row() -> BusinessSettings:
    """The saved row, or (before anything was saved) the defaults, unsaved: reading the
    business never writes, so a page still reads while another process holds the database."""
    return BusinessSettings.objects.order_by("pk").first() or BusinessSettings(pk=1)


def ensure_installation() -> Business:
    """The business with its installation id, made and saved the first time it is needed
    (the migration makes it; a database emptied since may lack it)."""
    row = settings_row()
    if not row.installation:
        row.installation = uuid.uuid4().hex
        if row._state.adding:
            BusinessSettings.objects.get_or_create(
                pk=1, defaults={"installation": row.installation}
            )
        BusinessSettings.objects.filter(pk=1, installation="").update(installation=row.installation)
        forget()
    return business()


# -- sealing the provider keys -------------------------------------------------------------------


def _fernet() -> MultiFernet:
    """Sealed with a key derived from SECRET_KEY; read with it or any of its fallbacks, so a
    rotated SECRET_KEY (the old one in SECRET_KEY_FALLBACKS) still opens the saved keys, and
    the next save seals them with the new one."""
    secrets_ = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet_for(secret) for secret in secrets_])


def _fernet_for(secret: str) -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"patron.business.keys"
    ).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(keys: Mapping[str, str]) -> str:
    present = {name: value for name, value in keys.items() if value}
    if not present:
        return ""
    return _fernet().encrypt(json.dumps(present, sort_keys=True).encode()).decode()


def unseal(token: str) -> tuple[dict[str, str], bool]:
    """The keys, and whether a sealed value could not be read (a changed SECRET_KEY)."""
    if not token:
        return {}, False
    try:
        return json.loads(_fernet().decrypt(token.encode())), False
    except (InvalidToken, ValueError):
        return {}, True


# -- changing ------------------------------------------------------------------------------------


class BusinessRefused(Problem):
    """A business setting that cannot be saved as given (the field and why)."""


_PHONE_DIGITS = re.compile(r"^\+?[0-9][0-9 \-()]{6,18}$")
# RFC 5321 §4.1.2 mailbox, ASCII only (no quoted local parts): what every provider takes.
_MAILBOX = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


def is_mailbox(address: str) -> bool:
    return len(address) <= 254 and bool(_MAILBOX.match(address))


def digits(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


def check_phone(field_name: str, value: str) -> str:
    value = " ".join(value.split())
    if value and not _PHONE_DIGITS.match(value):
        raise BusinessRefused("business.bad_phone", field=field_name, value=value[:40])
    return value


def check_optout(value: str) -> str:
    """A free refusal line is an 080 number (정보통신망법 §50④, 시행령 §61③)."""
    value = check_phone("optout_number", value)
    if value and not (digits(value).startswith("080") and 10 <= len(digits(value)) <= 11):
        raise BusinessRefused("business.not_080", value=value)
    return value


def check_sender(value: str) -> str:
    """A registered sender number (발신번호): a Korean number of 8 to 11 digits."""
    value = check_phone("sms_sender", value)
    if value and not (8 <= len(digits(value)) <= 11 and not value.startswith("+")):
        raise BusinessRefused("business.bad_sender", value=value)
    return value


def check_email_from(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        return ""
    if any(ch in value for ch in "\r\n\x00"):
        raise BusinessRefused("business.bad_email_from", value=value[:80])
    name, address = parseaddr(value)
    if not is_mailbox(address):
        raise BusinessRefused("business.bad_email_from", value=value[:80])
    if not name:
        return address
    # Kept as the owner reads it ("하루 사진관 <hello@...>", a name given encoded decoded);
    # the From header encodes it when a message is built (from_header).
    readable = str(make_header(decode_header(name)))
    return str(Address(display_name=readable, addr_spec=address))


def check_hours(start: int, end: int, notice_hour: int) -> None:
    if not all(0 <= hour <= 23 for hour in (start, end, notice_hour)) or start == end:
        raise BusinessRefused("business.bad_hours")
    quiet = notice_hour >= start or notice_hour < end if start > end else start <= notice_hour < end
    if quiet:
        raise BusinessRefused("business.notice_hour_quiet", hour=notice_hour)


TEXT_FIELDS = (
    "name",
    "phone",
    "address",
    "optout_number",
    "sms_sender",
    "email_from",
    "kakao_channel",
    "kakao_sender_key",
    "text_provider",
)


def do_save_business(
    values: Mapping, *, keys: Mapping[str, str] | None = None, clear_keys=(), actor=None
) -> list[str]:
    """Save what the owner gave (only the fields given); a key given replaces the saved one,
    a key named in ``clear_keys`` is removed. Raises BusinessRefused naming the field.
    Returns the fields that changed ("keys" for any key)."""
    cleaned = dict(values)
    checks = {
        "phone": lambda v: check_phone("phone", v),
        "optout_number": check_optout,
        "sms_sender": check_sender,
        "email_from": check_email_from,
    }
    for name in TEXT_FIELDS:
        if name in cleaned:
            text = " ".join(str(cleaned[name] or "").split())
            cleaned[name] = checks[name](text) if name in checks else text
    if cleaned.get("text_provider", "") not in TEXT_PROVIDERS:
        raise BusinessRefused("business.bad_provider", value=str(cleaned["text_provider"])[:20])
    with transaction.atomic():
        row = settings_row()
        start = cleaned.get("quiet_start", row.quiet_start)
        end = cleaned.get("quiet_end", row.quiet_end)
        check_hours(start, end, cleaned.get("notice_hour", row.notice_hour))
        changed = [name for name, value in cleaned.items() if getattr(row, name) != value]
        for name in changed:
            setattr(row, name, cleaned[name])
        if keys or clear_keys:
            held, _unreadable = unseal(row.sealed_keys)
            given = {name: value.strip() for name, value in (keys or {}).items() if value.strip()}
            merged = {**held, **given}
            for name in clear_keys:
                merged.pop(name, None)
            if merged != held:
                row.sealed_keys = seal(merged)
                changed.append("keys")  # which keys, never their values
        if not row.installation:
            row.installation = uuid.uuid4().hex
        if changed or row._state.adding:
            row.updated_at = timezone.now()
            if actor is not None and actor.is_authenticated:
                row.updated_by = actor
            row.save()
            log_change(actor, row, CHANGE, {"changed": {"fields": sorted(changed)}})
    forget()
    # Inside a caller's transaction, another thread may read the old row until it commits.
    transaction.on_commit(forget)
    return sorted(changed)
