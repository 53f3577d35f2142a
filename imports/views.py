"""Staff pages of the imports (/personal/importar/): small function views (DESIGN §5.7).

Case records: upload → check (background) → preview → confirm → commit (background).
Lists of released people: upload with the claim they belong to → matching (background) →
staff confirm each proposal → the claim's names are recorded (background) → report.
"""

import csv
import io
import os

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cases.models import ReleaseClaim
from imports import reconcile
from imports.cleaning import neutralise
from imports.columns import (
    CASE_COLUMNS,
    RELEASE_LIST_COLUMN_SET,
    RELEASE_LIST_EXAMPLE,
    TEMPLATE_EXAMPLE,
    ColumnSet,
)
from imports.models import ImportJob, ImportKind, ImportState
from imports.reader import max_bytes, unpacked_size
from imports.report import claim_report, report_rows
from imports.tasks import commit_import, validate_import

ALLOWED_EXTENSIONS = (".csv", ".xlsx")
LIST_PERMISSIONS = ("imports.add_importjob", "cases.add_releaseclaim")


def runs_in_request() -> bool:
    """Whether the file would be checked inside the upload's request: no Celery broker, so
    tasks run eagerly."""
    return bool(validate_import.app.conf.task_always_eager)


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ALLOWED_EXTENSIONS)}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = os.path.splitext(upload.name)[1].lower()
        if extension not in ALLOWED_EXTENSIONS:
            raise forms.ValidationError(_("Upload a CSV or XLSX file."), code="file_type")
        if upload.size > max_bytes():
            raise forms.ValidationError(
                _("The file is larger than %(size)s.") % {"size": filesizeformat(max_bytes())},
                code="too_large",
            )
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."), code="empty")
        limit = settings.IMPORT_MAX_BYTES_WITHOUT_WORKER
        if runs_in_request() and (upload.size > limit or unpacked_size(upload) > limit):
            raise forms.ValidationError(
                _(
                    "Without a background worker this server checks files of at most %(size)s "
                    "while you wait, and this one is larger: split it into smaller files, or ask "
                    "the administrator to set up the worker (CELERY_BROKER_URL)."
                )
                % {"size": filesizeformat(limit)},
                code="too_large_without_worker",
            )
        return upload


