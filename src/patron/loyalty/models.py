"""Points (적립금): an append-only ledger of lots and the allocations that draw on them.

Every earning is a lot (an ``EARN`` entry, or a ``REFUND`` of points spent on an order that
was cancelled): its amount, why, when it becomes spendable and when it expires. What a lot
holds is the sum of its allocations: its release (+), the spends and expiries drawn from it
(-). Each entry says by how much it changes the spendable balance (``delta``); the cached
balance (``PointBalance``) is the sum of the deltas, kept by a conditional UPDATE and a CHECK
that it is never negative. Entries and allocations are never changed or deleted: database
triggers refuse it (migration 0001), and each entry carries a unique idempotency key, so a
request replayed writes nothing twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patron.commerce.models import Order
from patron.parties.models import Party


class EntryKind(models.TextChoices):
    EARN = "earn", _("Earned")  # a lot, pending until its release (delta 0)
    RELEASE = "release", _("Became usable")  # the lot's points join the balance
    SPEND = "spend", _("Used")
    EXPIRE = "expire", _("Expired")
    REVOKE = "revoke", _("Taken back")  # an earning undone (a cancelled or returned order)
    REFUND = "refund", _("Given back")  # points spent on an order undone: a new lot, usable
    ADJUST = "adjust", _("Corrected by a person")
    MOVE = "move", _("Moved")  # to another record of the same person (a merge, its undoing)


# Entries that are lots: points that can be drawn from.
LOT_KINDS = (EntryKind.EARN, EntryKind.REFUND)


class PointEntry(models.Model):
    party_merge = "keep"  # never moved: the ledger is append-only (triggers refuse updates)

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+", db_index=False)
    kind = models.CharField(max_length=8, choices=EntryKind)
    # The points of the entry (always positive) and its effect on the spendable balance.
    amount = models.PositiveIntegerField()
    delta = models.IntegerField()
    # Why, as a message: {"code": "points.earn.order", "order": "SO-1", "rate": 1}.
    reason = models.JSONField(default=dict, blank=True)
    # Lots: when the points become usable and when they expire.
    available_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # The order it is about. Not a constraint: an import undone removes its orders, and the
    # ledger, which is never changed, keeps the number (after taking back what they earned).
    order = models.ForeignKey(
        Order,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # What this entry undoes or settles (a revoke's earning, a refund's spend, a lot's release).
    of_entry = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["party", "created_at"], name="point_entry_party"),
            models.Index(fields=["kind", "available_at"], name="point_entry_release"),
            models.Index(fields=["kind", "expires_at"], name="point_entry_expiry"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="point_entry_amount")
        ]


class PointAllocation(models.Model):
    """What an entry put into or took out of a lot (signed)."""

    party_merge = "keep"

    entry = models.ForeignKey(PointEntry, on_delete=models.PROTECT, related_name="allocations")
    lot = models.ForeignKey(PointEntry, on_delete=models.PROTECT, related_name="drawn")
    amount = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["lot"], name="point_allocation_lot")]


class PointBalance(models.Model):
    """The spendable balance, cached: always the sum of the party's entries' deltas."""

    party_merge = "keep"

    party = models.OneToOneField(
        Party, on_delete=models.PROTECT, primary_key=True, related_name="points"
    )
    available = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(available__gte=0), name="point_balance_never_negative"
            )
        ]


# -- the programme's rules -------------------------------------------------------------------------

# Marketplaces whose buyers earn the marketplace's own points (SmartStore's belong to Naver
# Pay): their orders earn nothing here unless the owner says otherwise.
MARKETPLACE_SOURCES = ["smartstore", "coupang", "11st", "esm"]


class Rounding(models.IntegerChoices):
    WON = 1, _("To the won")
    TEN_WON = 10, _("To ten won")


class PointsProgram(models.Model):
    """The business's points rules (one row). Off until the owner turns it on; only orders
    from ``starts_on`` earn, so an import of past years mints nothing."""

    enabled = models.BooleanField(default=False)
    starts_on = models.DateField(null=True, blank=True)
    rate_percent = models.DecimalField(max_digits=5, decimal_places=2, default=1)
    rounding = models.PositiveSmallIntegerField(choices=Rounding, default=Rounding.WON)
    pending_days = models.PositiveSmallIntegerField(default=7)
    lifetime_months = models.PositiveSmallIntegerField(default=36)
    min_balance_to_use = models.PositiveIntegerField(default=1000)
    max_share_percent = models.PositiveSmallIntegerField(default=50)  # of an order, in points
    # Sources whose orders do not earn (marketplaces by default).
    excluded_sources = models.JSONField(default=list, blank=True)
    # At most this many points per order and per party in 30 days (0: no cap).
    cap_per_order = models.PositiveIntegerField(default=0)
    cap_per_30_days = models.PositiveIntegerField(default=0)
    birthday_bonus = models.PositiveIntegerField(default=0)
    referral_bonus = models.PositiveIntegerField(default=0)


class PointsRate(models.Model):
    """An earning rate for an offering category or an offering kind (catalogue, tailored)
    instead of the programme's."""

    category = models.CharField(max_length=100, blank=True)
    offering_kind = models.CharField(max_length=16, blank=True)
    rate_percent = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["category", "offering_kind"], name="points_rate_unique")
        ]


