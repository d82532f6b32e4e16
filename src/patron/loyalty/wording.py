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


@wording("counter.bad_phone")
def _bad_phone(**_rest: Any) -> str:
    return _("That is not a phone number: type it as on their phone, e.g. 010-1234-5678.")


@wording("counter.bad_amount")
def _bad_amount(**_rest: Any) -> str:
    return _("The sale's amount must be above zero.")


@wording("counter.too_many_points")
def _too_many(asked: int = 0, most: int = 0, **_rest: Any) -> str:
    return _("%(asked)s points cannot be used on this sale: at most %(most)s.") % {
        "asked": number(asked),
        "most": number(most),
    }


@wording("counter.number_used")
def _number_used(**_rest: Any) -> str:
    return _("This sale's number belongs to another party's sale.")


@wording("points.counter_use")
def _counter_use(order: str = "", **_rest: Any) -> str:
    return _("used at the counter (%(order)s)") % {"order": order}


@wording("activity.points.counter_sale")
def _counter_sale(amount: int = 0, used: int = 0, earned: int = 0, **_rest: Any) -> str:
    return _("A sale at the counter of %(amount)s: %(used)s points used, %(earned)s earned") % {
        "amount": number(amount),
        "used": number(used),
        "earned": number(earned),
    }


@wording("points.revoke.undone", "points.refund.undone")
def _undone(**_rest: Any) -> str:
    return _("its import was undone")


@wording("activity.loyalty.grade_changed")
def _grade_changed(old: str = "", new: str = "", cause: str = "", amount: int = 0, **_rest) -> str:
    grades = {"old": old or _("no grade"), "new": new or _("no grade")}
    if cause == "by_hand":
        return _("Member grade set by hand: %(old)s → %(new)s") % grades
    if cause == "hand_ended":
        return _("The grade set by hand ended: %(old)s → %(new)s") % grades
    return _("Member grade: %(old)s → %(new)s (paid in 12 months: %(amount)s)") % {
        **grades,
        "amount": number(amount),
    }


@wording("grade.until_past")
def _until_past(**_rest: Any) -> str:
    return _("A grade set by hand needs an end date from today on.")


@wording("grade.until_far")
def _until_far(years: int = 3, **_rest: Any) -> str:
    return _("A grade set by hand ends within %(years)s years.") % {"years": years}
