"""The rules a message must pass: consent basis, contact pressure, and Korea's advertising law.

정보통신망법 §50 in short (see ../shared/KOREA.md): advertising needs prior consent, except the
same kind of goods within six months of the party's own purchase (시행령 §61①), when the
business turns that exception on; an advertising SMS, KakaoTalk message or email starts with
"(광고)" exactly, names the sender and a way to reach them, and ends with a free way to refuse;
between 21:00 and 08:00 Korean time it needs a separate night-time consent (Patron applies the
night rule to email too unless PATRON_EMAIL_QUIET_HOURS=false).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from patron.parties.models import Channel

from .models import ADVERTISING, ANY, CAPPED, DEFAULT_PRESSURE_RULES, PressureRule
from .templating import Rendered

KOREA = ZoneInfo("Asia/Seoul")
AD_MARK = "(광고)"  # this exact form: "[광고]" or "(광 고)" do not satisfy §50④
TRANSACTION_EXCEPTION_DAYS = 183  # six months (시행령 §61①)


# -- night-time rule ---------------------------------------------------------------------------


def quiet_window() -> tuple[int, int]:
    return settings.PATRON_QUIET_HOURS


def in_quiet_hours(moment: dt.datetime) -> bool:
    start, end = quiet_window()
    hour = moment.astimezone(KOREA).hour
    return hour >= start or hour < end if start > end else start <= hour < end


def quiet_hours_end(moment: dt.datetime) -> dt.datetime:
    """The first moment at or after ``moment`` outside the quiet hours (Korean time)."""
    if not in_quiet_hours(moment):
        return moment
    _start, end = quiet_window()
    local = moment.astimezone(KOREA)
    morning = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if morning <= local:
        morning += dt.timedelta(days=1)
    return morning.astimezone(dt.UTC)


def night_rule_applies(channel: str, message_class: str) -> bool:
    if message_class not in ADVERTISING:
        return False
    return channel != Channel.EMAIL or settings.PATRON_EMAIL_QUIET_HOURS


# -- consent basis ----------------------------------------------------------------------------


def consent_basis() -> dict:
    return {"code": "basis.consent"}


def transaction_basis(last_purchase: dt.date) -> dict:
    expires = last_purchase + dt.timedelta(days=TRANSACTION_EXCEPTION_DAYS)
    return {
        "code": "basis.transaction",
        "purchased": last_purchase.isoformat(),
        "expires": expires.isoformat(),
    }


def basis_expired(basis: dict, moment: dt.datetime) -> bool:
    expires = basis.get("expires")
    return bool(expires) and moment.astimezone(KOREA).date() >= dt.date.fromisoformat(expires)


# -- contact pressure -------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    message_class: str
    max_messages: int
    days: int


def pressure_rules() -> dict[str, list[Rule]]:
    """Rules by relationship kind; kind "*" applies to kinds without rules of their own. The
    business's own rules (PressureRule rows) replace the defaults they name."""
    chosen = {(kind, cls): (n, days) for kind, cls, n, days in DEFAULT_PRESSURE_RULES}
    for kind, message_class, max_messages, days in PressureRule.objects.values_list(
        "kind", "message_class", "max_messages", "days"
    ):
        chosen[(kind, message_class)] = (max_messages, days)
    rules: dict[str, list[Rule]] = defaultdict(list)
    for (kind, message_class), (max_messages, days) in chosen.items():
        rules[kind].append(Rule(message_class, max_messages, days))
    return rules


def longest_window(rules: dict[str, list[Rule]]) -> int:
    return max((rule.days for group in rules.values() for rule in group), default=0)


def over_budget(
    kind: str,
    message_class: str,
    history: Iterable[tuple[str, dt.datetime]],
    rules: dict[str, list[Rule]],
    moment: dt.datetime,
) -> Rule | None:
    """The rule one more message of this class would break, given the party's recent capped
    messages (class, when), or None when it fits the budget."""
    if message_class not in CAPPED:
        return None
    history = list(history)
    for rule in rules.get(kind) or rules.get(ANY, []):
        if rule.message_class not in (ANY, message_class):
            continue
        since = moment - dt.timedelta(days=rule.days)
        used = sum(
            1
            for sent_class, when in history
            if when >= since and rule.message_class in (ANY, sent_class)
        )
        if used + 1 > rule.max_messages:
            return rule
    return None


# -- how an advertisement must look ---------------------------------------------------------


def sender_contact(channel: str) -> str:
    """How to reach the sender (§50④): the business's own contact, else the address the
    message comes from (the registered number of a text, the From address of an email)."""
    if settings.PATRON_SENDER_CONTACT:
        return settings.PATRON_SENDER_CONTACT
    if channel == Channel.EMAIL:
        from email.utils import parseaddr

        return parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return settings.PATRON_SMS_SENDER


def sender_line(channel: str = Channel.EMAIL) -> str:
    return f"{settings.PATRON_SENDER_NAME} {sender_contact(channel)}".strip()


def frame(
    rendered: Rendered,
    *,
    channel: str,
    advertising: bool,
    language: str,
    preferences_url: str,
    unsubscribe_url: str = "",
) -> Rendered:
    """Put the sender, the "(광고)" mark and the way to refuse where the law wants them."""
    with translation.override(language):
        if channel == Channel.EMAIL:
            return _frame_email(rendered, advertising, preferences_url, unsubscribe_url)
        return _frame_short(rendered, advertising, preferences_url)


def _frame_email(
    rendered: Rendered, advertising: bool, preferences_url: str, unsubscribe_url: str
) -> Rendered:
    subject = f"{AD_MARK} {rendered.subject}" if advertising else rendered.subject
    sent_by = _("Sent by %(sender)s") % {"sender": sender_line(Channel.EMAIL)}
    url = unsubscribe_url or preferences_url
    if advertising:
        refuse = _("To stop receiving these, unsubscribe free of charge: %(url)s")
    else:
        refuse = _("Choose what you receive: %(url)s")
    text = f"{rendered.text}\n\n--\n{sent_by}\n{refuse % {'url': url}}\n"
    link = f'<a href="{escape(url)}">{escape(url)}</a>'
    footer = f"{escape(sent_by)}<br>{escape(refuse) % {'url': link}}"
    page = f'{rendered.html}<hr>\n<p style="font-size:12px;color:#555">{footer}</p>\n'
    return Rendered(subject=subject, text=text, html=page)


def _frame_short(rendered: Rendered, advertising: bool, preferences_url: str) -> Rendered:
    """SMS and KakaoTalk: one text; "(광고)" and the sender first, the refusal last."""
    body = rendered.text
    if not advertising:
        return Rendered(subject=rendered.subject, text=body, html="")
    opt_out = settings.PATRON_SMS_OPTOUT_NUMBER
    if opt_out:
        refuse = _("Free opt-out %(number)s") % {"number": opt_out}
    else:
        refuse = _("Opt out: %(url)s") % {"url": preferences_url}
    text = f"{AD_MARK}{sender_line(Channel.SMS)}\n{body}\n{refuse}"
    return Rendered(subject=rendered.subject, text=text, html="")
