"""Korean marketplace exports: each one recognised from its headers and read right, whatever
row its header is on, protected or not, legacy Excel or CSV. The sample files are built by
tests/data/marketplaces/build.py from the platforms' column lists (no real person's data)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from patron import jobs
from patron.cli import PROFILES as CLI_PROFILES
from patron.cli import main
from patron.commerce.importers.pipeline import LineRecord, OrderRecord, line_state
from patron.commerce.importers.profiles import PROFILES, detect_profile, header_key
from patron.commerce.importers.reading import find_header
from patron.commerce.imports import ImportRejected, do_import_file
from patron.commerce.models import ImportRun, Order
from patron.parties.models import Consent, ContactPoint, Party
from patron.parties.normalize import is_safe_number

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).parent.parent / "data" / "marketplaces"
PASSWORD = "hanok-2026"  # the locked sample's password (build.py)


@pytest.fixture
def market(tmp_path):
    """A copy of a marketplace sample, so that a test may change it."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copyfile(SAMPLES / name, target)
        return target

    return copy


def order(source: str, number: str) -> Order:
    return Order.objects.get(source=source, external_id=number)


def party_named(name: str) -> Party:
    return Party.objects.get(display_name=name)


@pytest.mark.parametrize(
    ("name", "profile"),
    [
        ("smartstore_1.xlsx", "smartstore"),
        ("coupang_DeliveryList.xlsx", "coupang"),
        ("cafe24_orders.csv", "cafe24"),
        ("11st_orders.xls", "11st"),
        ("esm_orders.xls", "esm"),
    ],
)
def test_each_marketplace_is_recognised_from_its_headers(market, name, profile):
    report = do_import_file(market(name))
    assert report.profile == profile and report.source == profile
    assert report.rejected_rows == 0


def test_smartstore_lines_make_checkouts_with_cancellations_and_returns(market):
    report = do_import_file(market("smartstore_1.xlsx"))
    # 11 line rows under an instruction row and the header on row 2: 8 checkouts.
    assert (report.rows, report.orders_created) == (11, 8)
    assert report.last_row_kept == 13
    # Every line cancelled: no purchase. The rest are purchases (a return included).
    assert order("smartstore", "2026110298765402").status == "cancelled"
    assert report.purchases == 7
    two_lines = order("smartstore", "2026110198765401")
    assert two_lines.amount == 78000 and two_lines.lines.count() == 2
    # One line of two cancelled: a purchase of the other line only.
    partly = order("smartstore", "2026110398765403")
    assert (partly.status, partly.amount) == ("paid", 18000)
    assert [line.name for line in partly.lines.all()] == ["우전 녹차 50g"]
    returned = order("smartstore", "2026110498765404")
    assert (returned.status, returned.refunded_amount) == ("refunded", 89000)
    # A cancellation only requested leaves the purchase standing.
    assert order("smartstore", "2026110698765406").status == "paid"
    # The final line amount (after the seller's discount) is what was paid.
    interleaved = order("smartstore", "2026110798765407")
    assert interleaved.amount == 51000 + 89000
    assert sorted(line.name for line in interleaved.lines.all()) == ["무쇠 주전자", "우전 녹차 50g"]
    assert Party.objects.count() == 7  # 김하늘 bought twice


def test_smartstore_times_are_korean_and_from_the_payment_date(market):
    do_import_file(market("smartstore_1.xlsx"))
    paid = order("smartstore", "2026110198765401").occurred_at
    assert paid.isoformat() == "2026-11-01T01:12:03+00:00"  # 10:12:03 in Seoul


