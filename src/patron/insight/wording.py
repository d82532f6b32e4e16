"""How the insight app's messages read: reasons, stages, advice, preferences, scoring problems."""

from __future__ import annotations

from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from patron.core.formats import money
from patron.core.wording import ago, listing, number, span, times, wording

# -- why a party is a customer or a client (analytics.classify) ---------------------------------


@wording("reason.tailored_repeat")
def _tailored_repeat(times: int, days: float) -> str:
    return _("came back for tailored work %(times)s over %(span)s") % {
        "times": _times(times),
        "span": span(days),
    }


@wording("reason.bookings_kept")
def _bookings_kept(times: int, days: float) -> str:
    return ngettext(
        "came to %(count)s booked appointment over %(span)s",
        "came to %(count)s booked appointments over %(span)s",
        times,
    ) % {"count": number(times), "span": span(days)}


@wording("reason.tailored_some")
def _tailored_some(times: int) -> str:
    return _("had tailored work done (%(times)s)") % {"times": _times(times)}


@wording("reason.tenure")
def _tenure(days: float) -> str:
    return _("has been with the business for %(span)s") % {"span": span(days)}


@wording("reason.tailored_share")
def _tailored_share(percent: int) -> str:
    return _("%(percent)s%% of purchases included tailored services") % {"percent": percent}


@wording("reason.account_manager")
def _account_manager() -> str:
    return _("has a dedicated account manager")


@wording("reason.business_reorders")
def _business_reorders(orders: int) -> str:
    return ngettext(
        "a business that has ordered %(count)s time",
        "a business that has ordered %(count)s times",
        orders,
    ) % {"count": number(orders)}


@wording("reason.not_yet_client")
def _not_yet_client(points: int, needed: int) -> str:
    return _("some signs of a closer relationship, not yet enough for a client")


@wording("reason.catalogue_only")
def _catalogue_only(purchases: int) -> str:
    if purchases == 0:
        return _("no purchases or tailored work yet")
    return ngettext(
        "%(count)s purchase, of catalogue products only",
        "%(count)s purchases, all of catalogue products",
        purchases,
    ) % {"count": number(purchases)}


def _times(n: int) -> str:
    return times(n)


# The same reasons as a heading over a count (dashboard: "Why clients are clients").
REASON_HEADINGS = {
    "reason.tailored_repeat": lambda: _("came back for tailored work over months"),
    "reason.bookings_kept": lambda: _("keeps booking and coming"),
    "reason.tailored_some": lambda: _("had some tailored work done"),
    "reason.tenure": lambda: _("a long relationship with tailored work"),
    "reason.tailored_share": lambda: _("most purchases include tailored services"),
    "reason.account_manager": lambda: _("a dedicated account manager"),
    "reason.business_reorders": lambda: _("a business that reorders"),
    "reason.catalogue_only": lambda: _("catalogue products only"),
    "reason.not_yet_client": lambda: _("some signs of a closer relationship, not enough yet"),
}


def reason_heading(code: str) -> str:
    heading = REASON_HEADINGS.get(code)
    return heading() if heading else code


# -- why a customer is worth a closer relationship (analytics.propensity) -------------------------


@wording("candidate.value_top")
def _value_top(percent: int) -> str:
    return _("predicted value in the top %(percent)s%%") % {"percent": percent}


@wording("candidate.came_back")
def _came_back(days: int) -> str:
    return ngettext(
        "bought again on %(count)s more day", "bought again on %(count)s more days", days
    ) % {"count": number(days)}


@wording("candidate.active")
def _active(percent: int) -> str:
    return _("still active (%(percent)s%% likely)") % {"percent": percent}


@wording("candidate.buys_tailored")
def _buys_tailored(percent: int) -> str:
    return _("already buys tailored work (%(percent)s%% of purchases)") % {"percent": percent}


@wording("candidate.business")
def _business() -> str:
    return _("buys for a business")


@wording("candidate.satisfied")
def _satisfied() -> str:
    return _("is very satisfied")


# -- a party's stage and the facts beside it (analytics.read_activity) -----------------------------


@wording("stage.recent_first")
def _recent_first(days: float) -> str:
    return _("First bought %(ago)s.") % {"ago": ago(days)}


@wording("stage.at_pace")
def _at_pace() -> str:
    return _("Buying as usual.")


@wording("stage.quiet_but_likely")
def _quiet_but_likely(gap_days: float, silent_days: float) -> str:
    return _(
        "A little quieter than usual (buys every %(gap)s or so; nothing for %(silent)s), "
        "but likely to come back."
    ) % {"gap": span(gap_days), "silent": span(silent_days)}


@wording("stage.overdue")
def _overdue(gap_days: float, silent_days: float) -> str:
    return _("Quieter than usual: buys every %(gap)s or so, but nothing for %(silent)s.") % {
        "gap": span(gap_days),
        "silent": span(silent_days),
    }


@wording("stage.less_likely_active")
def _less_likely(percent: int) -> str:
    return _("Less than an even chance that they still buy from us (%(percent)s%%).") % {
        "percent": percent
    }


@wording("stage.unlikely_active")
def _unlikely(percent: int) -> str:
    return _("Only a %(percent)s%% chance that they still buy from us.") % {"percent": percent}


