"""The rules a message must pass: consent basis, contact pressure, and Korea's advertising law.

정보통신망법 §50 in short (see ../shared/KOREA.md): advertising needs prior consent, except the
same kind of goods within six months of the party's own purchase (시행령 §61①), when the
business turns that exception on; an advertising SMS, KakaoTalk message or email starts with
"(광고)" exactly, names the sender and a way to reach them, and ends with a free way to refuse;
between 21:00 and 08:00 Korean time it needs a separate night-time consent (Patron applies the
night rule to email too unless PATRON_EMAIL_QUIET_HOURS=false).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from zoneinfo import ZoneInfo

from django.utils import translation
from django.utils.translation import gettext as _

from patron.core.business import Business, business
from patron.parties.models import Channel

from .models import ADVERTISING, ANY, CAPPED, DEFAULT_PRESSURE_RULES, PressureRule
from .templating import Rendered

KOREA = ZoneInfo("Asia/Seoul")
AD_MARK = "(광고)"  # this exact form: "[광고]" or "(광 고)" do not satisfy §50④
TRANSACTION_EXCEPTION_MONTHS = 6  # 시행령 §61①: six months from the transaction
# A survey about what the party bought or was served, with no reward for answering: no
# advertising (§50), so no consent is needed; a recorded "no" to surveys still stops it.
SURVEY_BASIS = "basis.survey_service"


# -- night-time rule ---------------------------------------------------------------------------


def quiet_window(biz: Business | None = None) -> tuple[int, int]:
    return tuple((biz or business()).quiet_hours)


def in_quiet_hours(moment: dt.datetime, biz: Business | None = None) -> bool:
    start, end = quiet_window(biz)
    hour = moment.astimezone(KOREA).hour
    return hour >= start or hour < end if start > end else start <= hour < end


def quiet_hours_end(moment: dt.datetime, biz: Business | None = None) -> dt.datetime:
    """The first moment at or after ``moment`` outside the quiet hours (Korean time)."""
    if not in_quiet_hours(moment, biz):
        return moment
    _start, end = quiet_window(biz)
    local = moment.astimezone(KOREA)
    morning = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if morning <= local:
        morning += dt.timedelta(days=1)
    return morning.astimezone(dt.UTC)


def night_rule_applies(channel: str, message_class: str, biz: Business | None = None) -> bool:
    if message_class not in ADVERTISING:
        return False
    return channel != Channel.EMAIL or (biz or business()).email_quiet_hours


# -- consent basis ----------------------------------------------------------------------------


def consent_basis() -> dict:
    return {"code": "basis.consent"}


def transaction_basis(last_purchase: dt.date) -> dict:
    """The §50① proviso: six calendar months from the transaction (시행령 §61①), to the same
    day of the sixth month after it (or that month's last day, when it is shorter)."""
    expires = add_months(last_purchase, TRANSACTION_EXCEPTION_MONTHS)
    return {
        "code": "basis.transaction",
        "purchased": last_purchase.isoformat(),
        "expires": expires.isoformat(),
    }


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def basis_expired(basis: dict, moment: dt.datetime) -> bool:
    expires = basis.get("expires")
    return bool(expires) and moment.astimezone(KOREA).date() > dt.date.fromisoformat(expires)


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
# 정보통신망법 §50④ and 시행령 §61③: an advertisement starts with "(광고)" and names the sender;
# it says how to reach the sender; and it ends with a free way to refuse. For a text that is a
# free 080 number worded "무료수신거부" (NHN Cloud refuses anything else: error -6003, whatever
# the reader's language); for an email, a one-click link.

OPTOUT_WORD = "무료수신거부"
CONTACT_WORD = "문의"


def ad_refused_on(channel: str, biz: Business) -> dict | None:
    """Why advertising cannot go on this channel as the business is set up, or None."""
    if not biz.name:
        return {"code": "campaign.no_business_name"}
    if channel == Channel.EMAIL:
        return None if biz.contact else {"code": "campaign.no_sender"}
    if not biz.optout_number:
        return {"code": "campaign.no_optout_number"}
    if not (biz.phone or biz.sms_sender):
        return {"code": "campaign.no_sender"}
    return None


def text_contact(biz: Business) -> str:
    """How a text's reader reaches the business: its phone, else the number texts come from."""
    return biz.phone or biz.sms_sender


def frame(
    rendered: Rendered,
    *,
    channel: str,
    advertising: bool,
    language: str,
    preferences_url: str,
    unsubscribe_url: str = "",
    biz: Business | None = None,
) -> Rendered:
    """Put the sender, the "(광고)" mark and the way to refuse where the law wants them."""
    biz = biz or business()
    with translation.override(language):
        if channel == Channel.EMAIL:
            return _frame_email(rendered, advertising, preferences_url, unsubscribe_url, biz)
        return _frame_short(rendered, advertising, biz)


def _frame_email(
    rendered: Rendered, advertising: bool, preferences_url: str, unsubscribe_url: str, biz
) -> Rendered:
    subject = f"{AD_MARK} {rendered.subject}" if advertising else rendered.subject
    who = " · ".join(part for part in (biz.display_name, biz.address, biz.contact) if part)
    sent_by = _("Sent by %(sender)s") % {"sender": who}
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


def _frame_short(rendered: Rendered, advertising: bool, biz: Business) -> Rendered:
    """SMS and KakaoTalk: "(광고)" and the business's name first; its contact, then the free
    080 refusal last. No link: a long one would turn every short advertisement into an LMS."""
    body = rendered.text
    if not advertising:
        return Rendered(subject=rendered.subject, text=body, html="")
    lines = [f"{AD_MARK}{biz.display_name}", body]
    contact = text_contact(biz)
    if contact:
        lines.append(f"{CONTACT_WORD} {contact}")
    if biz.optout_number:
        lines.append(f"{OPTOUT_WORD} {biz.optout_number}")
    return Rendered(subject=rendered.subject, text="\n".join(lines), html="")


# -- advertising hidden in a service message ----------------------------------------------------
# A service notice (알림톡 included) goes to everyone, consent or not, night or day: it must
# carry no advertising. Words and figures that say "offer" are looked for before it goes, and
# the sender confirms, seeing them, that it is not advertising (KISA's reading of §50: a
# notice that promotes goods, prices or events is advertising, whatever it is called).

_AD_WORDS = re.compile(
    r"할인|쿠폰|이벤트|특가|증정|세일|적립금|프로모션|사은품|무료\s*체험|한정\s*판매|"
    r"\b(sale|discount|coupon|promo(tion)?|offer|deal|free gift|% off)\b",
    re.IGNORECASE,
)
_PRICE = re.compile(r"[₩￦]\s*\d|\d[\d,.]*\s*(원|만\s*원)|\d+(\.\d+)?\s*%")


def advertising_signs(*texts: str) -> list[str]:
    """The words and figures in these texts that read as an offer (distinct, in order)."""
    found: dict[str, None] = {}
    for text in texts:
        for match in _AD_WORDS.finditer(text or ""):
            found.setdefault(match.group(0).strip(), None)
        for match in _PRICE.finditer(text or ""):
            found.setdefault(match.group(0).strip(), None)
    return list(found)
