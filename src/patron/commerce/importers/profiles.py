"""Column profiles: which export tool wrote a file, and where each field lives in it."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from .headers import guess

# The fields a row can carry, whatever tool wrote it.
FIELDS = (
    "order_id",
    "occurred_at",
    "status",
    "cancelled_at",
    "captured",
    "currency",
    "total",
    "refunded",
    "discount_amount",
    "discount_code",
    "channel",
    "note",
    "customer_id",
    "name",
    "first_name",
    "last_name",
    "company",
    "email",
    "phone",
    "accepts_marketing",
    "line_name",
    "line_sku",
    "line_quantity",
    "line_price",
    "event_type",
    # Marketplace exports (one row per line of an order, the order's fields repeated):
    "line_id",  # the line's own number (상품주문번호, 품목별 주문번호)
    "line_total",  # what the line came to (상품별 총 주문금액, 결제액)
    "ordered_at",  # when the order was placed, for rows without a payment date
    "status_detail",  # further status columns (주문세부상태, 클레임상태)
    "claim_status",
    "delivery_phone",  # the recipient's number, often a 050x safe number: never an identity
    # Bookings and appointments (and any file that writes when a service took place):
    "service_at",  # when the booked service takes or took place (이용일시, Start Time)
    "time_of_day",  # the time, in its own column beside a date without one
    "no_show",  # a flag: the person did not come (Calendly's "Marked as No-Show")
    "cancel_reason",  # why it was cancelled: written only when it was
    "return_reason",  # why it was returned: written only when it was
)


@dataclass(frozen=True)
class Profile:
    name: str
    # field -> header names (compared case-insensitively, spaces collapsed); first match wins.
    columns: dict[str, tuple[str, ...]]
    # All of these headers present means the file is this profile's ("a|b": either).
    signature: tuple[str, ...] = ()
    time_zone: str | None = None  # None: the business's own time zone
    # Several rows can make one order (Shopify: one row per line item).
    multi_row_orders: bool = False
    statuses: dict[str, str] = field(default_factory=dict)
    # Each row is one line of an order, the order's own fields repeated on every row of it
    # (Korean marketplaces); its status is read from the words of its status columns.
    line_rows: bool = False
    # The total column is the order's, repeated on each of its rows (else each row's own).
    total_per_order: bool = False
    currency: str | None = None  # None: the cell's symbol, else the business's currency


def header_key(text: str) -> str:
    """How a header is compared: NFKC, lower case, without spaces or a trailing "*" (Korean
    exports write "수 량" and "수량", "총 결제금액(KRW)" and "총결제금액(KRW)", "주문번호*")."""
    key = "".join(unicodedata.normalize("NFKC", text).replace("\ufeff", "").lower().split())
    return key.rstrip("*")


SHOPIFY = Profile(
    name="shopify",
    signature=("name", "financial status", "lineitem name"),
    multi_row_orders=True,
    columns={
        "order_id": ("name",),
        "occurred_at": ("created at", "paid at"),
        "status": ("financial status",),
        "cancelled_at": ("cancelled at",),
        "currency": ("currency",),
        "total": ("total",),
        "refunded": ("refunded amount",),
        "discount_amount": ("discount amount",),
        "discount_code": ("discount code",),
        "channel": ("source",),
        "note": ("notes",),
        "name": ("billing name", "shipping name"),
        "email": ("email",),
        "phone": ("billing phone", "phone", "shipping phone"),
        "accepts_marketing": ("accepts marketing", "accepts email marketing"),
        "company": ("billing company",),
        "line_name": ("lineitem name",),
        "line_sku": ("lineitem sku",),
        "line_quantity": ("lineitem quantity",),
        "line_price": ("lineitem price",),
    },
    statuses={
        "paid": "paid",
        "authorized": "pending",
        "pending": "pending",
        "partially_paid": "pending",
        "partially_refunded": "partially_refunded",
        "refunded": "refunded",
        "voided": "cancelled",
        "expired": "failed",
    },
)

STRIPE = Profile(
    name="stripe",
    signature=("id", "created date (utc)", "amount", "captured"),
    time_zone="UTC",
    columns={
        "order_id": ("id",),
        "occurred_at": ("created date (utc)", "created (utc)"),
        "status": ("status",),
        "captured": ("captured",),
        "currency": ("currency",),
        "total": ("amount",),
        "refunded": ("amount refunded",),
        "customer_id": ("customer id",),
        "name": ("customer description", "card name"),
        "email": ("customer email", "receipt email"),
        "phone": ("customer phone",),
        "line_name": ("description",),
    },
    statuses={
        "paid": "paid",
        "succeeded": "paid",
        "refunded": "refunded",
        "partially refunded": "partially_refunded",
        "failed": "failed",
        "canceled": "cancelled",
        "pending": "pending",
        "uncaptured": "pending",
    },
)

WOOCOMMERCE = Profile(
    name="woocommerce",
    signature=("order number", "order status"),
    columns={
        "order_id": ("order number", "order id"),
        "occurred_at": ("order date", "date created", "paid date"),
        "status": ("order status", "status"),
        "currency": ("order currency", "currency"),
        "total": ("order total amount", "order total", "order total (inc tax)", "total"),
        "refunded": ("order refund amount", "refund amount", "order refunded"),
        "discount_amount": ("cart discount amount", "order discount", "discount amount"),
        "discount_code": ("coupon code", "coupon items", "coupons"),
        "channel": ("payment method title", "payment method"),
        "note": ("customer note",),
        "customer_id": ("customer user id", "customer id"),
        "first_name": ("first name (billing)", "billing first name"),
        "last_name": ("last name (billing)", "billing last name"),
        "company": ("company (billing)", "billing company"),
        "email": ("email (billing)", "billing email", "customer email"),
        "phone": ("phone (billing)", "billing phone"),
        "line_name": ("item name", "product name", "item #"),
        "line_sku": ("sku",),
        "line_quantity": ("quantity", "quantity (- refund)", "item quantity"),
        "line_price": ("item cost", "item price"),
    },
    multi_row_orders=True,
    statuses={
        "completed": "paid",
        "processing": "paid",
        "on-hold": "pending",
        "pending": "pending",
        "pending payment": "pending",
        "refunded": "refunded",
        "cancelled": "cancelled",
        "failed": "failed",
        "wc-completed": "paid",
        "wc-processing": "paid",
        "wc-refunded": "refunded",
        "wc-cancelled": "cancelled",
        "wc-failed": "failed",
    },
)

SQUARE = Profile(
    name="square",
    signature=("transaction id", "total collected"),
    columns={
        "order_id": ("payment id", "transaction id"),
        "occurred_at": ("date",),
        "event_type": ("event type",),
        "total": ("total collected", "gross sales"),
        "discount_amount": ("discounts",),
        "channel": ("source", "channel"),
        "customer_id": ("customer id",),
        "name": ("customer name",),
        "email": ("customer email",),
        "phone": ("customer phone",),
        "line_name": ("description", "item"),
        "note": ("notes",),
    },
)

# Any other file: its columns are read by the meaning of their headers (headers.py), its
# statuses by the one vocabulary (statuses.py).
GENERIC = Profile(name="generic", columns={})

# Korean marketplaces: the columns as their sellers' exports name them (../shared/KOREA.md, after
# the public parsers of these files). Amounts are won; times are Korean time.

SMARTSTORE = Profile(
    name="smartstore",
    signature=("상품주문번호", "주문번호", "구매자명"),
    line_rows=True,
    currency="KRW",
    time_zone="Asia/Seoul",
    columns={
        "order_id": ("주문번호",),
        "line_id": ("상품주문번호",),
        "occurred_at": ("결제일", "결제일시"),
        "ordered_at": ("주문일시", "주문일"),
        "status": ("주문상태",),
        "status_detail": ("주문세부상태",),
        "claim_status": ("클레임상태",),
        "customer_id": ("구매자id",),
        "name": ("구매자명",),
        "phone": ("구매자연락처",),
        "delivery_phone": ("수취인연락처1", "수취인연락처2"),
        "line_name": ("상품명",),
        "line_sku": ("상품번호",),
        "line_quantity": ("수량",),
        "line_price": ("상품가격",),
        "line_total": ("최종 상품별 총 주문금액", "상품별 총 주문금액"),
        "discount_amount": ("상품별 할인액",),
        "channel": ("결제수단",),
        "note": ("배송메세지",),
    },
)

COUPANG = Profile(
    name="coupang",
    signature=("번호", "묶음배송번호", "주문번호", "구매자전화번호"),
    line_rows=True,
    currency="KRW",
    time_zone="Asia/Seoul",
    columns={
        "order_id": ("주문번호",),
        "line_id": ("옵션id",),
        "occurred_at": ("주문일",),
        "name": ("구매자",),
        "phone": ("구매자전화번호",),
        "delivery_phone": ("수취인전화번호",),
        "line_name": ("등록상품명", "노출상품명(옵션명)"),
        "line_sku": ("노출상품id", "업체상품코드"),
        "line_quantity": ("구매수(수량)", "구매수"),
        "line_price": ("옵션판매가(판매단가)", "옵션판매가"),
        "line_total": ("결제액",),
        "note": ("배송메세지",),
    },
)

CAFE24 = Profile(
    name="cafe24",
    signature=("품목별 주문번호", "주문자명"),
    line_rows=True,
    total_per_order=True,
    currency="KRW",
    time_zone="Asia/Seoul",
    columns={
        "order_id": ("주문번호",),
        "line_id": ("품목별 주문번호",),
        "occurred_at": ("결제일시(입금확인일)", "결제일시", "입금확인일"),
        "ordered_at": ("주문일시",),
        "status": ("주문 상태", "주문상태"),
        "status_detail": ("취소구분",),
        "customer_id": ("주문자id",),
        "name": ("주문자명",),
        "phone": ("주문자 휴대전화", "주문자 휴대폰", "주문자 전화번호"),
        "email": ("주문자 이메일",),
        "delivery_phone": ("수령인 휴대전화", "수령인 전화번호"),
        "line_name": ("상품명(한국어 쇼핑몰)", "상품명"),
        "line_sku": ("상품코드", "상품번호"),
        "line_quantity": ("수량",),
        "line_price": ("판매가", "상품판매가"),
        "line_total": ("상품구매금액(krw)", "상품구매금액"),
        "total": ("총 결제금액(krw)", "총 결제금액", "총 주문금액(krw)", "총 주문금액"),
        "channel": ("매출경로", "결제수단"),
        "note": ("배송메시지", "배송메세지"),
    },
)

ELEVENST = Profile(
    name="11st",
    signature=("주문번호", "주문순번", "구매자"),
    line_rows=True,
    currency="KRW",
    time_zone="Asia/Seoul",
    columns={
        "order_id": ("주문번호",),
        "line_id": ("주문순번",),
        "occurred_at": ("결제일시", "주문일시"),
        "status": ("주문상태",),
        "claim_status": ("클레임상태",),
        "customer_id": ("구매자id",),
        "name": ("구매자",),
        # 11번가 writes the recipient's numbers (휴대폰번호, 전화번호) beside 수취인.
        "delivery_phone": ("휴대폰번호", "전화번호"),
        "line_name": ("상품명",),
        "line_sku": ("상품번호",),
        "line_quantity": ("수량",),
        "line_price": ("판매단가",),
        "line_total": ("주문금액",),
        "discount_amount": ("할인금액",),
        "note": ("배송메세지", "배송메시지"),
    },
)

ESM = Profile(
    name="esm",
    signature=("장바구니번호|장바구니번호(결제번호)|결제번호", "구매자명", "수령인명"),
    line_rows=True,
    currency="KRW",
    time_zone="Asia/Seoul",
    columns={
        # G마켓/옥션 give each item its own 주문번호; one payment (장바구니번호) is the checkout.
        "order_id": ("장바구니번호", "장바구니번호(결제번호)", "결제번호"),
        "line_id": ("주문번호",),
        "occurred_at": ("결제완료일", "결제일"),
        "ordered_at": ("주문일자(결제확인전)", "주문일자"),
        "status": ("주문상태",),
        "status_detail": ("주문종류",),
        "customer_id": ("구매자id",),
        "name": ("구매자명",),
        "phone": ("구매자 휴대폰", "구매자 전화번호"),
        "delivery_phone": ("수령인 휴대폰", "수령인 전화번호"),
        "line_name": ("상품명",),
        "line_sku": ("상품번호",),
        "line_quantity": ("수량",),
        "line_price": ("판매단가",),
        "line_total": ("판매금액",),
        "note": ("배송시 요구사항", "배송메세지"),
    },
)

MARKETPLACES = (SMARTSTORE, COUPANG, CAFE24, ELEVENST, ESM)
_RECOGNISED = (SHOPIFY, STRIPE, WOOCOMMERCE, SQUARE, *MARKETPLACES)
PROFILES = {p.name: p for p in (*_RECOGNISED, GENERIC)}


def detect_profile(header: list[str]) -> Profile:
    keys = {header_key(h) for h in header}
    for profile in _RECOGNISED:
        if all(any(header_key(one) in keys for one in sig.split("|")) for sig in profile.signature):
            return profile
    return GENERIC


def _vocabulary() -> dict[str, frozenset[str]]:
    """Every header any profile knows, with the fields it can name."""
    fields: dict[str, set[str]] = {}
    for profile in PROFILES.values():
        for name, aliases in profile.columns.items():
            for alias in aliases:
                fields.setdefault(header_key(alias), set()).add(name)
    return {key: frozenset(names) for key, names in fields.items()}


HEADER_WORDS = _vocabulary()
_DATES = {"occurred_at", "ordered_at"}
_AMOUNTS = {"total", "line_total", "line_price"}
_PEOPLE = {"customer_id", "name", "first_name", "last_name", "company", "email", "phone"}


_DATES_BY_MEANING = {"occurred_at", "ordered_at", "service_at"}


def looks_like_header(cells: list[str]) -> bool:
    """Whether a row names what an order or a booking needs: a date, and an amount or a
    person. A title or an instruction row does not; nor does a row of data (its values are
    not header words). Known headers first, then headers read by meaning (headers.guess)."""
    named: set[str] = set()
    for cell in cells:
        if cell and len(cell) <= 100:
            named |= HEADER_WORDS.get(header_key(cell), frozenset())
            found = guess(cell)
            if found is not None:
                named.add(found.field)
    dates = _DATES | _DATES_BY_MEANING
    return bool(named & dates) and bool(named & (_AMOUNTS | _PEOPLE))
