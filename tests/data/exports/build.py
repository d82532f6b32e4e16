"""Builds the Korean shop, POS, payment and booking sample exports, and what they hold.

    .venv/bin/python tests/data/exports/build.py

Each file has the columns its service's own download names (sources below), filled with
made-up people: names drawn from common Korean given and family names, 010 numbers and
example.com / example.kr addresses. Every number is drawn from random.Random(SEED), so a run
writes the same bytes again. The builder keeps its own ground truth (which person made which
order, which booking took place) and writes expected.json from it, never from Patron; it then
reads every file it wrote back (csv module, openpyxl) and recounts from the cells, and stops
if the two disagree.

  imweb_orders.csv        아임웹 주문 다운로드 ("기본 양식"), UTF-8 with BOM, one row per 품목
                          (주문섹션품목번호). Cancelled items keep 주문상태 "거래종료" with a
                          취소사유 (a cancelled order is closed too): the 취소사유 cell, not the
                          status, says cancelled. 반품사유 marks a return (still a purchase).
  godomall_orders.xlsx    고도몰5 주문통합리스트 download, a shop-chosen 양식, one row per
                          상품주문번호; two different people with the same name.
  makeshop_orders.csv     메이크샵 주문 엑셀, CP949, order numbers and product codes written as
                          ="..." formulas, amounts "12,000", dates "2026.03.04 14:22", the shop's
                          own status word "부분배송", blank rows at the end.
  sixshop_orders.xlsx     식스샵 주문 목록, one row per order, "12,000원" amounts, dates
                          "2026-03-04 오후 2:22", formatted empty rows at the end. Its buyers and
                          the 네이버 예약 bookers share people (same 010 numbers).
  tossplace_sales.csv     토스플레이스 POS 결제 내역, UTF-8 with BOM, one row per receipt; most rows
                          are walk-ins with no 회원번호 and no 고객 연락처 (no buyer).
  tosspayments_transactions.xlsx  토스페이먼츠 상점관리자 거래내역: one row per event (완료,
                          취소, 부분취소, 결제실패), so a cancelled order has two rows; real
                          Excel date cells; two failed attempts carry no buyer at all.
  naver_booking.xlsx      네이버 예약 (스마트플레이스 예약자관리) download: sheet "Report", two
                          privacy-warning rows above the header (row 3), 이용일시 written
                          "26. 3. 4.(수) 오후 2:00", statuses 신청/확정/이용완료/취소/노쇼, two
                          staff-entered rows with no booker.
  calendly_events.csv     Calendly "Export" of scheduled events, English, Canceled Yes/No and a
                          no-show mark, start times "2026-03-04 2:00 pm".
  photo_studio_bookings.csv  a small photo studio's booking page download with exactly
                          예약번호, 예약자, 전화번호, 예약상품, 이용일시, 예약상태; its own word
                          "촬영완료"; one inquiry with no date yet.

Where the columns come from (public descriptions; see ../README.md):

- 아임웹: the 38 headers of the "기본 양식" in order, as public importers of that file map them
  (an importer's COL_MAP 판매채널 ... 상품고유번호, and a parser listing the same columns by index
  0-37); "주문일" as "2025-01-24 16:39" and the file read as UTF-8 with BOM by another public
  importer; statuses 거래종료 / 결제대기 and 취소사유 / 반품사유 from public scripts that clean
  that export, and a public report showing orders closed as 거래종료 whose payment was
  "입금전 취소".
- 고도몰5: GitHub bluesky1478/godomall, Bundle/Component/Excel/ExcelForm.php
  (setExcelFormOrder: "주문 번호", "주문자 이름", "주문자 e-mail", "주문자 핸드폰 번호",
  "상품주문번호", "주문상태", ... ); status words from the 고도몰 orderStatus code table
  (o1 입금대기 ... f3 결제실패, r3 환불완료) published with public 고도몰 API clients.
- 메이크샵: no public header list was found. The header is a plausible shop-chosen 양식 built from
  the fields every Korean order download has; the ="..." formula cells come from a public
  order-collection tool that strips them ("메이크샵 주문번호, 상품코드 수식제거"); status words
  결제완료/배송준비/배송중/배송완료/구매확정 from a public design note on the 메이크샵 order API.
- 식스샵: no public header list was found (식스샵 has no public API; a public collector scrapes
  the admin). Columns follow the brief; status words from help.pro.sixshop.com/orders/order-status
  (결제 대기, 배송 중, 배송 완료, 구매 확정, 결제 전 취소) and the classic 식스샵 words.
- 토스플레이스: no public export header list was found; the columns are assumed (영수증번호,
  결제상태, 회원번호, 고객 연락처 ...). Treat its header as invented.
- 토스페이먼츠: toss.oopy.io (상점관리자 guide: the new admin records one row per action on an
  order: 완료 / 취소 / 부분취소 / 결제실패), tosspayments.com/blog/articles/updatenote-20
  (건별 정산내역: 주문번호, 구매자명, 구매자 아이디), docs.tosspayments.com/reference (Payment:
  orderId, orderName "생수 외 1건", method, approvedAt) and the SDK's customerName /
  customerEmail / customerMobilePhone.
- 네이버 예약: two public parsers of the 예약자관리 Excel download: sheet "Report", header on
  row 3 under two warning rows, columns 예약번호, 상태, 예약자, 전화번호, 이메일, 방문자,
  이용일시, 상품, 인원, 실결제금액, 결제수단, 결제상태 (환불완료, 입금대기취소), 환불금액,
  취소수수료, 유입경로, 요청사항, 직원메모, 옵션/가격분류; fallback indices 예약번호 0, 상태 5,
  예약자 7, 이용일시 13, 상품 15, 가격분류 17; dates "26. 6. 1.(월) 오후 4:00"; statuses 확정,
  이용완료.
- Calendly: a public importer of the export (required columns "Event Type Name",
  "Start Date & Time", "Event Created Date & Time", "Canceled" as TRUE/FALSE or Yes/No,
  "Invitee Email"); the other column names (Invitee Name, Text Reminder Number,
  Marked as No-Show, ...) follow Calendly's invitee fields (text_reminder_number, no_show) and
  are not confirmed letter by letter.
- Photo studio: the six headers the brief fixes; 예약상품 and 이용일시 are the words of the
  booking e-mails a public studio tool parses.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20260304
# Done things (delivered, took place, cancelled) happen before this; bookings after it are
# upcoming. The files are as a shop would download them on 2026-12-01.
AS_OF = dt.datetime(2026, 12, 1)
START = dt.datetime(2025, 1, 6)

# -- made-up people ----------------------------------------------------------------------------

FAMILY = [
    ("김", "Kim"), ("이", "Lee"), ("박", "Park"), ("최", "Choi"), ("정", "Jung"), ("강", "Kang"),
    ("조", "Cho"), ("윤", "Yoon"), ("장", "Jang"), ("임", "Lim"), ("한", "Han"), ("오", "Oh"),
    ("서", "Seo"), ("신", "Shin"), ("권", "Kwon"), ("황", "Hwang"), ("안", "Ahn"), ("송", "Song"),
    ("류", "Ryu"), ("홍", "Hong"), ("전", "Jeon"), ("고", "Ko"), ("문", "Moon"), ("양", "Yang"),
    ("손", "Son"), ("배", "Bae"), ("백", "Baek"), ("허", "Heo"), ("남", "Nam"), ("노", "Noh"),
]  # fmt: skip
GIVEN = [
    ("서연", "Seo-yeon"), ("민준", "Min-jun"), ("지우", "Ji-woo"), ("서준", "Seo-jun"),
    ("하은", "Ha-eun"), ("도윤", "Do-yoon"), ("수아", "Su-a"), ("예준", "Ye-jun"),
    ("지아", "Ji-a"), ("시우", "Si-woo"), ("하린", "Ha-rin"), ("주원", "Ju-won"),
    ("윤서", "Yoon-seo"), ("지호", "Ji-ho"), ("채원", "Chae-won"), ("건우", "Geon-woo"),
    ("다은", "Da-eun"), ("우진", "Woo-jin"), ("소율", "So-yul"), ("현우", "Hyun-woo"),
    ("예린", "Ye-rin"), ("선우", "Sun-woo"), ("유나", "Yu-na"), ("연우", "Yeon-woo"),
    ("은서", "Eun-seo"), ("정우", "Jung-woo"), ("가은", "Ga-eun"), ("승민", "Seung-min"),
    ("나윤", "Na-yoon"), ("태윤", "Tae-yoon"), ("민서", "Min-seo"), ("준혁", "Jun-hyuk"),
    ("수빈", "Su-bin"), ("재원", "Jae-won"), ("아린", "A-rin"), ("동현", "Dong-hyun"),
    ("지안", "Ji-an"), ("은우", "Eun-woo"), ("혜린", "Hye-rin"), ("성민", "Sung-min"),
]  # fmt: skip


@dataclass
class Person:
    key: int
    name: str  # 김서연
    roman_given: str  # Seo-yeon
    roman_family: str  # Kim
    phone: str  # 010-1234-5678
    email: str
    member_id: str


class Registry:
    """Hands out people whose phone, e-mail and member id no one else in any file has."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.phones: set[str] = set()
        self.emails: set[str] = set()
        self.ids: set[str] = set()
        self.count = 0

    def person(self, name: tuple[tuple[str, str], tuple[str, str]] | None = None) -> Person:
        rng = self.rng
        family, given = name or (rng.choice(FAMILY), rng.choice(GIVEN))
        while True:
            phone = f"010-{rng.randint(2000, 9899):04d}-{rng.randint(1000, 9999):04d}"
            if phone not in self.phones:
                break
        plain = given[1].replace("-", "").lower()
        while True:
            domain = rng.choice(["example.com", "example.kr"])
            email = f"{plain}.{family[1].lower()}{rng.randint(1, 99)}@{domain}"
            if email not in self.emails:
                break
        while True:
            member = (
                f"{plain}{rng.choice(['_', '', '.'])}{family[1][0].lower()}{rng.randint(1, 999)}"
            )
            if member not in self.ids:
                break
        self.phones.add(phone)
        self.emails.add(email)
        self.ids.add(member)
        self.count += 1
        return Person(self.count, family[0] + given[0], given[1], family[1], phone, email, member)


