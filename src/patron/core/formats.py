"""Money and quantities as a reader expects them: always with the currency, never "3E+1"."""

from __future__ import annotations

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
