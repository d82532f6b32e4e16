"""Builds the Korean marketplace sample exports the tests import.

    .venv/bin/python tests/data/marketplaces/build.py

Each file has the columns its platform's seller export has, as the public parsers of these
files read them (../shared/KOREA.md), with made-up people: no real person's data. The files
are committed; run this again only to change them (the tests state what each one holds).

  smartstore_1.xlsx   발주발송관리 download: an instruction row above the header (row 2), one
                      row per 상품주문번호, safe numbers (050x) for recipients, a buyer whose
                      own number is a safe number, cancellations, a return, a claim only
                      requested, one order's lines interleaved with another's
  smartstore_2.xlsx   the next week's download: one order again, one now cancelled, a returning
                      buyer's new order
  smartstore_locked.xlsx  smartstore_1 protected with the password below
  coupang_DeliveryList.xlsx   Wing: 번호 first, an order's fields repeated on each option row
  coupang_DeliveryList_2.xlsx a returning buyer, found by name and phone
  cafe24_orders.csv   CP949, the shop's own column choice with spacing variants ("수 량",
                      "총결제금액(KRW)"), "입금전 취소 - 관리자" and "배송 완료"
  11st_orders.xls     legacy Excel: a title row, the header on row 2, headers ending in "*"
  esm_orders.xls      G마켓/옥션 legacy Excel: headers ending in "*", 장바구니번호 per payment,
                      a 주문번호 per item
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

HERE = Path(__file__).resolve().parent
PASSWORD = "hanok-2026"


# -- SmartStore ----------------------------------------------------------------------------------

SMARTSTORE_COLUMNS = [
    "상품주문번호",
    "주문번호",
    "배송방법",
    "택배사",
    "송장번호",
    "발송일",
    "구매자명",
    "구매자ID",
    "수취인명",
    "주문상태",
    "주문세부상태",
    "결제위치",
    "결제일",
    "상품번호",
    "상품명",
    "옵션정보",
    "옵션관리코드",
    "수량",
    "옵션가격",
    "상품가격",
    "상품별 할인액",
    "최초 상품별 총 주문금액",
    "최종 상품별 총 주문금액",
    "발주확인일",
    "발송기한",
    "배송비 합계",
    "구매자연락처",
    "수취인연락처1",
    "수취인연락처2",
    "우편번호",
    "주소",
    "배송메세지",
    "정산예정금액",
    "결제수단",
    "주문일시",
    "클레임상태",
]
SMARTSTORE_NOTE = (
    "다운로드 받은 파일로 '엑셀 일괄발송' 처리하는 방법 : 발송처리할 주문건의 택배사와 "
    "송장번호를 입력 후 저장하여 업로드하세요."
)

# (line, order, buyer, buyer id, buyer phone, recipient phone, status, detail, claim, paid,
#  product no, product, quantity, price, line total)
SMARTSTORE_1 = [
    (
        "2026110112345601",
        "2026110198765401",
        "김하늘",
        "sky_haneul",
        "010-2345-6701",
        "0505-1111-2201",
        "배송완료",
        "구매확정",
        "",
        "2026.11.01 10:12:03",
        "8801001",
        "우전 녹차 50g",
        2,
        18000,
        36000,
    ),
    (
        "2026110112345602",
        "2026110198765401",
        "김하늘",
        "sky_haneul",
        "010-2345-6701",
        "0505-1111-2201",
        "배송완료",
        "구매확정",
        "",
        "2026.11.01 10:12:03",
        "8801002",
        "백자 찻잔 세트",
        1,
        42000,
        42000,
    ),
    (
        "2026110212345603",
        "2026110298765402",
        "이준호",
        "junho_lee",
        "010-3456-7802",
        "0505-1111-2202",
        "취소",
        "취소완료",
        "취소완료",
        "2026.11.02 14:30:00",
        "8801003",
        "보이차 357g",
        1,
        65000,
        65000,
    ),
    (
        "2026110312345604",
        "2026110398765403",
        "박서연",
        "seoyeon.p",
        "010-4567-8903",
        "0505-1111-2203",
        "배송완료",
        "배송완료",
        "",
        "2026.11.03 09:05:41",
        "8801001",
        "우전 녹차 50g",
        1,
        18000,
        18000,
    ),
    (
        "2026110312345605",
        "2026110398765403",
        "박서연",
        "seoyeon.p",
        "010-4567-8903",
        "0505-1111-2203",
        "취소",
        "취소완료",
        "취소완료",
        "2026.11.03 09:05:41",
        "8801004",
        "대나무 차칙",
        1,
        9000,
        9000,
    ),
    (
        "2026110412345606",
        "2026110498765404",
        "김하늘",
        "sky_haneul",
        "010-2345-6701",
        "0505-1111-2204",
        "반품",
        "반품완료",
        "반품완료",
        "2026.11.04 20:44:10",
        "8801005",
        "무쇠 주전자",
        1,
        89000,
        89000,
    ),
    # 최민준's own number is a safe number: it must not become his phone.
    (
        "2026110512345607",
        "2026110598765405",
        "최민준",
        "minjun_c",
        "0504-2222-3305",
        "0505-1111-2205",
        "배송중",
        "배송중",
        "",
        "2026.11.05 11:11:11",
        "8801002",
        "백자 찻잔 세트",
        1,
        42000,
        42000,
    ),
    (
        "2026110612345608",
        "2026110698765406",
        "정다은",
        "daeun_j",
        "010-6789-0106",
        "0505-1111-2206",
        "배송완료",
        "배송완료",
        "취소요청",
        "2026.11.06 16:20:00",
        "8801003",
        "보이차 357g",
        2,
        65000,
        130000,
    ),
    # One order's two lines with another order between them.
    (
        "2026110712345609",
        "2026110798765407",
        "윤지우",
        "jiwoo_y",
        "010-7890-1207",
        "0505-1111-2207",
        "배송완료",
        "구매확정",
        "",
        "2026.11.07 08:00:00",
        "8801001",
        "우전 녹차 50g",
        3,
        18000,
        51000,
    ),
    (
        "2026110712345610",
        "2026110798765408",
        "한도윤",
        "doyun_h",
        "010-8901-2308",
        "0505-1111-2208",
        "배송완료",
        "구매확정",
        "",
        "2026.11.07 08:00:00",
        "8801004",
        "대나무 차칙",
        1,
        9000,
        9000,
    ),
    (
        "2026110712345611",
        "2026110798765407",
        "윤지우",
        "jiwoo_y",
        "010-7890-1207",
        "0505-1111-2207",
        "배송완료",
        "구매확정",
        "",
        "2026.11.07 08:00:00",
        "8801005",
        "무쇠 주전자",
        1,
        89000,
        89000,
    ),
]
SMARTSTORE_2 = [
    SMARTSTORE_1[0],
    SMARTSTORE_1[1],
    # 정다은's requested cancellation went through.
    (*SMARTSTORE_1[7][:6], "취소", "취소완료", "취소완료", *SMARTSTORE_1[7][9:]),
    (
        "2026111212345612",
        "2026111298765409",
        "김하늘",
        "sky_haneul",
        "010-2345-6701",
        "0505-1111-2209",
        "결제완료",
        "발송대기",
        "",
        "2026.11.12 19:02:33",
        "8801003",
        "보이차 357g",
        1,
        65000,
        65000,
    ),
]


def smartstore_rows(lines):
    for (
        line_no,
        order_no,
        buyer,
        buyer_id,
        phone,
        recipient_phone,
        status,
        detail,
        claim,
        paid,
        product_no,
        product,
        quantity,
        price,
        total,
    ) in lines:
        cells = dict.fromkeys(SMARTSTORE_COLUMNS, "")
        cells.update(
            {
                "상품주문번호": line_no,
                "주문번호": order_no,
                "배송방법": "택배,등기,소포",
                "택배사": "CJ대한통운",
                "구매자명": buyer,
                "구매자ID": buyer_id,
                "수취인명": buyer,
                "주문상태": status,
                "주문세부상태": detail,
                "결제위치": "PC",
                "결제일": paid,
                "상품번호": product_no,
                "상품명": product,
                "수량": quantity,
                "옵션가격": 0,
                "상품가격": price,
                "상품별 할인액": price * quantity - total,
                "최초 상품별 총 주문금액": price * quantity,
                "최종 상품별 총 주문금액": total,
                "배송비 합계": 3000,
                "구매자연락처": phone,
                "수취인연락처1": recipient_phone,
                "우편번호": "03142",
                "주소": "서울특별시 종로구 북촌로 1",
                "배송메세지": "문 앞에 놓아주세요",
                "정산예정금액": round(total * 0.95),
                "결제수단": "네이버페이 포인트",
                "주문일시": paid,
                "클레임상태": claim,
            }
        )
        yield [cells[column] for column in SMARTSTORE_COLUMNS]


def write_xlsx(path: Path, rows, *, above=()):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in above:
        sheet.append(row)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def lock(source: Path, target: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    with source.open("rb") as plain, target.open("wb") as locked:
        OOXMLFile(plain).encrypt(PASSWORD, locked)


# -- Coupang Wing ----------------------------------------------------------------------------------

COUPANG_COLUMNS = [
    "번호",
    "묶음배송번호",
    "주문번호",
    "택배사",
    "운송장번호",
    "분리배송 Y/N",
    "분리배송 출고예정일",
    "주문시 출고예정일",
    "출고일(발송일)",
    "주문일",
    "등록상품명",
    "등록옵션명",
    "노출상품명(옵션명)",
    "노출상품ID",
    "옵션ID",
    "최초등록등록상품명/옵션명",
    "업체상품코드",
    "바코드",
    "결제액",
    "배송비구분",
    "배송비",
    "도서산간 추가배송비",
    "구매수(수량)",
    "옵션판매가(판매단가)",
    "구매자",
    "구매자전화번호",
    "수취인이름",
    "수취인전화번호",
    "우편번호",
    "수취인 주소",
    "배송메세지",
    "상품별 추가메시지",
    "주문자 추가메시지",
    "배송완료일",
    "구매확정일자",
]

# (order, bundle, ordered, product, option, option id, quantity, unit price, paid, buyer, phone,
#  recipient phone)
COUPANG_1 = [
    (
        "31000000001",
        "5100001",
        "2026-11-02 09:10:11",
        "제주 말차 파우더",
        "30g",
        "80010001",
        2,
        12000,
        24000,
        "송예린",
        "010-1111-2001",
        "0508-3000-0001",
    ),
    (
        "31000000001",
        "5100001",
        "2026-11-02 09:10:11",
        "제주 말차 파우더",
        "100g",
        "80010002",
        1,
        33000,
        33000,
        "송예린",
        "010-1111-2001",
        "0508-3000-0001",
    ),
    (
        "31000000002",
        "5100002",
        "2026-11-03 22:45:00",
        "유리 티포트",
        "600ml",
        "80020001",
        1,
        27000,
        27000,
        "강태오",
        "010-1111-2002",
        "0508-3000-0002",
    ),
    (
        "31000000003",
        "5100003",
        "2026-11-04 13:00:00",
        "제주 말차 파우더",
        "30g",
        "80010001",
        1,
        12000,
        12000,
        "오하린",
        "010-1111-2003",
        "0508-3000-0003",
    ),
]
COUPANG_2 = [
    COUPANG_1[2],
    (
        "31000000009",
        "5100009",
        "2026-11-10 07:30:00",
        "유리 티포트",
        "1L",
        "80020002",
        1,
        31000,
        31000,
        "송예린",
        "010-1111-2001",
        "0508-3000-0009",
    ),
]


def coupang_rows(lines):
    for number, (
        order,
        bundle,
        ordered,
        product,
        option,
        option_id,
        quantity,
        price,
        paid,
        buyer,
        phone,
        recipient_phone,
    ) in enumerate(lines, start=1):
        cells = dict.fromkeys(COUPANG_COLUMNS, "")
        cells.update(
            {
                "번호": number,
                "묶음배송번호": bundle,
                "주문번호": order,
                "택배사": "CJ 대한통운",
                "분리배송 Y/N": "N",
                "주문일": ordered,
                "등록상품명": product,
                "등록옵션명": option,
                "노출상품명(옵션명)": f"{product}, {option}",
                "노출상품ID": "7000" + option_id[-4:],
                "옵션ID": option_id,
                "업체상품코드": "HT-" + option_id[-4:],
                "결제액": paid,
                "배송비구분": "무료",
                "배송비": 0,
                "구매수(수량)": quantity,
                "옵션판매가(판매단가)": price,
                "구매자": buyer,
                "구매자전화번호": phone,
                "수취인이름": buyer,
                "수취인전화번호": recipient_phone,
                "우편번호": "48058",
                "수취인 주소": "부산광역시 해운대구 해운대로 100",
                "배송메세지": "",
            }
        )
        yield [cells[column] for column in COUPANG_COLUMNS]


# -- Cafe24 ----------------------------------------------------------------------------------------

# A shop's own download template: Cafe24 lets each shop choose and order its columns, and its
# headers come with and without spaces.
CAFE24_COLUMNS = [
    "주문번호",
    "품목별 주문번호",
    "주문일시",
    "결제일시(입금확인일)",
    "주문자명",
    "주문자ID",
    "주문자 휴대전화",
    "주문자 이메일",
    "수령인",
    "수령인 휴대전화",
    "상품명(한국어 쇼핑몰)",
    "상품옵션",
    "수 량",
    "상품구매금액(KRW)",
    "총 주문금액(KRW)",
    "총결제금액(KRW)",
    "주문 상태",
    "매출경로",
]
# (order, line, ordered, paid, name, id, phone, email, product, quantity, line amount,
#  order total, status)
CAFE24 = [
    (
        "20261101-0000011",
        "20261101-0000011-01",
        "2026-11-01 12:00:00",
        "2026-11-01 12:05:00",
        "조은비",
        "eunbi",
        "010-5555-0001",
        "eunbi@example.com",
        "동백 블렌딩 티",
        1,
        15000,
        42000,
        "배송 완료",
    ),
    (
        "20261101-0000011",
        "20261101-0000011-02",
        "2026-11-01 12:00:00",
        "2026-11-01 12:05:00",
        "조은비",
        "eunbi",
        "010-5555-0001",
        "eunbi@example.com",
        "백자 숙우",
        1,
        27000,
        42000,
        "배송 완료",
    ),
    (
        "20261102-0000012",
        "20261102-0000012-01",
        "2026-11-02 18:30:00",
        "",
        "문성민",
        "seongmin",
        "010-5555-0002",
        "seongmin@example.com",
        "동백 블렌딩 티",
        2,
        30000,
        30000,
        "입금전 취소 - 관리자",
    ),
    (
        "20261103-0000013",
        "20261103-0000013-01",
        "2026-11-03 08:15:00",
        "2026-11-03 08:16:00",
        "조은비",
        "eunbi",
        "010-5555-0001",
        "EunBi@Example.com ",
        "백자 숙우",
        1,
        27000,
        27000,
        "배송중",
    ),
]


def write_cafe24(path: Path) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CAFE24_COLUMNS)
    for (
        order,
        line,
        ordered,
        paid,
        name,
        member,
        phone,
        email,
        product,
        quantity,
        amount,
        total,
        status,
    ) in CAFE24:
        writer.writerow(
            [
                order,
                line,
                ordered,
                paid,
                name,
                member,
                phone,
                email,
                name,
                phone,
                product,
                "",
                quantity,
                f"{amount:,}",
                f"{total:,}",
                f"{total:,}",
                status,
                "PC쇼핑몰",
            ]
        )
    path.write_bytes(out.getvalue().encode("cp949"))


# -- 11번가 and G마켓/옥션 (legacy .xls) ------------------------------------------------------

ELEVENST_COLUMNS = [
    "주문번호*",
    "주문순번*",
    "배송번호",
    "주문상태*",
    "결제일시",
    "발주확인일",
    "발송처리일",
    "구매자",
    "구매자ID",
    "수취인",
    "휴대폰번호",
    "전화번호",
    "상품번호",
    "상품명",
    "옵션",
    "수량",
    "판매단가",
    "옵션가",
    "주문금액",
    "할인금액",
    "정산예정금액",
    "배송메세지",
]
ELEVENST = [
    (
        "202611050001",
        1,
        "배송완료",
        "2026-11-05 10:00:00",
        "서지호",
        "jiho11",
        "0502-777-0001",
        "8802001",
        "녹차 티백 100개입",
        1,
        21000,
        21000,
    ),
    (
        "202611050001",
        2,
        "배송완료",
        "2026-11-05 10:00:00",
        "서지호",
        "jiho11",
        "0502-777-0001",
        "8802002",
        "황차 50g",
        2,
        16000,
        32000,
    ),
    (
        "202611060002",
        1,
        "취소완료",
        "2026-11-06 15:40:00",
        "남궁민",
        "namgung",
        "0502-777-0002",
        "8802001",
        "녹차 티백 100개입",
        1,
        21000,
        21000,
    ),
]


def write_11st(path: Path) -> None:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("주문내역")
    sheet.write(0, 0, "11번가 셀러오피스 - 발송처리 주문내역")
    for column, name in enumerate(ELEVENST_COLUMNS):
        sheet.write(1, column, name)
    for row, (
        order,
        seq,
        status,
        paid,
        buyer,
        buyer_id,
        phone,
        product_no,
        product,
        quantity,
        price,
        amount,
    ) in enumerate(ELEVENST, start=2):
        cells = dict.fromkeys(ELEVENST_COLUMNS, "")
        cells.update(
            {
                "주문번호*": order,
                "주문순번*": seq,
                "배송번호": f"D{order}",
                "주문상태*": status,
                "결제일시": paid,
                "구매자": buyer,
                "구매자ID": buyer_id,
                "수취인": buyer,
                "휴대폰번호": phone,
                "상품번호": product_no,
                "상품명": product,
                "수량": quantity,
                "판매단가": price,
                "옵션가": 0,
                "주문금액": amount,
                "할인금액": 0,
                "정산예정금액": round(amount * 0.88),
            }
        )
        for column, name in enumerate(ELEVENST_COLUMNS):
            sheet.write(row, column, cells[name])
    book.save(str(path))


ESM_COLUMNS = [
    "주문번호*",
    "장바구니번호(결제번호)*",
    "배송번호",
    "주문종류",
    "주문상태",
    "주문일자(결제확인전)",
    "결제완료일",
    "주문확인일자",
    "구매자명*",
    "구매자ID",
    "구매자 휴대폰",
    "수령인명*",
    "수령인 휴대폰",
    "상품번호",
    "상품명",
    "주문옵션",
    "수량",
    "판매단가",
    "판매금액",
    "정산예정금액",
]
ESM = [
    (
        "3900000101",
        "7700001",
        "일반",
        "배송완료",
        "2026-11-08 11:00:00",
        "2026-11-08 11:01:00",
        "배하준",
        "hajun_b",
        "010-9999-0001",
        "0503-1234-0001",
        "G100201",
        "세작 녹차 40g",
        1,
        25000,
    ),
    (
        "3900000102",
        "7700001",
        "일반",
        "배송완료",
        "2026-11-08 11:00:00",
        "2026-11-08 11:01:00",
        "배하준",
        "hajun_b",
        "010-9999-0001",
        "0503-1234-0001",
        "G100202",
        "다식 선물세트",
        1,
        19000,
    ),
    (
        "3900000103",
        "7700002",
        "일반",
        "구매결정완료",
        "2026-11-09 21:10:00",
        "2026-11-09 21:12:00",
        "임수아",
        "sua_lim",
        "010-9999-0002",
        "0503-1234-0002",
        "G100201",
        "세작 녹차 40g",
        2,
        25000,
    ),
]


def write_esm(path: Path) -> None:
    import datetime as dt

    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    when = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm:ss")
    for column, name in enumerate(ESM_COLUMNS):
        sheet.write(0, column, name)
    for row, (
        line,
        cart,
        kind,
        status,
        ordered,
        paid,
        buyer,
        buyer_id,
        phone,
        recipient_phone,
        product_no,
        product,
        quantity,
        price,
    ) in enumerate(ESM, start=1):
        cells = dict.fromkeys(ESM_COLUMNS, "")
        cells.update(
            {
                "주문번호*": line,
                "장바구니번호(결제번호)*": cart,
                "배송번호": f"B{line}",
                "주문종류": kind,
                "주문상태": status,
                "구매자명*": buyer,
                "구매자ID": buyer_id,
                "구매자 휴대폰": phone,
                "수령인명*": buyer,
                "수령인 휴대폰": recipient_phone,
                "상품번호": product_no,
                "상품명": product,
                "수량": quantity,
                "판매단가": price,
                "판매금액": price * quantity,
                "정산예정금액": round(price * quantity * 0.9),
            }
        )
        for column, name in enumerate(ESM_COLUMNS):
            if name in ("주문일자(결제확인전)", "결제완료일"):
                # Real dates, as Excel keeps them (numbers with a date format).
                value = ordered if name.startswith("주문일자") else paid
                sheet.write(row, column, dt.datetime.fromisoformat(value), when)
            else:
                sheet.write(row, column, cells[name])
    book.save(str(path))


def main() -> None:
    write_xlsx(
        HERE / "smartstore_1.xlsx",
        smartstore_rows(SMARTSTORE_1),
        above=[[SMARTSTORE_NOTE], SMARTSTORE_COLUMNS],
    )
    write_xlsx(
        HERE / "smartstore_2.xlsx",
        smartstore_rows(SMARTSTORE_2),
        above=[[SMARTSTORE_NOTE], SMARTSTORE_COLUMNS],
    )
    lock(HERE / "smartstore_1.xlsx", HERE / "smartstore_locked.xlsx")
    write_xlsx(HERE / "coupang_DeliveryList.xlsx", coupang_rows(COUPANG_1), above=[COUPANG_COLUMNS])
    write_xlsx(
        HERE / "coupang_DeliveryList_2.xlsx", coupang_rows(COUPANG_2), above=[COUPANG_COLUMNS]
    )
    write_cafe24(HERE / "cafe24_orders.csv")
    write_11st(HERE / "11st_orders.xls")
    write_esm(HERE / "esm_orders.xls")


if __name__ == "__main__":
    main()
