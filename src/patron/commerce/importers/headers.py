"""Reading a file's header by meaning, whatever shop, POS, payment or booking system wrote it.

Real headers combine a role and a field ("주문자 휴대폰", "구매자명", "Customer Email",
"Invitee Name"), a kind of time ("결제일시", "이용일시", "Start Date & Time"), a kind of amount
("품목실결제가", "총 주문금액", "판매가") and shops rename them freely. A header is read as
words: who (the buyer, or the recipient, who is never the buyer), what (name, phone, email,
id), which time, which amount. Each column gets the field it most likely holds, with a reason
code and a confidence the preview shows; where two columns compete for a field, a stated rule
chooses (`RULES`), and the one set aside is reported with the one chosen.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# Who a column is about. The recipient (수령인, 받는 분, Shipping ...) is never the buyer: at
# most the order's delivery number is kept from it. Staff and the seller are nobody's identity.
_BUYER_KO = (
    "주문자",
    "구매자",
    "주문고객",
    "예약자",
    "결제자",
    "신청자",
    "이용자",
    "회원",
    "고객",
    "손님",
    "구매회원",
)
# The visitor of a booking (네이버 예약's 방문자) is who comes, booked by the 예약자: like a
# recipient, never the one who booked and paid.
_RECIPIENT_KO = (
    "수령인",
    "수령자",
    "수취인",
    "수하인",
    "받는분",
    "받는사람",
    "받으시는분",
    "배송지",
    "배송",
    "수령",
    "받는이",
    "받으실분",
    "수신자",
    "수신인",
    "선물받는",
    "방문자",
)
_OTHER_KO = (
    "추천인",
    "판매자",
    "담당자",
    "담당",
    "직원",
    "디자이너",
    "판매자",
    "업체",
    "매장",
    "가맹점",
    "상점",
    "판매처",
)
_BUYER_EN = {
    "buyer",
    "customer",
    "client",
    "member",
    "billing",
    "purchaser",
    "invitee",
    "attendee",
    "guest",
    "booker",
    "patient",
    "contact",
    "user",
}
_RECIPIENT_EN = {"recipient", "shipping", "receiver", "ship", "delivery", "deliver", "consignee"}
_OTHER_EN = {
    "staff",
    "employee",
    "seller",
    "merchant",
    "store",
    "team",
    "host",
    "organizer",
    "referrer",
    "referral",
}

# What a column holds about its person.
_PHONE_KO = ("휴대폰", "휴대전화", "핸드폰", "연락처", "전화번호", "전화", "폰번호", "모바일", "hp")
_MOBILE = ("휴대폰", "휴대전화", "핸드폰", "모바일", "hp", "mobile", "cell", "cellphone")
_EMAIL_KO = ("이메일", "메일", "e-mail", "email")
_ID_KO = (
    "아이디",
    "회원번호",
    "고객번호",
    "회원코드",
    "고객코드",
    "멤버십번호",
    "멤버십",
    "회원id",
)
_NAME_KO = ("이름", "성명", "성함", "명")
_PHONE_EN = {"phone", "mobile", "tel", "telephone", "cell", "cellphone", "hp", "sms"}
_EMAIL_EN = {"email", "e-mail", "mail"}

# Money: which amounts are not what was paid for the order or the line.
_NOT_PAID_KO = (
    "배송비",
    "택배비",
    "수수료",
    "정산",
    "부가세",
    "공급가",
    "원가",
    "적립",
    "포인트",
    "마일리지",
    "예치금",
    "면세",
    "과세",
    "보증금",
    "잔액",
    "미수",
)
_NOT_PAID_EN = {
    "shipping",
    "fee",
    "fees",
    "settlement",
    "payout",
    "vat",
    "tax",
    "taxes",
    "cost",
    "points",
    "balance",
    "tip",
    "tips",
    "deposit",
    "net",
}
_MONEY_KO = (
    "금액",
    "결제액",
    "가격",
    "단가",
    "합계",
    "총액",
    "매출",
    "판매가",
    "실결제가",
    "결제가",
    "가",
)
_MONEY_EN = {"amount", "total", "price", "paid", "gross", "sales", "charge", "charged", "revenue"}


@dataclass(frozen=True)
class Guess:
    """What one header most likely names: a field, how sure, which words said so."""

    field: str
    confidence: float  # 0..1
    reason: str  # a code (commerce.wording "header.*")
    words: tuple[str, ...] = ()
    rank: int = 0  # among columns naming the same field, the higher is chosen (RULES)


@dataclass(frozen=True)
class Recognition:
    position: int
    column: str  # as the file writes it
    field: str
    confidence: float
    reason: str
    words: tuple[str, ...] = ()
    # The column chosen over this one for its field (a competitor set aside), or "".
    lost_to: str = ""

    def summary(self) -> dict:
        found = {
            "column": self.column.strip()[:100],
            "field": self.field,
            "confidence": round(self.confidence, 2),
            "reason": self.reason,
            "words": list(self.words),
        }
        if self.lost_to:
            found["lost_to"] = self.lost_to.strip()[:100]
        return found


# How competing columns are chosen, stated for the owner (the report names the rule).
RULES = {
    "occurred_at": "rule.paid_before_ordered",  # 결제일 over 주문일: when it was paid
    "total": "rule.paid_amount_first",  # 결제금액 over 주문금액 over 금액
    "order_id": "rule.order_number_first",  # 주문번호 over 거래번호 over 승인번호
    "phone": "rule.mobile_first",  # 휴대폰 over 전화번호: the number a person is reached on
}


def compact(text: str) -> str:
    """A header as compared: NFKC, lower case, no spaces, no leading/trailing "*" or "·"."""
    key = "".join(unicodedata.normalize("NFKC", text).replace("\ufeff", "").lower().split())
    return key.strip("*·:").strip()


# A bracket's body holds no other bracket: linear, whatever a hostile header nests.
_BRACKETS = re.compile(r"[\(\[\{<（【][^\(\[\{<（【\)\]\}>）】]*[\)\]\}>）】]")
# A header is read from its first characters: real ones are a few words long.
HEADER_CHARS = 100
_EN_WORD = re.compile(r"[a-z]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _parts(text: str) -> tuple[str, str, set[str]]:
    """The header without bracketed parts, the bracketed parts, and its English words."""
    normal = unicodedata.normalize("NFKC", text).replace("\ufeff", "")
    spaced = _CAMEL.sub(" ", normal).replace("_", " ")
    key = compact(normal)
    outside = compact(_BRACKETS.sub("", normal)) or key
    inside = "".join(match[1:-1] for match in _BRACKETS.findall(key))
    words: set[str] = set()
    for run in _EN_WORD.findall(spaced.lower().replace("e-mail", "email")):
        words.update(_split_known(run))
    return outside, inside, words


# English words the readers look for: "CUSTOMERNAME" and "invoiceno" are split into them.
_KNOWN_EN = sorted(
    {
        *_BUYER_EN,
        *_RECIPIENT_EN,
        *_PHONE_EN,
        *_EMAIL_EN,
        *_MONEY_EN,
        "name",
        "first",
        "last",
        "full",
        "id",
        "no",
        "number",
        "order",
        "date",
        "time",
        "status",
        "created",
        "paid",
        "product",
        "item",
        "quantity",
        "qty",
        "price",
        "unit",
        "line",
        "company",
        "booking",
        "appointment",
        "start",
        "invoice",
        "transaction",
        "payment",
        "receipt",
    },
    key=len,
    reverse=True,
)


def _split_known(run: str) -> list[str]:
    """A run of letters as known words when it is made of them wholly ("customername"), else
    the run itself. Longest words first; a run is a header's word, a few letters long."""
    if len(run) > 40:
        return [run]
    parts: list[str] = []
    rest = run
    while rest:
        found = next((known for known in _KNOWN_EN if rest.startswith(known)), None)
        if found is None:
            return [run]
        parts.append(found)
        rest = rest[len(found) :]
    return parts if len(parts) > 1 else [run]


