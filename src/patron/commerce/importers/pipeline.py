"""From raw rows to validated order records: mapping, parsing, grouping, rejecting.

Pure of the database, so it streams: one order record at a time leaves this module.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from patron.parties.normalize import normalize_email, normalize_name, normalize_phone

from .profiles import FIELDS, Profile, header_key
from .reading import FIELD_LIMIT, UnreadableFile
from .values import (
    clean_text,
    currency_from_text,
    parse_amount,
    parse_datetime,
    parse_flag,
    parse_quantity,
    time_zone,
)

# Fields that, when blank on a row of a multi-row order, mark it as a further line item.
_ORDER_LEVEL = ("occurred_at", "total", "status")
_PAID_WORDS = {"shipped", "delivered", "fulfilled", "success", "approved", "captured"}


@dataclass
class LineRecord:
    name: str
    sku: str
    quantity: Decimal
    unit_price: Decimal


@dataclass
class OrderRecord:
    row_no: int
    order_id: str
    occurred_at: dt.datetime
    status: str
    currency: str
    total: Decimal
    refunded: Decimal = Decimal(0)
    discount_amount: Decimal = Decimal(0)
    discount_code: str = ""
    channel: str = ""
    note: str = ""
    customer_id: str = ""
    name: str = ""
    company: str = ""
    email: str | None = None
    phone: str | None = None
    accepts_marketing: bool | None = None
    lines: list[LineRecord] = field(default_factory=list)

    def digest(self) -> str:
        parts = [
            self.order_id,
            self.occurred_at.isoformat(),
            self.status,
            self.currency,
            str(self.total),
            str(self.refunded),
            str(self.discount_amount),
            self.discount_code,
            self.channel,
            self.note,
            self.customer_id,
            self.name,
            self.company,
            self.email or "",
            self.phone or "",
        ]
        for line in self.lines:
            parts += [line.name, line.sku, str(line.quantity), str(line.unit_price)]
        return hashlib.md5("\x1f".join(parts).encode(), usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class Rejection:
    row: int
    field: str
    reason: str
    value: str = ""


class RowRejected(Exception):
    def __init__(self, column: str, reason: str, value: str = "") -> None:
        super().__init__(reason)
        self.column, self.reason, self.value = column, reason, value


@dataclass(frozen=True)
class Settings:
    region: str
    currency: str
    time_zone: dt.tzinfo


class ColumnMap:
    """Which cell of a row holds which field, with the header name to quote in errors."""

    def __init__(self, header: list[str], profile: Profile, overrides: dict[str, str]) -> None:
        keys = [header_key(h) for h in header]
        self.header = header
        self.duplicates = sorted({h for h in keys if h and keys.count(h) > 1})
        self.index: dict[str, int] = {}
        for name, aliases in profile.columns.items():
            for alias in aliases:
                if alias in keys:
                    self.index[name] = keys.index(alias)
                    break
        for column, target in overrides.items():
            if target not in FIELDS:
                raise UnreadableFile(
                    f"--map {column}={target}: '{target}' is not a field; fields are "
                    + ", ".join(FIELDS)
                )
            if header_key(column) not in keys:
                raise UnreadableFile(f"--map {column}={target}: the file has no column '{column}'")
            self.index[target] = keys.index(header_key(column))
        self._require()

    def _require(self) -> None:
        if "occurred_at" not in self.index:
            raise UnreadableFile(
                "no column holds the order date (e.g. 'Date', 'Created at', '주문일시'): "
                "rename that column, or name it with --map COLUMN=occurred_at"
            )
        if "total" not in self.index and "line_price" not in self.index:
            raise UnreadableFile(
                "no column holds the amount (e.g. 'Total', 'Amount', '결제금액'): rename that "
                "column, or name it with --map COLUMN=total"
            )
        who = ("customer_id", "name", "first_name", "last_name", "company", "email", "phone")
        if not any(name in self.index for name in who):
            raise UnreadableFile(
                "no column says who bought (name, email, phone or customer id): rename "
                "one, or name it with --map COLUMN=email"
            )

    def cell(self, row: list[str], name: str) -> str:
        position = self.index.get(name)
        if position is None or position >= len(row):
            return ""
        return row[position]

    def column_name(self, name: str) -> str:
        position = self.index.get(name)
        return self.header[position].strip() if position is not None else name


class RecordBuilder:
    """Reads rows into OrderRecords, grouping line-item rows, collecting rejections."""

    def __init__(self, columns: ColumnMap, profile: Profile, settings: Settings) -> None:
        self.columns, self.profile, self.settings = columns, profile, settings
        self.rejections: list[Rejection] = []
        self.rows_read = 0

    def records(self, rows: Iterator[tuple[int, list[str]]]) -> Iterator[OrderRecord]:
        pending: OrderRecord | None = None
        for row_no, row in rows:
            self.rows_read += 1
            try:
                self._check_shape(row)
                if pending is not None and self._continues(row, pending):
                    pending.lines.append(self._line(row, pending.currency))
                    continue
                record = self._record(row_no, row)
            except RowRejected as exc:
                self.rejections.append(Rejection(row_no, exc.column, exc.reason, exc.value[:200]))
                continue
            if pending is not None:
                yield pending
            pending = record
        if pending is not None:
            yield pending

    def _check_shape(self, row: list[str]) -> None:
        width = len(self.columns.header)
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            raise RowRejected(
                "(row)",
                f"the row has {len(row)} cells but the header has {width}: "
                "a value probably contains an unquoted delimiter",
            )
        for position, cell in enumerate(row):
            if len(cell) > FIELD_LIMIT:
                column = self.columns.header[position] if position < width else "(row)"
                raise RowRejected(column, f"the value is over {FIELD_LIMIT:,} characters long")

    def _continues(self, row: list[str], pending: OrderRecord) -> bool:
        if not self.profile.multi_row_orders:
            return False
        order_id = clean_text(self.columns.cell(row, "order_id"))
        if order_id != pending.order_id:
            return False
        return not any(self.columns.cell(row, name).strip() for name in _ORDER_LEVEL)

    def _value(self, row: list[str], name: str) -> str:
        return clean_text(self.columns.cell(row, name))

    def _parse(self, row: list[str], name: str, parser, *args):
        text = self.columns.cell(row, name)
        try:
            return parser(text, *args)
        except ValueError as exc:
            raise RowRejected(self.columns.column_name(name), str(exc), text) from None

    def _record(self, row_no: int, row: list[str]) -> OrderRecord:
        value = self._value
        currency = self._currency(row)
        occurred_at = self._parse(row, "occurred_at", parse_datetime, self._time_zone())
        lines = [self._line(row, currency)] if self._has_line(row) else []
        if "total" in self.columns.index:
            total = self._parse(row, "total", parse_amount, currency)
        else:
            total = sum((line.quantity * line.unit_price for line in lines), Decimal(0))
        if len(lines) == 1 and "line_price" not in self.columns.index:
            lines[0].unit_price = total / (lines[0].quantity or 1)
        refunded = self._optional_amount(row, "refunded", currency)
        status = self._status(row, total, refunded)
        if total < 0:
            # A negative amount is a refund or return written as its own row.
            total, refunded, status = -total, -total, "refunded"
        name, company = self._names(row)
        email, phone = self._contacts(row)
        customer_id = value(row, "customer_id")
        if not (name or company or email or phone or customer_id):
            raise RowRejected("customer", "the row has no name, email, phone or customer id")
        return OrderRecord(
            row_no=row_no,
            order_id=value(row, "order_id")[:128] or self._row_identity(row),
            occurred_at=occurred_at,
            status=status,
            currency=currency,
            total=total,
            refunded=refunded,
            discount_amount=abs(self._optional_amount(row, "discount_amount", currency)),
            discount_code=value(row, "discount_code")[:64],
            channel=value(row, "channel")[:32],
            note=value(row, "note")[:2000],
            customer_id=customer_id[:128],
            name=name,
            company=company,
            email=email,
            phone=phone,
            accepts_marketing=parse_flag(value(row, "accepts_marketing")),
            lines=lines,
        )

    def _row_identity(self, row: list[str]) -> str:
        # No order id column: the row's own content is its identity, so a re-import of the
        # same file matches the same orders.
        joined = "\x1f".join(cell.strip() for cell in row)
        return "row-" + hashlib.sha1(joined.encode(), usedforsecurity=False).hexdigest()[:20]

    def _time_zone(self) -> dt.tzinfo:
        if self.profile.time_zone:
            return time_zone(self.profile.time_zone)
        return self.settings.time_zone

    def _currency(self, row: list[str]) -> str:
        code = self._value(row, "currency").upper()
        if not code:
            code = currency_from_text(self.columns.cell(row, "total")) or self.settings.currency
        if len(code) != 3 or not code.isalpha():
            raise RowRejected(
                self.columns.column_name("currency"), f"'{code}' is not a currency code"
            )
        return code

    def _optional_amount(self, row: list[str], name: str, currency: str) -> Decimal:
        if not self.columns.cell(row, name).strip():
            return Decimal(0)
        return self._parse(row, name, parse_amount, currency)

    def _status(self, row: list[str], total: Decimal, refunded: Decimal) -> str:
        if self._value(row, "cancelled_at"):
            return "cancelled"
        if parse_flag(self._value(row, "captured")) is False:
            return "failed"
        if self._value(row, "event_type").lower() == "refund":
            return "refunded"
        text = self._value(row, "status").lower()
        status = self.profile.statuses.get(text, "paid" if not text or text in _PAID_WORDS else "")
        if not status:
            known = ", ".join(sorted(self.profile.statuses))
            raise RowRejected(
                self.columns.column_name("status"),
                f"unknown status '{text}' (known: {known})",
                text,
            )
        if status in {"paid", "refunded"} and 0 < refunded < abs(total):
            return "partially_refunded"
        if status == "paid" and refunded and refunded >= abs(total) > 0:
            return "refunded"
        return status

    def _names(self, row: list[str]) -> tuple[str, str]:
        name = normalize_name(self._value(row, "name"))
        if not name:
            name = normalize_name(
                f"{self._value(row, 'first_name')} {self._value(row, 'last_name')}"
            )
        return name[:200], normalize_name(self._value(row, "company"))[:200]

    def _contacts(self, row: list[str]) -> tuple[str | None, str | None]:
        email_text = self._value(row, "email")
        email = normalize_email(email_text) if email_text else None
        phone_text = self._value(row, "phone")
        phone = normalize_phone(phone_text, self.settings.region) if phone_text else None
        if email_text and email is None and not phone:
            raise RowRejected(
                self.columns.column_name("email"),
                f"'{email_text}' is not an email address",
                email_text,
            )
        return email, phone

    def _has_line(self, row: list[str]) -> bool:
        return bool(self._value(row, "line_name") or self._value(row, "line_sku"))

    def _line(self, row: list[str], currency: str) -> LineRecord:
        price_text = self.columns.cell(row, "line_price")
        return LineRecord(
            name=normalize_name(self._value(row, "line_name"))[:200]
            or self._value(row, "line_sku")[:200],
            sku=self._value(row, "line_sku")[:64],
            quantity=self._parse(row, "line_quantity", parse_quantity),
            unit_price=self._parse(row, "line_price", parse_amount, currency)
            if price_text.strip()
            else Decimal(0),
        )
