"""Every bad input in RELIABILITY.md gets a clear answer and leaves the data consistent."""

from __future__ import annotations

import unicodedata
import zipfile

import pytest
from django.utils import translation
from openpyxl import Workbook

from patron.commerce.imports import (
    ImportRejected,
    do_import_file,
    excel_safe,
    rejections_csv_lines,
)
from patron.commerce.models import Order, OrderLine
from patron.core.wording import say
from patron.parties.models import Party

pytestmark = pytest.mark.django_db

HEADER = ["주문번호", "주문일시", "고객명", "연락처", "이메일", "상품명", "결제금액"]
ROWS = [
    ["A-1", "2024-03-05 10:00", "홍길동", "010-1234-5678", "hong@example.com", "액자", "12000"],
    ["A-2", "2024-03-06 11:00", "Ann Lee", "010-2222-3333", "ann@example.com", "앨범", "60000"],
]


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [
        ("utf-8", ","),
        ("utf-8-sig", ","),
        ("cp949", ","),
        ("euc-kr", ";"),
        ("utf-16", "\t"),
        ("utf-8", "|"),
        ("utf-8", "\t"),
    ],
)
def test_encodings_and_delimiters_are_detected(write_csv, encoding, delimiter):
    path = write_csv("orders.csv", [HEADER, *ROWS], encoding=encoding, delimiter=delimiter)
    report = do_import_file(path)
    assert (report.orders_created, report.rejected_rows) == (2, 0)
    assert set(Party.objects.values_list("display_name", flat=True)) == {"홍길동", "Ann Lee"}


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("1,234", 1234),
        ("₩12,000", 12000),
        ("￦12,000", 12000),
        ("12,000원", 12000),
        ("１２，０００", 12000),
        ("12000.00", 12000),
    ],
)
def test_amounts_as_people_write_them(write_csv, written, expected):
    path = write_csv("a.csv", [HEADER, ["A-1", "2024-03-05", "홍길동", "", "", "액자", written]])
    do_import_file(path)
    assert Order.objects.get().amount == expected


@pytest.mark.parametrize("bad", ["NaN", "1e309", "inf", "twelve", "1,2,3.4.5"])
def test_amounts_that_are_not_money_are_rejected_by_row_and_column(write_csv, bad):
    path = write_csv("a.csv", [HEADER, ROWS[0], ["A-2", "2024-03-06", "Ann", "", "", "x", bad]])
    report = do_import_file(path)
    assert [(r.row, r.field) for r in report.rejections] == [(3, "결제금액")]
    assert Order.objects.count() == 1  # the valid row is kept


@pytest.mark.parametrize(
    ("written", "local_date"),
    [
        ("2024-03-05", "2024-03-05"),
        ("2024.03.05", "2024-03-05"),
        ("2024/03/05 14:22:10", "2024-03-05"),
        ("2024년 3월 5일", "2024-03-05"),
        ("45356", "2024-03-05"),
        ("2024-03-05T23:30:00-05:00", "2024-03-06"),
    ],
)
def test_dates_as_people_write_them(write_csv, written, local_date):
    from django.utils import timezone

    path = write_csv("d.csv", [HEADER, ["A-1", written, "홍길동", "", "", "액자", "1000"]])
    do_import_file(path)
    assert timezone.localtime(Order.objects.get().occurred_at).date().isoformat() == local_date


def test_an_impossible_date_says_so(write_csv):
    path = write_csv("d.csv", [HEADER, ["A-1", "2023-02-30", "홍길동", "", "", "액자", "1000"]])
    report = do_import_file(path)
    assert report.rejections[0].field == "주문일시"
    assert report.rejections[0].reason == {"code": "value.date_impossible", "month": 2, "day": 30}
    assert "not a real date" in say(report.rejections[0].reason)


def test_a_month_that_does_not_exist_is_named_as_such():
    with translation.override("ko"):
        assert say({"code": "value.date_impossible", "month": 13, "day": 45}) == (
            "없는 날짜입니다: 13월은 없습니다."
        )
        assert "2월에는 30일이 없습니다" in say(
            {"code": "value.date_impossible", "month": 2, "day": 30}
        )


