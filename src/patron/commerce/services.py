"""Importing orders: the service the CLI, the web page and the tests call."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from patron.bulk import insert_rows
from patron.parties.models import Activity, Channel, Consent, Purpose
from patron.parties.resolve import Identity, PartyResolver, chunked

from .importers.pipeline import ColumnMap, OrderRecord, RecordBuilder, Rejection
from .importers.pipeline import Settings as ImportSettings
from .importers.profiles import PROFILES, detect_profile
from .importers.reading import UnreadableFile, open_table
from .importers.values import time_zone
from .models import NOT_PURCHASED, ImportRun, Order, OrderLine, RejectedRow
from .offerings import OfferingCatalogue


class ImportRejected(Exception):
    """The file cannot be imported at all; the message is for the person who chose it."""


@dataclass
class ImportReport:
    run_id: int | None
    file_name: str
    profile: str
    source: str
    encoding: str
    delimiter: str
    dry_run: bool
    rows: int = 0
    orders_created: int = 0
    orders_updated: int = 0
    orders_unchanged: int = 0
    purchases: int = 0
    parties_created: int = 0
    rejected_rows: int = 0
    warnings: list[str] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> dict:
        data = asdict(self)
        data.pop("rejections")
        data["errors"] = [asdict(r) for r in self.rejections[:100]]
        return data


ProgressCallback = Callable[[int, int], None]  # (rows read so far, bytes of the file)


def do_import_file(
    path: Path,
    *,
    profile_name: str | None = None,
    mapping: dict[str, str] | None = None,
    source: str | None = None,
    dry_run: bool = False,
    user=None,
    display_name: str | None = None,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Import an export file: upsert orders by (source, external id), match parties.

    Each batch is one transaction, so a killed import leaves whole batches behind and a
    re-run completes it without doubling anything. A dry run does the same work inside one
    transaction and rolls it back, so its preview is exactly what a real run would do.
    """
    started = time.monotonic()
    file_name = display_name or path.name
    try:
        table = open_table(path, settings.PATRON_IMPORT_MAX_BYTES)
        profile = _choose_profile(profile_name, table.header)
        columns = ColumnMap(table.header, profile, mapping or {})
    except UnreadableFile as exc:
        raise ImportRejected(f"{file_name}: {exc}") from None
    report = ImportReport(
        run_id=None,
        file_name=file_name,
        profile=profile.name,
        source=source or profile.name,
        encoding=table.encoding,
        delimiter=table.delimiter,
        dry_run=dry_run,
    )
    if columns.duplicates:
        report.warnings.append(
            "duplicate column names (the first of each is used): " + ", ".join(columns.duplicates)
        )
    import_settings = ImportSettings(
        region=settings.PATRON_DEFAULT_REGION,
        currency=settings.PATRON_DEFAULT_CURRENCY,
        time_zone=time_zone(settings.TIME_ZONE),
    )
    builder = RecordBuilder(columns, profile, import_settings)
    run_import = _ImportWriter(report, path, user)
    try:
        if dry_run:
            with transaction.atomic():
                run_import.run(builder, table.rows, progress)
                transaction.set_rollback(True)
        else:
            run_import.run(builder, table.rows, progress)
    except UnreadableFile as exc:
        run_import.fail(str(exc))
        raise ImportRejected(f"{file_name}: {exc}") from None
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _choose_profile(name: str | None, header: list[str]):
    if not name:
        return detect_profile(header)
    if name not in PROFILES:
        raise UnreadableFile(f"unknown profile '{name}'; profiles are {', '.join(PROFILES)}")
    return PROFILES[name]


