"""From raw rows to validated order records: mapping, parsing, grouping, rejecting.

Pure of the database, so it streams: one order record at a time leaves this module.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from patron.parties.normalize import (
    is_safe_number,
    name_key,
    normalize_email,
    normalize_name,
    normalize_phone,
)

from .headers import HeaderReading, Recognition, as_moment, compact, read_header
from .profiles import FIELDS, Profile, header_key
from .reading import FIELD_LIMIT, UnreadableFile
from .staging import LineStage
from .statuses import PAYMENT_WORDS, booking_meaning, order_meaning, word
from .values import (
    BadValue,
    clean_text,
    currency_from_text,
    parse_amount,
    parse_datetime,
    parse_flag,
    parse_quantity,
    time_zone,
)


def _is_email(value: str) -> bool:
    return "@" in value and normalize_email(value) is not None


def _is_phone(region: str):
    def test(value: str) -> bool:
        digits = sum(ch.isdigit() for ch in value)
        return 9 <= digits <= 15 and normalize_phone(value, region) is not None

    return test


# Fields that, when blank on a row of a multi-row order, mark it as a further line item.
_ORDER_LEVEL = ("occurred_at", "total", "status")
# A file's own statuses (profile.statuses) as what happened to a line.
_LINE_STATES = {
    "cancelled": "cancelled",
    "failed": "cancelled",
    "refunded": "returned",
    "partially_refunded": "paid",
    "pending": "pending",
}
# Columns read by meaning at most (a hostile header can have a thousand; exports have < 200).
MAX_READ_COLUMNS = 400
_HAS_DATE = re.compile(
    r"\d{4}\s*[-./년]\s*\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"
    r"|[A-Za-z]{3,9}\.?\s\d{1,2},?\s\d{4}|\d{1,2}\s[A-Za-z]{3,9}\.?\s\d{4}"
)
_SERVING = re.compile(
    r"(?i)\b(staff|duration|provider|therapist|stylist|practitioner)\b|담당|디자이너|소요시간|시술시간"
)
_BOOKING_WORDS = re.compile(r"예약|booking|appointment|reservation|invitee|booker|attendee")
_BOOKING_STATUS = re.compile(
    r"노쇼|noshow|no-show|이용완료|방문완료|예약확정|예약완료|attended|accepted"
)
# Words a POS, a booking page or a person types where no name is known: nobody's name.
_NOBODY = frozenset(
    {
        "현장예약",
        "현장판매",
        "현장결제",
        "현장",
        "비회원",
        "워크인",
        "손님",
        "고객",
        "일반고객",
        "익명",
        "미상",
        "없음",
        "-",
        "--",
        ".",
        "walk-in",
        "walkin",
        "guest",
        "anonymous",
        "unknown",
        "n/a",
        "na",
        "none",
        "customer",
    }
)
_UNKNOWN_KEPT = 100  # distinct unknown status words counted
_MEMO_LIMIT = 65_536  # distinct texts remembered per field before the memo starts again
_MISSING = object()
# The cells that say who a row's person is (RecordBuilder._who).
_WHO = ("name", "first_name", "last_name", "company", "email", "phone", "delivery_phone")


@dataclass
class LineRecord:
    name: str
    sku: str
    quantity: Decimal
    unit_price: Decimal
    line_id: str = ""  # the marketplace's number for this line (상품주문번호)


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
    end_row: int = 0  # the last spreadsheet row of this order (its line items follow row_no)
    # Where the order was delivered when that number is not the person's own (a marketplace's
    # 050x safe number, or the recipient's): kept on the order only.
    delivery_contact: str = ""
    refused_rows: list[int] = field(default_factory=list)  # rows of it rejected: left out
    # A booking paid for (a booking export with an amount): the state of its payment, as an
    # order's (paid, pending, cancelled, refunded); "" for an order, or a booking unpaid.
    paid_status: str = ""
    booked_at: dt.datetime | None = None  # when a paid booking was made: its order's date

    @property
    def is_purchase(self) -> bool:
        return self.status not in ("cancelled", "failed", "pending")

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
        # The delivery contact is left out: a safe number changes from one download to the
        # next, and is no change to the order. A line's own number counts where a file has
        # one (left out when empty: digests of orders kept before stay the same).
        if self.paid_status:
            parts.append(self.paid_status)
        for line in self.lines:
            parts += [line.name, line.sku, str(line.quantity), str(line.unit_price)]
            if line.line_id:
                parts.append(line.line_id)
        return hashlib.md5("\x1f".join(parts).encode(), usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class Rejection:
    row: int
    field: str  # the column as the file names it
    reason: dict  # a message: {"code": "value.date_invalid", ...} (commerce.wording)
    value: str = ""


class RowRejected(Exception):
    def __init__(self, column: str, code: str, value: str = "", **params) -> None:
        super().__init__(code)
        self.column, self.value = column, value
        self.reason = {"code": code, **params}


@dataclass(frozen=True)
class Settings:
    region: str
    currency: str
    time_zone: dt.tzinfo


class ColumnMap:
    """Which cell of a row holds which field, with the header name to quote in errors.

    A recognised tool's export (Shopify, SmartStore, ...) is read by its exact column names;
    any other file by the meaning of its headers (headers.read_header), helped by its first
    rows (`sample`) where a header says nothing. `remembered` is what the owner said of this
    source's columns before (a column's compact header -> field, "" for not used); `overrides`
    what they say now (a column as written -> field). Both win over a guess.
    """

    def __init__(
        self,
        header: list[str],
        profile: Profile,
        overrides: dict[str, str],
        remembered: dict[str, str] | None = None,
        sample: list[list[str]] | None = None,
        region: str = "KR",
    ) -> None:
        keys = [header_key(h) for h in header]
        self.header = header
        self.profile = profile
        # Linear in the number of columns: a hostile header can have hundreds of thousands.
        first: dict[str, int] = {}
        for position, key in enumerate(keys):
            first.setdefault(key, position)
        counts = Counter(keys)
        self.duplicates = sorted(key for key, n in counts.items() if key and n > 1)
        self.reading: HeaderReading | None = None
        self.index: dict[str, int] = {}
        sample = sample or []
        if profile.name == "generic":
            self.reading = read_header(header[:MAX_READ_COLUMNS], remembered)
            self.index = self.reading.index
            self._read_values(sample, region)
        else:
            for name, aliases in profile.columns.items():
                for alias in aliases:
                    if header_key(alias) in first:
                        self.index[name] = first[header_key(alias)]
                        break
            self._apply_remembered(remembered or {})
        for column, target in overrides.items():
            if not target and header_key(column) in first:  # "not used" (--map COLUMN=none)
                unused = first[header_key(column)]
                self.index = {k: v for k, v in self.index.items() if v != unused}
                if self.reading is not None:
                    self.reading.chosen = {
                        k: v for k, v in self.reading.chosen.items() if v.position != unused
                    }
                continue
            if target not in FIELDS:
                raise UnreadableFile(
                    "file.map_unknown_field", column=column, field=target, fields=list(FIELDS)
                )
            if header_key(column) not in first:
                raise UnreadableFile("file.map_unknown_column", column=column, field=target)
            self._choose(target, first[header_key(column)], "header.person_chose")
        self._read_time_columns(sample)
        self.booking_signs: list[str] = []  # the columns that said "bookings"
        self.bookings = self._reads_as_bookings(sample)
        self._settle_times()
        if "order_id" not in self.index and "line_id" in self.index:
            self.index["order_id"] = self.index.pop("line_id")  # each line is its own order
        # A row per line of an order: the marketplaces' layout, and any file that numbers
        # both its orders and their lines, or repeats an order's number on its rows.
        self.line_rows = not self.bookings and (
            profile.line_rows or "line_id" in self.index or self._numbers_repeat(sample)
        )
        # The order's total repeated on each of its rows (Cafe24's 총 결제금액, a shop
        # builder's 총 주문금액 beside each item's 품목실결제가): rule "order total per order".
        self.total_per_order = profile.total_per_order or (
            self.reading is not None
            and self.line_rows
            and "total" in self.index
            and ("line_total" in self.index or self._order_level_total())
        )
        self._require()
        self._blank = dict.fromkeys(FIELDS, "")
        self._mapped = tuple(self.index.items())

    def _apply_remembered(self, remembered: dict[str, str]) -> None:
        for position, text in enumerate(self.header[:MAX_READ_COLUMNS]):
            wanted = remembered.get(compact(text))
            if wanted is None:
                continue
            if not wanted:
                self.index = {k: v for k, v in self.index.items() if v != position}
            elif wanted in FIELDS:
                self.index[wanted] = position

    def _choose(self, target: str, position: int, reason: str) -> None:
        """A column given a field by the owner: it loses any field it had, and the field
        any column it had."""
        self.index = {k: v for k, v in self.index.items() if v != position}
        self.index[target] = position
        if self.reading is not None:
            chosen = self.reading.chosen
            for name in [k for k, found in chosen.items() if found.position == position]:
                del chosen[name]
            chosen[target] = Recognition(position, self.header[position], target, 1.0, reason)

    def _read_values(self, sample: list[list[str]], region: str) -> None:
        """A column whose header says nothing, but whose values are phone numbers or email
        addresses (a "HP" or "Contact" column), is read as such when no header named one."""
        if not sample or self.reading is None:
            return
        for position in self.reading.silent:
            text = self.header[position]
            values = [row[position].strip() for row in sample if position < len(row)]
            values = [value for value in values if value]
            # A shop's own number on every row is nobody's: a person's values differ.
            if len(values) < 3 or len(set(values)) * 2 < len(values):
                continue
            for target, test in (("phone", _is_phone(region)), ("email", _is_email)):
                if target in self.index:
                    continue
                share = sum(map(test, values)) / len(values)
                if share >= 0.8:
                    self.index[target] = position
                    self.reading.chosen[target] = Recognition(
                        position, text, target, round(0.8 * share, 2), f"header.values_{target}"
                    )
                    if text in self.reading.unread:
                        self.reading.unread.remove(text)
                    break

    def _read_time_columns(self, sample: list[list[str]]) -> None:
        """A "time" column holding whole dates ("Start Time" of "2026-03-04 14:00") is the
        moment its words name, not a clock to add to a date."""
        position = self.index.get("time_of_day")
        if position is None or self.reading is None or not sample:
            return
        values = [row[position] for row in sample if position < len(row) and row[position]]
        if not values or sum(bool(_HAS_DATE.search(v)) for v in values) * 5 < len(values) * 4:
            return
        del self.index["time_of_day"]
        self.reading.chosen.pop("time_of_day", None)
        moment = as_moment(self.header[position])
        field = moment.field if moment is not None else "occurred_at"
        if field in ("occurred_at", "ordered_at", "service_at") and field not in self.index:
            self.index[field] = position
            self.reading.chosen[field] = Recognition(
                position, self.header[position], field, 0.8, "header.values_date"
            )

    def _reads_as_bookings(self, sample: list[list[str]]) -> bool:
        """A booking export (one row per booking: 네이버 예약, a studio's booking page,
        Calendly, Square Appointments) from its headers and its status words: two signs."""
        if self.profile.name != "generic" or self.reading is None:
            return False
        chosen = self.reading.chosen
        signs = []
        if "service_at" in chosen:
            signs.append(chosen["service_at"].column)
        if "no_show" in chosen:
            signs.append(chosen["no_show"].column)
        for name in ("order_id", "status", "name", "line_name"):
            found = chosen.get(name)
            if found is not None and _BOOKING_WORDS.search(compact(found.column)):
                signs.append(found.column)
        status = self.index.get("status")
        if status is not None and sample:
            words = {word(row[status]) for row in sample if status < len(row)}
            if any(_BOOKING_STATUS.search(w) for w in words if w):
                signs.append(self.header[status])
        # Who serves and for how long: an appointment book's columns (Square's "Staff" and
        # "Duration", a salon's 담당 디자이너 and 소요시간).
        signs += [text for text in self.header[:MAX_READ_COLUMNS] if _SERVING.search(text)]
        self.booking_signs = list(dict.fromkeys(signs))[:6]
        amounts = {"total", "line_total", "line_price"} & self.index.keys()
        unpriced = not amounts and bool(signs)  # no amount: a list of visits, not of sales
        return len(set(signs)) >= 2 or unpriced

    def _settle_times(self) -> None:
        """Which time a row happened at: a booking's when its service took place; an order's
        when it was paid, else when it was placed (rule "paid before ordered")."""
        index = self.index
        service = index.pop("service_at", None)
        if self.bookings:
            paid = index.get("occurred_at")
            when = service if service is not None else paid
            if when is None:
                when = index.pop("ordered_at", None)
            if when is not None:
                index["occurred_at"] = when
            if paid is not None and paid != when and "ordered_at" not in index:
                index["ordered_at"] = paid  # when a paid booking was paid: its order's date
            return
        if "occurred_at" not in index and service is not None:
            index["occurred_at"] = service
        if "occurred_at" not in index and "ordered_at" in index:
            index["occurred_at"] = index.pop("ordered_at")

    def _numbers_repeat(self, sample: list[list[str]]) -> bool:
        """A row per item: among the file's first rows, an order's number on several rows
        with the same date and different products (a number repeated with another date or
        the same product is the order again, the later row winning)."""
        index = self.index
        if self.reading is None or "order_id" not in index or not sample:
            return False
        product = index.get("line_name", index.get("line_sku"))
        if product is None:
            return False
        when = index.get("occurred_at")
        seen: dict[tuple[str, str], str] = {}
        for row in sample:
            cells = [
                row[p].strip() if p is not None and p < len(row) else ""
                for p in (index["order_id"], when, product)
            ]
            number, day, item = cells
            if not number:
                continue
            earlier = seen.setdefault((number, day), item)
            if earlier != item:
                return True
        return False

    def _order_level_total(self) -> bool:
        found = self.reading.chosen.get("total") if self.reading else None
        return found is not None and (
            found.reason == "header.order_amount" or "총" in found.column or "합계" in found.column
        )

    def _require(self) -> None:
        seen = [name.strip()[:60] for name in self.header[:40] if name.strip()]
        if "occurred_at" not in self.index:
            raise UnreadableFile("file.no_date_column", seen=seen)
        if not self.bookings and not {"total", "line_price", "line_total"} & self.index.keys():
            raise UnreadableFile("file.no_amount_column", seen=seen)
        who = ("customer_id", "name", "first_name", "last_name", "company", "email", "phone")
        if not any(name in self.index for name in who):
            raise UnreadableFile("file.no_customer_column", seen=seen)

    def recognitions(self) -> list[dict]:
        """How each column was read, for the preview (generic files only)."""
        if self.reading is None:
            return []
        used = set(self.index.values())
        shown = []
        for found in self.reading.recognitions():
            item = found.summary()
            # The field the row is read with (a payment date standing for the order date).
            fields = [name for name, position in self.index.items() if position == found.position]
            if fields and found.position in used:
                item["used_as"] = fields[0]
            shown.append(item)
        return shown

    def cells(self, row: list[str]) -> dict[str, str]:
        """Every mapped field of a row, cleaned once (a missing cell is an empty string)."""
        width = len(row)
        cells = self._blank.copy()
        for name, position in self._mapped:
            if position < width:
                cells[name] = clean_text(row[position])
        return cells

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

    def __init__(
        self,
        columns: ColumnMap,
        profile: Profile,
        settings: Settings,
        meanings: dict[str, str] | None = None,
    ) -> None:
        self.columns, self.profile, self.settings = columns, profile, settings
        # What the owner said this source's status words mean (statuses.word -> meaning).
        self.meanings = meanings or {}
        # Status words no rule knew, counted (their rows kept): the owner can say what they
        # mean. Bounded: a file of a million distinct words keeps the first ones.
        self.unknown_statuses: Counter[str] = Counter()
        self.rejections: list[Rejection] = []
        self._stage: LineStage | None = None  # the lines of a row-per-line file
        self._emitted = 0  # orders of it made so far
        self._memo: dict[object, dict] = {}  # what is read -> {its cells: value or refusal}
        self.rows_read = 0
        self.last_row = 0  # the spreadsheet row number of the last row read
        self._now = timezone.now()  # what "ahead" means for the whole file

    def take_rejections(self) -> list[Rejection]:
        """The rejections since the last call (the caller stores them: memory stays flat)."""
        taken, self.rejections = self.rejections, []
        return taken

    # How many rejections are held before the caller is asked to store them (None is yielded).
    rejections_held = 5000

    def records(self, rows: Iterator[tuple[int, list[str]]]) -> Iterator[OrderRecord | None]:
        """Order records, row by row; None now and then when rejections wait to be stored."""
        if self.columns.line_rows:
            yield from self._grouped_records(rows)
            return
        pending: OrderRecord | None = None
        for row_no, row in rows:
            self.rows_read += 1
            self.last_row = row_no
            try:
                self._check_shape(row)
                if pending is not None and self._continues(row, pending):
                    pending.lines.append(self._line(self.columns.cells(row), pending.currency))
                    pending.end_row = row_no
                    continue
                record = self._record(row_no, row)
            except RowRejected as exc:
                self.rejections.append(Rejection(row_no, exc.column, exc.reason, exc.value[:200]))
                if len(self.rejections) >= self.rejections_held:
                    yield None  # time to store them: a file of bad rows stays in bounded memory
                continue
            if pending is not None:
                yield pending
            pending = record
        if pending is not None:
            yield pending

    def rows_settled(self, last: OrderRecord) -> int:
        """The last row up to which every row is in a batch written once `last` is (or was
        rejected). With a row per line, orders come in the order of their first row: up to
        the last order's first row, every row belongs to an order written."""
        return last.row_no if self.columns.line_rows else last.end_row

    def share_done(self, read: float) -> float:
        """How far the import is, from how much of the file was read: a file with a row per
        line is read whole first (half the work), then written order by order."""
        if not self.columns.line_rows:
            return read
        if self._stage is None or not self._stage.orders:
            return read / 2
        return 0.5 + 0.5 * min(self._emitted / self._stage.orders, 1.0)

    def _grouped_records(self, rows: Iterator[tuple[int, list[str]]]) -> Iterator:
        """One record per order of a file with a row per line: every line checked and staged
        first, then each order made from all its lines, wherever they stood in the file."""
        stage = self._stage = LineStage()
        try:
            for row_no, row in rows:
                self.rows_read += 1
                self.last_row = row_no
                order_id = ""
                try:
                    self._check_shape(row)
                    cells = self.columns.cells(row)
                    order_id = cells["order_id"][:128] or self._row_identity(row)
                    head = self._head(row_no, row, cells, order_id)
                    staged = (
                        head,
                        self._line_part(row_no, cells, head),
                        self._order_total(cells, head),
                    )
                except RowRejected as exc:
                    self.rejections.append(
                        Rejection(row_no, exc.column, exc.reason, exc.value[:200])
                    )
                    if order_id:
                        stage.refuse(order_id, row_no)
                    if len(self.rejections) >= self.rejections_held:
                        yield None
                    continue
                stage.add(order_id, row_no, staged)
            for _key, items, refused in stage.orders_in_file_order():
                group = _Group(items[0][0], items[0][2])
                for head, part, _total in items:
                    group.add(part, head.row_no)
                record = group.settle()
                record.refused_rows = refused
                self._emitted += 1
                yield record
        finally:
            stage.close()

    def _order_total(self, cells: dict[str, str], head: OrderRecord) -> Decimal | None:
        """The order's own total, repeated on each of its rows (Cafe24's 총 결제금액)."""
        if not self.columns.total_per_order or not cells.get("total"):
            return None
        return self._parse(cells, "total", parse_amount, head.currency)

    def _line_part(self, row_no: int, cells: dict[str, str], head: OrderRecord) -> _LinePart:
        currency = head.currency
        line = self._line(cells, currency)
        amount = None
        if cells.get("line_total"):
            amount = self._parse(cells, "line_total", parse_amount, currency)
        elif cells.get("total") and not self.columns.total_per_order:
            amount = self._parse(cells, "total", parse_amount, currency)  # a row's own amount
        elif "line_price" in self.columns.index:
            amount = line.quantity * line.unit_price
        if amount is not None and line.quantity:
            line.unit_price = (amount / line.quantity).quantize(Decimal("0.01"))
        line.line_id = cells.get("line_id")[:64]
        refunded = Decimal(0)
        if self.profile.line_rows:  # a marketplace: its status words
            state = line_state(cells["status"], cells["status_detail"], cells["claim_status"])
        else:  # any other file: its statuses as the profile and the vocabulary know them
            refunded = self._optional_amount(cells, "refunded", currency)
            status = self._status(cells, amount or Decimal(0), refunded)
            state = _LINE_STATES.get(status, "paid")
        if state == "returned" and not refunded:
            refunded = amount or Decimal(0)
        return _LinePart(line.line_id or f"row-{row_no}", line, state, amount, refunded)

    def _check_shape(self, row: list[str]) -> None:
        width = len(self.columns.header)
        if len(row) > width and "".join(row[width:]).strip():
            raise RowRejected("", "row.too_many_cells", cells=len(row), header=width)
        if max(map(len, row)) <= FIELD_LIMIT:  # every row is asked: answered in C
            return
        for position, cell in enumerate(row):
            if len(cell) > FIELD_LIMIT:
                column = self.columns.header[position] if position < width else ""
                raise RowRejected(column, "row.value_too_long", limit=FIELD_LIMIT)

    def _continues(self, row: list[str], pending: OrderRecord) -> bool:
        if not self.profile.multi_row_orders:
            return False
        order_id = clean_text(self.columns.cell(row, "order_id"))
        if order_id != pending.order_id:
            return False
        return not any(self.columns.cell(row, name).strip() for name in _ORDER_LEVEL)

    def _parse(self, cells: dict[str, str], name: str, parser, *args):
        """The cell's value, each distinct text parsed once: dates, amounts and quantities
        repeat down a file, and parsing was most of the time spent on a row."""
        text = cells.get(name, "")
        found = self._recall((name, parser), (text, *args), parser, BadValue)
        if isinstance(found, BadValue):
            raise RowRejected(
                self.columns.column_name(name), found.code, text, **found.params
            ) from None
        return found

    def _recall(self, slot: object, key: tuple, read, refusal: type[Exception]):
        """read(*key), each distinct key read once; a refusal (the exception) is remembered
        and returned like a value. Bounded: a memo that fills starts again (flat memory)."""
        memo = self._memo.get(slot)
        if memo is None or len(memo) >= _MEMO_LIMIT:
            memo = self._memo[slot] = {}
        found = memo.get(key, _MISSING)
        if found is _MISSING:
            try:
                found = read(*key)
            except refusal as exc:
                found = exc
            memo[key] = found
        return found

    def _record(self, row_no: int, row: list[str]) -> OrderRecord:
        cells = self.columns.cells(row)
        record = self._head(row_no, row, cells, cells["order_id"][:128])
        if self.columns.bookings:
            return self._booking(record, cells)
        currency = record.currency
        lines = [self._line(cells, currency)] if self._has_line(cells) else []
        if "total" in self.columns.index:
            total = self._parse(cells, "total", parse_amount, currency)
        elif "line_total" in self.columns.index:
            total = self._parse(cells, "line_total", parse_amount, currency)
        else:  # a quantity and a unit price, with or without a product named
            priced = lines[0] if lines else self._line(cells, currency)
            total = priced.quantity * priced.unit_price
        if len(lines) == 1 and "line_price" not in self.columns.index:
            lines[0].unit_price = total / (lines[0].quantity or 1)
        refunded = self._optional_amount(cells, "refunded", currency)
        status = self._status(cells, total, refunded)
        if total < 0:
            # A negative amount is a refund or return written as its own row.
            total, refunded, status = -total, -total, "refunded"
        elif status == "refunded" and not refunded:
            refunded = total  # 환불완료 with no refund column: all of it was given back
        record.total, record.refunded, record.status, record.lines = total, refunded, status, lines
        return record

    def _booking_identity(self, cells: dict[str, str]) -> str:
        """A booking without a number (Calendly) is its person, service and time: its state
        changing in a later download is the same booking, updated."""
        parts = [cells.get(name) for name in ("email", "phone", "name", "line_name")]
        parts += [cells.get("occurred_at"), cells.get("time_of_day")]
        return _identity("booking-", (part.strip().lower() for part in parts))

    def _head(self, row_no: int, row: list[str], cells: dict[str, str], order_id: str):
        """An order's own fields (when, who, how), as every row of it repeats them."""
        value = cells.get
        currency = self._currency(cells)
        name, company, email, phone, delivery = self._who(cells)
        customer_id = value("customer_id")
        if not (name or company or email or phone or customer_id):
            if self.columns.bookings:
                raise RowRejected("", "row.no_customer", booking=True)
            raise RowRejected("", "row.no_customer")
        return OrderRecord(
            row_no=row_no,
            end_row=row_no,
            order_id=order_id
            or (
                self._booking_identity(cells) if self.columns.bookings else self._row_identity(row)
            ),
            occurred_at=self._occurred_at(cells),
            status="paid",
            currency=currency,
            total=Decimal(0),
            discount_amount=abs(self._optional_amount(cells, "discount_amount", currency)),
            discount_code=value("discount_code")[:64],
            channel=value("channel")[:32],
            note=value("note")[:2000],
            customer_id=customer_id[:128],
            name=name,
            company=company,
            email=email,
            phone=phone,
            accepts_marketing=parse_flag(value("accepts_marketing")),
            delivery_contact=delivery,
        )

    def _occurred_at(self, cells: dict[str, str]) -> dt.datetime:
        # An order cancelled before it was paid has no payment date: it happened when placed.
        name = "occurred_at" if cells.get("occurred_at") or not cells.get("ordered_at") else None
        name = name or "ordered_at"
        moment = cells.get("time_of_day", "")
        if moment and ":" not in cells.get(name, ""):
            # A date and its time in two columns (Square's "Date" and "Time").
            cells = {**cells, name: f"{cells.get(name)} {_clock(moment)}"}
        return self._parse(cells, name, parse_datetime, self._time_zone())

    def _booking(self, record: OrderRecord, cells: dict[str, str]) -> OrderRecord:
        """A booking: its service, when, its amount if any, and what became of it (status:
        done, booked, cancelled or no_show; statuses.booking_meaning)."""
        if cells.get("total"):
            record.total = self._parse(cells, "total", parse_amount, record.currency)
        elif cells.get("line_total"):
            record.total = self._parse(cells, "line_total", parse_amount, record.currency)
        elif cells.get("line_price"):  # Acuity's "Appointment Price"
            record.total = self._parse(cells, "line_price", parse_amount, record.currency)
        name = normalize_name(cells.get("line_name"))[:200] or cells.get("line_sku")[:200]
        if name:
            record.lines = [LineRecord(name, cells.get("line_sku")[:64], Decimal(1), record.total)]
        record.status = self._booking_state(cells)
        if record.total > 0:
            record.booked_at = self._booked_at(cells)
            # Its order is dated when it was booked (and paid), else on its day: a booking
            # paid for a day still ahead, with no date of booking, is counted on that day.
            if (record.booked_at or record.occurred_at) <= self._now:
                record.paid_status = self._booking_payment(record.status, cells)
        return record

    def _booked_at(self, cells: dict[str, str]) -> dt.datetime | None:
        """When a booking was made (예약신청일시, Event Created), if the file says and it
        reads: a date of booking that cannot be read costs the booking nothing."""
        if not cells.get("ordered_at"):
            return None
        try:
            return self._parse(cells, "ordered_at", parse_datetime, self._time_zone())
        except RowRejected:
            return None

    def _booking_payment(self, state: str, cells: dict[str, str]) -> str:
        """What became of a paid booking's payment: cancelled with the booking; else as the
        payment's words say (결제대기: not paid yet), paid when they say nothing more."""
        if state == "cancelled":
            return "cancelled"
        texts = [cells.get(name) for name in ("status", "status_detail", "claim_status")]
        paid = [text for text in texts if text and word(text).startswith(PAYMENT_WORDS)]
        meaning = order_meaning(*paid) if paid else "paid"
        return meaning if meaning in ("pending", "refunded", "cancelled", "failed") else "paid"

    def _booking_state(self, cells: dict[str, str]) -> str:
        if parse_flag(cells.get("no_show")):
            return "no_show"
        if _cancelled(cells.get("cancelled_at")) or cells.get("cancel_reason"):
            return "cancelled"
        texts = [cells.get(name) for name in ("status", "status_detail", "claim_status")]
        remembered = self._remembered(texts)
        if remembered in ("done", "booked", "cancelled", "no_show"):
            return remembered
        meaning = self._meaning(booking_meaning, texts)
        if meaning is None:
            self._note_unknown(texts)
            return "booked"
        return meaning

    def _row_identity(self, row: list[str]) -> str:
        # No order id column: the row's own content is its identity, so a re-import of the
        # same file matches the same orders.
        return _identity("row-", (cell.strip() for cell in row))

    def _time_zone(self) -> dt.tzinfo:
        if self.profile.time_zone:
            return time_zone(self.profile.time_zone)
        return self.settings.time_zone

    def _currency(self, cells: dict[str, str]) -> str:
        code = cells.get("currency").upper()
        if not code:
            code = (
                self.profile.currency
                or currency_from_text(cells.get("total", ""))
                or self.settings.currency
            )
        if len(code) != 3 or not code.isalpha():
            raise RowRejected(self.columns.column_name("currency"), "value.currency_invalid", code)
        return code

    def _optional_amount(self, cells: dict[str, str], name: str, currency: str) -> Decimal:
        if not cells.get(name, ""):
            return Decimal(0)
        return self._parse(cells, name, parse_amount, currency)

    def _status(self, cells: dict[str, str], total: Decimal, refunded: Decimal) -> str:
        if _cancelled(cells.get("cancelled_at")):
            return "cancelled"
        if parse_flag(cells.get("captured")) is False:
            return "failed"
        if cells.get("event_type").lower() == "refund":
            return "refunded"
        status = self._status_word(cells)
        if status in ("paid", "pending") and cells.get("cancel_reason"):
            status = "cancelled"
        elif status == "paid" and cells.get("return_reason"):
            status = "refunded"
        if status in {"paid", "refunded"} and 0 < refunded < abs(total):
            return "partially_refunded"
        if status == "paid" and refunded and refunded >= abs(total) > 0:
            return "refunded"
        return status

    def _status_word(self, cells: dict[str, str]) -> str:
        """What the row's status words mean: as the owner said for this source, as the
        file's tool writes them, else as the vocabulary reads them. A word nobody knows keeps
        its row as a purchase and is counted for the owner to say what it means."""
        texts = [cells.get(name) for name in ("status", "status_detail", "claim_status")]
        remembered = self._remembered(texts)
        if remembered in ("paid", "pending", "cancelled", "refunded"):
            return remembered
        text = texts[0].lower()
        if text in self.profile.statuses:
            return self.profile.statuses[text]
        if not any(texts):
            return "paid"
        meaning = self._meaning(order_meaning, texts)
        if meaning is None:
            self._note_unknown(texts)
            return "paid"
        return meaning

    def _meaning(self, read, texts: list[str]) -> str | None:
        """read(*texts), each distinct set of status words read once (a file repeats a
        handful of them on every row)."""
        return self._recall(read, tuple(texts), read, _NeverRaised)

    def _remembered(self, texts: list[str]) -> str | None:
        if not self.meanings:
            return None
        for text in texts:
            found = self.meanings.get(word(text.strip()[:60])) if text else None
            if found:
                return found
        return None

    def _note_unknown(self, texts: list[str]) -> None:
        # The first status column's word: what the owner says it means is looked up by it.
        key = next((text.strip()[:60] for text in texts if text and text.strip()), "")
        if key in self.unknown_statuses or len(self.unknown_statuses) < _UNKNOWN_KEPT:
            self.unknown_statuses[key] += 1

    def _who(self, cells: dict[str, str]) -> tuple[str, str, str | None, str | None, str]:
        """Name, company, email, phone and delivery contact of a row: each distinct set of
        these cells is read once (a customer's repeat on every order of theirs)."""
        key = tuple(map(cells.__getitem__, _WHO))
        found = self._recall("person", key, self._person, RowRejected)
        if isinstance(found, RowRejected):
            raise found.with_traceback(None)
        return found

    def _person(self, *cells: str) -> tuple[str, str, str | None, str | None, str]:
        person = dict(zip(_WHO, cells, strict=True))
        return (*self._names(person), *self._contacts(person))

    def _names(self, cells: dict[str, str]) -> tuple[str, str]:
        name = normalize_name(cells.get("name"))
        if not name:
            name = normalize_name(f"{cells.get('first_name')} {cells.get('last_name')}")
        if name_key(name) in _NOBODY:
            name = ""  # "현장예약", "비회원", "Walk-in": a sale or booking without a person
        return name[:200], normalize_name(cells.get("company"))[:200]

    def _contacts(self, cells: dict[str, str]) -> tuple[str | None, str | None, str]:
        """The person's email and phone, and the order's delivery contact: a safe number
        (050x) in the buyer's column is never the person's phone, only the order's."""
        region = self.settings.region
        email_text = cells.get("email")
        email = normalize_email(email_text) if email_text else None
        phone_text = cells.get("phone")
        delivery = cells.get("delivery_phone")
        if phone_text and is_safe_number(phone_text, region):
            phone_text, delivery = "", phone_text
        phone = normalize_phone(phone_text, region) if phone_text else None
        if phone and phone.startswith("+8250"):  # a safe number however written
            phone, delivery = None, phone_text
        if email_text and email is None and not phone:
            raise RowRejected(self.columns.column_name("email"), "value.email_invalid", email_text)
        if delivery and not is_safe_number(delivery, region):
            delivery = normalize_phone(delivery, region) or ""
            if delivery == phone:
                delivery = ""  # delivered to the buyer's own number: nothing more to keep
        return email, phone, delivery[:32]

    def _has_line(self, cells: dict[str, str]) -> bool:
        return bool(cells.get("line_name") or cells.get("line_sku"))

    def _line(self, cells: dict[str, str], currency: str) -> LineRecord:
        price_text = cells.get("line_price", "")
        return LineRecord(
            name=normalize_name(cells.get("line_name"))[:200] or cells.get("line_sku")[:200],
            sku=cells.get("line_sku")[:64],
            quantity=self._parse(cells, "line_quantity", parse_quantity),
            unit_price=self._parse(cells, "line_price", parse_amount, currency)
            if price_text.strip()
            else Decimal(0),
        )