def guess(text: str) -> Guess | None:
    """What a header names, or None when it names nothing an import uses."""
    found = read_words(text)
    return found if found is not None and found.field else None


def read_words(text: str) -> Guess | None:
    """What a header names: a Guess, the set-aside Guess (a word said it is not used: a
    recipient's, a fee, an option), or None when no word of it was known."""
    main, inside, words = _parts(text[:HEADER_CHARS])
    if not main:
        return None
    if inside and not _role(main, words)[0] and _role(compact(inside), words)[0]:
        main = compact(inside) + main  # "[주문자] 휴대폰": the bracket says whose
    found = _guess(main, words)
    if found is None and inside:
        found = _guess(compact(inside), words)  # "결제일시(입금확인일)": the bracket decides
    if found is not None and found.field and not _said(found.words, main, words):
        # The words shown are the header's own: a fixed word the header lacks is not.
        found = Guess(found.field, found.confidence, found.reason, (main,), found.rank)
    return found


def _said(shown: tuple[str, ...], key: str, words: set[str]) -> bool:
    return bool(shown) and all(word in key or word in words for word in shown)


def _guess(key: str, words: set[str]) -> Guess | None:
    for reader in (
        _flags,
        _statuses,
        _ids,
        _person,
        _times,
        _money,
        _quantity,
        _product,
        _others,
    ):
        found = reader(key, words)
        if found is not None:
            return found
    return None