class _ImportWriter:
    def __init__(self, report: ImportReport, path: Path, user) -> None:
        self.report = report
        self.path = path
        self.user = user
        self.run_row: ImportRun | None = None
        self.resolver = PartyResolver(report.source, evidence=report.file_name)
        self.catalogue = OfferingCatalogue()

    def run(self, builder: RecordBuilder, rows, progress: ProgressCallback | None) -> None:
        self.run_row = ImportRun.objects.create(
            file_name=self.report.file_name,
            file_sha256=_sha256(self.path),
            profile=self.report.profile,
            dry_run=self.report.dry_run,
            user=self.user,
        )
        self.report.run_id = self.run_row.pk
        batch_size = settings.PATRON_IMPORT_BATCH_ROWS
        records = builder.records(rows)
        while batch := list(itertools.islice(records, batch_size)):
            with transaction.atomic():
                self._write_batch(batch)
            if progress:
                progress(builder.rows_read, 0)
        self._finish(builder)

    def fail(self, message: str) -> None:
        if self.run_row is not None and not self.report.dry_run:
            ImportRun.objects.filter(pk=self.run_row.pk).update(
                status=ImportRun.Status.FAILED, message=message, finished_at=timezone.now()
            )

    def _write_batch(self, records: list[OrderRecord]) -> None:
        # An order repeated in the file is one order: the later row wins.
        unique = list({record.order_id: record for record in records}.values())
        identities = [Identity(r.customer_id, r.email, r.phone, r.name, r.company) for r in unique]
        party_ids = self.resolver.resolve(identities, [r.row_no for r in unique])
        self.report.parties_created = self.resolver.parties_created
        existing = self._existing_orders([r.order_id for r in unique])
        new, changed, unchanged = [], [], []
        for record, party_id in zip(unique, party_ids, strict=True):
            found = existing.get(record.order_id)
            if found is None:
                new.append((record, party_id))
            elif found["row_digest"] != record.digest():
                changed.append((record, party_id, found))
            else:
                unchanged.append(found["pk"])
        self._create_orders(new)
        self._update_orders(changed)
        for chunk in chunked(unchanged):
            Order.objects.filter(pk__in=chunk).update(import_run=self.run_row)
        self._record_consents(unique, party_ids)
        self.report.orders_created += len(new)
        self.report.orders_updated += len(changed)
        self.report.orders_unchanged += len(unchanged)

    def _existing_orders(self, order_ids: list[str]) -> dict[str, dict]:
        found = {}
        for chunk in chunked(order_ids):
            for row in Order.objects.filter(
                source=self.report.source, external_id__in=chunk
            ).values("pk", "external_id", "row_digest", "status", "party_id"):
                found[row["external_id"]] = row
        return found

    def _order_fields(self, record: OrderRecord, party_id: int) -> dict:
        return dict(
            zip(_ORDER_COLUMNS, _order_values(record, party_id, self.run_row.pk), strict=True)
        )

    def _create_orders(self, new: list[tuple[OrderRecord, int]]) -> None:
        if not new:
            return
        source, run_id = self.report.source, self.run_row.pk
        insert_rows(
            Order,
            [*_ORDER_COLUMNS, "source", "external_id"],
            (
                (*_order_values(record, party_id, run_id), source, record.order_id)
                for record, party_id in new
            ),
        )
        ids = self._existing_orders([record.order_id for record, _ in new])
        self._create_lines([(ids[record.order_id]["pk"], record) for record, _ in new])

    def _create_lines(self, orders: list[tuple[int, OrderRecord]]) -> None:
        pairs = {(line.name, line.sku) for _, record in orders for line in record.lines}
        offering_ids = self.catalogue.ids_for(pairs) if pairs else {}
        insert_rows(
            OrderLine,
            ["order_id", "line_no", "offering_id", "name", "quantity", "unit_price"],
            (
                (
                    order_id,
                    line_no,
                    offering_ids.get((line.name, line.sku)),
                    line.name,
                    line.quantity,
                    line.unit_price,
                )
                for order_id, record in orders
                for line_no, line in enumerate(record.lines, start=1)
            ),
        )

    def _update_orders(self, changed: list[tuple[OrderRecord, int, dict]]) -> None:
        if not changed:
            return
        orders = []
        for record, party_id, found in changed:
            order = Order(pk=found["pk"], source=self.report.source, external_id=record.order_id)
            for name, value in self._order_fields(record, party_id).items():
                setattr(order, name, value)
            orders.append(order)
        Order.objects.bulk_update(orders, fields=_ORDER_COLUMNS)
        OrderLine.objects.filter(order_id__in=[o.pk for o in orders]).delete()
        self._create_lines([(found["pk"], record) for record, _, found in changed])
        Activity.objects.bulk_create(
            [
                Activity(
                    party_id=party_id,
                    verb="order.updated",
                    summary=f"Order {record.order_id} updated from {self.report.file_name}"
                    + (
                        f": {found['status']} → {record.status}"
                        if found["status"] != record.status
                        else ""
                    ),
                    data={"order": record.order_id, "row": record.row_no},
                )
                for record, party_id, found in changed
            ]
        )

    def _record_consents(self, records: list[OrderRecord], party_ids: list[int]) -> None:
        """Record marketing consent from the export, only where it changes what is known."""
        wanted = {
            party_id: record
            for record, party_id in zip(records, party_ids, strict=True)
            if record.accepts_marketing is not None and record.email
        }
        if not wanted:
            return
        current: dict[int, bool] = {}
        for chunk in chunked(sorted(wanted)):
            for party_id, granted in (
                Consent.objects.filter(
                    party_id__in=chunk, channel=Channel.EMAIL, purpose=Purpose.MARKETING
                )
                .order_by("party_id", "recorded_at", "pk")
                .values_list("party_id", "granted")
            ):
                current[party_id] = granted
        consents, activities = [], []
        for party_id, record in wanted.items():
            if current.get(party_id) == record.accepts_marketing:
                continue
            evidence = (
                f"{self.report.file_name} row {record.row_no}: "
                f"Accepts Marketing = {'yes' if record.accepts_marketing else 'no'}"
            )
            consents.append(
                Consent(
                    party_id=party_id,
                    channel=Channel.EMAIL,
                    purpose=Purpose.MARKETING,
                    granted=record.accepts_marketing,
                    recorded_at=record.occurred_at,
                    source=f"import:{self.report.profile}",
                    evidence=evidence,
                )
            )
            verb = "granted" if record.accepts_marketing else "withdrew"
            activities.append(
                Activity(
                    party_id=party_id,
                    verb="consent.recorded",
                    summary=f"Email marketing consent {verb} ({evidence})",
                )
            )
        Consent.objects.bulk_create(consents)
        Activity.objects.bulk_create(activities)

    def _finish(self, builder: RecordBuilder) -> None:
        report = self.report
        report.rows = builder.rows_read
        report.rejections = builder.rejections
        report.rejected_rows = len({r.row for r in builder.rejections})
        report.purchases = (
            Order.objects.filter(import_run=self.run_row).exclude(status__in=NOT_PURCHASED).count()
        )
        with transaction.atomic():
            RejectedRow.objects.bulk_create(
                [
                    RejectedRow(
                        run=self.run_row,
                        row=r.row,
                        field=r.field[:100],
                        reason=r.reason[:500],
                        value=r.value[:200],
                    )
                    for r in builder.rejections
                ],
                batch_size=1000,
            )
            ImportRun.objects.filter(pk=self.run_row.pk).update(
                status=ImportRun.Status.DONE, finished_at=timezone.now(), summary=report.summary()
            )
            if not report.dry_run and (report.orders_created or report.orders_updated):
                transaction.on_commit(_schedule_scoring)


