"""Parsers answer any input with a value or a ValueError, never a crash."""

from __future__ import annotations

import contextlib
import datetime as dt
import zoneinfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patron.commerce.importers.values import parse_amount, parse_datetime, parse_quantity
from patron.commerce.imports import ImportRejected, do_import_file
from patron.parties.normalize import normalize_email, normalize_phone

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
money_like = st.text(alphabet="0123456789,.-+₩￦$원()eE NnaIif１２", max_size=20)


@given(st.one_of(st.text(max_size=40), money_like), st.sampled_from(["KRW", "USD", "JPY", "BHD"]))
def test_parse_amount_returns_or_explains(text, currency):
    try:
        value = parse_amount(text, currency)
    except ValueError as exc:
        assert str(exc)
    else:
        assert value.is_finite()


@given(
    st.one_of(st.text(max_size=40), st.from_regex(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}( \d\d:\d\d)?"))
)
def test_parse_datetime_returns_or_explains(text):
    try:
        value = parse_datetime(text, SEOUL)
    except ValueError as exc:
        assert str(exc)
    else:
        assert isinstance(value, dt.datetime) and value.tzinfo is not None


@given(st.text(max_size=30))
def test_contact_normalisers_never_crash(text):
    normalize_email(text)
    normalize_phone(text, "KR")
    with contextlib.suppress(ValueError):
        parse_quantity(text)


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=400))
def test_any_bytes_are_imported_or_refused_with_a_reason(tmp_path, body):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(b"Order ID,Date,Name,Amount\n" + body)
    try:
        report = do_import_file(path)
    except ImportRejected as exc:
        assert "fuzz.csv" in str(exc)
    else:
        assert report.rows >= report.rejected_rows
