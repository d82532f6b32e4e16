from __future__ import annotations

from django import template

from patron.parties.normalize import format_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """+821012345678 as people read it: +82 10-1234-5678."""
    return format_phone(value) if value else ""
