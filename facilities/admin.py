from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from facilities.models import Facility
from lib.admin import SafeSaveAdmin


@admin.register(Facility)
class FacilityAdmin(SafeSaveAdmin, TranslationAdmin):
    list_display = ["name", "kind", "operator", "state", "city", "operating_status"]
    list_filter = ["kind", "operator", "state", "operating_status"]
    search_fields = ["name", "city"]
    prepopulated_fields = {"slug": ["name"]}