def _identity(prefix: str, parts) -> str:
    joined = "\x1f".join(parts)
    return prefix + hashlib.sha1(joined.encode(), usedforsecurity=False).hexdigest()[:20]


class _NeverRaised(Exception):
    """What a reading that refuses nothing is recalled with (RecordBuilder._recall)."""


def _cancelled(text: str) -> bool:
    """A cancellation column: a date, or a flag (Calendly's "Canceled": true / false)."""
    if not text:
        return False
    return parse_flag(text) is not False


_CLOCK = re.compile(r"^(오전|오후|am|pm)?\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(am|pm|오전|오후)?$")


def _clock(text: str) -> str:
    """A time of day as HH:MM:SS, from "14:30", "2:30 PM" or "오후 2:30" (else as written)."""
    match = _CLOCK.match(text.strip().lower())
    if not match:
        return text.strip()
    before, hour, minute, second, after = match.groups()
    half = before or after
    value = int(hour) % 12 + (12 if half in ("pm", "오후") else 0) if half else int(hour)
    return f"{value:02d}:{minute}:{second or '00'}"


@dataclass
class _LinePart:
    key: str  # the line's number, or its row's when the file has none
    line: LineRecord
    state: str  # paid, pending, cancelled or returned (line_state)
    amount: Decimal | None  # what the line came to, when the file says
    refunded: Decimal = Decimal(0)  # what of it was given back


