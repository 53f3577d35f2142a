import datetime

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases.models import HttpsURLField
from lib.privacy import Privacy
from lib.vocabulary import IN_CUSTODY_STATUSES, PersonStatus


class DailyFigure(models.Model):
    """One day of the public time series (published people only), at the end of that day.

    The whole table is recomputed from the detention episodes by
    `stats.services.daily_figures_refresh` (Celery beat, every few minutes): reading 4,000 rows
    is what lets a 12-year daily series answer in milliseconds at a million episodes.
    """

    day = models.DateField(_("day"), primary_key=True)
    in_custody = models.PositiveIntegerField(_("in custody"))
    arrests = models.PositiveIntegerField(_("arrests"))
    releases = models.PositiveIntegerField(_("verified releases"))
    computed_at = models.DateTimeField(_("computed at"))

    # Who may see each field (lib/privacy.py).
    privacy = Privacy(public=["day", "in_custody", "arrests", "releases", "computed_at"])

    class Meta:
        verbose_name = _("daily figure")
        verbose_name_plural = _("daily figures")
        ordering = ["day"]

    def __str__(self) -> str:
        return self.day.isoformat()


def default_external_statuses() -> list[str]:
    return list(IN_CUSTODY_STATUSES)


class ExternalTotal(models.Model):
    """A total published by another organisation (e.g. an NGO's periodic count of political
    prisoners), shown beside the registry's own count for the same statuses on that date."""

    organisation = models.CharField(_("organisation"), max_length=200)
    counted_on = models.DateField(_("date of the count"))
    count = models.PositiveIntegerField(_("number counted"))
    statuses = ArrayField(
        models.CharField(max_length=30, choices=PersonStatus.choices),
        verbose_name=_("statuses it covers"),
        default=default_external_statuses,
        help_text=_(
            "The registry statuses that match what the organisation counts; our own count on "
            "that date is made over the same statuses."
        ),
    )
    definition = models.TextField(
        _("what the organisation counts"),
        help_text=_("Their definition, as they publish it (shown publicly)."),
    )
    source_title = models.CharField(_("source title"), max_length=300)
    source_url = HttpsURLField(_("source URL"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # Who may see each field (lib/privacy.py).
    privacy = Privacy(
        public=[
            "organisation",
            "counted_on",
            "count",
            "statuses",
            "definition",
            "source_title",
            "source_url",
        ],
        staff=["id", "created_at"],
    )

    class Meta:
        verbose_name = _("total published by another organisation")
        verbose_name_plural = _("totals published by other organisations")
        ordering = ["-counted_on", "organisation"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "counted_on"],
                name="externaltotal_one_per_organisation_and_date",
                violation_error_message=_(
                    "This organisation already has a total recorded for that date."
                ),
            ),
            models.CheckConstraint(
                condition=Q(statuses__contained_by=list(PersonStatus.values))
                & Q(statuses__len__gte=1),
                name="externaltotal_statuses_valid",
                violation_error_message=_("Choose at least one valid status."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation}, {self.counted_on}: {self.count}"


class MonthlySnapshotQuerySet(models.QuerySet):
    def of_month(self, month: datetime.date):
        return self.filter(month=month).order_by("revision")


class MonthlySnapshot(models.Model):
    """The figures of one month, frozen: a citable record that is never changed.

    A correction is a new row (revision 1, 2, ...) pointing to the revision it corrects, with
    the reason. PostgreSQL refuses any UPDATE or DELETE of a snapshot (trigger in migration
    0001), so a figure that was cited once can always be found again, as it was.
    """

    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    revision = models.PositiveSmallIntegerField(_("revision"), default=0)
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
    )
    figures = models.JSONField(_("figures"), encoder=DjangoJSONEncoder)
    reason = models.TextField(
        _("reason for the revision"),
        blank=True,
        help_text=_("What changed and why (shown publicly). Empty for the original."),
    )
    frozen_at = models.DateTimeField(_("frozen at"))

    objects = MonthlySnapshotQuerySet.as_manager()

    # Who may see each field (lib/privacy.py).
    privacy = Privacy(
        public=["month", "revision", "corrects", "figures", "reason", "frozen_at"], staff=["id"]
    )

    class Meta:
        verbose_name = _("monthly snapshot")
        verbose_name_plural = _("monthly snapshots")
        ordering = ["-month", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "revision"],
                name="monthlysnapshot_one_per_month_and_revision",
                violation_error_message=_("This revision of the month exists already."),
            ),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="monthlysnapshot_month_is_first_day",
                violation_error_message=_("A month is stored as its first day."),
            ),
            models.CheckConstraint(
                condition=Q(revision=0, corrects__isnull=True, reason="")
                | (Q(revision__gte=1, corrects__isnull=False) & ~Q(reason="")),
                name="monthlysnapshot_revision_corrects_with_reason",
                violation_error_message=_(
                    "The original corrects nothing; a revision corrects an earlier one and says "
                    "why."
                ),
            ),
        ]

    def __str__(self) -> str:
        label = self.month.strftime("%Y-%m")
        return f"{label} r{self.revision}" if self.revision else label

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValidationError(_("A snapshot is never changed: record a revision instead."))
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        if self.revision:
            return reverse("stats:snapshot-revision", args=[self.month_slug, self.revision])
        return reverse("stats:snapshot", args=[self.month_slug])

    def delete(self, *args, **kwargs):
        raise ValidationError(_("A snapshot is never deleted."))

    @property
    def month_slug(self) -> str:
        return self.month.strftime("%Y-%m")
