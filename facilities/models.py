from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lib.audit import audited
from lib.privacy import Privacy
from lib.vocabulary import Agency, VenezuelanState, choices_check


class FacilityKind(models.TextChoices):
    INTELLIGENCE_HQ = "intelligence_hq", _("Intelligence headquarters")
    POLICE = "police", _("Police detention centre")
    MILITARY = "military", _("Military facility")
    PRISON = "prison", _("Prison")
    WOMENS_PRISON = "womens_prison", _("Women's prison")
    JUVENILE = "juvenile", _("Juvenile detention centre")
    CLANDESTINE = "clandestine", _("Clandestine site")
    HOSPITAL = "hospital", _("Hospital")
    OTHER = "other", _("Other")


class OperatingStatus(models.TextChoices):
    OPERATING = "operating", _("Operating")
    CLOSURE_ANNOUNCED = "closure_announced", _("Closure announced")
    CLOSED = "closed", _("Closed")


class FacilityQuerySet(models.QuerySet):
    def with_people_held(self, people: models.QuerySet):
        """Annotates `people_held`: how many of `people` (a Person queryset, e.g.
        `Person.objects.published()`) are held at each facility now."""
        held_here = (
            people.filter(current_facility=OuterRef("pk"))
            .order_by()
            .values("current_facility")
            .annotate(count=Count("*"))
            .values("count")
        )
        return self.annotate(people_held=Coalesce(Subquery(held_here), 0))


@audited()
class Facility(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    aliases = ArrayField(
        models.CharField(max_length=200),
        verbose_name=_("aliases"),
        default=list,
        blank=True,
        help_text=_("Other names the place is known by, separated by commas."),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=FacilityKind.choices)
    operator = models.CharField(
        _("operating agency"), max_length=30, choices=Agency.choices, default=Agency.UNKNOWN
    )
    state = models.CharField(_("state"), max_length=30, choices=VenezuelanState.choices)
    city = models.CharField(_("city"), max_length=120, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    operating_status = models.CharField(
        _("operating status"),
        max_length=30,
        choices=OperatingStatus.choices,
        default=OperatingStatus.OPERATING,
    )
    closure_announced_on = models.DateField(_("closure announced on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    description = models.TextField(_("public description"), blank=True)

    objects = FacilityQuerySet.as_manager()

    # Who may see each field (lib/privacy.py).
    privacy = Privacy(
        public=[
            "name",
            "slug",
            "aliases",
            "kind",
            "operator",
            "state",
            "city",
            "operating_status",
            "closure_announced_on",
            "closed_on",
            "description",
        ],
        partner=["latitude", "longitude"],
        staff=["id"],
    )

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=choices_check("kind", FacilityKind),
                name="facility_kind_valid",
                violation_error_message=_("Choose a valid kind of facility."),
            ),
            models.CheckConstraint(
                condition=choices_check("operator", Agency),
                name="facility_operator_valid",
                violation_error_message=_("Choose a valid operating agency."),
            ),
            models.CheckConstraint(
                condition=choices_check("state", VenezuelanState),
                name="facility_state_valid",
                violation_error_message=_("Choose a valid state."),
            ),
            models.CheckConstraint(
                condition=choices_check("operating_status", OperatingStatus),
                name="facility_operating_status_valid",
                violation_error_message=_("Choose a valid operating status."),
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(
                    latitude__isnull=False,
                    longitude__isnull=False,
                    latitude__gte=-90,
                    latitude__lte=90,
                    longitude__gte=-180,
                    longitude__lte=180,
                ),
                name="facility_coordinates_valid",
                violation_error_message=_(
                    "Give both latitude and longitude, within -90..90 and -180..180."
                ),
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True)
                | Q(closure_announced_on__isnull=True)
                | Q(closed_on__gte=models.F("closure_announced_on")),
                name="facility_closed_after_announcement",
                violation_error_message=_(
                    "A facility cannot close before its closure was announced."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(operating_status=OperatingStatus.CLOSED) | Q(closed_on__isnull=False),
                name="facility_closed_has_date",
                violation_error_message=_("A closed facility needs the date it closed."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("public:facility-detail", args=[self.slug])