class ReleaseListForm(UploadForm):
    """A list of released people and the claim it is the list of: one already recorded (that
    published no names yet), or a new one described here."""

    claim = forms.ModelChoiceField(
        label=_("Release claim already recorded"),
        queryset=ReleaseClaim.objects.filter(names__isnull=True).order_by("-announced_on", "-id"),
        required=False,
        help_text=_("Leave empty to record a new claim with the fields below."),
    )
    announced_on = forms.DateField(
        label=_("Announced on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    claimant = forms.CharField(label=_("Who announced it"), max_length=200, required=False)
    claimant_institution = forms.CharField(label=_("Institution"), max_length=200, required=False)
    claimed_count = forms.IntegerField(
        label=_("Number claimed"),
        min_value=1,
        max_value=1_000_000,
        required=False,
        help_text=_("The round number announced; by default, the number of names on the list."),
    )
    scope = forms.CharField(label=_("Scope"), max_length=300, required=False)
    source_url = forms.URLField(
        label=_("Source URL"), max_length=1000, required=False, assume_scheme="https"
    )

    def clean(self):
        data = super().clean()
        if data.get("claim") is None:
            for field in ("announced_on", "claimant"):
                if not data.get(field):
                    self.add_error(field, _("Needed for a new claim."))
            announced = data.get("announced_on")
            if announced and announced > timezone.localdate():
                self.add_error("announced_on", _("The date cannot be in the future."))
        return data

    def claim_details(self) -> dict:
        data = self.cleaned_data
        if data.get("claim") is not None:
            return {}
        return {
            "announced_on": data["announced_on"].isoformat(),
            "claimant": neutralise(data["claimant"]),
            "claimant_institution": neutralise(data["claimant_institution"]),
            "claimed_count": data["claimed_count"],
            "scope": neutralise(data["scope"]),
            "source_url": data["source_url"],
        }


def _start(request, form, kind: str) -> ImportJob:
    upload = form.cleaned_data["file"]
    with transaction.atomic():
        job = ImportJob.objects.create(
            kind=kind,
            file=upload,
            original_name=upload.name[:255],
            created_by=request.user,
            claim=form.cleaned_data.get("claim"),
            claim_details=form.claim_details() if kind == ImportKind.RELEASE_LIST else {},
        )
        transaction.on_commit(lambda: validate_import.delay(job.pk))
    return job


def _page(request, template: str, form, kind: str, columns: ColumnSet):
    jobs = ImportJob.objects.filter(kind=kind).select_related("created_by")[:20]
    return render(
        request,
        template,
        {
            "form": form,
            "jobs": jobs,
            "columns": columns.columns,
            "max_size": filesizeformat(max_bytes()),
        },
    )


@login_required
@permission_required("imports.add_importjob", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_upload(request):
    posted = request.method == "POST"
    form = UploadForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        job = _start(request, form, ImportKind.CASES)
        return redirect(reverse("imports:detail", args=[job.pk]))
    return _page(request, "imports/upload.html", form, ImportKind.CASES, CASE_COLUMNS)


@login_required
@permission_required(LIST_PERMISSIONS, raise_exception=True)
@require_http_methods(["GET", "POST"])
def release_list_upload(request):
    posted = request.method == "POST"
    form = ReleaseListForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        job = _start(request, form, ImportKind.RELEASE_LIST)
        return redirect(reverse("imports:detail", args=[job.pk]))
    return _page(
        request,
        "imports/release_list_upload.html",
        form,
        ImportKind.RELEASE_LIST,
        RELEASE_LIST_COLUMN_SET,
    )


def _may_commit(user, job: ImportJob) -> bool:
    permissions = LIST_PERMISSIONS if job.is_release_list else ("imports.add_importjob",)
    return job.can_commit and user.has_perms(permissions)


@login_required
@permission_required("imports.view_importjob", raise_exception=True)
@require_safe
def import_detail(request, pk: int):
    job = get_object_or_404(ImportJob.objects.select_related("created_by", "claim"), pk=pk)
    context = {"job": job, "may_commit": _may_commit(request.user, job)}
    if job.is_release_list and context["may_commit"]:
        context["decisions"] = [(match, reconcile.decision_choices(match)) for match in job.matches]
    if request.htmx:
        return render(request, "imports/_status.html", context)
    return render(request, "imports/detail.html", context)


def _confirm_cases(request, job_pk: int) -> None:
    with transaction.atomic():
        job = get_object_or_404(ImportJob.objects.select_for_update(), pk=job_pk)
        if not job.can_commit:
            messages.error(request, _("Only a checked file without errors can be imported."))
            return
        job.state = ImportState.COMMITTING
        job.attempts = 0
        job.confirmed_by = request.user
        job.save(update_fields=["state", "attempts", "confirmed_by", "updated_at"])
        user_id = request.user.pk
        transaction.on_commit(lambda: commit_import.delay(job.pk, user_id))


def _confirm_list(request, job: ImportJob) -> None:
    decisions = {}
    for match in job.matches:
        value = request.POST.get(f"row-{match['row']}")
        if value is not None:
            decisions[match["row"]] = value
    try:
        with transaction.atomic():
            reconcile.list_confirm(job=job, decisions=decisions, by=request.user)
            user_id = request.user.pk
            transaction.on_commit(lambda: commit_import.delay(job.pk, user_id))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)


@login_required
@permission_required("imports.add_importjob", raise_exception=True)
@require_POST
def import_confirm(request, pk: int):
    job = get_object_or_404(ImportJob, pk=pk)
    if job.is_release_list:
        if not request.user.has_perms(LIST_PERMISSIONS):
            messages.error(request, _("You may not record release claims."))
        else:
            _confirm_list(request, job)
    else:
        _confirm_cases(request, job.pk)
    return redirect(reverse("imports:detail", args=[job.pk]))


def _csv_response(rows: list[list], filename: str) -> HttpResponse:
    """UTF-8 with a byte-order mark (Excel); every cell a spreadsheet could run is neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([neutralise(str(cell)) if cell is not None else "" for cell in row])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _template(columns: ColumnSet, example: dict, filename: str) -> HttpResponse:
    header = [column.es for column in columns.columns]
    return _csv_response([header, [example.get(c.field, "") for c in columns.columns]], filename)


@login_required
@permission_required("imports.view_importjob", raise_exception=True)
@require_safe
def import_template(request):
    """The Spanish headers and one fictional example row, as CSV."""
    return _template(CASE_COLUMNS, TEMPLATE_EXAMPLE, "plantilla-importacion.csv")


@login_required
@permission_required("imports.view_importjob", raise_exception=True)
@require_safe
def release_list_template(request):
    return _template(RELEASE_LIST_COLUMN_SET, RELEASE_LIST_EXAMPLE, "plantilla-lista.csv")


@login_required
@permission_required("cases.view_releaseclaim", raise_exception=True)
@require_safe
def claim_reconciliation(request, pk: int):
    """How a release claim compares with the registry (staff: names of drafts included)."""
    claim = get_object_or_404(ReleaseClaim.objects.select_related("source"), pk=pk)
    report = claim_report(claim)
    if request.GET.get("formato") == "csv":
        return _csv_response(report_rows(report), f"conciliacion-anuncio-{claim.pk}.csv")
    return render(request, "imports/claim_report.html", {"claim": claim, "report": report})