def phone_as(person: Person, style: str) -> str:
    if style == "plain":
        return person.phone.replace("-", "")
    if style == "intl":
        return "+82 " + person.phone[1:]
    return person.phone


def moment(
    rng: random.Random, start: dt.datetime, end: dt.datetime, *, hours=(9, 22)
) -> dt.datetime:
    """A random minute between start and end, inside business hours."""
    days = (end - start).days
    day = start + dt.timedelta(days=rng.randint(0, max(days - 1, 0)))
    return day.replace(
        hour=rng.randint(hours[0], hours[1] - 1),
        minute=rng.randint(0, 59),
        second=rng.randint(0, 59),
    )


def won(amount: int, suffix: str = "") -> str:
    return f"{amount:,}{suffix}"


def korean_clock(when: dt.datetime) -> str:
    """오후 2:22"""
    half = "오전" if when.hour < 12 else "오후"
    hour = when.hour % 12 or 12
    return f"{half} {hour}:{when.minute:02d}"


WEEKDAYS = "월화수목금토일"


def naver_when(when: dt.datetime) -> str:
    """26. 3. 4.(수) 오후 2:00, as 네이버 예약 writes it."""
    day = f"{when.year % 100}. {when.month}. {when.day}.({WEEKDAYS[when.weekday()]})"
    return f"{day} {korean_clock(when)}"


# -- ground truth -----------------------------------------------------------------------------


@dataclass
class Line:
    product: str
    option: str
    quantity: int
    price: int
    status: str  # the word the file writes
    kind: str  # purchase, returned, pending, cancelled, failed
    reason: str = ""  # 취소사유 / 반품사유 where the file has them
    code: str = ""  # a line number of the shop's own (고도몰 상품주문번호)

    @property
    def amount(self) -> int:
        return self.price * self.quantity


@dataclass
class Order:
    number: str
    when: dt.datetime
    person: Person | None
    lines: list[Line] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """purchase if any line was bought (a return included), else pending, failed, cancelled."""
        kinds = {line.kind for line in self.lines}
        if kinds & {"purchase", "returned"}:
            return "purchase"
        if "pending" in kinds:
            return "pending"
        if kinds == {"failed"}:
            return "failed"
        return "cancelled"

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)


@dataclass
class Booking:
    number: str
    when: dt.datetime | None
    person: Person | None
    product: str
    price: int
    status: str
    kind: str  # completed, cancelled, no_show, upcoming
    paid: bool
    extra: dict = field(default_factory=dict)


def pick_kind(
    rng: random.Random,
    when: dt.datetime,
    table: list[tuple[str, str, float]],
    recent: list[tuple[str, str, float]],
) -> tuple[str, str]:
    """A status word and its kind: recent orders are more often still open."""
    options = recent if when >= AS_OF - dt.timedelta(days=12) else table
    words = [(w, k) for w, k, _ in options]
    return rng.choices(words, weights=[p for _, _, p in options])[0]


def order_counts(orders: list[Order]) -> dict:
    kept = [o for o in orders if o.person is not None]
    kinds = [o.kind for o in kept]
    return {
        "orders_in_file": len(kept),
        "purchases": kinds.count("purchase"),
        "pending_orders": kinds.count("pending"),
        "cancelled_orders": kinds.count("cancelled"),
        "failed_orders": kinds.count("failed"),
        "orders_with_a_return": sum(
            1
            for o in kept
            if o.kind == "purchase" and any(line.kind == "returned" for line in o.lines)
        ),
        "parties": len({o.person.key for o in kept}),
    }


def booking_counts(bookings: list[Booking]) -> dict:
    kept = [b for b in bookings if b.person is not None and b.when is not None]
    kinds = [b.kind for b in kept]
    return {
        "orders_in_file": len(kept),
        "engagements_created": len(kept),
        "engagements_completed": kinds.count("completed"),
        "engagements_cancelled": kinds.count("cancelled"),
        "engagements_no_show": kinds.count("no_show"),
        "engagements_upcoming": kinds.count("upcoming"),
        "parties": len({b.person.key for b in kept}),
    }


# -- 1. 아임웹 ----------------------------------------------------------------------------------

IMWEB_COLUMNS = [
    "판매채널", "주문번호", "주문상태", "총 품목합계금액", "총 합계 할인금액", "총 합계 배송비",
    "총 합계 포인트 사용액", "최종주문금액", "주문자 이름", "주문자 이메일", "주문자 번호",
    "배송방식", "배송비결제방식", "배송송장번호", "주문섹션번호", "주문섹션품목번호", "구매수량",
    "상품명", "옵션명", "판매가", "품목등급할인금액", "품목포인트사용금액", "품목쿠폰할인금액",
    "품목실결제가", "수령자명", "수령자 전화번호", "배송지 국가코드", "배송지 우편번호", "주소",
    "상세주소", "배송메모", "택배사명", "취소사유", "반품사유", "취소상세사유", "반품 상세사유",
    "주문일", "상품고유번호",
]  # fmt: skip
IMWEB_PRODUCTS = [
    (
        "에티오피아 예가체프 200g",
        18000,
        ["원두 상태: 홀빈", "분쇄: 핸드드립용", "분쇄: 에스프레소용"],
    ),
    ("콜롬비아 수프리모 500g", 26000, ["원두 상태: 홀빈", "분쇄: 핸드드립용"]),
    ("온담 하우스 블렌드 1kg", 42000, ["원두 상태: 홀빈"]),
    ("드립백 10개입", 12000, [""]),
    ("콜드브루 원액 500ml", 15000, [""]),
    ("핸드드립 입문 세트", 38000, ["색상: 화이트", "색상: 블랙"]),
]
IMWEB_STATUS = [("거래종료", "purchase", 0.62), ("배송완료", "purchase", 0.12),
                ("거래종료", "cancelled", 0.10), ("거래종료", "returned", 0.06),
                ("결제대기", "pending", 0.04), ("배송중", "purchase", 0.06)]  # fmt: skip
IMWEB_RECENT = [("배송대기", "purchase", 0.3), ("배송중", "purchase", 0.3),
                ("결제대기", "pending", 0.25), ("거래종료", "cancelled", 0.15)]  # fmt: skip
CANCEL_REASONS = ["단순 변심", "주문 실수", "배송 지연", "다른 상품 주문"]
RETURN_REASONS = ["상품 불량", "단순 변심", "오배송"]


def imweb_orders(rng: random.Random, people: Registry) -> list[Order]:
    crowd = [people.person() for _ in range(46)]
    regulars = crowd[:12]
    orders = []
    for _ in range(72):
        person = rng.choice(regulars) if rng.random() < 0.35 else rng.choice(crowd)
        when = moment(rng, START, AS_OF - dt.timedelta(days=1))
        word, kind = pick_kind(rng, when, IMWEB_STATUS, IMWEB_RECENT)
        number = when.strftime("%Y%m%d") + f"{rng.randint(0, 9999999):07d}"
        order = Order(
            number,
            when,
            person,
            extra={
                "channel": "네이버페이-주문형" if rng.random() < 0.2 else "온담 로스터리",
                "phone_style": "plain" if rng.random() < 0.15 else "dash",
            },
        )
        for product, price, options in rng.sample(IMWEB_PRODUCTS, rng.choice([1, 1, 1, 2, 2, 3])):
            reason = ""
            if kind == "cancelled":
                reason = rng.choice(CANCEL_REASONS)
            elif kind == "returned":
                reason = rng.choice(RETURN_REASONS)
            order.lines.append(
                Line(
                    product,
                    rng.choice(options),
                    rng.choice([1, 1, 1, 2, 3]),
                    price,
                    word,
                    kind,
                    reason,
                )
            )
        orders.append(order)
    # One order whose first item was cancelled and the rest kept: still a purchase.
    mixed = next(
        o
        for o in orders
        if len(o.lines) >= 2 and o.kind == "purchase" and o.lines[0].status == "거래종료"
    )
    mixed.lines[0].kind, mixed.lines[0].reason = "cancelled", "품절"
    return sorted(orders, key=lambda o: o.when, reverse=True)