def test_a_safe_number_never_becomes_a_partys_phone(market):
    do_import_file(market("smartstore_1.xlsx"))
    do_import_file(market("coupang_DeliveryList.xlsx"))
    do_import_file(market("11st_orders.xls"))
    do_import_file(market("esm_orders.xls"))
    assert not Party.objects.filter(phone__startswith="+8250").exists()
    assert not ContactPoint.objects.filter(value__startswith="+8250").exists()
    # 최민준's own number in the buyer column is a safe number: he is known by his ID only.
    minjun = party_named("최민준")
    assert minjun.phone == ""
    kept = order("smartstore", "2026110598765405")
    assert kept.delivery_contact == "0504-2222-3305"
    # The recipients' safe numbers stay on their orders, for the delivery only.
    assert order("coupang", "31000000002").delivery_contact == "0508-3000-0002"
    assert party_named("강태오").phone == "+821011112002"  # the buyer's own number
    assert party_named("서지호").phone == ""  # 11번가 gave only the recipient's safe number


def test_the_same_buyer_across_two_files_of_a_marketplace_is_one_party(market):
    do_import_file(market("smartstore_1.xlsx"))
    second = do_import_file(market("smartstore_2.xlsx"))
    assert second.parties_created == 0
    haneul = party_named("김하늘")
    assert Party.objects.filter(display_name="김하늘").count() == 1
    assert haneul.orders.count() == 3
    # The order both files hold is one order; the cancellation that went through updates it.
    assert (second.orders_created, second.orders_updated, second.orders_unchanged) == (1, 1, 1)
    assert order("smartstore", "2026110698765406").status == "cancelled"

    do_import_file(market("coupang_DeliveryList.xlsx"))
    later = do_import_file(market("coupang_DeliveryList_2.xlsx"))
    # Coupang names no buyer ID: the buyer is found again by name and phone.
    assert later.parties_created == 0
    assert party_named("송예린").orders.count() == 2


def test_importing_a_marketplace_file_again_adds_nothing(market):
    path = market("smartstore_1.xlsx")
    do_import_file(path)
    again = do_import_file(path)
    assert (again.orders_created, again.orders_updated, again.parties_created) == (0, 0, 0)
    assert again.orders_unchanged == 8
    assert Order.objects.count() == 8


def test_marketplace_parties_carry_no_marketing_consent(market):
    do_import_file(market("cafe24_orders.csv"))
    do_import_file(market("smartstore_1.xlsx"))
    assert not Consent.objects.exists()


def test_a_password_protected_workbook_imports_with_its_password(market):
    report = do_import_file(market("smartstore_locked.xlsx"), password=PASSWORD)
    assert report.profile == "smartstore"
    assert (report.orders_created, report.purchases) == (8, 7)
    run = ImportRun.objects.get(pk=report.run_id)
    stored = json.dumps(
        {field.name: str(getattr(run, field.attname)) for field in ImportRun._meta.fields}
    )
    assert PASSWORD not in stored


@pytest.mark.parametrize(
    ("password", "code", "words"),
    [(None, "file.password_needed", "password-protected"), ("wrong", "file.password_wrong", "")],
)
def test_a_protected_workbook_without_its_password_is_refused_clearly(
    market, password, code, words
):
    with pytest.raises(ImportRejected) as refused:
        do_import_file(market("smartstore_locked.xlsx"), password=password)
    assert refused.value.code == code
    message = str(refused.value)
    assert "\n" not in message and words in message
    run = ImportRun.objects.get()
    assert run.status == "failed" and run.problem["code"] == code
    assert not Order.objects.exists()