_ORDER_COLUMNS = [
    "party_id",
    "occurred_at",
    "status",
    "currency",
    "amount",
    "refunded_amount",
    "discount_amount",
    "discount_code",
    "channel",
    "note",
    "row_digest",
    "import_run_id",
]


def _order_values(record: OrderRecord, party_id: int, run_id: int) -> tuple:
    return (
        party_id,
        record.occurred_at,
        record.status,
        record.currency,
        record.total,
        record.refunded,
        record.discount_amount,
        record.discount_code,
        record.channel,
        record.note,
        record.digest(),
        run_id,
    )


def _schedule_scoring() -> None:
    """New orders change every party's scores: queue a scoring run for the worker.

    The task lives in the insight app, which sits above commerce: found by name, so the
    layers hold.
    """
    from django.utils.module_loading import import_string

    import_string("patron.insight.tasks.score_parties").enqueue()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def rejections_csv(rejections: list[Rejection] | list[RejectedRow]) -> str:
    """The error report as CSV, safe to open in Excel (no cell starts a formula)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "field", "reason", "value"])
    for r in rejections:
        writer.writerow([r.row, excel_safe(r.field), excel_safe(r.reason), excel_safe(r.value)])
    return out.getvalue()


def excel_safe(text: str) -> str:
    """Prefix a quote so Excel shows '=HYPERLINK(...)' as text instead of running it."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