def imweb_rows(orders: list[Order]):
    for order in orders:
        person = order.person
        discount = 1000 if order.total >= 40000 else 0
        shipping = 0 if order.total >= 30000 else 3000
        section = order.number + "1"
        for index, line in enumerate(order.lines, start=1):
            cancelled = line.kind == "cancelled"
            cells = dict.fromkeys(IMWEB_COLUMNS, "")
            cells.update(
                {
                    "판매채널": order.extra["channel"],
                    "주문번호": order.number,
                    "주문상태": line.status,
                    "총 품목합계금액": order.total,
                    "총 합계 할인금액": discount,
                    "총 합계 배송비": shipping,
                    "총 합계 포인트 사용액": 0,
                    "최종주문금액": order.total - discount + shipping,
                    "주문자 이름": person.name,
                    "주문자 이메일": person.email,
                    "주문자 번호": phone_as(person, order.extra["phone_style"]),
                    "배송방식": "택배",
                    "배송비결제방식": "선결제",
                    "배송송장번호": ""
                    if cancelled or line.kind == "pending"
                    else f"5{order.number[-11:]}",
                    "주문섹션번호": section,
                    "주문섹션품목번호": f"{section}{index:02d}",
                    "구매수량": line.quantity,
                    "상품명": line.product,
                    "옵션명": line.option,
                    "판매가": line.price,
                    "품목등급할인금액": 0,
                    "품목포인트사용금액": 0,
                    "품목쿠폰할인금액": 0,
                    "품목실결제가": line.amount,
                    "수령자명": person.name,
                    "수령자 전화번호": person.phone,
                    "배송지 국가코드": "KR",
                    "배송지 우편번호": "04524",
                    "주소": "서울특별시 중구 세종대로 110",
                    "상세주소": "3층",
                    "배송메모": "부재 시 문 앞에 놓아주세요",
                    "택배사명": "CJ대한통운",
                    "취소사유": line.reason if cancelled else "",
                    "반품사유": line.reason if line.kind == "returned" else "",
                    "주문일": order.when.strftime("%Y-%m-%d %H:%M"),
                    "상품고유번호": 100 + [p[0] for p in IMWEB_PRODUCTS].index(line.product),
                }
            )
            yield [cells[c] for c in IMWEB_COLUMNS]


# -- 2. 고도몰5 ---------------------------------------------------------------------------------

GODO_COLUMNS = [
    "주문 번호", "주문일자", "입금일자", "주문 채널", "회원 아이디", "주문자 이름", "주문자 e-mail",
    "주문자 전화번호", "주문자 핸드폰 번호", "수취인 이름", "수취인 핸드폰 번호", "수취인 전체주소",
    "상품주문번호", "주문상태", "상품코드", "상품명", "옵션정보", "상품수량", "판매가",
    "총 결제 금액", "결제방법", "송장 번호", "주문시 남기는 글",
]  # fmt: skip
GODO_PRODUCTS = [
    ("소이 캔들 200g", 19000, ["향: 무화과", "향: 라벤더", "향: 편백"]),
    ("디퓨저 리필 500ml", 24000, ["향: 화이트머스크", "향: 자몽"]),
    ("린넨 앞치마", 32000, ["색상: 오트밀", "색상: 차콜"]),
    ("유리 티포트 600ml", 28000, [""]),
    ("도자기 머그", 16000, ["색상: 백자", "색상: 청자"]),
]
GODO_STATUS = [("구매확정", "purchase", 0.42), ("배송완료", "purchase", 0.18),
               ("관리자취소", "cancelled", 0.08), ("자동취소", "cancelled", 0.05),
               ("환불완료", "returned", 0.06), ("결제실패", "failed", 0.05),
               ("고객결제중단", "failed", 0.04), ("배송중", "purchase", 0.06),
               ("입금대기", "pending", 0.06), ("결제완료", "purchase", 0.03)]  # fmt: skip
GODO_RECENT = [("결제완료", "purchase", 0.2), ("상품준비중", "purchase", 0.25),
               ("배송중", "purchase", 0.25), ("입금대기", "pending", 0.2),
               ("결제실패", "failed", 0.1)]  # fmt: skip


def godomall_orders(rng: random.Random, people: Registry) -> list[Order]:
    crowd = [people.person() for _ in range(38)]
    # Two different people with one name: the name says nothing, their numbers do.
    twin = people.person(name=(("김", "Kim"), ("서연", "Seo-yeon")))
    crowd[5] = people.person(name=(("김", "Kim"), ("서연", "Seo-yeon")))
    crowd.append(twin)
    members = set(rng.sample(range(len(crowd)), 26))
    orders = []
    serial = 50211
    for _ in range(64):
        person_index = rng.randrange(len(crowd))
        person = crowd[person_index]
        when = moment(rng, START, AS_OF - dt.timedelta(days=1))
        word, kind = pick_kind(rng, when, GODO_STATUS, GODO_RECENT)
        number = when.strftime("%y%m%d%H%M%S") + f"{rng.randint(0, 9999):04d}"
        method = rng.choice(["신용카드", "신용카드", "무통장 입금", "네이버페이"])
        if kind == "pending":
            method = "무통장 입금"
        order = Order(
            number, when, person, extra={"member": person_index in members, "method": method}
        )
        for product, price, options in rng.sample(GODO_PRODUCTS, rng.choice([1, 1, 2, 2, 3])):
            serial += rng.randint(1, 40)
            order.lines.append(
                Line(
                    product,
                    rng.choice(options),
                    rng.choice([1, 1, 2]),
                    price,
                    word,
                    kind,
                    code=str(serial),
                )
            )
        orders.append(order)
    for order in orders[:2]:  # both 김서연 buy
        order.person = crowd[5] if order is orders[0] else twin
    orders.sort(key=lambda o: o.when, reverse=True)
    for order in orders[:2]:  # the two latest are bank transfers not yet paid
        order.extra["method"] = "무통장 입금"
        for line in order.lines:
            line.status, line.kind = "입금대기", "pending"
    return orders


def godomall_rows(orders: list[Order]):
    for order in orders:
        person = order.person
        paid = order.kind in {"purchase"} or any(line.kind == "returned" for line in order.lines)
        for line in order.lines:
            yield [
                order.number,
                order.when.strftime("%Y-%m-%d %H:%M:%S"),
                (order.when + dt.timedelta(minutes=3)).strftime("%Y-%m-%d %H:%M:%S")
                if paid
                else "",
                "쇼핑몰",
                person.member_id if order.extra["member"] else "",
                person.name,
                person.email,
                "",
                person.phone,
                person.name,
                person.phone,
                "경기도 성남시 분당구 판교역로 166",
                line.code,
                line.status,
                f"10000{[p[0] for p in GODO_PRODUCTS].index(line.product) + 1:02d}",
                line.product,
                line.option,
                line.quantity,
                line.price,
                order.total + (0 if order.total >= 50000 else 3000),
                order.extra["method"],
                "",
                "",
            ]


# -- 3. 메이크샵 --------------------------------------------------------------------------------

MAKESHOP_COLUMNS = [
    "주문일자", "주문번호", "주문자", "주문자ID", "주문자 이메일", "주문자 휴대폰",
    "주문자 전화번호",
    "수령자", "수령자 휴대폰", "주소", "상품코드", "상품명", "옵션", "수량", "판매가", "결제금액",
    "결제방법", "주문상태", "배송메세지",
]  # fmt: skip
MAKESHOP_PRODUCTS = [
    ("면 양말 3족 세트", 9900, ["색상: 베이지", "색상: 그레이"]),
    ("가죽 카드지갑", 35000, ["색상: 브라운", "색상: 블랙"]),
    ("울 머플러", 45000, ["색상: 카멜"]),
    ("캔버스 에코백", 21000, [""]),
    ("실버 반지", 58000, ["호수: 11호", "호수: 13호"]),
]
MAKESHOP_STATUS = [("구매확정", "purchase", 0.40), ("배송완료", "purchase", 0.2),
                   ("주문취소", "cancelled", 0.12), ("반품완료", "returned", 0.06),
                   ("부분배송", "purchase", 0.08), ("배송중", "purchase", 0.06),
                   ("입금대기", "pending", 0.06), ("결제완료", "purchase", 0.04)]  # fmt: skip
MAKESHOP_RECENT = [("결제완료", "purchase", 0.2), ("배송준비", "purchase", 0.25),
                   ("부분배송", "purchase", 0.15), ("입금대기", "pending", 0.25),
                   ("주문취소", "cancelled", 0.15)]  # fmt: skip


def makeshop_orders(rng: random.Random, people: Registry) -> list[Order]:
    crowd = [people.person() for _ in range(36)]
    orders = []
    for _ in range(56):
        person = rng.choice(crowd)
        when = moment(rng, START, AS_OF - dt.timedelta(days=1))
        word, kind = pick_kind(rng, when, MAKESHOP_STATUS, MAKESHOP_RECENT)
        number = when.strftime("%Y%m%d%H%M%S") + f"{rng.randint(0, 99999):05d}"
        order = Order(
            number,
            when,
            person,
            extra={
                "method": "무통장"
                if kind == "pending"
                else rng.choice(["신용카드", "신용카드", "실시간계좌이체"]),
                "landline": rng.random() < 0.2,
            },
        )
        for product, price, options in rng.sample(MAKESHOP_PRODUCTS, rng.choice([1, 1, 2, 2, 3])):
            order.lines.append(
                Line(product, rng.choice(options), rng.choice([1, 1, 2]), price, word, kind)
            )
        orders.append(order)
    return sorted(orders, key=lambda o: o.when, reverse=True)


def formula(value: str) -> str:
    return f'="{value}"'


