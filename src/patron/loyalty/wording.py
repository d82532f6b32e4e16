"""How the loyalty app's messages read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from patron.core.formats import long_date, money
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
def _counter_sale(
    amount: int = 0, used: int = 0, earned: int = 0, coupon: str = "", off: int = 0, **_rest: Any
) -> str:
    text = _("A sale at the counter of %(amount)s: %(used)s points used, %(earned)s earned") % {
        "amount": number(amount),
        "used": number(used),
        "earned": number(earned),
    }
    if coupon:
        text += " · " + _("coupon %(code)s: %(off)s off") % {"code": coupon, "off": number(off)}
    return text


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
        "amount": money(amount, settings.PATRON_DEFAULT_CURRENCY),
    }


@wording("grade.until_past")
def _until_past(**_rest: Any) -> str:
    return _("A grade set by hand needs an end date from today on.")


@wording("grade.until_far")
def _until_far(years: int = 3, **_rest: Any) -> str:
    return _("A grade set by hand ends within %(years)s years.") % {"years": years}


@wording("coupon.bad_code")
def _coupon_bad_code(coupon: str = "", **_rest: Any) -> str:
    return _(
        "A coupon code is 3 to 40 letters, digits, hyphens or underscores: %(code)s is not one."
    ) % {"code": coupon or "—"}


@wording("coupon.not_found")
def _coupon_not_found(coupon: str = "", **_rest: Any) -> str:
    return _("There is no coupon %(code)s.") % {"code": coupon}


@wording("coupon.not_started")
def _coupon_not_started(coupon: str = "", day=None, **_rest: Any) -> str:
    return _("Coupon %(code)s can be used from %(day)s.") % {"code": coupon, "day": _day(day)}


@wording("coupon.expired")
def _coupon_expired(coupon: str = "", day=None, **_rest: Any) -> str:
    return _("Coupon %(code)s expired on %(day)s.") % {"code": coupon, "day": _day(day)}


@wording("coupon.min_order")
def _coupon_min_order(coupon: str = "", least: int = 0, **_rest: Any) -> str:
    return _("Coupon %(code)s needs a sale of at least %(least)s won.") % {
        "code": coupon,
        "least": number(least),
    }


@wording("coupon.not_theirs")
def _coupon_not_theirs(coupon: str = "", **_rest: Any) -> str:
    return _("Coupon %(code)s was not given to this person.") % {"code": coupon}


@wording("coupon.used_by_party")
def _coupon_used_by_party(coupon: str = "", uses: int = 1, **_rest: Any) -> str:
    return ngettext(
        "Coupon %(code)s was already used: it can be used once per person.",
        "Coupon %(code)s was already used %(uses)s times: the most per person.",
        uses,
    ) % {"code": coupon, "uses": uses}


@wording("coupon.used_up")
def _coupon_used_up(coupon: str = "", **_rest: Any) -> str:
    return _("Coupon %(code)s has been used as many times as it may be.") % {"code": coupon}


@wording("coupon.bad_value")
def _coupon_bad_value(**_rest: Any) -> str:
    return _("A percentage off is from 1 to 100; an amount off is above zero.")


@wording("coupon.bad_days")
def _coupon_bad_days(**_rest: Any) -> str:
    return _("A coupon's last day comes after its first.")


@wording("activity.loyalty.coupon_issued")
def _coupon_issued(coupon: str = "", **_rest: Any) -> str:
    return _("Given coupon %(code)s") % {"code": coupon}


def _day(day) -> str:
    if day is None:
        return ""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return long_date(day)


@wording("coupon.code_taken")
def _coupon_code_taken(coupon: str = "", **_rest: Any) -> str:
    return _("Another coupon has the code %(code)s.") % {"code": coupon}


@wording("points.earn.birthday")
def _earn_birthday(year: int = 0, **_rest: Any) -> str:
    return _("a birthday present (%(year)s)") % {"year": year}


@wording("points.earn.referral")
def _earn_referral(name: str = "", **_rest: Any) -> str:
    return _("for bringing %(name)s") % {"name": name}


@wording("referral.same_person")
def _same_person(**_rest: Any) -> str:
    return _("Nobody can refer themselves: these two share a record, a phone number or an email.")


@wording("referral.already")
def _already_referred(**_rest: Any) -> str:
    return _("Who referred this person is recorded already.")


@wording("referral.not_new")
def _not_new(**_rest: Any) -> str:
    return _("This person bought before: a referral is for someone new.")


@wording("referral.nobody")
def _nobody(**_rest: Any) -> str:
    return _("Nobody has that phone number.")


@wording("referral.many")
def _many(**_rest: Any) -> str:
    return _("More than one person has that phone number: merge the duplicates first.")


@wording("activity.loyalty.referred_by")
def _referred_by(referrer: str = "", **_rest: Any) -> str:
    return _("Referred by %(name)s") % {"name": referrer}


@wording("activity.loyalty.referred")
def _referred(referred: str = "", **_rest: Any) -> str:
    return _("Referred %(name)s") % {"name": referred}


@wording("points.moved")
def _moved(name: str = "", **_rest: Any) -> str:
    return _("moved to %(name)s's record (the two were merged, or their merge undone)") % {
        "name": name
    }


@wording("coupon.below_used")
def _below_used(coupon: str = "", used: int = 0, **_rest: Any) -> str:
    return _(
        "Coupon %(code)s was used %(used)s times already: its uses in all cannot be fewer."
    ) % {
        "code": coupon,
        "used": number(used),
    }