_SET_ASIDE = Guess("", 0.0, "header.not_used")


def _role(key: str, words: set[str]) -> tuple[str, str]:
    """("buyer" | "recipient" | "other" | "", the role word found)."""
    # The recipient's and staff's words first, in either language: "Shipping 회원번호" is the
    # recipient's, whatever buyer word follows.
    for word in _RECIPIENT_KO:
        if word in key:
            return "recipient", word
    if words & _RECIPIENT_EN and not words & {"billing"}:
        return "recipient", sorted(words & _RECIPIENT_EN)[0]
    for word in _OTHER_KO:
        if key.startswith(word):
            return "other", word
    if words & _OTHER_EN:
        return "other", sorted(words & _OTHER_EN)[0]
    for word in _BUYER_KO:
        if word in key:
            return "buyer", word
    if words & _BUYER_EN:
        return "buyer", sorted(words & _BUYER_EN)[0]
    return "", ""


def _flags(key: str, words: set[str]) -> Guess | None:
    if "사유" in key or "reason" in words:
        # A reason is written only when it happened (아임웹 marks a cancelled item so).
        if "취소" in key or words & {"cancellation", "cancel", "canceled", "cancelled"}:
            return Guess("cancel_reason", 0.8, "header.cancel_reason", ("취소", "사유"))
        if any(word in key for word in ("반품", "환불")) or words & {"return", "refund"}:
            return Guess("return_reason", 0.8, "header.return_reason", ("반품", "사유"))
        return _SET_ASIDE
    if "노쇼" in key or "noshow" in key.replace("-", "") or {"no", "show"} <= words:
        return Guess("no_show", 0.9, "header.no_show", ("no-show",))
    if key in ("취소여부", "취소", "canceled", "cancelled", "iscanceled", "iscancelled"):
        return Guess("cancelled_at", 0.8, "header.cancelled", (key,))
    if key.endswith(("?", "여부")) and not any(word in key for word in ("수신", "마케팅")):
        return _SET_ASIDE  # a yes/no question ("Paid?", "결제여부") is no amount and no date
    if ("수신동의" in key or "마케팅" in key or "광고" in key) and "상태" not in key:
        return Guess("accepts_marketing", 0.9, "header.consent", (key,))
    if "marketing" in words or {"opt", "in"} <= words or "subscribed" in words:
        return Guess("accepts_marketing", 0.85, "header.consent", ("marketing",))
    return None