class _Group:
    """An order of a marketplace export while its lines are read."""

    def __init__(self, head: OrderRecord, order_total: Decimal | None) -> None:
        self.head, self.order_total = head, order_total
        self.parts: dict[str, _LinePart] = {}

    def add(self, part: _LinePart, row_no: int) -> None:
        self.parts[part.key] = part  # a line repeated (a row downloaded twice): the later wins
        self.head.end_row = max(self.head.end_row, row_no)

    def settle(self) -> OrderRecord:
        """The order as its lines make it: lines cancelled before delivery were never bought
        (an order with all of them cancelled is no purchase), returned lines are refunds."""
        record = self.head
        # In the order of their numbers: a download sorted otherwise is the same order.
        parts = sorted(self.parts.values(), key=lambda part: (len(part.key), part.key))
        live = [part for part in parts if part.state != "cancelled"]
        kept = live or parts
        amounts = [part.amount for part in kept]
        if self.order_total is not None and (len(live) == len(parts) or None in amounts):
            total = self.order_total  # what was paid, when no line of it was cancelled
        else:
            total = sum((amount or Decimal(0) for amount in amounts), Decimal(0))
        returned = sum((part.refunded for part in live), Decimal(0))
        record.total, record.refunded = total, min(returned, total)
        record.status = _settled_status([part.state for part in live], returned, total)
        record.lines = [part.line for part in kept if part.line.name or part.line.sku]
        return record


def _settled_status(states: list[str], returned: Decimal, total: Decimal) -> str:
    if not states:
        return "cancelled"
    if all(state == "returned" for state in states) or returned >= total > 0:
        return "refunded"
    if returned > 0:
        return "partially_refunded"
    if all(state == "pending" for state in states):
        return "pending"
    return "paid"


# What happened to a marketplace's line, from the one vocabulary of status words (statuses):
# a line is paid, pending, cancelled (a failed payment too) or returned.
_LINE_MEANINGS = {
    "cancelled": "cancelled",
    "failed": "cancelled",
    "refunded": "returned",
    "pending": "pending",
}


def line_state(*texts: str) -> str:
    """paid, pending, cancelled or returned, from every status column of a line's row (a
    word no rule knows leaves the line paid, as a marketplace's own words always did)."""
    return _LINE_MEANINGS.get(order_meaning(*texts) or "paid", "paid")
