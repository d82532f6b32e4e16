"""Pages. Each view checks access, calls one service, renders."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patron.commerce.models import ImportRun
from patron.commerce.services import ImportRejected, do_import_file, rejections_csv
from patron.parties.duplicates import MergeRefused, do_merge_parties, find_duplicates
from patron.parties.models import Party, Relationship, RelationshipKind
from patron.parties.normalize import name_key, normalize_phone
from patron.parties.services import RelationshipError, do_set_relationship
from patron.parties.team import is_owner

from .access import get_import_for_user, get_party_for_user, owner_required, team_required
from .forms import ImportForm, MergeForm, RelationshipForm
from .insight_views import dashboard_charts, party_insight
from .timeline import party_timeline

PAGE_SIZE = 50
UPLOAD_SUFFIX = re.compile(r"\.[a-z0-9]{1,5}")
UPLOAD_TOKEN = re.compile(r"[0-9a-f]{64}(\.[a-z0-9]{1,5})?")
SORTS = {
    "name": "display_name",
    "-name": "-display_name",
    "new": "-created_at",
    "old": "created_at",
}


@team_required
def dashboard(request):
    by_kind = dict(
        Relationship.objects.filter(party__merged_into__isnull=True)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    kinds = [
        (k, label, by_kind.get(k, 0)) for k, label in RelationshipKind.choices if by_kind.get(k)
    ]
    context = {
        "kinds": kinds,
        "total": sum(by_kind.values()),
        "reasons": _top_reasons(),
        "imports": ImportRun.objects.filter(dry_run=False).order_by("-started_at")[:5],
        **dashboard_charts(),
    }
    return render(request, "patron/dashboard.html", context)


def _top_reasons(sample: int = 2000) -> dict[str, list[tuple[str, int]]]:
    """The most frequent reasons per kind, in general words (numbers taken out)."""
    counts: dict[str, dict[str, int]] = {}
    for kind, reasons in Relationship.objects.filter(kind__in=["customer", "client"]).values_list(
        "kind", "reasons"
    )[:sample]:
        for reason in reasons or []:
            general = "".join("N" if ch.isdigit() else ch for ch in reason)
            while "NN" in general:
                general = general.replace("NN", "N")
            counts.setdefault(kind, {}).setdefault(general, 0)
            counts[kind][general] += 1
    return {
        kind: sorted(found.items(), key=lambda item: -item[1])[:4] for kind, found in counts.items()
    }


@team_required
def party_list(request):
    parties = Party.objects.filter(merged_into__isnull=True).select_related("relationship")
    query = request.GET.get("q", "").strip()[:100]
    if query:
        parties = parties.filter(_search(query))
    kind = request.GET.get("kind", "")
    if kind in RelationshipKind.values:
        parties = parties.filter(relationship__kind=kind)
    sort = request.GET.get("sort", "name")
    parties = parties.order_by(SORTS.get(sort, "display_name"), "pk")
    page = Paginator(parties, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "q": query,
        "kind": kind,
        "sort": sort,
        "kinds": RelationshipKind.choices,
    }
    return render(request, "patron/party_list.html", context)


def _search(query: str) -> Q:
    condition = Q(name_key__contains=name_key(query)) | Q(email__icontains=query.lower())
    phone = normalize_phone(query, settings.PATRON_DEFAULT_REGION)
    digits = "".join(ch for ch in query if ch.isdigit())
    if phone:
        condition |= Q(phone=phone)
    if len(digits) >= 4:
        condition |= Q(phone__contains=digits.lstrip("0"))
    return condition


@team_required
def party_detail(request, pk: int):
    party = get_party_for_user(request, pk)
    if party.merged_into_id:
        return redirect("party", pk=party.merged_into_id)
    relationship = getattr(party, "relationship", None)
    form = RelationshipForm(
        initial={
            "kind": relationship.kind if relationship else "customer",
            "owner": relationship.owner_id if relationship else None,
        }
    )
    context = {
        "party": party,
        "relationship": relationship,
        "timeline": party_timeline(party),
        "form": form,
        "can_edit": is_owner(request.user),
        **party_insight(party),
    }
    return render(request, "patron/party_detail.html", context)


@owner_required
@require_POST
def party_relationship(request, pk: int):
    party = get_party_for_user(request, pk)
    form = RelationshipForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The change was not saved: %s") % form.errors.as_text())
        return redirect("party", pk=party.pk)
    try:
        do_set_relationship(
            party,
            actor=request.user,
            kind=form.cleaned_data["kind"],
            owner=form.cleaned_data["owner"],
            clear_owner=form.cleaned_data["owner"] is None,
        )
    except RelationshipError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Relationship saved."))
    return redirect("party", pk=party.pk)


@team_required
def import_page(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        path = _store_upload(upload)
        return _run_import(
            request,
            path,
            upload.name,
            form.cleaned_data["profile"] or None,
            form.cleaned_data["dry_run"],
        )
    return render(request, "patron/import_form.html", {"form": form, "runs": _recent_runs()})


def _recent_runs():
    return ImportRun.objects.filter(dry_run=False).order_by("-started_at")[:10]


@team_required
@require_POST
def import_confirm(request):
    """Import for real the file a preview showed."""
    token = request.POST.get("file", "")
    name = request.POST.get("name", "upload.csv")[:255]
    path = _upload_dir() / token
    if not UPLOAD_TOKEN.fullmatch(token) or not path.exists():
        return HttpResponseBadRequest(_("That preview has expired: upload the file again."))
    return _run_import(request, path, name, request.POST.get("profile") or None, dry_run=False)


def _run_import(request, path: Path, name: str, profile: str | None, dry_run: bool):
    try:
        report = do_import_file(
            path, profile_name=profile, dry_run=dry_run, user=request.user, display_name=name
        )
    except ImportRejected as exc:
        form = ImportForm()
        return render(
            request,
            "patron/import_form.html",
            {"form": form, "error": str(exc), "runs": _recent_runs()},
            status=400,
        )
    context = {"report": report, "file_digest": path.name, "profile": profile or ""}
    return render(request, "patron/import_result.html", context)


def _upload_dir() -> Path:
    directory = settings.DATA_DIR / "uploads"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _store_upload(upload) -> Path:
    digest = hashlib.sha256()
    temporary = _upload_dir() / f"incoming-{id(upload)}"
    with temporary.open("wb") as handle:
        for chunk in upload.chunks():
            digest.update(chunk)
            handle.write(chunk)
    # The name keeps the upload's suffix: a CSV renamed .xlsx must still be caught as one.
    suffix = Path(upload.name).suffix.lower()
    final = _upload_dir() / (
        digest.hexdigest() + (suffix if UPLOAD_SUFFIX.fullmatch(suffix) else "")
    )
    temporary.replace(final)
    return final


@team_required
def import_detail(request, pk: int):
    run = get_import_for_user(request, pk)
    rejected = run.rejected_rows.order_by("row")[:200]
    return render(request, "patron/import_detail.html", {"run": run, "rejected": rejected})


@team_required
def import_errors_csv(request, pk: int):
    run = get_import_for_user(request, pk)
    body = rejections_csv(list(run.rejected_rows.order_by("row", "pk")))
    response = HttpResponse("\ufeff" + body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-rejected.csv"'
    return response


@team_required
def duplicates(request):
    pairs = find_duplicates()
    return render(
        request, "patron/duplicates.html", {"pairs": pairs, "can_merge": is_owner(request.user)}
    )


@owner_required
@require_POST
def merge(request):
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors.as_text())
        return redirect("duplicates")
    survivor = get_object_or_404(Party, pk=form.cleaned_data["survivor"])
    other = get_object_or_404(Party, pk=form.cleaned_data["other"])
    try:
        do_merge_parties(survivor, other, actor=request.user)
    except MergeRefused as exc:
        messages.error(request, str(exc))
        return redirect("duplicates")
    messages.success(
        request,
        _("Merged %(other)s into %(survivor)s.")
        % {"other": other.display_name, "survivor": survivor.display_name},
    )
    return redirect("party", pk=survivor.pk)
