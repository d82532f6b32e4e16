"""Reading the values people and export tools write: amounts, dates, quantities, flags.

Each parser raises BadValue (a ValueError) with a message code a business owner can act on;
the pipeline turns it into a rejected-row entry naming the row, the field and the value.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zoneinfo
from decimal import Decimal, InvalidOperation

from patron.core.formats import minor_units

_CURRENCY_SYMBOLS = {"₩": "KRW", "원": "KRW", "$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}
_MONEY_NOISE = re.compile(r"[₩$€£¥원\s]|KRW|USD|EUR|JPY|GBP", re.IGNORECASE)
_THOUSANDS = re.compile(r"^\d{1,3}([,.]\d{3})+$")
_MAX_AMOUNT = Decimal("1e13")


class BadValue(ValueError):
    """A cell that cannot be read: a message code (see commerce.wording) and its numbers."""

    def __init__(self, code: str, **params) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def currency_from_text(text: str) -> str | None:
    """The currency a money cell names by its symbol ("₩12,000", "12,000원", "$60.00")."""
    normalized = unicodedata.normalize("NFKC", text)
    for symbol, code in _CURRENCY_SYMBOLS.items():
        if symbol in normalized:
            return code
    return None


def parse_amount(text: str, currency: str) -> Decimal:
    """A money amount in major units, rounded to the currency's minor unit.

    Accepts "1,234.56", "1.234,56", "₩12,000", "￦12,000", "12,000원", "$60.00", "-$1.85",
    "(1.85)" and full-width digits. Rejects NaN, infinities and exponents: an export never
    means them, and a silent 1e309 would poison every total.
    """
    raw = str(text).strip()
    if raw.isdigit() and raw.isascii():
        # The common case, "12000": no symbols, no separators.
        if len(raw) > 13:
            raise BadValue("value.amount_too_large")
        return Decimal(raw).quantize(Decimal(1).scaleb(-minor_units(currency)))
    if not raw.isascii():
        raw = unicodedata.normalize("NFKC", raw).strip()
    if not raw:
        raise BadValue("value.amount_missing")
    negative = False
    if raw.startswith("(") and raw.endswith(")"):
        negative, raw = True, raw[1:-1]
    body = _MONEY_NOISE.sub("", raw)
    if body.startswith("-"):
        negative, body = not negative, body[1:]
    elif body.startswith("+"):
        body = body[1:]
    if not body or not re.fullmatch(r"[\d.,]+", body):
        raise BadValue("value.amount_invalid")
    try:
        number = Decimal(_decimal_text(body, currency))
    except InvalidOperation:
        raise BadValue("value.amount_separators") from None
    if number >= _MAX_AMOUNT:
        raise BadValue("value.amount_too_large")
    exponent = Decimal(1).scaleb(-minor_units(currency))
    rounded = number.quantize(exponent)
    if rounded != number and minor_units(currency) == 0:
        raise BadValue("value.amount_decimals", currency=currency)
    return -rounded if negative else rounded


def _decimal_text(body: str, currency: str) -> str:
    """Which of ',' and '.' is the decimal separator, decided the way people read it."""
    if "," in body and "." in body:
        decimal_sep = "," if body.rfind(",") > body.rfind(".") else "."
        thousands = "." if decimal_sep == "," else ","
        return body.replace(thousands, "").replace(decimal_sep, ".")
    separator = "," if "," in body else "." if "." in body else ""
    if not separator:
        return body
    if body.count(separator) > 1 or (
        _THOUSANDS.match(body) and (separator == "," or minor_units(currency) == 0)
    ):
        if not _THOUSANDS.match(body):
            raise InvalidOperation(body)
        return body.replace(separator, "")
    return body.replace(separator, ".")


def parse_quantity(text: str) -> Decimal:
    raw = unicodedata.normalize("NFKC", str(text)).strip() or "1"
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        raise BadValue("value.quantity_invalid") from None
    if not value.is_finite() or abs(value) > 1_000_000:
        raise BadValue("value.quantity_invalid")
    return value


_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%d %H:%M %z",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d %H:%M",
    "%Y.%m.%d",
    "%Y%m%d",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%b %d, %Y %I:%M %p",
    "%B %d, %Y",
)
_KOREAN_DATE = re.compile(
    r"^(\d{4})\s*년\s*(\d{1,2})\s*월\s*(\d{1,2})\s*일"
    r"(?:\s*\(?\s*(오전|오후)?\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*\)?)?$"
)
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_FOUR_DIGITS = re.compile(r"\d{4}")


# Year-month-day with an optional time and offset: the form nearly every export writes. Matched
# by hand because strptime costs ~30 µs a try and the importer meets it on every row.
_YMD = re.compile(
    r"(\d{4})([-./])(\d{1,2})\2(\d{1,2})"
    r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2}|UTC|GMT)?"
)
_OFFSETS: dict[str, dt.tzinfo] = {"Z": dt.UTC, "UTC": dt.UTC, "GMT": dt.UTC}


def parse_datetime(text: str, default_tz: dt.tzinfo) -> dt.datetime:
    """An aware datetime. Naive values are read in the export's time zone (default_tz)."""
    raw = str(text).strip()
    if not raw.isascii():
        raw = unicodedata.normalize("NFKC", raw).strip()
    if not raw:
        raise BadValue("value.date_missing")
    match = _YMD.fullmatch(raw)
    parsed = _from_ymd_match(match, raw) if match else _parse_known_forms(raw)
    if parsed is None:
        raise BadValue("value.date_invalid")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    if not 1900 <= parsed.year <= 2200:
        raise BadValue("value.date_out_of_range")
    return parsed