def makeshop_rows(orders: list[Order]):
    for order in orders:
        person = order.person
        for line in order.lines:
            yield [
                order.when.strftime("%Y.%m.%d %H:%M"),
                formula(order.number),
                person.name,
                person.member_id,
                person.email,
                person.phone,
                "02-" + person.phone[4:] if order.extra["landline"] else "",
                person.name,
                person.phone,
                "부산광역시 해운대구 센텀중앙로 97",
                formula(f"0{[p[0] for p in MAKESHOP_PRODUCTS].index(line.product) + 1}0000" + "12"),
                line.product,
                line.option,
                line.quantity,
                won(line.price),
                won(order.total),
                order.extra["method"],
                line.status,
                "",
            ]


# -- 4. 식스샵 and 7. 네이버 예약 (shared people) ----------------------------------------------

SIXSHOP_COLUMNS = [
    "주문번호", "주문일시", "주문자", "주문자 이메일", "주문자 휴대폰", "수령자", "수령자 휴대폰",
    "주문상품", "총 상품금액", "배송비", "총 주문금액", "결제수단", "주문상태",
]  # fmt: skip
SIXSHOP_PRODUCTS = [
    ("제주 유기농 녹차 40g", 15000),
    ("작설차 선물세트", 48000),
    ("보리차 티백 30개입", 9000),
    ("다기 세트", 65000),
    ("우롱차 50g", 22000),
]
SIXSHOP_STATUS = [("구매확정", "purchase", 0.40), ("배송완료", "purchase", 0.18),
                  ("입금전 취소", "cancelled", 0.10), ("취소완료", "cancelled", 0.06),
                  ("반품완료", "returned", 0.05), ("배송중", "purchase", 0.07),
                  ("입금대기", "pending", 0.07), ("결제대기", "pending", 0.03),
                  ("결제완료", "purchase", 0.04)]  # fmt: skip
SIXSHOP_RECENT = [("결제완료", "purchase", 0.2), ("배송준비중", "purchase", 0.2),
                  ("배송중", "purchase", 0.2), ("입금대기", "pending", 0.15),
                  ("결제대기", "pending", 0.1), ("입금전 취소", "cancelled", 0.15)]  # fmt: skip
SHARED_PEOPLE = 18


def tea_people(
    rng: random.Random, people: Registry
) -> tuple[list[Person], list[Person], list[Person]]:
    """식스샵 buyers, 네이버 예약 bookers, and the 18 who are both."""
    both = [people.person() for _ in range(SHARED_PEOPLE)]
    shop_only = [people.person() for _ in range(24)]
    booking_only = [people.person() for _ in range(30)]
    return both + shop_only, both + booking_only, both


def sixshop_orders(rng: random.Random, buyers: list[Person], both: list[Person]) -> list[Order]:
    orders = []
    # Every shared person buys at least once; the rest buy at random.
    chosen = list(both) + [rng.choice(buyers) for _ in range(44)]
    for person in chosen:
        when = moment(rng, START, AS_OF - dt.timedelta(days=1))
        word, kind = pick_kind(rng, when, SIXSHOP_STATUS, SIXSHOP_RECENT)
        number = when.strftime("%Y%m%d") + f"{rng.randint(0, 999999):06d}"
        order = Order(
            number,
            when,
            person,
            extra={
                "method": "무통장입금"
                if kind == "pending"
                else rng.choice(["신용카드", "카카오페이", "네이버페이"]),
            },
        )
        for product, price in rng.sample(SIXSHOP_PRODUCTS, rng.choice([1, 1, 2])):
            order.lines.append(Line(product, "", rng.choice([1, 1, 2]), price, word, kind))
        orders.append(order)
    return sorted(orders, key=lambda o: o.when, reverse=True)


def sixshop_rows(orders: list[Order]):
    for order in orders:
        person = order.person
        first = order.lines[0]
        label = (
            first.product
            if len(order.lines) == 1
            else f"{first.product} 외 {len(order.lines) - 1}건"
        )
        shipping = 0 if order.total >= 30000 else 3000
        yield [
            order.number,
            f"{order.when:%Y-%m-%d} {korean_clock(order.when)}",
            person.name,
            person.email,
            person.phone,
            person.name,
            person.phone,
            label,
            won(order.total, "원"),
            won(shipping, "원"),
            won(order.total + shipping, "원"),
            order.extra["method"],
            first.status,
        ]


NAVER_COLUMNS = [
    "예약번호", "예약신청일시", "확정일시", "취소일시", "유입경로", "상태", "결제상태", "예약자",
    "전화번호", "이메일", "방문자", "방문자전화번호", "인원", "이용일시", "요청사항", "상품",
    "옵션",
    "가격분류", "실결제금액", "결제수단", "환불금액", "취소수수료", "직원메모",
]  # fmt: skip
NAVER_WARNING = [
    "예약자 개인정보는 예약 이행 목적으로만 이용하고, 목적을 달성하면 지체 없이 파기해야 합니다.",
    "이 파일의 개인정보를 다른 목적으로 쓰거나 외부에 제공하면"
    " 관련 법령에 따라 처벌받을 수 있습니다.",
]
NAVER_PRODUCTS = [
    ("다도 원데이 클래스", 35000),
    ("찻자리 체험 (2인)", 40000),
    ("다식 만들기 클래스", 30000),
]


def naver_bookings(rng: random.Random, bookers: list[Person], both: list[Person]) -> list[Booking]:
    bookings = []
    chosen = list(both) + [rng.choice(bookers) for _ in range(92)]
    number = 1049000000
    for person in chosen:
        number += rng.randint(3, 900)
        product, price = rng.choice(NAVER_PRODUCTS)
        if rng.random() < 0.14:  # next month's classes, booked now
            when = moment(rng, dt.datetime(2027, 1, 4), dt.datetime(2027, 1, 29), hours=(10, 19))
            status, kind, paid = rng.choice(
                [
                    ("확정", "upcoming", True),
                    ("확정", "upcoming", True),
                    ("신청", "upcoming", False),
                    ("취소", "cancelled", False),
                ]
            )
        else:
            when = moment(rng, START, AS_OF - dt.timedelta(days=1), hours=(10, 19))
            status, kind, paid = rng.choices(
                [
                    ("이용완료", "completed", True),
                    ("취소", "cancelled", False),
                    ("노쇼", "no_show", True),
                ],
                weights=[0.76, 0.16, 0.08],
            )[0]
        when = when.replace(minute=0, second=0)
        if when >= AS_OF:  # booked in November for January
            booked = moment(rng, dt.datetime(2026, 11, 1), AS_OF - dt.timedelta(days=1))
        else:
            booked = when - dt.timedelta(
                days=rng.randint(1, 20), hours=rng.randint(0, 10), minutes=rng.randint(0, 59)
            )
            booked = max(booked, dt.datetime(2025, 1, 2, 9, 41))
        bookings.append(
            Booking(
                str(number),
                when,
                person,
                product,
                price,
                status,
                kind,
                paid,
                extra={"booked": booked, "people": rng.choice([1, 1, 2, 2, 3])},
            )
        )
    # Two rows the staff entered themselves (a phone call held the slot): no booker at all.
    for _ in range(2):
        number += rng.randint(3, 900)
        when = moment(rng, dt.datetime(2026, 6, 1), AS_OF - dt.timedelta(days=1), hours=(10, 19))
        bookings.append(
            Booking(
                str(number),
                when.replace(minute=0, second=0),
                None,
                "찻자리 체험 (2인)",
                40000,
                "이용완료",
                "completed",
                False,
                extra={"booked": when - dt.timedelta(days=2), "people": 2},
            )
        )
    rng.shuffle(bookings)
    return sorted(bookings, key=lambda b: b.extra["booked"], reverse=True)


def naver_rows(bookings: list[Booking]):
    for b in bookings:
        person = b.person
        booked = b.extra["booked"]
        people = b.extra["people"] if "2인" not in b.product else 2
        amount = b.price * (1 if "2인" in b.product else people)
        if b.status == "신청":
            pay_status, paid, refund = "결제대기", 0, ""
        elif b.status == "취소":
            pay_status, paid, refund = "환불완료", amount, amount
        elif person is None:
            pay_status, paid, refund = "", 0, ""
        else:
            pay_status, paid, refund = "결제완료", amount, ""
        yield [
            b.number,
            naver_when(booked),
            naver_when(booked + dt.timedelta(minutes=12)) if b.status != "신청" else "",
            naver_when(booked + dt.timedelta(days=1)) if b.status == "취소" else "",
            "플레이스" if int(b.number) % 3 else "네이버지도",
            b.status,
            pay_status,
            person.name if person else "현장예약",
            person.phone if person else "",
            person.email if person else "",
            person.name if person else "",
            person.phone if person else "",
            people,
            naver_when(b.when),
            "",
            b.product,
            "",
            f"일반 {people}인" if "2인" not in b.product else "2인 1세트",
            paid,
            "네이버페이" if paid else ("현장결제" if person is None else ""),
            refund,
            0 if b.status == "취소" else "",
            "전화로 잡은 예약" if person is None else "",
        ]


# -- 5. 토스플레이스 ---------------------------------------------------------------------------

TOSSPLACE_COLUMNS = [
    "결제일시", "영수증번호", "주문번호", "결제상태", "주문 상품", "판매금액", "할인금액",
    "결제금액",
    "결제수단", "카드사", "승인번호", "회원번호", "고객 연락처", "적립 포인트",
]  # fmt: skip
MENU = [("아메리카노", 4500), ("카페라떼", 5000), ("말차라떼", 5500), ("휘낭시에", 3500),
        ("크로플", 6000), ("유자차", 5000)]  # fmt: skip


