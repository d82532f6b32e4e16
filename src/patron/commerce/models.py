"""What a business sells and what its parties bought or had made for them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from patron.core.runs import TrackedRun
from patron.parties.models import Party


class OfferingKind(models.TextChoices):
    CATALOGUE = "catalogue", _("Catalogue product")
    TAILORED = "tailored", _("Tailored service")


class Offering(models.Model):
    name = models.CharField(max_length=200)
    sku = models.CharField(max_length=64, blank=True)
    kind = models.CharField(max_length=16, choices=OfferingKind, default=OfferingKind.CATALOGUE)
    category = models.CharField(max_length=100, blank=True)
    # Who decided the kind: None while it is Patron's guess from the name.
    kind_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind_set_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "sku"], name="offering_unique")]

    def __str__(self) -> str:
        return self.name


class OrderStatus(models.TextChoices):
    PAID = "paid", _("Paid")
    PENDING = "pending", _("Pending")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
    REFUNDED = "refunded", _("Refunded")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Failed")


# Orders in these states are no purchase (yet): they are kept, but not counted. An order not
# yet paid (결제대기, 입금대기, authorized) becomes one when a later file says it was paid.
NOT_PURCHASED = (OrderStatus.CANCELLED, OrderStatus.FAILED, OrderStatus.PENDING)


class ImportRun(TrackedRun):
    """One import of one file (or a preview of it): a tracked run (core.runs)."""

    file_name = models.CharField(max_length=255)
    # The stored upload a background run reads (under PATRON_DATA_DIR/uploads), or "".
    upload = models.CharField(max_length=100, blank=True)
    profile = models.CharField(max_length=32, blank=True)  # "" until recognised from headers
    source = models.CharField(max_length=32, blank=True)  # the system the file came from
    mapping = models.JSONField(default=dict, blank=True)  # column -> field chosen by a person
    encoding = models.CharField(max_length=32, blank=True)  # chosen by a person, else guessed
    # An order id seen in an earlier file that this file gives to another person: kept as it
    # was ("keep"), or given to the file's person ("replace") when the person says so.
    on_conflict = models.CharField(max_length=8, default="keep")
    dry_run = models.BooleanField(default=False)
    rows_read = models.PositiveIntegerField(default=0)
    progress = models.FloatField(default=0)  # fraction of the file read
    summary = models.JSONField(default=dict, blank=True)  # commerce.imports.ImportReport
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    undo_started_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.file_name} ({self.started_at:%Y-%m-%d %H:%M})"


class RejectedRow(models.Model):
    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rejected_rows")
    row = models.PositiveIntegerField()
    field = models.CharField(max_length=100)  # the column as the file names it, or ""
    reason = models.JSONField(default=dict)  # a message (commerce.wording)
    value = models.CharField(max_length=200, blank=True)


class Order(models.Model):
    source = models.CharField(max_length=32)
    external_id = models.CharField(max_length=128)
    # Indexed by the (party, occurred_at) index below: a second index would only slow imports.
    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="orders", db_index=False
    )
    # Not indexed on its own: every question about time is one party's (the index below) or
    # reads every order (scoring). The index cost a third of writing an order at import.
    occurred_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=OrderStatus, default=OrderStatus.PAID)
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    refunded_amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    discount_amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    discount_code = models.CharField(max_length=64, blank=True)
    # The member grade the party held when the order came in (patron.loyalty.grades), kept
    # as its name then: a grade renamed or removed later does not rewrite history. A default
    # in the database: the importer inserts orders by its own column list.
    member_grade = models.CharField(max_length=40, blank=True, default="", db_default="")
    channel = models.CharField(max_length=32, blank=True)
    note = models.TextField(blank=True)
    # The number the order was delivered to when it is not the party's own: a marketplace's
    # 050x safe number (it expires) or the recipient's. Never used to reach or match anyone.
    delivery_contact = models.CharField(max_length=32, blank=True)
    # A digest of the source row(s): a re-import with the same digest is a no-op.
    row_digest = models.CharField(max_length=32)
    source_row = models.PositiveIntegerField(default=0)  # its first row in the file last read
    # The import that last read this order, and the one that created it (what an undo
    # removes). Not indexed: an undo scans once; every import would pay for the index.
    import_run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.SET_NULL)
    created_by_run = models.ForeignKey(
        ImportRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="order_source_unique")
        ]
        indexes = [models.Index(fields=["party", "occurred_at"], name="order_party_time")]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"

    @property
    def is_purchase(self) -> bool:
        return self.status not in NOT_PURCHASED


class OrderLine(models.Model):
    # Indexed by the (order, line_no) unique constraint.
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", db_index=False)
    line_no = models.PositiveSmallIntegerField()
    offering = models.ForeignKey(Offering, null=True, blank=True, on_delete=models.SET_NULL)
    name = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=12, decimal_places=3, default=1)
    unit_price = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="order_line_unique")
        ]


class EngagementKind(models.TextChoices):
    APPOINTMENT = "appointment", _("Appointment")
    PROJECT = "project", _("Project")
    CONSULTATION = "consultation", _("Consultation")


class EngagementStatus(models.TextChoices):
    """What became of an engagement: a booking is one before its day."""

    DONE = "done", _("Took place")
    BOOKED = "booked", _("Booked")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


# Engagements that are evidence of service given (or about to be): a cancelled booking or a
# no-show is no service, and counts toward nothing but the no-show pattern.
NOT_SERVED = (EngagementStatus.CANCELLED, EngagementStatus.NO_SHOW)


class Engagement(models.Model):
    """Tailored service work for one party: what makes a client a client. A booking imported
    from a booking export is one, with its state (booked, took place, cancelled, no-show)."""

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="engagements")
    kind = models.CharField(max_length=16, choices=EngagementKind)
    title = models.CharField(max_length=200)
    offering = models.ForeignKey(Offering, null=True, blank=True, on_delete=models.SET_NULL)
    started_at = models.DateTimeField(db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    currency = models.CharField(max_length=3, blank=True)
    amount = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    source = models.CharField(max_length=32, blank=True)
    external_id = models.CharField(max_length=128, blank=True)
    status = models.CharField(
        max_length=16, choices=EngagementStatus, default=EngagementStatus.DONE
    )
    # As orders (Order): a digest of the row a re-import compares, the import that last read
    # it and the one that created it (what an undo removes).
    row_digest = models.CharField(max_length=32, blank=True)
    source_row = models.PositiveIntegerField(default=0)
    import_run = models.ForeignKey(
        ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_run = models.ForeignKey(
        ImportRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="engagement_source_unique",
            )
        ]


class SourceReading(models.Model):
    """How a person said to read one source's files: which column is which field, and what
    its status words mean. Used on every later file of that source (page and CLI)."""

    source = models.CharField(max_length=32, unique=True)
    # The column as its header reads (importers.profiles.header_key) -> a field, or "" for a
    # column the person said is not used.
    columns = models.JSONField(default=dict, blank=True)
    # A status word (lower case, without spaces) -> paid, pending, cancelled or refunded.
    statuses = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return self.source
