"""Column profiles: which export tool wrote a file, and where each field lives in it."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

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
)


@dataclass(frozen=True)
class Profile:
    name: str
    # field -> header names (compared case-insensitively, spaces collapsed); first match wins.
    columns: dict[str, tuple[str, ...]]
    # All of these headers present means the file is this profile's.
    signature: tuple[str, ...] = ()
    time_zone: str | None = None  # None: the business's own time zone
    # Several rows can make one order (Shopify: one row per line item).
    multi_row_orders: bool = False
    statuses: dict[str, str] = field(default_factory=dict)


def header_key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).replace("\ufeff", "").lower().split())


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

GENERIC = Profile(
    name="generic",
    columns={
        "order_id": (
            "order id",
            "order number",
            "order no",
            "order",
            "invoice",
            "invoice number",
            "transaction id",
            "receipt number",
            "주문번호",
            "주문 번호",
            "거래번호",
            "영수증번호",
        ),
        "occurred_at": (
            "date",
            "order date",
            "created at",
            "created",
            "purchase date",
            "paid at",
            "주문일시",
            "주문일",
            "주문 일시",
            "결제일시",
            "결제일",
            "거래일시",
            "일시",
            "날짜",
        ),
        "status": ("status", "order status", "주문상태", "상태", "결제상태"),
        "currency": ("currency", "통화"),
        "total": (
            "amount",
            "total",
            "order total",
            "price",
            "paid",
            "결제금액",
            "금액",
            "주문금액",
            "합계",
            "총액",
            "판매금액",
            "가격",
        ),
        "refunded": ("refunded", "refund amount", "환불금액"),
        "discount_amount": ("discount", "discount amount", "할인금액", "할인"),
        "discount_code": ("coupon", "discount code", "쿠폰", "쿠폰코드"),
        "channel": ("channel", "source", "판매채널", "채널", "결제수단"),
        "note": ("note", "notes", "memo", "메모", "비고", "요청사항"),
        "customer_id": ("customer id", "customer number", "회원번호", "고객번호", "회원id"),
        "name": (
            "name",
            "customer",
            "customer name",
            "full name",
            "고객명",
            "이름",
            "성명",
            "주문자",
            "주문자명",
            "구매자",
            "구매자명",
        ),
        "first_name": ("first name",),
        "last_name": ("last name",),
        "company": ("company", "organisation", "organization", "회사", "회사명", "상호"),
        "email": ("email", "e-mail", "email address", "이메일", "메일"),
        "phone": (
            "phone",
            "phone number",
            "mobile",
            "telephone",
            "연락처",
            "전화번호",
            "휴대폰",
            "휴대폰번호",
            "핸드폰",
        ),
        "accepts_marketing": (
            "accepts marketing",
            "marketing consent",
            "마케팅수신동의",
            "수신동의",
        ),
        "line_name": (
            "product",
            "item",
            "product name",
            "item name",
            "description",
            "상품명",
            "상품",
            "품목",
        ),
        "line_sku": ("sku", "상품코드"),
        "line_quantity": ("quantity", "qty", "수량"),
        "line_price": ("unit price", "단가"),
    },
    statuses={
        "paid": "paid",
        "completed": "paid",
        "complete": "paid",
        "결제완료": "paid",
        "구매확정": "paid",
        "배송완료": "paid",
        "pending": "pending",
        "입금대기": "pending",
        "refunded": "refunded",
        "환불": "refunded",
        "환불완료": "refunded",
        "cancelled": "cancelled",
        "canceled": "cancelled",
        "취소": "cancelled",
        "주문취소": "cancelled",
        "failed": "failed",
        "결제실패": "failed",
    },
)

PROFILES = {p.name: p for p in (SHOPIFY, STRIPE, WOOCOMMERCE, SQUARE, GENERIC)}


def detect_profile(header: list[str]) -> Profile:
    keys = {header_key(h) for h in header}
    for profile in (SHOPIFY, STRIPE, WOOCOMMERCE, SQUARE):
        if all(sig in keys for sig in profile.signature):
            return profile
    return GENERIC