def test_cli_opens_a_protected_workbook_with_password(market, capsys):
    path = market("smartstore_locked.xlsx")
    assert main(["import", str(path), "--json", "--password", PASSWORD]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["orders_created"] == 8 and summary["profile"] == "smartstore"


def test_cli_without_the_password_says_so_in_one_line(market, capsys):
    assert main(["import", str(market("smartstore_locked.xlsx"))]) == 1
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "--password" in error


def test_cli_asks_for_the_password_when_given_no_value(market, capsys, monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda prompt: PASSWORD)
    path = market("smartstore_locked.xlsx")
    assert main(["import", str(path), "--json", "--password"]) == 0
    assert json.loads(capsys.readouterr().out)["orders_created"] == 8


@pytest.fixture
def own_uploads(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"


def upload(client, name: str, password: str = ""):
    data = (SAMPLES / name).read_bytes()
    return client.post(
        reverse("import"),
        {"file": SimpleUploadedFile(name, data), "password": password},
    )


def test_import_page_opens_a_protected_workbook_with_the_typed_password(
    client, teammate, own_uploads
):
    client.force_login(teammate)
    response = upload(client, "smartstore_locked.xlsx", PASSWORD)
    assert response.status_code == 302
    run = ImportRun.objects.get()
    # What waits for the worker is the opened workbook: the password went no further.
    stored = jobs.upload_path(run.upload)
    assert stored.read_bytes()[:4] == b"PK\x03\x04"
    jobs.import_file.call(run.pk)
    run.refresh_from_db()
    assert run.status == "done" and run.summary["orders_created"] == 8


@pytest.mark.parametrize("password", ["", "not-it"])
def test_import_page_refuses_a_protected_workbook_without_its_password(
    client, teammate, own_uploads, password
):
    client.force_login(teammate)
    response = upload(client, "smartstore_locked.xlsx", password)
    assert response.status_code == 400
    page = response.content.decode()
    assert "password" in page.lower()
    assert 'type="password"' in page and PASSWORD not in page
    assert not ImportRun.objects.exists()
    assert list(jobs.upload_dir().iterdir()) == []  # the locked file is not kept


def test_coupang_option_rows_make_one_order(market):
    report = do_import_file(market("coupang_DeliveryList.xlsx"))
    assert (report.rows, report.orders_created, report.purchases) == (4, 3, 3)
    both = order("coupang", "31000000001")
    assert both.amount == 24000 + 33000
    assert sorted((line.quantity, line.unit_price) for line in both.lines.all()) == [
        (Decimal(1), Decimal(33000)),
        (Decimal(2), Decimal(12000)),
    ]


def test_cafe24_spacing_variants_and_its_statuses(market):
    report = do_import_file(market("cafe24_orders.csv"))
    assert report.encoding == "cp949"
    assert (report.orders_created, report.purchases) == (3, 2)
    paid = order("cafe24", "20261101-0000011")
    assert (paid.status, paid.amount, paid.lines.count()) == ("paid", 42000, 2)
    # "입금전 취소 - 관리자": cancelled before payment; it happened when it was ordered.
    cancelled = order("cafe24", "20261102-0000012")
    assert cancelled.status == "cancelled"
    assert cancelled.occurred_at.isoformat() == "2026-11-02T09:30:00+00:00"
    eunbi = party_named("조은비")
    assert (eunbi.email, eunbi.phone, eunbi.orders.count()) == (
        "eunbi@example.com",
        "+821055550001",
        2,
    )


def test_11st_legacy_workbook_with_a_title_row_and_starred_headers(market):
    report = do_import_file(market("11st_orders.xls"))
    assert report.encoding == "xls"
    assert (report.orders_created, report.purchases) == (2, 1)
    assert order("11st", "202611050001").amount == 21000 + 32000
    assert order("11st", "202611060002").status == "cancelled"


def test_esm_groups_each_payments_items_into_one_checkout(market):
    report = do_import_file(market("esm_orders.xls"))
    assert (report.rows, report.orders_created) == (3, 2)
    cart = order("esm", "7700001")
    assert cart.amount == 44000 and cart.lines.count() == 2
    # Excel date cells, read as the Korean time they show.
    assert cart.occurred_at.isoformat() == "2026-11-08T02:01:00+00:00"


def test_a_bad_row_is_named_by_its_spreadsheet_row(tmp_path):
    source = openpyxl.load_workbook(SAMPLES / "smartstore_1.xlsx")
    sheet = source.active
    amount = [cell.value for cell in sheet[2]].index("최종 상품별 총 주문금액") + 1
    sheet.cell(row=5, column=amount, value="열두만원")
    path = tmp_path / "smartstore.xlsx"
    source.save(path)
    report = do_import_file(path)
    assert [(r.row, r.field) for r in report.rejections] == [(5, "최종 상품별 총 주문금액")]
    # The rest of the file is kept: that order was the only one on row 5.
    assert report.orders_created == 7


@pytest.mark.parametrize(
    ("written", "same_as"),
    [("수 량", "수량"), ("총 결제금액(KRW)", "총결제금액(KRW)"), ("주문번호*", "주문번호")],
)
def test_headers_compare_without_spaces_or_a_trailing_star(written, same_as):
    assert header_key(written) == header_key(same_as)


def test_the_header_is_found_below_a_title_row():
    rows = iter(
        [
            (1, ["상품 주문 내역 (2026-11-01 ~ 2026-11-07)", "", ""]),
            (2, ["주문번호*", "구매자명", "결제일"]),
            (3, ["1001", "김하늘", "2026-11-01"]),
        ]
    )
    header, rest = find_header(rows)
    assert header == ["주문번호*", "구매자명", "결제일"]
    assert list(rest) == [(3, ["1001", "김하늘", "2026-11-01"])]


def test_generic_profile_reads_common_korean_synonyms(write_csv):
    path = write_csv(
        "orders.csv",
        [
            ["상품주문번호", "주문일자", "구매자", "휴대폰", "수 량", "판매가"],
            ["A-1", "2026-11-01", "김하늘", "010-2345-6701", "2", "12,000"],
        ],
    )
    report = do_import_file(path)
    assert report.profile == "generic" and report.orders_created == 1
    assert Order.objects.get().amount == 24000


def test_marketplace_profiles_are_offered_on_the_command_line():
    assert set(CLI_PROFILES) == set(PROFILES)
    assert detect_profile(["주문번호", "구매자명"]).name == "generic"


@pytest.mark.parametrize(
    ("statuses", "state"),
    [
        (("배송완료", "구매확정", ""), "paid"),
        (("취소", "취소완료", "취소완료"), "cancelled"),
        (("입금전 취소 - 관리자",), "cancelled"),
        (("배송완료", "배송완료", "취소요청"), "paid"),
        (("취소", "", "취소철회"), "paid"),
        (("반품", "반품완료", "반품완료"), "returned"),
        (("반품", "", "반품요청"), "paid"),
        (("배송 완료",), "paid"),
        (("결제대기",), "pending"),
        (("교환", "교환완료", ""), "paid"),
    ],
)
def test_marketplace_statuses_read_as_what_happened_to_the_line(statuses, state):
    assert line_state(*statuses) == state


@pytest.mark.parametrize(
    ("number", "region", "safe"),
    [
        ("0504-1234-5678", "KR", True),
        ("0505-123-4567", "KR", True),
        ("+82 504-1234-5678", "US", True),
        ("504-1234-5678", "KR", True),  # a spreadsheet dropped the leading zero
        ("010-1234-5678", "KR", False),
        ("02-123-4567", "KR", False),
        ("504-555-1234", "US", False),  # New Orleans, not a safe number
    ],
)
def test_safe_numbers_are_known_as_such(number, region, safe):
    assert is_safe_number(number, region) is safe


def test_a_web_page_saved_as_xls_is_refused_with_what_to_do(tmp_path):
    page = tmp_path / "주문내역.xls"
    page.write_text("<html><table><tr><td>주문번호</td></tr></table></html>", encoding="utf-8")
    with pytest.raises(ImportRejected) as refused:
        do_import_file(page)
    assert refused.value.code == "file.web_page" and ".xlsx" in str(refused.value)


def test_a_protection_asking_for_millions_of_hash_rounds_is_refused_before_any(tmp_path):
    # Each try of a password would cost the worker minutes: refused before hashing anything.
    locked = (SAMPLES / "smartstore_locked.xlsx").read_bytes()
    assert locked.count(b'spinCount="100000"') == 1
    path = tmp_path / "costly.xlsx"
    path.write_bytes(locked.replace(b'spinCount="100000"', b'spinCount="999999"'))
    with pytest.raises(ImportRejected) as refused:
        do_import_file(path, password=PASSWORD)
    assert refused.value.code == "file.password_unusual"


def test_a_damaged_legacy_workbook_is_refused_clearly(tmp_path):
    damaged = bytearray((SAMPLES / "esm_orders.xls").read_bytes())
    damaged[600:2000] = b"\xff" * 1400
    path = tmp_path / "esm.xls"
    path.write_bytes(bytes(damaged))
    with pytest.raises(ImportRejected) as refused:
        do_import_file(path)
    assert refused.value.code in {"file.workbook_unreadable", "file.sheet_empty"}


SMARTSTORE_HEADER = ["상품주문번호", "주문번호", "구매자명", "구매자ID", "결제일", "상품명", "수량"]
SMARTSTORE_HEADER += ["최종 상품별 총 주문금액", "주문상태", "클레임상태", "구매자연락처"]


def line_row(line, number, buyer, product="녹차", amount="1000", phone="") -> list[str]:
    """A SmartStore row (SMARTSTORE_HEADER), the buyer's ID made from their name."""
    paid = "2026-11-01 10:00"
    return [line, number, buyer, f"id-{buyer}", paid, product, "1", amount, "배송완료", "", phone]


def test_an_orders_lines_a_whole_file_apart_are_one_order(write_csv):
    # Sellers sort a download by product to pack it: each order's two lines are 300 rows apart.
    first = [
        line_row(f"L{n}-1", f"O{n}", f"구매자{n}", phone=f"010-1000-{n:04d}") for n in range(300)
    ]
    second = [
        line_row(f"L{n}-2", f"O{n}", f"구매자{n}", "찻잔", "2000", f"010-1000-{n:04d}")
        for n in range(300)
    ]
    report = do_import_file(write_csv("smartstore.csv", [SMARTSTORE_HEADER, *first, *second]))
    assert report.profile == "smartstore"
    assert (report.orders_created, report.duplicate_ids) == (300, 0)
    assert set(Order.objects.values_list("amount", flat=True)) == {3000}
    assert Order.objects.get(external_id="O7").lines.count() == 2
    assert report.last_row_kept == 601


def test_an_order_kept_without_a_rejected_row_says_so(write_csv):
    rows = [line_row("L1", "O1", "김하늘"), line_row("L2", "O1", "김하늘", "찻잔", "이천원")]
    report = do_import_file(write_csv("smartstore.csv", [SMARTSTORE_HEADER, *rows]))
    assert [r.row for r in report.rejections] == [3]
    assert {"code": "import.order_without_rows", "order": "O1", "rows": [3]} in report.issues
    assert Order.objects.get().amount == 1000


def test_a_claim_only_requested_is_no_cancellation_however_it_is_worded():
    assert line_state("주문취소요청") == "paid"
    assert line_state("결제취소요청") == "paid"
    assert line_state("주문취소") == "cancelled"


def test_a_generic_file_with_line_numbers_keeps_its_statuses(write_csv):
    path = write_csv(
        "orders.csv",
        [
            ["Order ID", "Line ID", "Date", "Name", "Product", "Amount", "Status"],
            ["A", "A-1", "2026-11-01", "Kim", "Tea", "1000", "paid"],
            ["A", "A-2", "2026-11-01", "Kim", "Cup", "3000", "paid"],
            ["B", "B-1", "2026-11-02", "Lee", "Tea", "1000", "failed"],
            ["C", "C-1", "2026-11-03", "Park", "Tea", "1000", "refunded"],
            ["D", "D-1", "2026-11-04", "Choi", "Tea", "1000", "lost in the post"],
        ],
    )
    report = do_import_file(path)
    assert report.profile == "generic"
    assert order("generic", "A").amount == 4000  # each row's amount is its line's
    assert order("generic", "B").status in {"failed", "cancelled"}
    refunded = order("generic", "C")
    assert (refunded.status, refunded.refunded_amount) == ("refunded", 1000)
    # A status no rule knows keeps its row as a purchase, and is reported with its count.
    assert report.rejections == [] and order("generic", "D").status == "paid"
    assert report.unknown_statuses == [{"status": "lost in the post", "rows": 1}]


def test_orders_kept_before_marketplaces_keep_their_digest():
    # The order's fingerprint is what tells a re-import "unchanged": it must not move for
    # files without a line number or a delivery contact.
    record = OrderRecord(
        row_no=2,
        order_id="#1",
        occurred_at=dt.datetime(2026, 1, 1, 9, 0),
        status="paid",
        currency="KRW",
        total=Decimal(1000),
        name="Kim",
        lines=[LineRecord("Tea", "T1", Decimal(1), Decimal(1000))],
    )
    parts = ["#1", "2026-01-01T09:00:00", "paid", "KRW", "1000", "0", "0", "", "", "", ""]
    parts += ["Kim", "", "", "", "Tea", "T1", "1", "1000"]
    expected = hashlib.md5("\x1f".join(parts).encode(), usedforsecurity=False).hexdigest()
    assert record.digest() == expected


def test_a_data_row_is_never_taken_for_the_header(write_csv):
    path = write_csv(
        "odd.csv",
        [
            ["Ref", "When", "Who", "Via", "Kind", "Sum"],
            ["1", "2026-11-01", "Kim", "mobile", "paid", "1000"],
            ["2", "2026-11-02", "Lee", "web", "paid", "2000"],
        ],
    )
    with pytest.raises(ImportRejected) as refused:
        do_import_file(path)
    assert refused.value.code == "file.no_date_column"
    mapped = do_import_file(path, mapping={"When": "occurred_at", "Who": "name", "Sum": "total"})
    assert (mapped.rows, mapped.orders_created) == (2, 2)


def test_a_plain_workbook_upload_is_not_unpacked_to_look_for_a_password(own_uploads, monkeypatch):
    import msoffcrypto

    def unpacks(_handle):
        raise AssertionError("a plain workbook went to msoffcrypto")

    monkeypatch.setattr(msoffcrypto, "OfficeFile", unpacks)
    name = jobs.store_upload([(SAMPLES / "smartstore_1.xlsx").read_bytes()], "a.xlsx")
    assert jobs.unlock_upload(name, "a.xlsx", None) == name


def test_a_safe_number_written_with_the_country_code_is_still_one(write_csv):
    rows = [
        line_row("L1", "O1", "김하늘", phone="+82-0504-1234-5678"),
        line_row("L2", "O2", "이준호", phone="82 504 1234 5679"),
    ]
    do_import_file(write_csv("smartstore.csv", [SMARTSTORE_HEADER, *rows]))
    assert set(Party.objects.values_list("phone", flat=True)) == {""}
    assert not ContactPoint.objects.filter(kind="phone").exists()


def test_a_legacy_workbook_too_large_to_read_whole_is_refused(market, monkeypatch):
    monkeypatch.setattr("patron.commerce.importers.reading._XLS_MAX_BYTES", 1000)
    with pytest.raises(ImportRejected) as refused:
        do_import_file(market("esm_orders.xls"))
    assert refused.value.code == "file.xls_too_large" and ".xlsx" in str(refused.value)


def test_a_protected_workbook_too_large_to_open_in_memory_is_refused(market, monkeypatch):
    monkeypatch.setattr("patron.commerce.importers.reading._PROTECTED_MAX_BYTES", 1000)
    with pytest.raises(ImportRejected) as refused:
        do_import_file(market("smartstore_locked.xlsx"), password=PASSWORD)
    assert refused.value.code == "file.protected_too_large"


def test_a_marketplace_is_named_as_its_sellers_call_it_in_korean():
    from django.utils import translation

    from patron.commerce.wording import source_label

    with translation.override("ko"):
        assert source_label("smartstore") == "네이버 스마트스토어"
        assert source_label("11st") == "11번가"
    assert source_label("coupang") == "Coupang Wing"
