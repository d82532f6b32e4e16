"""Money and quantities as a reader expects them: always with the currency, never "3E+1"."""

from __future__ import annotations

import re
from decimal import Decimal

from django.utils.translation import get_language

# ISO 4217 minor units that differ from 2 (the common ones in shop exports).
MINOR_UNITS = {"KRW": 0, "JPY": 0, "VND": 0, "CLP": 0, "ISK": 0, "TWD": 2, "BHD": 3, "KWD": 3}
_SYMBOLS = {"KRW": "₩", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def minor_units(currency: str) -> int:
    return MINOR_UNITS.get(currency.upper(), 2)


def money(amount: Decimal | float | int | None, currency: str) -> str:
    """ "₩12,000" / "12,000원", "$60.00", "1,250.50 CHF"; minus sign first."""
    if amount is None:
        return ""
    code = (currency or "").upper()
    places = minor_units(code)
    value = Decimal(str(amount)) if not isinstance(amount, Decimal) else amount
    sign = "-" if value < 0 else ""
    digits = f"{abs(value):,.{places}f}"
    if code == "KRW" and (get_language() or "").startswith("ko"):
        return f"{sign}{digits}원"
    symbol = _SYMBOLS.get(code)
    if symbol:
        return f"{sign}{symbol}{digits}"
    return f"{sign}{digits} {code}".strip()


def quantity(value: Decimal | float | int | None) -> str:
    """30 for Decimal("30.000"), 2.5 for Decimal("2.500"): plain digits, no exponent."""
    if value is None:
        return ""
    number = Decimal(str(value)) if not isinstance(value, Decimal) else value
    if number == number.to_integral_value():
        return f"{int(number):,}"
    sign = "-" if number < 0 else ""
    whole, _, fraction = format(abs(number).normalize(), "f").partition(".")
    return f"{sign}{int(whole):,}.{fraction}"


def compact(value: float) -> str:
    """A short axis label: 12k and 1.2M in English; 1.2만 and 3억 in Korean (people count in
    ten-thousands there)."""
    if (get_language() or "").startswith("ko"):
        for size, unit in ((100_000_000, "억"), (10_000, "만")):
            if value >= size:
                return f"{value / size:.1f}".rstrip("0").rstrip(".") + unit
        return f"{value:,.0f}"
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if value >= 1_000:
        return f"{value / 1_000:.0f}k"
    return f"{value:.0f}"


# -- dates as people write them -------------------------------------------------------------------
# Korean readers expect "2026년 12월 8일 (화) 오후 7:00", not ISO dates; English ones
# "Tue 8 December 2026, 7:00 PM". Written here rather than through Django's date formats:
# the weekday and 오전/오후 are the reader's language's, whatever the page's locale is.

_KO_WEEKDAYS = "월화수목금토일"
_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def _korean(language: str | None) -> bool:
    from django.utils import translation

    return (language or translation.get_language() or "").startswith("ko")


def long_date(day, language: str | None = None) -> str:
    """A date with its weekday, as the reader writes it."""
    if _korean(language):
        return f"{day.year}년 {day.month}월 {day.day}일 ({_KO_WEEKDAYS[day.weekday()]})"
    return f"{_EN_WEEKDAYS[day.weekday()]} {day.day} {_EN_MONTHS[day.month - 1]} {day.year}"


def clock(moment, language: str | None = None) -> str:
    """A time of day: 오후 7:00 / 7:00 PM."""
    hour12 = moment.hour % 12 or 12
    if _korean(language):
        return f"{'오전' if moment.hour < 12 else '오후'} {hour12}:{moment.minute:02d}"
    return f"{hour12}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def long_datetime(moment, language: str | None = None) -> str:
    """A moment in the business's time zone, as the reader writes it."""
    from django.utils import timezone

    local = timezone.localtime(moment)
    separator = " " if _korean(language) else ", "
    return f"{long_date(local, language)}{separator}{clock(local, language)}"


# A Korean particle written for either ending, after a name filled in: "하루 사진관을(를)".
_PARTICLE = re.compile(
    r"([가-힣])(을\(를\)|를\(을\)|이\(가\)|가\(이\)|은\(는\)|는\(은\)|과\(와\)|와\(과\)|\(으\)로)"
)
_PAIRS = {
    "을": ("을", "를"),
    "를": ("을", "를"),
    "이": ("이", "가"),
    "가": ("이", "가"),
    "은": ("은", "는"),
    "는": ("은", "는"),
    "과": ("과", "와"),
    "와": ("과", "와"),
}


def korean_particles(text: str) -> str:
    """Each "을(를)", "이(가)", "은(는)", "과(와)", "(으)로" after a Hangul syllable becomes the
    one that syllable takes: 을/이/은/과/으로 after a final consonant, 를/가/는/와/로 after a
    vowel (and 로 after ㄹ). After anything else (a Latin name, a digit) it stays as written."""

    def choose(match: re.Match) -> str:
        syllable, written = match.group(1), match.group(2)
        final = (ord(syllable) - 0xAC00) % 28  # 0: no final consonant; 8: ㄹ
        if written == "(으)로":
            return syllable + ("으로" if final not in (0, 8) else "로")
        with_final, without = _PAIRS[written[0]]
        return syllable + (with_final if final else without)

    return _PARTICLE.sub(choose, text)
