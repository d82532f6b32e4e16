"""Templates: Markdown or plain text with a small allowlist of merge fields.

Template syntax is ours, not Django's: ``{{ first_name }}`` and nothing else. A template that
reaches for anything outside the allowlist (``{% load %}``, ``{% include %}``,
``{{ settings.SECRET_KEY }}``, filters) is refused when it is saved, so a person with access
to the campaign page can never read the server's settings or files through a message.
Merge values are put in after Markdown has been rendered, HTML-escaped: a party named
``<script>`` or ``**bold**`` is printed as written.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext_lazy as _
from markdown_it import MarkdownIt

from patron.core.problems import Problem

MERGE_FIELDS = {
    "name": _("The party's name as you know it"),
    "first_name": _("First name (a Korean name in full, to go before 님)"),
    "business": _("Your business's name"),
    "manager": _("Their account manager, or your business"),
    "years": _("Whole years since their first purchase"),
    "since": _("The year the relationship began"),
    "preferences_url": _("Their page to choose what they receive"),
    "rsvp_url": _("Their link to answer an event's invitation (events only)"),
}

_FIELD = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_ANY_SYNTAX = re.compile(r"\{[{%#]|[}%#]\}")
_PLACEHOLDER = "zzpatronfield{}zz"
_PLACEHOLDER_FIND = re.compile(r"zzpatronfield(\d+)zz")


class TemplateRefused(Problem):
    """A template using syntax outside the allowlist."""


def check_template(*texts: str) -> None:
    """Refuse template tags, comments, filters and unknown fields (raises TemplateRefused)."""
    for text in texts:
        without_fields = text
        for match in _FIELD.finditer(text):
            field = match.group(1)
            if field not in MERGE_FIELDS:
                raise TemplateRefused(
                    "template.unknown_field", field=field[:60], allowed=sorted(MERGE_FIELDS)
                )
            without_fields = without_fields.replace(match.group(0), "")
        stray = _ANY_SYNTAX.search(without_fields)
        if stray:
            snippet = without_fields[max(0, stray.start() - 10) : stray.end() + 20]
            raise TemplateRefused("template.syntax", snippet=snippet.strip()[:60])


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class _Compiled:
    """A template body with its merge fields as numbered placeholders, rendered once."""

    fields: tuple[str, ...]
    text: str
    html: str


_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


@lru_cache(maxsize=256)
def _compile(body: str, markdown: bool) -> _Compiled:
    # Markdown is rendered once per template; each message only fills placeholders
    # (rendering per message was the planner's cost at 100,000 parties).
    fields: list[str] = []

    def placeholder(match: re.Match) -> str:
        fields.append(match.group(1))
        return _PLACEHOLDER.format(len(fields) - 1)

    marked = _FIELD.sub(placeholder, body)
    if markdown:
        page = _markdown.render(marked)
        text = _markdown_as_text(marked)
    else:
        page = "".join(
            f"<p>{html.escape(part).replace(chr(10), '<br>')}</p>\n"
            for part in re.split(r"\n\s*\n", marked.strip())
        )
        text = marked
    return _Compiled(tuple(fields), text.strip(), page)


_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]+)\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_HEADING = re.compile(r"^#{1,6}\s+", re.MULTILINE)


def _markdown_as_text(source: str) -> str:
    """The text part of an email, and the SMS: Markdown read as a person reads it."""
    text = _LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})" if m.group(1) else m.group(2), source)
    text = _EMPHASIS.sub(r"\2", text)
    return _HEADING.sub("", text)


def _fill(compiled: _Compiled, values: dict[str, str]) -> tuple[str, str]:
    def raw(match: re.Match) -> str:
        return str(values.get(compiled.fields[int(match.group(1))], ""))

    def escaped(match: re.Match) -> str:
        return html.escape(raw(match))

    return _PLACEHOLDER_FIND.sub(raw, compiled.text), _PLACEHOLDER_FIND.sub(escaped, compiled.html)


def render(subject: str, body: str, values: dict[str, str], *, markdown: bool) -> Rendered:
    compiled = _compile(body, markdown)
    text, page = _fill(compiled, values)
    subject_text = _FIELD.sub(lambda m: str(values.get(m.group(1), "")), subject)
    return Rendered(subject=" ".join(subject_text.split()), text=text, html=page)


# -- SMS sizes ---------------------------------------------------------------------------------

SMS_BYTES = 90
LMS_BYTES = 2000


def euc_kr_bytes(text: str) -> int:
    """Bytes the text takes in EUC-KR, as Korean carriers count them (two a Hangul syllable,
    one an ASCII character); a character EUC-KR cannot hold (an emoji) counts 2, as the
    providers' calculators count it."""
    try:
        return len(text.encode("cp949"))
    except UnicodeEncodeError:
        pass
    total = 0
    for char in text:
        try:
            total += len(char.encode("cp949"))
        except UnicodeEncodeError:
            total += 2
    return total


