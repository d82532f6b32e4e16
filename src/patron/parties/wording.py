"""How the parties app's messages read: timeline entries, duplicate evidence, refusals."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from patron.core.wording import listing, number, wording

from .models import Channel, Purpose, RelationshipKind
from .normalize import format_phone


def kind_label(kind: str) -> str:
    try:
        return str(RelationshipKind(kind).label)
    except ValueError:
        return kind


# -- timeline ------------------------------------------------------------------------------


@wording("activity.party.created")
def _party_created(file: str = "", row: int | None = None, **_rest: Any) -> str:
    if file and row:
        return _("Added from %(file)s, row %(row)s") % {"file": file, "row": number(row)}
    if file:
        return _("Added from %(file)s") % {"file": file}
    return pgettext("timeline", "Added")


@wording("activity.relationship.classified")
def _classified(to: str, **_rest: Any) -> str:
    return _("Patron now reads this relationship as: %(kind)s") % {"kind": kind_label(to)}


@wording("activity.relationship.changed")
def _relationship_changed(
    kind_to: str | None = None,
    manager_to_name: str | None = None,
    manager_from_name: str | None = None,
    **rest: Any,
) -> str:
    parts = []
    if kind_to:
        parts.append(_("relationship set to %(kind)s") % {"kind": kind_label(kind_to)})
    if manager_to_name:
        parts.append(_("account manager: %(name)s") % {"name": manager_to_name})
    elif "manager_to" in rest:
        parts.append(_("account manager removed (was %(name)s)") % {"name": manager_from_name})
    if not parts:
        return _("Relationship changed")
    text = listing(parts)
    return text[:1].upper() + text[1:]


@wording("activity.party.merged")
def _merged(name: str, moved: dict[str, int] | None = None, **_rest: Any) -> str:
    what = moved_rows(moved or {})
    if what:
        return _("%(name)s was merged into this party; moved here: %(what)s") % {
            "name": name,
            "what": what,
        }
    return _("%(name)s was merged into this party") % {"name": name}


@wording("activity.party.merge_undone")
def _merge_undone(name: str, **_rest: Any) -> str:
    return _("The merge with %(name)s was undone: their history went back to them") % {"name": name}


@wording("activity.party.unmerged")
def _unmerged(name: str, **_rest: Any) -> str:
    return _("Separated again from %(name)s (a merge was undone)") % {"name": name}


@wording("activity.consent.recorded")
def _consent(channel: str, purpose: str, granted: bool, **evidence: Any) -> str:
    values = {"channel": _label(Channel, channel), "purpose": _label(Purpose, purpose)}
    if granted:
        text = _("Agreed to %(purpose)s by %(channel)s") % values
    else:
        text = _("Declined %(purpose)s by %(channel)s") % values
    if evidence.get("file") and evidence.get("row"):
        text += " " + _("(%(file)s, row %(row)s)") % {
            "file": evidence["file"],
            "row": number(evidence["row"]),
        }
    elif evidence.get("source"):
        text += f" ({consent_source_label(evidence['source'])})"
    return text


def consent_source_label(source: str) -> str:
    """How a decision reached Patron: "staff:phone_call" -> "told a member in a phone call"."""
    kind, _sep, detail = source.partition(":")
    ways = {
        "paper_form": _("a signed paper form at the counter"),
        "phone_call": _("a phone call"),
        "in_person": _("in person"),
        "kakao_channel": _("a KakaoTalk channel message"),
    }
    if kind == "staff":
        return _("told a member: %(how)s") % {"how": ways.get(detail, detail)}
    if kind == "api":
        systems = {
            "online_form": _("an online form"),
            "app": _("an app"),
            "pos": _("a till"),
            "kiosk": _("a kiosk"),
        }
        return _("another system: %(how)s") % {"how": systems.get(detail, detail)}
    if kind == "import":
        return _("from an imported file")
    if kind == "unsubscribe":
        return _("their unsubscribe link")
    labels = {
        "preferences": _("their preference page"),
        "double_opt_in": _("their confirmation link"),
        "subscribe": _("the sign-up form"),
        "demo": _("the demo"),
        "page": _("Patron's pages"),
        # An imported "yes" recorded after their "no", before imports could not do that.
        "rule": _("their earlier no stands over an imported yes"),
    }
    return str(labels.get(kind, _("another way (%(source)s)") % {"source": source}))


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label).lower()
    except ValueError:
        return value


def moved_rows(moved: dict[str, int]) -> str:
    """ "3 orders, 1 consent" from {"commerce.order": 3, "parties.consent": 1}."""
    parts = []
    for label, n in sorted(moved.items()):
        worded = MOVED_WORDS.get(label)
        parts.append(worded(n) if worded else f"{_model_name(label)} {number(n)}")
    return listing(parts)


def _model_name(label: str) -> str:
    """A table added later (an app's own rows) by its verbose name, not its code."""
    try:
        return str(apps.get_model(label)._meta.verbose_name_plural)
    except (LookupError, ValueError):
        return label


MOVED_WORDS = {
    "commerce.order": lambda n: (
        ngettext("%(count)s order", "%(count)s orders", n) % {"count": number(n)}
    ),
    "commerce.engagement": lambda n: (
        ngettext("%(count)s engagement", "%(count)s engagements", n) % {"count": number(n)}
    ),
    "parties.activity": lambda n: (
        ngettext("%(count)s timeline entry", "%(count)s timeline entries", n) % {"count": number(n)}
    ),
    "parties.consent": lambda n: (
        ngettext("%(count)s consent", "%(count)s consents", n) % {"count": number(n)}
    ),
    "parties.contactpoint": lambda n: (
        ngettext("%(count)s email or phone", "%(count)s emails and phones", n)
        % {"count": number(n)}
    ),
    "parties.externalref": lambda n: (
        ngettext("%(count)s id in another system", "%(count)s ids in other systems", n)
        % {"count": number(n)}
    ),
}


@wording("merge.moves")
def _merge_moves(moved: dict[str, int] | None = None) -> str:
    return moved_rows(moved or {}) or _("nothing")


# -- duplicates ----------------------------------------------------------------------------


@wording("duplicate.same_email")
def _same_email(value: str = "") -> str:
    return _("the same email: %(email)s") % {"email": value}


@wording("duplicate.same_phone")
def _same_phone(value: str = "") -> str:
    return _("the same phone number: %(phone)s") % {
        "phone": format_phone(value, settings.PATRON_DEFAULT_REGION)
    }


@wording("duplicate.same_name")
def _same_name(name: str = "", written: str | None = None) -> str:
    if written:
        return _("the same name, written differently: “%(a)s” / “%(b)s”") % {
            "a": name,
            "b": written,
        }
    return _("the same name: %(name)s") % {"name": name}


@wording("duplicate.same_birthday")
def _same_birthday() -> str:
    return _("the same birthday")


@wording("duplicate.same_email_name")
def _same_email_name() -> str:
    return _("the same email name at another provider")


@wording("duplicate.same_phone_number")
def _same_phone_number() -> str:
    return _("the same phone number under another prefix")


# -- refusals ------------------------------------------------------------------------------


@wording("merge.same_party")
def _merge_same() -> str:
    return _("A party cannot be merged with itself.")


@wording("merge.already_merged")
def _merge_already() -> str:
    return _("One of the two was already merged into another party.")


@wording("merge.undone_already")
def _undone_already() -> str:
    return _("This merge was undone already.")


@wording("merge.too_old")
def _too_old(days: int) -> str:
    return ngettext(
        "A merge can be undone for %(count)s day; this one is older.",
        "A merge can be undone for %(count)s days; this one is older.",
        days,
    ) % {"count": days}


@wording("merge.survivor_merged")
def _survivor_merged(name: str) -> str:
    return _("This party was merged into %(name)s since: undo that merge first.") % {"name": name}


@wording("relationship.unknown_kind")
def _unknown_kind(kind: str) -> str:
    return _("“%(kind)s” is not a kind of relationship.") % {"kind": kind}