@dataclass
class Sale:
    receipt: str
    when: dt.datetime
    person: Person | None
    items: list[tuple[str, int, int]]
    status: str
    kind: str
    show_phone: bool = True


def tossplace_sales(rng: random.Random, people: Registry) -> list[Sale]:
    members = [people.person() for _ in range(34)]
    sales = []
    day_serial: dict[str, int] = {}
    for _ in range(226):
        when = moment(rng, dt.datetime(2026, 6, 1), AS_OF - dt.timedelta(days=1), hours=(8, 21))
        person = rng.choice(members) if rng.random() < 0.42 else None
        items = [
            (name, price, rng.choice([1, 1, 1, 2]))
            for name, price in rng.sample(MENU, rng.choice([1, 1, 2, 3]))
        ]
        status, kind = (
            ("결제취소", "cancelled") if rng.random() < 0.07 else ("결제완료", "purchase")
        )
        key = when.strftime("%y%m%d")
        day_serial[key] = day_serial.get(key, 0) + 1
        receipt = f"{key}-{rng.randint(1, 2)}-{day_serial[key]:04d}"
        sales.append(
            Sale(receipt, when, person, items, status, kind, show_phone=rng.random() < 0.8)
        )
    return sorted(sales, key=lambda s: s.when, reverse=True)


def tossplace_rows(sales: list[Sale]):
    for sale in sales:
        gross = sum(price * quantity for _, price, quantity in sale.items)
        discount = 500 if sale.person is not None and gross >= 10000 else 0
        first = sale.items[0][0]
        label = first if len(sale.items) == 1 else f"{first} 외 {len(sale.items) - 1}"
        card = hash_digits(sale.receipt) % 3 != 0
        person = sale.person
        yield [
            sale.when.strftime("%Y-%m-%d %H:%M"),
            sale.receipt,
            "T" + sale.receipt.replace("-", ""),
            sale.status,
            label,
            gross,
            discount,
            gross - discount,
            "카드" if card else "토스페이",
            ["신한카드", "KB국민카드", "현대카드", "삼성카드"][hash_digits(sale.receipt) % 4]
            if card
            else "",
            f"{hash_digits(sale.receipt) % 100000000:08d}",
            f"M{person.key:06d}" if person else "",
            person.phone if person and sale.show_phone else "",
            (gross - discount) // 100 if person and sale.kind == "purchase" else 0,
        ]


def hash_digits(text: str) -> int:
    """A stable number from a text (Python's hash() changes from run to run)."""
    value = 0
    for char in text:
        value = (value * 131 + ord(char)) % 1_000_000_007
    return value


# -- 6. 토스페이먼츠 --------------------------------------------------------------------------

TOSSPAY_COLUMNS = [
    "거래일시", "주문번호", "결제상태", "결제수단", "구매상품", "결제금액", "취소금액", "구매자명",
    "구매자 이메일", "구매자 휴대폰", "구매자 아이디", "카드사", "승인번호",
]  # fmt: skip
CLASSES = [("도자기 물레 체험권", 55000), ("원데이 클래스 수강권", 45000), ("재료 키트", 23000),
           ("가족 체험권 (3인)", 120000)]  # fmt: skip


@dataclass
class Payment:
    order: str
    person: Person | None
    product: str
    amount: int
    events: list[tuple[dt.datetime, str, int]]  # when, 결제상태, 취소금액
    kind: str  # purchase, cancelled, failed
    show_phone: bool
    show_id: bool