def test_quoted_newlines_stay_inside_their_field(write_csv):
    header = ["Order ID", "Date", "Name", "Amount", "Note"]
    rows = [
        ["1", "2024-01-01", "Ann", "100", "line one\nline two"],
        ["2", "2024-01-02", "Bo", "x", ""],
    ]
    report = do_import_file(write_csv("q.csv", [header, *rows]))
    assert Order.objects.get().note == "line one\nline two"
    assert report.rejections[0].row == 3  # the second record, as a spreadsheet numbers it


def test_short_rows_are_read_and_long_rows_rejected(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text(
        "Order ID,Date,Name,Amount,Note\n1,2024-01-01,Ann,100\n"
        "2,2024-01-02,Bo,200,ok,extra,cells\n",
        encoding="utf-8",
    )
    report = do_import_file(path)
    assert report.orders_created == 1
    assert report.rejections[0].row == 3
    assert report.rejections[0].reason["code"] == "row.too_many_cells"
    assert "the delimiter without quotes" in say(report.rejections[0].reason)


def test_duplicate_and_blank_headers_are_reported_not_fatal(tmp_path):
    path = tmp_path / "dups.csv"
    path.write_text(
        "Order ID,Date,Name,Amount,Amount,\n1,2024-01-01,Ann,100,999,\n", encoding="utf-8"
    )
    report = do_import_file(path)
    assert Order.objects.get().amount == 100
    assert report.warnings == [{"code": "import.duplicate_columns", "columns": ["amount"]}]
    assert "appear twice" in say(report.warnings[0])


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"Order ID,Date,Name,Amount\r\n", None), (b"\xef\xbb\xbf", "header")],
)
def test_empty_and_header_only_files(tmp_path, content, message):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    if message is None:
        report = do_import_file(path)
        assert report.rows == 0 and Order.objects.count() == 0
    else:
        with pytest.raises(ImportRejected, match=message):
            do_import_file(path)