def _statuses(key: str, words: set[str]) -> Guess | None:
    if not ("상태" in key or "구분" in key or words & {"status", "state"}):
        return None
    if "배송" in key and "주문" not in key:
        return Guess("status_detail", 0.7, "header.status", (key,), rank=1)
    if any(word in key for word in ("클레임", "취소", "반품", "교환", "환불")) or words & {
        "refund",
        "cancellation",
    }:
        return Guess("claim_status", 0.8, "header.status", (key,), rank=1)
    if "구분" in key and not any(word in key for word in ("주문", "결제", "거래", "승인", "예약")):
        return None  # 상품구분, 회원구분: not a status
    if {"financial", "payment"} & words or "결제" in key or "승인" in key:
        return Guess("status", 0.9, "header.status", (key,), rank=3)
    if "주문" in key or "예약" in key or "order" in words or {"booking", "appointment"} & words:
        return Guess("status", 0.95, "header.status", (key,), rank=4)
    if "회원" in key or {"member", "customer"} & words:
        return _SET_ASIDE  # a member's status (휴면, 정상): not the order's
    return Guess("status", 0.8, "header.status", (key,), rank=2)


_LINE_ID_KO = (
    "품목주문번호",
    "상품주문번호",
    "품목별주문번호",
    "주문상세번호",
    "주문품목번호",
    "상세주문번호",
)
_ORDER_ID_KO = (
    ("주문번호", 5),
    ("주문코드", 5),
    ("예약번호", 5),
    ("거래번호", 4),
    ("결제번호", 4),
    ("장바구니번호", 3),
    ("영수증번호", 3),
    ("전표번호", 3),
    ("승인번호", 2),
)


def _ids(key: str, words: set[str]) -> Guess | None:
    for word in _LINE_ID_KO:
        if word in key:
            return Guess("line_id", 0.95, "header.line_id", (word,))
    # An item's own order number, however the shop words it (주문섹션품목번호, 주문상품번호).
    if (
        "주문" in key
        and any(word in key for word in ("품목", "상품", "아이템", "섹션"))
        and key.endswith(("번호", "id", "no"))
    ):
        return Guess("line_id", 0.9, "header.line_id", ("주문", "품목", "번호"))
    if ("line" in words or "lineitem" in words) and words & {"id", "number", "no"}:
        return Guess("line_id", 0.9, "header.line_id", ("line", "id"))
    if {"order", "item"} <= words and words & {"id", "number", "no"}:
        return Guess("line_id", 0.85, "header.line_id", ("order", "item", "id"))
    for word, rank in _ORDER_ID_KO:
        if word in key and _role(key, words)[0] != "recipient":
            return Guess("order_id", 0.95, "header.order_id", (word,), rank=rank)
    numbered = words & {"id", "number", "no", "num", "#"} or key.endswith("#")
    for name, rank in (
        ("order", 5),
        ("booking", 5),
        ("appointment", 5),
        ("reservation", 5),
        ("invoice", 4),
        ("transaction", 4),
        ("payment", 4),
        ("receipt", 3),
        ("charge", 3),
        ("approval", 2),
    ):
        if name in words and (numbered or key == name):
            return Guess("order_id", 0.9, "header.order_id", (name, "id"), rank=rank)
    if key in ("tid", "oid", "id"):
        return Guess("order_id", 0.6, "header.order_id", (key,), rank=1)
    return None


