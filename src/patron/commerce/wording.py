"""How the commerce app's messages read: why a row or a file was refused, order changes."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from patron.core.wording import listing, number, wording

from .models import OfferingKind, OrderStatus

# -- a cell that cannot be read (the rejected-rows report) ---------------------------------------


@wording("value.amount_missing")
def _amount_missing() -> str:
    return _("The amount is empty; every order needs one.")


@wording("value.amount_invalid")
def _amount_invalid() -> str:
    return _("This is not an amount of money.")


@wording("value.amount_separators")
def _amount_separators() -> str:
    return _("The amount's separators are in odd places (e.g. “1,2,3.4”).")


@wording("value.amount_too_large")
def _amount_too_large() -> str:
    return _("The amount is too large to be real.")


@wording("value.amount_decimals")
def _amount_decimals(currency: str) -> str:
    return _("The amount has decimals, but %(currency)s has no minor unit.") % {
        "currency": currency
    }


@wording("value.quantity_invalid")
def _quantity_invalid() -> str:
    return _("This is not a quantity.")


@wording("value.date_missing")
def _date_missing() -> str:
    return _("The date is empty; every order needs one.")


@wording("value.date_invalid")
def _date_invalid() -> str:
    return _("This is not a date Patron can read (e.g. 2024-03-05 or 2024년 3월 5일).")


@wording("value.date_impossible")
def _date_impossible(month: int, day: int) -> str:
    if not 1 <= int(month) <= 12:
        return _("This is not a real date: there is no month %(month)s.") % {"month": month}
    return _("This is not a real date: month %(month)s has no day %(day)s.") % {
        "month": month,
        "day": day,
    }


@wording("value.date_out_of_range")
def _date_out_of_range() -> str:
    return _("The date is outside the years 1900–2200.")


@wording("value.currency_invalid")
def _currency_invalid() -> str:
    return _("This is not a currency code (three letters, e.g. KRW).")


@wording("value.status_unknown")
def _status_unknown(known: list[str] | None = None) -> str:
    return _("Patron does not know this order status; it knows: %(known)s.") % {
        "known": listing(known or [])
    }


@wording("value.email_invalid")
def _email_invalid() -> str:
    return _("This is not an email address, and the row has no phone number either.")


@wording("row.too_many_cells")
def _too_many_cells(cells: int, header: int) -> str:
    return _(
        "The row has %(cells)s cells but the header has %(header)s: a value probably "
        "contains the delimiter without quotes."
    ) % {"cells": number(cells), "header": number(header)}


@wording("row.value_too_long")
def _value_too_long(limit: int) -> str:
    return _("A value is over %(limit)s characters long.") % {"limit": number(limit)}


@wording("row.no_customer")
def _no_customer(booking: bool = False) -> str:
    if booking:
        return _("The row has no name, email, phone or member number: whose booking is it?")
    return _("The row has no name, email, phone or customer id: whose order is it?")


# -- a file that cannot be read at all -----------------------------------------------------------


@wording("file.too_large")
def _too_large(megabytes: float, limit: float) -> str:
    return _("The file is %(size)s MB; the limit is %(limit)s MB.") % {
        "size": f"{megabytes:,.1f}",
        "limit": f"{limit:,.1f}",
    }


@wording("file.empty")
def _empty() -> str:
    return _("The file is empty.")


@wording("file.not_a_workbook")
def _not_a_workbook() -> str:
    return _("The file is named .xlsx but is not an Excel workbook.")


@wording("file.web_page")
def _web_page() -> str:
    return _(
        "This .xls file is a web page, not an Excel workbook (some sites save one under that "
        "name): open it in Excel and save it as .xlsx or CSV."
    )


@wording("file.xls_too_large")
def _xls_too_large(megabytes: float, limit: float) -> str:
    return _(
        "This old-style Excel file (.xls) is %(size)s MB; Patron reads them up to %(limit)s MB. "
        "Open it in Excel and save it as .xlsx or CSV, which have no such limit."
    ) % {"size": f"{megabytes:,.1f}", "limit": f"{limit:,.0f}"}


@wording("file.password_needed")
def _password_needed() -> str:
    return _(
        "This workbook is password-protected: give its password (the Password field on the "
        "import page, or --password with patron import)."
    )


@wording("file.protected_too_large")
def _protected_too_large(megabytes: float, limit: float) -> str:
    return _(
        "This password-protected workbook is %(size)s MB; Patron opens protected workbooks up "
        "to %(limit)s MB. Open it in Excel, remove the password, and import it again."
    ) % {"size": f"{megabytes:,.1f}", "limit": f"{limit:,.0f}"}


@wording("file.password_wrong")
def _password_wrong() -> str:
    return _("The password does not open this workbook: check it and try again.")


@wording("file.password_unusual")
def _password_unusual(rounds: int) -> str:
    return _(
        "This workbook's protection asks for %(rounds)s rounds of hashing per password try "
        "(Excel uses 100,000): open it in Excel, remove the password, and import it again."
    ) % {"rounds": number(rounds)}


@wording("file.password_unsupported")
def _password_unsupported(detail: str = "") -> str:
    return _(
        "This workbook's protection cannot be opened here: open it in Excel, remove the "
        "password, and import it again."
    )


@wording("file.no_header")
def _no_header() -> str:
    return _("The file has no header row.")


@wording("file.header_unreadable")
def _header_unreadable(detail: str = "") -> str:
    return _("The header row cannot be read (%(detail)s).") % {"detail": detail}


@wording("file.row_unreadable")
def _row_unreadable(line: int, detail: str = "") -> str:
    return _("Line %(line)s of the file cannot be read (%(detail)s).") % {
        "line": number(line),
        "detail": detail,
    }


@wording("file.damaged_zip")
def _damaged_zip() -> str:
    return _("The file is a damaged zip or Excel workbook.")


@wording("file.zip_not_workbook")
def _zip_not_workbook() -> str:
    return _("The file is a zip archive, not an Excel workbook.")


@wording("file.zip_bomb")
def _zip_bomb() -> str:
    return _("The workbook unpacks to an implausible size (a zip bomb?), so it was not opened.")


@wording("file.workbook_unreadable")
def _workbook_unreadable(detail: str = "") -> str:
    return _("The workbook cannot be opened (%(detail)s).") % {"detail": detail}


@wording("file.sheet_empty")
def _sheet_empty() -> str:
    return _("The workbook's first sheet is empty.")


@wording("file.too_many_columns")
def _too_many_columns(columns: int, limit: int) -> str:
    return _(
        "The file has %(columns)s columns; Patron reads at most %(limit)s. Is it really an export "
        "of orders?"
    ) % {"columns": number(columns), "limit": number(limit)}


@wording("file.line_too_long")
def _line_too_long(limit: int) -> str:
    return _(
        "A line of the file is over %(limit)s characters long: it is not a table of orders."
    ) % {"limit": number(limit)}


@wording("file.wrong_encoding")
def _wrong_encoding(encoding: str, detected: str) -> str:
    return _(
        "The file does not read as %(encoding)s: its column names come out garbled. It looks "
        "like %(detected)s: choose that, or let Patron recognise the encoding."
    ) % {"encoding": encoding, "detected": detected}


@wording("file.unknown_encoding")
def _unknown_encoding(encoding: str) -> str:
    return _("“%(encoding)s” is not a text encoding Patron knows (e.g. utf-8, cp949, utf-16).") % {
        "encoding": encoding
    }


@wording("import.encoding_guessed")
def _encoding_guessed(encoding: str) -> str:
    return _(
        "The file's text encoding was guessed as %(encoding)s. If names look garbled, import it "
        "again and choose the encoding (Korean spreadsheets are usually cp949)."
    ) % {"encoding": encoding}


@wording("file.unknown_profile")
def _unknown_profile(profile: str, profiles: list[str] | None = None) -> str:
    return _("“%(profile)s” is not a format Patron knows; it knows %(profiles)s.") % {
        "profile": profile,
        "profiles": listing(profiles or []),
    }


@wording("file.map_unknown_field")
def _map_unknown_field(column: str, field: str, fields: list[str] | None = None) -> str:
    return _("“%(field)s” (for the column “%(column)s”) is not a field; fields are %(fields)s.") % {
        "field": field,
        "column": column,
        "fields": listing(fields or []),
    }


@wording("file.map_unknown_column")
def _map_unknown_column(column: str, field: str = "") -> str:
    return _("The file has no column “%(column)s”.") % {"column": column}


def _columns_seen(seen: list[str] | None) -> str:
    if not seen:
        return ""
    return " " + _("The file's columns: %(columns)s.") % {"columns": listing(seen[:40])}


@wording("file.no_date_column")
def _no_date_column(seen: list[str] | None = None) -> str:
    return _(
        "No column says when the order was placed or paid, or when a booking takes place "
        "(e.g. “주문일시”, “결제일”, “이용일시”, “Date”). Say which column it is (on the "
        "command line: --map COLUMN=occurred_at)."
    ) + _columns_seen(seen)


@wording("file.no_amount_column")
def _no_amount_column(seen: list[str] | None = None) -> str:
    return _(
        "No column holds the amount paid (e.g. “결제금액”, “총 주문금액”, “Total”). Say "
        "which column it is (on the command line: --map COLUMN=total)."
    ) + _columns_seen(seen)


@wording("file.no_customer_column")
def _no_customer_column(seen: list[str] | None = None) -> str:
    return _(
        "No column says who bought or booked (a name, phone, email or member number; a "
        "recipient's columns are never taken for the buyer). Say which column it is (on "
        "the command line: --map COLUMN=phone)."
    ) + _columns_seen(seen)


@wording("import.duplicate_columns")
def _duplicate_columns(columns: list[str] | None = None) -> str:
    columns = columns or []
    shown = listing(columns[:10]) + ("…" if len(columns) > 10 else "")
    return _("Some column names appear twice; the first of each is used: %(columns)s") % {
        "columns": shown
    }


# -- timeline and refusals -----------------------------------------------------------------------


def _status_label(status: str) -> str:
    try:
        return str(OrderStatus(status).label)
    except ValueError:
        return status


@wording("activity.order.updated")
def _order_updated(
    order: str, file: str = "", status_from: str = "", status_to: str = "", **_rest: Any
) -> str:
    if status_from and status_to and status_from != status_to:
        return _("Order %(order)s updated from %(file)s: %(before)s → %(after)s") % {
            "order": order,
            "file": file,
            "before": _status_label(status_from),
            "after": _status_label(status_to),
        }
    return _("Order %(order)s updated from %(file)s") % {"order": order, "file": file}


@wording("offering.unknown_kind")
def _offering_unknown_kind(kind: str) -> str:
    return _("“%(kind)s” is not a kind of offering: choose %(choices)s.") % {
        "kind": kind,
        "choices": listing(str(label) for label in OfferingKind.labels),
    }


def orders_count(n: int) -> str:
    return ngettext("%(count)s order", "%(count)s orders", n) % {"count": number(n)}


@wording("import.upload_missing")
def _upload_missing() -> str:
    return _("The uploaded file is no longer on the server: upload it again.")


@wording("import.not_a_preview")
def _not_a_preview() -> str:
    return _("This run is not a finished preview, so there is nothing to confirm.")


@wording("import.not_resumable")
def _not_resumable() -> str:
    return _("Only an interrupted or failed import can be run again from here.")


SOURCE_NAMES = {
    "shopify": "Shopify",
    "stripe": "Stripe",
    "woocommerce": "WooCommerce",
    "square": "Square",
    # The Korean marketplaces, named as their sellers call them (not "smartstore").
    "smartstore": lambda: _("Naver SmartStore"),
    "coupang": lambda: _("Coupang Wing"),
    "cafe24": "Cafe24",
    "11st": lambda: _("11st"),
    "esm": lambda: _("Gmarket / Auction (ESM)"),
    "generic": lambda: _("spreadsheet"),
    "demo": lambda: _("demo"),
    "counter": lambda: _("the counter"),  # sales recorded at the counter (patron.loyalty)
}


def source_label(source: str) -> str:
    """How a source reads: a platform's name, or the words for a plain spreadsheet; a source a
    person named is shown as they wrote it."""
    name = SOURCE_NAMES.get(source, source)
    return name() if callable(name) else name


@wording("import.undo_preview")
def _undo_preview() -> str:
    return _("A preview kept nothing, so there is nothing to undo.")


@wording("import.undone_already")
def _undone_already() -> str:
    return _("This import was undone already.")


@wording("import.undo_running")
def _undo_running() -> str:
    return _("This import is still running: wait for it to end, then undo it.")


@wording("activity.import.undone")
def _activity_import_undone(file: str = "", **_rest: Any) -> str:
    return _("The import of %(file)s was undone: the orders it added were removed") % {"file": file}


@wording("import.duplicate_order")
def _duplicate_order(order: str, rows: list[int]) -> str:
    return _(
        "Order %(order)s appears twice with different contents (rows %(first)s and %(later)s); "
        "the later row was kept."
    ) % {"order": order, "first": number(rows[0]), "later": number(rows[1])}


@wording("import.order_without_rows")
def _order_without_rows(order: str, rows: list[int]) -> str:
    return ngettext(
        "Order %(order)s was kept without row %(rows)s, which could not be read: correct it "
        "and import the file again to complete the order.",
        "Order %(order)s was kept without rows %(rows)s, which could not be read: correct "
        "them and import the file again to complete the order.",
        len(rows),
    ) % {"order": order, "rows": listing([number(row) for row in rows[:10]])}


@wording("import.order_of_another")
def _order_of_another(order: str, row: int, name: str = "", **_rest: Any) -> str:
    return _(
        "Row %(row)s: order %(order)s was imported before for %(name)s; this file names "
        "someone else. It was kept as it was."
    ) % {"row": number(row), "order": order, "name": name or "—"}


@wording("import.nothing_to_give")
def _nothing_to_give() -> str:
    return _("This import kept no order from anyone: there is nothing to give.")


@wording("import.database_unwritable")
def _database_unwritable(detail: str = "") -> str:
    return _(
        "The database refused to store more (%(detail)s): the disk may be full or read-only. "
        "Whole batches only were kept; free space, then run the file again to finish."
    ) % {"detail": detail}


@wording("import.already_running")
def _already_running() -> str:
    return _("This import is already running (or done): it was not started a second time.")


@wording("import.no_order_numbers")
def _no_order_numbers() -> str:
    return _(
        "The file has no column of order numbers: each row's contents stand in for one, so two "
        "identical rows (same date, person and amount) count as one order."
    )


@wording("import.undo_under_way")
def _undo_under_way() -> str:
    return _("This import is being undone already.")


# -- a party's bookings (commerce.bookings) -------------------------------------------------------


def _no_shows(n: int) -> str:
    return ngettext("%(count)s no-show", "%(count)s no-shows", n) % {"count": number(n)}


@wording("booking.no_shows")
def _booking_no_shows(no_shows: int, bookings: int) -> str:
    return ngettext(
        "%(no_shows)s in the last %(count)s booking",
        "%(no_shows)s in the last %(count)s bookings",
        bookings,
    ) % {"no_shows": _no_shows(no_shows), "count": number(bookings)}


@wording("booking.no_shows_all")
def _booking_no_shows_all(no_shows: int, bookings: int) -> str:
    return ngettext(
        "%(no_shows)s in %(count)s booking so far",
        "%(no_shows)s in %(count)s bookings so far",
        bookings,
    ) % {"no_shows": _no_shows(no_shows), "count": number(bookings)}


# -- reading a file by meaning ------------------------------------------------------------------

# The fields a column can be read as, as the preview and the correction form name them.
FIELD_NAMES = {
    "order_id": gettext_lazy("Order or booking number"),
    "line_id": gettext_lazy("Item's order number"),
    "occurred_at": gettext_lazy("Date paid"),
    "ordered_at": gettext_lazy("Date ordered"),
    "service_at": gettext_lazy("Date of the booked service"),
    "time_of_day": gettext_lazy("Time of day"),
    "cancelled_at": gettext_lazy("Cancelled (date or yes/no)"),
    "no_show": gettext_lazy("No-show (yes/no)"),
    "status": gettext_lazy("Status"),
    "status_detail": gettext_lazy("Further status"),
    "claim_status": gettext_lazy("Claim status (cancel, return)"),
    "total": gettext_lazy("Amount paid"),
    "line_total": gettext_lazy("Item's amount"),
    "line_price": gettext_lazy("Unit price"),
    "line_quantity": gettext_lazy("Quantity"),
    "line_name": gettext_lazy("Product or service"),
    "line_sku": gettext_lazy("Product code"),
    "refunded": gettext_lazy("Refunded amount"),
    "discount_amount": gettext_lazy("Discount"),
    "discount_code": gettext_lazy("Coupon code"),
    "currency": gettext_lazy("Currency"),
    "customer_id": gettext_lazy("Member ID or number"),
    "name": gettext_lazy("Name"),
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "company": gettext_lazy("Company"),
    "email": gettext_lazy("Email"),
    "phone": gettext_lazy("Phone"),
    "delivery_phone": gettext_lazy("Recipient's phone (never the buyer's)"),
    "accepts_marketing": gettext_lazy("Marketing consent"),
    "channel": gettext_lazy("Sales channel or payment method"),
    "note": gettext_lazy("Note"),
    "cancel_reason": gettext_lazy("Cancellation reason (cancelled when written)"),
    "return_reason": gettext_lazy("Return reason (returned when written)"),
}

_REASONS = {
    "header.role_field": gettext_lazy("who and what: %(words)s"),
    "header.role_alone": gettext_lazy("a person's role alone: %(words)s"),
    "header.field_word": gettext_lazy("a field word without a role: %(words)s"),
    "header.recipient_phone": gettext_lazy("the recipient's, never the buyer's: %(words)s"),
    "header.remembered": gettext_lazy("as you said for this source"),
    "header.person_chose": gettext_lazy("as you chose"),
    "header.values_phone": gettext_lazy("its values are phone numbers"),
    "header.values_email": gettext_lazy("its values are email addresses"),
}

_RULES = {
    "rule.paid_before_ordered": gettext_lazy("the payment date is used over the order date"),
    "rule.paid_amount_first": gettext_lazy(
        "the amount paid is used over the order amount, and that over an amount word alone"
    ),
    "rule.order_number_first": gettext_lazy(
        "the order number is used over a transaction, receipt or approval number"
    ),
    "rule.mobile_first": gettext_lazy(
        "a mobile number is used over a landline, the buyer's over one without a role"
    ),
    "rule.first_and_surest": gettext_lazy("the surest, then the leftmost, column is used"),
}


def field_name(field: str) -> str:
    return str(FIELD_NAMES.get(field, field))


@wording("header.recognised")
def _recognised(
    column: str,
    field: str,
    reason: str = "",
    confidence: float = 0,
    words: list[str] | None = None,
    used_as: str = "",
    lost_to: str = "",
) -> str:
    if lost_to:
        return _("“%(column)s” not used: “%(chosen)s” was chosen (%(rule)s).") % {
            "column": column,
            "chosen": lost_to,
            "rule": _RULES.get(reason, _RULES["rule.first_and_surest"]),
        }
    # The words read are the header's own (quoted: names, in any language).
    quoted = " + ".join(f"“{word}”" for word in words or [])
    why = _REASONS.get(reason)
    detail = (why % {"words": quoted}) if why else quoted
    line = _("“%(column)s” → %(field)s (%(detail)s; %(sure)s%% sure)") % {
        "column": column,
        "field": field_name(field),
        "detail": detail,
        "sure": round(confidence * 100),
    }
    if used_as and used_as not in (field, "occurred_at"):
        line += " " + _("read as %(field)s") % {"field": field_name(used_as)}
    return line


@wording("import.read_as_bookings")
def _read_as_bookings(columns: list[str] | None = None) -> str:
    return _(
        "Read as bookings (each row a booking, kept as an engagement), from the columns "
        "%(columns)s."
    ) % {"columns": listing(f"“{c}”" for c in columns or [])}


@wording("import.bookings_done")
def _bookings_done(
    file: str,
    rows: int,
    created: int,
    updated: int,
    unchanged: int,
    completed: int,
    upcoming: int,
    cancelled: int,
    no_show: int,
    parties: int,
    dry_run: bool = False,
    purchases: int = 0,
) -> str:
    values = {
        "file": file,
        "rows": number(rows),
        "created": number(created),
        "updated": number(updated),
        "unchanged": number(unchanged),
        "completed": number(completed),
        "upcoming": number(upcoming),
        "cancelled": number(cancelled),
        "no_show": number(no_show),
        "parties": number(parties),
        "purchases": number(purchases),
    }
    if dry_run:
        text = _(
            "%(file)s: %(rows)s rows read as bookings; would add %(created)s bookings and "
            "%(parties)s parties, update %(updated)s, leave %(unchanged)s as they are."
        )
    else:
        text = _(
            "%(file)s: %(rows)s rows read as bookings; added %(created)s bookings and "
            "%(parties)s parties, updated %(updated)s, %(unchanged)s already up to date."
        )
    outcome = _(
        "Took place: %(completed)s; upcoming: %(upcoming)s; cancelled: %(cancelled)s; "
        "no-show: %(no_show)s; paid bookings, counted as purchases: %(purchases)s."
    )
    return (text + " " + outcome) % values


@wording("import.unknown_status")
def _unknown_status(status: str, rows: int) -> str:
    return ngettext(
        "“%(status)s” (%(rows)s row): a status no rule knows; the row was kept as a purchase "
        "or booking. Say what it means for this source.",
        "“%(status)s” (%(rows)s rows): a status no rule knows; the rows were kept as purchases "
        "or bookings. Say what it means for this source.",
        rows,
    ) % {"status": status, "rows": number(rows)}


@wording("reading.meaning_unknown")
def _meaning_unknown(status: str = "", meaning: str = "") -> str:
    return _(
        "“%(meaning)s” is not a meaning Patron knows for “%(status)s”: paid, pending, "
        "cancelled or refunded for an order; done, booked, cancelled or no_show for a booking."
    ) % {"meaning": meaning, "status": status}


@wording("reading.too_many")
def _too_many(limit: int) -> str:
    return _("At most %(limit)s columns and status words are kept per source.") % {
        "limit": number(limit)
    }
