"""Errors as RFC 9457 problem details: a type, a title, a status, a detail in the reader's
words (Accept-Language), and for bad input one entry per field with what is wrong."""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse

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
