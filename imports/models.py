"""A file uploaded by staff and worked on in the background (issue #6).

Two kinds: a file of case records (validated, then committed as drafts) and an outside list of
released people (matched against the registry, confirmed by staff, then recorded as the names of
a release claim).
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lib.privacy import Privacy
from lib.vocabulary import choices_check


class ImportState(models.TextChoices):
    PENDING = "pending", _("Waiting to be checked")
    VALIDATING = "validating", _("Checking")
    VALIDATED = "validated", _("Checked")
    FAILED = "failed", _("Failed")
    COMMITTING = "committing", _("Importing")
    COMMITTED = "committed", _("Imported")


IN_PROGRESS_STATES = (ImportState.PENDING, ImportState.VALIDATING, ImportState.COMMITTING)


class ImportKind(models.TextChoices):
    CASES = "cases", _("Case records")
    RELEASE_LIST = "release_list", _("List of released people")


class ImportJob(models.Model):
    """One uploaded file and what became of it. Errors are {row, column, code, message}."""

    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=ImportKind.choices, default=ImportKind.CASES
    )
    state = models.CharField(
        _("state"), max_length=20, choices=ImportState.choices, default=ImportState.PENDING
    )
    # How many times a worker started on the current step: the sweeper hands a job whose worker
    # died back to the queue a few times, then marks it failed.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows checked"), default=0)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    # A list of released people: each row's match proposal and, once confirmed, the decision.
    matches = models.JSONField(_("matches"), default=list, blank=True)
    # A list of released people: the claim it is the list of (an existing one, or one recorded
    # from `claim_details` when the matches are confirmed).
    claim = models.ForeignKey(
        "cases.ReleaseClaim",
        verbose_name=_("release claim"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="import_jobs",
    )
    claim_details = models.JSONField(_("claim details"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Every progress report touches this row: a job in progress whose row has not changed for a
    # while has lost its worker (imports.services.import_sweep_stale).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Who may see each field (lib/privacy.py).
    privacy = Privacy.staff_only()

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
            models.CheckConstraint(
                condition=choices_check("kind", ImportKind),
                name="importjob_kind_valid",
                violation_error_message=_("Choose a valid kind of import."),
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
    def claim_announced_on(self) -> datetime.date | None:
        """The announcement date of the new claim a list will record (kept as ISO text)."""
        text = self.claim_details.get("announced_on")
        return datetime.date.fromisoformat(text) if text else None

    @property
    def is_release_list(self) -> bool:
        return self.kind == ImportKind.RELEASE_LIST

    @property
    def percent(self) -> int:
        return round(100 * self.rows_done / self.rows_total) if self.rows_total else 0
