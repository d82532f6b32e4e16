"""Importing from the page: upload, then the worker imports in the background while the page
shows its progress; the import carries on when the tab is closed."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from patron import jobs
from patron.accounts import roles
from patron.commerce.imports import rejections_csv_lines
from patron.commerce.models import ImportRun
from patron.commerce.queries import known_sources, recent_imports
from patron.commerce.readings import ReadingRefused, corrections, do_remember_reading
from patron.commerce.undo import UndoRefused
from patron.core.problems import Problem
from patron.core.runs import RunStatus, reap_interrupted_runs
from patron.core.wording import say
from patron.parties.access import record_access
from patron.parties.models import AccessAction

from ..access import allowed, get_import_for_user, member_required
from ..forms import ColumnMappingForm, ImportForm, StatusMeaningForm

SHOWN_REJECTIONS = 200


@sensitive_post_parameters("password")  # an error report never shows a workbook's password
@allowed(roles.can_import)
def import_page(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    too_large = getattr(request, "upload_too_large", None)
    error = None
    if too_large:
        limit = settings.PATRON_IMPORT_MAX_BYTES
        error = {"code": "file.too_large", "megabytes": too_large / 1e6, "limit": limit / 1e6}
        form = ImportForm()
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        stored = jobs.store_upload(upload.chunks(), upload.name)
        try:
            # A protected workbook is opened here, with the password typed in this request.
            stored = jobs.unlock_upload(stored, upload.name, form.cleaned_data["password"])
        except Problem as exc:
            form.add_error("password", str(exc))
        else:
            run = jobs.start_import(
                stored,
                file_name=upload.name,
                user=request.user,
                profile=form.cleaned_data["profile"] or "",
                source=form.cleaned_data["source"],
                encoding=form.cleaned_data["encoding"] or "",
                dry_run=form.cleaned_data["preview"],
            )
            return redirect("import_detail", pk=run.pk)
    context = {
        "form": form,
        "error": error,
        "runs": recent_imports(10),
        "sources": known_sources(),
    }
    status = 413 if too_large else 400 if form.errors else 200
    return render(request, "patron/import_form.html", context, status=status)


@member_required
def import_detail(request, pk: int):
    reap_interrupted_runs()
    run = get_import_for_user(request, pk)
    can_import = roles.can_import(request.user) and jobs.upload_path(run.upload) is not None
    context = {
        "run": run,
        "s": run.summary,
        "rejected": run.rejected_rows.order_by("row", "pk")[:SHOWN_REJECTIONS],
        "can_resume": run.status in (RunStatus.INTERRUPTED, RunStatus.FAILED)
        and not run.dry_run
        and run.undone_at is None
        and run.undo_started_at is None
        and jobs.upload_path(run.upload) is not None,
        "mapping": ColumnMappingForm(
            run.summary["columns"],
            initial={f"c{i}": "" for i in range(len(run.summary["columns"]))},
        )
        if run.status == RunStatus.FAILED
        and (run.problem or {}).get("code") in jobs.MAPPABLE
        and (run.summary or {}).get("columns")
        and jobs.upload_path(run.upload) is not None
        else None,
        "reading": _reading_form(run) if can_import else None,
        "meanings": _meanings_form(run) if can_import else None,
        "can_give": roles.can_change_relationships(request.user)
        and run.undone_at is None
        and run.is_finished
        and (run.summary or {}).get("orders_conflicting")
        and jobs.upload_path(run.upload) is not None,
        "can_undo": roles.can_undo_import(request.user)
        and not run.dry_run
        and run.undone_at is None
        and run.undo_started_at is None
        and run.is_finished,
        "can_confirm": run.dry_run
        and run.status == RunStatus.DONE
        and jobs.upload_path(run.upload) is not None,
        "imported_as": ImportRun.objects.filter(
            upload=run.upload, dry_run=False, pk__gt=run.pk
        ).first()
        if run.dry_run and run.upload
        else None,
    }
    return render(request, "patron/import_detail.html", context)


@member_required
def import_progress(request, pk: int):
    """What the page polls while the worker imports."""
    reap_interrupted_runs()
    run = get_import_for_user(request, pk)
    summary = run.summary or {}
    return JsonResponse(
        {
            "status": run.status,
            "status_label": run.get_status_display(),
            "finished": run.is_finished,
            "progress": run.progress,
            "rows": run.rows_read,
            "orders_created": summary.get("orders_created", 0),
            "orders_updated": summary.get("orders_updated", 0),
            "orders_unchanged": summary.get("orders_unchanged", 0),
            "purchases": summary.get("purchases", 0),
            "engagements_created": summary.get("engagements_created", 0),
            "engagements_updated": summary.get("engagements_updated", 0),
            "engagements_unchanged": summary.get("engagements_unchanged", 0),
            "parties_created": summary.get("parties_created", 0),
            "rejected_rows": summary.get("rejected_rows", 0),
            "problem": say(run.problem),
        }
    )


@allowed(roles.can_import)
@require_POST
def import_confirm(request, pk: int):
    """ "Import this file" after a preview."""
    preview = get_import_for_user(request, pk)
    try:
        run = jobs.import_for_real(preview, user=request.user)
    except jobs.JobRefused as exc:
        messages.error(request, str(exc))
        return redirect("import_detail", pk=preview.pk)
    return redirect("import_detail", pk=run.pk)


def _reading_form(run: ImportRun) -> ColumnMappingForm | None:
    """How the columns of a file read by meaning were read, to correct (a finished run)."""
    summary = run.summary or {}
    if not run.is_finished or not summary.get("header") or not summary.get("recognised"):
        return None
    header = summary["header"]
    used = {i["column"]: i["field"] for i in summary["recognised"] if i.get("used_as")}
    initial = {f"c{i}": used.get(column, "") for i, column in enumerate(header)}
    return ColumnMappingForm(header, initial=initial)


def _meanings_form(run: ImportRun) -> StatusMeaningForm | None:
    summary = run.summary or {}
    if not run.is_finished or not summary.get("unknown_statuses"):
        return None
    words = [item["status"] for item in summary["unknown_statuses"]]
    return StatusMeaningForm(words, summary.get("kind") == "bookings")


def _again(request, run: ImportRun, mapping: dict[str, str]):
    """The same file again (a preview stays a preview), read with what the person said."""
    try:
        again = jobs.start_import(
            run.upload,
            file_name=run.file_name,
            user=request.user,
            profile=run.profile if run.profile != "generic" else "",
            source=run.source,
            mapping=mapping,
            encoding=run.encoding,
            dry_run=run.dry_run,
        )
    except jobs.JobRefused as exc:
        messages.error(request, str(exc))
        return redirect("import_detail", pk=run.pk)
    return redirect("import_detail", pk=again.pk)


@allowed(roles.can_import)
@require_POST
def import_with_columns(request, pk: int):
    """The file again, with the person saying which column is which; what they changed is
    remembered for the file's source (its next files are read the same way)."""
    run = get_import_for_user(request, pk)
    summary = run.summary or {}
    header = summary.get("header") or summary.get("columns", [])
    form = ColumnMappingForm(header, request.POST)
    if not form.is_valid():
        messages.error(request, form.errors.as_text())
        return redirect("import_detail", pk=run.pk)
    changed = corrections(header, summary.get("recognised", []), form.mapping())
    if changed and run.source:
        try:
            do_remember_reading(run.source, columns=changed, user=request.user)
        except ReadingRefused as exc:
            messages.error(request, str(exc))
            return redirect("import_detail", pk=run.pk)
    return _again(request, run, form.mapping())


