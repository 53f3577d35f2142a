"""Admin of the registry's own records. The person's page edits a whole case (detentions,
events and sources inline), so it lives with the case admin in cases/admin.py."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from lib.admin import SafeSaveAdmin
from registry.models import InformationSubmission
from registry.private_data import PrivateFieldsMixin


@admin.register(InformationSubmission)
class InformationSubmissionAdmin(PrivateFieldsMixin, SafeSaveAdmin):
    list_display = ["about_name", "created_at", "language", "handled"]
    list_filter = ["handled", "language"]
    search_fields = ["about_name"]
    readonly_fields = ["created_at", "language"]
    autocomplete_fields = ["person"]
    fields = ["about_name", "message", "contact", "person", "handled", "language", "created_at"]


admin.site.site_header = _("Registry of political prisoners: staff")
admin.site.site_title = _("Registry staff")
admin.site.index_title = _("Case records")
