"""One vocabulary of status words, for every file: what a status says happened to an order or
a booking. The marketplaces' words (취소완료, 입금전 취소, 배송중, 구매확정 ...), shop builders',
POS and payment services' words and English ones; what no rule knows is None (the caller keeps
the row and reports the word, which the owner can then say the meaning of)."""

from __future__ import annotations

# Order meanings: paid, pending (not yet paid: no purchase until it is), cancelled, failed,
# refunded, partially_refunded. A claim only requested, withdrawn or refused (취소요청,
# 반품철회, 교환거부) leaves the purchase standing.
_IN_PROGRESS = (
    "요청",
    "접수",
    "수거",
    "철회",
    "거부",
    "거절",
    "보류",
    "환불대기",
    "반품대기",
    "취소대기",
    "교환대기",
    "환불예정",
    "requested",
    "refundpending",
    "returnpending",
)
_FAILED = (
    "결제실패",
    "승인실패",
    "승인거절",
    "결제거절",
    "결제중단",
    "입금기한만료",
    "기한만료",
    "결제중지",
    "결제이탈",
    "failed",
    "declined",
    "expired",
    "오류",
)
_NOT_YET = ("미결제", "미입금", "notpaid", "unpaid", "partiallypaid", "partially_paid", "결제전")
_COMPLETED = (
    "입금완료",
    "결제완료",
    "입금확인",
    "shipment",
    "shipping",
    "shipped",
    "fulfil",
    "delivered",
    "배송",
    "발송",
    "출고",
)
_BARE_CLAIMS = ("취소", "반품", "환불", "교환", "cancel", "return", "refund")
# Any word of these not in a claim under way: the order was cancelled, or given back.
_CANCELLED_PARTS = ("취소", "cancel", "void")
_RETURNED_PARTS = ("반품", "환불", "refund", "return")
_PARTIAL = (
    "부분취소",
    "부분환불",
    "부분반품",
    "partiallyrefunded",
    "partially_refunded",
    "partial",
)
_PENDING = (
    "결제대기",
    "입금대기",
    "입금전",
    "미입금",
    "입금확인중",
    "결제전",
    "무통장대기",
    "가상계좌",
    "pending",
    "awaiting",
    "unpaid",
    "onhold",
    "on-hold",
    "authorized",
    "uncaptured",
)
_PAID = (
    "결제완료",
    "입금완료",
    "입금확인",
    "신규주문",
    "주문확인",
    "주문완료",
    "주문접수",
    "발주확인",
    "상품준비",
    "배송준비",
    "배송대기",
    "배송중",
    "배송완료",
    "발송완료",
    "발송대기",
    "출고",
    "구매확정",
    "거래완료",
    "거래종료",
    "교환",
    "승인",
    "정상",
    "완료",
    "매출",
    "판매",
    "paid",
    "completed",
    "complete",
    "shipped",
    "delivered",
    "fulfilled",
    "unfulfilled",
    "success",
    "succeeded",
    "approved",
    "captured",
    "processing",
    "settled",
    "sale",
    "closed",
    "open",
)


def word(text: str) -> str:
    """A status as compared: lower case, without spaces."""
    return "".join(str(text).lower().split())


def order_meaning(*texts: str) -> str | None:
    """paid, pending, cancelled, failed, refunded or partially_refunded from every status
    column of a row; None when no word of it is known."""
    words = [word(text) for text in texts if text and word(text)]
    if not words:
        return "paid"
    if any(part in w for w in words for part in _FAILED):
        return "failed"
    if any(w.startswith(_NOT_YET) for w in words) and not any(
        part in w for w in words for part in _CANCELLED_PARTS
    ):
        return "pending"  # "미결제", "Not paid", "Partially paid": not (wholly) paid yet
    # Words of a claim not (yet) done (주문취소요청, 반품철회) say nothing of what happened.
    done = [w for w in words if not any(part in w for part in _IN_PROGRESS)]
    if len(done) < len(words):
        # A claim under way in another column (취소철회, 반품요청): the bare word of its kind
        # in the status column (취소, 반품) is that claim, not a thing done.
        done = [w for w in done if w not in _BARE_CLAIMS]
    if any(part in w for w in done for part in _PARTIAL):
        return "partially_refunded"
    if any(part in w for w in done for part in _CANCELLED_PARTS):
        return "cancelled"
    if any(part in w for w in done for part in _RETURNED_PARTS):
        return "refunded"
    # A word of a thing done (가상계좌 입금완료, Awaiting shipment: paid, waiting to ship)
    # before a word of waiting.
    if any(part in w for w in words for part in _COMPLETED):
        return "paid"
    if any(part in w for w in done for part in _PENDING):
        return "pending"
    if any(part in w for w in words for part in _PAID) or len(done) < len(words):
        return "paid"
    return None


# Booking meanings: done (took place), booked (confirmed or upcoming), cancelled, no_show.
_NO_SHOW = (
    "노쇼",
    "noshow",
    "no-show",
    "불참",
    "미방문",
    "미이용",
    "미출석",
    "결석",
    "absent",
    "missed",
)
_BOOKING_CANCELLED = ("취소", "cancel", "거절", "거부", "declined", "rejected", "환불", "refunded")
_BOOKED = (
    "예약완료",
    "예약확정",
    "확정",
    "신청",
    "대기",
    "접수",
    "요청",
    "결제완료",
    "입금완료",
    "confirmed",
    "accepted",
    "booked",
    "scheduled",
    "pending",
    "requested",
    "active",
    "upcoming",
    "new",
)
_DONE = (
    "이용완료",
    "방문완료",
    "시술완료",
    "촬영완료",
    "수업완료",
    "체크아웃",
    "출석",
    "완료",
    "completed",
    "complete",
    "done",
    "attended",
    "arrived",
    "checkedout",
    "checked-out",
    "checkedin",
    "checked-in",
    "fulfilled",
    "served",
    "finished",
    "paid",
)


# The words a booking export's payment column (결제상태) starts with.
PAYMENT_WORDS = ("결제", "입금", "환불", "미결제", "paid", "unpaid", "payment", "refund")


def booking_meaning(*texts: str) -> str | None:
    """done, booked, cancelled or no_show from a booking row's status columns; None when no
    word is known."""
    words = [word(text) for text in texts if text and word(text)]
    # A booking export's payment column (결제상태) beside its booking state (상태): the
    # payment's words say what became of the booking only when nothing else does.
    booking_words = [w for w in words if not w.startswith(PAYMENT_WORDS)]
    if words and not booking_words:
        paid = order_meaning(*words)
        return "cancelled" if paid in ("cancelled", "refunded", "failed") else "booked"
    words = booking_words
    if not words:
        return "booked"
    if any(part in w for w in words for part in _NO_SHOW):
        return "no_show"
    if any(part in w for w in words for part in _BOOKING_CANCELLED) and not any(
        "취소요청" in w or "취소대기" in w for w in words
    ):
        return "cancelled"
    if any(w.startswith(("예약완료", "예약확정")) for w in words):
        return "booked"
    if any(part in w for w in words for part in _DONE):
        return "done"
    if any(part in w for w in words for part in _BOOKED):
        return "booked"
    return None


ORDER_MEANINGS = ("paid", "pending", "cancelled", "refunded")
BOOKING_MEANINGS = ("done", "booked", "cancelled", "no_show")