@allowed(roles.can_import)
@require_POST
def import_with_statuses(request, pk: int):
    """The file again, with the person saying what its unknown status words mean (kept for
    the file's source)."""
    run = get_import_for_user(request, pk)
    form = _meanings_form(run)
    if form is None:
        return redirect("import_detail", pk=run.pk)
    form = StatusMeaningForm(
        form.words, (run.summary or {}).get("kind") == "bookings", request.POST
    )
    if not form.is_valid() or not form.meanings():
        messages.error(request, _("Choose what at least one status means."))
        return redirect("import_detail", pk=run.pk)
    try:
        do_remember_reading(run.source, statuses=form.meanings(), user=request.user)
    except ReadingRefused as exc:
        messages.error(request, str(exc))
        return redirect("import_detail", pk=run.pk)
    return _again(request, run, run.mapping)


@allowed(roles.can_change_relationships)
@require_POST
def import_give_orders(request, pk: int):
    """The person checked: this file's people get the orders an earlier file gave others."""
    run = get_import_for_user(request, pk)
    try:
        again = jobs.import_again_giving_orders(run, user=request.user)
    except jobs.JobRefused as exc:
        messages.error(request, str(exc))
        return redirect("import_detail", pk=run.pk)
    return redirect("import_detail", pk=again.pk)


@allowed(roles.can_import)
@require_POST
def import_resume(request, pk: int):
    run = get_import_for_user(request, pk)
    try:
        jobs.resume_import(run)
    except jobs.JobRefused as exc:
        messages.error(request, str(exc))
    return redirect("import_detail", pk=run.pk)


@allowed(roles.can_undo_import)
@require_POST
def import_undo(request, pk: int):
    run = get_import_for_user(request, pk)
    try:
        jobs.undo_import_later(run, user=request.user)
    except UndoRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("The import is being undone in the background; this page shows when.")
        )
    return redirect("import_detail", pk=run.pk)


@member_required
def import_errors_csv(request, pk: int):
    run = get_import_for_user(request, pk)
    rows = run.rejected_rows.order_by("row", "pk").iterator(chunk_size=2000)
    lines = (line for line in rejections_csv_lines(rows))
    record_access(request, AccessAction.DOWNLOAD, count=run.rejected_rows.count())
    response = StreamingHttpResponse(_with_bom(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-rejected.csv"'
    return response


def _with_bom(lines):
    # Excel reads UTF-8 only with its byte-order mark.
    yield "\ufeff"
    yield from lines
