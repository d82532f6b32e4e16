"""People and organisations a business deals with, and the business's relationship with each."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PartyType(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")


class Market(models.TextChoices):
    B2C = "b2c", _("B2C: end user")
    B2B = "b2b", _("B2B: buys for a business")


class Party(models.Model):
    party_type = models.CharField(max_length=16, choices=PartyType, default=PartyType.PERSON)
    display_name = models.CharField(max_length=200)
    # NFC, case-folded, without spaces: what search and duplicate detection compare.
    name_key = models.CharField(max_length=200, db_index=True, editable=False)
    # Shown, not looked up: people are matched by their contact points (ContactPoint), and
    # search reads these with `contains`, which no index serves. Their indexes took 43% of
    # writing a new party (200,000 parties: 3.36 s with them, 1.91 s without).
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=32, blank=True, help_text="E.164")
    birthday = models.DateField(null=True, blank=True)
    locale = models.CharField(max_length=16, blank=True)
    market = models.CharField(max_length=3, choices=Market, default=Market.B2C)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_parties"
    )

    class Meta:
        verbose_name_plural = "parties"
        indexes = [models.Index(fields=["merged_into", "display_name"], name="party_active_name")]

    def __str__(self) -> str:
        return self.display_name


class ContactKind(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")


class ContactPoint(models.Model):
    """Every normalised email and phone a party was seen with, so matching finds them all."""

    # Indexed by the (party, kind, value) unique constraint.
    party = models.ForeignKey(
        Party, on_delete=models.CASCADE, related_name="contact_points", db_index=False
    )
    kind = models.CharField(max_length=8, choices=ContactKind)
    value = models.CharField(max_length=254)
    source = models.CharField(max_length=32, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["party", "kind", "value"], name="contact_point_unique")
        ]
        indexes = [models.Index(fields=["kind", "value"], name="contact_point_lookup")]


class ExternalRef(models.Model):
    """A party's id in another system (Stripe Customer ID, Square Customer ID, ...)."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="external_refs")
    source = models.CharField(max_length=32)
    external_id = models.CharField(max_length=128)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="external_ref_unique")
        ]


class RelationshipKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    CLIENT = "client", _("Client")
    MEMBER = "member", _("Member")
    SUBSCRIBER = "subscriber", _("Subscriber")
    BUYER = "buyer", _("Buyer")
    USER = "user", _("User")
    CONSUMER = "consumer", _("Consumer")
    SHOPPER = "shopper", _("Shopper")
    FOLLOWER = "follower", _("Follower")


class KindSource(models.TextChoices):
    INFERRED = "inferred", _("Inferred from data")
    PERSON = "person", _("Set by a person")
    IMPORT = "import", _("Set by an import profile")


class Relationship(models.Model):
    party_merge = "custom"  # parties.merge combines the two relationships

    party = models.OneToOneField(Party, on_delete=models.CASCADE, related_name="relationship")
    kind = models.CharField(
        max_length=16, choices=RelationshipKind, default=RelationshipKind.CUSTOMER, db_index=True
    )
    kind_source = models.CharField(max_length=16, choices=KindSource, default=KindSource.INFERRED)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_relationships",
        help_text="Account manager",
    )
    since = models.DateField(null=True, blank=True)  # the first purchase or engagement
    # Patron's own reading of the data, kept even when a person has set the kind: the kind
    # it would choose and its reasons, as messages (core.wording).
    inferred_kind = models.CharField(max_length=16, choices=RelationshipKind, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    classified_at = models.DateTimeField(null=True, blank=True)
    kind_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind_set_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.party} ({self.kind})"


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    KAKAO = "kakao", _("KakaoTalk")
    PHONE = "phone", _("Phone call")
    POST = "post", _("Post")
    PUSH = "push", _("Push")


