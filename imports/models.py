"""A bulk import of case records from a CSV or XLSX file (issue #6): validated, then committed."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.vocabulary import choices_check


class ImportState(models.TextChoices):
    PENDING = "pending", _("Waiting to be checked")
    VALIDATING = "validating", _("Checking")
    VALIDATED = "validated", _("Checked")
    FAILED = "failed", _("Failed")
    COMMITTING = "committing", _("Importing")
    COMMITTED = "committed", _("Imported")


IN_PROGRESS_STATES = (ImportState.PENDING, ImportState.VALIDATING, ImportState.COMMITTING)


class ImportJob(models.Model):
    """One uploaded file and what became of it. Errors are {row, column, code, message}."""

    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=ImportState.choices, default=ImportState.PENDING
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows checked"), default=0)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=choices_check("state", ImportState),
                name="importjob_state_valid",
                violation_error_message=_("Choose a valid import state."),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"

    @property
    def in_progress(self) -> bool:
        return self.state in IN_PROGRESS_STATES

    @property
    def can_commit(self) -> bool:
        return self.state == ImportState.VALIDATED and not self.errors

    @property
    def percent(self) -> int:
        return round(100 * self.rows_done / self.rows_total) if self.rows_total else 0
