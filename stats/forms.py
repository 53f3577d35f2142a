import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from facilities.models import Facility
from lib.vocabulary import VenezuelanState
from registry.models import Category, Sex, country_choices
from stats import queries

EARLIEST = datetime.date(1900, 1, 1)
ANY = [("", _("Any"))]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _not_in_future(value: datetime.date | None) -> datetime.date | None:
    if value and value > timezone.localdate():
        raise forms.ValidationError(_("Choose a date no later than today."))
    if value and value < EARLIEST:
        raise forms.ValidationError(_("Choose a date from 1900 on."))
    return value


class CountsForm(forms.Form):
    """A day and the public list's filters (same names, same meaning)."""

    date = forms.DateField(label=_("Date"), required=False, widget=DateInput())
    facility = forms.ModelChoiceField(
        label=_("Place of custody"),
        queryset=Facility.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=_("Any"),
    )
    state = forms.ChoiceField(
        label=_("State"), choices=ANY + VenezuelanState.choices, required=False
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=ANY + Category.choices, required=False
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=ANY + Sex.choices, required=False)
    nationality = forms.ChoiceField(
        label=_("Nationality"), choices=ANY + country_choices(), required=False
    )

    def clean_date(self):
        return _not_in_future(self.cleaned_data.get("date"))

    def day(self) -> datetime.date:
        return self.cleaned_data.get("date") or timezone.localdate()

    def filters(self) -> queries.Filters:
        data = self.cleaned_data
        facility = data.get("facility")
        return queries.Filters(
            facility_id=facility.pk if facility else None,
            state=data.get("state", ""),
            category=data.get("category", ""),
            sex=data.get("sex", ""),
            nationality=data.get("nationality", ""),
        )


class SeriesForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())
    interval = forms.ChoiceField(
        label=_("One point per"),
        choices=[
            (queries.DAY, _("Day")),
            (queries.WEEK, _("Week")),
            (queries.MONTH, _("Month")),
        ],
        required=False,
    )

    def clean_start(self):
        return _not_in_future(self.cleaned_data.get("start"))

    def clean_end(self):
        return _not_in_future(self.cleaned_data.get("end"))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end cannot come before the start."))
        return cleaned

    def period(self, state: queries.SeriesState) -> tuple[datetime.date, datetime.date, str]:
        today = timezone.localdate()
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        start = data.get("start") or state.first_day or today
        end = data.get("end") or state.last_day or today
        return start, max(start, end), data.get("interval") or queries.MONTH