@wording("stage.single_quiet", "stage.single_long_quiet")
def _single_quiet(days: float) -> str:
    return _("Bought once, %(ago)s, and not since.") % {"ago": ago(days)}


@wording("fact.chance_active")
def _chance_active(percent: int) -> str:
    return _("Chance they are still an active buyer: %(percent)s%%") % {"percent": percent}


@wording("fact.usual_gap")
def _usual_gap(days: float) -> str:
    return _("Usually buys every %(span)s") % {"span": span(days)}


@wording("fact.bought_once")
def _bought_once() -> str:
    return _("Bought once so far")


@wording("fact.no_rhythm")
def _no_rhythm(purchases: int) -> str:
    return ngettext(
        "%(count)s purchase day so far: too few to know their rhythm",
        "%(count)s purchase days so far: too few to know their rhythm",
        purchases,
    ) % {"count": number(purchases)}


@wording("fact.last_bought")
def _last_bought(days: float) -> str:
    return _("Last bought %(ago)s") % {"ago": ago(days)}


@wording("advice.new")
def _advice_new() -> str:
    return _("New: welcome them and make the second purchase easy.")


@wording("advice.active")
def _advice_active() -> str:
    return _("Active: keep in touch at their usual rhythm.")


@wording("advice.at_risk")
def _advice_at_risk() -> str:
    return _("At risk: a personal note now, before they drift away.")


@wording("advice.dormant")
def _advice_dormant() -> str:
    return _("Dormant client: normal for clients. A check-in, not a discount.")


@wording("advice.booked_ahead")
def _advice_booked_ahead() -> str:
    return _("Booked again: no need to win them back. Make the visit count.")


@wording("advice.lost")
def _advice_lost() -> str:
    return _("Probably lost: only a strong reason will bring them back.")


# -- preferences (analytics.preference_profile) ---------------------------------------------------


@wording("pref.none")
def _pref_none() -> str:
    return _("No purchases yet.")


@wording("pref.offerings")
def _pref_offerings(names: list[str]) -> str:
    return _("Usually buys: %(names)s") % {"names": listing(names)}


@wording("pref.interval")
def _pref_interval(days: float) -> str:
    return _("About every %(span)s") % {"span": span(days)}


CHANNELS = {
    "web": lambda: _("online"),
    "online": lambda: _("online"),
    "store": lambda: _("in the shop"),
    "pos": lambda: _("in the shop"),
    "shopify_draft_order": lambda: _("an order entered by staff"),
    "phone": lambda: _("by phone"),
}


def channel_label(channel: str) -> str:
    """A sales channel in the reader's words; one an export names otherwise, as written."""
    label = CHANNELS.get(channel.strip().lower())
    return label() if label else channel


@wording("pref.channel")
def _pref_channel(channel: str) -> str:
    return _("Mostly through: %(channel)s") % {"channel": channel_label(channel)}


@wording("pref.weekday")
def _pref_weekday(weekday: int) -> str:
    return _("Mostly on %(weekday)s") % {"weekday": WEEKDAYS[weekday]}


TIMES_OF_DAY = {
    "morning": lambda: _("Mostly in the morning"),
    "afternoon": lambda: _("Mostly in the afternoon"),
    "evening": lambda: _("Mostly in the evening"),
    "night": lambda: _("Mostly at night"),
}


@wording("pref.time")
def _pref_time(time: str) -> str:
    return TIMES_OF_DAY[time]()


@wording("pref.basket")
def _pref_basket(amount: float, currency: str) -> str:
    return _("Typical basket: %(amount)s") % {"amount": money(amount, currency)}


@wording("pref.discount")
def _pref_discount(percent: int) -> str:
    if percent == 0:
        return _("Never used a discount")
    if percent >= 50:
        return _("Price-sensitive: %(percent)s%% of purchases used a discount") % {
            "percent": percent
        }
    return _("Used a discount on %(percent)s%% of purchases") % {"percent": percent}


# -- scoring problems ---------------------------------------------------------------------


@wording("score.unknown_model")
def _unknown_model(model: str, models: list[str] | None = None) -> str:
    return _("“%(model)s” is not a model Patron has; it has %(models)s.") % {
        "model": model,
        "models": listing(models or []),
    }


@wording("score.no_purchases")
def _no_purchases() -> str:
    return _("There are no purchases to learn from yet: import orders first.")


@wording("score.not_converged")
def _not_converged(model: str = "") -> str:
    return _(
        "The purchase model did not settle on an answer for this data, so its numbers are not "
        "trusted; the previous scores stay in place. More history usually helps."
    )


@wording("model.too_few_buyers")
def _too_few_buyers(minimum: int, repeat: int, parties: int) -> str:
    return _(
        "Too little history to learn from: the model needs at least %(minimum)s parties who "
        "bought more than once; there are %(repeat)s among %(parties)s."
    ) % {"minimum": minimum, "repeat": number(repeat), "parties": number(parties)}


@wording("model.too_few_spenders")
def _too_few_spenders(repeat: int) -> str:
    return _(
        "Too few repeat buyers (%(repeat)s) to learn how much people spend; at least 10 are needed."
    ) % {"repeat": number(repeat)}


@wording("model.no_maximum", "model.not_identified")
def _no_maximum() -> str:
    return _(
        "The purchase model could not be fitted to this data; the previous scores stay in place."
    )