class Purpose(models.TextChoices):
    MARKETING = "marketing", _("Offers and promotions")
    NEWSLETTER = "newsletter", _("Newsletter")
    SURVEYS = "surveys", _("Surveys")
    SERVICE = "service", _("Service messages")
    # Korean law (정보통신망법 §50③): advertising between 21:00 and 08:00 needs its own consent.
    NIGHT = "night", _("Advertising at night (21:00–08:00)")


class Consent(models.Model):
    """One recorded decision; the one recorded last per (party, channel, purpose) is in force
    (parties.consent): a "no" recorded after a "yes" always wins over it."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(max_length=8, choices=Channel)
    purpose = models.CharField(max_length=16, choices=Purpose)
    granted = models.BooleanField()
    # When Patron recorded it: what decides which decision is in force. Never in the future.
    recorded_at = models.DateTimeField(default=timezone.now)
    # When the person decided, as the evidence dates it (an imported order's date): what the
    # two-year reconfirmation counts from. Never after recorded_at.
    decided_at = models.DateTimeField(default=timezone.now)
    # The last two-year period whose reconfirmation (§50⑧) was sent for this "yes".
    reconfirmed_period = models.PositiveSmallIntegerField(default=0)
    source = models.CharField(max_length=64)  # how: "import:shopify", "page", "demo", ...
    # What shows the decision, as data: {"file": ..., "row": ..., "column": ..., "value": ...}.
    evidence = models.JSONField(default=dict, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["party", "channel", "purpose", "-recorded_at"], name="consent_current"
            )
        ]


class Activity(models.Model):
    """The party's timeline. Written only through parties.activity.record_activity: a verb
    code and its data, worded in the reader's language when the timeline is shown."""

    # Indexed by the (party, -occurred_at) timeline index.
    party = models.ForeignKey(
        Party, on_delete=models.CASCADE, related_name="activities", db_index=False
    )
    occurred_at = models.DateTimeField(default=timezone.now)
    verb = models.CharField(max_length=48)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name_plural = "activities"
        indexes = [models.Index(fields=["party", "-occurred_at"], name="activity_timeline")]


class DuplicateDismissal(models.Model):
    """A person said these two are not the same: the pair is never suggested again."""

    party_merge = "keep"  # a merge leaves these rows where they are (see parties.merge)

    first = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    dismissed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="dismissal_unique"),
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")), name="dismissal_ordered"
            ),
        ]


class PartyMerge(models.Model):
    """One merge and what it moved, so that it can be undone (see parties.merge)."""

    party_merge = "keep"

    survivor = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="merges_in")
    merged = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="merges_out")
    merged_at = models.DateTimeField(default=timezone.now)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # {"app.model": {"field": "party", "pks": [...]}} for every row moved to the survivor.
    moved = models.JSONField(default=dict)
    # Rows of the merged party dropped because the survivor had the same (contact points).
    removed = models.JSONField(default=list)
    # Survivor's fields before the merge filled them, and its relationship before.
    survivor_before = models.JSONField(default=dict)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["survivor", "-merged_at"], name="merge_survivor")]


class AccessAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    LIST = "list", _("Listed")
    SEARCH = "search", _("Searched")
    EXPORT = "export", _("Exported")
    DOWNLOAD = "download", _("Downloaded")


class AccessRecord(models.Model):
    """Who saw whose personal data (개인정보의 안전성 확보조치 기준 §8: kept at least two
    years): a member or an integration's token, what they did, to how many parties (the
    first ids kept), from where. Written by the views and the API, one row per request."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    token = models.ForeignKey(
        "accounts.ApiToken", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=8, choices=AccessAction)
    parties = models.JSONField(default=list, blank=True)  # at most PARTIES_KEPT ids
    count = models.PositiveIntegerField(default=0)  # how many parties in all
    query = models.CharField(max_length=100, blank=True)
    path = models.CharField(max_length=200, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["at"], name="access_at"),
            models.Index(fields=["user", "at"], name="access_user_at"),
        ]