def _person(key: str, words: set[str]) -> Guess | None:
    role, role_word = _role(key, words)
    rest = key.replace(role_word, "", 1) if role_word and role_word in key else key
    # Member numbers hold a role word of their own (회원번호, 고객번호): read on the whole key.
    id_word = next((word for word in _ID_KO if word in key), "") if role != "recipient" else ""
    field_name, field_word = ("customer_id", id_word) if id_word else _person_field(rest, words)
    if role == "other":
        return _SET_ASIDE if field_name else None
    if role == "recipient":
        if field_name == "phone":
            return Guess("delivery_phone", 0.9, "header.recipient_phone", (role_word, field_word))
        return _SET_ASIDE if field_name or not rest else None
    if not field_name:
        # A role alone ("주문자", "Customer", "예약자") names the person.
        if role and rest in ("", "명"):
            confidence = 0.6 if role_word in ("회원", "member", "user", "contact") else 0.85
            return Guess("name", confidence, "header.role_alone", (role_word,))
        return None
    # A mobile number over a landline: the number a person is known and reached by.
    mobile = field_name == "phone" and field_word in _MOBILE
    if role == "buyer":
        words_read = (role_word, field_word)
        return Guess(field_name, 0.95, "header.role_field", words_read, rank=3 + mobile)
    # A field word alone ("연락처", "Email"): likely the buyer's, less sure.
    return Guess(field_name, 0.75, "header.field_word", (field_word,), rank=1 + mobile)


def _person_field(rest: str, words: set[str]) -> tuple[str, str]:
    for word in _ID_KO:
        if word in rest:
            return "customer_id", word
    for word in _PHONE_KO:
        if word in rest:
            return "phone", word
    for word in _EMAIL_KO:
        if word in rest:
            return "email", word
    if (
        words & _PHONE_EN
        or {"text", "reminder", "number"} <= words
        or ("contact" in words and words & {"number", "no", "num"})
    ):
        return "phone", sorted(words & _PHONE_EN or {"number"})[0]
    if words & _EMAIL_EN:
        return "email", sorted(words & _EMAIL_EN)[0]
    if "first" in words and "name" in words:
        return "first_name", "first name"
    if "last" in words and "name" in words:
        return "last_name", "last name"
    if words & {"id", "number", "no", "code"} and words & (_BUYER_EN | {"membership", "loyalty"}):
        return "customer_id", "id"
    if "name" in words and not words & {"product", "item", "service", "event", "file", "company"}:
        return "name", "name"
    if words & {"company", "organization", "organisation", "business"}:
        return "company", "company"
    if rest in ("아이디", "id"):
        return "customer_id", rest
    for word in ("회사", "상호", "법인명"):
        if word in rest:
            return "company", word
    for word in _NAME_KO:
        if rest == word or (word != "명" and rest.endswith(word) and len(rest) <= 4):
            return "name", word
    return "", ""


# Times: which moment a column holds.
_TIME_END = ("일시", "일자", "날짜", "시간", "시각", "일", "date", "time")
_PAID_KO = ("결제", "입금", "승인", "거래", "매출", "판매", "구매확정")
_ORDERED_KO = ("주문", "구매", "접수", "신청", "등록", "예약신청", "예약접수")
_SERVICE_KO = (
    "이용",
    "방문",
    "예약",
    "시술",
    "촬영",
    "수업",
    "진료",
    "체크인",
    "입실",
    "시작",
    "행사",
)
_IGNORED_KO = (
    "배송",
    "발송",
    "출고",
    "수정",
    "정산",
    "만료",
    "종료",
    "퇴실",
    "가입",
    "생일",
    "마감",
    "기한",
    "송장",
)


