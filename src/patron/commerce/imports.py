"""Importing orders: the service the CLI, the background job and the tests call.

An import is a tracked run (core.runs): it is running in one process, then done, failed with its
reason and what it kept, or interrupted. Each batch of orders is one transaction, so a killed
import leaves whole batches behind and running the file again completes it without doubling
anything. A preview reads and checks everything the same way but writes no order and no party:
it resolves people against the database and a scratch file of its own, so it never holds the
database's write lock (only its progress and its first rejected rows are written, briefly).
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import itertools
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from patron.core.bulk import (
    among,
    chunked,
    insert_rows,
    reserve_ids,
    spaced_collections,
    update_rows,
    value_adapter,
)
from patron.core.db import is_unavailable, wait_out_busy
from patron.core.problems import Problem
from patron.core.runs import RunStatus
from patron.core.wording import say
from patron.parties.activity import activity_row, record_activities
from patron.parties.consent import Decision, do_record_decisions
from patron.parties.models import Channel, ContactPoint, ExternalRef, Party, Purpose
from patron.parties.resolve import Identity, PartyResolver

from .bookings import state_at
from .importers.pipeline import (
    MAX_READ_COLUMNS,
    ColumnMap,
    OrderRecord,
    RecordBuilder,
    Rejection,
)
from .importers.pipeline import Settings as ImportSettings
from .importers.preview import PreviewResolver, Scratch
from .importers.profiles import PROFILES, detect_profile
from .importers.reading import UnreadableFile, open_table
from .importers.statuses import word
from .importers.values import time_zone
from .models import (
    NOT_PURCHASED,
    Engagement,
    EngagementKind,
    EngagementStatus,
    ImportRun,
    Order,
    OrderLine,
    RejectedRow,
    SourceReading,
)
from .offerings import OfferingCatalogue

# Rejected rows kept per run (in the database, for the page and the CSV download); beyond
# this the run only counts them. Rows kept in memory for the report: the first few.
KEPT_REJECTIONS = 10_000
REPORTED_REJECTIONS = 100
REPORTED_ISSUES = 50
BUSY_PATIENCE = 600.0  # seconds a batch waits for a database another process keeps busy


class ImportRejected(Problem):
    """The file cannot be imported at all (see commerce.wording for the codes)."""


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
    # Ids this file repeats with different contents (the later row wins), and orders of an
    # earlier file it would give to someone else (kept as they were, unless told otherwise).
    duplicate_ids: int = 0
    orders_conflicting: int = 0
    orders_moved: int = 0
    # A booking export (one row per booking) makes engagements instead of orders.
    kind: str = "orders"
    engagements_created: int = 0
    engagements_updated: int = 0
    engagements_unchanged: int = 0
    engagements_completed: int = 0  # took place (a booking whose time has passed included)
    engagements_upcoming: int = 0
    engagements_cancelled: int = 0
    engagements_no_show: int = 0
    # How each column was read (a file read by the meaning of its headers), for the preview,
    # and the file's header (the page offers to correct any column).
    recognised: list[dict] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    # Status words no rule knew, with their counts: their rows were kept as purchases (or
    # bookings), and the owner can say what each means for this source.
    unknown_statuses: list[dict] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)  # the first REPORTED_ISSUES, as messages
    last_row_kept: int = 0  # rows up to this one are in the database (all of them when done)
    warnings: list[dict] = field(default_factory=list)  # messages
    rejections: list[Rejection] = field(default_factory=list)  # the first REPORTED_REJECTIONS
    seconds: float = 0.0

    @property
    def orders_in_file(self) -> int:
        return self.orders_created + self.orders_updated + self.orders_unchanged

    @property
    def engagements_in_file(self) -> int:
        return self.engagements_created + self.engagements_updated + self.engagements_unchanged

    def summary(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("rejections")
        data["errors"] = [rejection_summary(r) for r in self.rejections]
        data["orders_in_file"] = self.orders_in_file
        data["engagements_in_file"] = self.engagements_in_file
        # Rows that made no order of their own: further line items of an order (Shopify), or
        # an order repeated further down the file (the later row wins). Orders set aside as
        # another person's are counted on their own.
        made = self.orders_in_file + self.engagements_in_file + self.orders_conflicting
        data["rows_joined"] = max(self.rows - self.rejected_rows - made, 0)
        return data


def rejection_summary(rejection: Rejection) -> dict[str, Any]:
    return {
        "row": rejection.row,
        "field": rejection.field,
        "reason": rejection.reason,
        "message": say(rejection.reason),
        "value": rejection.value,
    }


ProgressCallback = Callable[[int, float], None]  # (rows read so far, fraction of the file)


@spaced_collections()
def do_import_file(
    path: Path,
    *,
    run: ImportRun | None = None,
    profile_name: str | None = None,
    mapping: dict[str, str] | None = None,
    source: str | None = None,
    encoding: str | None = None,
    on_conflict: str = "keep",
    dry_run: bool = False,
    user=None,
    display_name: str | None = None,
    progress: ProgressCallback | None = None,
    password: str | None = None,
    meanings: dict[str, str] | None = None,
) -> ImportReport:
    """Import an export file: upsert orders by (source, external id), match parties.

    With `run`, continue that queued run (the background job); otherwise a run is made here.
    `password` opens a password-protected workbook; it is kept nowhere (not on the run).
    `meanings` (a status word -> its meaning) read this file's statuses over what is kept
    for its source (the CLI's --status; a dry run keeps them nowhere).
    Raises ImportRejected when the file cannot be read at all; the run then ends failed.
    """
    started = time.monotonic()
    file_name = display_name or (run.file_name if run else path.name)
    if run is None:
        run = ImportRun.objects.create(
            file_name=file_name,
            profile=profile_name or "",
            source=source or "",
            mapping=mapping or {},
            encoding=encoding or "",
            on_conflict=on_conflict,
            dry_run=dry_run,
            user=user,
        )
    if not run.claim():
        # Another worker took this run first (a double click, two workers): never run twice.
        raise ImportRejected("import.already_running")
    report = ImportReport(
        run_id=run.pk,
        file_name=file_name,
        profile=run.profile,
        source=run.source,
        encoding="",
        delimiter="",
        dry_run=run.dry_run,
    )
    batches = None
    try:
        # A run done again (resumed after an interruption) reads the whole file again: its
        # earlier attempt's rejected rows would be counted twice.
        RejectedRow.objects.filter(run=run).delete()
        table, rows, columns, profile, reading = _open(path, run, report, password)
        said = {word(text): meaning for text, meaning in (meanings or {}).items()}
        builder = RecordBuilder(columns, profile, _settings(), {**reading.statuses, **said})
        batches = _Preview(report, run) if run.dry_run else _Writer(report, run, user or run.user)
        batches.run(builder, rows, table.fraction, progress)
        report.unknown_statuses = [
            {"status": text, "rows": count}
            for text, count in builder.unknown_statuses.most_common(REPORTED_ISSUES)
        ]
    except UnreadableFile as exc:
        report.seconds = round(time.monotonic() - started, 3)
        summary = report.summary() if report.encoding else {}
        if getattr(exc, "columns", None):
            # The file's columns, so that the page can offer to say which column is which.
            summary["columns"] = [name.strip()[:100] for name in exc.columns]
        run.mark_finished(RunStatus.FAILED, exc.message, summary=summary)
        raise ImportRejected(exc.code, **exc.params) from None
    except Exception as exc:
        # Whatever broke, the run says so (and what it kept) instead of staying "running".
        if is_unavailable(exc):
            problem = {"code": "import.database_unwritable", "detail": str(exc)[:200]}
        else:
            problem = {"code": "run.crashed", "error": type(exc).__name__}
        # The database may refuse this too: then the reaper marks the run interrupted once
        # this process is gone.
        with contextlib.suppress(Exception):
            run.mark_finished(RunStatus.FAILED, problem, summary=report.summary())
        raise
    finally:
        if batches is not None:
            batches.close()
    report.seconds = round(time.monotonic() - started, 3)
    run.mark_finished(RunStatus.DONE, summary=report.summary(), progress=1.0)
    return report


_MISSING = ("file.no_date_column", "file.no_amount_column", "file.no_customer_column")
# The file's first rows, read before its columns are settled: where a header says nothing,
# its values tell (a phone column named "HP"), and whether an order's number repeats.
SAMPLE_ROWS = 200


def _reading_of(source: str) -> SourceReading:
    """What the owner said of this source's files (nothing yet: an empty reading)."""
    return SourceReading.objects.filter(source=source).first() or SourceReading(source=source)


def _sample(rows: Iterator) -> tuple[list, UnreadableFile | None]:
    """The first rows, and the refusal a row among them met (raised when the import reaches
    that row: the rows before it are imported as in any file that breaks part-way)."""
    sample: list = []
    try:
        for row in rows:
            sample.append(row)
            if len(sample) >= SAMPLE_ROWS:
                break
    except UnreadableFile as exc:
        return sample, exc
    return sample, None


def _raising(problem: UnreadableFile) -> Iterator:
    raise problem
    yield  # a generator: raises when the rows after the sample are asked for


def _open(path: Path, run: ImportRun, report: ImportReport, password: str | None = None):
    """The file's table and rows, its column map and profile, and what the owner said of
    its source before (SourceReading), noted on the report and the run."""
    header: list[str] = []
    try:
        table = open_table(
            path, settings.PATRON_IMPORT_MAX_BYTES, run.encoding or None, password=password
        )
        header = table.header
        profile = _choose_profile(run.profile or None, table.header)
        source = run.source or profile.name
        reading = _reading_of(source)
        sample, broken = _sample(table.rows)

        def read_as(chosen) -> ColumnMap:
            return ColumnMap(
                table.header,
                chosen,
                run.mapping or {},
                remembered=reading.columns,
                sample=[cells for _, cells in sample],
                region=settings.PATRON_DEFAULT_REGION,
            )

        try:
            columns = read_as(profile)
        except UnreadableFile as exc:
            # Recognised by a few headers (a 네이버페이 settlement file shares SmartStore's
            # 주문번호, 상품주문번호 and 구매자명) but without what that format needs: the
            # file is another one, read by the meaning of its headers.
            if run.profile or profile is PROFILES["generic"] or exc.code not in _MISSING:
                raise
            profile = PROFILES["generic"]
            source = run.source or profile.name
            reading = _reading_of(source)
            columns = read_as(profile)
    except UnreadableFile as exc:
        exc.columns = header
        raise
    rows = itertools.chain(sample, _raising(broken) if broken else table.rows)
    report.profile = profile.name
    report.source = source
    report.kind = "bookings" if columns.bookings else "orders"
    report.recognised = columns.recognitions()
    if columns.reading is not None:
        report.header = [name.strip()[:100] for name in header[:MAX_READ_COLUMNS]]
    report.encoding, report.delimiter = table.encoding, table.delimiter
    ImportRun.objects.filter(pk=run.pk).update(profile=profile.name, source=report.source)
    if table.encoding_note:
        report.warnings.append(table.encoding_note)
    if columns.duplicates:
        report.warnings.append({"code": "import.duplicate_columns", "columns": columns.duplicates})
    if "order_id" not in columns.index:
        report.warnings.append({"code": "import.no_order_numbers"})
    if columns.bookings:
        report.warnings.append(
            {"code": "import.read_as_bookings", "columns": columns.booking_signs}
        )
    return table, rows, columns, profile, reading


def _settings() -> ImportSettings:
    return ImportSettings(
        region=settings.PATRON_DEFAULT_REGION,
        currency=settings.PATRON_DEFAULT_CURRENCY,
        time_zone=time_zone(settings.TIME_ZONE),
    )


def _choose_profile(name: str | None, header: list[str]):
    if not name:
        return detect_profile(header)
    if name not in PROFILES:
        raise UnreadableFile("file.unknown_profile", profile=name, profiles=list(PROFILES))
    return PROFILES[name]


@dataclass
class _Chunk:
    """A batch of records as read, with the rows rejected since the previous one and where
    the reading stood when it was made."""

    records: list[OrderRecord]
    rejections: list[Rejection]
    rows_read: int
    last_row: int  # the last row read
    settled_row: int  # rows up to this one are in this batch or an earlier one, or rejected
    fraction: float  # of the file read


def _chunks(
    builder: RecordBuilder, rows: Iterator, fraction: Callable[[], float]
) -> Iterator[_Chunk]:
    """The file's records in batches of PATRON_IMPORT_BATCH_ROWS (sooner when rejections wait
    to be stored), the last one with the rejections after the last order."""
    batch_size = settings.PATRON_IMPORT_BATCH_ROWS

    def chunk(batch: list[OrderRecord]) -> _Chunk:
        settled = builder.rows_settled(batch[-1]) if batch else 0
        return _Chunk(
            batch,
            builder.take_rejections(),
            builder.rows_read,
            builder.last_row,
            settled,
            builder.share_done(fraction()),
        )

    batch: list[OrderRecord] = []
    for record in builder.records(rows):
        if record is not None:
            batch.append(record)
        if len(batch) >= batch_size or record is None:
            yield chunk(batch)
            batch = []
    yield chunk(batch)


class _Batches:
    """Reads records batch by batch; a subclass writes (or previews) each batch."""

    def __init__(self, report: ImportReport, run: ImportRun) -> None:
        self.report = report
        self.run_row = run
        self.rejections_kept = 0

    def run(
        self,
        builder: RecordBuilder,
        rows: Iterator,
        fraction: Callable[[], float],
        progress: ProgressCallback | None,
    ) -> None:
        builder.rejections_held = settings.PATRON_IMPORT_BATCH_ROWS
        self.bookings = builder.columns.bookings
        last = None
        for chunk in _chunks(builder, rows, fraction):
            self.handle(chunk)
            last = chunk
            if progress:
                progress(chunk.rows_read, chunk.fraction)
        if last is not None:
            self.report.rows = last.rows_read
            self.report.last_row_kept = last.last_row
        if self.bookings:
            self.count_bookings()
        self.report.purchases = self.purchases()

    def handle(self, chunk: _Chunk) -> None:
        """Write one batch in one transaction. When another process holds the database past
        the busy timeout, the batch is rolled back whole and tried again, for up to
        BUSY_PATIENCE seconds: a long write elsewhere delays an import, never breaks it."""
        batch = chunk.records
        counters = dataclasses.replace(self.report, rejections=list(self.report.rejections))
        kept = self.rejections_kept

        def attempt() -> None:
            with transaction.atomic():
                # Rejections first: a preview's write() fills its scratch file, which a
                # rollback cannot undo, so nothing that can wait on a lock comes after it.
                self._keep_rejections(chunk.rejections)
                if batch:
                    self.write(batch)
                    self.report.last_row_kept = chunk.settled_row
                if self.progress_with_batch:
                    self._beat(chunk)
            if not self.progress_with_batch:
                self._beat(chunk)
            self.after_batch()

        def rolled_back() -> None:
            # Forget what the batch counted and the ids it cached.
            self.report.__dict__.update(counters.__dict__)
            self.rejections_kept = kept
            self.forget()

        wait_out_busy(attempt, BUSY_PATIENCE, on_retry=rolled_back)

    def forget(self) -> None:
        """Drop caches that may name rows of a rolled-back batch."""

    def after_batch(self) -> None:
        """Called once a batch is committed."""

    def dedupe(self, records: list[OrderRecord]) -> list[OrderRecord]:
        """One record per order id. Rows of one order in different states are its history
        (a payment, then its cancellation, in either order in the file): the state that comes
        later stands (`outranks`), dated when the order first happened. Otherwise the later
        row wins, and a repeat with other contents is noted with both its rows (a repeat
        with the same contents is harmless)."""
        by_id: dict[str, OrderRecord] = {}
        for record in records:
            earlier = by_id.get(record.order_id)
            if earlier is None:
                by_id[record.order_id] = record
                continue
            if earlier.status != record.status:
                # The order's later state (a payment, then its cancellation): no conflict.
                # It happened when it first did: the approval's date, not the cancellation's.
                kept = earlier if outranks(earlier.status, record.status) else record
                kept.occurred_at = min(earlier.occurred_at, record.occurred_at)
                by_id[record.order_id] = kept
                continue
            if earlier.digest() != record.digest():
                self.note_duplicate(record.order_id, earlier.row_no, record.row_no)
            by_id[record.order_id] = record
        return list(by_id.values())

    def note_duplicate(self, order_id: str, first_row: int, later_row: int) -> None:
        self.report.duplicate_ids += 1
        self._issue(
            {"code": "import.duplicate_order", "order": order_id, "rows": [first_row, later_row]}
        )

    def note_refused_lines(self, records: list[OrderRecord]) -> None:
        """Orders kept without some of their rows, which were rejected (a file with a row
        per line): the order is short of those lines until the file is corrected."""
        for record in records:
            if record.refused_rows:
                self._issue(
                    {
                        "code": "import.order_without_rows",
                        "order": record.order_id,
                        "rows": record.refused_rows[:10],
                    }
                )

    def note_conflicts(self, conflicts: list[tuple[OrderRecord, int]]) -> None:
        """Orders of an earlier file that this file gives to another person."""
        self.report.orders_conflicting += len(conflicts)
        room = REPORTED_ISSUES - len(self.report.issues)
        if room <= 0 or not conflicts:
            return
        shown = conflicts[:room]
        names = dict(
            Party.objects.filter(pk__in={party for _, party in shown}).values_list(
                "pk", "display_name"
            )
        )
        for record, party in shown:
            self._issue(
                {
                    "code": "import.order_of_another",
                    "order": record.order_id,
                    "row": record.row_no,
                    "party": party,
                    "name": names.get(party, ""),
                }
            )

    def _people(self, records: list[OrderRecord], existing: dict[str, dict]) -> list[int | None]:
        """The party of each record (None: the record is set aside), and the conflicts.

        An order Patron has already keeps its person when the row names nobody it could match
        (a name alone), or names that same person. When it names someone else, the order is
        an earlier file's that this file would give away: it is set aside and reported,
        creating nobody, unless the person chose to give such orders to this file's people.
        Rows for new orders are matched, creating the parties they need.
        """
        identities = [Identity(r.customer_id, r.email, r.phone, r.name, r.company) for r in records]
        people: list[int | None] = [None] * len(records)
        # Who the rows of orders kept before name, looked up (nobody created) for those only:
        # the rows of new orders are resolved below.
        earlier = [
            i
            for i, record in enumerate(records)
            if (found := existing.get(record.order_id)) is not None
            and found["import_run_id"] != self.run_row.pk
        ]
        matched = dict(
            zip(earlier, self.resolver.lookup([identities[i] for i in earlier]), strict=True)
        )
        to_resolve: list[int] = []
        conflicts: list[tuple[OrderRecord, int]] = []
        replace = self.run_row.on_conflict == "replace"
        for i, (record, identity) in enumerate(zip(records, identities, strict=True)):
            if i not in matched:
                to_resolve.append(i)
                continue
            found = existing[record.order_id]
            if not identity.keys(self.report.source) or matched[i] == found["party_id"]:
                people[i] = found["party_id"]
            elif replace:
                to_resolve.append(i)
            else:
                conflicts.append((record, found["party_id"]))
        if to_resolve:
            resolved = self.resolver.resolve(
                [identities[i] for i in to_resolve], [records[i].row_no for i in to_resolve]
            )
            for i, party_id in zip(to_resolve, resolved, strict=True):
                people[i] = party_id
            self.report.parties_created = self.resolver.parties_created
        self.note_conflicts(conflicts)
        return self._survivors(people)

    def _survivors(self, people: list[int | None]) -> list[int | None]:
        """A party merged into another while this import ran hands its rows to the survivor."""
        ids = sorted({p for p in people if p is not None})
        merged = _merged_parties(ids)
        if not merged:
            return people
        self.resolver.known.clear()  # the cache named the merged-away parties
        for _ in range(10):  # a chain of merges, followed to its end
            further = dict(
                Party.objects.filter(
                    pk__in=set(merged.values()), merged_into__isnull=False
                ).values_list("pk", "merged_into")
            )
            if not further:
                break
            merged = {pk: further.get(to, to) for pk, to in merged.items()}
        return [merged.get(p, p) if p is not None else None for p in people]

    def _issue(self, item: dict) -> None:
        if len(self.report.issues) < REPORTED_ISSUES:
            self.report.issues.append(item)

    def _keep_rejections(self, rejected: list[Rejection]) -> None:
        report = self.report
        report.rejected_rows += len(rejected)
        room = REPORTED_REJECTIONS - len(report.rejections)
        report.rejections.extend(rejected[: max(room, 0)])
        keep = rejected[: max(KEPT_REJECTIONS - self.rejections_kept, 0)]
        RejectedRow.objects.bulk_create(
            [
                RejectedRow(
                    run=self.run_row, row=r.row, field=r.field[:100], reason=r.reason, value=r.value
                )
                for r in keep
            ],
            batch_size=1000,
        )
        self.rejections_kept += len(keep)

    # The run's progress is written in the batch's own transaction: what the run says it kept
    # is exactly what is in the database, even when the process is killed between batches.
    progress_with_batch = True

    def _beat(self, chunk: _Chunk) -> None:
        self.run_row.beat(
            rows_read=chunk.rows_read,
            progress=round(chunk.fraction, 4),
            summary=self.report.summary(),
        )

    bookings = False

    def write(self, records: list[OrderRecord]) -> None:
        raise NotImplementedError

    def purchases(self) -> int:
        raise NotImplementedError

    def count_bookings(self) -> None:
        """engagements_completed, _upcoming, _cancelled and _no_show of the file's bookings."""
        raise NotImplementedError

    def booking_people(self, records: list[OrderRecord]) -> list[int]:
        """Who each booking is for, created where nobody matches (by phone first: a
        marketplace's buyer and a booking's are one party by their own number)."""
        identities = [Identity(r.customer_id, r.email, r.phone, r.name, r.company) for r in records]
        people = self.resolver.resolve(identities, [r.row_no for r in records])
        self.report.parties_created = self.resolver.parties_created
        return self._survivors(people)

    def close(self) -> None:
        pass


class _Writer(_Batches):
    def __init__(self, report: ImportReport, run: ImportRun, user) -> None:
        super().__init__(report, run)
        self.user = user
        self.resolver = PartyResolver(
            report.source, file_name=report.file_name, actor=user, run_id=run.pk
        )
        self.catalogue = OfferingCatalogue()

    def forget(self) -> None:
        self.resolver.known.clear()
        self.resolver.parties_created = self.report.parties_created
        self.catalogue.ids.clear()

    batches_written = 0

    def after_batch(self) -> None:
        """PostgreSQL plans its lookups from table statistics, which an import into an empty
        table leaves stale: believing the orders table tiny, it read every order of the
        source for each batch's lookup (an import slowed from 10,000 to 3,400 rows/s by a
        million rows). The tables are analysed after batches 2, 4, 8, ...: a few times per
        large import, each a sampled read of a few hundred milliseconds; an import of one
        batch (most files from the page) is over before it could gain from it."""
        self.batches_written += 1
        done = self.batches_written
        if connection.vendor != "postgresql" or done < 2 or done & (done - 1):
            return
        with connection.cursor() as cursor:
            for model in (Order, OrderLine, Party, ContactPoint, ExternalRef):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")

    def write(self, records: list[OrderRecord]) -> None:
        if self.bookings:
            self._write_bookings(records)
            return
        # An order repeated in the file is one order: the later row wins.
        unique = self.dedupe(records)
        self.note_refused_lines(unique)
        existing = existing_orders(self.report.source, [r.order_id for r in unique])
        people = self._people(unique, existing)
        kept = [(r, p) for r, p in zip(unique, people, strict=True) if p is not None]
        unique = [r for r, _ in kept]
        party_ids = [p for _, p in kept]
        new, changed, unchanged = [], [], []
        for record, party_id in kept:
            found = existing.get(record.order_id)
            if found is None:
                new.append((record, party_id))
                continue
            digest = record.digest()
            if found["import_run_id"] == self.run_row.pk:
                # Written by an earlier batch of this same file: a repeat, the later row wins
                # unless the earlier one's state comes after it.
                if found["row_digest"] != digest and found["status"] == record.status:
                    self.note_duplicate(record.order_id, found["source_row"], record.row_no)
                if outranks(found["status"], record.status):
                    unchanged.append(found["pk"])
                    continue
            elif found["party_id"] != party_id:
                self.report.orders_moved += 1  # the person said: this file is right
                changed.append((record, party_id, found))
                continue
            if found["row_digest"] != digest:
                changed.append((record, party_id, found))
            else:
                unchanged.append(found["pk"])
        self._save_orders(new, changed, unchanged)
        self._record_consents(unique, party_ids)
        # For the progress shown while running; the exact count is taken at the end.
        self.report.purchases += sum(record.is_purchase for record in unique)

    def purchases(self) -> int:
        orders = Order.objects.filter(import_run=self.run_row)
        return orders.exclude(status__in=NOT_PURCHASED).count()

    def count_bookings(self) -> None:
        now = timezone.now()
        found = Engagement.objects.filter(import_run=self.run_row).values_list(
            "status", "started_at"
        )
        for status, started_at in found.iterator(chunk_size=2000):
            _count_booking(self.report, _booking_outcome(status, started_at, now))

    def _write_bookings(self, records: list[OrderRecord]) -> None:
        """Bookings as engagements, by (source, booking number): a re-import adds nothing,
        a booking whose state or time changed is updated."""
        unique = self.dedupe(records)
        existing = existing_engagements(self.report.source, [r.order_id for r in unique])
        people = self.booking_people(unique)
        pairs = {(line.name, line.sku) for record in unique for line in record.lines}
        offerings = self.catalogue.ids_for(pairs) if pairs else {}
        new, changed, unchanged = [], [], []
        for record, party_id in zip(unique, people, strict=True):
            values = self._engagement_values(record, party_id, offerings)
            found = existing.get(record.order_id)
            if found is None:
                new.append(Engagement(**values, created_by_run=self.run_row))
            elif found["import_run_id"] == self.run_row.pk and outranks(
                found["status"], record.status
            ):
                unchanged.append(found["pk"])
            elif found["row_digest"] != values["row_digest"] or found["party_id"] != party_id:
                changed.append(Engagement(pk=found["pk"], **values))
            else:
                unchanged.append(found["pk"])
        Engagement.objects.bulk_create(new, batch_size=1000)
        Engagement.objects.bulk_update(changed, _ENGAGEMENT_FIELDS, batch_size=500)
        for chunk in chunked(unchanged):
            Engagement.objects.filter(pk__in=chunk).update(import_run=self.run_row)
        self.report.engagements_created += len(new)
        self.report.engagements_updated += len(changed)
        self.report.engagements_unchanged += len(unchanged)
        self._write_booking_orders(unique, people)

    def _write_booking_orders(self, records: list[OrderRecord], people: list[int]) -> None:
        """A paid booking is also a purchase (its value counts as any order's): an order of
        the same number, paid, pending or cancelled as its payment was."""
        paid = [
            (as_order(record), party_id)
            for record, party_id in zip(records, people, strict=True)
            if record.paid_status
        ]
        existing = existing_orders(self.report.source, [record.order_id for record, _ in paid])
        new, changed, unchanged = [], [], []
        for record, party_id in paid:
            found = existing.get(record.order_id)
            if found is None:
                new.append((record, party_id))
            elif found["row_digest"] != record.digest() or found["party_id"] != party_id:
                if found["import_run_id"] == self.run_row.pk and outranks(
                    found["status"], record.status
                ):
                    unchanged.append(found["pk"])
                else:
                    changed.append((record, party_id, found))
            else:
                unchanged.append(found["pk"])
        self._save_orders(new, changed, unchanged)

    def _save_orders(self, new: list, changed: list, unchanged: list[int]) -> None:
        """Write the batch's new orders, rewrite the changed ones, mark the unchanged ones as
        read by this import, and count them."""
        self._create_orders(new)
        self._update_orders(changed)
        for chunk in chunked(unchanged):
            Order.objects.filter(pk__in=chunk).update(import_run=self.run_row)
        self.report.orders_created += len(new)
        self.report.orders_updated += len(changed)
        self.report.orders_unchanged += len(unchanged)

    def _engagement_values(self, record: OrderRecord, party_id: int, offerings: dict) -> dict:
        line = record.lines[0] if record.lines else None
        paid = record.total if record.total else None
        return {
            "party_id": party_id,
            "kind": EngagementKind.APPOINTMENT,
            "title": line.name if line else "",
            "offering_id": offerings.get((line.name, line.sku)) if line else None,
            "started_at": record.occurred_at,
            "status": record.status,
            "currency": record.currency if paid is not None else "",
            "amount": paid,
            "source": self.report.source,
            "external_id": record.order_id,
            "row_digest": record.digest(),
            "source_row": record.row_no,
            "import_run": self.run_row,
        }

    def _create_orders(self, new: list[tuple[OrderRecord, int]]) -> None:
        if not new:
            return
        source, run_id = self.report.source, self.run_row.pk
        # Their ids taken first: the lines go in next without reading the orders back.
        ids = reserve_ids(Order, len(new))
        records = [record for record, _ in new]
        columns = _order_columns(records, [party_id for _, party_id in new], run_id)
        insert_rows(
            Order,
            ["id", *ORDER_COLUMNS, "source", "external_id", "created_by_run_id"],
            zip(
                ids,
                *columns,
                [source] * len(records),
                [record.order_id for record in records],
                [run_id] * len(records),
                strict=True,
            ),
            adapted=True,
        )
        self._create_lines(list(zip(ids, records, strict=True)))

    def _create_lines(self, orders: list[tuple[int, OrderRecord]]) -> None:
        pairs = {(line.name, line.sku) for _, record in orders for line in record.lines}
        offering_ids = self.catalogue.ids_for(pairs) if pairs else {}
        quantity, money = (
            value_adapter(OrderLine, "quantity"),
            value_adapter(OrderLine, "unit_price"),
        )
        insert_rows(
            OrderLine,
            ["order_id", "line_no", "offering_id", "name", "quantity", "unit_price"],
            (
                (
                    order_id,
                    line_no,
                    offering_ids.get((line.name, line.sku)),
                    line.name,
                    quantity(line.quantity),
                    money(line.unit_price),
                )
                for order_id, record in orders
                for line_no, line in enumerate(record.lines, start=1)
            ),
            adapted=True,
        )

    def _update_orders(self, changed: list[tuple[OrderRecord, int, dict]]) -> None:
        if not changed:
            return
        columns = _order_columns(
            [record for record, _, _ in changed],
            [party_id for _, party_id, _ in changed],
            self.run_row.pk,
        )
        update_rows(
            Order,
            ORDER_COLUMNS,
            zip([found["pk"] for *_, found in changed], *columns, strict=True),
            adapted=True,
        )
        for chunk in chunked([found["pk"] for _, _, found in changed]):
            OrderLine.objects.filter(order_id__in=chunk).delete()
        self._create_lines([(found["pk"], record) for record, _, found in changed])
        record_activities(
            activity_row(
                party_id,
                "order.updated",
                actor=self.user,
                data={
                    "order": record.order_id,
                    "source": self.report.source,
                    "file": self.report.file_name,
                    "row": record.row_no,
                    "status_from": found["status"],
                    "status_to": record.status,
                    "import": self.run_row.pk,
                },
            )
            for record, party_id, found in changed
        )

    def _record_consents(self, records: list[OrderRecord], party_ids: list[int]) -> None:
        """Marketing consent from the export (Shopify's Accepts Marketing), with evidence."""
        decisions = [
            Decision(
                party_id=party_id,
                channel=Channel.EMAIL,
                purpose=Purpose.MARKETING,
                granted=record.accepts_marketing,
                source=f"import:{self.report.profile}",
                evidence={
                    "file": self.report.file_name,
                    "row": record.row_no,
                    "column": "accepts_marketing",
                    "value": "yes" if record.accepts_marketing else "no",
                    "import": self.run_row.pk,
                },
                at=record.occurred_at,
            )
            for record, party_id in zip(records, party_ids, strict=True)
            if record.accepts_marketing is not None and record.email
        ]
        do_record_decisions(decisions, actor=self.user)


class _Preview(_Batches):
    """Everything an import would do, counted, with nothing of the business's data written."""

    # A preview's counts live in its scratch file, which no rollback undoes: its progress is
    # written after the batch (nothing of the business's data depends on it).
    progress_with_batch = False

    def __init__(self, report: ImportReport, run: ImportRun) -> None:
        super().__init__(report, run)
        self.scratch = Scratch()
        self.resolver = PreviewResolver(report.source, self.scratch)
        self.purchase_count = 0
        self.outcomes: Counter[str] = Counter()

    def forget(self) -> None:
        # A preview writes only its rejected rows; its scratch file is its own.
        self.resolver.known.clear()

    def write(self, records: list[OrderRecord]) -> None:
        if self.bookings:
            self._count_bookings_of(records)
            return
        unique = self.dedupe(records)
        self.note_refused_lines(unique)
        ids = [r.order_id for r in unique]
        existing = existing_orders(self.report.source, ids)
        people = self._people(unique, existing)  # as the import would match them
        earlier = self.scratch.orders_seen(ids)  # the same order on an earlier batch's row
        report = self.report
        counted = []
        for record, party_id in zip(unique, people, strict=True):
            if party_id is None:
                continue  # an earlier file's order this file would give away: set aside
            digest = record.digest()
            previous = earlier.get(record.order_id)
            if previous is not None:
                previous_digest, was_purchase, previous_row, previous_status = previous
                if previous_digest != digest and previous_status == record.status:
                    self.note_duplicate(record.order_id, previous_row, record.row_no)
                if outranks(previous_status, record.status):
                    report.orders_unchanged += 1
                    continue  # the earlier row's state stands (and stays remembered)
                self.purchase_count -= was_purchase
                if previous_digest != digest:
                    report.orders_updated += 1
                else:
                    report.orders_unchanged += 1
            else:
                found = existing.get(record.order_id)
                if found is None:
                    report.orders_created += 1
                elif found["party_id"] != party_id:
                    report.orders_moved += 1
                    report.orders_updated += 1
                elif found["row_digest"] != digest:
                    report.orders_updated += 1
                else:
                    report.orders_unchanged += 1
            self.purchase_count += record.is_purchase
            counted.append(record)
        report.purchases = self.purchase_count
        self.scratch.remember_orders(
            (r.order_id, r.digest(), r.is_purchase, r.row_no, r.status) for r in counted
        )

    def purchases(self) -> int:
        return self.purchase_count

    def _count_bookings_of(self, records: list[OrderRecord]) -> None:
        """As the import would write them: created, updated or unchanged, and what became of
        each booking (its outcome kept in the scratch file, a repeat counted once)."""
        unique = self.dedupe(records)
        ids = [r.order_id for r in unique]
        existing = existing_engagements(self.report.source, ids)
        paid_before = existing_orders(
            self.report.source, [r.order_id for r in unique if r.paid_status]
        )
        people = self.booking_people(unique)
        earlier = self.scratch.orders_seen(ids)
        report, now = self.report, timezone.now()
        counted = []
        for record, party_id in zip(unique, people, strict=True):
            digest = record.digest()
            previous = earlier.get(record.order_id)
            found = existing.get(record.order_id)
            if previous is not None:
                if outranks(previous[3], record.status):
                    report.engagements_unchanged += 1
                    continue
                outcome, was_purchase = divmod(previous[1], 2)
                self.outcomes[_OUTCOMES[outcome]] -= 1
                self.purchase_count -= was_purchase
                report.engagements_updated += previous[0] != digest
                report.engagements_unchanged += previous[0] == digest
            elif found is None:
                report.engagements_created += 1
            elif found["row_digest"] != digest or found["party_id"] != party_id:
                report.engagements_updated += 1
            else:
                report.engagements_unchanged += 1
            if previous is None and record.paid_status:
                self._count_booking_order(as_order(record), party_id, paid_before)
            self.outcomes[_booking_outcome(record.status, record.occurred_at, now)] += 1
            self.purchase_count += as_order(record).is_purchase
            counted.append(record)
        self.scratch.remember_orders(
            (
                r.order_id,
                r.digest(),
                2 * _OUTCOMES.index(_booking_outcome(r.status, r.occurred_at, now))
                + as_order(r).is_purchase,
                r.row_no,
                r.status,
            )
            for r in counted
        )

    def _count_booking_order(self, order: OrderRecord, party_id: int, existing: dict) -> None:
        """The order a paid booking also is, counted as _write_booking_orders writes it."""
        found = existing.get(order.order_id)
        if found is None:
            self.report.orders_created += 1
        elif found["row_digest"] != order.digest() or found["party_id"] != party_id:
            self.report.orders_updated += 1
        else:
            self.report.orders_unchanged += 1

    def count_bookings(self) -> None:
        for outcome, count in self.outcomes.items():
            _count_booking(self.report, outcome, count)

    def close(self) -> None:
        self.scratch.close()


_OUTCOMES = ("completed", "upcoming", "cancelled", "no_show")
# Which of two states of one order (or booking) came later, whatever the rows' order: a
# payment then its cancellation, a booking then its no-show. Equal ranks: the later row.
_STATE_ORDER = {
    "failed": 0,
    "pending": 1,
    "booked": 1,
    "paid": 2,
    "done": 2,
    "partially_refunded": 3,
    "no_show": 3,
    "refunded": 4,
    "cancelled": 5,
}


def outranks(earlier: str, later: str) -> bool:
    """Whether an order's earlier row's state stands over its later row's."""
    return _STATE_ORDER.get(earlier, 2) > _STATE_ORDER.get(later, 2)


_ENGAGEMENT_FIELDS = [
    "party",
    "kind",
    "title",
    "offering",
    "started_at",
    "status",
    "currency",
    "amount",
    "row_digest",
    "source_row",
    "import_run",
]


def as_order(booking: OrderRecord) -> OrderRecord:
    """A paid booking as the order it also is (its payment's state); a booking not paid for
    is no order (status "", never a purchase)."""
    return dataclasses.replace(
        booking,
        status=booking.paid_status or "failed",
        paid_status="",
        occurred_at=booking.booked_at or booking.occurred_at,
        booked_at=None,
    )


def _booking_outcome(status: str, started_at, now) -> str:
    """What a booking came to: a booking whose time has passed took place (a file that says
    only 확정 of yesterday's booking); one still to come is upcoming."""
    state = state_at(status, started_at, now)
    return {EngagementStatus.DONE: "completed", EngagementStatus.BOOKED: "upcoming"}.get(
        state, state
    )


def _count_booking(report: ImportReport, outcome: str, count: int = 1) -> None:
    name = f"engagements_{outcome}"
    setattr(report, name, getattr(report, name) + count)


def existing_engagements(source: str, booking_ids: list[str]) -> dict[str, dict]:
    """The engagements of this source already kept, by booking number."""
    found = {}
    for chunk in chunked(booking_ids):
        for row in Engagement.objects.filter(source=source, external_id__in=chunk).values(
            "pk", "external_id", "row_digest", "party_id", "status", "import_run_id"
        ):
            found[row["external_id"]] = row
    return found


_EXISTING = ("pk", "external_id", "row_digest", "status", "party_id", "import_run_id", "source_row")


def _merged_parties(ids: list[int]) -> dict[int, int]:
    """Which of these parties were merged into another: asked for every batch (plain SQL)."""
    merged: dict[int, int] = {}
    table = connection.ops.quote_name(Party._meta.db_table)
    with connection.cursor() as cursor:
        for chunk in chunked(ids):
            ids, params = among(chunk)
            cursor.execute(
                f"SELECT id, merged_into_id FROM {table} "
                f"WHERE id {ids} AND merged_into_id IS NOT NULL",
                params,
            )
            merged.update(cursor.fetchall())
    return merged


def existing_orders(source: str, order_ids: list[str]) -> dict[str, dict]:
    """The orders of this source already kept, by order id. Plain SQL: asked for every batch,
    the ORM's query building cost more than the query (bench/import_throughput.py)."""
    found = {}
    table = connection.ops.quote_name(Order._meta.db_table)
    with connection.cursor() as cursor:
        for chunk in chunked(order_ids):
            ids, params = among(chunk)
            cursor.execute(
                f"SELECT id, external_id, row_digest, status, party_id, import_run_id, source_row "
                f"FROM {table} WHERE source = %s AND external_id {ids}",
                [source, *params],
            )
            for row in cursor.fetchall():
                found[row[1]] = dict(zip(_EXISTING, row, strict=True))
    return found


ORDER_COLUMNS = [
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
    "delivery_contact",
    "row_digest",
    "source_row",
    "import_run_id",
]


def _order_columns(records: list[OrderRecord], party_ids: list[int], run_id: int) -> list:
    """The orders' ORDER_COLUMNS, column by column, as the database stores them (insert_rows
    with adapted=True): a list comprehension per column, not a tuple built per order, and
    the adapters bound to this thread's connection once per batch."""
    when, money = value_adapter(Order, "occurred_at"), value_adapter(Order, "amount")
    return [
        party_ids,
        [when(r.occurred_at) for r in records],
        [r.status for r in records],
        [r.currency for r in records],
        [money(r.total) for r in records],
        [money(r.refunded) for r in records],
        [money(r.discount_amount) for r in records],
        [r.discount_code for r in records],
        [r.channel for r in records],
        [r.note for r in records],
        [r.delivery_contact for r in records],
        [r.digest() for r in records],
        [r.row_no for r in records],
        [run_id] * len(records),
    ]


def rejections_csv_lines(rejections) -> Iterator[str]:
    """The error report as CSV lines, worded in the active language, safe to open in Excel
    (no cell starts a formula). A generator, so a long report streams."""
    out = io.StringIO()
    writer = csv.writer(out)

    def line(cells) -> str:
        out.seek(0)
        out.truncate()
        writer.writerow(cells)
        return out.getvalue()

    yield line(["row", "field", "reason", "value"])
    for r in rejections:
        yield line([r.row, excel_safe(r.field), excel_safe(say(r.reason)), excel_safe(r.value)])


def excel_safe(text: str) -> str:
    """Prefix a quote so Excel shows '=HYPERLINK(...)' as text instead of running it."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