def test_nul_bytes_are_dropped(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes(b"Order ID,Date,Name,Amount\n1,2024-01-01,An\x00n,100\n")
    do_import_file(path)
    assert Party.objects.get().display_name == "Ann"


def test_huge_fields_reject_the_row_only(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text(
        f"Order ID,Date,Name,Amount,Note\n1,2024-01-01,Ann,100,{'x' * 200_000}\n"
        "2,2024-01-02,Bo,5,\n",
        encoding="utf-8",
    )
    report = do_import_file(path)
    assert report.rejections[0].field == "Note"
    assert "characters long" in say(report.rejections[0].reason)
    assert Order.objects.get().external_id == "2"


def test_same_external_id_twice_is_one_order(write_csv):
    report = do_import_file(write_csv("t.csv", [HEADER, ROWS[0], ROWS[0]]))
    assert Order.objects.count() == 1 and report.purchases == 1


def test_refund_rows_and_negative_quantities(write_csv):
    header = ["Order ID", "Date", "Name", "Product", "Quantity", "Amount"]
    rows = [["R-1", "2024-01-01", "Ann", "Frame", "-1", "-18,000"]]
    do_import_file(write_csv("r.csv", [header, *rows]))
    order = Order.objects.get()
    assert order.status == "refunded" and order.refunded_amount == 18000
    assert OrderLine.objects.get().quantity == -1


def test_phone_that_lost_its_leading_zero_matches_the_same_party(write_csv):
    rows = [
        ["A-1", "2024-03-05", "홍길동", "010-1234-5678", "", "액자", "1000"],
        ["A-2", "2024-03-06", "홍길동", "1012345678", "", "액자", "1000"],
        ["A-3", "2024-03-07", "홍길동", "'010-1234-5678", "", "액자", "1000"],
    ]
    do_import_file(write_csv("p.csv", [HEADER, *rows]))
    assert Party.objects.get().phone == "+821012345678"


def test_hangul_nfd_and_nfc_names_are_one_name(write_csv):
    nfd = unicodedata.normalize("NFD", "홍길동")
    rows = [["A-1", "2024-03-05", nfd, "", "h@example.com", "액자", "1000"]]
    do_import_file(write_csv("n.csv", [HEADER, *rows]))
    assert Party.objects.get().display_name == unicodedata.normalize("NFC", "홍길동")


def test_emails_in_upper_case_or_with_spaces_match(write_csv):
    rows = [
        ["A-1", "2024-03-05", "Ann", "", " ANN@Example.COM", "x", "1000"],
        ["A-2", "2024-03-06", "Ann", "", "ann @example.com", "x", "1000"],
    ]
    do_import_file(write_csv("e.csv", [HEADER, *rows]))
    assert Party.objects.get().email == "ann@example.com"


def test_formula_cells_are_kept_as_text_and_escaped_on_export(sample):
    report = do_import_file(sample("shopify_orders.csv"))
    assert Order.objects.get(external_id="#1001").note.startswith("=HYPERLINK(")
    exported = "".join(rejections_csv_lines(report.rejections)) + excel_safe('=HYPERLINK("x")')
    assert exported.endswith('\'=HYPERLINK("x")')
    for dangerous in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert excel_safe(dangerous).startswith("'")


def test_xlsx_workbook_imports(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    path = tmp_path / "orders.xlsx"
    workbook.save(path)
    report = do_import_file(path)
    assert report.orders_created == 2 and report.encoding == "xlsx"


def test_csv_renamed_xlsx_is_refused_clearly(tmp_path):
    path = tmp_path / "orders.xlsx"
    path.write_text("Order ID,Date\n1,2024-01-01\n", encoding="utf-8")
    with pytest.raises(ImportRejected, match="not an Excel workbook"):
        do_import_file(path)


def test_xlsx_zip_bomb_is_refused_before_parsing(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 300_000_000)
    with pytest.raises(ImportRejected, match="zip bomb"):
        do_import_file(path)


def test_xlsx_entity_bomb_is_refused(tmp_path):
    workbook = Workbook()
    workbook.active.append(HEADER)
    good = tmp_path / "good.xlsx"
    workbook.save(good)
    bomb = tmp_path / "entities.xlsx"
    lol = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&lol2;</workbook>'
    )
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bomb, "w") as target:
        for item in source.infolist():
            data = lol if item.filename == "xl/workbook.xml" else source.read(item.filename)
            target.writestr(item, data)
    with pytest.raises(ImportRejected, match="cannot be opened"):
        do_import_file(bomb)


def test_files_over_the_size_limit_are_refused_before_parsing(write_csv, settings):
    settings.PATRON_IMPORT_MAX_BYTES = 100
    path = write_csv("big.csv", [HEADER, *ROWS * 10])
    with pytest.raises(ImportRejected, match="the limit is"):
        do_import_file(path)
    assert Order.objects.count() == 0


def test_a_row_with_nobody_is_rejected(write_csv):
    report = do_import_file(
        write_csv("x.csv", [HEADER, ["A-1", "2024-01-01", "", "", "", "x", "100"]])
    )
    assert report.rejections[0].reason == {"code": "row.no_customer"}
    assert "no name, email, phone" in say(report.rejections[0].reason)


def test_the_same_bad_email_on_several_rows_rejects_each_row(write_csv):
    # A person's cells are read once and remembered; a refusal must still name every row.
    bad = ["B-{}", "2024-03-05 10:00", "Kim", "", "kim@@example", "액자", "12000"]
    rows = [HEADER, ROWS[0], [bad[0].format(1), *bad[1:]], ROWS[1], [bad[0].format(2), *bad[1:]]]
    report = do_import_file(write_csv("orders.csv", rows))
    assert (report.orders_created, report.rejected_rows) == (2, 2)
    assert [(r.row, r.reason["code"]) for r in report.rejections] == [
        (3, "value.email_invalid"),
        (5, "value.email_invalid"),
    ]
