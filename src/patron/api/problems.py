"""Errors as RFC 9457 problem details: a type, a title, a status, a detail in the reader's
words (Accept-Language), and for bad input one entry per field with what is wrong."""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse
from ninja import Schema
from ninja.errors import ValidationError

PROBLEM = "application/problem+json"
TYPES = "https://patron.example/problems/"  # a stable name for each kind of problem


def problem(
    status: int,
    kind: str,
    title: str,
    detail: str = "",
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    body: dict[str, Any] = {"type": TYPES + kind, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = errors
    response = JsonResponse(body, status=status, content_type=PROBLEM)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def invalid(message: str, *loc: str) -> ValidationError:
    """A 422 naming the input at ``loc`` ("body", "sale", "amount") and what is wrong."""
    return ValidationError([{"loc": loc, "msg": message}])


class FieldError(Schema):
    field: str
    detail: str


class ProblemOut(Schema):
    """RFC 9457 problem details, as every error answer of this API is."""

    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldError] | None = None


# The error answers any call may get (declared in the schema, so clients and schemathesis
# know them): no or a bad token, an area the token does not reach, nothing there, input
# that is not valid, too many calls.
ERRORS = {code: ProblemOut for code in (401, 403, 404, 422, 429)}
WRITE_ERRORS = {**ERRORS, 409: ProblemOut}  # an Idempotency-Key still being answered