def _times(key: str, words: set[str]) -> Guess | None:
    english_time = words & {
        "date",
        "time",
        "at",
        "datetime",
        "timestamp",
        "created",
        "when",
        "start",
        "starts",
    }
    korean_time = key.endswith(_TIME_END) or key in ("일시", "날짜", "일자") or "일시" in key
    if not english_time and not korean_time:
        return None
    # "…일" is a day only after a word of time: 요일, 이메일 and 품목 names end so too.
    timed = (*_PAID_KO, *_ORDERED_KO, *_SERVICE_KO, "취소", "날")
    if key.endswith("일") and not any(word in key for word in timed):
        return None
    if "취소" in key or words & {"cancelled", "canceled", "cancellation"}:
        return Guess("cancelled_at", 0.9, "header.cancelled_at", ("취소",))
    if any(word in key for word in _IGNORED_KO) or words & {
        "shipped",
        "updated",
        "modified",
        "end",
        "due",
        "birthday",
        "birth",
        "expires",
        "fulfilled",
        "delivered",
        "duration",
    }:
        return _SET_ASIDE
    if "time" in words and not words & {"date", "datetime", "timestamp", "created", "zone"}:
        return Guess("time_of_day", 0.8, "header.time_of_day", ("time",))
    # A time beside a date (예약일 and 예약시간): the clock of the day, read with the date.
    if key.endswith(("시간", "시각")) and not any(part in key for part in ("일시", "날짜", "일자")):
        return Guess("time_of_day", 0.8, "header.time_of_day", (key,))
    if (
        "예약신청" in key
        or "예약접수" in key
        or ("created" in words and "event" in words)
        or words & {"scheduled", "booked"}
    ):
        return Guess("ordered_at", 0.9, "header.ordered_at", ("예약", "신청"), rank=2)
    for word in _SERVICE_KO:
        if word in key:
            return Guess("service_at", 0.9, "header.service_at", (word,), rank=3)
    service = {"start", "starts", "appointment", "session", "visit", "booking", "reservation"}
    if words & (service | {"event"}):
        return Guess("service_at", 0.9, "header.service_at", tuple(sorted(words & service)), rank=3)
    for word in _PAID_KO:
        if word in key:
            return Guess("occurred_at", 0.95, "header.paid_at", (word,), rank=3)
    if words & {"paid", "payment", "transaction", "sale", "charged", "captured"}:
        return Guess("occurred_at", 0.9, "header.paid_at", ("paid",), rank=3)
    for word in _ORDERED_KO:
        if word in key:
            return Guess("ordered_at", 0.95, "header.ordered_at", (word,), rank=2)
    if words & {"order", "created", "purchase", "placed"}:
        return Guess("ordered_at", 0.9, "header.ordered_at", ("order",), rank=2)
    if key in ("시간", "시각", "time", "이용시간", "예약시간") or words == {"time"}:
        return Guess("time_of_day", 0.8, "header.time_of_day", ("time",))
    if words and not words & {"date", "datetime", "timestamp"}:
        return None  # "Lead time", "Time zone": not a moment
    return Guess("occurred_at", 0.7, "header.date_word", (key,), rank=1)


_PAID_MONEY = ("실결제", "결제", "승인", "입금", "매출", "거래")


def as_moment(text: str) -> Guess | None:
    """A "time" column that holds whole dates ("Start Time" of 2026-03-04 14:00): read as
    the moment its words name."""
    moment = re.sub(r"(?i)\btime\b", "date", text[:HEADER_CHARS])
    return guess(moment.replace("시간", "일시").replace("시각", "일시"))


