from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.translation import gettext as _

from patron.commerce.wording import source_label
from patron.core import formats
from patron.core.wording import say as say_message
from patron.parties.normalize import format_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """+821012345678 as people read it: 010-1234-5678 in Korea, +82 10-1234-5678 elsewhere."""
    return format_phone(value, settings.PATRON_DEFAULT_REGION) if value else ""


@register.filter
def say(message) -> str:
    """A stored message (code and numbers) in the reader's language."""
    return say_message(message)


@register.filter
def money(amount, currency: str = "") -> str:
    """An amount with its currency; the business's currency when none is given."""
    return formats.money(amount, currency or settings.PATRON_DEFAULT_CURRENCY)


@register.filter
def quantity(value) -> str:
    return formats.quantity(value)


@register.filter
def percent(value) -> str:
    return "" if value is None else f"{round(100 * float(value))}%"


@register.filter
def action_name(code: str) -> str:
    from patron.outreach.wording import action_label

    return action_label(code)


@register.filter
def signed_money(amount, currency: str = "") -> str:
    """An amount of money with its sign: "+1,450원", "-300원"."""
    if amount is None:
        return ""
    shown = money(abs(amount), currency)
    return ("-" if amount < 0 else "+") + shown


@register.filter
def pp_change(value) -> str:
    """A difference of two rates in percentage points, with its sign: "+3.2 pp"."""
    from django.utils.translation import gettext as _

    if value is None:
        return ""
    return _("%(value)s pp") % {"value": f"{100 * float(value):+.1f}"}


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters changed (for pagers and sort links)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


@register.filter
def source(value: str) -> str:
    """An order's source or a file's format in the reader's words."""
    return source_label(value) if value else ""


@register.filter
def total(report: dict, prefix: str) -> int:
    """The sum of a campaign report's counts whose key starts with the prefix ("sent_")."""
    return sum(count for key, count in (report or {}).items() if key.startswith(prefix))


@register.filter
def report_label(key: str) -> str:
    from patron.outreach.wording import report_label as label

    return label(key)


@register.filter
def kind_or_any(kind: str) -> str:
    from django.utils.translation import gettext as _

    from patron.parties.wording import kind_label

    return _("Every kind") if kind == "*" else kind_label(kind)


@register.filter
def class_or_any(message_class: str) -> str:
    from django.utils.translation import gettext as _

    from patron.outreach.wording import class_label

    return _("Any marketing message") if message_class == "*" else class_label(message_class)


@register.filter
def channel_name(channel: str) -> str:
    from patron.outreach.wording import channel_label

    return channel_label(channel)


@register.filter
def provider_name(provider: str) -> str:
    names = {"solapi": "Solapi", "nhn": "NHN Cloud", "smtp": "SMTP"}
    return names.get(provider, provider.capitalize() if provider else "")


@register.filter
def split(text: str) -> list[str]:
    return text.split()


@register.filter
def field(form, name: str):
    """A form's bound field by name (for templates that list fields by name)."""
    return form[name]


@register.filter
def status_name(status: str) -> str:
    """An outbox status in the reader's words."""
    from patron.outreach.models import OutboxStatus

    try:
        return str(OutboxStatus(status).label)
    except ValueError:
        return status


@register.filter
def consent_source(source: str) -> str:
    """How a decision was recorded, in the reader's words."""
    from patron.parties.wording import consent_source_label

    return consent_source_label(source)


@register.filter
def long_datetime(moment) -> str:
    """A moment as the reader writes it: 2026년 12월 8일 (화) 오후 7:00."""
    from patron.core import formats

    return formats.long_datetime(moment) if moment else ""


@register.filter
def long_date(day) -> str:
    """A date (or a moment's date, in the business's time zone) as the reader writes it."""
    import datetime as dt

    from django.utils import timezone

    from patron.core import formats

    if isinstance(day, dt.datetime):
        day = timezone.localtime(day).date()
    return formats.long_date(day) if day else ""


@register.filter
def day_kind(kind: str) -> str:
    """A kind of the day's automatic messages, in the reader's words."""
    from django.utils.translation import gettext as _

    return {
        "notices": _("Notices"),
        "cadences": _("Keep-in-touch messages"),
        "invitations": _("Invitations"),
    }.get(kind, kind)


@register.filter
def recognised(item: dict) -> str:
    """How one column of an imported file was read (commerce.wording "header.recognised")."""
    return say_message({"code": "header.recognised", **item})


@register.filter
def unknown_status(item: dict) -> str:
    return say_message({"code": "import.unknown_status", **item})


@register.filter
def member_name(user) -> str:
    """A team member as the team knows them; a dash for nobody."""
    from patron.accounts.services import display_name

    return display_name(user) if user else "—"


@register.filter
def activity_text(entry) -> str:
    """A timeline entry (parties.Activity) in the reader's language."""
    return say_message({"code": f"activity.{entry.verb}", **entry.data})


@register.filter
def feedback_view(name: str) -> str:
    labels = {
        "overdue": _("Overdue"),
        "due_soon": _("Due soon"),
        "mine": _("Mine"),
        "open": _("Open"),
        "waiting": _("Waiting on the party"),
        "escalated": _("Passed to the owner"),
        "closed": _("Closed"),
    }
    return str(labels.get(name, name))


@register.filter
def stage_name(stage: str) -> str:
    from patron.insight.models import Stage

    try:
        return str(Stage(stage).label)
    except ValueError:
        return stage or "—"


@register.filter
def severity_name(severity: str) -> str:
    from patron.feedback.models import Severity

    try:
        return str(Severity(severity).label)
    except ValueError:
        return severity


@register.filter
def intcomma_points(value) -> str:
    from django.utils.translation import gettext as _

    return _("%(points)s points") % {"points": f"{int(value or 0):,}"}
