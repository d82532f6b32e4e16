"""How the loyalty app's messages read."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from patron.core.wording import number, wording


@wording("points.not_positive")
def _not_positive(points: int = 0, **_rest: Any) -> str:
    return _("Points must be a whole number above zero, not %(points)s.") % {"points": points}


@wording("points.not_enough")
def _not_enough(wanted: int = 0, balance: int = 0, **_rest: Any) -> str:
    return _("Not enough points: %(wanted)s asked, %(balance)s usable.") % {
        "wanted": number(wanted),
        "balance": number(balance),
    }


@wording("points.released")
def _released(**_rest: Any) -> str:
    return _("became usable")


@wording("points.expired")
def _expired(**_rest: Any) -> str:
    return _("expired")


@wording("points.earn.order")
def _earn_order(order: str = "", rate: str = "", **_rest: Any) -> str:
    return _("earned on order %(order)s (%(rate)s%%)") % {"order": order, "rate": rate}


@wording("points.revoke.order")
def _revoke_order(order: str = "", short: int = 0, **_rest: Any) -> str:
    text = _("taken back: order %(order)s was cancelled or returned") % {"order": order}
    if short:
        text += " · " + _("%(n)s had been used already") % {"n": number(short)}
    return text


@wording("points.refund.order")
def _refund_order(order: str = "", **_rest: Any) -> str:
    return _("given back: order %(order)s was cancelled or returned") % {"order": order}


@wording("points.key_reused")
def _key_reused(key: str = "", **_rest: Any) -> str:
    return _(
        "This request's number (%(key)s) was used for another operation: nothing was done."
    ) % {"key": key}


@wording("points.not_a_lot")
def _not_a_lot(**_rest: Any) -> str:
    return _("Only earned points can be taken back.")


@wording("points.not_a_spending")
def _not_a_spending(**_rest: Any) -> str:
    return _("Only points that were used can be given back.")