def tosspay_payments(rng: random.Random, people: Registry) -> list[Payment]:
    buyers = [people.person() for _ in range(58)]
    payments = []
    for _ in range(148):
        person = rng.choice(buyers)
        product, price = rng.choice(CLASSES)
        when = moment(rng, START, AS_OF - dt.timedelta(days=2))
        order = f"ORD-{when:%Y%m%d}-{rng.randint(100000, 999999)}"
        roll = rng.random()
        if roll < 0.78:
            events, kind = [(when, "완료", 0)], "purchase"
        elif roll < 0.88:
            later = when + dt.timedelta(hours=rng.randint(1, 60))
            events, kind = [(when, "완료", 0), (later, "취소", price)], "cancelled"
        elif roll < 0.93:
            later = when + dt.timedelta(hours=rng.randint(1, 60))
            events, kind = [(when, "완료", 0), (later, "부분취소", price // 5)], "purchase"
        else:
            events, kind = [(when, "결제실패", 0)], "failed"
        keyed = person.key % 4
        payments.append(
            Payment(
                order,
                person,
                product,
                price,
                events,
                kind,
                show_phone=keyed != 0,
                show_id=keyed in (1, 2),
            )
        )
    # Two failed attempts that never reached the buyer form: no buyer at all.
    for _ in range(2):
        when = moment(rng, dt.datetime(2026, 9, 1), AS_OF - dt.timedelta(days=2))
        payments.append(
            Payment(
                f"ORD-{when:%Y%m%d}-{rng.randint(100000, 999999)}",
                None,
                "재료 키트",
                23000,
                [(when, "결제실패", 0)],
                "failed",
                False,
                False,
            )
        )
    return payments


def tosspay_rows(payments: list[Payment]):
    events = []
    for payment in payments:
        for when, status, cancelled in payment.events:
            events.append((when, payment, status, cancelled))
    events.sort(key=lambda e: e[0], reverse=True)
    for when, payment, status, cancelled in events:
        person = payment.person
        method = "카드" if hash_digits(payment.order) % 5 else "계좌이체"
        yield [
            when,
            payment.order,
            status,
            method,
            payment.product,
            payment.amount,
            cancelled,
            person.name if person else "",
            person.email if person else "",
            phone_as(person, "plain") if person and payment.show_phone else "",
            person.member_id if person and payment.show_id else "",
            "신한" if method == "카드" else "",
            f"{hash_digits(payment.order + status) % 100000000:08d}"
            if status != "결제실패"
            else "",
        ]


# -- 8. Calendly -------------------------------------------------------------------------------

CALENDLY_COLUMNS = [
    "Invitee Name", "Invitee First Name", "Invitee Last Name", "Invitee Email",
    "Text Reminder Number", "Event Type Name", "Start Date & Time", "End Date & Time",
    "Invitee Time Zone", "Event Created Date & Time", "Location", "Canceled",
    "Cancellation reason", "Canceled By", "Marked as No-Show", "Question 1", "Response 1",
]  # fmt: skip
EVENT_TYPES = [
    ("Tea tasting (60 min)", 60),
    ("Gift consultation (30 min)", 30),
    ("Tea ceremony class (90 min)", 90),
]


def calendly_bookings(rng: random.Random, people: Registry) -> list[Booking]:
    clients = [people.person() for _ in range(34)]
    bookings = []
    for _ in range(84):
        person = rng.choice(clients)
        event, minutes = rng.choice(EVENT_TYPES)
        if rng.random() < 0.15:
            when = moment(rng, dt.datetime(2027, 1, 4), dt.datetime(2027, 1, 29), hours=(10, 18))
            canceled = rng.random() < 0.2
            kind = "cancelled" if canceled else "upcoming"
        else:
            when = moment(
                rng, dt.datetime(2025, 3, 3), AS_OF - dt.timedelta(days=1), hours=(10, 18)
            )
            kind = rng.choices(["completed", "cancelled", "no_show"], weights=[0.75, 0.17, 0.08])[0]
        when = when.replace(minute=rng.choice([0, 30]), second=0)
        bookings.append(
            Booking(
                hex(hash_digits(f"{person.email}{when}"))[2:].upper(),
                when,
                person,
                event,
                0,
                {"completed": "active", "upcoming": "active", "no_show": "active"}.get(
                    kind, "canceled"
                ),
                kind,
                False,
                extra={
                    "minutes": minutes,
                    "hangul": rng.random() < 0.3,
                    "phone": rng.random() < 0.6,
                    "created": (
                        moment(rng, dt.datetime(2026, 11, 2), AS_OF - dt.timedelta(days=1))
                        if when >= AS_OF
                        else when - dt.timedelta(days=rng.randint(1, 25), hours=rng.randint(1, 9))
                    ),
                },
            )
        )
    return sorted(bookings, key=lambda b: b.when)


def calendly_time(when: dt.datetime) -> str:
    hour = when.hour % 12 or 12
    return f"{when:%Y-%m-%d} {hour}:{when.minute:02d} {'am' if when.hour < 12 else 'pm'}"


def calendly_rows(bookings: list[Booking]):
    for b in bookings:
        p = b.person
        first, last = (
            (p.name[1:], p.name[0]) if b.extra["hangul"] else (p.roman_given, p.roman_family)
        )
        full = p.name if b.extra["hangul"] else f"{p.roman_given} {p.roman_family}"
        canceled = b.kind == "cancelled"
        yield [
            full,
            first,
            last,
            p.email if hash_digits(p.email) % 3 else p.email.upper(),
            phone_as(p, "intl") if b.extra["phone"] else "",
            b.product,
            calendly_time(b.when),
            calendly_time(b.when + dt.timedelta(minutes=b.extra["minutes"])),
            "Asia/Seoul",
            calendly_time(b.extra["created"]),
            "Daon Tea House, Seoul",
            "Yes" if canceled else "No",
            "Schedule conflict" if canceled else "",
            "Invitee" if canceled else "",
            "Yes" if b.kind == "no_show" else "",
            "Anything we should know?",
            "",
        ]


# -- 9. Photo studio ---------------------------------------------------------------------------

STUDIO_COLUMNS = ["예약번호", "예약자", "전화번호", "예약상품", "이용일시", "예약상태"]
STUDIO_PRODUCTS = ["프로필 촬영 (30분)", "가족사진 촬영", "증명사진", "우정사진 (2인)"]


def studio_bookings(rng: random.Random, people: Registry) -> list[Booking]:
    clients = [people.person() for _ in range(40)]
    bookings = []
    for index in range(66):
        person = rng.choice(clients)
        if rng.random() < 0.16:
            when = moment(rng, dt.datetime(2027, 1, 4), dt.datetime(2027, 1, 30), hours=(10, 19))
            status, kind = rng.choice(
                [
                    ("예약확정", "upcoming"),
                    ("예약확정", "upcoming"),
                    ("예약대기", "upcoming"),
                    ("예약취소", "cancelled"),
                ]
            )
        else:
            when = moment(
                rng, dt.datetime(2025, 2, 3), AS_OF - dt.timedelta(days=1), hours=(10, 19)
            )
            status, kind = rng.choices(
                [("촬영완료", "completed"), ("예약취소", "cancelled"), ("노쇼", "no_show")],
                weights=[0.78, 0.15, 0.07],
            )[0]
        bookings.append(
            Booking(
                f"R{when:%y%m%d}{index:03d}",
                when.replace(minute=rng.choice([0, 30]), second=0),
                person,
                rng.choice(STUDIO_PRODUCTS),
                0,
                status,
                kind,
                False,
            )
        )
    # An inquiry whose date is still open: no 이용일시, nothing to count.
    bookings.append(
        Booking(
            "R261128900",
            None,
            rng.choice(clients),
            "가족사진 촬영",
            0,
            "예약대기",
            "upcoming",
            False,
        )
    )
    return sorted(bookings, key=lambda b: b.number)


def studio_rows(bookings: list[Booking]):
    for b in bookings:
        yield [
            b.number,
            b.person.name,
            b.person.phone,
            b.product,
            b.when.strftime("%Y-%m-%d %H:%M") if b.when else "",
            b.status,
        ]


# -- writers -----------------------------------------------------------------------------------


def write_csv(path: Path, header, rows, *, encoding: str, blank_tail: int = 0) -> int:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    for _ in range(blank_tail):
        writer.writerow([""] * len(header))
    path.write_bytes(out.getvalue().encode(encoding))
    return count


def write_xlsx(
    path: Path, header, rows, *, sheet="Sheet1", above=(), blank_tail=0, date_format=None
) -> int:
    import openpyxl
    from openpyxl.styles import Border, Side

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for row in above:
        ws.append(row)
    ws.append(header)
    count = 0
    for row in rows:
        ws.append(row)
        count += 1
        if date_format:
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, dt.datetime):
                    cell.number_format = date_format
    thin = Border(bottom=Side(style="thin"))
    for _ in range(blank_tail):  # empty rows that still carry a border, as exports leave them
        row_no = ws.max_row + 1
        for column in range(1, len(header) + 1):
            ws.cell(row=row_no, column=column).border = thin
    book.properties.creator = "Patron test data"
    book.properties.created = dt.datetime(2026, 12, 1)
    out = io.BytesIO()
    book.save(out)
    path.write_bytes(stable_zip(out.getvalue()))
    return count


def stable_zip(data: bytes) -> bytes:
    """The same workbook as the same bytes: openpyxl stamps the time of saving into
    docProps/core.xml and into every zip entry; both are set to AS_OF."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-12-01T00:00:00Z", content
                )
            entry = zipfile.ZipInfo(info.filename, date_time=AS_OF.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, content)
    return out.getvalue()


# -- the build ----------------------------------------------------------------------------------

PARTY_RULE = (
    "one party per person: rows joined when they share a phone number (digits only,"
    " +82 10 = 010), else an e-mail (case-insensitive), else a member id; a name alone"
    " joins nothing"
)


def build() -> dict:
    people = Registry(random.Random(SEED + 1))
    expected: dict[str, dict] = {}

    imweb = imweb_orders(random.Random(SEED + 11), people)
    rows = write_csv(
        HERE / "imweb_orders.csv", IMWEB_COLUMNS, imweb_rows(imweb), encoding="utf-8-sig"
    )
    expected["imweb_orders.csv"] = {
        "kind": "orders",
        "service": "아임웹",
        "encoding": "utf-8-sig",
        "header_row": 1,
        "rows": rows,
        "rejected_rows": 0,
        **order_counts(imweb),
        "unknown_statuses": [],
        "notes": [
            "one row per 품목 (주문섹션품목번호); 주문번호 groups them",
            "a cancelled item keeps 주문상태 거래종료: its 취소사유 cell says cancelled",
            "a 반품사유 marks a return: the order stays a purchase (orders_with_a_return)",
            "결제대기 is not yet paid: pending, not a purchase",
            "one order has one item cancelled (취소사유 품절) and the others kept: a purchase",
            "some 주문자 번호 are written without dashes (01012345678)",
        ],
    }

    godo = godomall_orders(random.Random(SEED + 12), people)
    rows = write_xlsx(
        HERE / "godomall_orders.xlsx", GODO_COLUMNS, godomall_rows(godo), sheet="주문통합리스트"
    )
    expected["godomall_orders.xlsx"] = {
        "kind": "orders",
        "service": "고도몰5",
        "encoding": "xlsx",
        "header_row": 1,
        "rows": rows,
        "rejected_rows": 0,
        **order_counts(godo),
        "unknown_statuses": [],
        "notes": [
            "one row per 상품주문번호; 주문 번호 groups them",
            "입금대기 = pending; 결제실패 and 고객결제중단 = failed;"
            " 관리자취소 and 자동취소 = cancelled;"
            " 환불완료 = returned (still a purchase)",
            "two different people are both named 김서연"
            " (different phones and e-mails): two parties",
        ],
    }

    make = makeshop_orders(random.Random(SEED + 13), people)
    rows = write_csv(
        HERE / "makeshop_orders.csv",
        MAKESHOP_COLUMNS,
        makeshop_rows(make),
        encoding="cp949",
        blank_tail=3,
    )
    partly = sum(1 for o in make if o.lines[0].status == "부분배송")
    expected["makeshop_orders.csv"] = {
        "kind": "orders",
        "service": "메이크샵",
        "encoding": "cp949",
        "header_row": 1,
        "rows": rows,
        "rejected_rows": 0,
        **order_counts(make),
        "unknown_statuses": [
            {
                "status": "부분배송",
                "meaning": "partly shipped: paid, a purchase",
                "orders": partly,
            }
        ],
        "notes": [
            '주문번호 and 상품코드 are written as Excel formulas: ="..."',
            'amounts are written "12,000"; dates "2026.03.04 14:22"',
            "three blank rows follow the data",
            "입금대기 = pending; 주문취소 = cancelled; 반품완료 = returned (still a purchase)",
            "purchases counts 부분배송 orders as purchases; without them it would be"
            f" {order_counts(make)['purchases'] - partly}",
        ],
    }

    buyers, bookers, both = tea_people(random.Random(SEED + 14), people)
    six = sixshop_orders(random.Random(SEED + 15), buyers, both)
    rows = write_xlsx(
        HERE / "sixshop_orders.xlsx",
        SIXSHOP_COLUMNS,
        sixshop_rows(six),
        sheet="주문목록",
        blank_tail=4,
    )
    naver = naver_bookings(random.Random(SEED + 16), bookers, both)
    shared = len({o.person.key for o in six} & {b.person.key for b in naver if b.person and b.when})
    expected["sixshop_orders.xlsx"] = {
        "kind": "orders",
        "service": "식스샵",
        "encoding": "xlsx",
        "header_row": 1,
        "rows": rows,
        "rejected_rows": 0,
        **order_counts(six),
        "unknown_statuses": [],
        "notes": [
            'one row per order; 주문상품 reads "작설차 선물세트 외 1건" when it has more',
            'amounts "12,000원"; 주문일시 "2026-03-04 오후 2:22"',
            "입금대기 and 결제대기 = pending (not purchases); 입금전 취소 and 취소완료 = cancelled;"
            " 반품완료 = returned (still a purchase)",
            "four formatted but empty rows follow the data",
        ],
    }

    rows = write_xlsx(
        HERE / "naver_booking.xlsx",
        NAVER_COLUMNS,
        naver_rows(naver),
        sheet="Report",
        above=[[NAVER_WARNING[0]], [NAVER_WARNING[1]]],
    )
    naver_counts = booking_counts(naver)
    kept = [b for b in naver if b.person]
    expected["naver_booking.xlsx"] = {
        "kind": "bookings",
        "service": "네이버 예약",
        "encoding": "xlsx",
        "header_row": 3,
        "rows": rows,
        "rejected_rows": sum(1 for b in naver if b.person is None),
        "rejected_reason": 'staff-entered bookings (예약자 "현장예약", no 전화번호,'
        " no 이메일): no buyer",
        **naver_counts,
        "purchases": sum(1 for b in kept if b.status in ("확정", "이용완료", "노쇼")),
        "purchase_rule": "a booking is a purchase when paid (결제상태 결제완료):"
        " 확정, 이용완료 and 노쇼; 신청 is 결제대기 (not paid), 취소 was refunded (환불완료)",
        "engagements_pending_confirmation": sum(1 for b in kept if b.status == "신청"),
        "unknown_statuses": [],
        "notes": [
            'sheet "Report": two warning rows, the header on row 3',
            '이용일시 like "26. 3. 4.(수) 오후 2:00" (two-digit year, weekday, 오전/오후)',
            "upcoming = 확정 or 신청 in January 2027; every booking before 2026-12-01 is"
            " 이용완료, 취소 or 노쇼",
        ],
    }
    expected["sixshop_orders.xlsx"]["people_shared_with"] = {"naver_booking.xlsx": shared}
    expected["naver_booking.xlsx"]["people_shared_with"] = {"sixshop_orders.xlsx": shared}

    sales = tossplace_sales(random.Random(SEED + 17), people)
    rows = write_csv(
        HERE / "tossplace_sales.csv", TOSSPLACE_COLUMNS, tossplace_rows(sales), encoding="utf-8-sig"
    )
    member_sales = [s for s in sales if s.person]
    expected["tossplace_sales.csv"] = {
        "kind": "orders",
        "service": "토스플레이스 POS",
        "encoding": "utf-8-sig",
        "header_row": 1,
        "rows": rows,
        "rejected_rows": len(sales) - len(member_sales),
        "rejected_reason": "walk-in sales: 회원번호 and 고객 연락처 both blank, so no buyer;"
        " a correct importer skips them (they are sales, not anyone's)",
        "walk_in_sales": len(sales) - len(member_sales),
        "walk_in_purchases": sum(1 for s in sales if not s.person and s.kind == "purchase"),
        "orders_in_file": len(member_sales),
        "purchases": sum(1 for s in member_sales if s.kind == "purchase"),
        "pending_orders": 0,
        "cancelled_orders": sum(1 for s in member_sales if s.kind == "cancelled"),
        "failed_orders": 0,
        "parties": len({s.person.key for s in member_sales}),
        "unknown_statuses": [],
        "notes": [
            "one row per receipt (영수증번호); 결제취소 = cancelled",
            "a member sale always has 회원번호; about one in five leaves 고객 연락처 blank",
        ],
    }

    payments = tosspay_payments(random.Random(SEED + 18), people)
    rows = write_xlsx(
        HERE / "tosspayments_transactions.xlsx",
        TOSSPAY_COLUMNS,
        tosspay_rows(payments),
        sheet="거래내역",
        date_format="yyyy-mm-dd hh:mm:ss",
    )
    kept_pay = [p for p in payments if p.person]
    expected["tosspayments_transactions.xlsx"] = {
        "kind": "payments",
        "service": "토스페이먼츠",
        "encoding": "xlsx",
        "header_row": 1,
        "rows": rows,
        "rejected_rows": sum(len(p.events) for p in payments if p.person is None),
        "rejected_reason": "결제실패 rows with no 구매자명, e-mail, phone or id: no buyer",
        "orders_in_file": len(kept_pay),
        "purchases": sum(1 for p in kept_pay if p.kind == "purchase"),
        "pending_orders": 0,
        "cancelled_orders": sum(1 for p in kept_pay if p.kind == "cancelled"),
        "failed_orders": sum(1 for p in kept_pay if p.kind == "failed"),
        "partly_cancelled_purchases": sum(
            1 for p in kept_pay if any(e[1] == "부분취소" for e in p.events)
        ),
        "approved_rows": sum(1 for p in kept_pay for e in p.events if e[1] == "완료"),
        "cancel_rows": sum(1 for p in kept_pay for e in p.events if e[1] in ("취소", "부분취소")),
        "parties": len({p.person.key for p in kept_pay}),
        "unknown_statuses": [],
        "notes": [
            "one row per event: a cancelled order has a 완료 row and a later 취소 row with the"
            " same 주문번호 (orders_in_file counts 주문번호, not rows)",
            "부분취소 leaves the order a purchase; 취소 (whole amount) makes it cancelled;"
            " 결제실패 alone = failed",
            "거래일시 cells are real Excel dates; 구매자 휴대폰 digits only (01012345678)",
            "some buyers have no phone in the file; their 구매자 이메일 identifies them",
        ],
    }

    cal = calendly_bookings(random.Random(SEED + 19), people)
    rows = write_csv(
        HERE / "calendly_events.csv", CALENDLY_COLUMNS, calendly_rows(cal), encoding="utf-8"
    )
    expected["calendly_events.csv"] = {
        "kind": "bookings",
        "service": "Calendly",
        "encoding": "utf-8",
        "header_row": 1,
        "rows": rows,
        "rejected_rows": 0,
        **booking_counts(cal),
        "purchases": None,
        "purchase_rule": "no payment columns: bookings only",
        "unknown_statuses": [],
        "notes": [
            "Canceled Yes/No; Marked as No-Show Yes or blank; past, not canceled, not no-show ="
            " completed; January 2027 and not canceled = upcoming",
            "some invitees are written in Hangul, most romanized; some e-mails in capitals",
            "Text Reminder Number as +82 10-1234-5678 where given; every row has an e-mail",
        ],
    }

    studio = studio_bookings(random.Random(SEED + 20), people)
    rows = write_csv(
        HERE / "photo_studio_bookings.csv",
        STUDIO_COLUMNS,
        studio_rows(studio),
        encoding="utf-8-sig",
    )
    studio_kept = [b for b in studio if b.when]
    expected["photo_studio_bookings.csv"] = {
        "kind": "bookings",
        "service": "photo studio booking page",
        "encoding": "utf-8-sig",
        "header_row": 1,
        "rows": rows,
        "rejected_rows": sum(1 for b in studio if b.when is None),
        "rejected_reason": "an inquiry with no 이용일시 yet: no date",
        **booking_counts(studio),
        "purchases": None,
        "purchase_rule": "no amount or payment column: bookings only",
        "engagements_pending_confirmation": sum(1 for b in studio_kept if b.status == "예약대기"),
        "unknown_statuses": [
            {
                "status": "촬영완료",
                "meaning": "the shoot took place: completed",
                "bookings": sum(1 for b in studio_kept if b.status == "촬영완료"),
            }
        ],
        "notes": [
            "예약확정 and 예약대기 in January 2027 = upcoming;"
            " 예약취소 = cancelled; 노쇼 = no-show",
        ],
    }

    for name, entry in expected.items():
        entry.setdefault("people_shared_with", {})
        entry["parties_counted_by"] = PARTY_RULE
        entry["file"] = name
    return expected


# -- reading back --------------------------------------------------------------------------------

FORMULA = re.compile(r'^="(.*)"$')


def read_table(path: Path, encoding: str, header_row: int) -> tuple[list[str], list[dict], int]:
    """Header, data rows (as dicts of text), and how many blank rows were skipped."""
    if path.suffix == ".xlsx":
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        raw = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
    else:
        raw = list(csv.reader(io.StringIO(path.read_bytes().decode(encoding))))

    def text(value) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S")
        value = str(value).strip()
        match = FORMULA.match(value)
        return match.group(1) if match else value

    header = [text(v) for v in raw[header_row - 1]]
    rows, blank = [], 0
    for values in raw[header_row:]:
        cells = [text(v) for v in values]
        if not any(cells):
            blank += 1
            continue
        cells = (cells + [""] * len(header))[: len(header)]
        rows.append(dict(zip(header, cells, strict=True)))
    return header, rows, blank


def phone_key(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if digits.startswith("82") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    return digits if len(digits) >= 9 else ""


def party_keys(row: dict, phones, emails, ids) -> list[str]:
    keys = []
    for column in phones:
        key = phone_key(row.get(column, ""))
        if key:
            keys.append("p:" + key)
    for column in emails:
        if row.get(column):
            keys.append("e:" + row[column].strip().lower())
    for column in ids:
        if row.get(column):
            keys.append("m:" + row[column])
    return keys


def count_parties(key_lists: list[list[str]]) -> int:
    parent: dict[str, str] = {}

    def find(key):
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for keys in key_lists:
        for key in keys:
            find(key)
        for key in keys[1:]:
            parent[find(key)] = find(keys[0])
    return len({find(k) for keys in key_lists for k in keys})


# Status words as each file writes them, to the kind a correct importer gives them.
ORDER_WORDS = {
    "imweb_orders.csv": {
        "거래종료": "purchase",
        "배송완료": "purchase",
        "배송중": "purchase",
        "배송대기": "purchase",
        "결제대기": "pending",
    },
    "godomall_orders.xlsx": {
        "구매확정": "purchase",
        "배송완료": "purchase",
        "배송중": "purchase",
        "결제완료": "purchase",
        "상품준비중": "purchase",
        "입금대기": "pending",
        "관리자취소": "cancelled",
        "자동취소": "cancelled",
        "환불완료": "returned",
        "결제실패": "failed",
        "고객결제중단": "failed",
    },
    "makeshop_orders.csv": {
        "구매확정": "purchase",
        "배송완료": "purchase",
        "배송중": "purchase",
        "배송준비": "purchase",
        "결제완료": "purchase",
        "부분배송": "purchase",
        "입금대기": "pending",
        "주문취소": "cancelled",
        "반품완료": "returned",
    },
    "sixshop_orders.xlsx": {
        "구매확정": "purchase",
        "배송완료": "purchase",
        "배송중": "purchase",
        "배송준비중": "purchase",
        "결제완료": "purchase",
        "입금대기": "pending",
        "결제대기": "pending",
        "입금전 취소": "cancelled",
        "취소완료": "cancelled",
        "반품완료": "returned",
    },
    "tossplace_sales.csv": {"결제완료": "purchase", "결제취소": "cancelled"},
}
SPECS = {
    "imweb_orders.csv": dict(
        order="주문번호",
        status="주문상태",
        date="주문일",
        phones=["주문자 번호"],
        emails=["주문자 이메일"],
        ids=[],
    ),
    "godomall_orders.xlsx": dict(
        order="주문 번호",
        status="주문상태",
        date="주문일자",
        phones=["주문자 핸드폰 번호", "주문자 전화번호"],
        emails=["주문자 e-mail"],
        ids=["회원 아이디"],
    ),
    "makeshop_orders.csv": dict(
        order="주문번호",
        status="주문상태",
        date="주문일자",
        phones=["주문자 휴대폰", "주문자 전화번호"],
        emails=["주문자 이메일"],
        ids=["주문자ID"],
    ),
    "sixshop_orders.xlsx": dict(
        order="주문번호",
        status="주문상태",
        date="주문일시",
        phones=["주문자 휴대폰"],
        emails=["주문자 이메일"],
        ids=[],
    ),
    "tossplace_sales.csv": dict(
        order="영수증번호",
        status="결제상태",
        date="결제일시",
        phones=["고객 연락처"],
        emails=[],
        ids=["회원번호"],
    ),
    "tosspayments_transactions.xlsx": dict(
        order="주문번호",
        status="결제상태",
        date="거래일시",
        phones=["구매자 휴대폰"],
        emails=["구매자 이메일"],
        ids=["구매자 아이디"],
    ),
    "naver_booking.xlsx": dict(
        order="예약번호",
        status="상태",
        date="이용일시",
        phones=["전화번호"],
        emails=["이메일"],
        ids=[],
    ),
    "calendly_events.csv": dict(
        order=None,
        status="Canceled",
        date="Start Date & Time",
        phones=["Text Reminder Number"],
        emails=["Invitee Email"],
        ids=[],
    ),
    "photo_studio_bookings.csv": dict(
        order="예약번호", status="예약상태", date="이용일시", phones=["전화번호"], emails=[], ids=[]
    ),
}


def parse_naver_when(text: str) -> dt.datetime:
    m = re.match(r"(\d{2})\. (\d{1,2})\. (\d{1,2})\.\((.)\) (오전|오후) (\d{1,2}):(\d{2})", text)
    year, month, day, weekday, half, hour, minute = m.groups()
    when = dt.datetime(
        2000 + int(year),
        int(month),
        int(day),
        int(hour) % 12 + (12 if half == "오후" else 0),
        int(minute),
    )
    assert WEEKDAYS[when.weekday()] == weekday, text
    return when


def parse_start(name: str, text: str) -> dt.datetime:
    if name == "naver_booking.xlsx":
        return parse_naver_when(text)
    if name == "calendly_events.csv":
        return dt.datetime.strptime(text.upper(), "%Y-%m-%d %I:%M %p")
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M")


def recount(name: str, entry: dict) -> tuple[dict, set[str]]:
    """Counts from the cells of the written file alone, and the party keys it holds."""
    spec = SPECS[name]
    _, rows, _ = read_table(HERE / name, entry["encoding"], entry["header_row"])
    got: dict = {"rows": len(rows)}
    kept = []
    for row in rows:
        keys = party_keys(row, spec["phones"], spec["emails"], spec["ids"])
        if not keys or not row.get(spec["date"]):
            continue
        kept.append((row, keys))
    got["rejected_rows"] = len(rows) - len(kept)
    got["parties"] = count_parties([keys for _, keys in kept])
    all_keys = {k for _, keys in kept for k in keys}

    if entry["kind"] == "bookings":
        kinds = []
        for row, _ in kept:
            when = parse_start(name, row[spec["date"]])
            status = row[spec["status"]]
            if name == "calendly_events.csv":
                status = (
                    "취소"
                    if status == "Yes"
                    else ("노쇼" if row["Marked as No-Show"] == "Yes" else "확정")
                )
            if status in ("취소", "예약취소"):
                kinds.append("cancelled")
            elif status == "노쇼":
                kinds.append("no_show")
            elif when >= AS_OF:
                kinds.append("upcoming")
            else:
                assert status in ("이용완료", "촬영완료", "확정"), (name, status)
                kinds.append("completed")
        got.update(
            {
                "orders_in_file": len(kept),
                "engagements_created": len(kept),
                "engagements_completed": kinds.count("completed"),
                "engagements_cancelled": kinds.count("cancelled"),
                "engagements_no_show": kinds.count("no_show"),
                "engagements_upcoming": kinds.count("upcoming"),
            }
        )
        if name == "naver_booking.xlsx":
            got["purchases"] = sum(1 for row, _ in kept if row["결제상태"] == "결제완료")
        return got, all_keys

    orders: dict[str, list[str]] = {}
    for row, _ in kept:
        number = row[spec["order"]]
        if name == "tosspayments_transactions.xlsx":
            kind = {
                "완료": "purchase",
                "부분취소": "partial",
                "취소": "cancelled",
                "결제실패": "failed",
            }[row["결제상태"]]
        else:
            kind = ORDER_WORDS[name][row[spec["status"]]]
            if name == "imweb_orders.csv":
                if row["취소사유"]:
                    kind = "cancelled"
                elif row["반품사유"]:
                    kind = "returned"
        orders.setdefault(number, []).append(kind)

    def settle(kinds: list[str]) -> str:
        if name == "tosspayments_transactions.xlsx":
            if "cancelled" in kinds:
                return "cancelled"
            return "purchase" if "purchase" in kinds else "failed"
        if {"purchase", "returned"} & set(kinds):
            return "purchase"
        if "pending" in kinds:
            return "pending"
        return "failed" if set(kinds) == {"failed"} else "cancelled"

    settled = [settle(kinds) for kinds in orders.values()]
    got.update(
        {
            "orders_in_file": len(orders),
            "purchases": settled.count("purchase"),
            "pending_orders": settled.count("pending"),
            "cancelled_orders": settled.count("cancelled"),
            "failed_orders": settled.count("failed"),
        }
    )
    return got, all_keys


def check(expected: dict) -> None:
    keys_by_file = {}
    for name, entry in expected.items():
        got, keys = recount(name, entry)
        keys_by_file[name] = keys
        for field_name, value in got.items():
            assert entry[field_name] == value, (
                f"{name}: {field_name} expected {entry[field_name]}, file has {value}"
            )
    # People overlap only where expected.json says so.
    names = sorted(keys_by_file)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            phones_a = {k for k in keys_by_file[a] if k.startswith("p:")}
            phones_b = {k for k in keys_by_file[b] if k.startswith("p:")}
            emails_a = {k for k in keys_by_file[a] if k.startswith("e:")}
            emails_b = {k for k in keys_by_file[b] if k.startswith("e:")}
            shared = len(phones_a & phones_b)
            want = expected[a]["people_shared_with"].get(b, 0)
            assert shared == want == expected[b]["people_shared_with"].get(a, 0), (
                a,
                b,
                shared,
                want,
            )
            if not want:
                assert not emails_a & emails_b, (a, b)
    for name, entry in expected.items():
        assert entry["rows"] >= 30, name
        audit_dates(name, entry)


CREATED = {"naver_booking.xlsx": "예약신청일시", "calendly_events.csv": "Event Created Date & Time"}


def audit_dates(name: str, entry: dict) -> None:
    """Every date in 2025 or 2026, before AS_OF; only bookings reach into January 2027."""
    spec = SPECS[name]
    _, rows, _ = read_table(HERE / name, entry["encoding"], entry["header_row"])
    for row in rows:
        text = row[spec["date"]]
        if not text:
            continue
        if name == "sixshop_orders.xlsx":
            day, half, clock = text.split(" ")
            hour, minute = map(int, clock.split(":"))
            when = dt.datetime.strptime(day, "%Y-%m-%d").replace(
                hour=hour % 12 + (12 if half == "오후" else 0), minute=minute
            )
        elif name == "makeshop_orders.csv":
            when = dt.datetime.strptime(text, "%Y.%m.%d %H:%M")
        elif name in ("godomall_orders.xlsx", "tosspayments_transactions.xlsx"):
            when = dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
        else:
            when = parse_start(name, text)
        assert dt.datetime(2025, 1, 1) <= when < dt.datetime(2027, 2, 1), (name, text)
        if entry["kind"] != "bookings":
            assert when < AS_OF, (name, text)
        if name in CREATED:
            created = parse_start(name, row[CREATED[name]])
            assert dt.datetime(2025, 1, 1) <= created < AS_OF and created <= when, (name, row)


def main() -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    expected = build()
    check(expected)
    ordered = {name: expected[name] for name in sorted(expected)}
    (HERE / "expected.json").write_text(
        json.dumps(ordered, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    for name, entry in ordered.items():
        print(
            f"{name:34} rows {entry['rows']:4}  kept orders {entry['orders_in_file']:4}"
            f"  parties {entry['parties']:3}"
        )


if __name__ == "__main__":
    main()
