from django import forms
from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from lib.admin import SafeSaveAdmin
from lib.vocabulary import PersonStatus
from stats.models import ExternalTotal, MonthlySnapshot


class ExternalTotalForm(forms.ModelForm):
    statuses = forms.MultipleChoiceField(
        label=_("statuses it covers"),
        choices=PersonStatus.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=ExternalTotal._meta.get_field("statuses").help_text,
    )

    class Meta:
        model = ExternalTotal
        fields = [
            "organisation",
            "counted_on",
            "count",
            "statuses",
            "definition",
            "source_title",
            "source_url",
        ]


@admin.register(ExternalTotal)
class ExternalTotalAdmin(SafeSaveAdmin):
    form = ExternalTotalForm
    list_display = ["organisation", "counted_on", "count", "source_title"]
    list_filter = ["organisation"]
    search_fields = ["organisation", "source_title"]
    date_hierarchy = "counted_on"


@admin.register(MonthlySnapshot)
class MonthlySnapshotAdmin(admin.ModelAdmin):
    """Read only: snapshots are made by `manage.py freeze_monthly_snapshot` and never change."""

    list_display = ["month", "revision", "frozen_at", "public_page"]
    readonly_fields = ["month", "revision", "corrects", "reason", "frozen_at", "figures"]

    @admin.display(description=_("public page"))
    def public_page(self, snapshot):
        return format_html('<a href="{}">{}</a>', snapshot.get_absolute_url(), snapshot)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
