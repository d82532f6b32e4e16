"""Normalising the ways people write names, emails and phone numbers, so one person matches."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import phonenumbers

from patron.core.business import is_mailbox

_SPACES = re.compile(r"\s+")
_KR_MOBILE = re.compile(r"0?(1[016789])[- .]?(\d{3,4})[- .]?(\d{4})")


# The caches below matter for imports, where one person's name, email and phone repeat on
# every row of theirs (phonenumbers.parse alone costs ~100 µs).
@lru_cache(maxsize=16384)
def normalize_name(text: str) -> str:
    """Display form: NFC (Hangul typed on a Mac arrives as NFD jamo), single spaces."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


@lru_cache(maxsize=16384)
def name_key(text: str) -> str:
    """Comparison form: NFC, case-folded, without spaces ("홍 길동" and "홍길동" are one name)."""
    return _SPACES.sub("", unicodedata.normalize("NFC", text).casefold())


@lru_cache(maxsize=16384)
def normalize_email(text: str) -> str | None:
    """Lower-cased, without the spaces people type by mistake; None unless it is a plain
    mailbox (RFC 5321: an ASCII dot-atom of at most 64 characters, @, a domain). Every
    address Patron keeps goes to SMTP's RCPT TO as it is, where a "<", a NUL or a
    non-ASCII character would be refused or, worse, read as something else."""
    candidate = _SPACES.sub("", unicodedata.normalize("NFKC", text)).lower()
    if candidate.startswith("mailto:"):
        candidate = candidate[len("mailto:") :]
    local = candidate.partition("@")[0]
    return candidate if is_mailbox(candidate) and len(local) <= 64 else None


@lru_cache(maxsize=16384)
def normalize_phone(text: str, region: str) -> str | None:
    """E.164, or None when the text is not a possible phone number.

    Spreadsheets drop a leading zero ("10-1234-5678" for "010-1234-5678") and add a leading
    apostrophe; libphonenumber reads the first as a national number of the default region.
    """
    candidate = unicodedata.normalize("NFKC", text).strip().lstrip("'")
    if region == "KR" and (mobile := _KR_MOBILE.fullmatch(candidate)):
        # Korean mobile numbers are nearly every row of a Korean export: skip the full parse.
        return "+82" + "".join(mobile.groups())
    if not any(ch.isdigit() for ch in candidate):
        return None
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        digits = re.sub(r"\D", "", candidate)
        if not digits.startswith("0"):
            # A lost leading zero: try again with it restored.
            return normalize_phone("0" + digits, region) if len(digits) >= 7 else None
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_NOT_DIGITS = re.compile(r"\D")


@lru_cache(maxsize=16384)
def is_safe_number(text: str, region: str) -> bool:
    """A Korean 050x "safe number" (안심번호): a marketplace's relay to the buyer's phone that
    expires after delivery. It must never identify a person or be kept as their phone."""
    normalized = normalize_phone(text, region) or ""
    if normalized.startswith("+82"):
        # However it is written (+82-0504-…, 82 504 …, 0504-…), a Korean number read whole
        # says it: the digits below could not start with 050 otherwise. Nearly every buyer's
        # number is a 010 mobile: it is answered here, without reading the digits again.
        return normalized.startswith("+8250")
    written = unicodedata.normalize("NFKC", text).strip().lstrip("'")
    digits = _NOT_DIGITS.sub("", written)
    if written.startswith("+"):
        if not digits.startswith("82"):
            return False
        digits = "0" + digits[2:]
    elif region != "KR":
        return False
    elif not digits.startswith("0"):
        digits = "0" + digits  # a spreadsheet dropped the leading zero
    return digits.startswith("050") and 11 <= len(digits) <= 12


def format_phone(e164: str, region: str | None = None) -> str:
    """How a person wants to read a stored number: 010-1234-5678 at home (the business's own
    region), +82 10-1234-5678 from anywhere else."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if region and phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