def _from_ymd_match(match: re.Match[str], raw: str) -> dt.datetime:
    year, _, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        value = dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0").ljust(6, "0")),
        )
    except ValueError:
        _impossible_date(raw)
        raise BadValue("value.date_invalid") from None
    return value.replace(tzinfo=_offset(offset)) if offset else value


def _offset(text: str) -> dt.tzinfo:
    zone = _OFFSETS.get(text)
    if zone is None:
        digits = text.replace(":", "")
        minutes = int(digits[1:3]) * 60 + int(digits[3:5])
        zone = dt.timezone(dt.timedelta(minutes=-minutes if digits[0] == "-" else minutes))
        _OFFSETS[text] = zone
    return zone


# A date as booking and shop pages write it for people: a two- or four-digit year, the day's
# name in brackets, a 12-hour time with 오전/오후 or am/pm before or after it
# ("26. 3. 4.(수) 오후 2:00", "2026-11-24 오전 10:01", "2025-03-16 3:30 pm").
_SPOKEN = re.compile(
    r"^(\d{4}|\d{2})\s*[-./년]\s*(\d{1,2})\s*[-./월]\s*(\d{1,2})\s*[.일]?\s*"
    r"(?:\(\s*[^)]{1,9}\s*\)|[월화수목금토일]요일|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?)?\s*"
    r"(?:(오전|오후|am|pm|a\.m\.|p\.m\.)?\s*(\d{1,2})\s*[:시]\s*(\d{2})?\s*분?"
    r"(?::(\d{2}))?\s*(오전|오후|am|pm|a\.m\.|p\.m\.)?)?$",
    re.IGNORECASE,
)


_HAS_WEEKDAY = re.compile(
    r"\([월화수목금토일]\)|[월화수목금토일]요일|\((mon|tue|wed|thu|fri|sat|sun)", re.I
)


def _spoken_date(raw: str) -> dt.datetime | None:
    match = _SPOKEN.match(raw)
    if not match:
        return None
    year, month, day, before, hour, minute, second, after = match.groups()
    if len(year) == 2 and not (_HAS_WEEKDAY.search(raw) or before or after or "년" in raw):
        # "04.03.25" may be a day first (Europe) or a month first (America): a two-digit year
        # first is read only as Korean pages write it, with a weekday, 오전/오후 or 년.
        return None
    full_year = int(year) + (2000 if len(year) == 2 else 0)
    half = (before or after or "").lower().replace(".", "")
    value = int(hour or 0)
    if half in ("오후", "pm") and value < 12:
        value += 12
    elif half in ("오전", "am") and value == 12:
        value = 0
    try:
        return dt.datetime(
            full_year, int(month), int(day), value, int(minute or 0), int(second or 0)
        )
    except ValueError:
        return _impossible_date(raw)


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
# A date with its month in English letters, as American tools write it ("Nov 30, 2026",
# "October 14, 2026 10:00am", "Mon, Nov 30, 2026 at 3:45 PM", "30 Nov 2026 14:00").
_ENGLISH = re.compile(
    r"^(?:[a-z]{3,9}\.?,?\s+)??(?:([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?|(\d{1,2})\s+([a-z]{3,9})\.?),?"
    r"\s+(\d{4})(?:,?\s+(?:at\s+)?(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*([ap]\.?m\.?)?)?"
    r"(?:\s+[a-z]{2,5})?$",
    re.IGNORECASE,
)