# -- member grades (회원등급) ------------------------------------------------------------------


class DowngradePolicy(models.TextChoices):
    NONE = "none", _("Never lower a grade")
    ONE_STEP = "one_step", _("Lower by one grade at a time")
    RECOMPUTE = "recompute", _("Give the grade the last 12 months earn")


class GradeProgram(models.Model):
    """The business's grade rules (one row). Off until the owner turns it on."""

    enabled = models.BooleanField(default=False)
    downgrade = models.CharField(
        max_length=10, choices=DowngradePolicy, default=DowngradePolicy.ONE_STEP
    )
    tell_party = models.BooleanField(default=True)  # a message when a grade changes
    # The month of the first computation: orders from then on keep the grade they came in
    # with; earlier ones had none.
    started_on = models.DateField(null=True, blank=True)


class MemberGrade(models.Model):
    """A grade and what it takes: paid in the last 12 months, at least ``threshold``. The
    grade with the lowest threshold is where everyone starts when that threshold is 0."""

    name = models.CharField(max_length=40, unique=True)
    threshold = models.DecimalField(max_digits=16, decimal_places=0, unique=True)
    # Perks: an earning rate instead of the programme's, priority when booking, and what
    # else the grade gives, in the owner's words (shown to staff and in the grade's message).
    rate_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    priority_booking = models.BooleanField(default=False)
    perks = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["threshold"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A party's grade: the one the monthly computation gave (``earned``), or one a person
    set until a day (``set_until``), after which the earned one applies again."""

    party_merge = "keep"  # the surviving party's grade is recomputed from all its orders

    party = models.OneToOneField(
        Party, on_delete=models.CASCADE, primary_key=True, related_name="membership"
    )
    grade = models.ForeignKey(MemberGrade, null=True, on_delete=models.PROTECT, related_name="+")
    earned = models.ForeignKey(MemberGrade, null=True, on_delete=models.PROTECT, related_name="+")
    # What the last computation counted, and for which month (its 1st): a month is computed
    # once per party, so a computation interrupted and run again lowers no grade twice.
    amount_12m = models.DecimalField(max_digits=16, decimal_places=0, default=0)
    computed_for = models.DateField(null=True, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_until = models.DateField(null=True, blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["grade"], name="membership_grade")]


class GradeChange(models.Model):
    """A grade given or taken: the history a party page shows and what the party is told."""

    party_merge = "move"

    class Cause(models.TextChoices):
        MONTHLY = "monthly", _("The monthly computation")
        BY_HAND = "by_hand", _("Set by a person")
        HAND_ENDED = "hand_ended", _("A grade set by a person ended")

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    old = models.ForeignKey(
        MemberGrade, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    new = models.ForeignKey(
        MemberGrade, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cause = models.CharField(max_length=10, choices=Cause)
    amount_12m = models.DecimalField(max_digits=16, decimal_places=0, default=0)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["party", "at"], name="grade_change_party")]


# -- coupons ------------------------------------------------------------------------------------


class CouponKind(models.TextChoices):
    AMOUNT = "amount", _("An amount off")
    PERCENT = "percent", _("A percentage off")


class Coupon(models.Model):
    """An offer: so much or so many percent off an order of at least ``min_order``, between
    two days, usable ``uses_per_party`` times by each party it was given to (or by anyone
    with the code), at most ``total_uses`` times in all. Its code is what a person types at
    the counter and what an imported order's coupon column names."""

    name = models.CharField(max_length=100)
    code = models.CharField(max_length=40, unique=True)  # stored upper case
    kind = models.CharField(max_length=8, choices=CouponKind, default=CouponKind.AMOUNT)
    value = models.DecimalField(max_digits=12, decimal_places=0)
    max_discount = models.DecimalField(max_digits=12, decimal_places=0, null=True, blank=True)
    min_order = models.DecimalField(max_digits=12, decimal_places=0, default=0)
    starts_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField()
    uses_per_party = models.PositiveSmallIntegerField(default=1)
    total_uses = models.PositiveIntegerField(null=True, blank=True)  # null: no limit in all
    used = models.PositiveIntegerField(default=0)  # redemptions in force
    for_anyone = models.BooleanField(default=False)
    # A campaign that carries it: those it was sent to may use it (its holdout may not).
    campaign = models.ForeignKey(
        "outreach.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total_uses__isnull=True)
                | models.Q(used__lte=models.F("total_uses")),
                name="coupon_within_total_uses",
            )
        ]

    def __str__(self) -> str:
        return self.code


