"""Templates: Markdown or plain text with a small allowlist of merge fields.

Template syntax is ours, not Django's: ``{{ first_name }}`` and nothing else. A template that
reaches for anything outside the allowlist (``{% load %}``, ``{% include %}``,
``{{ settings.SECRET_KEY }}``, filters) is refused when it is saved, so a person with access
to the campaign page can never read the server's settings or files through a message.
Merge values are put in after Markdown has been rendered, HTML-escaped: a party named
``<script>`` or ``**bold**`` is printed as written. A link's address is the template's own
(http, https or mailto) or a whole link field (``preferences_url``, ``rsvp_url``): no merge
value can make or change where a link goes.
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
    "survey_url": _("Their link to answer a survey (survey invitations only)"),
}

# Fields that are a whole link's address: Patron makes their values, signed links of its own.
LINK_FIELDS = frozenset({"preferences_url", "rsvp_url", "survey_url"})
LINK_SCHEMES = frozenset({"http", "https", "mailto"})

_FIELD = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_ANY_SYNTAX = re.compile(r"\{[{%#]|[}%#]\}")
# Placeholders are made of Unicode noncharacters (U+FDD0..U+FDEF, reserved for a program's
# own use): they are taken out of every body first, and Markdown turns an entity for one
# (&#xFDD0;) into U+FFFD, so no text a person writes can pass for a merge field.
_PLACEHOLDER = "\ufdd0{}\ufdd1"
_LINK_PLACEHOLDER = "\ufdd2{}\ufdd3"  # a link field as a whole destination
_PLACEHOLDER_FIND = re.compile("[\ufdd0\ufdd2]([0-9]+)[\ufdd1\ufdd3]")
_WHOLE_LINK = re.compile("\ufdd2[0-9]+\ufdd3")
_RESERVED = dict.fromkeys(range(0xFDD0, 0xFDF0))
_SCHEME = re.compile(r"([^:/?#]*):")


class TemplateRefused(Problem):
    """A template using syntax outside the allowlist."""


def check_template(*texts: str) -> None:
    """Refuse template tags, comments, filters, unknown fields, and links a merge field
    could steer or that lead anywhere but a web page or an email (raises TemplateRefused)."""
    for text in texts:
        _check_syntax(text)
        _check_links(text)


def _check_syntax(text: str) -> None:
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


def _check_links(text: str) -> None:
    """Every destination as Markdown reads it (links, images, autolinks, references) and as
    the text part reads it (``_markdown_as_text``)."""
    marked, fields = _mark(text)
    tokens = _every_link_markdown.parse(marked)
    for url in [*_destinations(tokens), *(m.group(2) for m in _LINK.finditer(marked))]:
        used = [fields[int(n)] for n in _PLACEHOLDER_FIND.findall(url)]
        if used and not _WHOLE_LINK.fullmatch(url):
            raise TemplateRefused(
                "template.field_in_link", field=used[0], allowed=sorted(LINK_FIELDS)
            )
        if not used and not _allowed_scheme(url):
            raise TemplateRefused("template.link_scheme", link=url[:60])


def _destinations(tokens) -> list[str]:
    found = []
    for token in tokens:
        found += _destinations(token.children or [])
        if token.type in ("link_open", "image"):
            found.append(str(token.attrGet("href" if token.type == "link_open" else "src")))
    return found


def _allowed_scheme(url: str) -> bool:
    """No scheme (a path, an anchor) or one of LINK_SCHEMES."""
    scheme = _SCHEME.match(url)
    return scheme is None or scheme.group(1).lower() in LINK_SCHEMES


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


class _Markdown(MarkdownIt):
    """CommonMark without raw HTML, whose links keep their placeholders and lead only where
    ``_safe_link`` allows (``every_link``: all links kept, for ``_check_links`` to judge)."""

    def __init__(self, *, every_link: bool = False) -> None:
        super().__init__("commonmark", {"html": False, "linkify": False, "typographer": False})
        self.every_link = every_link

    def normalizeLink(self, url: str) -> str:
        # Percent-encoding would hide a placeholder from the fill (and from the checks).
        return url if _PLACEHOLDER_FIND.search(url) else super().normalizeLink(url)

    def validateLink(self, url: str) -> bool:
        return self.every_link or _safe_link(url)


def _safe_link(url: str) -> bool:
    # A template saved before links were checked renders its doubtful links as text.
    if _PLACEHOLDER_FIND.search(url):
        return bool(_WHOLE_LINK.fullmatch(url))
    return _allowed_scheme(url)


_markdown = _Markdown()
_every_link_markdown = _Markdown(every_link=True)


def _mark(body: str) -> tuple[str, list[str]]:
    """The body with each merge field as a numbered placeholder, and the fields in order."""
    fields: list[str] = []

    def placeholder(match: re.Match) -> str:
        fields.append(match.group(1))
        mark = _LINK_PLACEHOLDER if match.group(1) in LINK_FIELDS else _PLACEHOLDER
        return mark.format(len(fields) - 1)

    return _FIELD.sub(placeholder, body.translate(_RESERVED)), fields


@lru_cache(maxsize=256)
def _compile(body: str, markdown: bool) -> _Compiled:
    # Markdown is rendered once per template; each message only fills placeholders
    # (rendering per message was the planner's cost at 100,000 parties).
    marked, fields = _mark(body)
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