def _money(key: str, words: set[str]) -> Guess | None:
    korean = next((word for word in _MONEY_KO if key.endswith(word) or word in key), "")
    if korean == "가" and not key.endswith(
        ("판매가", "결제가", "상품가", "정가", "실결제가", "단가")
    ):
        korean = ""
    english = words & _MONEY_EN or words & {"subtotal", "discount", "refund", "refunded"}
    if not korean and not english and "할인" not in key and "환불" not in key:
        return None
    if any(word in key for word in ("분류", "구분", "유형", "종류", "등급")) or words & {
        "type",
        "category",
        "tier",
    }:
        return None  # 가격분류, 금액구분: a kind of price, not an amount
    if "할인" in key or "discount" in words:
        return Guess("discount_amount", 0.85, "header.discount", ("할인",))
    if "환불" in key or "취소금액" in key or words & {"refund", "refunded"}:
        return Guess("refunded", 0.85, "header.refunded", ("환불",))
    if any(word in key for word in _NOT_PAID_KO) or words & _NOT_PAID_EN or "subtotal" in words:
        return _SET_ASIDE
    if any(word in key for word in ("단가", "판매가", "상품가격", "상품가", "정가", "개당")) or (
        words & {"unit", "each"}
        or ({"price"} & words and words & {"item", "product", "lineitem", "service"})
    ):
        return Guess("line_price", 0.85, "header.unit_price", ("단가",))
    order_level = key.startswith(("총", "최종")) or "합계" in key
    item_words = ("품목", "상품별", "품목별", "상품구매", "상품금액", "실결제가")
    if not order_level and (
        any(word in key for word in item_words) or words & {"line", "lineitem"}
    ):
        return Guess("line_total", 0.9, "header.line_amount", ("품목", "금액"))
    # What was finally paid (최종, 실) over what was paid over the order's amount over the
    # items' sum before discounts (총 품목합계금액, 총 상품금액).
    final = any(word in key for word in ("최종", "실결제", "실제")) or "final" in words
    paid_word = next((w for w in _PAID_MONEY if w in key), "")
    if paid_word or words & {"paid", "charged", "collected"}:
        why = (paid_word,) if paid_word else tuple(sorted(words & {"paid", "charged", "collected"}))
        return Guess("total", 0.95, "header.paid_amount", why, rank=4 + final)
    if "gross" in words:  # before discounts: below what was collected
        return Guess("total", 0.85, "header.order_amount", ("gross",), rank=2)
    if order_level and any(word in key for word in ("품목", "상품")):
        return Guess("total", 0.8, "header.order_amount", ("총", "품목"), rank=1)
    if "주문" in key or "order" in words or "총" in key or "합계" in key or "total" in words:
        return Guess("total", 0.9, "header.order_amount", ("주문금액",), rank=2 + 2 * final)
    if "price" in words:
        return Guess("line_price", 0.6, "header.unit_price", ("price",))
    return Guess("total", 0.75, "header.amount_word", (korean or "amount",), rank=1)


def _quantity(key: str, words: set[str]) -> Guess | None:
    if (
        "수량" in key
        or key in ("구매수", "개수", "주문수", "qty", "수")
        or words & {"qty", "quantity"}
        or ({"items", "count"} & words and "number" in words)
    ):
        return Guess("line_quantity", 0.9, "header.quantity", ("수량",))
    return None


_PRODUCT_KO = (
    "상품명",
    "품목명",
    "상품이름",
    "메뉴명",
    "서비스명",
    "예약상품",
    "시술명",
    "클래스명",
    "이용상품",
    "코스명",
)
_PRODUCT_WORDS = (
    "상품",
    "품목",
    "메뉴",
    "서비스",
    "제품",
    "시술",
    "코스",
    "클래스",
    "프로그램",
    "객실",
)


def _product(key: str, words: set[str]) -> Guess | None:
    if any(word in key for word in ("코드", "번호", "바코드")) and any(
        word in key for word in _PRODUCT_WORDS
    ):
        return Guess("line_sku", 0.85, "header.product_code", ("상품", "코드"))
    if words & {"sku", "barcode"} or (
        words & {"product", "item", "variant"} and words & {"id", "code", "number"}
    ):
        return Guess("line_sku", 0.85, "header.product_code", ("sku",))
    if "옵션" in key or "option" in words or "variant" in words or "카테고리" in key:
        return _SET_ASIDE
    for word in _PRODUCT_KO:
        if word in key:
            return Guess("line_name", 0.95, "header.product", (word,), rank=2)
    if key in _PRODUCT_WORDS or key in ("상품/서비스", "서비스/상품"):
        return Guess("line_name", 0.85, "header.product", (key,), rank=1)
    if words & {"product", "item", "service", "lineitem", "description", "menu"} or (
        {"event", "type"} <= words
    ):
        return Guess("line_name", 0.85, "header.product", ("product",), rank=1)
    return None