def fit_bytes(text: str, limit: int) -> str:
    """The longest start of the text that takes at most ``limit`` EUC-KR bytes (an LMS title
    may take 40: Solapi refuses a longer one, status 1014)."""
    out, used = [], 0
    for char in text:
        size = euc_kr_bytes(char)
        if used + size > limit:
            break
        out.append(char)
        used += size
    return "".join(out)


# Characters that look like ordinary ones but have no place in EUC-KR: replaced by those.
_LOOKALIKES = str.maketrans(
    {
        "\u00a0": " ",  # no-break space
        "\u2007": " ",
        "\u202f": " ",
        "\u200b": "",  # zero-width space
        "\u2060": "",
        "\ufeff": "",
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2212": "-",  # minus sign
        "\u2026": "...",
    }
)


def euc_kr_ready(text: str) -> str:
    """The text as EUC-KR can carry it, where that changes nothing a reader sees: Hangul
    composed (NFC: an NFD name from a Mac is 3 jamo a syllable), no-break and zero-width
    spaces, dashes and the ellipsis made plain."""
    return unicodedata.normalize("NFC", text).translate(_LOOKALIKES)


def outside_euc_kr(text: str) -> list[str]:
    """The distinct characters a text message cannot carry even after ``euc_kr_ready``
    (emoji, most symbols, the rarer Hangul syllables such as 똠): Solapi refuses the
    message (status 1029), NHN Cloud too (-2023)."""
    found: dict[str, None] = {}
    for char in euc_kr_ready(text):
        if not _in_euc_kr(char):
            found.setdefault(char, None)
    return list(found)


@lru_cache(maxsize=4096)
def _in_euc_kr(char: str) -> bool:
    # KS X 1001 holds 2,350 syllables; Python's codec writes the other 8,822 as an 8-byte
    # jamo sequence that no provider takes (Solapi: "완성형 한글 범위 안에 있는 문자만").
    try:
        return len(char.encode("euc_kr")) <= 2
    except UnicodeEncodeError:
        return False


def texts_fit(values: dict[str, str]) -> dict[str, str]:
    """Merge values for a text message: made EUC-KR ready, and what still does not fit left
    out, so one customer's emoji name never makes the provider refuse their message."""
    fitted = {}
    for name, value in values.items():
        value = euc_kr_ready(str(value))
        bad = outside_euc_kr(value)
        fitted[name] = "".join(ch for ch in value if ch not in bad) if bad else value
    return fitted


@dataclass(frozen=True)
class SmsSize:
    kind: str  # "SMS", "LMS", or "too_long"
    size: int


def sms_size(text: str) -> SmsSize:
    size = euc_kr_bytes(text)
    if size <= SMS_BYTES:
        return SmsSize("SMS", size)
    if size <= LMS_BYTES:
        return SmsSize("LMS", size)
    return SmsSize("too_long", size)


# -- KakaoTalk 알림톡 templates ----------------------------------------------------------------

KAKAO_VARIABLE = re.compile(r"#\{[^{}#]{1,30}\}")


def check_kakao_template(text: str, variables: dict[str, str]) -> None:
    """Every ``#{...}`` in the approved text must be filled from an allowlisted merge field."""
    for variable in sorted(set(KAKAO_VARIABLE.findall(text))):
        field = variables.get(variable)
        if not field:
            raise TemplateRefused("kakao.unmapped_variable", variable=variable)
        if field not in MERGE_FIELDS:
            raise TemplateRefused(
                "template.unknown_field", field=str(field)[:60], allowed=sorted(MERGE_FIELDS)
            )


def fill_kakao(text: str, variables: dict[str, str], values: dict[str, str]) -> tuple[str, dict]:
    """The approved text with its variables filled, and the variables as the provider wants
    them; nothing else in the text changes (Kakao refuses a text that differs)."""
    filled = {variable: str(values.get(field, "")) for variable, field in variables.items()}
    return KAKAO_VARIABLE.sub(lambda m: filled.get(m.group(0), m.group(0)), text), filled