class CouponGrant(models.Model):
    """A coupon given to a party (alone, or as one of a segment), and how often it used it."""

    # A merge moves the grants; where both parties held the coupon, the survivor's stays.
    coupon = models.ForeignKey(Coupon, on_delete=models.CASCADE, related_name="grants")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    granted = models.BooleanField(default=True)  # False: a row that only counts uses
    uses = models.PositiveSmallIntegerField(default=0)
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["coupon", "party"], name="coupon_grant_once")
        ]


class CouponRedemption(models.Model):
    """A coupon used on an order: at the counter, or seen in an imported order's coupon
    column. ``key`` makes it once-only (the sale's number, the order)."""

    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="redemptions")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(
        Order,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    discount = models.DecimalField(max_digits=12, decimal_places=0)
    order_amount = models.DecimalField(max_digits=16, decimal_places=0, default=0)  # paid
    source = models.CharField(max_length=8)  # "counter", "import"
    key = models.CharField(max_length=120, unique=True)
    redeemed_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)  # its order cancelled or undone
    # Whether it was counted in the coupon's ``used`` (an imported use past the coupon's
    # total is recorded, not counted): only a counted use is given back to the count.
    counted = models.BooleanField(default=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["coupon", "redeemed_at"], name="coupon_redemption_when")]


# -- recommendations ----------------------------------------------------------------------------


class PartyRecommendation(models.Model):
    """A party's two lists, as the last computation left them (loyalty.recommendations):
    what it is due to buy again by its own rhythm, and what it may like next."""

    party = models.OneToOneField(
        Party, on_delete=models.CASCADE, primary_key=True, related_name="recommendation"
    )
    # [[offering id, the day it is due (ISO), its rhythm in days], ...], most overdue first.
    again = models.JSONField(default=list, blank=True)
    discover = models.JSONField(default=list, blank=True)  # offering ids, best first
    computed_at = models.DateTimeField(default=timezone.now)


# -- referrals ----------------------------------------------------------------------------------


class Referral(models.Model):
    """Who brought whom. The referrer earns the programme's referral bonus once the referred
    party's first purchase after it has passed its pending days (and was not cancelled)."""

    referrer = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    referred = models.OneToOneField(Party, on_delete=models.PROTECT, related_name="referral")
    recorded_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rewarded = models.ForeignKey(
        PointEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["rewarded"], name="referral_waiting")]