def _others(key: str, words: set[str]) -> Guess | None:
    if any(
        word in key
        for word in (
            "결제수단",
            "결제방법",
            "결제방식",
            "지불방법",
            "판매채널",
            "매출경로",
            "유입경로",
        )
    ):
        return Guess("channel", 0.85, "header.channel", ("결제수단",))
    if {"payment", "method"} <= words or words & {"channel", "source", "gateway"}:
        return Guess("channel", 0.8, "header.channel", ("channel",))
    if key in ("채널", "결제", "카드사"):
        return Guess("channel", 0.7, "header.channel", (key,))
    if any(
        word in key for word in ("메모", "비고", "요청사항", "메시지", "메세지", "요청")
    ) or words & {
        "note",
        "notes",
        "memo",
        "comment",
        "comments",
    }:
        return Guess("note", 0.8, "header.note", ("메모",))
    if "쿠폰" in key or "coupon" in words or {"discount", "code"} <= words:
        return Guess("discount_code", 0.8, "header.coupon", ("쿠폰",))
    if key in ("통화", "화폐", "currency") or "currency" in words:
        return Guess("currency", 0.9, "header.currency", ("통화",))
    return None


# -- a whole header ----------------------------------------------------------------------------


@dataclass
class HeaderReading:
    """A header read by meaning: the column chosen for each field, and the rest."""

    chosen: dict[str, Recognition] = field(default_factory=dict)
    set_aside: list[Recognition] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # columns naming nothing used
    # Columns of which no word was known (not a recipient's, not said "not used"): the only
    # ones whose values may tell what they hold.
    silent: list[int] = field(default_factory=list)

    @property
    def index(self) -> dict[str, int]:
        return {name: found.position for name, found in self.chosen.items()}

    def recognitions(self) -> list[Recognition]:
        return sorted([*self.chosen.values(), *self.set_aside], key=lambda r: r.position)


def read_header(header: list[str], remembered: dict[str, str] | None = None) -> HeaderReading:
    """Each column's field by meaning. `remembered` (a column's compact key -> field, or ""
    for "not used") is what the owner said of this source's files: it wins over a guess."""
    remembered = remembered or {}
    candidates: dict[str, list[tuple[tuple, Recognition]]] = {}
    reading = HeaderReading()
    extra_statuses: list[Recognition] = []
    for position, text in enumerate(header):
        key = compact(text[:HEADER_CHARS])
        if not key:
            continue
        if key in remembered:
            wanted = remembered[key]
            if not wanted:
                reading.unread.append(text)
                continue
            found = Recognition(position, text, wanted, 1.0, "header.remembered")
            candidates.setdefault(wanted, []).append(((9, 1.0, -position), found))
            continue
        guessed = read_words(text)
        if guessed is None or not guessed.field:
            reading.unread.append(text)
            if guessed is None:
                reading.silent.append(position)
            continue
        found = Recognition(
            position, text, guessed.field, guessed.confidence, guessed.reason, guessed.words
        )
        candidates.setdefault(guessed.field, []).append(
            ((guessed.rank, guessed.confidence, -position), found)
        )
    for name, options in candidates.items():
        options.sort(key=lambda option: option[0], reverse=True)
        best = options[0][1]
        reading.chosen[name] = best
        for _, other in options[1:]:
            if name == "status" and other.reason != "header.remembered":
                extra_statuses.append(other)
                continue
            reading.set_aside.append(
                Recognition(
                    other.position,
                    other.column,
                    other.field,
                    other.confidence,
                    RULES.get(name, "rule.first_and_surest"),
                    other.words,
                    lost_to=best.column,
                )
            )
    # Further status columns (배송상태 beside 주문상태) say more about the same order.
    for spare in ("status_detail", "claim_status"):
        if spare not in reading.chosen and extra_statuses:
            extra = extra_statuses.pop(0)
            reading.chosen[spare] = Recognition(
                extra.position, extra.column, spare, extra.confidence, extra.reason, extra.words
            )
    reading.unread.extend(extra.column for extra in extra_statuses)
    return reading
