"""Staff pages of the bulk import (/personal/importar/): small function views (DESIGN §5.7)."""

import csv
import io
import os

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from imports.columns import COLUMNS, TEMPLATE_EXAMPLE
from imports.models import ImportJob, ImportState
from imports.reader import max_bytes
from imports.tasks import commit_import, validate_import

ALLOWED_EXTENSIONS = (".csv", ".xlsx")


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
        return upload


@login_required
@permission_required("imports.add_importjob", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_upload(request):
    posted = request.method == "POST"
    form = UploadForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        with transaction.atomic():
            job = ImportJob.objects.create(
                file=upload, original_name=upload.name[:255], created_by=request.user
            )
            transaction.on_commit(lambda: validate_import.delay(job.pk))
        return redirect(reverse("staff:import-detail", args=[job.pk]))
    jobs = ImportJob.objects.select_related("created_by")[:20]
    return render(
        request,
        "imports/upload.html",
        {
            "form": form,
            "jobs": jobs,
            "columns": COLUMNS,
            "max_size": filesizeformat(getattr(settings, "IMPORT_MAX_BYTES", max_bytes())),
        },
    )


@login_required
@permission_required("imports.view_importjob", raise_exception=True)
def import_detail(request, pk: int):
    job = get_object_or_404(ImportJob.objects.select_related("created_by"), pk=pk)
    context = {
        "job": job,
        "may_commit": job.can_commit and request.user.has_perm("imports.add_importjob"),
    }
    if request.htmx:
        return render(request, "imports/_status.html", context)
    return render(request, "imports/detail.html", context)


@login_required
@permission_required("imports.add_importjob", raise_exception=True)
@require_POST
def import_confirm(request, pk: int):
    with transaction.atomic():
        job = get_object_or_404(ImportJob.objects.select_for_update(), pk=pk)
        if not job.can_commit:
            messages.error(request, _("Only a checked file without errors can be imported."))
            return redirect(reverse("staff:import-detail", args=[job.pk]))
        job.state = ImportState.COMMITTING
        job.save(update_fields=["state"])
        user_id = request.user.pk
        transaction.on_commit(lambda: commit_import.delay(job.pk, user_id))
    return redirect(reverse("staff:import-detail", args=[job.pk]))


@login_required
@permission_required("imports.view_importjob", raise_exception=True)
def import_template(request):
    """The Spanish headers and one fictional example row, as CSV (UTF-8 with BOM for Excel)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.es for column in COLUMNS])
    writer.writerow([TEMPLATE_EXAMPLE.get(column.field, "") for column in COLUMNS])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="plantilla-importacion.csv"'
    return response
