"""What Patron says, in the reader's language.

Anything Patron generates (a reason, advice, a timeline entry, an error) is stored as a
*message*: a code and its numbers, e.g. ``{"code": "reason.tailored_repeat", "times": 4,
"days": 396}``. Each app registers how its codes read in its own ``wording.py``; ``say()``
words a message in the active language when a page, the CLI or the API shows it, so a stored
reason reads right in English and in Korean, and again after a language switch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

Message = Mapping[str, Any]

_WORDING: dict[str, Callable[..., str]] = {}
logger = logging.getLogger(__name__)


def wording(*codes: str) -> Callable[[Callable[..., str]], Callable[..., str]]:
    """Register how the given codes read: a function of the message's numbers."""

    def register(function: Callable[..., str]) -> Callable[..., str]:
        for code in codes:
            if code in _WORDING:
                raise ValueError(f"message code {code!r} is worded twice")
            _WORDING[code] = function
        return function

    return register


def message(code: str, **params: Any) -> dict[str, Any]:
    return {"code": code, **params}


def say(item: Message | str | None) -> str:
    """The message in the active language ("" for nothing)."""
    if not item:
        return ""
    if isinstance(item, str):
        code, params = item, {}
    else:
        params = dict(item)
        code = params.pop("code", "")
    function = _WORDING.get(code)
    if function is None:
        logger.error("message code %r has no wording", code)
        return _("(a note Patron cannot word: %(code)s)") % {"code": code}
    try:
        return function(**params)
    except Exception:
        # A message stored by an older version may lack a number the wording now wants.
        logger.exception("message %r could not be worded", item)
        return _("(a note Patron cannot word: %(code)s)") % {"code": code}


def say_all(items: Iterable[Message | str] | None) -> list[str]:
    return [say(item) for item in items or ()]


def is_worded(code: str) -> bool:
    return code in _WORDING


def worded_codes() -> list[str]:
    return sorted(_WORDING)


# -- phrases shared by every app's wording ------------------------------------------------


def number(n: float | int) -> str:
    if isinstance(n, float) and not n.is_integer():
        return f"{n:,.1f}"
    return f"{int(n):,}"


def times(n: int) -> str:
    """How many times: "once", "4 times" / "1회", "4회"."""
    if n == 1:
        return _("once")
    return ngettext("%(count)s time", "%(count)s times", n) % {"count": number(n)}


def span(days: float) -> str:
    """A span of days as people say it: 12 days, 6 weeks, 3 months, 2 years."""
    if days < 14:
        n = max(0, round(days))
        return ngettext("%(count)s day", "%(count)s days", n) % {"count": n}
    if days < 61:
        n = round(days / 7)
        return ngettext("%(count)s week", "%(count)s weeks", n) % {"count": n}
    if days < 730:
        n = round(days / 30.44)
        return ngettext("%(count)s month", "%(count)s months", n) % {"count": n}
    n = round(days / 365.25)
    return ngettext("%(count)s year", "%(count)s years", n) % {"count": n}


def ago(days: float) -> str:
    if days < 1:
        return _("today")
    return _("%(span)s ago") % {"span": span(days)}


def percent(value: float) -> str:
    """A share in 0..1 as a whole percentage."""
    return f"{round(100 * value)}%"


def listing(parts: Iterable[str]) -> str:
    """Parts joined as a list reads in the active language."""
    return _(", ").join(part for part in parts if part)


@wording("run.interrupted")
def _run_interrupted() -> str:
    return _(
        "Interrupted: the process running it stopped (it was killed, or the machine restarted)."
    )


@wording("run.crashed")
def _run_crashed(error: str = "") -> str:
    return _("Stopped by an unexpected error (%(error)s); the server log has the details.") % {
        "error": error
    }


@wording("legacy.note")
def _legacy_note(text: str = "") -> str:
    """A note written by an earlier version of Patron, before notes were stored as codes."""
    return text


# -- the business's settings ----------------------------------------------------------------------


@wording("business.bad_phone")
def _business_bad_phone(field: str = "", value: str = "") -> str:
    return _("“%(value)s” is not a phone number: use digits, spaces and dashes.") % {"value": value}


@wording("business.not_080")
def _business_not_080(value: str = "") -> str:
    return _(
        "“%(value)s” is not a free 080 number. The law asks for a free way to refuse "
        "(무료수신거부), which is an 080 number: 080-123-4567."
    ) % {"value": value}


@wording("business.bad_sender")
def _business_bad_sender(value: str = "") -> str:
    return _(
        "“%(value)s” cannot be a sender number: give the Korean number you registered with "
        "the provider (발신번호), such as 02-123-4567 or 1588-1234."
    ) % {"value": value}


@wording("business.bad_email_from")
def _business_bad_email_from(value: str = "") -> str:
    return _(
        "“%(value)s” is not an address to send from: write it as name@example.com or as "
        "Studio Haru <hello@example.com>."
    ) % {"value": value}


@wording("business.bad_hours")
def _business_bad_hours() -> str:
    return _("Hours go from 0 to 23, and the night cannot start and end at the same hour.")


@wording("business.notice_hour_quiet")
def _business_notice_hour_quiet(hour: int = 0) -> str:
    return _(
        "Automatic notices cannot go out at %(hour)s:00: that is inside the night-time quiet hours."
    ) % {"hour": hour}


@wording("business.bad_provider")
def _business_bad_provider(value: str = "") -> str:
    return _("“%(value)s” is not a text-message provider Patron knows.") % {"value": value}