def _english_date(raw: str) -> dt.datetime | None:
    match = _ENGLISH.match(raw)
    if not match:
        return None
    month_first, day_second, day_first, month_second, year, hour, minute, second, half = (
        match.groups()
    )
    month = _MONTHS.get((month_first or month_second or "").lower())
    if month is None:
        return None
    value = int(hour or 0)
    half = (half or "").lower().replace(".", "")
    if half == "pm" and value < 12:
        value += 12
    elif half == "am" and value == 12:
        value = 0
    try:
        return dt.datetime(
            int(year),
            month,
            int(day_second or day_first),
            value,
            int(minute or 0),
            int(second or 0),
        )
    except ValueError:
        raise BadValue(
            "value.date_impossible", month=month, day=int(day_second or day_first)
        ) from None


def _parse_known_forms(raw: str) -> dt.datetime | None:
    if len(raw) <= 40:
        spoken = _spoken_date(raw) or _english_date(raw)
        if spoken is not None:
            return spoken
    # Every date form has a year in digits: text without four digits in a row is none, and
    # is refused before the ~20 strptime tries (about 0.5 ms a value, a file of them minutes).
    if not _FOUR_DIGITS.search(raw) and not raw.replace(".", "", 1).isdigit():
        return None
    # An ISO date with its "T", a trailing "Z" or a "UTC" word.
    compact = re.sub(
        r"\s*(UTC|GMT)$", "+0000", raw.replace("Z", "+0000") if raw.endswith("Z") else raw
    )
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(compact, fmt)
        except ValueError:
            continue
    try:
        return dt.datetime.fromisoformat(raw)
    except ValueError:
        pass
    if match := _KOREAN_DATE.match(raw):
        return _korean_datetime(raw, match)
    if re.fullmatch(r"\d{4,5}(\.\d+)?", raw):
        # An Excel serial day number (days since 1899-12-30, the Lotus leap-year bug included).
        serial = float(raw)
        if 20_000 <= serial <= 80_000:
            return _EXCEL_EPOCH + dt.timedelta(days=serial)
    return _impossible_date(raw)


def _korean_datetime(raw: str, match: re.Match[str]) -> dt.datetime | None:
    year, month, day, half, hour, minute, second = match.groups()
    hour_value = int(hour or 0)
    if half == "오후" and hour_value < 12:
        hour_value += 12
    elif half == "오전" and hour_value == 12:
        hour_value = 0
    try:
        return dt.datetime(
            int(year), int(month), int(day), hour_value, int(minute or 0), int(second or 0)
        )
    except ValueError:
        return _impossible_date(raw)


def _impossible_date(raw: str) -> None:
    """Explain "2023-02-30" better than "not a date": it looks like one but does not exist."""
    match = re.match(r"^(\d{4})\D(\d{1,2})\D(\d{1,2})", raw)
    if match:
        year, month, day = (int(part) for part in match.groups())
        try:
            dt.date(year, month, day)
        except ValueError:
            raise BadValue("value.date_impossible", month=month, day=day) from None
    return None


def time_zone(name: str) -> dt.tzinfo:
    return zoneinfo.ZoneInfo(name)


_YES = frozenset({"yes", "y", "true", "1", "예", "동의", "o", "subscribed"})
_NO = frozenset({"no", "n", "false", "0", "아니오", "미동의", "x", "unsubscribed"})


def parse_flag(text: str) -> bool | None:
    if text is None or text == "":  # most files have no such column: every row asks
        return None
    value = str(text).strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    return None


def clean_text(text: object, limit: int = 500) -> str:
    """Trimmed text with the apostrophe spreadsheets prepend to keep leading zeros removed."""
    value = str(text).strip()
    # ASCII is always NFC: most cells are, and the check is skipped (called for every cell).
    if not value.isascii() and not unicodedata.is_normalized("NFC", value):
        value = unicodedata.normalize("NFC", value)
    if value[:1] == "'" and value[1:].replace("-", "").replace(" ", "").isdigit():
        value = value[1:]
    return value[:limit]
