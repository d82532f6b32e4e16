"""Any export understood without help: headers read as words (who + what, which time, which
amount), one vocabulary of statuses for every file, an owner's correction remembered for the
source, and the files the issue found refused before."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from patron.cli import main
from patron.commerce.importers.headers import guess, read_header
from patron.commerce.imports import ImportRejected, do_import_file
from patron.commerce.models import Engagement, ImportRun, Order, SourceReading
from patron.commerce.readings import do_remember_reading
from patron.parties.models import Party

# A year whose days are still ahead whenever the tests run (bookings upcoming).
AHEAD = dt.date.today().year + 2

# -- headers as words ----------------------------------------------------------------------------

BUYERS = ["주문자", "구매자", "예약자", "회원", "고객", "주문고객"]
RECIPIENTS = ["수령인", "수령자", "수취인", "받는분", "받는 분"]
FIELDS_KO = {
    "name": ["이름", "명", "성명"],
    "phone": ["휴대폰", "휴대전화", "핸드폰", "연락처", "전화번호", "휴대폰번호"],
    "email": ["이메일", "메일", "e-mail"],
    "customer_id": ["아이디", "ID", "회원번호"],
}
BUYERS_EN = ["Customer", "Buyer", "Client", "Billing", "Invitee", "Member"]
FIELDS_EN = {"name": ["Name"], "phone": ["Phone", "Mobile"], "email": ["Email", "E-mail"]}


@st.composite
def dressed(draw, role: str, word: str) -> str:
    """A header as shops write it: spaced or not, starred, bracketed, in English cases."""
    space = draw(st.sampled_from(["", " ", "  "]))
    text = f"{role}{space}{word}" if word != "명" else f"{role}명"
    form = draw(st.sampled_from(["plain", "star", "star_front", "bracket_role", "paren", "upper"]))
    if form == "star":
        text += "*"
    elif form == "star_front":
        text = "*" + text
    elif form == "bracket_role" and word != "명":
        text = f"[{role}] {word}"
    elif form == "paren":
        text += "(필수)"
    elif form == "upper":
        text = text.upper()
    return draw(st.sampled_from(["", " ", "\ufeff"])) + text + draw(st.sampled_from(["", " "]))


@st.composite
def buyer_header(draw) -> tuple[str, str]:
    field = draw(st.sampled_from(sorted(FIELDS_KO)))
    if draw(st.booleans()):
        role, word = draw(st.sampled_from(BUYERS)), draw(st.sampled_from(FIELDS_KO[field]))
    else:
        field = draw(st.sampled_from(sorted(FIELDS_EN)))
        role, word = draw(st.sampled_from(BUYERS_EN)), draw(st.sampled_from(FIELDS_EN[field]))
    return draw(dressed(role, word)), field


@settings(max_examples=300, deadline=None)
@given(buyer_header())
def test_a_role_and_a_field_name_the_buyers_field(case):
    header, field = case
    found = guess(header)
    assert found is not None and found.field == field, header
    assert found.confidence >= 0.9


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([*RECIPIENTS, "Shipping", "Recipient", "배송지"]),
    st.sampled_from([w for words in FIELDS_KO.values() for w in words] + ["Name", "Phone"]),
    st.sampled_from(["", " ", "*"]),
)
def test_a_recipients_column_is_never_the_buyers(role, word, dress):
    found = guess(f"{role} {word}{dress}")
    assert found is None or found.field not in {"name", "phone", "email", "customer_id"}
    if found is not None:
        assert found.field == "delivery_phone"


def test_what_was_collected_is_chosen_over_sales_before_discounts():
    reading = read_header(["Date", "Customer Name", "Gross Sales", "Total Collected"])
    assert reading.chosen["total"].column == "Total Collected"


def test_a_date_and_its_time_in_two_columns_are_both_read():
    reading = read_header(["예약번호", "예약자", "연락처", "예약일", "예약시간"])
    assert reading.chosen["service_at"].column == "예약일"
    assert reading.chosen["time_of_day"].column == "예약시간"


def test_a_header_where_two_columns_compete_says_which_was_chosen_and_why():
    reading = read_header(["주문일", "결제일", "총 주문금액", "품목실결제가", "주문자", "금액"])
    chosen = {name: found.column for name, found in reading.chosen.items()}
    assert chosen["occurred_at"] == "결제일" and chosen["ordered_at"] == "주문일"
    assert chosen["line_total"] == "품목실결제가" and chosen["total"] == "총 주문금액"
    aside = {found.column: (found.reason, found.lost_to) for found in reading.set_aside}
    assert aside["금액"] == ("rule.paid_amount_first", "총 주문금액")


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("결제일시(입금확인일)", "occurred_at"),
        ("이용일시", "service_at"),
        ("Start Date & Time", "service_at"),
        ("Event Created Date & Time", "ordered_at"),
        ("Marked as No-Show", "no_show"),
        ("구매수량", "line_quantity"),
        ("수 량", "line_quantity"),
        ("판매가", "line_price"),
        ("총 결제금액(KRW)", "total"),
        ("상품주문번호", "line_id"),
        ("예약번호", "order_id"),
        ("Text Reminder Number", "phone"),
        ("주문상태", "status"),
        ("Financial Status", "status"),
        ("받는이 연락처", "delivery_phone"),
        ("수령고객 연락처", "delivery_phone"),
        ("Deliver To Phone", "delivery_phone"),
        ("Contact Number", "phone"),
        ("Appointment Start", "service_at"),
        ("Date Scheduled", "ordered_at"),
        ("예약시간", "time_of_day"),
        ("주문섹션품목번호", "line_id"),
        ("총 품목합계금액", "total"),
    ],
)
def test_headers_of_other_tools_are_read_by_meaning(header, field):
    assert guess(header).field == field


@pytest.mark.parametrize(
    "header",
    ["배송비", "정산금액", "수수료", "옵션", "담당 디자이너", "요일", "추천인 아이디", "Paid?"],
)
def test_columns_that_are_no_purchase_are_not_read_as_one(header):
    assert guess(header) is None


# -- files refused before ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_line_per_item_download_is_read_by_its_role_and_field_words(write_csv):
    header = ["주문번호", "품목주문번호", "주문일", "주문자 이름", "주문자 연락처", "주문자 이메일"]
    header += [
        "상품명",
        "구매수량",
        "품목실결제가",
        "총 주문금액",
        "주문상태",
        "수령인",
        "수령인 연락처",
    ]
    rows = [
        header,
        [
            "A1",
            "A1-1",
            "2026-03-01 10:00",
            "김하나",
            "010-1234-5678",
            "hana@example.kr",
            "머그컵",
            "2",
            "20,000",
            "35,000",
            "배송완료",
            "박둘",
            "010-9999-8888",
        ],
        [
            "A1",
            "A1-2",
            "2026-03-01 10:00",
            "김하나",
            "010-1234-5678",
            "hana@example.kr",
            "접시",
            "1",
            "15,000",
            "35,000",
            "배송완료",
            "박둘",
            "010-9999-8888",
        ],
        [
            "A2",
            "A2-1",
            "2026-03-05 11:00",
            "이셋",
            "010-2222-3333",
            "set@example.kr",
            "머그컵",
            "1",
            "10,000",
            "10,000",
            "입금전 취소",
            "이셋",
            "010-2222-3333",
        ],
    ]
    report = do_import_file(write_csv("imweb.csv", rows), source="imweb")
    assert (report.orders_in_file, report.purchases, report.parties_created) == (2, 1, 2)
    first = Order.objects.get(external_id="A1")
    assert first.amount == Decimal(35000) and first.lines.count() == 2
    assert Order.objects.get(external_id="A2").status == "cancelled"
    # The recipient is never the buyer: 박둘 is nobody's name here.
    assert not Party.objects.filter(display_name="박둘").exists()
    assert first.party.display_name == "김하나"
    read = {item["column"]: item["field"] for item in report.recognised}
    assert read["주문자 연락처"] == "phone" and read["수령인 연락처"] == "delivery_phone"


@pytest.mark.django_db
def test_an_order_list_with_shop_status_words_keeps_every_row_and_one_party_a_buyer(write_csv):
    header = ["주문번호", "주문일시", "주문자", "주문자 휴대폰", "총 주문금액", "주문상태"]
    statuses = ["배송중", "입금전 취소", "구매확정", "결제대기", "배송준비중", "교환"]
    rows = [header] + [
        [
            f"S{i}",
            f"2026-03-{1 + i % 27:02d} 10:00",
            f"구매자{i % 9}",
            f"010-5555-{i % 9:04d}",
            f"{(i + 1) * 1000:,}원",
            statuses[i % len(statuses)],
        ]
        for i in range(36)
    ]
    report = do_import_file(write_csv("sixshop.csv", rows), source="sixshop")
    assert report.rejected_rows == 0 and report.orders_in_file == 36
    assert report.parties_created == 9  # by phone: nine buyers, not 36 strangers
    # 입금전 취소 is no purchase; 결제대기 is none until a later file says it was paid.
    assert report.purchases == 36 - 6 - 6
    assert report.unknown_statuses == []


@pytest.mark.django_db
def test_a_studio_booking_download_becomes_engagements(write_csv):
    rows = [
        ["예약번호", "예약자", "전화번호", "예약상품", "이용일시", "예약상태"],
        ["R1", "김하나", "010-1234-5678", "프로필 촬영", "2026-02-01 14:00", "이용완료"],
        ["R2", "김하나", "010-1234-5678", "가족 촬영", "2026-05-01 14:00", "이용완료"],
        ["R3", "김하나", "01012345678", "프로필 촬영", f"{AHEAD}-06-10 11:00", "확정"],
        ["R4", "박다섯", "010-7777-6666", "증명사진", "2026-04-01 10:00", "노쇼"],
        ["R5", "박다섯", "010-7777-6666", "증명사진", "2026-04-08 10:00", "취소"],
    ]
    path = write_csv("studio.csv", rows)
    report = do_import_file(path, source="studio")
    assert report.kind == "bookings" and report.engagements_created == 5
    assert (report.engagements_completed, report.engagements_upcoming) == (2, 1)
    assert (report.engagements_cancelled, report.engagements_no_show) == (1, 1)
    assert report.parties_created == 2 and Order.objects.count() == 0
    upcoming = Engagement.objects.get(external_id="R3")
    assert upcoming.status == "booked" and upcoming.title == "프로필 촬영"
    assert upcoming.started_at > timezone.now()
    again = do_import_file(path, source="studio")
    assert (again.engagements_created, again.engagements_unchanged) == (0, 5)
    assert Engagement.objects.count() == 5


@pytest.mark.django_db
def test_a_booking_export_with_date_and_time_apart_and_flags(write_csv):
    rows = [
        [
            "Invitee Name",
            "Invitee Email",
            "Event Type Name",
            "Start Date",
            "Start Time",
            "Canceled",
            "Marked as No-Show",
        ],
        ["Ann Lee", "ann@example.com", "Consultation", "2026-03-02", "2:30 PM", "false", ""],
        ["Ann Lee", "ann@example.com", "Consultation", "2026-04-02", "9:00 AM", "true", ""],
        ["Bo Kim", "bo@example.com", "Consultation", "2026-04-03", "11:15", "false", "Yes"],
    ]
    report = do_import_file(write_csv("calendly.csv", rows), source="calendly")
    assert report.kind == "bookings"
    assert (report.engagements_completed, report.engagements_cancelled) == (1, 1)
    assert report.engagements_no_show == 1
    first = Engagement.objects.get(title="Consultation", status="booked", started_at__month=3)
    local = timezone.localtime(first.started_at)
    assert (local.date(), local.hour, local.minute) == (dt.date(2026, 3, 2), 14, 30)


@pytest.mark.django_db
def test_a_booking_without_a_number_is_updated_when_its_state_changes(write_csv):
    header = ["Invitee Name", "Invitee Email", "Event Type Name", "Start Date & Time"]
    header += ["Canceled", "Marked as No-Show"]
    row = ["Ann Lee", "ann@example.com", "Consultation", "2026-03-02 2:30 pm", "false"]
    do_import_file(write_csv("one.csv", [header, [*row, ""]]), source="calendly")
    later = do_import_file(write_csv("two.csv", [header, [*row, "Yes"]]), source="calendly")
    assert (later.engagements_created, later.engagements_updated) == (0, 1)
    assert Engagement.objects.get().status == "no_show"


@pytest.mark.django_db
def test_an_order_total_repeated_on_each_item_row_is_counted_once(write_csv):
    rows = [
        ["주문번호", "주문일", "주문자", "주문자 휴대폰", "상품명", "수량", "총 주문금액"],
        ["Z1", "2026-03-01", "김하나", "010-1234-5678", "머그컵", "1", "30000"],
        ["Z1", "2026-03-01", "김하나", "010-1234-5678", "접시", "2", "30000"],
    ]
    do_import_file(write_csv("items.csv", rows), source="items")
    order = Order.objects.get()
    assert order.amount == 30000 and order.lines.count() == 2


@pytest.mark.django_db
def test_a_recipients_or_a_shops_number_is_never_read_from_its_values(write_csv):
    rows = [["주문번호", "결제일시", "결제금액", "주문자명", "수령인 이메일", "매장 전화번호"]] + [
        [f"Q{i}", "2026-03-01", "1000", f"손{i}", f"r{i}@example.com", "02-555-1234"]
        for i in range(5)
    ]
    report = do_import_file(write_csv("gift.csv", rows), source="gift")
    read = {item["column"]: item.get("used_as") for item in report.recognised}
    assert read.get("수령인 이메일") is None and read.get("매장 전화번호") is None
    assert not Party.objects.filter(contact_points__isnull=False).exists()


@pytest.mark.django_db
def test_one_party_across_a_marketplace_file_and_a_booking_file(write_csv):
    orders = [
        ["주문번호", "주문일시", "주문자", "주문자 휴대폰", "총 주문금액", "주문상태"],
        ["S1", "2026-03-01 10:00", "김하나", "010-1234-5678", "35000", "배송완료"],
    ]
    do_import_file(write_csv("shop.csv", orders), source="shop")
    bookings = [
        ["예약번호", "예약자", "연락처", "예약상품", "이용일시", "예약상태"],
        ["N1", "김하나님", "01012345678", "원데이 클래스", "2026-04-01 10:00", "이용완료"],
    ]
    report = do_import_file(write_csv("naver.csv", bookings), source="naver")
    assert report.parties_created == 0
    party = Party.objects.get()
    assert party.orders.count() == 1 and party.engagements.count() == 1


@pytest.mark.django_db
def test_a_refusal_names_the_columns_it_saw(write_csv):
    path = write_csv("odd.csv", [["Ref", "When", "Paid"], ["1", "x", "100"]])
    with pytest.raises(ImportRejected) as refused:
        do_import_file(path)
    assert "The file's columns: Ref, When, Paid." in str(refused.value)
    assert refused.value.params["seen"] == ["Ref", "When", "Paid"]


@pytest.mark.django_db
def test_a_column_without_a_telling_header_is_read_from_its_values(write_csv):
    rows = [["주문번호", "주문일", "결제금액", "추가정보"]] + [
        [f"P{i}", "2026-03-01", "1000", f"010-3333-{i:04d}"] for i in range(5)
    ]
    report = do_import_file(write_csv("pos.csv", rows), source="pos")
    assert report.parties_created == 5
    read = {item["column"]: item for item in report.recognised}
    assert read["추가정보"]["field"] == "phone"
    assert read["추가정보"]["reason"] == "header.values_phone"


# -- statuses ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unknown_status_keeps_its_row_is_reported_and_its_meaning_is_remembered(write_csv):
    rows = [
        ["주문번호", "주문일시", "고객명", "연락처", "결제금액", "주문상태"],
        ["U1", "2026-03-01", "김하나", "010-1234-5678", "1000", "특별처리"],
        ["U2", "2026-03-02", "김하나", "010-1234-5678", "1000", "특별처리"],
        ["U3", "2026-03-03", "김하나", "010-1234-5678", "1000", "특별주문"],
    ]
    path = write_csv("own.csv", rows)
    report = do_import_file(path, source="own")
    assert report.rejected_rows == 0 and report.purchases == 3
    assert {"status": "특별처리", "rows": 2} in report.unknown_statuses
    do_remember_reading("own", statuses={"특별처리": "pending"})
    again = do_import_file(path, source="own")
    assert again.purchases == 1 and Order.objects.get(external_id="U1").status == "pending"
    assert [item["status"] for item in again.unknown_statuses] == ["특별주문"]


@pytest.mark.django_db
def test_an_order_not_yet_paid_becomes_a_purchase_when_a_later_file_says_paid(write_csv):
    header = ["주문번호", "주문일시", "주문자", "주문자 휴대폰", "결제금액", "주문상태"]
    first = write_csv(
        "a.csv", [header, ["W1", "2026-03-01", "김", "010-1111-2222", "9000", "입금대기"]]
    )
    later = write_csv(
        "b.csv", [header, ["W1", "2026-03-01", "김", "010-1111-2222", "9000", "결제완료"]]
    )
    assert do_import_file(first, source="w").purchases == 0
    assert do_import_file(later, source="w").purchases == 1


# -- corrections remembered ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_correction_on_the_cli_is_used_for_the_next_file_of_that_source(write_csv, capsys):
    rows = [["번호", "날짜", "손님", "Ref", "금액"], ["1", "2026-03-01", "김하나", "M-1", "1000"]]
    first = write_csv("one.csv", rows)
    assert main(["import", str(first), "--source", "cafe", "--map", "Ref=customer_id"]) == 0
    assert SourceReading.objects.get(source="cafe").columns == {"ref": "customer_id"}
    later = write_csv("two.csv", [rows[0], ["2", "2026-03-02", "김하나", "M-1", "2000"]])
    capsys.readouterr()
    assert main(["import", str(later), "--source", "cafe", "--json"]) == 0
    assert Party.objects.count() == 1  # the member number matched, as the owner said
    read = {item["column"]: item for item in json.loads(capsys.readouterr().out)["recognised"]}
    assert (read["Ref"]["field"], read["Ref"]["reason"]) == ("customer_id", "header.remembered")


@pytest.mark.django_db
def test_a_correction_made_in_the_preview_is_used_for_the_next_file_of_that_source(
    client, manager, write_csv, worker
):
    header = ["주문번호", "주문일", "주문자", "비고", "결제금액"]
    first = write_csv("one.csv", [header, ["1", "2026-03-01", "김하나", "010-1234-5678", "1000"]])
    client.force_login(manager)
    with first.open("rb") as handle:
        response = client.post(
            reverse("import"), {"file": handle, "source": "kiosk", "preview": "on"}
        )
    preview = ImportRun.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    worker()
    preview.refresh_from_db()
    page = client.get(reverse("import_detail", args=[preview.pk])).content.decode()
    assert "How the columns were read" in page and "주문자" in page
    columns = preview.summary["header"]
    chosen = {"주문번호": "order_id", "주문일": "ordered_at", "주문자": "name"}
    chosen |= {"비고": "phone", "결제금액": "total"}
    form = {f"c{i}": chosen.get(name, "") for i, name in enumerate(columns)}
    response = client.post(reverse("import_columns", args=[preview.pk]), form)
    assert SourceReading.objects.get(source="kiosk").columns == {"비고": "phone"}
    again = ImportRun.objects.latest("pk")
    assert again.dry_run and again.pk != preview.pk
    # The next file of that source, from the page: its 비고 column is the phone, unasked.
    later = write_csv("two.csv", [header, ["2", "2026-03-02", "김하나", "010-1234-5678", "500"]])
    report = do_import_file(later, source="kiosk")
    read = {item["column"]: item for item in report.recognised}
    assert read["비고"]["field"] == "phone" and read["비고"]["reason"] == "header.remembered"
    assert Party.objects.get().contact_points.filter(kind="phone").exists()


@pytest.mark.django_db(transaction=True)
def test_a_status_meaning_said_on_the_page_is_kept_for_the_source(
    client, manager, write_csv, worker
):
    rows = [
        ["주문번호", "주문일", "주문자", "주문자 휴대폰", "결제금액", "주문상태"],
        ["1", "2026-03-01", "김하나", "010-1234-5678", "1000", "특별처리"],
        ["2", "2026-03-02", "김하나", "010-1234-5678", "1000", "배송완료"],
    ]
    path = write_csv("own.csv", rows)
    client.force_login(manager)
    with path.open("rb") as handle:
        client.post(reverse("import"), {"file": handle, "source": "own", "preview": "on"})
    worker()
    preview = ImportRun.objects.get()
    assert preview.summary["unknown_statuses"] == [{"status": "특별처리", "rows": 1}]
    page = client.get(reverse("import_detail", args=[preview.pk])).content.decode()
    assert "Status words Patron does not know" in page
    client.post(reverse("import_statuses", args=[preview.pk]), {"s0": "pending"})
    assert SourceReading.objects.get(source="own").statuses == {"특별처리": "pending"}
    worker()
    again = ImportRun.objects.latest("pk")
    assert again.dry_run and again.summary["unknown_statuses"] == []
    assert again.summary["purchases"] == 1  # 특별처리 is not paid yet, as the owner said


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nov 30, 2026", dt.datetime(2026, 11, 30)),
        ("October 14, 2026 10:00am", dt.datetime(2026, 10, 14, 10)),
        ("Mon, Nov 30, 2026 at 3:45 PM", dt.datetime(2026, 11, 30, 15, 45)),
        ("30 Nov 2026 14:00", dt.datetime(2026, 11, 30, 14)),
        ("27. 1. 15.(금) 오후 3:00", dt.datetime(2027, 1, 15, 15)),
        ("2026-11-24 오전 10:01", dt.datetime(2026, 11, 24, 10, 1)),
    ],
)
def test_dates_as_booking_and_shop_pages_write_them(text, expected):
    from patron.commerce.importers.values import parse_datetime

    assert parse_datetime(text, dt.UTC).replace(tzinfo=None) == expected


@pytest.mark.parametrize("text", ["04.03.25", "31.12.25", "Nov 31, 2026"])
def test_dates_that_could_be_read_two_ways_or_do_not_exist_are_refused(text):
    from patron.commerce.importers.values import BadValue, parse_datetime

    with pytest.raises(BadValue):
        parse_datetime(text, dt.UTC)


@pytest.mark.django_db
def test_a_file_sharing_a_marketplaces_headers_but_not_its_amount_is_read_by_meaning(write_csv):
    # A 네이버페이 settlement file: SmartStore's 주문번호, 상품주문번호 and 구매자명, but no
    # 최종 상품별 총 주문금액.
    header = ["정산예정일", "주문번호", "상품주문번호", "결제구분", "결제일", "구매자명"]
    header += ["구매자ID", "결제금액", "수수료", "정산예정금액"]
    rows = [header] + [
        [
            "2026-03-05",
            f"N{i}",
            f"N{i}-1",
            "결제",
            "2026-03-01",
            "김하나",
            "hana01",
            "10000",
            "300",
            "9700",
        ]
        for i in range(3)
    ]
    report = do_import_file(write_csv("settle.csv", rows))
    assert report.profile == "generic" and report.purchases == 3
    assert Order.objects.get(external_id="N0").amount == 10000


@pytest.mark.django_db
def test_an_appointment_book_without_amounts_is_read_as_bookings(write_csv):
    header = ["Date", "Time", "Duration", "Service", "Staff", "Client Name", "Client Phone"]
    rows = [
        [*header, "Status"],
        ["Sep 30, 2026", "3:00 PM", "60", "Cut", "Mia", "Ann Lee", "010-1111-2222", "Accepted"],
        ["Oct 7, 2026", "3:00 PM", "60", "Cut", "Mia", "Ann Lee", "010-1111-2222", "No Show"],
    ]
    report = do_import_file(write_csv("square.csv", rows), source="square-appointments")
    assert report.kind == "bookings" and report.engagements_no_show == 1
    booked = Engagement.objects.get(status="booked")
    assert timezone.localtime(booked.started_at).hour == 15


@pytest.mark.django_db
def test_a_payment_then_its_cancellation_is_one_cancelled_order_dated_when_paid(write_csv):
    rows = [
        ["거래일시", "거래상태", "주문번호", "구매자명", "구매자 휴대폰", "승인금액"],
        ["2026-11-15 10:00", "취소", "P1", "김하나", "010-1234-5678", "5000"],
        ["2026-11-09 10:00", "승인", "P1", "김하나", "010-1234-5678", "5000"],
    ]
    report = do_import_file(write_csv("pg.csv", rows), source="pg")
    assert report.issues == [] and report.purchases == 0
    cancelled = Order.objects.get()
    assert cancelled.status == "cancelled"
    assert timezone.localtime(cancelled.occurred_at).date() == dt.date(2026, 11, 9)


@pytest.mark.django_db
def test_a_dry_run_remembers_nothing_and_a_file_wholly_refused_fails(write_csv, capsys):
    rows = [["번호", "날짜", "손님", "Ref", "금액"], ["1", "2026-03-01", "김하나", "M-1", "1000"]]
    path = write_csv("one.csv", rows)
    argv = ["import", str(path), "--source", "cafe", "--map", "Ref=customer_id", "--dry-run"]
    assert main([*argv, "--status", "특별=paid"]) == 0
    assert not SourceReading.objects.exists()
    bad = write_csv(
        "bad.csv", [["주문번호", "주문일", "주문자", "금액"], ["1", "언젠가", "김", "1"]]
    )
    assert main(["import", str(bad)]) == 1


@pytest.mark.django_db
def test_a_refunded_order_without_a_refund_column_gave_all_of_it_back(write_csv):
    rows = [
        ["주문번호", "주문일", "주문자", "주문자 휴대폰", "결제금액", "주문상태"],
        ["R1", "2026-03-01", "김하나", "010-1234-5678", "7000", "환불완료"],
    ]
    do_import_file(write_csv("refund.csv", rows), source="r")
    order = Order.objects.get()
    assert (order.status, order.refunded_amount) == ("refunded", 7000)


@pytest.mark.django_db
def test_a_time_column_holding_whole_dates_is_when_the_booking_takes_place(write_csv):
    header = ["Start Time", "First Name", "Last Name", "Phone", "Type", "Appointment ID"]
    rows = [
        header,
        ["October 14, 2026 10:00am", "Ann", "Lee", "010-1111-2222", "Massage", "A1"],
        [f"January 20, {AHEAD} 4:30pm", "Ann", "Lee", "010-1111-2222", "Massage", "A2"],
    ]
    report = do_import_file(write_csv("acuity.csv", rows), source="acuity")
    assert report.kind == "bookings" and report.engagements_upcoming == 1
    started = timezone.localtime(Engagement.objects.get(external_id="A1").started_at)
    assert (started.month, started.day, started.hour) == (10, 14, 10)


@pytest.mark.django_db
def test_a_paid_booking_is_a_purchase_dated_when_it_was_booked_never_ahead(write_csv):
    rows = [
        ["예약번호", "예약신청일시", "예약자", "전화번호", "상품", "이용일시", "상태", "결제금액"],
        [
            "B1",
            "2026-11-01 09:00",
            "김하나",
            "010-1234-5678",
            "클래스",
            f"{AHEAD}-06-01 14:00",
            "확정",
            "30000",
        ],
    ]
    do_import_file(write_csv("paid.csv", rows), source="paid")
    order = Order.objects.get()
    assert timezone.localtime(order.occurred_at).date() == dt.date(2026, 11, 1)
    assert Engagement.objects.get().started_at > timezone.now()
    undated = [
        ["예약번호", "예약자", "전화번호", "상품", "이용일시", "상태", "결제금액"],
        ["B2", "김하나", "010-1234-5678", "클래스", f"{AHEAD}-07-01 14:00", "확정", "30000"],
    ]
    report = do_import_file(write_csv("undated.csv", undated), source="undated")
    # Paid for a day ahead, no date of booking: a purchase on its day, not before.
    assert report.purchases == 0 and not Order.objects.filter(external_id="B2").exists()
